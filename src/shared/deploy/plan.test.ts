import { describe, expect, test } from 'vitest';
import type { MachineCheckResult } from '../check';
import { familyWithJumpHost } from '../model/designBuilder';
import type { Design } from '../model/types';
import type { CheckReport } from '../schema/checkReport';
import { buildArgv, parseSurvey, watchdogArgv } from './commands';
import { deployPlanSchema, machinesInRunOrder, makeDeployPlan, type PlanInput, type RemoteState } from './plan';

const system = (n: number) => `/nix/store/${'a'.repeat(31)}${n}-nixos-system-x`;

function input(design: Design, overrides: Partial<PlanInput> = {}): PlanInput {
  return {
    design,
    flakeFiles: { 'flake.nix': 'f1', 'clan.nix': 'c1', 'inventory.json': 'i1' },
    way: 'onMachine',
    wayReason: 'no clan CLI here',
    lastCheck: null,
    remote: new Map(),
    confirmSeconds: 90,
    concurrency: 4,
    varsHelper: null,
    now: 1_000,
    ...overrides,
  };
}

function checkOf(results: MachineCheckResult[]): CheckReport {
  return { kind: 'clan-designer-check', version: 1, startedAt: 1, finishedAt: 2, outcome: 'finished', local: [], machines: results };
}

describe('the deploy plan', () => {
  const f = familyWithJumpHost();
  const design = f.b.vpn('nebula');
  const nameOf = (id: string) => design.machines[id as keyof typeof design.machines]!.name;

  test('follows the deploy waves, machines behind the jump host first and the jump host after them', () => {
    const plan = makeDeployPlan(input(design));
    expect(deployPlanSchema.parse(plan)).toEqual(plan);
    const order = machinesInRunOrder(plan).map((m) => m.name);
    expect(order.indexOf('tablet')).toBeLessThan(order.indexOf('bastion'));
    const tablet = machinesInRunOrder(plan).find((m) => m.name === 'tablet')!;
    expect(tablet.dependsOn).toContainEqual({ machineId: f.bastion, name: 'bastion', why: 'its jump host' });
    // The lighthouse is on the cloud machine: everyone else needs it.
    const nas = machinesInRunOrder(plan).find((m) => m.name === 'nas')!;
    expect(nas.dependsOn.some((d) => d.machineId === f.vps && d.why.includes('lighthouse'))).toBe(true);
    // The phone is not managed, so it is not planned at all.
    expect(order).not.toContain('phone');
  });

  test('lists each step with the exact commands it runs; the survey tells sudo and the flake folder', () => {
    const remote = new Map<string, RemoteState>([[f.nas, { reached: true, home: '/home/ann', uid: 1000, currentSystem: system(1), deployedFiles: { 'flake.nix': 'f0', 'old.nix': 'o0', 'clan.nix': 'c1' } }]]);
    const plan = makeDeployPlan(input(design, { remote }));
    const nas = machinesInRunOrder(plan).find((m) => m.name === 'nas')!;
    expect(nas.steps.map((s) => s.id)).toEqual(['connect', 'survey', 'upload', 'build', 'secrets', 'watchdog', 'activate', 'confirm']);
    expect(nas.steps.find((s) => s.id === 'build')!.commands).toEqual([buildArgv(1000, '/home/ann/.local/share/clan-network-designer/flakes/family', 'nas')]);
    expect(nas.steps.find((s) => s.id === 'build')!.commands[0]!.slice(0, 3)).toEqual(['sudo', '-n', 'nix']);
    expect(nas.files).toEqual({ firstDeploy: false, changes: [{ path: 'flake.nix', change: 'changed' }, { path: 'inventory.json', change: 'added' }, { path: 'old.nix', change: 'removed' }], unchanged: 1 });
    expect(nas.hasSystem).toBe(true);
  });

  test('a first deploy has no watchdog (nothing to roll back to) and says so', () => {
    const remote = new Map<string, RemoteState>([[f.nas, { reached: true, home: '/root', uid: 0, currentSystem: null, deployedFiles: null }]]);
    const nas = machinesInRunOrder(makeDeployPlan(input(design, { remote }))).find((m) => m.name === 'nas')!;
    expect(nas.steps.map((s) => s.id)).not.toContain('watchdog');
    expect(nas.warnings.join(' ')).toContain('no previous system to roll back to');
    expect(nas.files?.firstDeploy).toBe(true);
    expect(nas.steps.find((s) => s.id === 'build')!.commands[0]![0]).toBe('nix');
  });

  test('blocks machines whose last check failed, or that do not run NixOS, with what to do', () => {
    const failed = (machineId: string, id: 'nixos' | 'disk', message: string): MachineCheckResult => ({ machineId, name: nameOf(machineId), target: 'x', via: null, status: 'error', findings: [{ id, status: 'error', message }] });
    const plan = makeDeployPlan(input(design, { lastCheck: checkOf([failed(f.nas, 'disk', 'only 1 GB free on /nix'), failed(f.pc, 'nixos', 'it runs Debian 12')]) }));
    const byName = (name: string) => machinesInRunOrder(plan).find((m) => m.name === name)!;
    expect(byName('nas').blocked).toEqual({ reason: 'the last check found a problem: only 1 GB free on /nix', whatToDo: 'Fix it, then check the machines again.' });
    expect(byName('pc').blocked?.whatToDo).toContain('erases its disk');
    // The plan view offers "Install NixOS…" for this machine only: installing is never part of a deploy.
    expect(byName('pc').blocked?.notNixos).toBe(true);
    expect(byName('nas').blocked?.notNixos).toBeUndefined();
    expect(byName('nas').steps).toEqual([]);
    expect(byName('bastion').blocked).toBeNull();
  });

  test('picks a vars helper with a public address when the design chose none, and uses the chosen one otherwise', () => {
    const picked = makeDeployPlan(input(design));
    expect(picked.varsHelper?.name).toBe('bastion');
    expect(picked.varsNote).toContain('it has a public address');
    const chosen = makeDeployPlan(input(design, { varsHelper: f.nas }));
    expect(chosen.varsHelper?.name).toBe('nas');
    expect(chosen.varsHelper?.steps.find((s) => s.id === 'build')?.commands[0]).toContain('vars');
  });

  test('with the clan CLI here, Clan updates each machine between the app\'s watchdog and confirmation, and makes the vars locally', () => {
    const plan = makeDeployPlan(input(design, { way: 'clanCli', wayReason: 'clan is installed' }));
    const nas = machinesInRunOrder(plan).find((m) => m.name === 'nas')!;
    expect(nas.steps.map((s) => s.id)).toEqual(['connect', 'survey', 'watchdog', 'clanUpdate', 'confirm']);
    expect(nas.steps.find((s) => s.id === 'clanUpdate')!.commands).toEqual([['clan', 'machines', 'update', 'nas', '--flake', 'family.clan']]);
    expect(nas.steps.flatMap((s) => s.commands).filter((c) => c.includes('nix') || c.includes('switch-to-configuration'))).toEqual([]);
    expect(plan.varsHelper).toBeNull();
    expect(plan.varsNote).toContain('clan vars generate');
  });

  test('a managed machine without an SSH address is blocked with what to do, and the others are planned', () => {
    const nasMachine = design.machines[f.nas]!;
    const withoutAddress: Design = { ...design, machines: { ...design.machines, [f.nas]: { ...nasMachine, ssh: null } } };
    const planned = machinesInRunOrder(makeDeployPlan(input(withoutAddress)));
    expect(planned.find((m) => m.name === 'nas')).toMatchObject({ blocked: { reason: 'it has no SSH address in the design' }, steps: [] });
    expect(planned.find((m) => m.name === 'nas')!.blocked!.whatToDo).toContain('inspector');
    expect(planned.filter((m) => m.name !== 'nas').every((m) => m.blocked === null)).toBe(true);
  });

  test('a design that cannot be generated blocks everything with the reason', () => {
    const plan = makeDeployPlan(input(design, { flakeFiles: null, generateError: 'two machines are named "nas"' }));
    expect(plan.blockedAll).toBe('two machines are named "nas"');
  });
});

