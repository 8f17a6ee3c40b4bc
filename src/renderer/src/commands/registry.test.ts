// @vitest-environment happy-dom
import { describe, expect, test } from 'vitest';
import { sequentialIds } from '../../../shared/model/ids';
import { moveItems } from '../../../shared/model/ops';
import { placementProblems } from '../../../shared/model/placement';
import { buildDesignFromAnswers, templates } from '../../../shared/model/templates';
import type { Design, Machine, MachineId, SiteId } from '../../../shared/model/types';
import { movesForDrag, resizeSite } from '../canvas/canvasActions';
import { areas } from '../stores/uiStore';
import { commands, executeCommand, getCommand } from './registry';
import { createTestApp } from './testApp';

const template = (): Design => buildDesignFromAnswers(templates[0]!.answers, sequentialIds());
const machineNamed = (design: Design, name: string) => Object.values(design.machines).find((m) => m.name === name)!;
const siteNamed = (design: Design, name: string) => Object.values(design.sites).find((s) => s.name === name)!;

/** Runs a document command and checks the undo contract: exactly one entry, undo restores the design before. */
async function expectOneUndoStep(app: ReturnType<typeof createTestApp>, id: string, args?: unknown) {
  const before = app.design;
  const depth = app.undoDepth;
  expect(await executeCommand(app.ctx, id, args)).toBe(true);
  expect(app.design).not.toBe(before);
  expect(app.undoDepth).toBe(depth + 1);
  const after = app.design;
  expect(await executeCommand(app.ctx, 'undo')).toBe(true);
  expect(app.design).toEqual(before);
  expect(await executeCommand(app.ctx, 'redo')).toBe(true);
  expect(app.design).toEqual(after);
  return after;
}

describe('document commands: one undo step per intent', () => {
  test('addSite adds one site at the point and selects it', async () => {
    const app = createTestApp();
    const after = await expectOneUndoStep(app, 'addSite', { kind: 'cloud', at: { x: 500, y: 300 } });
    const site = Object.values(after.sites)[0]!;
    expect(site.kind).toBe('cloud');
    expect(site.nat).toBe('public');
    // The new site is selected (undo in the check above dropped it from the selection; add another).
    await executeCommand(app.ctx, 'addSite', { kind: 'home', at: { x: 0, y: 0 } });
    const added = Object.values(app.design.sites).find((s) => s.kind === 'home')!;
    expect(app.ctx.selection.getState().selectedIds).toEqual([added.id]);
  });

  test('addMachine dropped inside a site joins that site with a unique valid name, in free space inside it', async () => {
    const app = createTestApp(template());
    const home = siteNamed(app.design, 'Home');
    const at = { x: home.position.x + 100, y: home.position.y + 200 };
    const after = await expectOneUndoStep(app, 'addMachine', { kind: 'nas', at });
    const added = Object.values(after.machines).find((m) => !(m.id in template().machines))!;
    expect(added.siteId).toBe(home.id);
    expect(added.name).toBe('nas-2');
    // The point was on the phone's place: the new machine lands beside it, and Home grew to hold it.
    expect(placementProblems(after)).toEqual([]);
    expect(after.sites[home.id]!.size.height).toBeGreaterThan(home.size.height);
  });

  test('addMachine outside every site stays free', async () => {
    const app = createTestApp(template());
    const after = await expectOneUndoStep(app, 'addMachine', { kind: 'phone', at: { x: -2000, y: -2000 } });
    const phone = Object.values(after.machines).find((m) => m.position.x < -1000)!;
    expect(phone.siteId).toBeNull();
    expect(phone.managed).toBe(false);
  });

  test('duplicate copies the selection with new ids and names', async () => {
    const app = createTestApp(template());
    app.select([machineNamed(app.design, 'nas').id]);
    const after = await expectOneUndoStep(app, 'duplicate');
    expect(Object.values(after.machines).filter((m) => m.name.startsWith('nas'))).toHaveLength(2);
    expect(machineNamed(after, 'nas-2').siteId).toBe(machineNamed(after, 'nas').siteId);
  });

  test('copy then paste inserts a copy as one step; copy itself changes nothing', async () => {
    const app = createTestApp(template());
    app.select([siteNamed(app.design, 'Home').id]);
    const depth = app.undoDepth;
    await executeCommand(app.ctx, 'copy');
    expect(app.undoDepth).toBe(depth);
    const after = await expectOneUndoStep(app, 'paste');
    expect(Object.values(after.sites).filter((s) => s.name === 'Home')).toHaveLength(2);
    expect(Object.keys(after.machines)).toHaveLength(9);
  });

  test('cut removes the selection as one step and paste brings it back', async () => {
    const app = createTestApp(template());
    app.select([machineNamed(app.design, 'laptop').id]);
    const after = await expectOneUndoStep(app, 'cut');
    expect(Object.values(after.machines).some((m) => m.name === 'laptop')).toBe(false);
    await executeCommand(app.ctx, 'paste');
    expect(Object.values(app.design.machines).some((m) => m.name === 'laptop')).toBe(true);
  });

  test('deleting a site asks first because it takes its machines, and is one step', async () => {
    const app = createTestApp(template());
    app.select([siteNamed(app.design, 'Home').id]);
    const after = await expectOneUndoStep(app, 'deleteSelection');
    expect(app.confirmations).toEqual(['Delete the selection?']);
    expect(Object.keys(after.machines)).toHaveLength(1);
    expect(after.admin.siteId).toBeNull();
  });

  test('deleting a machine that holds a VPN role asks first; cancelling changes nothing', async () => {
    const base = template();
    const vps = machineNamed(base, 'vps');
    const design: Design = { ...base, vpn: { id: 'zerotier', instance: 'mesh', roles: { [vps.id]: ['controller'] } as Record<MachineId, string[]> } };
    const app = createTestApp(design, { confirm: false });
    app.select([vps.id]);
    await executeCommand(app.ctx, 'deleteSelection');
    expect(app.confirmations).toHaveLength(1);
    expect(app.design).toBe(design);
    expect(app.undoDepth).toBe(0);
  });

  test('deleting a plain machine needs no confirmation', async () => {
    const app = createTestApp(template());
    app.select([machineNamed(app.design, 'desktop').id]);
    await expectOneUndoStep(app, 'deleteSelection');
    expect(app.confirmations).toEqual([]);
  });

  test('connectMachines links the two selected machines with a cable', async () => {
    const app = createTestApp(template());
    app.select([machineNamed(app.design, 'nas').id, machineNamed(app.design, 'desktop').id]);
    const after = await expectOneUndoStep(app, 'connectMachines');
    const [link] = Object.values(after.links);
    expect(link).toMatchObject({ kind: 'cable', source: machineNamed(after, 'nas').id, target: machineNamed(after, 'desktop').id });
  });

  test('setAdminSite marks the selected site as the admin location', async () => {
    const app = createTestApp(template());
    const vpsSite = siteNamed(app.design, 'Cloud VPS');
    app.select([vpsSite.id]);
    const after = await expectOneUndoStep(app, 'setAdminSite');
    expect(after.admin.siteId).toBe(vpsSite.id);
  });
});

