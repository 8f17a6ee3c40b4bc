// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { sequentialIds } from '../../../shared/model/ids';
import { absolutePosition } from '../../../shared/model/ops';
import { placementProblems } from '../../../shared/model/placement';
import { buildDesignFromAnswers, templates } from '../../../shared/model/templates';
import type { Design, SiteId } from '../../../shared/model/types';
import { nudgeStep, type NudgeArgs } from './placementCommands';
import { BURST_IDLE_MS, endCommandBurst, executeCommand, getCommand } from './registry';
import { createTestApp } from './testApp';

// Where commands put machines, and the keyboard's moves: every placement lands in free space inside its site (which
// grows to fit), and a burst of arrow presses is one undo step.

const homeAndVps = (): Design => buildDesignFromAnswers(templates[0]!.answers, sequentialIds());
const machineNamed = (design: Design, name: string) => Object.values(design.machines).find((m) => m.name === name)!;
const siteNamed = (design: Design, name: string) => Object.values(design.sites).find((s) => s.name === name)!;
const newMachines = (before: Design, after: Design) => Object.values(after.machines).filter((m) => before.machines[m.id] === undefined);

const right: NudgeArgs = { dx: 1, dy: 0, big: false };

describe('arrow keys move the selection, one undo step per burst', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => {
    endCommandBurst();
    vi.useRealTimers();
  });

  test('five presses and a Shift press are one undo step once the keys rest, and one undo puts everything back', async () => {
    const app = createTestApp(homeAndVps());
    const before = app.design;
    const nas = machineNamed(before, 'nas');
    app.select([nas.id]);
    for (let i = 0; i < 5; i += 1) await executeCommand(app.ctx, 'nudgeSelection', right);
    await executeCommand(app.ctx, 'nudgeSelection', { dx: 0, dy: 1, big: true } satisfies NudgeArgs);
    // Snap to grid is on: one grid cell per press, four with Shift.
    expect(app.design.machines[nas.id]!.position).toEqual({ x: nas.position.x + 80, y: nas.position.y + 64 });
    expect(app.undoDepth).toBe(0);
    expect(app.edited).toBe(true);
    vi.advanceTimersByTime(BURST_IDLE_MS);
    expect(app.undoDepth).toBe(1);
    await executeCommand(app.ctx, 'undo');
    expect(app.design).toBe(before);
    await executeCommand(app.ctx, 'redo');
    expect(app.design.machines[nas.id]!.position).toEqual({ x: nas.position.x + 80, y: nas.position.y + 64 });
  });

  test('undo right after the presses undoes the whole burst', async () => {
    const app = createTestApp(homeAndVps());
    const before = app.design;
    app.select([machineNamed(before, 'nas').id]);
    for (let i = 0; i < 3; i += 1) await executeCommand(app.ctx, 'nudgeSelection', right);
    await executeCommand(app.ctx, 'undo');
    expect(app.design).toBe(before);
    expect(app.redoDepth).toBe(1);
  });

  test('another command ends the burst first: the burst and the edit are one undo step each', async () => {
    const app = createTestApp(homeAndVps());
    const nas = machineNamed(app.design, 'nas');
    app.select([nas.id]);
    await executeCommand(app.ctx, 'nudgeSelection', right);
    await executeCommand(app.ctx, 'nudgeSelection', right);
    await executeCommand(app.ctx, 'editItem', { id: nas.id, patch: { name: 'storage' } });
    expect(app.undoDepth).toBe(2);
    await executeCommand(app.ctx, 'undo');
    expect(app.design.machines[nas.id]).toMatchObject({ name: 'nas', position: { x: nas.position.x + 32, y: nas.position.y } });
  });

  test('the shortcut passes the arrow and Shift; with a modifier it is not ours', () => {
    const nudge = getCommand('nudgeSelection')!;
    const key = (init: KeyboardEventInit) => new KeyboardEvent('keydown', init);
    expect(nudge.keyTest!(key({ key: 'ArrowLeft' }))).toBe(true);
    expect(nudge.keyArgs!(key({ key: 'ArrowLeft' }))).toEqual({ dx: -1, dy: 0, big: false });
    expect(nudge.keyArgs!(key({ key: 'ArrowUp', shiftKey: true }))).toEqual({ dx: 0, dy: -1, big: true });
    expect(nudge.keyTest!(key({ key: 'ArrowLeft', ctrlKey: true }))).toBe(false);
    expect(nudgeStep(false, false)).toBe(1);
    expect(nudgeStep(false, true)).toBe(10);
  });

  test('a machine pushed past the left edge of its site takes the edge with it: the site grows, the machine stays inside', async () => {
    const app = createTestApp(homeAndVps());
    const nas = machineNamed(app.design, 'nas');
    const home = siteNamed(app.design, 'Home');
    app.select([nas.id]);
    for (let i = 0; i < 3; i += 1) await executeCommand(app.ctx, 'nudgeSelection', { dx: -1, dy: 0, big: false } satisfies NudgeArgs);
    expect(app.design.sites[home.id]!.position.x).toBeLessThan(home.position.x);
    expect(absolutePosition(app.design, app.design.machines[nas.id]!).x).toBe(home.position.x + nas.position.x - 48);
    expect(placementProblems(app.design)).toEqual([]);
  });

  test('nothing selected: the arrows do nothing', async () => {
    const app = createTestApp(homeAndVps());
    expect(await executeCommand(app.ctx, 'nudgeSelection', right)).toBe(false);
  });
});

