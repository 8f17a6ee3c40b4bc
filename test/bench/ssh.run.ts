import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { checkMachines, type MachineCheckResult } from '../../src/main/services/checkMachines';
import { quoteCommand } from '../../src/main/ssh/quote';
import { SshClientPool } from '../../src/main/ssh/sshClient';
import { designBuilder } from '../../src/shared/model/designBuilder';
import type { Machine } from '../../src/shared/model/types';
import { nixPlatformOf, parseCheckFacts, CHECK_SCRIPT, type CheckFacts } from '../../src/shared/check';
import { quoteArgument } from '../../src/shared/shellQuote';
import { createLab, destroyLeftovers, missingLabDependencies, type Lab, type LabHost, type LabSpec } from '../lab/lab';
import { writeReadmeTable } from './readme';

// `npm run bench:ssh`: wall time of checking 1, 10 and 20 lab hosts (test/lab/lab.ts: real OpenSSH servers in
// network namespaces), against the same checks run by Ansible ad-hoc and by parallel-ssh from Debian (ansible-core
// and pssh packages), on the same hosts, in one run. Targets (issue 6): 20 hosts <= 1.3x one host, and <= 0.3x
// Ansible's time for 20 hosts.
//
// What is timed: from starting the tool until every host has run CHECK_SCRIPT (src/shared/check.ts) and its
// output is back; for the app, checkMachines with concurrency 20 on a new SshClientPool (strict host keys against a
// known_hosts file written from the lab's host keys) and disposing the pool; for Ansible and parallel-ssh, the whole
// process from spawn to exit. Every run is cold: the app opens new connections (new pool), Ansible runs with
// ControlMaster off and a fresh control path folder and ANSIBLE_HOME, parallel-ssh with ControlMaster off. All three
// log in as the lab's sudo user with the same key and known_hosts file and connect straight to each host's address.
//
// Ansible runs `-m raw`: raw sends the command string as the SSH command itself, as the app and parallel-ssh do (one
// exec per host, nothing copied, no Python started on the host). `-m shell` would also upload a Python module and
// run it on every host, which measures Ansible's module machinery rather than the checks and would only make
// Ansible slower, so raw is the stricter comparison. Ansible's other defaults stay (it asks for a TTY for raw, -tt);
// its default `-C` (compression) goes with the ControlMaster settings, since neither other tool compresses.
//
// The script reaches Ansible and parallel-ssh as one remote command built by the app's quoting helper
// (quoteCommand(['sh', '-c', CHECK_SCRIPT]), on shared/shellQuote.ts), passed as a single argv element: no local
// shell, no string concatenation. Before timing, each tool runs the lab's argv printer in place of `sh` to prove the
// script arrives byte for byte. Every timed run is checked afterwards: exit status, every host present, and the facts
// each host printed equal the facts the app reads itself (the clock and free disk aside) with the `end=1` line; a
// failed run fails the bench instead of being timed.
//
// Runs: one warm-up round (not counted: Python byte code, Node JIT, the page cache), then BENCH_RUNS (default 5)
// rounds; each round does 1, 10 and 20 hosts with all three tools, the tools' order rotating per round. Between runs
// the bench waits until every sshd session of the previous run has exited. CPU time is counted with two cgroups
// (cpuacct): one holding the lab's sshd listeners, so every session and the script's programs land in it, and one
// holding this process, so the app's work and every process a tool starts land in it. The listeners' children times
// in /proc are no substitute: for sessions opened by OpenSSH's client they showed about 22 ms per session against
// the cgroup's 100 ms, i.e. the script's processes were not waited for along the chain and went uncounted. On 2
// cores, where the 20 "hosts" share the CPU with the client, CPU time explains the wall time. Writes
// bench-results/ssh.json and the table between the bench:ssh markers in README.md (BENCH_NO_README=1 skips the
// README). Needs root (the lab) and: bash scripts/install-bench-deps.sh

const exec = promisify(execFile);
const root = fileURLToPath(new URL('../../', import.meta.url));
const resultFile = join(root, 'bench-results/ssh.json');
const hostCounts = [1, 10, 20] as const;
const maxHosts = 20;
const concurrency = 20;
const repetitions = Number(process.env.BENCH_RUNS ?? 5);
const warmupRounds = 1;
const toolTimeoutMs = 120_000;
const targets = { twentyVsOne: 1.3, twentyVsAnsible: 0.3 } as const;

