import { appError, describeError, type AppError } from '../../shared/errors';
import { recordValues } from '../../shared/model/overlay';
import { computeDeployReach, type DeployReach } from '../../shared/model/reachability';
import type { Design, Machine, MachineId } from '../../shared/model/types';
import { evaluateFacts, parseCheckFacts, CHECK_SCRIPT, machineCheckIds, worstStatus, type MachineCheckResult, type CheckId, type CheckFinding, type CheckStatus } from '../../shared/check';
import type { Result } from '../../shared/result';
import { startTimeLimit } from '../jobs/timeLimit';
import type { ExecOptions, ExecResult, SshTarget } from '../ssh/sshClient';
import { describeTarget, hasAddress, resolveMachineTarget, type TargetOptions } from './machineTargets';

/**
 * "Check machines" over SSH (CLAN.md 4.6): for every managed machine, in parallel up to a limit, connect (through the
 * design's jump host when it has one), run one fixed script that prints every fact, and evaluate the facts.
 * Connection failures become the reachable / auth / hostKey findings, with the SSH error's own message.
 *
 * Host keys: the pool's HostKeyPolicy decides (strict refuses an unknown key; tofu calls the confirm callback the
 * caller gave the pool). How a machine is reached: computeDeployReach; 'jumpHost' goes through the jump machine's
 * own SSH target, every other kind is tried directly or through the ProxyJump of the person's ~/.ssh/config (the
 * design may not know every way in). With resolveTarget, a machine's address may be a ~/.ssh/config alias.
 */

/** What checking machines needs of SshClientPool. */
export interface CheckPool {
  exec(target: SshTarget, argv: readonly string[], options?: ExecOptions): Promise<Result<ExecResult, AppError>>;
  /** The target's host key when it was seen for the first time and trusted during this check (SshClientPool's). */
  trustedOnFirstUse?(target: SshTarget): { keyType: string; fingerprint: string } | null;
}

/** The host key finding of a machine the app reached: known before, or trusted just now on first use. */
function hostKeyMessage(pool: CheckPool, target: SshTarget): string {
  const now = pool.trustedOnFirstUse?.(target) ?? null;
  if (now === null) return 'The host key matches known_hosts.';
  return `The host key (${now.keyType} ${now.fingerprint}) was seen for the first time and trusted, and is now recorded in known_hosts; from now on it must match.`;
}

export interface CheckMachinesOptions extends TargetOptions {
  pool: CheckPool;
  /** While this returns true (a person is being asked about a host key or a passphrase), the per-machine time limit does not run. */
  isWaitingForPerson?: () => boolean;
  /** Called when a machine's check starts. */
  onMachineStart?: (machineId: MachineId) => void;
  /** Called with each machine's result as soon as it is complete. */
  onMachineDone?: (result: MachineCheckResult) => void;
  /** Machines checked at once. Default 8. */
  concurrency?: number;
  /** Time limit per machine for connecting and running the script. Default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called for each finding as soon as it is known. */
  onProgress?: (machineId: MachineId, finding: CheckFinding) => void;
  /** This computer's clock in milliseconds, for the clock skew check. Default Date.now. */
  now?: () => number;
}

export type { MachineCheckResult } from '../../shared/check';
export { targetRequestOf } from './machineTargets';
export { worstStatus } from '../../shared/check';

/** Findings for a connection that failed: what the error says, and every later check skipped. */
function connectionFindings(error: AppError, reach: DeployReach | undefined, hostKeyText: string): CheckFinding[] {
  const message = describeError(error);
  const status: Partial<Record<CheckId, CheckFinding>> = {};
  const set = (id: CheckId, s: CheckStatus, m: string) => (status[id] = { id, status: s, message: m });
  const hostKeyCodes = ['sshHostKeyUnknown', 'sshHostKeyRejected', 'sshHostKeyChanged', 'sshHostKeyRevoked', 'knownHostsAccessFailed'];
  if (error.code === 'sshCancelled') {
    set('reachable', 'skipped', message);
  } else if (hostKeyCodes.includes(error.code)) {
    set('reachable', 'ok', 'The machine answered on its SSH port.');
    set('hostKey', 'error', message);
    set('auth', 'skipped', 'Not tried: the host key is checked before logging in.');
  } else if (error.code === 'sshAuthFailed' || error.code === 'sshKeyPassphraseNeeded' || error.code === 'sshNoIdentity') {
    set('reachable', 'ok', 'The machine answered on its SSH port.');
    set('hostKey', 'ok', hostKeyText);
    set('auth', 'error', message);
  } else {
    const hint = reach !== undefined && (reach.reach === 'unreachable' || reach.reach === 'overlayOnly') ? ` The design agrees: ${reach.reason}` : '';
    set('reachable', 'error', `${message}${hint}`);
  }
  return machineCheckIds.map((id) => status[id] ?? { id, status: 'skipped', message: 'Not checked: the app could not log in to the machine.' });
}

