import { appError, type AppError } from '../../shared/errors';
import { err, ok, type Result } from '../../shared/result';
import type { DeployRun } from '../deploy/runDeploy';
import type { MachineSshHooks } from '../services/checkJobs';
import type { DeploySsh } from '../services/deployService';
import type { ExecOptions, ExecResult, SftpSession, SshTarget } from '../ssh/sshClient';

// TEST DOUBLES for the install of NixOS (installService.ts, installCommand.ts), named as such. No NixOS, nixos-anywhere
// or kexec can run on the build machines, so the `clan` program is a test double that records each argument list it
// is started with and answers as Clan would; the machines' disks over SSH are a scripted stand-in. The job engine, the
// install service, the confirmation and the argument lists are the app's own. The lab test
// (test/integration/install.lab.test.ts) lists the disks over real SSH.

/** Which of Clan's commands an argument list is. */
export function clanStepOf(argv: readonly string[]): 'hardware' | 'disk' | 'install' | 'other' {
  if (argv[1] === 'machines' && argv[2] === 'init-hardware-config') return 'hardware';
  if (argv[1] === 'templates' && argv[2] === 'apply' && argv[3] === 'disk') return 'disk';
  if (argv[1] === 'machines' && argv[2] === 'install') return 'install';
  return 'other';
}

/**
 * TEST DOUBLE of the `clan` program on this computer: records every argument list it is started with, in order, prints
 * a line per command as Clan would, and exits 0, or `failAt`'s exit status at that command. `holdAt` makes that
 * command run until it is stopped (its signal), to cancel an install in the middle.
 */
export class ClanProgramDouble {
  readonly calls: string[][] = [];
  failAt: { step: 'hardware' | 'disk' | 'install'; code: number; stderr: string } | null = null;
  holdAt: 'hardware' | 'disk' | 'install' | null = null;
  private started: (() => void) | null = null;

  /** Resolves once the held command has started. */
  whenHeld(): Promise<void> {
    return new Promise((resolve) => (this.started = resolve));
  }

  readonly runLocal: NonNullable<DeployRun['runLocal']> = async (argv, options) => {
    this.calls.push([...argv]);
    const step = clanStepOf(argv);
    options.onLine(`clan test double: ${argv.slice(1, 4).join(' ')}`, 'stdout');
    if (this.holdAt === step) {
      this.started?.();
      await new Promise<void>((resolve) => (options.signal.aborted ? resolve() : options.signal.addEventListener('abort', () => resolve(), { once: true })));
      return { code: null, error: 'stopped (test double)' };
    }
    if (this.failAt?.step === step) {
      options.onLine(this.failAt.stderr, 'stderr');
      return { code: this.failAt.code };
    }
    return { code: 0 };
  };
}

/** One machine's disks as the stand-in answers lsblk and `ls -l /dev/disk/by-id`. */
export interface ScriptedDisks {
  /** lsblk's rows: name, size in bytes, model, serial, transport. */
  disks: { name: string; size: number; model: string | null; serial?: string | null; tran?: string | null; rm?: boolean }[];
  /** by-id link name -> kernel name. */
  byId?: Record<string, string>;
  /** lsblk is missing (exit 127). */
  noLsblk?: boolean;
  /** Presents a host key known_hosts does not hold. */
  unknownHostKey?: boolean;
}

/** TEST DOUBLE of machines over SSH that answer only the disk listing (and `true`); every command is recorded. */
export class ScriptedDiskMachines {
  readonly commands: { host: string; argv: string[] }[] = [];

  constructor(private readonly machines: Record<string, ScriptedDisks>) {}

  private async exec(hooks: MachineSshHooks, target: SshTarget, argv: readonly string[], options: ExecOptions = {}): Promise<Result<ExecResult, AppError>> {
    const machine = this.machines[target.host];
    const details = { host: target.host, port: target.port ?? 22 };
    if (machine === undefined) return err(appError('sshHostUnreachable', { ...details, reason: 'ENOTFOUND' }));
    if (machine.unknownHostKey === true) {
      const prompt = { host: target.host, port: target.port ?? 22, keyType: 'ssh-ed25519', fingerprint: `SHA256:testdouble-${target.host}`, otherKeyTypes: [] };
      if (hooks.hostKeyMode === 'strict') return err(appError('sshHostKeyUnknown', { ...details, fingerprint: prompt.fingerprint }));
      if (!(await hooks.confirmHostKey(prompt, options.signal ?? new AbortController().signal))) return err(appError('sshHostKeyRejected', { ...details, fingerprint: prompt.fingerprint }));
      machine.unknownHostKey = false;
    }
    this.commands.push({ host: target.host, argv: [...argv] });
    const answer = (code: number, stdout: string, stderr = '') => ok({ code, signal: null, stdout, stderr });
    if (argv[0] === 'lsblk') {
      if (machine.noLsblk === true) return answer(127, '', 'sh: 1: lsblk: not found');
      const blockdevices = machine.disks.map((d) => ({ name: d.name, size: d.size, model: d.model, serial: d.serial ?? null, type: 'disk', tran: d.tran ?? null, rm: d.rm ?? false }));
      return answer(0, JSON.stringify({ blockdevices }));
    }
    if (argv[0] === 'ls') {
      if (machine.byId === undefined) return answer(2, '', "ls: cannot access '/dev/disk/by-id': No such file or directory");
      return answer(0, ['total 0', ...Object.entries(machine.byId).map(([link, name]) => `lrwxrwxrwx 1 root root 9 Aug 22 10:00 ${link} -> ../../${name}`)].join('\n'));
    }
    return answer(0, '');
  }

  /** The SSH side the install service asks for. */
  readonly createSsh = (hooks: MachineSshHooks): DeploySsh => ({
    knownHostsPath: '/home/test/.ssh/known_hosts',
    pool: {
      exec: (target, argv, options) => this.exec(hooks, target, argv, options),
      sftp: async () => err(appError('sshFailed', { message: 'no SFTP in this test double' })) as Result<SftpSession, AppError>,
      close: () => undefined,
      dispose: () => undefined,
    },
  });
}
