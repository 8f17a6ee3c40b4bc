// @vitest-environment happy-dom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { designBuilder, familyWithJumpHost } from '../../../shared/model/designBuilder';
import { createEmptyDesign } from '../../../shared/model/ops';
import type { Design } from '../../../shared/model/types';
import { machineCheckIds, worstStatus, type MachineCheckResult, type CheckFinding } from '../../../shared/check';
import { useDesignStore } from '../stores/designStore';
import { useJobsStore } from '../stores/jobsStore';
import { useCheckStore } from './checkStore';
import { DeployOrder } from './DeployOrder';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

/** Admin at home (nas), a public bastion, a tablet behind CGNAT through the bastion, an office PC with no way in. */
function small() {
  const f = familyWithJumpHost();
  return { design: f.b.design, nas: f.nas, bastion: f.bastion, tablet: f.tablet };
}

let container: HTMLDivElement;
let root: Root;

function render(design: Design, onSelectMachine?: (id: string) => void) {
  act(() => useDesignStore.getState().reset(design, { name: null, revision: null }));
  act(() => root.render(<DeployOrder onSelectMachine={onSelectMachine} />));
}

const text = (el: Element | null) => el?.textContent ?? '';
const namesIn = (el: Element | null) => [...(el?.querySelectorAll('.deploy-order-name') ?? [])].map((n) => n.textContent);

beforeEach(() => {
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
  useCheckStore.setState({ machines: {}, forFile: null });
  useJobsStore.setState({ running: {} });
  useDesignStore.getState().reset(createEmptyDesign(), { name: null, revision: null });
});

