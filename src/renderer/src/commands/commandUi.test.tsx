// @vitest-environment happy-dom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { buildExamples } from '../../../shared/model/examples';
import { sequentialIds } from '../../../shared/model/ids';
import { buildDesignFromAnswers, templates } from '../../../shared/model/templates';
import type { Design } from '../../../shared/model/types';
import { appContext } from '../app/appContext';
import { CommandPalette } from '../dialogs/CommandPalette';
import { Inspector } from '../panels/Inspector';
import { useDesignStore } from '../stores/designStore';
import { useSelectionStore } from '../stores/selectionStore';
import { defaultLeaderboardView, useUiStore } from '../stores/uiStore';
import { ChooseVpnArea } from '../vpn/ChooseVpnArea';
import { resetDocument } from './fileActions';
import { commands } from './registry';

// The real components on the app's own stores, driven the way a browser drives them: what a person does once
// (a drag of a slider, a click on a column, typing a name) is at most one undo step.

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let container: HTMLDivElement;
let root: Root;

const undoDepth = () => useDesignStore.temporal.getState().pastStates.length;
const edited = () => useDesignStore.getState().design !== useDesignStore.getState().savedDesign;
const design = () => useDesignStore.getState().design;

/** Fires an event and lets the command it runs finish (commands are async). */
async function fire(element: Element, event: Event) {
  await act(async () => {
    element.dispatchEvent(event);
  });
}

/** Sets an input's value the way typing or dragging does (React watches the native value setter) and fires input. */
async function input(element: HTMLInputElement | HTMLSelectElement, value: string, type: 'input' | 'change' = 'input') {
  const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(element) as object, 'value')!.set!;
  setter.call(element, value);
  await fire(element, new Event(type, { bubbles: true }));
}

beforeEach(() => {
  resetDocument(appContext, buildDesignFromAnswers(templates[0]!.answers, sequentialIds()), { name: 'family.clan-design.json', revision: 'r1' });
  useUiStore.getState().setLeaderboardView(defaultLeaderboardView);
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
  useUiStore.getState().setDialog(null);
});

describe('the command palette', () => {
  test('lists every command of the registry, runnable ones first and the others with how to do them', () => {
    act(() => root.render(<CommandPalette />));
    const listed = [...container.querySelectorAll<HTMLElement>('[data-command]')].map((li) => li.dataset.command);
    expect([...listed].sort()).toEqual(commands.map((c) => c.id).sort());
    // Deploy and Choose VPN commands are there too, not only the Design area's.
    expect(listed).toEqual(expect.arrayContaining(['writeConfiguration', 'checkMachines', 'sortLeaderboard', 'chooseVpn', 'showDeployArea']));
    const move = container.querySelector('[data-command="moveItems"]')!;
    expect(move.getAttribute('aria-disabled')).toBe('true');
    expect(move.textContent).toContain('Drag sites and machines on the canvas');
  });

  test('typing filters by label and keywords, across areas', async () => {
    act(() => root.render(<CommandPalette />));
    await input(container.querySelector<HTMLInputElement>('.palette-input')!, 'generate');
    const listed = [...container.querySelectorAll<HTMLElement>('[data-command]')].map((li) => li.dataset.command);
    expect(listed).toEqual(['writeConfiguration']);
  });
});

describe('the Choose VPN area', () => {
  test('dragging a weight slider over several values is one undo step', async () => {
    act(() => root.render(<ChooseVpnArea />));
    const slider = container.querySelector<HTMLInputElement>('[data-testid="weight-udp"]')!;
    const before = design();
    for (const value of ['1.5', '2', '2.5', '3']) await input(slider, value);
    expect(design().comparison.weights.udp).toBe(3);
    // Let go: the browser fires change once.
    await fire(slider, new Event('change', { bubbles: true }));
    expect(undoDepth()).toBe(1);
    expect(container.querySelector<HTMLSelectElement>('[data-testid="preset"]')!.value).toBe('custom');
    act(() => useDesignStore.getState().undo());
    expect(design()).toBe(before);
    expect(slider.value).toBe('1');
  });

  test('clicking column headers sorts the table without an undo step or an edit', async () => {
    act(() => root.render(<ChooseVpnArea />));
    const rows = () => [...container.querySelectorAll<HTMLElement>('[data-testid="leaderboard"] tbody tr[data-series]:not(.optimized)')].map((tr) => tr.dataset.series);
    const byScore = rows();
    const ping = [...container.querySelectorAll<HTMLButtonElement>('thead button')].find((b) => b.textContent?.startsWith('Ping'))!;
    await fire(ping, new MouseEvent('click', { bubbles: true }));
    const byPing = rows();
    await fire(ping, new MouseEvent('click', { bubbles: true }));
    expect(rows()).toEqual([...byPing].reverse());
    expect(byPing).not.toEqual(byScore);
    await fire(container.querySelector('[data-testid="profile-high"]')!, new MouseEvent('click', { bubbles: true }));
    expect(container.querySelector('[data-testid="profile-high"]')!.getAttribute('aria-checked')).toBe('true');
    expect(undoDepth()).toBe(0);
    expect(edited()).toBe(false);
  });
});

