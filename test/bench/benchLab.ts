import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createBackend, type Backend, type BackendOptions } from '../../src/main/rpc/createBackend';
import { SshClientPool } from '../../src/main/ssh/sshClient';
import { nixPlatformOf } from '../../src/shared/check';
import { designBuilder } from '../../src/shared/model/designBuilder';
import type { Design, Machine, MachineId } from '../../src/shared/model/types';
import type { VpnId } from '../../src/shared/vpn/ids';
import { createLab, destroyLeftovers, missingLabDependencies, type Lab, type LabSpec } from '../lab/lab';

// What bench:deploy and bench:verify share: the lab of 12 NixOS stand-in hosts (test/lab/nixos.ts), a bastion and
// o1-o8 in a public office, h1-h3 in a NATed home that only the bastion reaches into; the app's back end on it
// (createBackend, as serve mode and Electron use it) with strict host keys against a known_hosts made from the lab's
// host keys, logging in as the lab's sudo user; a design of some of those machines as the app draws them; a job's
// events as they arrive; waiting until the SSH sessions of the previous run have ended; the machine's busy time and
// what the tables say about the machine they ran on.

export const exec = promisify(execFile);
/** The checkout, where bench-results/ and the README are. */
export const root = fileURLToPath(new URL('../../', import.meta.url));
/** Counted rounds (BENCH_RUNS, default 3), after one warm-up round that is not counted. */
export const repetitions = Number(process.env.BENCH_RUNS ?? 3);
export const warmupRounds = 1;
/** The lab hosts' platform, as the design gives it. */
export const arch = nixPlatformOf(process.arch === 'arm64' ? 'aarch64' : 'x86_64') as Machine['arch'];

export const officeHosts = ['o1', 'o2', 'o3', 'o4', 'o5', 'o6', 'o7', 'o8'];
export const homeHosts = ['h1', 'h2', 'h3'];
export const isHome = (name: string) => homeHosts.includes(name);
/** Every host of the lab, in the lab's order. */
export const labHostNames = ['bastion', ...officeHosts, ...homeHosts];

/** The lab's twelve hosts; `prefix` names its network namespaces, one per bench, so a leftover of one does not meet the other. */
export function benchLabSpec(prefix: string): LabSpec {
  return {
    prefix,
    sites: [
      { name: 'office', nat: false },
      { name: 'home', nat: true },
    ],
    hosts: [{ name: 'bastion', site: 'office', bastion: true, nixos: true }, ...officeHosts.map((name) => ({ name, site: 'office', nixos: true })), ...homeHosts.map((name) => ({ name, site: 'home', nixos: true }))],
  };
}

export const round = (ms: number): number => Math.round(ms * 10) / 10;
export const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Busy ticks of the whole machine (everything except idle and iowait), from /proc/stat. */
export function machineBusyTicks(): number {
  const values = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
  return values.slice(0, 8).reduce((a, b) => a + b, 0) - values[3]! - values[4]!;
}

/** Clock ticks per second, to turn machineBusyTicks into time. */
export async function ticksPerSecond(): Promise<number> {
  return Number((await exec('getconf', ['CLK_TCK'])).stdout.trim()) || 100;
}

/** The load average over the last 1, 5 and 15 minutes, as /proc/loadavg has it. */
export const loadAverage = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** The machine the bench runs on and the versions of what the app's side runs with, for the results and the tables. */
export async function benchEnvironment(): Promise<{ cpu: string; cpuCount: number; node: string; ssh2: string; openssh: string; loadAverageAtStart: string }> {
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cpuCount: cpus().length,
    node: process.version,
    ssh2: (JSON.parse(readFileSync(join(root, 'node_modules/ssh2/package.json'), 'utf8')) as { version: string }).version,
    openssh: (await exec('ssh', ['-V'])).stderr.trim().split(',')[0]!,
    loadAverageAtStart: loadAverage(),
  };
}

