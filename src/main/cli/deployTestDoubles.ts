import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { appError } from '../../shared/errors';
import { SURVEY_SCRIPT } from '../../shared/deploy/commands';
import { designBuilder } from '../../shared/model/designBuilder';
import type { Design } from '../../shared/model/types';
import { err, ok, type Result } from '../../shared/result';
import type { AppError } from '../../shared/errors';
import type { MachineSshHooks } from '../services/checkJobs';
import type { DeploySsh } from '../services/deployService';
import type { ExecOptions, ExecResult, SftpSession, SshTarget } from '../ssh/sshClient';
import type { UploadSftp } from '../services/upload';
import type { InterruptSource } from './deployCommand';

// TEST DOUBLES for the command tests of `plan`, `deploy`, `verify` and `measure`, named as such: the machines behind
// SSH as a scripted stand-in, and Ctrl+C as a signal a test sends; beside them, the design the scripted machines of
// verify and measure belong to. Everything between them and the command (the job engine, the deploy service, the
// plan, the run, the history) is the app's own. The lab test (test/integration/deployCli.lab.test.ts) runs the real
// SSH side against sshd.

/** One machine as the stand-in plays it, by its SSH address. */
export interface ScriptedMachine {
  /** The system it runs now (a store path), or null for a machine without one yet. */
  system: string | null;
  /** Refuses connections. */
  unreachable?: boolean;
  /** Presents a host key that is not in known_hosts: refused in strict mode, asked about otherwise. */
  unknownHostKey?: boolean;
  /** The login user's id the survey reports (default 0: root; another one makes root commands go through sudo -n). */
  uid?: number;
}

/** A store path as a build prints it, for a machine. */
export const storePathOf = (machine: string, generation: number) => `/nix/store/${String(generation).padStart(32, 'a').slice(-32)}-nixos-system-${machine}-25.11`;

/** A machine's files, by absolute path, and its folders. */
interface MachineDisk {
  files: Map<string, Buffer>;
  folders: Set<string>;
}

/** A test double of an SFTP session on a machine's disk: only the calls deploy makes. */
function sftpOn(disk: MachineDisk): UploadSftp & { readFile(path: string, callback: (error: Error | null, data: Buffer) => void): void } {
  const missing = () => Object.assign(new Error('No such file (test double)'), { code: 2 });
  const absolute = (path: string) => (path.startsWith('/') ? path : posix.join('/root', path));
  return {
    readFile: (path, callback) => {
      const data = disk.files.get(absolute(path));
      if (data === undefined) callback(missing(), Buffer.alloc(0));
      else callback(null, data);
    },
    stat: (path, callback) => (disk.folders.has(absolute(path)) ? callback(undefined, { isDirectory: () => true }) : callback(missing(), { isDirectory: () => false })),
    mkdir: (path, callback) => {
      disk.folders.add(absolute(path));
      callback(null);
    },
    writeFile: (path, data, _options, callback) => {
      disk.files.set(absolute(path), Buffer.from(data));
      callback(null);
    },
    rename: (from, to, callback) => {
      const data = disk.files.get(absolute(from));
      if (data === undefined) return callback(missing());
      disk.files.delete(absolute(from));
      disk.files.set(absolute(to), data);
      callback(null);
    },
    unlink: (path, callback) => {
      disk.files.delete(absolute(path));
      callback(null);
    },
    end: () => undefined,
  };
}

/**
 * TEST DOUBLE of the machines over SSH, as NixOS machines answer the deploy's commands (docs/deploy.md): the survey,
 * SFTP into an in-memory disk with `sha256sum` over it, `nix build` printing a new system, the watchdog, the switch
 * (which changes what `readlink /run/current-system` says) and the disarming. Every command is recorded with its
 * machine. `hold(host, nth)` makes that machine's nth survey wait until released (or until its step is cancelled), to
 * stop a deploy at a known point.
 */
export class ScriptedMachines {
  readonly commands: { host: string; argv: string[] }[] = [];
  readonly hooks: MachineSshHooks[] = [];
  private readonly disks = new Map<string, MachineDisk>();
  private held: { host: string; skip: number; resolve: () => void; waiting: boolean } | null = null;
  private generation = 1;