describe('DeployOrder', () => {
  test('lists the waves in deploy order with reasons and how each machine is reached, then the machines with no way in', () => {
    render(small().design);
    const list = container.querySelector('[data-testid="deploy-order"]')!;
    expect(list.querySelector('h3')!.textContent).toBe('Deploy order');
    const waves = [...list.querySelectorAll('[data-testid^="wave-"]')];
    expect(waves.map((w) => w.getAttribute('data-testid'))).toEqual(['wave-1', 'wave-2', 'wave-3']);
    expect(waves.map((w) => w.querySelector('h4')!.textContent)).toEqual(['Wave 1 Behind a jump host', 'Wave 2 Reached directly', 'Wave 3 Jump hosts']);
    expect(waves.map((w) => namesIn(w))).toEqual([['tablet'], ['nas'], ['bastion']]);
    expect(text(waves[0]!)).toContain('through the jump host "bastion"');
    expect(text(waves[0]!.querySelector('.deploy-order-reason'))).toContain('They go first');
    expect(text(waves[1]!)).toContain('directly, on your network');
    // The unmanaged phone is never listed; the PC has no way in and says why.
    expect(namesIn(list)).not.toContain('phone');
    const blocked = list.querySelector('[data-testid="deploy-not-deployable"]')!;
    expect(blocked.querySelector('h4')!.textContent).toBe('Not deployable');
    expect(namesIn(blocked)).toEqual(['pc']);
    expect(text(blocked)).toContain('no port forward or jump host');
    expect(list.querySelector('[data-testid="deploy-after-vpn"]')).toBeNull();
  });

  test('shows overlay-only machines in their own group once a VPN is chosen', () => {
    const b = designBuilder();
    const home = b.site('Home', 'nat');
    const grandma = b.site('Grandma', 'cgnat');
    b.machine('nas', home, 'nas');
    b.machine('tablet', grandma, 'sbc');
    b.admin(home);
    render(b.vpn('zerotier'));
    const group = container.querySelector('[data-testid="deploy-after-vpn"]')!;
    expect(group.querySelector('h4')!.textContent).toBe('After the VPN is up (updates only; first install needs another way in)');
    expect(namesIn(group)).toEqual(['tablet']);
    expect(text(group)).toContain('only over ZeroTier, through "nas"');
    expect(text(group)).toContain('update them before wave 1');
  });

  test('shows each machine’s check status with a label, and follows the check as it runs', () => {
    const fx = small();
    useCheckStore.setState({ machines: { [fx.nas]: { status: 'ok', result: null }, [fx.tablet]: { status: 'checking', result: null } } });
    render(fx.design);
    const status = (name: string) => container.querySelector(`[data-testid="order-machine-${name}"] .check-badge`);
    expect(status('nas')!.getAttribute('aria-label')).toBe('Check: ready');
    expect(status('nas')!.getAttribute('role')).toBe('img');
    expect(status('tablet')!.getAttribute('data-check-status')).toBe('checking');
    expect(status('bastion')).toBeNull();
    act(() => useCheckStore.setState({ machines: { [fx.nas]: { status: 'ok', result: null }, [fx.tablet]: { status: 'error', result: null } } }));
    expect(status('tablet')!.getAttribute('title')).toBe('Check: not ready');
  });

  test('says under each machine whether the last check confirmed its way in, and sums it up under the introduction', () => {
    const fx = small();
    // A check result as the SSH half reports it: every check skipped except those given.
    const result = (id: string, name: string, via: string | null, given: Partial<Record<CheckFinding['id'], CheckFinding['status']>>, message = ''): MachineCheckResult => {
      const findings = machineCheckIds.map((check): CheckFinding => ({ id: check, status: given[check] ?? 'skipped', message: check === 'reachable' ? message : '' }));
      return { machineId: id, name, target: `root@${name}.lan`, via, status: worstStatus(findings), findings };
    };
    const results = {
      // Answered and logged in, but it is not NixOS: the badge says not ready, the way in is still confirmed.
      [fx.nas]: result(fx.nas, 'nas', null, { reachable: 'ok', auth: 'ok', hostKey: 'ok', nixos: 'error' }),
      [fx.tablet]: result(fx.tablet, 'tablet', 'bastion', { reachable: 'ok', auth: 'error', hostKey: 'ok' }),
      [fx.bastion]: result(fx.bastion, 'bastion', null, { reachable: 'error' }, "Couldn't reach machine “bastion.lan”: nothing is listening for SSH on that port. Check that it is on."),
    };
    const machines = Object.fromEntries(Object.entries(results).map(([id, r]) => [id, { status: r.status, result: r }]));
    useCheckStore.setState({ forFile: null, machines });
    render(fx.design);
    const reach = (name: string) => container.querySelector(`[data-testid="order-reach-${name}"]`);
    expect(reach('nas')!.getAttribute('data-reach-state')).toBe('confirmed');
    expect(text(reach('nas'))).toBe('✓Check confirmed: answered directly');
    expect(reach('nas')!.querySelector('[aria-hidden="true"]')!.textContent).toBe('✓');
    expect(container.querySelector('[data-testid="order-machine-nas"] .check-badge')!.getAttribute('aria-label')).toBe('Check: not ready');
    expect(reach('tablet')!.getAttribute('data-reach-state')).toBe('answered');
    expect(text(reach('tablet'))).toContain('Answered through "bastion", but the login failed');
    expect(reach('bastion')!.getAttribute('data-reach-state')).toBe('failed');
    expect(text(reach('bastion'))).toBe('✕Did not answer over SSH: nothing is listening for SSH on that port');
    // The check has no result for the office PC (not deployable): no line for it.
    expect(reach('pc')).toBeNull();
    expect(text(container.querySelector('[data-testid="deploy-reach-summary"]'))).toBe(
      'The check confirmed the way in to 2 of 3 machines (but could not log in to 1 of them); 1 did not answer; 1 was not checked.',
    );

    // While a new check runs, lines fill in as results arrive and the summary waits for the end.
    act(() => {
      useJobsStore.setState({ running: { check: '00000000000000a1' } });
      useCheckStore.setState({ machines: { [fx.nas]: machines[fx.nas]!, [fx.tablet]: { status: 'checking', result: null } } });
    });
    expect(reach('nas')!.getAttribute('data-reach-state')).toBe('confirmed');
    expect(reach('tablet')).toBeNull();
    expect(container.querySelector('[data-testid="deploy-reach-summary"]')).toBeNull();

    // Results of another design file are not shown for this one.
    act(() => {
      useJobsStore.setState({ running: {} });
      useCheckStore.setState({ forFile: 'other', machines });
    });
    expect(reach('nas')).toBeNull();
    expect(container.querySelector('[data-testid="deploy-reach-summary"]')).toBeNull();
  });

  test('names are buttons that select the machine when the caller asks', () => {
    const fx = small();
    const onSelect = vi.fn();
    render(fx.design, onSelect);
    const button = container.querySelector<HTMLButtonElement>('[data-testid="order-machine-bastion"] button')!;
    act(() => button.click());
    expect(onSelect).toHaveBeenCalledWith(fx.bastion);
  });

  test('follows design edits', () => {
    const fx = small();
    render(fx.design);
    expect(container.querySelectorAll('[data-testid^="wave-"]')).toHaveLength(3);
    act(() => useDesignStore.getState().commit(createEmptyDesign()));
    expect(container.querySelectorAll('[data-testid^="wave-"]')).toHaveLength(0);
    expect(text(container)).toContain('No machines to deploy yet');
  });
});
