// @vitest-environment happy-dom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { makeDeployPlan } from '../../../shared/deploy/plan';
import { DeployPlanView } from './DeployPlanView';
import { samplePlan } from './testDeploy';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let container: HTMLDivElement;
let root: Root;

beforeEach(() => {
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

const byTestId = (id: string) => container.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const text = (el: Element | null | undefined) => el?.textContent ?? '';

describe('DeployPlanView', () => {
  test('says how many machines go, how many are left out, and the rollback promise with its limit', () => {
    const { plan } = samplePlan();
    act(() => root.render(<DeployPlanView plan={plan} />));
    expect(text(byTestId('plan-summary'))).toBe(
      '3 machines will be deployed in 3 waves, up to 4 at a time; 1 is not deployed. Each machine switches back to its previous system by itself unless the app confirms the switch within 90 s (not on a first deploy: that machine has no previous system).',
    );
    expect(text(byTestId('plan-way'))).toContain('There is no clan CLI');
    expect(text(container.querySelector('.plan-section h4'))).toBe('On each machine over SSH (no Nix needed here)');
  });

  test('lists wave by wave each machine with how it is reached and what it needs; names show the machine on the canvas', () => {
    const { plan, ids } = samplePlan();
    const show = vi.fn();
    act(() => root.render(<DeployPlanView plan={plan} onShowMachine={show} />));
    const waves = [...container.querySelectorAll('[data-testid^="plan-wave-"]')];
    expect(waves.map((w) => text(w.querySelector('h4')))).toEqual(['Wave 1 Behind a jump host', 'Wave 2 Jump hosts', 'Wave 3 VPN machines on your network']);
    const tablet = byTestId('plan-machine-tablet')!;
    expect(text(tablet.querySelector('.plan-machine-how'))).toBe('through the jump host "bastion"');
    // The bastion goes after the machines behind it, so its failure cannot stop them; the nas needs it and comes after.
    expect(text(tablet.querySelector('.plan-depends'))).toBe('Needs bastion (its jump host, deployed after this machine).');
    expect(text(byTestId('plan-machine-nas')!.querySelector('.plan-depends'))).toBe("Needs bastion (the VPN's controller). If bastion fails, this machine is skipped.");
    act(() => tablet.querySelector<HTMLButtonElement>('.plan-depends button')!.click());
    expect(show).toHaveBeenLastCalledWith(ids.bastion);
    act(() => tablet.querySelector<HTMLButtonElement>('.plan-machine-name')!.click());
    expect(show).toHaveBeenLastCalledWith(ids.tablet);
    // The vars helper is named, with its own steps.
    expect(text(byTestId('plan-vars'))).toContain('Made on the vars helper bastion before any machine is deployed.');
  });

  test('a blocked machine says why and what to do, and has no steps', () => {
    const { plan } = samplePlan();
    act(() => root.render(<DeployPlanView plan={plan} />));
    const pc = byTestId('plan-after-vpn')!.querySelector('[data-testid="plan-machine-pc"]')!;
    expect(pc.getAttribute('data-blocked')).toBe('true');
    expect(text(pc.querySelector('.plan-tag'))).toBe('not deployed');
    expect(text(pc.querySelector('[data-testid="plan-blocked"]'))).toBe(
      'Blocked: it does not run NixOS yet (last check: pc runs Debian 12, which is not NixOS)What to do: Install NixOS on it first with “Install NixOS…”: that erases its disk, so it is an action of its own that you confirm by typing the machine’s name, never part of a deploy. Or install NixOS by hand; then check the machines again.',
    );
    expect(pc.querySelector('.plan-machine-steps')).toBeNull();
    // Without a way to install (a past deploy's plan), there is no install button.
    expect(byTestId('plan-install-pc')).toBeNull();
  });

  test('a machine that does not run NixOS yet gets "Install NixOS…", which names it; other blocked machines do not', () => {
    const { plan, ids } = samplePlan();
    const install = vi.fn();
    act(() => root.render(<DeployPlanView plan={plan} onInstall={install} />));
    const button = byTestId('plan-install-pc')!;
    expect(text(button)).toBe('Install NixOS…');
    act(() => button.click());
    expect(install).toHaveBeenCalledWith(ids.pc);
    expect(container.querySelectorAll('[data-testid^="plan-install-"]')).toHaveLength(1);
  });

  test('machines with no way in are listed apart with the reason', () => {
    const { plan } = samplePlan({ vpn: false });
    act(() => root.render(<DeployPlanView plan={plan} />));
    const pc = byTestId('plan-not-deployable')!.querySelector('[data-testid="plan-machine-pc"]')!;
    expect(text(pc.querySelector('[data-testid="plan-blocked"]'))).toMatch(/^Blocked: "pc" is in "Office".*What to do: /);
  });

  test('files that change: counts with the list to open, "first deploy", or unknown when the machine was not read', () => {
    const { plan } = samplePlan();
    act(() => root.render(<DeployPlanView plan={plan} />));
    const nasFiles = byTestId('plan-machine-nas')!.querySelector('[data-testid="plan-files"]')!;
    expect(nasFiles.tagName).toBe('DETAILS');
    expect(text(nasFiles.querySelector('summary'))).toBe('3 files change: 1 added, 1 changed, 1 removed; 2 unchanged');
    expect([...nasFiles.querySelectorAll('li')].map((li) => text(li))).toEqual(['inventory.json changed', 'machines/nas/configuration.nix added', 'machines/old/configuration.nix removed']);
    expect(text(byTestId('plan-machine-bastion')!.querySelector('[data-testid="plan-files"]'))).toBe('First deploy: all 4 files are new on the machine.');
    expect(text(byTestId('plan-machine-bastion')!.querySelector('.plan-tag'))).toBe('first deploy');
    expect(text(byTestId('plan-machine-tablet')!.querySelector('.plan-files'))).toContain('not known yet');
    expect(text(byTestId('plan-machine-tablet'))).toContain('The plan could not read the machine (the connection timed out); the deploy tries again.');
  });

  test('shows the exact commands of each step as shell words, quoting arguments with spaces, and copies them', async () => {
    const { plan } = samplePlan();
    const writeText = vi.fn(async () => undefined);
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    act(() => root.render(<DeployPlanView plan={plan} />));
    const nas = byTestId('plan-machine-nas')!;
    expect(text(nas.querySelector('.plan-machine-steps summary'))).toBe('8 steps, with the exact commands');
    const build = nas.querySelector('[data-testid="plan-step-build"] [data-testid="plan-command"]')!;
    expect(text(build)).toBe(
      `sudo -n nix build --no-link --print-out-paths --extra-experimental-features 'nix-command flakes' 'path:/home/admin/.local/share/clan-network-designer/flakes/family#nixosConfigurations."nas".config.system.build.toplevel'`,
    );
    // What only the run knows is marked as such.
    const activate = nas.querySelector('[data-testid="plan-step-activate"]')!;
    expect([...activate.querySelectorAll('.argv-placeholder')].map((w) => text(w))).toContain("'<new system>'");
    await act(async () => nas.querySelector<HTMLButtonElement>('[data-testid="plan-step-build"] .copy-button')!.click());
    expect(writeText).toHaveBeenCalledWith(text(build));
    expect(text(nas.querySelector('[data-testid="plan-step-build"] .copy-button'))).toBe('Copied');
  });

  test('says when the design changed since the plan, and when nothing can be deployed at all', () => {
    const { plan, design } = samplePlan();
    act(() => root.render(<DeployPlanView plan={plan} stale />));
    expect(text(byTestId('plan-stale'))).toContain('Plan again');
    const broken = makeDeployPlan({ design, flakeFiles: null, generateError: 'Two machines are called "nas".', way: 'onMachine', wayReason: '', lastCheck: null, remote: new Map(), confirmSeconds: 90, concurrency: 4, varsHelper: null, now: 0 });
    act(() => root.render(<DeployPlanView plan={broken} />));
    expect(text(byTestId('plan-blocked-all'))).toBe('Nothing can be deployed: Two machines are called "nas".Fix this in the Design area; the problems panel lists what needs attention.');
    expect(byTestId('plan-summary')).toBeNull();
  });
});