const tools = ['app', 'ansible', 'pssh'] as const;
type Tool = (typeof tools)[number];
const toolLabels: Record<Tool, string> = {
  app: 'this app (ssh2, concurrency 20)',
  ansible: 'Ansible ad-hoc, -m raw, -f 20',
  pssh: 'parallel-ssh -p 20',
};

/** Two public sites, hosts alternating between them: every host is reached directly, the same way by every tool. */
const benchLabSpec: LabSpec = {
  prefix: 'cndb',
  sites: [
    { name: 'east', nat: false },
    { name: 'west', nat: false },
  ],
  hosts: Array.from({ length: maxHosts }, (_, i) => ({ name: `h${String(i + 1).padStart(2, '0')}`, site: i % 2 === 0 ? 'east' : 'west' })),
};

interface Run {
  /** Wall time. */
  ms: number;
  /** CPU time of the client: this process (the app) and every process it started (the tool's python and ssh); null without cgroups. */
  clientCpuMs: number | null;
  /** CPU time of the hosts: every sshd session and what ran in it (the script, sudo, sed, df, ...); null without cgroups. */
  hostCpuMs: number | null;
  /** CPU time the whole machine spent while the run was timed (all processes, other work included). */
  machineBusyMs: number;
  /** Roughly, CPU time that went to other work during the run (machine busy minus client and hosts): a disturbed run shows here. */
  otherCpuMs: number | null;
}

interface Summary {
  tool: Tool;
  hosts: number;
  runs: number;
  medianMs: number;
  minMs: number;
  maxMs: number;
  medianClientCpuMs: number | null;
  medianHostCpuMs: number | null;
  medianMachineBusyMs: number;
  medianOtherCpuMs: number | null;
  timesMs: number[];
  otherCpuMs: (number | null)[];
}

const round = (ms: number): number => Math.round(ms * 10) / 10;
const cpuText = (ms: number | null): string => (ms === null ? 'not measured' : `${round(ms)} ms`);

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function medianOrNull(values: readonly (number | null)[]): number | null {
  return values.some((v) => v === null) ? null : round(median(values as number[]));
}

function onPath(program: string): boolean {
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir !== '' && existsSync(join(dir, program)));
}

/** What this benchmark needs and does not find, each with how to get it. */
async function missingBenchDependencies(): Promise<string[]> {
  const missing = await missingLabDependencies();
  const programs = [
    ['ansible', 'ansible-core'],
    ['parallel-ssh', 'pssh'],
    ['ssh', 'openssh-client'],
  ].filter(([program]) => !onPath(program!));
  if (programs.length > 0) {
    missing.push(`${programs.map(([program, pkg]) => `${program} (Debian package ${pkg})`).join(', ')}; install with: sudo bash scripts/install-bench-deps.sh (apt-get install --no-install-recommends ansible-core pssh)`);
  }
  return missing;
}

async function firstLine(file: string, args: string[]): Promise<string> {
  const { stdout, stderr } = await exec(file, args);
  return (stdout.trim() === '' ? stderr : stdout).trim().split('\n')[0]!.trim();
}

// CPU accounting.
let ticksPerSecond = 100;
const ticksToMs = (ticks: number): number => (ticks * 1000) / ticksPerSecond;

/** A cgroup that counts the CPU time of the processes put in it and of everything they start. */
interface CpuGroup {
  add(pid: number): void;
  /** CPU time used so far, in ms. */
  readMs(): number;
  /** Moves this process back where it was and removes the group (it must be empty of other processes by then). */
  remove(): Promise<void>;
}

