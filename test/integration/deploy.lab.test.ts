import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, existsSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { createBackend, type Backend } from '../../src/main/rpc/createBackend';
import { SshClientPool } from '../../src/main/ssh/sshClient';
import { buildArgv, clanMachinesUpdateArgv, disarmArgv, pathFlakeRef, remoteFlakeDir, setProfileArgv, switchArgv, watchdogArgv } from '../../src/shared/deploy/commands';
import { quoteCommand } from '../../src/main/ssh/quote';
import type { DeployServiceOptions } from '../../src/main/services/deployService';
import type { DeployReport } from '../../src/shared/deploy/report';
import type { DeployProgress } from '../../src/shared/ipc/contract';
import { nixPlatformOf } from '../../src/shared/check';
import { designBuilder } from '../../src/shared/model/designBuilder';
import type { Design, Machine, MachineId } from '../../src/shared/model/types';
import { recordJob } from '../jobRecording';
import { shouldRunLab, type LabSpec } from '../lab/lab';
import { useLab } from '../lab/suite';

// A whole deploy (the way without Nix on this computer, docs/deploy.md) against the SSH lab: six NixOS stand-in hosts
// in an office and two NATed homes that only the bastion reaches into. SSH, the jump host, SFTP with checksums, sudo,
// parallelism, time limits, logs and the history are real; nix, nix-env, switch-to-configuration, systemd-run and
// systemctl are the lab's test doubles (test/lab/nixos), because NixOS cannot run on the build machines. The doubles
// record every argument list they get, which the tests compare with the app's own command builders.
const runLab = await shouldRunLab();
const arch = nixPlatformOf(process.arch === 'arm64' ? 'aarch64' : 'x86_64') as Machine['arch'];

const spec: LabSpec = {
  sites: [
    { name: 'office', nat: false },
    { name: 'home', nat: true },
    { name: 'parents', nat: true },
  ],
  hosts: [
    { name: 'bastion', site: 'office', bastion: true, nixos: true },
    { name: 'alpha', site: 'office', nixos: true },
    { name: 'gamma', site: 'home', nixos: true },
    { name: 'delta', site: 'home', nixos: true },
    { name: 'epsilon', site: 'parents', nixos: true },
    { name: 'zeta', site: 'parents', nixos: true },
  ],
};

/** The rollback time limit in these tests (the design's lowest is 30 s; the service lets tests go lower). */
const CONFIRM_SECONDS = 4;