  /**
   * `answer`: what other commands print, by machine (the overlay queries and the probe of `verify`, the iperf3 and
   * ping of `measure`); undefined falls back to the answers above (an empty output for anything else). It gets the
   * command's options, so a long-running command can print as it goes (`onStdout`) and end when it is stopped
   * (`signal`), and may answer later (a promise).
   */
  constructor(
    private readonly machines: Record<string, ScriptedMachine>,
    private readonly answer?: (host: string, argv: readonly string[], options: ExecOptions) => Partial<ExecResult> | undefined | Promise<Partial<ExecResult> | undefined>,
  ) {}

  /** Makes `host`'s `nth` survey from now (1: the next) wait until `release()`. */
  hold(host: string, nth = 1): { waiting: () => boolean; release: () => void } {
    const held = { host, skip: nth - 1, resolve: () => undefined, waiting: false };
    this.held = held;
    return { waiting: () => held.waiting, release: () => held.resolve() };
  }

  /** The commands one machine ran, as argument lists. */
  commandsOf(host: string): string[][] {
    return this.commands.filter((c) => c.host === host).map((c) => c.argv);
  }

  /** What `readlink /run/current-system` says on a machine now. */
  systemOf(host: string): string | null {
    return this.machine(host).system;
  }

  private machine(host: string): ScriptedMachine {
    const machine = this.machines[host];
    if (machine === undefined) throw new Error(`test double: no scripted machine at ${host}`);
    return machine;
  }

  private disk(host: string): MachineDisk {
    const disk = this.disks.get(host) ?? { files: new Map(), folders: new Set(['/', '/root']) };
    this.disks.set(host, disk);
    return disk;
  }

  private async exec(hooks: MachineSshHooks, target: SshTarget, argv: readonly string[], options: ExecOptions = {}): Promise<Result<ExecResult, AppError>> {
    const machine = this.machine(target.host);
    const details = { host: target.host, port: target.port ?? 22 };
    if (machine.unreachable === true) return err(appError('sshHostUnreachable', { ...details, reason: 'ECONNREFUSED' }));
    if (machine.unknownHostKey === true) {
      const prompt = { host: target.host, port: target.port ?? 22, keyType: 'ssh-ed25519', fingerprint: `SHA256:testdouble-${target.host}`, otherKeyTypes: [] };
      if (hooks.hostKeyMode === 'strict') return err(appError('sshHostKeyUnknown', { ...details, fingerprint: prompt.fingerprint }));
      if (!(await hooks.confirmHostKey(prompt, options.signal ?? new AbortController().signal))) return err(appError('sshHostKeyRejected', { ...details, fingerprint: prompt.fingerprint }));
      machine.unknownHostKey = false;
    }
    this.commands.push({ host: target.host, argv: [...argv] });
    const out = (stdout: string) => ok({ code: 0, signal: null, stdout, stderr: '' });
    const program = argv[0] === 'sudo' ? argv[2] : argv[0];
    if (argv[0] === 'sh' && argv[2] === SURVEY_SCRIPT) {
      const held = this.held;
      if (held !== null && held.host === target.host && held.skip-- === 0) {
        this.held = null;
        const signal = options.signal;
        const released = await new Promise<boolean>((resolve) => {
          held.waiting = true;
          held.resolve = () => resolve(true);
          signal?.addEventListener('abort', () => resolve(false), { once: true });
        });
        if (!released) return err(appError('sshCancelled', details));
      }
      return out(`home=/root\nuid=${machine.uid ?? 0}\ncurrent=${machine.system ?? ''}\nprofile=${machine.system ?? ''}\nend=1\n`);
    }
    const answered = await this.answer?.(target.host, argv, options);
    if (answered !== undefined) return ok({ code: 0, signal: null, stdout: '', stderr: '', ...answered });
    if (program === 'readlink') return out(`${machine.system ?? ''}\n`);
    if (program === 'sha256sum') {
      const disk = this.disk(target.host);
      return out(argv.slice(argv.indexOf('--') + 1).map((path) => `${createHash('sha256').update(disk.files.get(path) ?? '').digest('hex')}  ${path}\n`).join(''));
    }
    if (program === 'nix' && argv.includes('build')) {
      this.generation += 1;
      const name = /#nixosConfigurations\."([^"]+)"/.exec(argv.at(-1) ?? '')?.[1] ?? 'unknown';
      options.onStderr?.(`building the system of ${name} (test double)\n`);
      return out(`${storePathOf(name, this.generation)}\n`);
    }
    if (program === 'systemd-run' && argv.at(-1) === 'switch' && argv.at(-2)?.endsWith('/bin/switch-to-configuration') === true) {
      machine.system = argv.at(-2)!.slice(0, -'/bin/switch-to-configuration'.length);
    }
    return out('');
  }