/** A cpuacct group (cgroup v1) or a plain group (cgroup v2, whose cpu.stat always counts); undefined where neither can be made. */
function createCpuGroup(name: string): CpuGroup | undefined {
  const v1 = '/sys/fs/cgroup/cpuacct';
  const v2 = '/sys/fs/cgroup';
  const version = existsSync(join(v1, 'cpuacct.usage')) ? 1 : existsSync(join(v2, 'cgroup.controllers')) ? 2 : undefined;
  if (version === undefined) return undefined;
  const base = version === 1 ? v1 : v2;
  const own = readFileSync('/proc/self/cgroup', 'utf8').split('\n').find((line) => (version === 1 ? /^\d+:[^:]*\bcpuacct\b[^:]*:/ : /^0::/).test(line));
  const home = join(base, own?.slice(own.lastIndexOf(':') + 1) ?? '/');
  const dir = join(base, name);
  try {
    mkdirSync(dir);
  } catch {
    return undefined;
  }
  return {
    add: (pid) => writeFileSync(join(dir, 'cgroup.procs'), String(pid)),
    readMs: () =>
      version === 1
        ? Number(readFileSync(join(dir, 'cpuacct.usage'), 'utf8')) / 1e6
        : Number(/usage_usec (\d+)/.exec(readFileSync(join(dir, 'cpu.stat'), 'utf8'))?.[1] ?? NaN) / 1e3,
    remove: async () => {
      const inside = readFileSync(join(dir, 'cgroup.procs'), 'utf8').split('\n').filter((p) => p !== '');
      if (inside.includes(String(process.pid))) writeFileSync(join(home, 'cgroup.procs'), String(process.pid));
      for (let attempt = 0; ; attempt += 1) {
        try {
          rmdirSync(dir);
          return;
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
          if (attempt >= 20) {
            console.warn(`bench:ssh: could not remove ${dir}: ${(error as Error).message}`);
            return;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
  };
}

/** Busy ticks of the whole machine (everything except idle and iowait), from /proc/stat. */
function machineBusyTicks(): number {
  const values = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  const total = values.slice(0, 8).reduce((a, b) => a + b, 0);
  return total - values[3]! - values[4]!;
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
      const ms = performance.now() - start;
      clearTimeout(timer);
      resolve({ code, signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: Buffer.concat(stderr).toString('utf8'), ms });
    });
  });
}

/** The facts that must be the same whoever asks: the clock and free disk space move between runs. */
function comparableFacts(facts: CheckFacts): string {
  const { date: _date, diskRootFreeKb: _root, diskNixFreeKb: _nix, ...rest } = facts;
  return JSON.stringify(rest);
}

