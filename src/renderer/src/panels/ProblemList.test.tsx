// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { sequentialIds } from '../../../shared/model/ids';
import { buildDesignFromAnswers, templates } from '../../../shared/model/templates';
import type { Design } from '../../../shared/model/types';
import type { Problem } from '../../../shared/validation/types';
import { validateDesign } from '../../../shared/validation/validate';
import { TestRoot } from '../assistant/testAssistant';
import { useDesignStore } from '../stores/designStore';
import { useSelectionStore } from '../stores/selectionStore';
import { useUiStore } from '../stores/uiStore';
import { Inspector } from './Inspector';
import { ProblemList } from './ProblemList';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// A problem takes the user to the field that fixes it: its button (or the problem itself) selects the machine, and
// the inspector puts the cursor in that field; from the Deploy area the Design area opens first.

const mount = new TestRoot();
let design: Design;

const machineNamed = (name: string) => Object.values(design.machines).find((m) => m.name === name)!;
const problemAbout = (name: string, code: string) => validateDesign(design).find((p) => p.code === code && p.itemIds[0] === machineNamed(name).id)!;
const buttonNamed = (text: string) => [...mount.container.querySelectorAll('button')].find((b) => b.textContent === text);
/** The problem in a list beside the inspector, as in the Design area. */
const renderBesideInspector = (problem: Problem) =>
  mount.render(
    <>
      <ProblemList problems={[problem]} />
      <Inspector />
    </>,
  );

beforeEach(() => {
  design = buildDesignFromAnswers(templates.find((t) => t.id === 'three-households')!.answers, sequentialIds());
  useDesignStore.getState().reset(design, { name: null, revision: null });
  useSelectionStore.setState({ selectedIds: [], focusRequest: null });
  useUiStore.getState().setActiveArea('design');
  mount.setUp();
});

afterEach(() => mount.tearDown());

describe('ProblemList', () => {
  test('"Enter the SSH address" selects the machine and the inspector puts the cursor in its SSH host field', async () => {
    await renderBesideInspector(problemAbout('parents-pi', 'managedWithoutSsh'));
    act(() => buttonNamed('Enter the SSH address')!.click());
    expect(useSelectionStore.getState().selectedIds).toEqual([machineNamed('parents-pi').id]);
    expect(document.activeElement?.getAttribute('data-testid')).toBe('inspector-ssh-host');
  });

  test('clicking a problem that is not reachable goes to the jump host field', async () => {
    await renderBesideInspector(problemAbout('sister-nas', 'adminCannotReach'));
    act(() => mount.container.querySelector<HTMLButtonElement>('.problem-main')!.click());
    expect(document.activeElement?.getAttribute('data-testid')).toBe('inspector-jump-host');
  });

  test('outside the Design area each problem opens it on the problem', async () => {
    useUiStore.getState().setActiveArea('deploy');
    await mount.render(<ProblemList problems={[problemAbout('vps', 'managedWithoutSsh')]} openInDesign />);
    expect(buttonNamed('Enter the SSH address')).toBeUndefined();
    act(() => buttonNamed('Show in the Design area')!.click());
    expect(useUiStore.getState().activeArea).toBe('design');
    expect(useSelectionStore.getState().focusRequest).toMatchObject({ ids: [machineNamed('vps').id], field: 'ssh-host' });
  });

  test('a problem with a one-click fix offers the fix, and the fix keeps the machine selected', async () => {
    const pi = machineNamed('parents-pi').id;
    useDesignStore.getState().reset({ ...design, machines: { ...design.machines, [pi]: { ...design.machines[pi]!, ssh: { host: '10.0.0.2', port: 22, user: '' } } } }, { name: null, revision: null });
    design = useDesignStore.getState().design;
    await mount.render(<ProblemList problems={[problemAbout('parents-pi', 'managedWithoutSsh')]} />);
    await act(async () => buttonNamed('Log in as root')!.click());
    expect(useDesignStore.getState().design.machines[pi]!.ssh?.user).toBe('root');
    expect(useSelectionStore.getState().selectedIds).toEqual([pi]);
  });
});
