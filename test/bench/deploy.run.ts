import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Backend } from '../../src/main/rpc/createBackend';
import { buildArgv, currentSystemArgv, disarmArgv, remoteFlakeDir, secretKeyArgv, setProfileArgv, switchArgv, watchdogArgv } from '../../src/shared/deploy/commands';
import type { DeployPlan } from '../../src/shared/deploy/plan';
import type { DeployReport } from '../../src/shared/deploy/report';
import type { DeployProgress } from '../../src/shared/ipc/contract';
import type { Design, MachineId } from '../../src/shared/model/types';
import type { Lab } from '../lab/lab';
import type { NixosSleep } from '../lab/nixos';
import { benchEnvironment, exec, homeHosts, labDesign, labHostNames, loadAverage, machineBusyTicks, median, repetitions, root, round, seconds, startBenchLab, ticksPerSecond, warmupRounds, type BenchLab } from './benchLab';
import { recordJob } from '../jobRecording';
import { writeReadmeTable } from './readme';

// `npm run bench:deploy`: wall time of plan + deploy of 1, 6 and 12 lab hosts by the app, against the same upload and
// command fan-out done by Ansible ad-hoc (copy + command, -f 12) on the same hosts, in one run. Targets: 12 hosts in
// <= 0.5x Ansible's time for 12 hosts, and an orchestration overhead (wall time minus the doubles' own sleep along the
// critical path) <= 1 s, checked on a one-machine deploy (the overhead of 6 and 12 hosts is reported beside it).
//
// The lab (test/lab/lab.ts, set up as bench:verify's by benchLab.ts): 12 NixOS stand-in hosts (test/lab/nixos.ts): a bastion and 8 machines in a public
// office, 3 machines in a NATed home that only the bastion reaches into. SSH, the jump host, SFTP, sudo, files and
// processes are real; nix, nix-env, switch-to-configuration, systemd-run and systemctl are the lab's TEST DOUBLES
// (test/lab/nixos/doubles), because NixOS cannot run on the build machines. Every host's doubles sleep a known time
// (fault switches): `nix build` BUILD_SECONDS, each `switch-to-configuration` SWITCH_SECONDS (a deploy runs it twice:
// boot, then switch). The doubles record every sleep with its measured length.
//
// 1, 6 and 12 hosts are three designs of their own (one saved design file and one clan each), so a smaller run
// generates, surveys and makes vars for its own machines only: 1 = o1 (the Nebula lighthouse and vars helper);
// 6 = o1-o3, the bastion and h1-h2; 12 = everything. With the NATed machines the deploy switches in three waves
// (behind the jump host, the office, the jump host itself), one after the other; every machine gets ready (upload,
// build) at once, since the design's concurrency is 12, and only the switches wait for their wave's turn.
//
// App, timed: dispatching deploy:plan (the dry run: survey of every machine) until it answers, then deploy:start until
// the job's 'done' event (write the configuration, survey, vars on the vars helper, upload with checksums, build,
// secret key, watchdog, switch under systemd-run, confirmation over a new connection), all on the app's back end
// (createBackend, as serve mode and Electron use it) with strict host keys and the design's default time limits. Each
// run first changes the design's description (clan.nix), so every run deploys a new system: a new generation on every
// host, checked. The doubles' sleep on the critical path, from what each machine's doubles recorded during the run:
// wave after wave, the latest over the wave's machines of (its build's sleep, or the earlier waves' end if later) plus
// its switches' sleep (the vars helper's `nix run` does not sleep). Overhead = wall time minus that.
//
// Ansible, timed: the same hosts, the same flake folder (the design changed again and its configuration written by the
// app first, untimed) and the same commands the app runs (src/shared/deploy/commands.ts; sudo -n becomes Ansible's
// become): `ansible all -f 12 -m copy` of the folder into the same remote folder, then one `ansible all -f 12 -m
// command` each for the build, the secret key (on stdin), the watchdog, nix-env --set, the boot and switch under
// systemd-run, reading /run/current-system and disarming the watchdog. Ad-hoc runs cannot pass a value from one
// command to the next, so the system path each host's build printed is put into the host's host_vars between the
// build and the next command (inside the timed span). The previous system and the machine's secret key (the one the
// app put there) are host_vars written before timing. Ansible runs every host at once, with no waves, so its
// critical-path sleep is one build and two switches. Ansible's own settings: its defaults (connection sharing within
// a run, ControlPersist, compression) plus pipelining on and the remote Python named (no interpreter discovery), both
// making it faster; a fresh ANSIBLE_HOME and control path folder per run, whose masters are closed after it. Both
// tools log in as the lab's sudo user with the same key and the same known_hosts (strict), the NATed hosts through the
// bastion (the app through its drawn jump host link, Ansible through ProxyJump in an ssh_config).
//
// Runs: a warm-up round of the app alone (the first deploy of each design: first uploads, first vars, the secret keys
// Ansible then reuses; not counted) and BENCH_RUNS (default 3) rounds of 1, 6 and 12 hosts with every tool, the order
// of the tools rotating per round; medians.
// Between runs the bench waits until no SSH session of the previous run is left. Needs root (the lab) and Ansible:
// bash scripts/install-bench-deps.sh. Writes bench-results/deploy.json and the README table between the bench:deploy
// markers (BENCH_NO_README=1 skips the README).

const resultFile = join(root, 'bench-results/deploy.json');
const hostCounts = [1, 6, 12] as const;
type HostCount = (typeof hostCounts)[number];
const forks = 12;
const BUILD_SECONDS = 2;
const SWITCH_SECONDS = 1;
const targets = { twelveVsAnsible: 0.5, overheadMs: 1_000 } as const;
const toolTimeoutMs = 300_000;