describe.skipIf(!runLab)('deploy against the SSH lab (NixOS stand-ins)', () => {
  const suite = useLab('deploy', spec);
  const host = (name: string) => suite.lab.host(name);
  const standIn = (name: string) => host(name).nixos!;
  const sudoUser = () => suite.lab.users.sudo.name;

  /** The lab as a design: the office is public, home and parents behind NAT, reached through the bastion. */
  function labDesign(): { design: Design; ids: Record<string, MachineId> } {
    const b = designBuilder();
    const laptop = b.site('Laptop', 'nat');
    const office = b.site('Office', 'public');
    const home = b.site('Home', 'nat');
    const parents = b.site('Parents', 'nat');
    const ids: Record<string, MachineId> = {};
    const machine = (name: string, site: ReturnType<typeof b.site>) => {
      ids[name] = b.machine(name, site, 'server', { arch, ssh: { host: host(name).address, port: host(name).port, user: sudoUser() }, publicAddress: site === office ? host(name).address : null });
      return ids[name]!;
    };
    const bastion = machine('bastion', office);
    machine('alpha', office);
    for (const [name, site] of [['gamma', home], ['delta', home], ['epsilon', parents], ['zeta', parents]] as const) b.link('jumpHost', bastion, machine(name, site));
    b.admin(laptop);
    const withVpn = b.vpn('nebula');
    // alpha is the lighthouse everyone needs; the others are peers (the bastion is also the jump host).
    const roles = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name === 'alpha' ? ['lighthouse'] : ['peer']]));
    const design: Design = { ...withVpn, meta: { ...withVpn.meta, clanName: 'labfamily' }, vpn: { ...withVpn.vpn, roles }, deploy: { ...withVpn.deploy, varsHelper: ids.alpha!, concurrency: 3 } };
    return { design, ids };
  }

  interface Run {
    report: DeployReport;
    events: DeployProgress[];
    logs: string[];
    byName: Record<string, DeployReport['machines'][number]>;
  }

  let backend: Backend;
  let workspace: string;
  const knownHosts = () => join(suite.work, 'known_hosts');

  function makeBackend(timeouts: Record<string, number> = {}, clan?: Pick<DeployServiceOptions, 'hasLocalClan' | 'runLocal'>): Backend {
    workspace ??= mkdtempSync(join(tmpdir(), 'cnd-deploy-ws-'));
    const dataDir = join(suite.work, 'data');
    mkdirSync(dataDir, { recursive: true });
    return createBackend({
      mode: 'serve',
      log: () => undefined,
      workspaceDir: workspace,
      dataDir,
      // The lab's keys and a known_hosts of the test's own; every new host key is trusted, as a person would after
      // comparing it (the host-key prompt itself is the check tests' subject).
      createMachineSsh: () => {
        const pool = new SshClientPool({ knownHostsPath: knownHosts(), connectTimeoutMs: 5_000, hostKeyPolicy: { mode: 'tofu', confirm: async () => true } });
        suite.track(pool);
        return { pool, knownHostsPath: knownHosts(), identityFor: () => ({ privateKey: suite.lab.users.sudo.privateKey }) };
      },
      deploy: { hasLocalClan: async () => false, ...clan, confirmSeconds: CONFIRM_SECONDS, timeouts: { retryEvery: 300, rollbackGrace: 1_000, afterRollback: 20_000, build: 20_000, ...timeouts } },
    });
  }

  async function save(b: Backend, design: Design, name = 'lab.clan-design.json'): Promise<void> {
    const saved = await b.dispatch('project:save', { name, design, overwrite: true });
    if (!saved.ok) throw new Error(`save: ${JSON.stringify(saved.error)}`);
  }

  /** Deploys and waits for the end; `during` runs with the events so far, as they come (to cancel, for example). */
  async function deploy(b: Backend, design: Design, options: { machines?: string[]; during?: (eventsSoFar: () => DeployProgress[], jobId: string) => void | Promise<void> } = {}): Promise<Run> {
    await save(b, design);
    const recording = recordJob(b, 'deploy');
    const eventsSoFar = () => recording.events.map((e) => e.event);
    try {
      const started = await b.dispatch('deploy:start', { name: 'lab.clan-design.json', design, hostKeys: 'ask', ...(options.machines === undefined ? {} : { machines: options.machines }) });
      if (!started.ok) throw new Error(`deploy:start: ${JSON.stringify(started.error)}`);
      const jobId = (started.value as { jobId: string }).jobId;
      await options.during?.(eventsSoFar, jobId);
      const report = await recording.done;
      const events = eventsSoFar();
      const logs = events.flatMap((event) => (event.type === 'log' ? [`${event.machineId ?? '-'} ${event.text}`] : []));
      return { report, events, logs, byName: Object.fromEntries(report.machines.map((m) => [m.name, m])) };
    } finally {
      recording.stop();
    }
  }

  const statuses = (run: Run) => Object.fromEntries(Object.entries(run.byName).map(([name, m]) => [name, m.status]));

  test('deploys six machines wave by wave through the bastion: vars on the helper, exact commands, watchdog, switch, confirmation, history', async () => {
    backend = makeBackend();
    const { design } = labDesign();
    const before = Object.fromEntries(spec.hosts.map((h) => [h.name, standIn(h.name).generation()]));
    const run = await deploy(backend, design);

    expect(run.report.outcome).toBe('finished');
    expect(run.report.vars).toMatchObject({ status: 'made', helper: 'alpha' });
    expect(statuses(run)).toEqual({ gamma: 'deployed', delta: 'deployed', epsilon: 'deployed', zeta: 'deployed', alpha: 'deployed', bastion: 'deployed' });
    // Run order: the machines behind the jump host get their places before the jump host.
    const order = run.events.filter((e) => e.type === 'machineStarted').map((e) => (e.type === 'machineStarted' ? e.machineId : ''));
    const { ids } = labDesign();
    const started = (name: string) => order.indexOf(ids[name]!);
    for (const behind of ['gamma', 'delta', 'epsilon', 'zeta']) expect(started(behind)).toBeLessThan(started('bastion'));
    // Step progress reached every step of every machine.
    const steps = run.events.filter((e) => e.type === 'machineStep' && e.machineId === ids.gamma).map((e) => (e.type === 'machineStep' ? e.step.label : ''));
    expect(steps).toEqual(['Connect over SSH', 'Read what the machine runs', 'Upload the configuration (checksums verified)', 'Build the system on the machine', "Put the machine's secret key in place", 'Arm the rollback watchdog', 'Switch to the new system (under systemd-run)', 'Confirm over a new SSH connection and disarm the watchdog']);

    const runId = run.report.runId.slice(-6);
    for (const name of ['bastion', 'alpha', 'gamma', 'delta', 'epsilon', 'zeta']) {
      const s = standIn(name);
      const dir = remoteFlakeDir(s.homeOf(sudoUser()), 'labfamily');
      const system = run.byName[name]!.system!;
      const previous = run.byName[name]!.previousSystem!;
      // The doubles got exactly the argument lists the plan shows (without the `sudo -n` they ran under).
      expect(s.recorded('nix').filter((a) => a[0] === 'build')).toEqual([buildArgv(0, dir, name).slice(1)]);
      expect(s.recorded('nix-env')).toContainEqual(setProfileArgv(0, system).slice(1));
      expect(s.recorded('systemd-run')).toContainEqual(watchdogArgv(0, runId, CONFIRM_SECONDS, previous).slice(1));
      expect(s.recorded('systemd-run')).toContainEqual(switchArgv(0, runId, system, 'switch').slice(1));
      expect(s.recorded('systemctl')).toContainEqual(['stop', `cnd-rollback-${runId}.timer`]);
      expect(s.currentSystem()).toBe(system);
      expect(s.generation()).toBe((before[name] ?? 0) + 1);
      // The machine's secret key from the vars helper, root-only.
      expect(readFileSync(s.path('/var/lib/sops-nix/key.txt'), 'utf8')).toMatch(/^AGE-SECRET-KEY-1/);
    }
    expect(buildArgv(0, '/home/a b/x', 'm').at(-1)).toContain(pathFlakeRef('/home/a b/x'));
    // The vars came back into the design's flake folder; the helper's copy of the app's age key is gone.
    expect(existsSync(join(workspace, 'lab.clan', 'sops', 'secrets', 'gamma-age.key', 'secret'))).toBe(true);
    expect(readdirSync(standIn('alpha').path(`${standIn('alpha').homeOf(sudoUser())}/.local/share/clan-network-designer/keys`))).toEqual([]);
    // History: plan, result and one log per machine.
    const historyDir = join(workspace, 'lab.deploys', run.report.runId);
    expect(readdirSync(historyDir).sort()).toEqual(['logs', 'plan.json', 'result.json']);
    expect(readdirSync(join(historyDir, 'logs')).sort()).toEqual(['alpha.log', 'bastion.log', 'delta.log', 'deploy.log', 'epsilon.log', 'gamma.log', 'zeta.log']);
    const history = await backend.dispatch('deploy:history', { name: 'lab.clan-design.json' });
    expect(history.ok && (history.value as { entries: { runId: string; counts: Record<string, number> }[] }).entries[0]).toMatchObject({ runId: run.report.runId, counts: { deployed: 6 } });
    // The plan now sees what each machine has: nothing changes.
    const plan = await backend.dispatch('deploy:plan', { name: 'lab.clan-design.json', design });
    expect(plan.ok).toBe(true);
    const planned = (plan.ok ? (plan.value as { plan: { waves: { machines: { name: string; files: { changes: unknown[]; firstDeploy: boolean } | null; hasSystem: boolean | null }[] }[] } }).plan : null)!;
    for (const m of planned.waves.flatMap((w) => w.machines)) expect([m.name, m.files?.firstDeploy, m.files?.changes, m.hasSystem]).toEqual([m.name, false, [], true]);
  });

  test('later waves get ready while an earlier wave switches, and no machine switches before the machines before it are done', async () => {
    backend = makeBackend();
    const { design, ids } = labDesign();
    for (const name of spec.hosts.map((h) => h.name)) await standIn(name).setFault({ kind: 'switchTakes', seconds: 1 });
    try {
      // Every machine at once (concurrency 6): only the switches wait for the deploy order.
      const run = await deploy(backend, { ...design, meta: { ...design.meta, description: 'pipelined' }, deploy: { ...design.deploy, concurrency: 6 } });
      expect(statuses(run)).toEqual({ gamma: 'deployed', delta: 'deployed', epsilon: 'deployed', zeta: 'deployed', alpha: 'deployed', bastion: 'deployed' });
      const at = (name: string, what: (e: DeployProgress) => boolean) => run.events.findIndex((e) => (e as { machineId?: string | null }).machineId === ids[name] && what(e));
      const stepAt = (name: string, label: string) => at(name, (e) => e.type === 'machineStep' && e.step.label.startsWith(label));
      const doneAt = (name: string) => at(name, (e) => e.type === 'machineDone');
      const wave1 = ['gamma', 'delta', 'epsilon', 'zeta'];
      // Wave 1 (behind the jump host), then alpha (direct), then the jump host itself: each switch (the watchdog is
      // armed right before it) comes after every machine of the earlier waves is done.
      for (const name of wave1) {
        expect(doneAt(name), `${name} done before alpha arms its watchdog`).toBeLessThan(stepAt('alpha', 'Arm the rollback watchdog'));
        expect(doneAt(name), `${name} done before the bastion arms its watchdog`).toBeLessThan(stepAt('bastion', 'Arm the rollback watchdog'));
      }
      expect(doneAt('alpha')).toBeLessThan(stepAt('bastion', 'Arm the rollback watchdog'));
      // The jump host and alpha built their systems while the machines behind the jump host were still switching.
      const lastOfWave1 = Math.max(...wave1.map(doneAt));
      expect(stepAt('bastion', 'Build the system')).toBeLessThan(lastOfWave1);
      expect(stepAt('alpha', 'Build the system')).toBeLessThan(lastOfWave1);
      expect(run.logs.some((l) => l.startsWith(ids.bastion!) && l.includes('waiting until the machines before it in the deploy order are done'))).toBe(true);
      // A redeploy sends only what changed (the description is in one file): the rest is there with the same checksum.
      const again = await deploy(backend, { ...design, meta: { ...design.meta, description: 'pipelined, again' } }, { machines: [ids.gamma!] });
      expect(again.byName.gamma!.status).toBe('deployed');
      const sent = again.logs.find((l) => l.startsWith(ids.gamma!) && / files sent and verified; /.test(l));
      const [changed, total] = (/ (\d+) of (\d+) files sent/.exec(sent ?? '') ?? []).slice(1).map(Number);
      expect(changed, sent).toBeGreaterThan(0);
      expect(changed!, sent).toBeLessThan(total! / 2);
    } finally {
      for (const name of spec.hosts.map((h) => h.name)) await standIn(name).clearFaults();
    }
  });

  test('a failed build stops that machine only, and the machines that need it are skipped with the reason', async () => {
    backend = makeBackend();
    const { design } = labDesign();
    await standIn('alpha').setFault({ kind: 'buildFails', message: 'error: attribute lighthouse.port missing' });
    const bastionGeneration = standIn('bastion').generation();
    try {
      const run = await deploy(backend, design);
      expect(run.byName.alpha).toMatchObject({ status: 'failed', step: 'build' });
      expect(run.byName.alpha!.message).toContain('the build');
      expect(run.logs.some((l) => l.includes('attribute lighthouse.port missing'))).toBe(true);
      // The bastion comes after alpha and needs it (the lighthouse): skipped, saying why.
      expect(run.byName.bastion).toMatchObject({ status: 'skipped' });
      expect(run.byName.bastion!.message).toContain('alpha');
      expect(run.byName.bastion!.message).toContain('lighthouse');
      // It may have been built while alpha built, but it never switched.
      expect(standIn('bastion').generation()).toBe(bastionGeneration);
      // The machines behind the jump host went before and are fine.
      for (const name of ['gamma', 'delta', 'epsilon', 'zeta']) expect(run.byName[name]!.status).toBe('deployed');
      expect(run.report.nextSteps.join(' ')).toContain('alpha');
    } finally {
      await standIn('alpha').clearFaults();
    }
  });

  test('a machine whose link drops right after the switch rolls itself back by its watchdog, and the app says so', async () => {
    backend = makeBackend();
    const { design, ids } = labDesign();
    const before = standIn('gamma').currentSystem();
    const changed: Design = { ...design, meta: { ...design.meta, description: 'a change that cuts gamma off' } };
    await standIn('gamma').setFault({ kind: 'linkDropsOnSwitch' });
    try {
      const run = await deploy(backend, changed, { machines: [ids.gamma!] });
      expect(run.byName.gamma).toMatchObject({ status: 'rolledBack', step: 'confirm', previousSystem: before });
      expect(run.byName.gamma!.message).toContain('watchdog');
      expect(run.byName.gamma!.whatToDo).toContain('way in');
      expect(standIn('gamma').currentSystem()).toBe(before);
      expect(await standIn('gamma').isLinkUp()).toBe(true);
      expect(run.report.nextSteps.join(' ')).toContain('gamma');
    } finally {
      await standIn('gamma').clearFaults();
    }
  }, 60_000);

  test('a hanging build is cut at its time limit, including its root-owned processes, and nothing is activated', async () => {
    backend = makeBackend({ build: 2_000 });
    const { design, ids } = labDesign();
    const generation = standIn('zeta').generation();
    await standIn('zeta').setFault({ kind: 'buildHangs', seconds: 120 });
    try {
      const run = await deploy(backend, { ...design, meta: { ...design.meta, description: 'hang' } }, { machines: [ids.zeta!] });
      expect(run.byName.zeta).toMatchObject({ status: 'failed', step: 'build' });
      expect(run.byName.zeta!.message).toContain('did not finish within 2 seconds');
      expect(standIn('zeta').generation()).toBe(generation);
      // The build the app started is gone from the machine (killed as root, since it ran under sudo).
      await expect.poll(async () => (await standIn('zeta').exec(['pgrep', '-a', '-f', 'nixosConfigurations'])).stdout.trim(), { timeout: 5_000 }).toBe('');
    } finally {
      await standIn('zeta').clearFaults();
    }
  });

  test('cancel in the middle of a wave: running machines stop before their switch, waiting ones never start', async () => {
    backend = makeBackend();
    const { design } = labDesign();
    for (const name of ['gamma', 'delta', 'epsilon', 'zeta']) await standIn(name).setFault({ kind: 'buildTakes', seconds: 3 });
    const generations = Object.fromEntries(['gamma', 'delta', 'epsilon', 'zeta', 'alpha', 'bastion'].map((n) => [n, standIn(n).generation()]));
    try {
      const run = await deploy(backend, { ...design, meta: { ...design.meta, description: 'cancel' } }, {
        during: async (eventsSoFar, jobId) => {
          // Three of the four machines behind the bastion build at once (concurrency 3); cancel while they do.
          await expect.poll(() => eventsSoFar().filter((e) => e.type === 'machineStep' && e.step.label === 'Build the system on the machine').length, { timeout: 20_000 }).toBe(3);
          await backend.dispatch('job:cancel', { jobId });
        },
      });
      expect(run.report.outcome).toBe('cancelled');
      const s = statuses(run);
      expect(Object.values(s).every((status) => status === 'cancelled')).toBe(true);
      expect(Object.values(run.byName).filter((m) => m.step === 'build')).toHaveLength(3);
      expect(run.byName.alpha!.message).toContain('before its turn');
      for (const [name, generation] of Object.entries(generations)) expect([name, standIn(name).generation()]).toEqual([name, generation]);
    } finally {
      for (const name of ['gamma', 'delta', 'epsilon', 'zeta']) await standIn(name).clearFaults();
    }
  }, 60_000);

  test('a changed host key refuses that machine and the others go on', async () => {
    backend = makeBackend();
    const { design, ids } = labDesign();
    await host('delta').replaceHostKey();
    const run = await deploy(backend, { ...design, meta: { ...design.meta, description: 'host key' } }, { machines: [ids.delta!, ids.gamma!] });
    expect(run.byName.delta).toMatchObject({ status: 'failed', step: 'connect' });
    expect(run.byName.delta!.message).toContain('different host key');
    expect(run.byName.gamma!.status).toBe('deployed');
  });

  test('a disk that fills during the upload gives a clear message, and nothing is activated', async () => {
    backend = makeBackend();
    const { design, ids } = labDesign();
    const generation = standIn('epsilon').generation();
    await standIn('epsilon').setFault({ kind: 'diskFull', user: sudoUser(), clan: 'labfamily', bytes: 8192 });
    try {
      const run = await deploy(backend, { ...design, meta: { ...design.meta, description: 'disk' } }, { machines: [ids.epsilon!] });
      expect(run.byName.epsilon).toMatchObject({ status: 'failed', step: 'upload' });
      expect(run.byName.epsilon!.message).toContain('is full');
      expect(run.byName.epsilon!.message).toContain('Nothing was activated');
      expect(standIn('epsilon').generation()).toBe(generation);
      expect(standIn('epsilon').recorded('nix').filter((a) => a[0] === 'build').length).toBeGreaterThan(0);
    } finally {
      await standIn('epsilon').clearFaults();
    }
  });

  /**
   * TEST DOUBLE for the `clan` program (the clan CLI cannot run here: it needs Nix). It records its argument lists and,
   * for `clan machines update <m> --flake <dir>`, does on the machine what Clan's update does, with OpenSSH and the
   * lab's NixOS stand-ins: copy the flake over, build, set the profile, switch. `clan vars generate` only records.
   */
  function clanStandIn(ids: Record<string, MachineId>): { runLocal: NonNullable<DeployServiceOptions['runLocal']>; calls: string[][] } {
    const calls: string[][] = [];
    const ssh = (name: string, remote: string[], input?: NodeJS.ReadableStream) =>
      new Promise<{ code: number | null; out: string }>((resolve) => {
        const jump = ['gamma', 'delta', 'epsilon', 'zeta'].includes(name) ? ['-J', `${sudoUser()}@${host('bastion').address}`] : [];
        const child = spawn('ssh', ['-i', suite.lab.users.sudo.privateKeyPath, '-o', 'BatchMode=yes', '-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'LogLevel=ERROR', ...jump, `${sudoUser()}@${host(name).address}`, quoteCommand(remote)], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
        let out = '';
        child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr!.on('data', (c: Buffer) => (out += c.toString()));
        if (input !== undefined) input.pipe(child.stdin!);
        child.on('close', (code) => resolve({ code, out }));
      });
    const runLocal: NonNullable<DeployServiceOptions['runLocal']> = async (argv, options) => {
      calls.push([...argv]);
      if (argv[1] === 'vars') {
        options.onLine('clan stand-in: vars are up to date', 'stdout');
        return { code: 0 };
      }
      const machine = argv[3]!;
      const localDir = argv[5]!;
      const labName = Object.keys(ids).find((n) => n === machine)!;
      const dir = `${standIn(labName).homeOf(sudoUser())}/clan-stand-in/labfamily`;
      const tar = spawn('tar', ['-c', '-C', localDir, '.'], { stdio: ['ignore', 'pipe', 'ignore'] });
      const copied = await ssh(labName, ['sh', '-c', 'rm -rf -- "$1" && mkdir -p -- "$1" && tar -x -C "$1"', 'sh', dir], tar.stdout);
      if (copied.code !== 0) return { code: copied.code, error: copied.out };
      const built = await ssh(labName, buildArgv(1, dir, machine));
      const system = built.out.trim().split('\n').at(-1)!;
      for (const line of built.out.trim().split('\n')) options.onLine(line, 'stderr');
      if (built.code !== 0) return { code: built.code, error: built.out };
      const profile = await ssh(labName, setProfileArgv(1, system));
      const switched = await ssh(labName, ['sudo', '-n', `${system}/bin/switch-to-configuration`, 'switch']);
      for (const line of switched.out.trim().split('\n')) options.onLine(line, 'stdout');
      return profile.code === 0 && switched.code === 0 ? { code: 0 } : { code: 1, error: profile.out + switched.out };
    };
    return { runLocal, calls };
  }

  test('with the clan CLI on this computer, Clan updates each machine, between the app\'s watchdog and its confirmation', async () => {
    const { design, ids } = labDesign();
    const clan = clanStandIn(ids);
    const b = makeBackend({}, { hasLocalClan: async () => true, runLocal: clan.runLocal });
    const before = standIn('alpha').generation();
    const run = await deploy(b, { ...design, meta: { ...design.meta, description: 'clan way' } }, { machines: [ids.alpha!] });
    expect(run.report.way).toBe('clanCli');
    expect(run.byName.alpha).toMatchObject({ status: 'deployed' });
    const localFlake = join(workspace, 'lab.clan');
    // Exactly Clan's argument lists: vars once, then the update of the one machine.
    expect(clan.calls).toEqual([['clan', 'vars', 'generate', '--flake', localFlake], clanMachinesUpdateArgv(localFlake, 'alpha')]);
    // The app still armed its watchdog before, and confirmed and disarmed it after, on the machine.
    const runId = run.report.runId.slice(-6);
    const s = standIn('alpha');
    expect(s.recorded('systemd-run')).toContainEqual(watchdogArgv(0, runId, CONFIRM_SECONDS, run.byName.alpha!.previousSystem!).slice(1));
    expect(s.recorded('systemctl')).toContainEqual(disarmArgv(0, runId).slice(1));
    expect(s.currentSystem()).toBe(run.byName.alpha!.system);
    expect(s.generation()).toBe((before ?? 0) + 1);
    // Clan's output is in the machine's log, and the steps shown are the clan way's.
    expect(run.logs.some((l) => l.startsWith(`${ids.alpha} `) && l.includes('activating the configuration'))).toBe(true);
    const labels = run.events.filter((e) => e.type === 'machineStep' && e.machineId === ids.alpha).map((e) => (e.type === 'machineStep' ? e.step.label : ''));
    expect(labels).toEqual(['Connect over SSH', 'Read what the machine runs', 'Arm the rollback watchdog', 'clan machines update', 'Confirm over a new SSH connection and disarm the watchdog']);
  }, 60_000);
});