describe('deploy settings', () => {
  test('each field of the Deploy group is one undo step, and a value out of range is kept within it', async () => {
    const app = createTestApp(template());
    const vps = machineNamed(app.design, 'vps');
    expect((await expectOneUndoStep(app, 'setDeploySettings', { varsHelper: vps.id })).deploy.varsHelper).toBe(vps.id);
    expect((await expectOneUndoStep(app, 'setDeploySettings', { rollbackSeconds: 240 })).deploy.rollbackSeconds).toBe(240);
    expect((await expectOneUndoStep(app, 'setDeploySettings', { concurrency: 99 })).deploy.concurrency).toBe(32);
    expect(app.undoDepth).toBe(3);
    // Committing the value the design already holds (leaving a field unchanged) is no edit.
    await executeCommand(app.ctx, 'setDeploySettings', { concurrency: 32 });
    expect(app.undoDepth).toBe(3);
  });

  test('"Use as the vars helper" makes the selected managed machine the helper in one step; a phone cannot be one', async () => {
    const app = createTestApp(template());
    const laptop = machineNamed(app.design, 'laptop');
    app.select([laptop.id]);
    expect((await expectOneUndoStep(app, 'useAsVarsHelper')).deploy.varsHelper).toBe(laptop.id);
    // Already the helper: nothing left to do.
    expect(await executeCommand(app.ctx, 'useAsVarsHelper')).toBe(false);
    const phone = await executeCommand(app.ctx, 'addMachine', { kind: 'phone', at: { x: -2000, y: -2000 } });
    expect(phone).toBe(true);
    expect(await executeCommand(app.ctx, 'useAsVarsHelper')).toBe(false);
  });

  test('deleting the vars helper asks first, clears the choice, and one undo brings both back', async () => {
    const base = template();
    const vps = machineNamed(base, 'vps');
    const app = createTestApp({ ...base, deploy: { ...base.deploy, varsHelper: vps.id } });
    app.select([vps.id]);
    const after = await expectOneUndoStep(app, 'deleteSelection');
    expect(app.confirmations).toEqual(['Delete the selection?']);
    expect(after.machines[vps.id]).toBeUndefined();
    expect(after.deploy.varsHelper).toBeNull();
    await executeCommand(app.ctx, 'undo');
    expect(app.design.deploy.varsHelper).toBe(vps.id);
    expect(app.design.machines[vps.id]).toBeDefined();
  });

  test('a new network from the wizard keeps the rollback time limit and concurrency but not the old helper', async () => {
    const base = template();
    const app = createTestApp({ ...base, deploy: { varsHelper: machineNamed(base, 'vps').id, rollbackSeconds: 600, concurrency: 2 } });
    await executeCommand(app.ctx, 'openWizard', { answers: templates[1]!.answers });
    expect(app.design.deploy).toEqual({ varsHelper: null, rollbackSeconds: 600, concurrency: 2 });
  });
});