const tools = ['app', 'ansible', 'ansibleArchive'] as const;
type Tool = (typeof tools)[number];
type AnsibleTool = Exclude<Tool, 'app'>;
const toolLabels: Record<Tool, string> = {
  app: 'this app (plan + deploy, concurrency 12)',
  ansible: 'Ansible ad-hoc, copy + command, -f 12',
  ansibleArchive: 'Ansible ad-hoc, unarchive (one tar.gz) + command, -f 12',
};

/** The machines of each design. */
const subsets: Record<HostCount, string[]> = {
  1: ['o1'],
  6: ['bastion', 'o1', 'o2', 'o3', 'h1', 'h2'],
  12: labHostNames,
};

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, program)));
}

interface Spawned {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Runs a program without a shell and times it from spawn until it exited and closed its output. */
function runTimed(file: string, args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    const start = performance.now();
    const child = spawn(file, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    const timer = setTimeout(() => child.kill('SIGKILL'), toolTimeoutMs);
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), ms: performance.now() - start });
    });
  });
}

/** Drops the `sudo -n` the app puts before privileged commands (Ansible's become does that part). */
function withoutSudo(argv: readonly string[]): string[] {
  return argv[0] === 'sudo' && argv[1] === '-n' ? argv.slice(2) : [...argv];
}

/** Where the time of one app run went, from the job's events (ms from dispatching deploy:plan). */
interface AppProfile {
  /** deploy:plan answered (its survey of every machine). */
  planMs: number;
  /** deploy:start answered (the configuration written, the job started). */
  startAnsweredMs: number;
  /** The job's own survey and plan done ('plan' event). */
  planEventMs: number;
  /** The vars made on the helper ('vars' event). */
  varsEventMs: number;
  /** The vars on the helper, from its doubles' call log: `nix run ...#clan-cli` started, the first and last `nix run nixpkgs#sops` (one per machine, one after another). */
  vars: { clanCliCalledMs: number; varsStoredMs: number; firstDecryptMs: number; lastDecryptMs: number; decrypts: number };
  /** Each wave, and the steps of its last machine to finish (what the wave waited for). */
  waves: { machines: string[]; firstStartMs: number; lastDoneMs: number; sleepMs: number; overheadMs: number; last: { name: string; steps: { step: string; ms: number; sleepMs: number }[] } }[];
  doneMs: number;
  /** Per step (label), over every machine of the run: median and longest duration, and the doubles' sleep in it. */
  steps: { step: string; medianMs: number; maxMs: number; sleepMs: number }[];
}

interface Run {
  ms: number;
  /** The doubles' sleep along the critical path. */
  criticalSleepMs: number;
  /** ms minus criticalSleepMs. */
  overheadMs: number;
  /** CPU time the whole machine spent while the run was timed (2 cores: the client, sshd and the doubles share them). */
  machineBusyMs: number;
  /** App: where the time went; Ansible: each invocation's wall time. */
  profile: AppProfile | { commands: { what: string; ms: number }[] };
}

interface Summary {
  tool: Tool;
  hosts: HostCount;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  medianCriticalSleepMs: number;
  medianOverheadMs: number;
  medianMachineBusyMs: number;
  timesMs: number[];
  overheadsMs: number[];
}

