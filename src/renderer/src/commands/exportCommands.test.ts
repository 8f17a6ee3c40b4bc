// @vitest-environment happy-dom
import { describe, expect, test } from 'vitest';
import { sequentialIds } from '../../../shared/model/ids';
import { buildDesignFromAnswers, templates } from '../../../shared/model/templates';
import { commands, executeCommand, getCommand, isEnabled } from './registry';
import { createTestApp } from './testApp';

// The export commands of the File menu (designCommands.ts, exportCommand): each asks the canvas for one kind of
// export, changes nothing in the design, and needs a canvas and something to draw.

const exports = [
  ['exportSvg', 'export:svg'],
  ['exportPng', 'export:png'],
  ['exportPng2x', 'export:png2x'],
  ['exportSheetPng', 'export:sheetPng'],
  ['printSheet', 'export:sheetPdf'],
] as const;

describe('export commands', () => {
  test('each asks the canvas for its kind of export, and leaves the design and its history alone', async () => {
    const app = createTestApp(buildDesignFromAnswers(templates[0]!.answers, sequentialIds()));
    const before = app.design;
    for (const [id] of exports) expect(await executeCommand(app.ctx, id)).toBe(true);
    expect(app.viewCalls).toEqual(exports.map(([, call]) => call));
    expect(app.design).toBe(before);
    expect(app.undoDepth).toBe(0);
  });

  test('are disabled for an empty design (nothing to draw) and without a canvas', async () => {
    const empty = createTestApp();
    for (const [id] of exports) expect(isEnabled(getCommand(id)!, empty.ctx)).toBe(false);
    const app = createTestApp(buildDesignFromAnswers(templates[0]!.answers, sequentialIds()));
    app.ctx.view = null;
    for (const [id] of exports) expect(await executeCommand(app.ctx, id)).toBe(false);
  });

  test('are listed in the File menu, before the Mermaid export, and found by the palette by what they make', () => {
    const file = commands.filter((c) => c.group === 'file').map((c) => c.id);
    expect(file.slice(file.indexOf('exportSvg'), file.indexOf('exportMermaid') + 1)).toEqual([...exports.map(([id]) => id), 'exportMermaid']);
    expect(getCommand('printSheet')!.keywords).toEqual(expect.arrayContaining(['pdf', 'print']));
    expect(getCommand('exportSheetPng')!.label).toBe('Export network sheet (PNG)…');
  });
});