/** Findings for a machine whose SSH target could not be worked out (a broken ~/.ssh/config, no key at all). */
function resolutionFindings(error: AppError, jumpName: string | null): CheckFinding[] {
  const message = `${jumpName === null ? '' : `For the jump host "${jumpName}": `}${describeError(error)}`;
  const isAuth = error.code === 'sshNoIdentity' || error.code === 'sshKeyPassphraseNeeded';
  return machineCheckIds.map((id): CheckFinding => {
    if (id === (isAuth ? 'auth' : 'reachable')) return { id, status: error.code === 'sshCancelled' ? 'skipped' : 'error', message };
    return { id, status: 'skipped', message: isAuth && id === 'reachable' ? 'Not tried: there is no way to log in yet.' : 'Not checked: the app could not work out how to log in to the machine.' };
  });
}

async function checkMachine(machine: Machine, design: Design, reach: DeployReach | undefined, options: CheckMachinesOptions): Promise<MachineCheckResult> {
  options.onMachineStart?.(machine.id);
  const report = (findings: CheckFinding[], target: string | null, via: string | null): MachineCheckResult => {
    for (const finding of findings) options.onProgress?.(machine.id, finding);
    const result: MachineCheckResult = { machineId: machine.id, name: machine.name, target, via, status: worstStatus(findings), findings };
    options.onMachineDone?.(result);
    return result;
  };
  if (!hasAddress(machine)) {
    const findings = machineCheckIds.map((id): CheckFinding =>
      id === 'reachable'
        ? { id, status: 'error', message: `"${machine.name}" has no SSH address in the design, so the app cannot check or deploy it. Enter its address, port and user in the machine's SSH settings.` }
        : { id, status: 'skipped', message: 'Not checked: no SSH address.' },
    );
    return report(findings, null, null);
  }
  // One time limit for working out the target, connecting and the script; the caller's signal cancels too. It stands
  // still while a person is asked something: a check that waits for an answer must not be reported unreachable.
  const timeoutMs = options.timeoutMs ?? 30_000;
  const controller = new AbortController();
  let timedOut = false;
  const stopTimeLimit = startTimeLimit(timeoutMs, options.isWaitingForPerson, () => {
    timedOut = true;
    controller.abort();
  });
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) controller.abort();
  let target: SshTarget;
  let via: string | null;
  let result: Result<ExecResult, AppError>;
  try {
    const resolved = await resolveMachineTarget(machine, design, reach, options, controller.signal);
    if (!resolved.ok) return report(resolutionFindings(resolved.error, resolved.jumpName), resolved.target, resolved.jumpName);
    target = resolved.target;
    via = resolved.via;
    result = await options.pool.exec(target, ['sh', '-c', CHECK_SCRIPT], { timeoutMs, signal: controller.signal });
  } finally {
    stopTimeLimit();
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (!result.ok) {
    const error =
      timedOut && result.error.code === 'sshCancelled'
        ? appError('sshHostUnreachable', { host: target.host, port: target.port ?? 22, ...(via === null ? {} : { via }), reason: 'timeout', timeoutMs })
        : result.error;
    return report(connectionFindings(error, reach, hostKeyMessage(options.pool, target)), describeTarget(target), via);
  }
  const now = Math.round((options.now ?? Date.now)() / 1000);
  const facts = parseCheckFacts(result.value.stdout);
  const findings: CheckFinding[] = [
    { id: 'reachable', status: 'ok', message: via === null ? 'The machine answered over SSH.' : `The machine answered over SSH through the jump host "${via}".` },
    { id: 'auth', status: 'ok', message: `Logged in as "${target.username}" with an SSH key.` },
    { id: 'hostKey', status: 'ok', message: hostKeyMessage(options.pool, target) },
    ...evaluateFacts(facts, machine, now),
  ];
  return report(findings, describeTarget(target), via);
}

/** Checks every managed machine of a design, in machine order; never throws for SSH failures. */
export async function checkMachines(design: Design, options: CheckMachinesOptions): Promise<MachineCheckResult[]> {
  if (options.resolveTarget === undefined && options.identityFor === undefined) throw new TypeError('checkMachines needs resolveTarget or identityFor.');
  const reach = computeDeployReach(design);
  const machines = recordValues(design.machines).filter((m) => m.managed);
  const results = new Array<MachineCheckResult>(machines.length);
  let next = 0;
  const worker = async () => {
    while (next < machines.length) {
      const index = next;
      next += 1;
      const machine = machines[index]!;
      results[index] = await checkMachine(machine, design, reach.get(machine.id), options);
    }
  };
  const concurrency = Math.max(1, Math.min(options.concurrency ?? 8, machines.length));
  await Promise.all(Array.from({ length: concurrency }, worker));
  return results;
}