describe('deploy benchmark', () => {
  let bench: BenchLab | undefined;
  let lab: Lab | undefined;
  let work = '';
  let workspace = '';
  let knownHostsPath = '';
  let sshConfigPath = '';
  let backend: Backend;
  const designs = new Map<HostCount, { design: Design; ids: Record<string, MachineId> }>();
  let runCounter = 0;
  const user = () => lab!.users.sudo.name;
  const standIn = (name: string) => lab!.host(name).nixos!;
  const fileOf = (n: HostCount) => `bench${n}.clan-design.json`;
  const clanOf = (n: HostCount) => `bench${n}`;

  beforeAll(async () => {
    const missing: string[] = [];
    if (!onPath('ansible')) missing.push('ansible (Debian package ansible-core); install with: sudo bash scripts/install-bench-deps.sh');
    if (!onPath('ssh')) missing.push('ssh (Debian package openssh-client)');
    // The design's own rollback time and the default time limits: only the clan CLI is said to be missing here.
    bench = await startBenchLab({ name: 'bench:deploy', prefix: 'cndd', missing, deploy: { hasLocalClan: async () => false } });
    ({ lab, work, workspace, knownHostsPath, backend } = bench);
    // One ssh_config for Ansible's ssh, sftp and the ProxyJump ssh (which gets -F, but not -o options).
    sshConfigPath = join(work, 'ssh_config');
    const bastion = lab.host('bastion').address;
    writeFileSync(
      sshConfigPath,
      [
        ...homeHosts.flatMap((name) => [`Host ${lab!.host(name).address}`, `  ProxyJump ${bastion}`]),
        'Host *',
        `  User ${user()}`,
        `  IdentityFile ${lab.users.sudo.privateKeyPath}`,
        '  IdentitiesOnly yes',
        `  UserKnownHostsFile ${knownHostsPath}`,
        '  GlobalKnownHostsFile /dev/null',
        '  StrictHostKeyChecking yes',
        '  BatchMode yes',
        '',
      ].join('\n'),
    );
    writeFileSync(join(work, 'ansible.cfg'), '# empty: every setting comes from the environment the bench sets\n');
    for (const name of subsets[12]) {
      await standIn(name).setFault({ kind: 'buildTakes', seconds: BUILD_SECONDS });
      await standIn(name).setFault({ kind: 'switchTakes', seconds: SWITCH_SECONDS });
    }
    for (const n of hostCounts) designs.set(n, designFor(n));
  });

  afterAll(async () => {
    await bench?.destroy();
  });

  /** A design of the lab machines of one subset: the office public, home behind NAT through the bastion. */
  function designFor(n: HostCount): { design: Design; ids: Record<string, MachineId> } {
    const { design: withVpn, ids } = labDesign(lab!, subsets[n], 'nebula');
    const roles = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name === 'o1' ? ['lighthouse'] : ['peer']]));
    const design: Design = { ...withVpn, meta: { ...withVpn.meta, clanName: clanOf(n) }, vpn: { ...withVpn.vpn, roles }, deploy: { ...withVpn.deploy, varsHelper: ids.o1!, concurrency: forks } };
    return { design, ids };
  }

  const described = (n: HostCount, text: string): Design => {
    const { design } = designs.get(n)!;
    return { ...design, meta: { ...design.meta, description: text } };
  };

  /** The design last saved and deployed, per subset. */
  const lastDesign = new Map<HostCount, Design>();

  async function save(n: HostCount, design: Design): Promise<void> {
    lastDesign.set(n, design);
    const saved = await backend.dispatch('project:save', { name: fileOf(n), design, overwrite: true });
    if (!saved.ok) throw new Error(`save: ${JSON.stringify(saved.error)}`);
  }

  const sleepsNow = (names: readonly string[]) => new Map(names.map((name) => [name, standIn(name).sleeps().length]));
  const sleepsSince = (before: Map<string, number>): Map<string, NixosSleep[]> => new Map([...before].map(([name, count]) => [name, standIn(name).sleeps().slice(count)]));
  const generationsNow = (names: readonly string[]) => new Map(names.map((name) => [name, standIn(name).generation() ?? 0]));

  const waitForQuiet = () => bench!.waitForQuiet();

  /** Plans and deploys one design with the app; returns the timed run after checking every machine was deployed. */
  async function runApp(n: HostCount, label: string): Promise<Run & { report: DeployReport }> {
    await waitForQuiet();
    const names = subsets[n];
    const design = described(n, `bench:deploy ${label}`);
    await save(n, design);
    const generations = generationsNow(names);
    const sleeps = sleepsNow(names);
    const recording = recordJob(backend, 'deploy');
    const { events } = recording;
    let epoch0 = 0;
    const busyBefore = machineBusyTicks();
    let planMs = 0;
    let startAnsweredMs = 0;
    let report: DeployReport;
    let ms: number;
    try {
      recording.begin();
      epoch0 = Date.now();
      const planned = await backend.dispatch('deploy:plan', { name: fileOf(n), design });
      planMs = recording.elapsed();
      if (!planned.ok) throw new Error(`deploy:plan: ${JSON.stringify(planned.error)}`);
      const started = await backend.dispatch('deploy:start', { name: fileOf(n), design, hostKeys: 'strict' });
      startAnsweredMs = recording.elapsed();
      if (!started.ok) throw new Error(`deploy:start: ${JSON.stringify(started.error)}`);
      report = await recording.done;
      ms = recording.elapsed();
    } finally {
      recording.stop();
    }
    const machineBusyMs = ((machineBusyTicks() - busyBefore) * 1000) / ticks;

    // Every machine deployed, a new generation on each, and exactly one build and two switches each.
    const what = `app, ${n} hosts, ${label}`;
    if (report.outcome !== 'finished' || report.vars.status !== 'made') throw new Error(`${what}: ${report.outcome}, vars ${report.vars.status}: ${report.vars.message}`);
    const statuses = Object.fromEntries(report.machines.map((m) => [m.name, m.status]));
    expect(statuses, what).toEqual(Object.fromEntries(names.map((name) => [name, 'deployed'])));
    const recorded = sleepsSince(sleeps);
    for (const name of names) {
      expect(standIn(name).generation(), `${what}: ${name} has a new generation`).toBe(generations.get(name)! + 1);
      expect(standIn(name).currentSystem(), `${what}: ${name} runs the new system`).toBe(report.machines.find((m) => m.name === name)!.system);
      expect(recorded.get(name)!.map((s) => s.command), `${what}: ${name} slept in one build and two switches`).toEqual(['nix', 'switch-to-configuration', 'switch-to-configuration']);
    }

    const planEvent = events.find((e) => e.event.type === 'plan');
    const plan = (planEvent?.event as Extract<DeployProgress, { type: 'plan' }> | undefined)?.plan as DeployPlan | undefined;
    if (plan === undefined) throw new Error(`${what}: no plan event`);
    const sleepOf = (name: string) => recorded.get(name)!.reduce((sum, s) => sum + s.measuredSeconds * 1000, 0);
    const idToName = new Map(Object.entries(designs.get(n)!.ids).map(([name, id]) => [id as string, name]));
    // Step durations per machine: from one step's event to the next, the last until the machine is done.
    const stepsOf = new Map<string, { step: string; ms: number; sleepMs: number }[]>();
    for (const [id, name] of idToName) {
      const mine = events.filter((e) => (e.event as { machineId?: string }).machineId === id && (e.event.type === 'machineStep' || e.event.type === 'machineDone'));
      const list: { step: string; ms: number; sleepMs: number }[] = [];
      for (let i = 0; i + 1 < mine.length; i += 1) {
        const e = mine[i]!.event;
        if (e.type !== 'machineStep') continue;
        const kind = e.step.label.startsWith('Build') ? 'nix' : e.step.label.startsWith('Switch') ? 'switch-to-configuration' : null;
        const slept = kind === null ? 0 : recorded.get(name)!.filter((s) => s.command === kind).reduce((sum, s) => sum + s.measuredSeconds * 1000, 0);
        list.push({ step: e.step.label, ms: round(mine[i + 1]!.at - mine[i]!.at), sleepMs: round(slept) });
      }
      stepsOf.set(name, list);
    }
    const waves = plan.waves.map((w) => {
      const wave = w.machines.map((m) => m.name);
      const ids = new Set(w.machines.map((m) => m.machineId));
      const at = (type: string) => events.filter((e) => e.event.type === type && ids.has((e.event as { machineId?: string }).machineId ?? ''));
      const lastDone = at('machineDone').sort((a, b) => b.at - a.at)[0]!;
      const lastName = idToName.get((lastDone.event as { machineId: string }).machineId)!;
      const firstStartMs = Math.min(...at('machineStarted').map((e) => e.at));
      const sleepMs = Math.max(...wave.map(sleepOf));
      return { machines: wave, firstStartMs: round(firstStartMs), lastDoneMs: round(lastDone.at), sleepMs: round(sleepMs), overheadMs: round(lastDone.at - firstStartMs - sleepMs), last: { name: lastName, steps: stepsOf.get(lastName)! } };
    });
    // The app gets every machine ready at once (its build sleeps from the start) and switches wave by wave: a wave's
    // switches start when the earlier waves are done and the machine is built, so along the critical path the sleep
    // ends at, wave after wave, the latest of (built, earlier waves' end) + its switches.
    const sleptIn = (name: string, command: string) => recorded.get(name)!.filter((s) => s.command === command).reduce((sum, s) => sum + s.measuredSeconds * 1000, 0);
    const criticalSleepMs = plan.waves.reduce((end, w) => Math.max(...w.machines.map((m) => Math.max(sleptIn(m.name, 'nix'), end) + sleptIn(m.name, 'switch-to-configuration'))), 0);
    const byStep = new Map<string, { ms: number[]; sleepMs: number[] }>();
    for (const list of stepsOf.values()) {
      for (const step of list) {
        const entry = byStep.get(step.step) ?? { ms: [], sleepMs: [] };
        entry.ms.push(step.ms);
        entry.sleepMs.push(step.sleepMs);
        byStep.set(step.step, entry);
      }
    }
    const helperCalls = standIn('o1').calls().filter((c) => c.time * 1000 >= epoch0 && c.command === 'nix' && c.args[0] === 'run');
    const decrypts = helperCalls.filter((c) => c.args.some((a) => a.endsWith('#sops')));
    const relative = (epochSeconds: number | undefined) => (epochSeconds === undefined ? NaN : round(epochSeconds * 1000 - epoch0));
    const storedAt = events.find((e) => e.event.type === 'log' && e.event.text.includes('files of vars and secrets are now in'))?.at;
    const profile: AppProfile = {
      planMs: round(planMs),
      startAnsweredMs: round(startAnsweredMs),
      planEventMs: round(planEvent!.at),
      varsEventMs: round(events.find((e) => e.event.type === 'vars')?.at ?? NaN),
      vars: {
        clanCliCalledMs: relative(helperCalls.find((c) => c.args.some((a) => a.endsWith('#clan-cli')))?.time),
        varsStoredMs: round(storedAt ?? NaN),
        firstDecryptMs: relative(decrypts[0]?.time),
        lastDecryptMs: relative(decrypts.at(-1)?.time),
        decrypts: decrypts.length,
      },
      waves,
      doneMs: round(ms),
      steps: [...byStep].map(([step, list]) => ({ step, medianMs: round(median(list.ms)), maxMs: round(Math.max(...list.ms)), sleepMs: round(median(list.sleepMs)) })),
    };
    return { ms, criticalSleepMs, overheadMs: ms - criticalSleepMs, machineBusyMs, profile, report };
  }

  function ansibleEnv(runDir: string): NodeJS.ProcessEnv {
    const { SSH_AUTH_SOCK: _agent, ...rest } = process.env;
    return {
      ...rest,
      ANSIBLE_CONFIG: join(work, 'ansible.cfg'),
      ANSIBLE_HOME: join(runDir, 'ansible-home'),
      ANSIBLE_LOCAL_TEMP: join(runDir, 'ansible-tmp'),
      ANSIBLE_SSH_CONTROL_PATH_DIR: join(runDir, 'cp'),
      ANSIBLE_SSH_COMMON_ARGS: `-F ${sshConfigPath}`,
      ANSIBLE_HOST_KEY_CHECKING: 'True',
      ANSIBLE_PIPELINING: 'True',
      ANSIBLE_PYTHON_INTERPRETER: '/usr/bin/python3',
      ANSIBLE_NOCOLOR: '1',
    };
  }

  /** Per host result of an ad-hoc run (its --tree folder), after checking that every host ran it with status 0. */
  function ansibleResults(run: Spawned, names: readonly string[], tree: string, what: string): Map<string, { stdout: string }> {
    if (run.code !== 0) throw new Error(`ansible ${what}: exit status ${run.code ?? run.signal}\n${run.stdout.slice(-3000)}\n${run.stderr.slice(-2000)}`);
    const results = new Map<string, { stdout: string }>();
    for (const name of names) {
      const file = join(tree, name);
      if (!existsSync(file)) throw new Error(`ansible ${what}: no result for ${name}`);
      const result = JSON.parse(readFileSync(file, 'utf8')) as { rc?: number; stdout?: string; failed?: boolean; unreachable?: boolean };
      if ((result.rc !== undefined && result.rc !== 0) || result.failed === true || result.unreachable === true) throw new Error(`ansible ${what}: ${name} failed: ${JSON.stringify(result).slice(0, 2000)}`);
      results.set(name, { stdout: result.stdout ?? '' });
    }
    return results;
  }

  /** Closes the connection masters (ControlPersist) an Ansible run left, so its sessions end before the next run. */
  async function closeMasters(runDir: string): Promise<void> {
    const cp = join(runDir, 'cp');
    if (!existsSync(cp)) return;
    await Promise.all(readdirSync(cp).map((socket) => exec('ssh', ['-F', sshConfigPath, '-S', join(cp, socket), '-O', 'exit', 'master']).catch(() => undefined)));
  }

  /** The same upload and commands with Ansible ad-hoc, on the same hosts. */
  async function runAnsible(n: HostCount, label: string, tool: AnsibleTool): Promise<Run> {
    await waitForQuiet();
    const names = subsets[n];
    const what = `${tool}, ${n} hosts, ${label}`;
    // The design changes again and its configuration is written, as the app does at the start of a deploy (untimed).
    const design = described(n, `bench:deploy ${label}`);
    await save(n, design);
    const written = await backend.dispatch('generate:write', { name: fileOf(n), design });
    if (!written.ok) throw new Error(`${what}: generate:write: ${JSON.stringify(written.error)}`);
    const localFlake = join(workspace, `${clanOf(n)}.clan`);
    const remoteDir = remoteFlakeDir(standIn(names[0]!).homeOf(user()), clanOf(n));

    const runDir = join(work, `ansible-${(runCounter += 1)}`);
    mkdirSync(join(runDir, 'host_vars'), { recursive: true });
    const inventory = join(runDir, 'inventory.ini');
    writeFileSync(inventory, `[lab]\n${names.map((name) => `${name} ansible_host=${lab!.host(name).address}`).join('\n')}\n`);
    const hostVars = new Map(
      names.map((name) => [
        name,
        {
          cnd_previous: standIn(name).currentSystem(),
          cnd_key: readFileSync(standIn(name).path('/var/lib/sops-nix/key.txt'), 'utf8').trim(),
          cnd_system: '',
        },
      ]),
    );
    const writeHostVars = () => {
      for (const [name, vars] of hostVars) writeFileSync(join(runDir, 'host_vars', `${name}.yml`), `${JSON.stringify(vars)}\n`);
    };
    writeHostVars();
    const runId = randomBytes(3).toString('hex');
    const confirmSeconds = design.deploy.rollbackSeconds;
    const commands: { what: string; become: boolean; module: 'copy' | 'unarchive' | 'command'; args: Record<string, unknown> }[] = [
      tool === 'ansible'
        ? { what: 'copy the flake folder', become: false, module: 'copy', args: { src: `${localFlake}/`, dest: `${remoteDir}/` } }
        : { what: 'unarchive the flake folder', become: false, module: 'unarchive', args: { src: join(runDir, 'flake.tar.gz'), dest: `${remoteDir}/` } },
      { what: 'nix build', become: true, module: 'command', args: { argv: withoutSudo(buildArgv(1000, remoteDir, '{{ inventory_hostname }}')) } },
      { what: 'secret key', become: true, module: 'command', args: { argv: withoutSudo(secretKeyArgv(1000)), stdin: '{{ cnd_key }}' } },
      { what: 'arm the watchdog', become: true, module: 'command', args: { argv: withoutSudo(watchdogArgv(1000, runId, confirmSeconds, '{{ cnd_previous }}')) } },
      { what: 'nix-env --set', become: true, module: 'command', args: { argv: withoutSudo(setProfileArgv(1000, '{{ cnd_system }}')) } },
      { what: 'switch-to-configuration boot', become: true, module: 'command', args: { argv: withoutSudo(switchArgv(1000, runId, '{{ cnd_system }}', 'boot')) } },
      { what: 'switch-to-configuration switch', become: true, module: 'command', args: { argv: withoutSudo(switchArgv(1000, runId, '{{ cnd_system }}', 'switch')) } },
      { what: 'read /run/current-system', become: false, module: 'command', args: { argv: currentSystemArgv() } },
      { what: 'disarm the watchdog', become: true, module: 'command', args: { argv: withoutSudo(disarmArgv(1000, runId)) } },
    ];
    const generations = generationsNow(names);
    const sleeps = sleepsNow(names);
    const env = ansibleEnv(runDir);
    const timings: { what: string; ms: number }[] = [];
    let current = new Map<string, { stdout: string }>();
    const busyBefore = machineBusyTicks();
    const start = performance.now();
    try {
      if (tool === 'ansibleArchive') {
        // The folder as one archive, made inside the timed span: part of uploading it this way.
        const packed = await runTimed('tar', ['-czf', join(runDir, 'flake.tar.gz'), '-C', localFlake, '.'], process.env, runDir);
        if (packed.code !== 0) throw new Error(`${what}: tar: ${packed.stderr}`);
        timings.push({ what: 'tar -czf the flake folder', ms: round(packed.ms) });
      }
      for (const [i, command] of commands.entries()) {
        const tree = join(runDir, `tree-${i}`);
        const args = ['all', '-i', inventory, '-f', String(forks), '-u', user(), '--private-key', lab!.users.sudo.privateKeyPath, '-m', command.module, '-a', JSON.stringify(command.args), '--tree', tree, ...(command.become ? ['-b'] : [])];
        const ran = await runTimed('ansible', args, env, runDir);
        timings.push({ what: command.what, ms: round(ran.ms) });
        const results = ansibleResults(ran, names, tree, `${what}: ${command.what}`);
        if (command.what === 'nix build') {
          // The system each host built, for the next commands.
          for (const [name, result] of results) hostVars.get(name)!.cnd_system = result.stdout.trim().split('\n').at(-1)!.trim();
          writeHostVars();
        }
        if (command.what === 'read /run/current-system') current = results;
      }
    } finally {
      await closeMasters(runDir);
    }
    const ms = performance.now() - start;
    const machineBusyMs = ((machineBusyTicks() - busyBefore) * 1000) / ticks;

    const recorded = sleepsSince(sleeps);
    for (const name of names) {
      const system = hostVars.get(name)!.cnd_system;
      expect(system, `${what}: ${name} built a system`).toMatch(/^\/nix\/store\/[0-9a-z]{32}-nixos-system-/);
      expect(current.get(name)?.stdout.trim(), `${what}: ${name} runs the new system`).toBe(system);
      expect(standIn(name).generation(), `${what}: ${name} has a new generation`).toBe(generations.get(name)! + 1);
      expect(recorded.get(name)!.map((s) => s.command), `${what}: ${name} slept in one build and two switches`).toEqual(['nix', 'switch-to-configuration', 'switch-to-configuration']);
      const disarmed = standIn(name).units().find((u) => u.name === `cnd-rollback-${runId}`);
      expect(disarmed?.timer, `${what}: ${name}'s watchdog was disarmed`).toBe('stopped');
    }
    // Every host runs each command at once (no waves): the sleep on the critical path is, per command, the longest.
    const criticalSleepMs = [0, 1, 2].reduce((sum, k) => sum + Math.max(...names.map((name) => recorded.get(name)![k]!.measuredSeconds * 1000)), 0);
    rmSync(runDir, { recursive: true, force: true });
    return { ms, criticalSleepMs, overheadMs: ms - criticalSleepMs, machineBusyMs, profile: { commands: timings } };
  }

  let ticks = 100;

  test('times plan + deploy of 1, 6 and 12 hosts against Ansible and writes bench-results/deploy.json', async () => {
    ticks = await ticksPerSecond();
    const ansibleVersion = (await exec('ansible', ['--version'])).stdout;
    const environment = {
      ...(await benchEnvironment()),
      ansible: ansibleVersion.split('\n')[0]!.trim(),
      ansiblePython: /python version = (\S+)/.exec(ansibleVersion)?.[1] ?? 'unknown',
    };

    const runs = new Map<string, Run[]>();
    const appProfiles = new Map<HostCount, AppProfile[]>();
    let sameConfig: Record<string, unknown> | null = null;
    for (let r = 0; r < warmupRounds + repetitions; r += 1) {
      const warmup = r < warmupRounds;
      const roundLabel = warmup ? 'warm-up' : `round ${r - warmupRounds + 1}/${repetitions}`;
      for (const n of hostCounts) {
        // The warm-up is the app's first deploy of each design (Ansible needs the secret keys it puts in place); then
        // the tools' order rotates per round, so none always runs right after the same other one.
        const order: Tool[] = warmup ? ['app'] : tools.map((_, i) => tools[(i + r) % tools.length]!);
        for (const tool of order) {
          const run = tool === 'app' ? await runApp(n, `${roundLabel} app`) : await runAnsible(n, `${roundLabel} ${tool}`, tool);
          console.log(`${roundLabel}: ${tool} ${n} hosts ${seconds(run.ms)} (doubles' sleep on the critical path ${seconds(run.criticalSleepMs)}, overhead ${seconds(run.overheadMs)}, machine busy ${seconds(run.machineBusyMs)})`);
          if (tool === 'app') console.log(JSON.stringify(run.profile));
          else console.log((run.profile as { commands: { what: string; ms: number }[] }).commands.map((c) => `${c.what} ${seconds(c.ms)}`).join(', '));
          if (warmup && tool === 'app' && n === 1) sameConfig = await checkSameConfigAgain();
          if (warmup) continue;
          runs.set(`${tool}/${n}`, [...(runs.get(`${tool}/${n}`) ?? []), run]);
          if (tool === 'app') appProfiles.set(n, [...(appProfiles.get(n) ?? []), run.profile as AppProfile]);
        }
      }
    }

    const results: Summary[] = tools.flatMap((tool) =>
      hostCounts.map((n): Summary => {
        const list = runs.get(`${tool}/${n}`) ?? [];
        const times = list.map((x) => x.ms);
        return {
          tool,
          hosts: n,
          runs: list.length,
          medianMs: round(median(times)),
          minMs: round(Math.min(...times)),
          maxMs: round(Math.max(...times)),
          medianCriticalSleepMs: round(median(list.map((x) => x.criticalSleepMs))),
          medianOverheadMs: round(median(list.map((x) => x.overheadMs))),
          medianMachineBusyMs: round(median(list.map((x) => x.machineBusyMs))),
          timesMs: times.map(round),
          overheadsMs: list.map((x) => round(x.overheadMs)),
        };
      }),
    );
    const get = (tool: Tool, n: HostCount) => results.find((x) => x.tool === tool && x.hosts === n)!;
    const ratioTo = (tool: AnsibleTool) => Math.round((get('app', 12).medianMs / get(tool, 12).medianMs) * 100) / 100;
    // The overhead target is read as the app's orchestration around one machine's work: plan, vars, connection,
    // upload, checks and confirmation of a one-machine deploy. With more machines the wall time minus the sleep also
    // holds one switch, watchdog and confirmation over a new connection per wave, one after another, and a 2-core
    // machine shared by every lab host's sshd and doubles; those figures are reported beside it, not hidden.
    const overhead = get('app', 1).medianOverheadMs;
    const targetResults = [
      { name: "app: 12 hosts <= 0.5x Ansible's time for 12 hosts (copy + command, as the issue has it; medians)", value: ratioTo('ansible'), target: targets.twelveVsAnsible, unit: 'x', pass: ratioTo('ansible') <= targets.twelveVsAnsible },
      { name: "app: orchestration overhead of a one-machine deploy (wall time minus the doubles' sleep, median) <= 1 s", value: overhead, target: targets.overheadMs, unit: 'ms', pass: overhead <= targets.overheadMs },
    ];
    const overheadByHosts = hostCounts.map((n) => ({ hosts: n, waves: n === 1 ? 1 : 3, medianOverheadMs: get('app', n).medianOverheadMs }));
    // Not a target of the issue: the same ratio against Ansible uploading the folder as one archive, its fastest way
    // with the builtin modules here (ansible.posix's synchronize is not part of ansible-core).
    const againstArchive = { name: "app: 12 hosts against Ansible's time for 12 hosts with unarchive (one tar.gz) + command (medians; not a target of the issue, the same 0.5x bar)", value: ratioTo('ansibleArchive'), target: targets.twelveVsAnsible, unit: 'x', pass: ratioTo('ansibleArchive') <= targets.twelveVsAnsible };
    // The profile of the median 12-host app run.
    const twelve = runs.get('app/12') ?? [];
    const medianRun = [...twelve].sort((a, b) => a.ms - b.ms)[Math.floor(twelve.length / 2)];
    const report = {
      date: new Date().toISOString(),
      environment: { ...environment, loadAverageAtEnd: loadAverage() },
      scenario: {
        lab: '12 NixOS stand-in hosts (test/lab/nixos.ts): bastion and o1-o8 in a public office, h1-h3 in a NATed home reached through the bastion; nix, nix-env, switch-to-configuration, systemd-run and systemctl are test doubles',
        designs: Object.fromEntries(hostCounts.map((n) => [n, subsets[n]])),
        doublesSleep: { nixBuildSeconds: BUILD_SECONDS, switchToConfigurationSeconds: SWITCH_SECONDS, switchesPerDeploy: 2 },
        waves: 'app: every machine gets ready (upload, build) at once; the switches go behind the jump host (h*), then the office (o*), then the bastion; concurrency 12; 1 host: one wave',
        vpn: 'Nebula, o1 the lighthouse and vars helper',
        warmupRounds,
        repetitions,
        app: 'createBackend: deploy:plan, then deploy:start until the job\'s done event; strict host keys; the design\'s rollback time (90 s) and default time limits; a new description (clan.nix) every run',
        ansible: `ansible all -f ${forks}: -m copy of the flake folder, then -m command per command of src/shared/deploy/commands.ts (become for the sudo ones); pipelining on, interpreter set, ControlPersist within a run; fresh ANSIBLE_HOME and control path per run`,
        ansibleArchive: 'the same, but tar -czf of the flake folder (timed) and -m unarchive of it instead of -m copy',
        criticalSleep: "app: wave after wave, the latest over its machines of max(build sleep, end of the earlier waves) + switch sleeps, from each machine's recorded sleeps; Ansible: per command, the longest sleep over the hosts, summed",
      },
      results,
      targets: targetResults,
      againstAnsibleArchive: againstArchive,
      appOverheadByHosts: overheadByHosts,
      sameConfigurationAgain: sameConfig,
      appProfile12: medianRun?.profile ?? null,
      appProfiles: Object.fromEntries([...appProfiles]),
      ansibleCommands12: (runs.get('ansible/12') ?? []).map((r) => r.profile),
      ansibleArchiveCommands12: (runs.get('ansibleArchive/12') ?? []).map((r) => r.profile),
    };
    mkdirSync(join(root, 'bench-results'), { recursive: true });
    writeFileSync(resultFile, `${JSON.stringify(report, null, 2)}\n`);

    const cell = (tool: Tool, n: HostCount) => `${seconds(get(tool, n).medianMs)} (${seconds(get(tool, n).minMs)})`;
    const overheadCell = (tool: Tool, n: HostCount) => `${seconds(get(tool, n).medianCriticalSleepMs)} + ${seconds(get(tool, n).medianOverheadMs)}`;
    const shortLabels: Record<Tool, string> = { app: 'this app', ansible: 'Ansible, copy', ansibleArchive: 'Ansible, unarchive' };
    const markdown = [
      `Plan + deploy of NixOS stand-in lab hosts over SSH (${environment.cpu}, ${environment.cpuCount} cores, Node ${environment.node}, ssh2 ${environment.ssh2}, ${environment.openssh}, ${environment.ansible.replace(/^ansible \[core (.*)\]$/, 'ansible-core $1')} on Python ${environment.ansiblePython}, ${report.date.slice(0, 10)}); median (min) of ${repetitions} runs:`,
      '',
      `| hosts | ${tools.map((t) => toolLabels[t]).join(' | ')} |`,
      `|---:|${tools.map(() => '---:').join('|')}|`,
      ...hostCounts.map((n) => `| ${n} | ${tools.map((t) => cell(t, n)).join(' | ')} |`),
      '',
      `Of that, the test doubles' sleep on the critical path + the rest (overhead), medians:`,
      '',
      `| hosts | ${tools.map((t) => shortLabels[t]).join(' | ')} |`,
      `|---:|${tools.map(() => '---:').join('|')}|`,
      ...hostCounts.map((n) => `| ${n} | ${tools.map((t) => overheadCell(t, n)).join(' | ')} |`),
      '',
      ...[...targetResults, againstArchive].map((t) => `- ${t.name.replace(/^app: /, '').replace(/ \(medians[^)]*\)$/, '').replace(/ \(wall time[^)]*\)/, '')}: ${t.unit === 'ms' ? seconds(t.value) : `${t.value}x`} — ${t.pass ? 'pass' : 'FAIL'}${t === againstArchive ? ' (not a target of the issue)' : ''}`),
      `- the same overhead with more machines, for comparison: ${overheadByHosts.filter((o) => o.hosts > 1).map((o) => `${seconds(o.medianOverheadMs)} for ${o.hosts} hosts`).join(', ')} (three switching waves one after another, each switch confirmed over a new SSH connection, on ${environment.cpuCount} cores shared with every lab host's sshd and doubles)`,
      '',
      `The lab's 12 hosts: a bastion and o1-o8 in a public office, h1-h3 in a NATed home reached only through the bastion. 1, 6 and 12 hosts are three designs of their own (o1; o1-o3, the bastion and h1-h2; all twelve) with Nebula, o1 the lighthouse and vars helper. The app's time runs from asking for the plan until the deploy's last event (survey, vars on the helper, upload with checksums, build, secret key, watchdog, switch under systemd-run, confirmation over a new connection): every machine gets ready at once (concurrency 12), and the switches go in three waves one after another (behind the jump host, the office, the bastion); every run deploys a changed design, a new generation on every host.`,
      `nix, nix-env, switch-to-configuration, systemd-run and systemctl on the hosts are test doubles (test/lab/nixos), because NixOS cannot run here: every build sleeps ${BUILD_SECONDS} s and every switch-to-configuration ${SWITCH_SECONDS} s (boot, then switch), for every tool. Overhead is the wall time minus that sleep along the critical path: for the app one build and then two switches per wave, for Ansible one build and two switches, since it runs every host at once, without waves.`,
      `Ansible ad-hoc puts the same flake folder into the same remote folder, by copy (file by file) or as one tar.gz by unarchive, then runs the same commands (become where the app uses sudo), one \`ansible all -f ${forks}\` each, the built system path passed on through host_vars; pipelining on, connections shared within a run. Details and the app's time per step: bench-results/deploy.json.`,
    ].join('\n');
    if (process.env.BENCH_NO_README !== '1') writeReadmeTable('deploy', markdown);
    for (const r of results) console.log(`deploy ${r.tool} ${r.hosts} hosts: median ${r.medianMs} ms, min ${r.minMs} ms, overhead ${r.medianOverheadMs} ms`);
    for (const t of [...targetResults, againstArchive]) console.log(`${t.name}: ${t.value}${t.unit} (target ${t.target}${t.unit}: ${t.pass ? 'pass' : 'FAIL'})`);

    const written = JSON.parse(readFileSync(resultFile, 'utf8')) as typeof report;
    expect(written.results).toHaveLength(tools.length * hostCounts.length);
    for (const r of written.results) expect(r.runs, `${r.tool} ${r.hosts}`).toBe(repetitions);
    for (const t of written.targets) expect.soft(t.pass, t.name).toBe(true);
  }, 4 * 60 * 60_000);

  /**
   * Deploying the same configuration again is still a whole deploy: build and both switches run on the machine. The
   * system is the same, so no new generation is made (nix-env --set reuses the highest): the timed runs change the
   * design instead, so that each deploys a new system. Checked once, after the first deploy of the 1-host design.
   */
  async function checkSameConfigAgain(): Promise<Record<string, unknown>> {
    await waitForQuiet();
    const name = subsets[1][0]!;
    const s = standIn(name);
    const count = () => ({ builds: s.recorded('nix').filter((a) => a[0] === 'build').length, switches: s.recorded('switch-to-configuration').length, generation: s.generation(), system: s.currentSystem() });
    const before = count();
    const recording = recordJob(backend, 'deploy');
    let ms: number;
    try {
      recording.begin();
      const started = await backend.dispatch('deploy:start', { name: fileOf(1), design: lastDesign.get(1)!, hostKeys: 'strict' });
      if (!started.ok) throw new Error(`deploy:start: ${JSON.stringify(started.error)}`);
      const report = await recording.done;
      ms = recording.elapsed();
      expect(report.machines.map((m) => m.status), 'the same configuration deploys again').toEqual(['deployed']);
    } finally {
      recording.stop();
    }
    const after = count();
    const result = { machine: name, ms: round(ms), buildsRun: after.builds - before.builds, switchToConfigurationRuns: after.switches - before.switches, generationBefore: before.generation, generationAfter: after.generation, sameSystem: after.system === before.system };
    expect(result, 'a deploy of the same configuration still builds and switches').toMatchObject({ buildsRun: 1, switchToConfigurationRuns: 2 });
    console.log(`the same configuration again: ${JSON.stringify(result)}`);
    return result;
  }
});
