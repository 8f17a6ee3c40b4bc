import { ESLint } from 'eslint';
import { describe, expect, test } from 'vitest';

// Runs the project's real lint configuration on small samples placed (virtually) in the renderer, proving that a
// component or module that changes the design around the command registry fails `npm run lint`.
const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function errorsOf(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return (result?.messages ?? []).filter((m) => m.severity === 2).map((m) => `${m.ruleId}: ${m.message}`);
}

const designRule = 'state/design-changes-through-commands';

describe('only the commands layer changes the design', () => {
  test('a component that commits to the design store fails lint', async () => {
    const errors = await errorsOf(
      'src/renderer/src/panels/BadPanel.tsx',
      [
        "import { useDesignStore } from '../stores/designStore';",
        'export function BadPanel() {',
        "  return <button type=\"button\" onClick={() => useDesignStore.getState().commit({ ...useDesignStore.getState().design, meta: { clanName: 'x', domain: '', description: '' } })}>Rename</button>;",
        '}',
        '',
      ].join('\n'),
    );
    expect(errors.some((e) => e.startsWith(designRule))).toBe(true);
  });

  test('setState between a paused and resumed history fails lint, in any renderer module', async () => {
    const errors = await errorsOf(
      'src/renderer/src/vpn/badUrl.ts',
      [
        "import * as store from '../stores/designStore';",
        'export function apply(design: never) {',
        '  store.useDesignStore.temporal.getState().pause();',
        '  store.useDesignStore.setState({ design });',
        '  store.useDesignStore.temporal.getState().resume();',
        '}',
        '',
      ].join('\n'),
    );
    expect(errors.filter((e) => e.startsWith(designRule)).length).toBeGreaterThanOrEqual(3);
  });

  test('reaching the writable store through the command context fails lint', async () => {
    const errors = await errorsOf(
      'src/renderer/src/canvas/bad.ts',
      [
        "import { appContext } from '../app/appContext';",
        'export function move(next: never) {',
        '  appContext.design.getState().commit(next);',
        '}',
        '',
      ].join('\n'),
    );
    expect(errors.some((e) => e.startsWith(designRule))).toBe(true);
  });

  test('a component calling setState on any store fails lint', async () => {
    const setState = await errorsOf(
      'src/renderer/src/app/BadToggle.tsx',
      [
        "import { useUiStore } from '../stores/uiStore';",
        'export function BadToggle() {',
        '  return <button type="button" onClick={() => useUiStore.setState({ snapToGrid: false })}>Snap</button>;',
        '}',
        '',
      ].join('\n'),
    );
    expect(setState.some((e) => e.startsWith('state/no-set-state-outside-stores'))).toBe(true);
  });

  test('reading the document and running a command pass', async () => {
    const errors = await errorsOf(
      'src/renderer/src/panels/GoodPanel.tsx',
      [
        "import { appContext } from '../app/appContext';",
        "import { executeCommand } from '../commands/registry';",
        "import { useDesign, type DesignStore } from '../stores/designStore';",
        'export type Store = DesignStore;',
        'export function GoodPanel() {',
        '  const name = useDesign((s) => s.design.meta.clanName);',
        "  return <button type=\"button\" onClick={() => void executeCommand(appContext, 'editClan', { clanName: `${name}!` })}>{name}</button>;",
        '}',
        '',
      ].join('\n'),
    );
    expect(errors).toEqual([]);
  });

  test('the stores and the commands layer may use the writable store', async () => {
    const errors = await errorsOf(
      'src/renderer/src/commands/sample.ts',
      [
        "import { useDesignStore } from '../stores/designStore';",
        'export const undo = () => useDesignStore.temporal.getState().undo();',
        '',
      ].join('\n'),
    );
    expect(errors).toEqual([]);
  });
});