/** Drags Home's nas (one finished drag) to a point relative to the cloud site, checking the one undo step. */
async function dropNasInCloud(relative: (vps: Machine) => { x: number; y: number }) {
  const app = createTestApp(template());
  const design = app.design;
  const nas = machineNamed(design, 'nas');
  const cloud = siteNamed(design, 'Cloud VPS');
  const home = siteNamed(design, 'Home');
  const p = relative(machineNamed(design, 'vps'));
  // React Flow reports the node's position relative to the site it was in when the drag started.
  const dragged = [{ id: nas.id, position: { x: cloud.position.x + p.x - home.position.x, y: cloud.position.y + p.y - home.position.y }, width: 168, height: 60 }];
  await expectOneUndoStep(app, 'moveItems', { dragged });
  return { app, design, nas, cloud, dragged };
}

describe('gestures commit once', () => {
  test('a drag of a machine into another site is one move: new site, position relative to it', async () => {
    // Let go at a free point inside the cloud site, right of the vps.
    const { app, design, nas, cloud, dragged } = await dropNasInCloud(() => ({ x: 212, y: 52 }));
    expect(app.design.machines[nas.id]).toMatchObject({ siteId: cloud.id, position: { x: 212, y: 52 } });
    expect(app.design).toEqual(moveItems(design, movesForDrag(design, dragged)));
    await executeCommand(app.ctx, 'undo');
    expect(app.design).toBe(design);
  });

  test('a machine dropped onto another one moves aside to the nearest free place, and its site grows to hold it', async () => {
    // Let go exactly on the vps.
    const { app, nas, cloud } = await dropNasInCloud((vps) => vps.position);
    expect(app.design.machines[nas.id]!.siteId).toBe(cloud.id);
    expect(placementProblems(app.design)).toEqual([]);
  });

  test('dragging a site with its machines selected moves the site only; machines keep their place in it', () => {
    const design = template();
    const home = siteNamed(design, 'Home');
    const nas = machineNamed(design, 'nas');
    const moves = movesForDrag(design, [
      { id: home.id, position: { x: home.position.x + 100, y: home.position.y + 40 } },
      { id: nas.id, position: nas.position, width: 168, height: 60 },
    ]);
    expect(moves).toEqual([{ id: home.id, position: { x: home.position.x + 100, y: home.position.y + 40 } }]);
  });

  test('resizing a site from its top-left corner keeps its machines where they are on screen', () => {
    const design = template();
    const home = siteNamed(design, 'Home');
    const nas = machineNamed(design, 'nas');
    const next = resizeSite(design, home.id as SiteId, { x: home.position.x - 50, y: home.position.y - 20, width: home.size.width + 50, height: home.size.height + 20 });
    expect(next.machines[nas.id]!.position).toEqual({ x: nas.position.x + 50, y: nas.position.y + 20 });
    expect(next.sites[home.id]!.size.width).toBe(home.size.width + 50);
  });
});

describe('the registry', () => {
  test('every command has a unique id, a sentence-case label and a group', () => {
    const ids = commands.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const c of commands) {
      expect(c.label[0]).toBe(c.label[0]!.toUpperCase());
      // Proper names (the app's, the areas') keep their capitals.
      const plain = areas.reduce((label, area) => label.replace(area.label, 'the area'), c.label.replace('Clan Network Designer', 'the app'));
      expect(plain.slice(1)).not.toMatch(/ [A-Z][a-z]+ [A-Z]/);
    }
  });

  test('undo and redo are disabled when there is nothing to undo or redo', async () => {
    const app = createTestApp();
    expect(await executeCommand(app.ctx, 'undo')).toBe(false);
    expect(await executeCommand(app.ctx, 'redo')).toBe(false);
  });

  test('shortcuts reach the right commands', () => {
    const key = (init: KeyboardEventInit) => new KeyboardEvent('keydown', init);
    expect(getCommand('undo')!.keyTest!(key({ key: 'z', ctrlKey: true }))).toBe(true);
    expect(getCommand('redo')!.keyTest!(key({ key: 'y', ctrlKey: true }))).toBe(true);
    expect(getCommand('redo')!.keyTest!(key({ key: 'Z', ctrlKey: true, shiftKey: true }))).toBe(true);
    expect(getCommand('commandPalette')!.keyTest!(key({ key: 'k', ctrlKey: true }))).toBe(true);
    expect(getCommand('deleteSelection')!.keyTest!(key({ key: 'Delete' }))).toBe(true);
  });

  test('view-only and selection-only commands never add undo entries', async () => {
    const app = createTestApp(template());
    app.select([machineNamed(app.design, 'nas').id]);
    for (const id of ['copy', 'selectAll', 'rename', 'toggleOverlay', 'toggleSnap', 'toggleProblems', 'exportMermaid', 'openWizard']) await executeCommand(app.ctx, id);
    expect(app.undoDepth).toBe(0);
    expect(app.ui.dialog).toBe('wizard');
    expect(app.ui.overlayVisible).toBe(false);
    await executeCommand(app.ctx, 'commandPalette');
    expect(app.ui.dialog).toBe('palette');
  });
});