/** The lab with the app's back end on it; see the module comment. */
export interface BenchLab {
  lab: Lab;
  spec: LabSpec;
  /** A folder of the bench's own, removed with the lab. */
  work: string;
  /** The app's workspace: where the designs are saved and their configurations written. */
  workspace: string;
  knownHostsPath: string;
  backend: Backend;
  /** Waits until no SSH session of the previous run is left on any host (20 s at the most). */
  waitForQuiet(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * Builds the lab (after removing a crashed run's leftovers) and the app's back end on it. `name` is the npm script, to
 * say what is missing: the lab's own needs and `missing`, what the bench found missing of its own.
 */
export async function startBenchLab(options: { name: string; prefix: string; missing?: readonly string[]; deploy?: BackendOptions['deploy'] }): Promise<BenchLab> {
  const missing = [...(await missingLabDependencies()), ...(options.missing ?? [])];
  if (missing.length > 0) throw new Error(`${options.name} needs: ${missing.join('; ')}.`);
  await destroyLeftovers();
  const spec = benchLabSpec(options.prefix);
  const lab = await createLab(spec);
  const work = mkdtempSync(join(tmpdir(), `cnd-${options.name.replace(':', '-')}-`));
  const workspace = join(work, 'workspace');
  mkdirSync(workspace);
  const knownHostsPath = join(work, 'known_hosts');
  writeFileSync(knownHostsPath, spec.hosts.map((h) => `${lab.host(h.name).address} ssh-ed25519 ${lab.host(h.name).hostKeyBase64}\n`).join(''));
  const dataDir = join(work, 'data');
  mkdirSync(dataDir);
  const backend = createBackend({
    mode: 'serve',
    log: () => undefined,
    workspaceDir: workspace,
    dataDir,
    createMachineSsh: () => {
      const pool = new SshClientPool({ knownHostsPath, hostKeyPolicy: { mode: 'strict' } });
      return { pool, knownHostsPath, identityFor: () => ({ privateKey: lab.users.sudo.privateKey }) };
    },
    // Otherwise the app's default time limits.
    ...(options.deploy === undefined ? {} : { deploy: options.deploy }),
  });

  /** Sessions still open on a host: sshd processes in its namespace besides the listener. */
  const sshSessions = async (name: string): Promise<number> => {
    const { stdout } = await exec('ip', ['netns', 'pids', lab.host(name).namespace]);
    let count = 0;
    for (const pid of stdout.split(/\s+/).filter((p) => /^\d+$/.test(p))) {
      try {
        if (readFileSync(`/proc/${pid}/comm`, 'utf8').trim() === 'sshd') count += 1;
      } catch {
        // Gone meanwhile.
      }
    }
    return count - 1;
  };
  const waitForQuiet = async (): Promise<void> => {
    const deadline = Date.now() + 20_000;
    for (;;) {
      const counts = await Promise.all(spec.hosts.map((h) => sshSessions(h.name)));
      if (counts.every((c) => c <= 0)) return;
      if (Date.now() > deadline) throw new Error(`SSH sessions of the previous run did not end within 20 s: ${JSON.stringify(counts)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  return {
    lab,
    spec,
    work,
    workspace,
    knownHostsPath,
    backend,
    waitForQuiet,
    destroy: async () => {
      await lab.destroy();
      rmSync(work, { recursive: true, force: true });
    },
  };
}

/**
 * A design of some lab machines as the app draws them: the person's laptop behind NAT, the office public (each
 * machine's lab address its public one), the home behind NAT reached through a jump host link from the bastion, every
 * machine logged in to as the lab's sudo user, with the VPN's default roles.
 */
export function labDesign(lab: Lab, names: readonly string[], vpn: VpnId): { design: Design; ids: Record<string, MachineId> } {
  const b = designBuilder();
  const laptop = b.site('Laptop', 'nat');
  const office = b.site('Office', 'public');
  const home = b.site('Home', 'nat');
  const ids: Record<string, MachineId> = {};
  for (const name of names) {
    const host = lab.host(name);
    const site = isHome(name) ? home : office;
    ids[name] = b.machine(name, site, 'server', { arch, ssh: { host: host.address, port: host.port, user: lab.users.sudo.name }, publicAddress: site === office ? host.address : null });
  }
  for (const name of names.filter(isHome)) b.link('jumpHost', ids.bastion!, ids[name]!);
  b.admin(laptop);
  return { design: b.vpn(vpn), ids };
}

