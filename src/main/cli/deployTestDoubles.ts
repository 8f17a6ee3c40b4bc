import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { appError } from '../../shared/errors';
import { SURVEY_SCRIPT } from '../../shared/deploy/commands';
import { err, ok, type Result } from '../../shared/result';
import type { AppError } from '../../shared/errors';
import type { MachineSshHooks } from '../services/checkJobs';
import type { DeploySsh } from '../services/deployService';
import type { ExecOptions, ExecResult, SftpSession, SshTarget } from '../ssh/sshClient';
import type { UploadSftp } from '../services/upload';
import type { InterruptSource } from './deployCommand';

// TEST DOUBLES for the command tests of `plan`, `deploy` and `verify`, named as such: the machines behind SSH as a scripted
// stand-in, and Ctrl+C as a signal a test sends. Everything between them and the command (the job
// engine, the deploy service, the plan, the run, the history) is the app's own. The lab test
// (test/integration/deployCli.lab.test.ts) runs the real SSH side against sshd.

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
   * `answer`: what other commands print, by machine (the overlay queries and the probe of `verify`); undefined
   * falls back to the answers above (an empty output for anything else).
   */
  constructor(
    private readonly machines: Record<string, ScriptedMachine>,
    private readonly answer?: (host: string, argv: readonly string[]) => Partial<ExecResult> | undefined,
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
    const answered = this.answer?.(target.host, argv);
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