  /** The SSH side the deploy service asks for, once per plan or deploy. */
  readonly createSsh = (hooks: MachineSshHooks): DeploySsh => {
    this.hooks.push(hooks);
    return {
      knownHostsPath: '/home/test/.ssh/known_hosts',
      pool: {
        exec: (target, argv, options) => this.exec(hooks, target, argv, options),
        sftp: async (target) =>
          this.machine(target.host).unreachable === true
            ? err(appError('sshHostUnreachable', { host: target.host, port: target.port ?? 22, reason: 'ECONNREFUSED' }))
            : ok(sftpOn(this.disk(target.host)) as unknown as SftpSession),
        close: () => undefined,
        dispose: () => undefined,
      },
    };
  };
}

/** TEST DOUBLE of Ctrl+C: `interrupt()` is what pressing it does. */
export class TestInterrupts implements InterruptSource {
  private readonly listeners = new Set<() => void>();

  onInterrupt(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  interrupt(): void {
    for (const listener of [...this.listeners]) listener();
  }

  get listening(): number {
    return this.listeners.size;
  }
}

/**
 * The design the scripted machines vps, nas and pi (at vps.lan, nas.lan, pi.lan) belong to, for the tests of verify
 * and measure: home (nas, the admin's site), a cloud VPS and grandma's Raspberry Pi, on Yggdrasil (or no VPN yet).
 */
export function yggdrasilFamily(vpn: 'yggdrasil' | null = 'yggdrasil'): Design {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  const cloud = b.site('Cloud', 'public');
  const grandma = b.site('Grandma', 'nat');
  b.machine('nas', home, 'nas');
  b.machine('vps', cloud, 'vps', { publicAddress: '203.0.113.10' });
  b.machine('pi', grandma, 'sbc');
  b.admin(home);
  return vpn === null ? b.design : b.vpn(vpn);
}

/** The Yggdrasil addresses of the scripted machines. */
export const yggdrasilAddresses: Record<string, string> = { vps: '200:1111::1', nas: '200:2222::1', pi: '200:3333::1' };

// What iperf 3.12 and iputils printed on a build machine (src/shared/measure/fixtures/captured.json), with the
// loopback address replaced by the one asked for.
interface CapturedOutput {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}
const capturedOutputs = () => JSON.parse(readFileSync(new URL('../../shared/measure/fixtures/captured.json', import.meta.url), 'utf8')) as Record<string, CapturedOutput>;
const output = (name: string, replace?: [string, string]): Partial<ExecResult> => {
  const c = capturedOutputs()[name]!;
  const fix = (text: string) => (replace === undefined ? text : text.split(replace[0]).join(replace[1]));
  return { stdout: fix(c.stdout), stderr: fix(c.stderr), code: c.exitCode };
};

/** How the scripted machines behave beyond the healthy case. */
export interface MeasureBehaviour {
  piUnreachable?: boolean;
  /** The iperf3 client gets "Connection refused" (a firewall that rejects the port). */
  clientRefused?: boolean;
  /** The server cannot listen on the overlay address (the VPN is not up there). */
  serverNotHere?: boolean;
  /** The server starts but never says it listens. */
  serverSilent?: boolean;
  /** The client hangs until it is stopped. */
  clientHangs?: boolean;
  /** No ping gets a reply. */
  pingsLost?: boolean;
}

/** What the TEST DOUBLE saw: each measurement command with when it started and ended, and how the server ended. */
export interface SeenMeasurement {
  runs: { host: string; program: 'server' | 'client' | 'ping'; started: number; ended: number; stopped: boolean }[];
}

/**
 * TEST DOUBLE: NixOS machines vps, nas and pi (at vps.lan, nas.lan, pi.lan) running Yggdrasil and iperf3 3.12, as
 * the measurement's commands see them: the VPN's state and address, a one-off iperf3 server that prints its
 * "listening" line as it starts and then waits for a client to test with it (or for being stopped), the client and
 * ping printing what the real programs printed (captured.json). `seen` records each measurement command with when
 * it started and ended (a counter) and whether it was stopped.
 */
export function measuredMachines(behaviour: MeasureBehaviour = {}): { machines: ScriptedMachines; seen: SeenMeasurement } {
  const seen: SeenMeasurement = { runs: [] };
  const waitingServers = new Map<string, () => void>();
  let clock = 0;
  const tick = () => (clock += 1);
  const stoppable = (options: ExecOptions, wait: (done: () => void) => void) =>
    new Promise<boolean>((resolve) => {
      wait(() => resolve(true));
      if (options.signal?.aborted === true) resolve(false);
      options.signal?.addEventListener('abort', () => resolve(false), { once: true });
    });
  const machines = new ScriptedMachines(
    {
      'vps.lan': { system: storePathOf('vps', 1) },
      'nas.lan': { system: storePathOf('nas', 1), uid: 1000 },
      'pi.lan': { system: storePathOf('pi', 1), unreachable: behaviour.piUnreachable === true },
    },
    async (host, argv, options) => {
      const me = host.replace(/\.lan$/, '');
      const command = argv[0] === 'sudo' ? argv.slice(2) : [...argv];
      if (command[0] === 'systemctl') return { stdout: 'LoadState=loaded\nActiveState=active\nSubState=running\n' };
      if (command.join(' ') === 'ip -j addr show dev ygg') return { stdout: JSON.stringify([{ ifname: 'ygg', flags: ['UP'], addr_info: [{ local: yggdrasilAddresses[me], prefixlen: 7, scope: 'global' }] }]) };
      if (command.join(' ') === 'yggdrasilctl -json getself') return { stdout: JSON.stringify({ build_name: 'yggdrasil', key: `key-${me}`, address: yggdrasilAddresses[me], subnet: '300::/64' }) };
      // The measurement: env LC_ALL=C timeout N <program> ...
      const program = command.slice(4);
      const run = { host, program: 'server' as SeenMeasurement['runs'][number]['program'], started: tick(), ended: 0, stopped: false };
      const end = <T>(result: T): T => {
        run.ended = tick();
        seen.runs.push(run);
        return result;
      };
      if (program[0] === 'iperf3' && program[1] === '-s') {
        const address = program[program.indexOf('-B') + 1]!;
        if (behaviour.serverNotHere === true || address !== yggdrasilAddresses[me]) return end(output('serverNotAddress', ['10.99.99.99', address]));
        if (behaviour.serverSilent !== true) options.onStdout?.('-----------------------------------------------------------\nServer listening on 5201 (test #1)\n-----------------------------------------------------------\n');
        const served = await stoppable(options, (done) => waitingServers.set(address, done));
        run.stopped = !served;
        return end(served ? output('serverBidir', ['127.0.0.1', address]) : { stdout: 'Server listening on 5201 (test #1)\n', code: null, signal: 'TERM' });
      }
      if (program[0] === 'iperf3' && program[1] === '-c') {
        run.program = 'client';
        const address = program[2]!;
        if (behaviour.clientHangs === true) {
          run.stopped = !(await stoppable(options, () => undefined));
          return end({ code: null, signal: 'TERM' });
        }
        if (behaviour.clientRefused === true) return end(output('clientRefused'));
        const server = waitingServers.get(address);
        if (server === undefined) return end(output('clientRefused'));
        waitingServers.delete(address);
        server();
        return end(output('clientBidir', ['127.0.0.1', address]));
      }
      if (program[0] === 'ping') {
        run.program = 'ping';
        return end(output(behaviour.pingsLost === true ? 'pingNoReply' : 'pingLoss', ['127.0.0.1', program.at(-1)!]));
      }
      return undefined;
    },
  );
  return { machines, seen };
}