describe('new machines land in free space inside their site', () => {
  test('added without a point, a machine goes into the selected site, clear of the others; the site grows', async () => {
    const app = createTestApp(homeAndVps());
    const before = app.design;
    const home = siteNamed(before, 'Home');
    app.select([home.id]);
    await executeCommand(app.ctx, 'addMachine', { kind: 'server' });
    const [added] = newMachines(before, app.design);
    expect(added!.siteId).toBe(home.id);
    expect(placementProblems(app.design)).toEqual([]);
    expect(app.undoDepth).toBe(1);
  });

  test("with a machine selected, into that machine's site", async () => {
    const app = createTestApp(homeAndVps());
    const before = app.design;
    app.select([machineNamed(before, 'vps').id]);
    await executeCommand(app.ctx, 'addMachine', { kind: 'laptop' });
    expect(newMachines(before, app.design)[0]!.siteId).toBe(siteNamed(before, 'Cloud VPS').id);
    expect(placementProblems(app.design)).toEqual([]);
  });

  test('with nothing selected, into the site in the middle of the view, or else the one most on screen', async () => {
    const app = createTestApp(homeAndVps());
    const before = app.design;
    const cloud = siteNamed(before, 'Cloud VPS');
    app.ctx.view = { ...app.ctx.view!, center: () => ({ x: cloud.position.x + 50, y: cloud.position.y + 50 }) };
    await executeCommand(app.ctx, 'addMachine', { kind: 'nas' });
    expect(newMachines(before, app.design)[0]!.siteId).toBe(cloud.id);
    const home = siteNamed(before, 'Home');
    app.ctx.view = { ...app.ctx.view, center: () => ({ x: -5000, y: -5000 }), visibleArea: () => ({ x: home.position.x - 300, y: home.position.y, width: 400, height: 300 }) };
    const middle = app.design;
    // The machine just added is selected; nothing is, for this one.
    app.select([]);
    await executeCommand(app.ctx, 'addMachine', { kind: 'desktop' });
    expect(newMachines(middle, app.design)[0]!.siteId).toBe(home.id);
    expect(placementProblems(app.design)).toEqual([]);
  });

  test('with no site in view, in no site near the middle of the view, off every site and machine', async () => {
    const app = createTestApp(homeAndVps());
    const before = app.design;
    const home = siteNamed(before, 'Home');
    // The middle of the view is just left of Home: the new machine must not reach into it.
    app.ctx.view = { ...app.ctx.view!, center: () => ({ x: home.position.x - 40, y: home.position.y + 40 }), visibleArea: () => ({ x: -4000, y: -4000, width: 10, height: 10 }) };
    await executeCommand(app.ctx, 'addMachine', { kind: 'phone' });
    const [phone] = newMachines(before, app.design);
    expect(phone!.siteId).toBeNull();
    expect(phone!.position.x + 168).toBeLessThanOrEqual(home.position.x);
  });

  test("changing a machine's site in the inspector puts it in free space there, whatever position came with it", async () => {
    const app = createTestApp(homeAndVps());
    const vps = machineNamed(app.design, 'vps');
    const home = siteNamed(app.design, 'Home');
    await executeCommand(app.ctx, 'editItem', { id: vps.id, patch: { siteId: home.id, position: { x: 24, y: 52 } } });
    expect(app.design.machines[vps.id]!.siteId).toBe(home.id);
    expect(placementProblems(app.design)).toEqual([]);
    expect(app.undoDepth).toBe(1);
  });

  test('taken out of its site in the inspector, a machine stays where it was on screen, off every site', async () => {
    const app = createTestApp(homeAndVps());
    const nas = machineNamed(app.design, 'nas');
    const where = absolutePosition(app.design, nas);
    await executeCommand(app.ctx, 'editItem', { id: nas.id, patch: { siteId: null as SiteId | null } });
    const moved = app.design.machines[nas.id]!;
    expect(moved.siteId).toBeNull();
    // Home is still there, so it moves out of Home's area, to the nearest free place.
    const home = siteNamed(app.design, 'Home');
    const inHome = moved.position.x < home.position.x + home.size.width && moved.position.x + 168 > home.position.x && moved.position.y < home.position.y + home.size.height && moved.position.y + 60 > home.position.y;
    expect(inHome).toBe(false);
    expect(Math.hypot(moved.position.x - where.x, moved.position.y - where.y)).toBeLessThan(400);
  });

  test('a duplicate lands beside the original, not on it', async () => {
    const app = createTestApp(homeAndVps());
    app.select([machineNamed(app.design, 'nas').id]);
    await executeCommand(app.ctx, 'duplicate');
    expect(placementProblems(app.design)).toEqual([]);
  });

  test('a site resized smaller than its machines keeps room for them', async () => {
    const app = createTestApp(homeAndVps());
    const home = siteNamed(app.design, 'Home');
    await executeCommand(app.ctx, 'resizeSite', { id: home.id, box: { x: home.position.x, y: home.position.y, width: 220, height: 120 } });
    expect(placementProblems(app.design)).toEqual([]);
  });

  test('Escape selects nothing, and is no edit', async () => {
    const app = createTestApp(homeAndVps());
    app.select([machineNamed(app.design, 'nas').id]);
    expect(getCommand('selectNone')!.keyTest!(new KeyboardEvent('keydown', { key: 'Escape' }))).toBe(true);
    await executeCommand(app.ctx, 'selectNone');
    expect(app.ctx.selection.getState().selectedIds).toEqual([]);
    expect(app.undoDepth).toBe(0);
  });
});