describe('the inspector', () => {
  test('typing a name is no edit until the field is left; then it is one undo step', async () => {
    const nas = Object.values(design().machines).find((m) => m.name === 'nas')!;
    act(() => useSelectionStore.getState().select([nas.id]));
    act(() => root.render(<Inspector />));
    const field = container.querySelector<HTMLInputElement>('[data-testid="inspector-name"]')!;
    for (const text of ['n', 'na', 'nas-', 'nas-b', 'nas-box']) await input(field, text);
    expect(undoDepth()).toBe(0);
    expect(design().machines[nas.id]!.name).toBe('nas');
    // Leaving the field (React's onBlur listens to focusout).
    await fire(field, new FocusEvent('focusout', { bubbles: true }));
    expect(design().machines[nas.id]!.name).toBe('nas-box');
    expect(undoDepth()).toBe(1);
  });

  test('choosing a VPN in the inspector assigns its roles as one step', async () => {
    act(() => useSelectionStore.getState().select([]));
    act(() => root.render(<Inspector />));
    const select = container.querySelector<HTMLSelectElement>('[data-testid="inspector-vpn"]')!;
    const before: Design = design();
    await input(select, 'nebula', 'change');
    expect(design().vpn.id).toBe('nebula');
    expect(undoDepth()).toBe(1);
    act(() => useDesignStore.getState().undo());
    expect(design()).toBe(before);
  });
  describe('its Deploy group', () => {
    // The home-and-VPS example: every machine has an SSH address, so each one could make the vars; none chosen yet.
    beforeEach(() => {
      const example = buildExamples(() => sequentialIds())[0]!.design;
      resetDocument(appContext, { ...example, deploy: { ...example.deploy, varsHelper: null } }, { name: 'family.clan-design.json', revision: 'r1' });
    });
    const field = (testId: string) => container.querySelector<HTMLInputElement>(`[data-testid="${testId}"]`)!;
    const leave = (element: Element) => fire(element, new FocusEvent('focusout', { bubbles: true }));

    test('offers the managed machines as vars helper, says which one the deploy would use, and a choice is one step', async () => {
      act(() => useSelectionStore.getState().select([]));
      act(() => root.render(<Inspector />));
      const group = container.querySelector('fieldset[aria-label="Deploy"]')!;
      expect(group.querySelector('legend')!.textContent).toBe('Deploy');
      const select = group.querySelector<HTMLSelectElement>('[data-testid="inspector-vars-helper"]')!;
      const labels = [...select.options].map((o) => o.textContent);
      expect(labels).toEqual(['None: the deploy picks vps', 'desktop', 'laptop', 'nas', 'vps']);
      const vps = Object.values(design().machines).find((m) => m.name === 'vps')!;
      await input(select, vps.id, 'change');
      expect(design().deploy.varsHelper).toBe(vps.id);
      expect(undoDepth()).toBe(1);
      act(() => useDesignStore.getState().undo());
      expect(design().deploy.varsHelper).toBeNull();
      expect(select.value).toBe('');
    });

    test('typing a time limit is no edit until the field is left; a value out of range is shown as the one saved', async () => {
      act(() => useSelectionStore.getState().select([]));
      act(() => root.render(<Inspector />));
      const rollback = field('inspector-rollback-seconds');
      expect(rollback.value).toBe('90');
      expect(document.getElementById(rollback.getAttribute('aria-describedby')!)!.textContent).toBe('30 to 3600 seconds');
      for (const text of ['1', '12', '120']) await input(rollback, text);
      expect(undoDepth()).toBe(0);
      await leave(rollback);
      expect(design().deploy.rollbackSeconds).toBe(120);
      expect(undoDepth()).toBe(1);
      const concurrency = field('inspector-concurrency');
      await input(concurrency, '500');
      await leave(concurrency);
      expect(design().deploy.concurrency).toBe(32);
      expect(concurrency.value).toBe('32');
      // Text that is no number is no edit: the saved value comes back.
      await input(concurrency, 'lots');
      await leave(concurrency);
      expect(concurrency.value).toBe('32');
      expect(undoDepth()).toBe(2);
    });

    test("a machine's inspector makes it the vars helper, and the group shows the problem when it cannot be one", async () => {
      const desktop = Object.values(design().machines).find((m) => m.name === 'desktop')!;
      act(() => useSelectionStore.getState().select([desktop.id]));
      act(() => root.render(<Inspector />));
      const box = [...container.querySelectorAll('.field-check')].find((f) => f.textContent?.startsWith('Vars helper'))!.querySelector('input')!;
      expect(box.checked).toBe(false);
      await fire(box, new MouseEvent('click', { bubbles: true }));
      expect(design().deploy.varsHelper).toBe(desktop.id);
      expect(undoDepth()).toBe(1);
      // Without an SSH address it cannot make the vars: the Clan panel says so, with the VPS as the fix.
      act(() => useDesignStore.getState().commit({ ...design(), machines: { ...design().machines, [desktop.id]: { ...desktop, ssh: null } } }));
      act(() => useSelectionStore.getState().select([]));
      const problems = container.querySelector('[aria-label="Problems with the deploy settings"]')!;
      expect(problems.textContent).toContain('The vars helper "desktop" has no SSH address');
      expect(problems.querySelector('.problem-fix')!.textContent).toBe('Use "vps" as the vars helper');
    });
  });
});