describe('SSH check benchmark', () => {
  let lab: Lab | undefined;
  let work = '';
  let knownHostsPath = '';
  let keyPath = '';
  let user = '';
  let privateKey = '';
  let hosts: LabHost[] = [];
  let hostGroup: CpuGroup | undefined;
  let clientGroup: CpuGroup | undefined;
  let referenceFacts = '';
  let runCounter = 0;

  beforeAll(async () => {
    const missing = await missingBenchDependencies();
    if (missing.length > 0) throw new Error(`bench:ssh needs: ${missing.join('; ')}.`);
    ticksPerSecond = Number((await exec('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
    await destroyLeftovers();
    lab = await createLab(benchLabSpec);
    hosts = benchLabSpec.hosts.map((h) => lab!.host(h.name));
    user = lab.users.sudo.name;
    privateKey = lab.users.sudo.privateKey;
    keyPath = lab.users.sudo.privateKeyPath;
    work = mkdtempSync(join(tmpdir(), 'cnd-bench-ssh-'));
    knownHostsPath = join(work, 'known_hosts');
    // Port 22, so plain addresses: the format both OpenSSH and the app's known_hosts reader take.
    writeFileSync(knownHostsPath, hosts.map((h) => `${h.address} ssh-ed25519 ${h.hostKeyBase64}\n`).join(''));
    writeFileSync(join(work, 'ansible.cfg'), '# empty: every setting comes from the environment the bench sets\n');
    for (const n of hostCounts) {
      const addresses = hosts.slice(0, n).map((h) => h.address);
      writeFileSync(join(work, `hosts-${n}.txt`), `${addresses.join('\n')}\n`);
      writeFileSync(join(work, `inventory-${n}.ini`), `[lab]\n${addresses.join('\n')}\n`);
    }
    // The one sshd listening in each host's namespace goes into the hosts' group: its sessions inherit it.
    hostGroup = createCpuGroup(`cnd-bench-ssh-${process.pid}-hosts`);
    clientGroup = createCpuGroup(`cnd-bench-ssh-${process.pid}-client`);
    if (hostGroup === undefined || clientGroup === undefined) console.warn('bench:ssh: no cgroup for CPU accounting (cgroup v1 cpuacct or v2 at /sys/fs/cgroup); CPU times are not measured.');
    for (const host of hosts) {
      const pids = await namespacePids(host);
      if (pids.length !== 1) throw new Error(`expected one sshd in ${host.namespace}, found ${pids.length}`);
      hostGroup?.add(pids[0]!);
    }
    clientGroup?.add(process.pid);
  });

  afterAll(async () => {
    await clientGroup?.remove();
    await lab?.destroy();
    await hostGroup?.remove();
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  async function namespacePids(host: LabHost): Promise<number[]> {
    const { stdout } = await exec('ip', ['netns', 'pids', host.namespace]);
    return stdout.split(/\s+/).filter((p) => /^\d+$/.test(p)).map(Number);
  }

  /** Waits until every sshd session of the previous run is gone, so runs neither overlap nor leave CPU time unread. */
  async function waitForQuiet(): Promise<void> {
    const deadline = Date.now() + 10_000;
    for (;;) {
      const counts = await Promise.all(hosts.map(async (h) => (await namespacePids(h)).length));
      if (counts.every((c) => c === 1)) return;
      if (Date.now() > deadline) throw new Error('sshd sessions of the previous run did not exit within 10 s');
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  function designFor(n: number) {
    const arch = nixPlatformOf(process.arch === 'arm64' ? 'aarch64' : process.arch === 'x64' ? 'x86_64' : process.arch) as Machine['arch'];
    const b = designBuilder();
    const laptop = b.site('Bench computer', 'nat');
    const sites = new Map(benchLabSpec.sites.map((s) => [s.name, b.site(s.name, 'public')]));
    for (const host of hosts.slice(0, n)) b.machine(host.name, sites.get(host.site)!, 'server', { arch, ssh: { host: host.address, port: host.port, user } });
    b.admin(laptop);
    return b.design;
  }

  function env(runDir: string): NodeJS.ProcessEnv {
    const { SSH_AUTH_SOCK: _agent, ...rest } = process.env;
    const sshOptions = ['-o', `UserKnownHostsFile=${knownHostsPath}`, '-o', 'GlobalKnownHostsFile=/dev/null', '-o', 'StrictHostKeyChecking=yes', '-o', 'BatchMode=yes', '-o', 'IdentitiesOnly=yes'];
    return {
      ...rest,
      ANSIBLE_CONFIG: join(work, 'ansible.cfg'),
      ANSIBLE_HOME: join(runDir, 'ansible-home'),
      ANSIBLE_LOCAL_TEMP: join(runDir, 'ansible-tmp'),
      ANSIBLE_SSH_CONTROL_PATH_DIR: join(runDir, 'cp'),
      // Ansible's default is '-C -o ControlMaster=auto -o ControlPersist=60s': connection sharing would make every
      // run after the first a warm one.
      ANSIBLE_SSH_ARGS: '-o ControlMaster=no',
      ANSIBLE_SSH_COMMON_ARGS: sshOptions.map(quoteArgument).join(' '),
      ANSIBLE_HOST_KEY_CHECKING: 'True',
      ANSIBLE_NOCOLOR: '1',
    };
  }

  function ansibleArgs(n: number, command: string, runDir: string): string[] {
    return ['all', '-i', join(work, `inventory-${n}.ini`), '-m', 'raw', '-a', command, '-f', String(concurrency), '-u', user, '--private-key', keyPath, '--tree', join(runDir, 'tree')];
  }

  function psshArgs(n: number, command: string, outDir: string): string[] {
    const options = [`UserKnownHostsFile=${knownHostsPath}`, 'GlobalKnownHostsFile=/dev/null', 'StrictHostKeyChecking=yes', 'BatchMode=yes', 'IdentitiesOnly=yes', 'ControlMaster=no'];
    return [
      '-h', join(work, `hosts-${n}.txt`), '-p', String(concurrency), '-l', user, '-t', String(toolTimeoutMs / 1000),
      '-o', join(outDir, 'out'), '-e', join(outDir, 'err'),
      ...options.flatMap((o) => ['-O', o]), '-X', '-i', '-X', keyPath,
      command,
    ];
  }

  /** Per host stdout of an Ansible run (its --tree folder: one JSON result per host), after checking that every host ran the command with status 0. */
  function ansibleOutputs(run: Spawned, n: number, runDir: string): Map<string, string> {
    const what = `ansible, ${n} hosts`;
    if (run.code !== 0) throw new Error(`${what}: exit status ${run.code ?? run.signal}\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`);
    const outputs = new Map<string, string>();
    for (const host of hosts.slice(0, n)) {
      const file = join(runDir, 'tree', host.address);
      if (!existsSync(file)) throw new Error(`${what}: no result for ${host.address}`);
      const result = JSON.parse(readFileSync(file, 'utf8')) as { rc?: number; stdout?: string; failed?: boolean; unreachable?: boolean };
      if (result.rc !== 0 || result.failed === true || result.unreachable === true) throw new Error(`${what}: ${host.address} failed: ${JSON.stringify(result).slice(0, 2000)}`);
      outputs.set(host.address, result.stdout ?? '');
    }
    return outputs;
  }

  /** Per host stdout of a parallel-ssh run (its -o folder), after checking its exit status (0: every host exited 0). */
  function psshOutputs(run: Spawned, n: number, outDir: string): Map<string, string> {
    const what = `parallel-ssh, ${n} hosts`;
    if (run.code !== 0) throw new Error(`${what}: exit status ${run.code ?? run.signal}\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`);
    const outputs = new Map<string, string>();
    for (const host of hosts.slice(0, n)) {
      const file = join(outDir, 'out', host.address);
      if (!existsSync(file)) throw new Error(`${what}: no output for ${host.address}`);
      outputs.set(host.address, readFileSync(file, 'utf8'));
    }
    return outputs;
  }

  function checkOutputs(tool: Tool, n: number, outputs: Map<string, string>): void {
    for (const [address, stdout] of outputs) {
      const facts = parseCheckFacts(stdout);
      if (!facts.complete) throw new Error(`${tool}, ${n} hosts: ${address} did not print end=1:\n${stdout.slice(0, 2000)}`);
      if (comparableFacts(facts) !== referenceFacts) throw new Error(`${tool}, ${n} hosts: ${address} printed other facts than the app reads:\n${comparableFacts(facts)}\n${referenceFacts}`);
    }
  }

  function checkApp(results: MachineCheckResult[], n: number): void {
    if (results.length !== n) throw new Error(`app, ${n} hosts: ${results.length} results`);
    for (const r of results) {
      const status = Object.fromEntries(r.findings.map((f) => [f.id, f.status]));
      for (const id of ['reachable', 'auth', 'hostKey', 'arch', 'root', 'systemdRun', 'clock']) {
        if (status[id] !== 'ok') throw new Error(`app, ${n} hosts: ${r.name} ${id} is ${status[id]}: ${r.findings.find((f) => f.id === id)?.message}`);
      }
      if (r.via !== null) throw new Error(`app, ${n} hosts: ${r.name} went through ${r.via}; every tool must connect directly`);
      const incomplete = r.findings.find((f) => f.message.includes('did not finish'));
      if (incomplete !== undefined) throw new Error(`app, ${n} hosts: ${r.name}: ${incomplete.message}`);
    }
  }

  /** One timed, checked run. The client's CPU time is read when the run ends, the hosts' once every session of it has exited. */
  async function measure(tool: Tool, n: number): Promise<Run> {
    await waitForQuiet();
    const runDir = join(work, `run-${(runCounter += 1)}`);
    mkdirSync(runDir, { recursive: true });
    const command = quoteCommand(['sh', '-c', CHECK_SCRIPT]);
    const hostsBefore = hostGroup?.readMs();
    const clientBefore = clientGroup?.readMs();
    const busyBefore = machineBusyTicks();
    let ms: number;
    let check: () => void;
    if (tool === 'app') {
      const design = designFor(n);
      const start = performance.now();
      const pool = new SshClientPool({ knownHostsPath, hostKeyPolicy: { mode: 'strict' } });
      let results: MachineCheckResult[];
      try {
        results = await checkMachines(design, { pool, identityFor: () => ({ privateKey }), concurrency });
      } finally {
        pool.dispose();
      }
      ms = performance.now() - start;
      check = () => checkApp(results, n);
    } else {
      const run = tool === 'ansible' ? await runTimed('ansible', ansibleArgs(n, command, runDir), env(runDir), work) : await runTimed('parallel-ssh', psshArgs(n, command, runDir), env(runDir), work);
      ms = run.ms;
      check = () => checkOutputs(tool, n, tool === 'ansible' ? ansibleOutputs(run, n, runDir) : psshOutputs(run, n, runDir));
    }
    const busyAfter = machineBusyTicks();
    const clientAfter = clientGroup?.readMs();
    check();
    await waitForQuiet();
    const hostsAfter = hostGroup?.readMs();
    rmSync(runDir, { recursive: true, force: true });
    const clientCpuMs = clientBefore === undefined || clientAfter === undefined ? null : clientAfter - clientBefore;
    const hostCpuMs = hostsBefore === undefined || hostsAfter === undefined ? null : hostsAfter - hostsBefore;
    const machineBusyMs = ticksToMs(busyAfter - busyBefore);
    return { ms, clientCpuMs, hostCpuMs, machineBusyMs, otherCpuMs: clientCpuMs === null || hostCpuMs === null ? null : machineBusyMs - clientCpuMs - hostCpuMs };
  }

  /** Proves the script reaches each tool's remote `sh` byte for byte: the lab's argv printer stands in for sh. */
  async function checkScriptArrivesIntact(): Promise<void> {
    const host = hosts[0]!;
    const command = quoteCommand([host.argvCommand, '-c', CHECK_SCRIPT]);
    const expected = `-c\0${CHECK_SCRIPT}\0`;
    const dir = join(work, 'argv-check');
    const ansible = ansibleOutputs(await runTimed('ansible', ansibleArgs(1, command, dir), env(dir), work), 1, dir).get(host.address)!;
    // raw runs with a TTY (ssh -tt), whose line discipline turns every \n of the output into \r\n.
    expect(ansible.replaceAll('\r\n', '\n'), 'ansible -m raw delivers the script unchanged').toBe(expected);
    const pssh = psshOutputs(await runTimed('parallel-ssh', psshArgs(1, command, dir), env(dir), work), 1, dir).get(host.address)!;
    expect(pssh, 'parallel-ssh delivers the script unchanged').toBe(expected);
    rmSync(dir, { recursive: true, force: true });
  }

  test('times checking 1, 10 and 20 hosts against Ansible and parallel-ssh and writes bench-results/ssh.json', async () => {
    // The facts every tool must bring back: read once through the app's own SSH client.
    const pool = new SshClientPool({ knownHostsPath, hostKeyPolicy: { mode: 'strict' } });
    try {
      const target = { host: hosts[0]!.address, port: 22, username: user, privateKey };
      const reference = await pool.exec(target, ['sh', '-c', CHECK_SCRIPT]);
      if (!reference.ok) throw new Error(`the app could not run the script on ${target.host}: ${JSON.stringify(reference.error)}`);
      const facts = parseCheckFacts(reference.value.stdout);
      expect(facts.complete, 'the script printed end=1').toBe(true);
      referenceFacts = comparableFacts(facts);
    } finally {
      pool.dispose();
    }
    await checkScriptArrivesIntact();

    const environment = {
      cpu: cpus()[0]?.model ?? 'unknown',
      cpuCount: cpus().length,
      node: process.version,
      ssh2: (JSON.parse(readFileSync(join(root, 'node_modules/ssh2/package.json'), 'utf8')) as { version: string }).version,
      openssh: await firstLine('ssh', ['-V']),
      sshd: (await firstLine('dpkg-query', ['-W', '-f', '${Version}', 'openssh-server']).catch(() => 'unknown')),
      ansible: await firstLine('ansible', ['--version']),
      /** The Python Ansible runs on (from `ansible --version`, not whichever python3 is first on PATH). */
      ansiblePython: /python version = (\S+)/.exec((await exec('ansible', ['--version'])).stdout)?.[1] ?? 'unknown',
      pssh: await firstLine('parallel-ssh', ['--version']),
      loadAverageAtStart: readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '),
    };

    const runs = new Map<string, Run[]>();
    for (let r = 0; r < warmupRounds + repetitions; r += 1) {
      const warmup = r < warmupRounds;
      for (const n of hostCounts) {
        // Rotate the order each round so no tool always runs right after another one's teardown.
        const order = tools.map((_, i) => tools[(i + r) % tools.length]!);
        for (const tool of order) {
          const run = await measure(tool, n);
          console.log(`${warmup ? 'warm-up' : `round ${r - warmupRounds + 1}/${repetitions}`}: ${tool} ${n} hosts ${round(run.ms)} ms (cpu client ${cpuText(run.clientCpuMs)}, hosts ${cpuText(run.hostCpuMs)}, machine busy ${round(run.machineBusyMs)} ms, other work ${cpuText(run.otherCpuMs)})`);
          if (!warmup) runs.set(`${tool}/${n}`, [...(runs.get(`${tool}/${n}`) ?? []), run]);
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
          medianClientCpuMs: medianOrNull(list.map((x) => x.clientCpuMs)),
          medianHostCpuMs: medianOrNull(list.map((x) => x.hostCpuMs)),
          medianMachineBusyMs: round(median(list.map((x) => x.machineBusyMs))),
          medianOtherCpuMs: medianOrNull(list.map((x) => x.otherCpuMs)),
          timesMs: times.map(round),
          otherCpuMs: list.map((x) => (x.otherCpuMs === null ? null : round(x.otherCpuMs))),
        };
      }),
    );
    const get = (tool: Tool, n: number) => results.find((x) => x.tool === tool && x.hosts === n)!;
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    const twentyVsOne = ratio(get('app', 20).medianMs, get('app', 1).medianMs);
    const twentyVsAnsible = ratio(get('app', 20).medianMs, get('ansible', 20).medianMs);
    const targetResults = [
      { name: 'app: 20 hosts <= 1.3x one host (medians)', ratio: twentyVsOne, target: targets.twentyVsOne, pass: twentyVsOne <= targets.twentyVsOne },
      { name: "app: 20 hosts <= 0.3x Ansible's time for 20 hosts (medians)", ratio: twentyVsAnsible, target: targets.twentyVsAnsible, pass: twentyVsAnsible <= targets.twentyVsAnsible },
    ];

    // What the machine can do at best: the 20 hosts share the cores with the client, so a run cannot take less than
    // its CPU time divided by the number of cores.
    const app20 = get('app', 20);
    const cpuBound =
      app20.medianClientCpuMs === null || app20.medianHostCpuMs === null
        ? null
        : {
            appTwentyHostsCpuMs: round(app20.medianClientCpuMs + app20.medianHostCpuMs),
            clientCpuMs: app20.medianClientCpuMs,
            hostCpuMs: app20.medianHostCpuMs,
            hostCpuPerHostMs: round(app20.medianHostCpuMs / 20),
            lowerBoundMs: round((app20.medianClientCpuMs + app20.medianHostCpuMs) / environment.cpuCount),
            appTwentyHostsMs: app20.medianMs,
          };
    const report = {
      date: new Date().toISOString(),
      environment,
      scenario: {
        lab: `${maxHosts} hosts in 2 public sites (test/lab/lab.ts), every host reached directly`,
        user: 'the lab user with passwordless sudo, ed25519 key, strict host key checking against a written known_hosts',
        hostCounts,
        warmupRounds,
        repetitions,
        concurrency,
        remoteCommand: "quoteCommand(['sh', '-c', CHECK_SCRIPT])",
        tools: {
          app: 'checkMachines (src/main/services/checkMachines.ts) on a new SshClientPool per run, strict host keys, concurrency 20; timed until the pool is disposed',
          ansible: 'ansible all -m raw -a <command> -f 20, ANSIBLE_SSH_ARGS="-o ControlMaster=no", fresh ANSIBLE_HOME and control path folder per run, --tree for per-host results; whole process timed',
          pssh: 'parallel-ssh -p 20 -O ControlMaster=no -o <dir> <command>; whole process timed',
        },
        cpu: 'clientCpuMs: this process and every process it started (cgroup); hostCpuMs: the lab sshd listeners, every session and the script it ran (cgroup); machineBusyMs: the whole machine during the timed part (/proc/stat); otherCpuMs: machine busy minus client and hosts, roughly what other work took',
      },
      results,
      targets: targetResults,
      cpuBound,
    };
    mkdirSync(join(root, 'bench-results'), { recursive: true });
    writeFileSync(resultFile, `${JSON.stringify(report, null, 2)}\n`);

    const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
    const cell = (tool: Tool, n: number) => `${seconds(get(tool, n).medianMs)} (${seconds(get(tool, n).minMs)})`;
    const cpuCell = (tool: Tool) => {
      const { medianClientCpuMs: client, medianHostCpuMs: host } = get(tool, 20);
      return client === null || host === null ? 'not measured' : `${seconds(client)} + ${seconds(host)}`;
    };
    const markdown = [
      `"Check machines" on lab hosts over SSH, cold connections (${environment.cpu}, ${environment.cpuCount} cores, Node ${environment.node}, ssh2 ${environment.ssh2}, ${environment.openssh.split(',')[0]}, ${environment.ansible.replace(/^ansible \[core (.*)\]$/, 'ansible-core $1')} on Python ${environment.ansiblePython}, pssh ${environment.pssh}, ${report.date.slice(0, 10)}); median (min) of ${repetitions} runs:`,
      '',
      `| hosts | ${tools.map((t) => toolLabels[t]).join(' | ')} |`,
      `|---:|${tools.map(() => '---:').join('|')}|`,
      ...hostCounts.map((n) => `| ${n} | ${tools.map((t) => cell(t, n)).join(' | ')} |`),
      `| CPU for 20 hosts: client + hosts | ${tools.map(cpuCell).join(' | ')} |`,
      '',
      ...targetResults.map((t) => `- ${t.name.replace(/^app: /, '').replace(' (medians)', '')}: ${t.ratio}x — ${t.pass ? 'pass' : 'FAIL'}`),
      ...(cpuBound === null
        ? []
        : [
            `- The lab's hosts share the ${environment.cpuCount} cores with the client: the app's 20-host run needs ${seconds(cpuBound.appTwentyHostsCpuMs)} of CPU (${seconds(cpuBound.clientCpuMs)} in the app, ${seconds(cpuBound.hostCpuMs)} for sshd and the script on the hosts, ${round(cpuBound.hostCpuPerHostMs)} ms per host), so it cannot take less than ${seconds(cpuBound.lowerBoundMs)} here; it took ${seconds(cpuBound.appTwentyHostsMs)}.`,
          ]),
      '',
      'Wall time from start until every host has run the check script (src/shared/check.ts) and its output is back, each run opening new SSH connections; Ansible (`-m raw`, which runs the script as the SSH command, as the app does) and parallel-ssh come from Debian\'s ansible-core and pssh packages and run the same script with the same key and known_hosts, without connection sharing.',
      'CPU: the client\'s process tree plus every sshd session and the script on the hosts, which share the same cores.',
    ].join('\n');
    if (process.env.BENCH_NO_README !== '1') writeReadmeTable('ssh', markdown);
    for (const r of results) console.log(`ssh ${r.tool} ${r.hosts} hosts: median ${r.medianMs} ms, min ${r.minMs} ms, cpu client ${cpuText(r.medianClientCpuMs)}, hosts ${cpuText(r.medianHostCpuMs)}`);
    if (cpuBound !== null) console.log(`CPU bound for the app's 20 hosts on ${environment.cpuCount} cores: ${cpuBound.lowerBoundMs} ms (CPU ${cpuBound.appTwentyHostsCpuMs} ms); measured ${cpuBound.appTwentyHostsMs} ms`);
    for (const t of targetResults) console.log(`${t.name}: ${t.ratio}x (target ${t.target}x: ${t.pass ? 'pass' : 'FAIL'})`);

    const written = JSON.parse(readFileSync(resultFile, 'utf8')) as typeof report;
    expect(written.results).toHaveLength(tools.length * hostCounts.length);
    for (const r of written.results) expect(r.runs, `${r.tool} ${r.hosts}`).toBe(repetitions);
    for (const t of written.targets) expect.soft(t.ratio, t.name).toBeLessThanOrEqual(t.target);
  });
});
