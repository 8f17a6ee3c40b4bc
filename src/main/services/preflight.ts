import { appError, describeError, type AppError } from '../../shared/errors';
import { recordValues } from '../../shared/model/overlay';
import { computeDeployReach, type DeployReach } from '../../shared/model/reachability';
import type { Design, Machine, MachineId } from '../../shared/model/types';
import { evaluateFacts, parsePreflightFacts, PREFLIGHT_SCRIPT, preflightCheckIds, worstStatus, type MachinePreflight, type PreflightCheckId, type PreflightFinding, type PreflightStatus } from '../../shared/preflight';
import type { Result } from '../../shared/result';
import type { ExecOptions, ExecResult, SshTarget } from '../ssh/sshClient';

/**
 * Preflight over SSH (CLAN.md 4.6): for every managed machine, in parallel up to a limit, connect (through the
 * design's jump host when it has one), run one fixed script that prints every fact, and evaluate the facts.
 * Connection failures become the reachable / auth / hostKey findings, with the SSH error's own message.
 *
 * Host keys: the pool's HostKeyPolicy decides (strict refuses an unknown key; tofu calls the confirm callback the
 * caller gave the pool). How a machine is reached: computeDeployReach; 'jumpHost' goes through the jump machine's
 * own SSH target, every other kind is tried directly (the design may not know every way in).
 */

/** What preflight needs of SshClientPool. */
export interface PreflightPool {
  exec(target: SshTarget, argv: readonly string[], options?: ExecOptions): Promise<Result<ExecResult, AppError>>;
}

export interface PreflightOptions {
  pool: PreflightPool;
  /** The private key for a machine's SSH user (the CLI's --identity; the app's deploy key). */
  identityFor: (machine: Machine) => { privateKey: string | Buffer; passphrase?: string };
  /** Machines checked at once. Default 8. */
  concurrency?: number;
  /** Time limit per machine for connecting and running the script. Default 30 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Called for each finding as soon as it is known. */
  onProgress?: (machineId: MachineId, finding: PreflightFinding) => void;
  /** This computer's clock in milliseconds, for the clock skew check. Default Date.now. */
  now?: () => number;
}

export type { MachinePreflight } from '../../shared/preflight';
export { worstStatus } from '../../shared/preflight';

function hasAddress(machine: Machine): boolean {
  return machine.ssh !== null && machine.ssh.host.trim() !== '';
}

function targetOf(machine: Machine, options: PreflightOptions): SshTarget {
  const ssh = machine.ssh!;
  return { host: ssh.host, port: ssh.port, username: ssh.user === '' ? 'root' : ssh.user, ...options.identityFor(machine) };
}

function describeTarget(target: SshTarget): string {
  return `${target.username}@${target.host}${target.port === undefined || target.port === 22 ? '' : `:${target.port}`}`;
}

/** Findings for a connection that failed: what the error says, and every later check skipped. */
function connectionFindings(error: AppError, reach: DeployReach | undefined): PreflightFinding[] {
  const message = describeError(error);
  const status: Partial<Record<PreflightCheckId, PreflightFinding>> = {};
  const set = (id: PreflightCheckId, s: PreflightStatus, m: string) => (status[id] = { id, status: s, message: m });
  const hostKeyCodes = ['sshHostKeyUnknown', 'sshHostKeyRejected', 'sshHostKeyChanged', 'sshHostKeyRevoked', 'knownHostsAccessFailed'];
  if (error.code === 'sshCancelled') {
    set('reachable', 'skipped', message);
  } else if (hostKeyCodes.includes(error.code)) {
    set('reachable', 'ok', 'The machine answered on its SSH port.');
    set('hostKey', 'error', message);
    set('auth', 'skipped', 'Not tried: the host key is checked before logging in.');
  } else if (error.code === 'sshAuthFailed') {
    set('reachable', 'ok', 'The machine answered on its SSH port.');
    set('hostKey', 'ok', 'The host key matches known_hosts.');
    set('auth', 'error', message);
  } else {
    const hint = reach !== undefined && (reach.reach === 'unreachable' || reach.reach === 'overlayOnly') ? ` The design agrees: ${reach.reason}` : '';
    set('reachable', 'error', `${message}${hint}`);
  }
  return preflightCheckIds.map((id) => status[id] ?? { id, status: 'skipped', message: 'Not checked: the app could not log in to the machine.' });
}

async function checkMachine(machine: Machine, design: Design, reach: DeployReach | undefined, options: PreflightOptions): Promise<MachinePreflight> {
  const report = (findings: PreflightFinding[], target: string | null, via: string | null): MachinePreflight => {
    for (const finding of findings) options.onProgress?.(machine.id, finding);
    return { machineId: machine.id, name: machine.name, target, via, status: worstStatus(findings), findings };
  };
  if (!hasAddress(machine)) {
    const findings = preflightCheckIds.map((id): PreflightFinding =>
      id === 'reachable'
        ? { id, status: 'error', message: `"${machine.name}" has no SSH address in the design, so the app cannot check or deploy it. Enter its address, port and user in the machine's SSH settings.` }
        : { id, status: 'skipped', message: 'Not checked: no SSH address.' },
    );
    return report(findings, null, null);
  }
  let target = targetOf(machine, options);
  let via: string | null = null;
  const jump = reach?.reach === 'jumpHost' && reach.via !== null ? design.machines[reach.via] : undefined;
  if (jump !== undefined && hasAddress(jump)) {
    target = { ...target, jump: targetOf(jump, options) };
    via = jump.name;
  }

  // One time limit for connect plus script; the caller's signal cancels too.
  const timeoutMs = options.timeoutMs ?? 30_000;
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, timeoutMs);
  const onAbort = () => controller.abort();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  if (options.signal?.aborted === true) controller.abort();
  let result: Result<ExecResult, AppError>;
  try {
    result = await options.pool.exec(target, ['sh', '-c', PREFLIGHT_SCRIPT], { timeoutMs, signal: controller.signal });
  } finally {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onAbort);
  }
  if (!result.ok) {
    const error =
      timedOut && result.error.code === 'sshCancelled'
        ? appError('sshHostUnreachable', { host: target.host, port: target.port ?? 22, ...(via === null ? {} : { via }), reason: 'timeout', timeoutMs })
        : result.error;
    return report(connectionFindings(error, reach), describeTarget(target), via);
  }
  const now = Math.round((options.now ?? Date.now)() / 1000);
  const facts = parsePreflightFacts(result.value.stdout);
  const findings: PreflightFinding[] = [
    { id: 'reachable', status: 'ok', message: via === null ? 'The machine answered over SSH.' : `The machine answered over SSH through the jump host "${via}".` },
    { id: 'auth', status: 'ok', message: `Logged in as "${target.username}" with the SSH key.` },
    { id: 'hostKey', status: 'ok', message: 'The host key matches known_hosts.' },
    ...evaluateFacts(facts, machine, now),
  ];
  return report(findings, describeTarget(target), via);
}

/** Runs preflight on every managed machine of a design, in machine order; never throws for SSH failures. */
export async function runPreflight(design: Design, options: PreflightOptions): Promise<MachinePreflight[]> {
  const reach = computeDeployReach(design);
  const machines = recordValues(design.machines).filter((m) => m.managed);
  const results = new Array<MachinePreflight>(machines.length);
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