describe('deploy commands', () => {
  test('values travel as separate arguments, never inside the fixed scripts', () => {
    const previous = `/nix/store/${'b'.repeat(32)}-nixos-system-$(reboot)`;
    const argv = watchdogArgv(1000, 'abc123', 90, previous);
    expect(argv.slice(-2)).toEqual([previous, 'cnd-switch-abc123.service']);
    expect(argv.slice(0, 4)).toEqual(['sudo', '-n', 'systemd-run', '--unit=cnd-rollback-abc123']);
    expect(argv.filter((a) => a.includes('$(reboot)'))).toEqual([previous]);
  });

  test('the survey is read strictly: unknown or partial output is refused', () => {
    const store = `/nix/store/${'c'.repeat(32)}-nixos-system-nas`;
    expect(parseSurvey(`home=/root\nuid=0\ncurrent=${store}\nprofile=\nend=1\n`)).toEqual({ home: '/root', uid: 0, currentSystem: store, profileSystem: null });
    // Not a store path Nix can make (a space, a shell expansion): unknown, never an argument of the rollback.
    expect(parseSurvey(`home=/root\nuid=0\ncurrent=/nix/store/${'c'.repeat(32)}-x $(reboot)\nend=1\n`)?.currentSystem).toBeNull();
    expect(parseSurvey('home=/root\nuid=0\n')).toBeNull();
    expect(parseSurvey('home=/root\nuid=x\ncurrent=/etc/passwd\nend=1\n')).toEqual({ home: '/root', uid: null, currentSystem: null, profileSystem: null });
  });
});
