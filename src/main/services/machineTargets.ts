import { appError, type AppError } from '../../shared/errors';
import type { DeployReach } from '../../shared/model/reachability';
import type { Design, Machine } from '../../shared/model/types';
import { err, ok, type Result } from '../../shared/result';
import type { SshTarget } from '../ssh/sshClient';

// How the app logs in to a machine of the design, for every job that does (check, deploy): the design's address or a
// ~/.ssh/config alias, through the jump host drawn in the design when there is one.

/** How a job works out the SSH target of a machine. */
export interface TargetOptions {
  /**
   * How to log in to a machine: its SSH target with address, user, port, ways to log in and any ProxyJump chain
   * (SshSettings.resolveTarget, which reads ~/.ssh/config). Used instead of identityFor when given. A failure becomes
   * the machine's result; it never throws.
   */
  resolveTarget?: (machine: Machine, signal: AbortSignal) => Promise<Result<SshTarget, AppError>>;
  /** The private key for a machine's SSH user, used as given (no ~/.ssh/config); for callers without resolveTarget. */
  identityFor?: (machine: Machine) => { privateKey: string | Buffer; passphrase?: string };
}

/** Whether the design gives the machine an SSH address. */
export function hasAddress(machine: Machine): boolean {
  return machine.ssh !== null && machine.ssh.host.trim() !== '';
}

/**
 * What a design machine asks SshSettings for. An empty user leaves it to ~/.ssh/config (then the default user), and
 * so does port 22: the design has no "unset" port and fills in 22, so only another port wins over the config's.
 */
export function targetRequestOf(machine: Machine): { host: string; port?: number; user?: string } {
  const ssh = machine.ssh!;
  return { host: ssh.host.trim(), ...(ssh.port === 22 ? {} : { port: ssh.port }), ...(ssh.user === '' ? {} : { user: ssh.user }) };
}

/** The machine's SSH target: from resolveTarget, or the design's address with identityFor's key. */
async function targetOf(machine: Machine, options: TargetOptions, signal: AbortSignal): Promise<Result<SshTarget, AppError>> {
  if (options.resolveTarget !== undefined) {
    try {
      return await options.resolveTarget(machine, signal);
    } catch (cause) {
      return err(appError('internalError', { message: (cause as Error).message }));
    }
  }
  const ssh = machine.ssh!;
  return ok({ host: ssh.host, port: ssh.port, username: ssh.user === '' ? 'root' : ssh.user, ...(options.identityFor?.(machine) ?? {}) });
}

/** The machine's address as the design writes it, for a machine whose SSH target could not be worked out. */
export function designTarget(machine: Machine): string {
  const ssh = machine.ssh;
  if (ssh === null) return '';
  return `${ssh.user === '' ? '' : `${ssh.user}@`}${ssh.host}${ssh.port === 22 ? '' : `:${ssh.port}`}`;
}

/** The jump host chain of a target as people read it: "a -> b". */
export function viaOf(target: SshTarget): string | null {
  const hops: string[] = [];
  for (let hop = target.jump; hop !== undefined; hop = hop.jump) hops.unshift(hop.host);
  return hops.length === 0 ? null : hops.join(' -> ');
}

/** user@host[:port]. */
export function describeTarget(target: SshTarget): string {
  return `${target.username}@${target.host}${target.port === undefined || target.port === 22 ? '' : `:${target.port}`}`;
}

/**
 * The SSH target of a machine with its way in: a jump host link drawn in the design wins over the machine's own
 * ProxyJump (from ~/.ssh/config). On failure: the error, what the machine's address reads as, and the jump host it
 * was about (null: the machine itself).
 */
export async function resolveMachineTarget(
  machine: Machine,
  design: Design,
  reach: DeployReach | undefined,
  options: TargetOptions,
  signal: AbortSignal,
): Promise<{ ok: true; target: SshTarget; via: string | null } | { ok: false; error: AppError; target: string; jumpName: string | null }> {
  if (!hasAddress(machine)) return { ok: false, error: appError('invalidRequest', { message: `"${machine.name}" has no SSH address in the design.` }), target: '', jumpName: null };
  const resolved = await targetOf(machine, options, signal);
  if (!resolved.ok) return { ok: false, error: resolved.error, target: designTarget(machine), jumpName: null };
  let target = resolved.value;
  let via = viaOf(target);
  const jump = reach?.reach === 'jumpHost' && reach.via !== null ? design.machines[reach.via] : undefined;
  if (jump !== undefined && hasAddress(jump)) {
    const jumpTarget = await targetOf(jump, options, signal);
    if (!jumpTarget.ok) return { ok: false, error: jumpTarget.error, target: describeTarget(target), jumpName: jump.name };
    target = { ...target, jump: jumpTarget.value };
    via = jump.name;
  }
  return { ok: true, target, via };
}
