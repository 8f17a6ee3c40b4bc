// @vitest-environment happy-dom
import { describe, expect, test } from 'vitest';
import { appError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import { sequentialIds } from '../../../shared/model/ids';
import { buildDesignFromAnswers, templates } from '../../../shared/model/templates';
import type { Design } from '../../../shared/model/types';
import { err, ok } from '../../../shared/result';
import { applyComparisonFromAddress, openFile, recoverAutosave, saveCurrent } from './fileActions';
import { commands, executeCommand } from './registry';
import { createTestApp } from './testApp';

// What a user notices of the undo history: one Ctrl+Z per intent, and looking at things (sorting, switching
// areas, zooming) neither adds an undo step nor marks the file edited nor gives autosave anything to write.

const template = (): Design => buildDesignFromAnswers(templates[0]!.answers, sequentialIds());
const machineNamed = (design: Design, name: string) => Object.values(design.machines).find((m) => m.name === name)!;

/** A back end that answers the file operations from a map of files, and refuses everything else. */
function fakeBackend(files: Record<string, Design>, saved: Design[] = []): ApiTransport {
  const handlers: Record<string, (request: never) => unknown> = {
    'project:open': ({ name }: { name: string }) => (files[name] === undefined ? err(appError('fileNotFound')) : ok({ name, design: files[name], repairs: [], revision: `rev-${name}` })),
    'project:recovery.open': ({ key }: { key: string }) => (files[key] === undefined ? err(appError('fileNotFound')) : ok({ design: files[key], revision: null })),
    'project:save': ({ name, design }: { name: string; design: Design }) => {
      saved.push(design);
      return ok({ name, revision: 'rev-saved' });
    },
  };
  return {
    invoke: (async (channel: string, request: never) => handlers[channel]?.(request) ?? err(appError('unknownChannel', { channel }))) as ApiTransport['invoke'],
    subscribe: () => () => undefined,
  };
}

describe('a slider drag is one undo step', () => {
  test('dragging a weight across five values, then letting go: one step back to the weight before the drag', async () => {
    const app = createTestApp(template());
    const before = app.design;
    for (const weight of [1.5, 2, 2.5, 3, 2.5]) await executeCommand(app.ctx, 'setWeight', { workload: 'tcp', weight }, { capture: 'eventually' });
    // Every value was shown as the slider passed it; none of them is an undo step of its own.
    expect(app.design.comparison.weights.tcp).toBe(2.5);
    expect(app.edited).toBe(true);
    await executeCommand(app.ctx, 'setWeight', { workload: 'tcp', weight: 2.5 });
    expect(app.undoDepth).toBe(1);
    expect(app.design.comparison.preset).toBe('custom');
    await executeCommand(app.ctx, 'undo');
    expect(app.design).toBe(before);
    expect(app.edited).toBe(false);
  });

  test('a priority slider works the same way', async () => {
    const app = createTestApp(template());
    const before = app.design.comparison.priorities.latency;
    for (const level of [0, 1, 3]) await executeCommand(app.ctx, 'setPriority', { priority: 'latency', level }, { capture: 'eventually' });
    await executeCommand(app.ctx, 'setPriority', { priority: 'latency', level: 3 });
    expect(app.undoDepth).toBe(1);
    await executeCommand(app.ctx, 'undo');
    expect(app.design.comparison.priorities.latency).toBe(before);
  });
});

describe('a node drag is one undo step', () => {
  test('however far it went, the finished drag moves every dragged node at once and one undo puts them back', async () => {
    const app = createTestApp(template());
    const before = app.design;
    const nas = machineNamed(before, 'nas');
    const laptop = machineNamed(before, 'laptop');
    await executeCommand(app.ctx, 'moveItems', {
      dragged: [
        { id: nas.id, position: { x: nas.position.x + 300, y: nas.position.y }, width: 168, height: 60 },
        { id: laptop.id, position: { x: laptop.position.x + 300, y: laptop.position.y }, width: 168, height: 60 },
      ],
    });
    expect(app.undoDepth).toBe(1);
    expect(app.design.machines[nas.id]!.position).not.toEqual(nas.position);
    await executeCommand(app.ctx, 'undo');
    expect(app.design).toBe(before);
  });
});

describe('looking is not editing', () => {
  test('sorting the leaderboard changes the view only: no undo step, not edited, the same design object (nothing to autosave)', async () => {
    const app = createTestApp(template());
    const before = app.design;
    await executeCommand(app.ctx, 'sortLeaderboard', { column: 'pingRtt' });
    expect(app.ui.leaderboardView.sort).toEqual({ column: 'pingRtt', direction: 'bestFirst' });
    await executeCommand(app.ctx, 'sortLeaderboard', { column: 'pingRtt' });
    expect(app.ui.leaderboardView.sort).toEqual({ column: 'pingRtt', direction: 'worstFirst' });
    await executeCommand(app.ctx, 'showProfile', { profile: 'high' });
    expect(app.ui.leaderboardView.profile).toBe('high');
    expect(app.design).toBe(before);
    expect(app.undoDepth).toBe(0);
    expect(app.edited).toBe(false);
  });

  test('switching areas and zooming add no undo step and leave the design unedited', async () => {
    const app = createTestApp(template());
    const before = app.design;
    const tabs = { showAssistantArea: 'assistant', showDeployArea: 'deploy', showChooseVpnArea: 'choose-vpn', showDesignArea: 'design' } as const;
    for (const [id, area] of Object.entries(tabs)) {
      await executeCommand(app.ctx, id);
      expect(app.ui.activeArea).toBe(area);
    }
    for (const id of ['zoomIn', 'zoomIn', 'zoomOut', 'fitView']) await executeCommand(app.ctx, id);
    expect(app.viewCalls).toEqual(['zoomIn', 'zoomIn', 'zoomOut', 'fitView']);
    expect(app.design).toBe(before);
    expect(app.undoDepth).toBe(0);
    expect(app.edited).toBe(false);
  });

  test('an edit after sorting undoes the edit only; the sort stays', async () => {
    const app = createTestApp(template());
    await executeCommand(app.ctx, 'sortLeaderboard', { column: 'udp' });
    await executeCommand(app.ctx, 'applyWeightPreset', { preset: 'videoCalls' });
    await executeCommand(app.ctx, 'undo');
    expect(app.design.comparison.preset).toBe('balanced');
    expect(app.ui.leaderboardView.sort.column).toBe('udp');
  });

  test('saving writes the view into the file, so it opens the way it was last looked at, and leaves it unedited', async () => {
    const saved: Design[] = [];
    const app = createTestApp(template(), { backend: fakeBackend({}, saved) });
    app.ctx.design.getState().markSaved({ name: 'family.clan-design.json', revision: 'r1' }, app.design);
    await executeCommand(app.ctx, 'showProfile', { profile: 'medium' });
    await executeCommand(app.ctx, 'sortLeaderboard', { column: 'video' });
    expect(await saveCurrent(app.ctx, false)).toBe(true);
    expect(saved[0]!.comparison.profile).toBe('medium');
    expect(saved[0]!.comparison.sort.column).toBe('video');
    expect(app.edited).toBe(false);
  });

  test('settings from the address at start are how the page was opened: no undo step, not edited', () => {
    const app = createTestApp(template());
    applyComparisonFromAddress(app.ctx, '?profile=low&preset=videoCalls&sort=udp.worstFirst');
    expect(app.ui.leaderboardView).toEqual({ profile: 'low', sort: { column: 'udp', direction: 'worstFirst' } });
    expect(app.design.comparison.preset).toBe('videoCalls');
    expect(app.undoDepth).toBe(0);
    expect(app.edited).toBe(false);
  });
});

describe('one step per applied multi-change', () => {
  test('"Use this VPN" sets the VPN and its roles as one step', async () => {
    const app = createTestApp(template());
    const before = app.design;
    await executeCommand(app.ctx, 'chooseVpn', { vpn: 'zerotier' });
    expect(app.design.vpn.id).toBe('zerotier');
    expect(Object.keys(app.design.vpn.roles).length).toBeGreaterThan(0);
    expect(app.undoDepth).toBe(1);
    await executeCommand(app.ctx, 'undo');
    expect(app.design).toBe(before);
  });

  test('the wizard result replaces the design as one step, after asking', async () => {
    const app = createTestApp(template());
    const before = app.design;
    await executeCommand(app.ctx, 'openWizard', { answers: templates[1]!.answers });
    expect(app.confirmations).toEqual(['Replace the current design?']);
    expect(Object.keys(app.design.sites)).toHaveLength(templates[1]!.answers.sites.length);
    expect(app.undoDepth).toBe(1);
    expect(app.viewCalls).toContain('fitView');
    await executeCommand(app.ctx, 'undo');
    expect(app.design).toBe(before);
  });
});

describe('reset clears the history', () => {
  /** An app with two undo steps and one redo step. */
  async function withHistory(backend?: ApiTransport) {
    const app = createTestApp(template(), { backend });
    await executeCommand(app.ctx, 'editClan', { clanName: 'one' });
    await executeCommand(app.ctx, 'editClan', { clanName: 'two' });
    await executeCommand(app.ctx, 'editClan', { clanName: 'three' });
    await executeCommand(app.ctx, 'undo');
    expect([app.undoDepth, app.redoDepth]).toEqual([2, 1]);
    return app;
  }

  test('New design: nothing to undo or redo, nothing selected, not edited', async () => {
    const app = await withHistory();
    app.select([machineNamed(app.design, 'nas').id]);
    await executeCommand(app.ctx, 'newDesign');
    expect([app.undoDepth, app.redoDepth]).toEqual([0, 0]);
    expect(Object.keys(app.design.sites)).toHaveLength(0);
    expect(app.ctx.selection.getState().selectedIds).toEqual([]);
    expect(app.edited).toBe(false);
    expect(await executeCommand(app.ctx, 'undo')).toBe(false);
  });

  test('opening a file: its design, its leaderboard view, and no history', async () => {
    const file = template();
    file.comparison = { ...file.comparison, profile: 'high', sort: { column: 'quic', direction: 'worstFirst' } };
    const app = await withHistory(fakeBackend({ 'family.clan-design.json': file }));
    expect((await openFile(app.ctx, 'family.clan-design.json')).ok).toBe(true);
    expect(app.design).toEqual(file);
    expect([app.undoDepth, app.redoDepth]).toEqual([0, 0]);
    expect(app.ui.leaderboardView).toEqual({ profile: 'high', sort: { column: 'quic', direction: 'worstFirst' } });
    expect(app.edited).toBe(false);
  });

  test('recovering an autosave: no history, and edited until it is saved', async () => {
    const app = await withHistory(fakeBackend({ untitled: template() }));
    expect(await recoverAutosave(app.ctx, 'untitled')).toBe(true);
    expect([app.undoDepth, app.redoDepth]).toEqual([0, 0]);
    expect(app.edited).toBe(true);
  });
});

describe('capture modes of the registry', () => {
  test('no command that declares capture "never" adds an undo step or edits the document', async () => {
    const app = createTestApp(template(), { backend: fakeBackend({}) });
    app.select([machineNamed(app.design, 'nas').id]);
    const before = app.design;
    // Undo and redo walk the history; file commands that replace the document are tested above.
    const skipped = new Set(['undo', 'redo', 'newDesign', 'writeConfiguration', 'checkMachines', 'cancelCheck', 'save']);
    for (const command of commands.filter((c) => c.capture === 'never' && !skipped.has(c.id))) {
      await executeCommand(app.ctx, command.id);
      expect([command.id, app.undoDepth, app.edited]).toEqual([command.id, 0, false]);
    }
    expect(app.design).toBe(before);
  });

  test('a command that declares capture "never" but returns a design is refused as a bug', async () => {
    const app = createTestApp(template());
    const palette = commands.find((c) => c.id === 'commandPalette')!;
    const perform = palette.perform;
    palette.perform = () => ({ design: template() });
    try {
      await expect(executeCommand(app.ctx, 'commandPalette')).rejects.toThrow(/capture "never"/);
    } finally {
      palette.perform = perform;
    }
    expect(app.undoDepth).toBe(0);
  });
});
