import type { MachineCheckResult } from '../check';
import { planMachines, type DeployPlanMachine, type DeployWaves } from './deployWaves';
import type { Design } from './types';
import { quote } from '../text';

/*
 * Whether "Check machines" confirmed the way in that the deploy plan predicts for each machine. The plan is worked
 * out from the design alone; the check really connects, so it can agree, disagree or find a way the design does not
 * know (a ProxyJump in the person's ~/.ssh/config). This is only about the way in: whether the machine is ready for
 * a deploy (NixOS, disk, sudo…) is the check status beside it, and the full messages are in the check results.
 *
 * States:
 *   unchecked: no result, the check was cancelled before it got there, or it could not try (no SSH address in the
 *              design, no key to log in with);
 *   confirmed: it answered the way the plan predicts (directly, or through the predicted jump host), and logged in;
 *   answered:  it answered the predicted way, but the login or the host key failed. The way in is confirmed (what
 *              this line is about), the login is a separate problem to fix, so it is not a failure of the way in;
 *   different: it answered, but not the way the plan predicts (another jump host, or directly instead of through one);
 *   better:    the plan expects no way in yet (only over the VPN, or none) and it answered anyway;
 *   failed:    it did not answer (or the design has no SSH address for it). For a machine the plan expects only
 *              over the VPN or not at all that is the expected outcome, and the text says so.
 */

export type ReachState = 'unchecked' | 'confirmed' | 'answered' | 'different' | 'better' | 'failed';

/** The outcome for one machine, with a short sentence for a non-expert. */
export interface ReachConfirmation {
  state: ReachState;
  text: string;
}

/** Plan kinds with no way in before the VPN is up. */
function expectsNoWayIn(machine: DeployPlanMachine): boolean {
  return machine.reach.reach === 'overlayOnly' || machine.reach.reach === 'unreachable';
}

/**
 * The short reason inside an unreachable-host message ("Couldn't reach machine “x” (through jump host “y”): there
 * was no answer within 30 seconds. Check that…"; errors.ts, sshHostUnreachable). Other failures have no reason
 * short enough for one line; the check results show their full message.
 */
function shortReason(message: string): string | undefined {
  return /^Couldn't reach (?:the machine|machine “[^”]*”)(?: \(through jump host “[^”]*”\))?: ([^.]+)\./.exec(message)?.[1];
}

/** What got in the way after the machine answered, as a clause; undefined when the login went through. */
function loginProblem(result: MachineCheckResult): string | undefined {
  const statusOf = (id: 'auth' | 'hostKey') => result.findings.find((f) => f.id === id)?.status;
  if (statusOf('hostKey') === 'error') return 'its host key was not accepted';
  if (statusOf('auth') === 'error') return 'the login failed';
  return undefined;
}

/**
 * How one machine of the deploy plan fared in the last check. `design` gives the name of the jump host the plan
 * predicts (the check reports the jump host it used by name).
 */
export function confirmReach(machine: DeployPlanMachine, result: MachineCheckResult | undefined, design: Pick<Design, 'machines'>): ReachConfirmation {
  if (result === undefined) return { state: 'unchecked', text: 'Not checked yet' };
  const reachable = result.findings.find((f) => f.id === 'reachable');
  if (reachable === undefined) return { state: 'unchecked', text: 'Not checked yet' };

  // The only result without a target is a machine with no SSH address in the design.
  if (result.target === null) return { state: 'unchecked', text: 'Not tried: the design has no SSH address for it' };
  if (reachable.status === 'skipped') {
    // The SSH half skips 'reachable' in two cases: cancelled, or no key to offer (then 'auth' holds the error).
    const noKey = result.findings.some((f) => f.id === 'auth' && f.status === 'error');
    return { state: 'unchecked', text: noKey ? 'Not tried: no SSH key could be used to log in' : 'Not checked (the check was cancelled)' };
  }

  if (reachable.status === 'error') {
    if (expectsNoWayIn(machine)) return { state: 'failed', text: 'Did not answer over SSH, as the design expects' };
    const through = result.via === null ? '' : ` through ${quote(result.via)}`;
    const reason = shortReason(reachable.message);
    if (reason === undefined) return { state: 'failed', text: `Could not connect over SSH${through} (the check results say why)` };
    return { state: 'failed', text: `Did not answer over SSH${through}: ${reason}` };
  }

  // It answered (a warning here would still be an answer).
  const problem = loginProblem(result);
  const actual = result.via === null ? 'directly' : `through ${quote(result.via)}`;
  if (expectsNoWayIn(machine)) {
    const expected = machine.reach.reach === 'overlayOnly' ? 'the design expects it only over the VPN' : 'the design knows no way in';
    return { state: 'better', text: `Answered over SSH now${result.via === null ? '' : ` ${actual}`}, although ${expected}${problem === undefined ? '' : `; ${problem}`}` };
  }
  const jumpId = machine.reach.reach === 'jumpHost' ? machine.reach.via : null;
  const predicted = jumpId === null ? null : (design.machines[jumpId]?.name ?? null);
  // A jump host whose name is unknown cannot be compared; any jump host then counts as the predicted one.
  const matches = jumpId === null ? result.via === null : result.via !== null && (predicted === null || result.via === predicted);
  if (!matches) {
    const expected = predicted === null ? (jumpId === null ? 'directly' : 'through a jump host') : `through ${quote(predicted)}`;
    return { state: 'different', text: `Answered ${actual}, not ${expected} as the design expects${problem === undefined ? '' : `; ${problem}`}` };
  }
  if (problem !== undefined) return { state: 'answered', text: `Answered ${actual}, but ${problem}` };
  return { state: 'confirmed', text: `Check confirmed: answered ${actual}` };
}

/** Counts per state over the plan's machines, and a one-line summary. */
export interface ReachSummary {
  counts: Record<ReachState, number>;
  /** Machines counted as failed that the plan expects no way in to yet (so their failure confirms the plan). */
  failedAsExpected: number;
  /** Managed machines in the plan. */
  total: number;
  text: string;
}

function machines(n: number): string {
  return `${n} machine${n === 1 ? '' : 's'}`;
}

/**
 * Sums up the check against the plan: "The check confirmed the way in to 5 of 6 machines; 1 did not answer." The
 * count that leads is the machines the check tried (not the cancelled or untried ones, which come last).
 */
export function summarizeReach(plan: DeployWaves, results: readonly MachineCheckResult[], design: Pick<Design, 'machines'>): ReachSummary {
  const byId = new Map(results.map((r) => [r.machineId, r]));
  const counts: Record<ReachState, number> = { unchecked: 0, confirmed: 0, answered: 0, different: 0, better: 0, failed: 0 };
  let failedAsExpected = 0;
  const all = planMachines(plan);
  for (const machine of all) {
    const { state } = confirmReach(machine, byId.get(machine.id), design);
    counts[state] += 1;
    if (state === 'failed' && expectsNoWayIn(machine)) failedAsExpected += 1;
  }
  const tried = all.length - counts.unchecked;
  if (tried === 0) {
    return { counts, failedAsExpected, total: all.length, text: all.length === 0 ? 'There are no machines to check.' : 'The check did not get to try any machine.' };
  }
  const reached = counts.confirmed + counts.answered;
  const login = counts.answered === 0 ? '' : ` (but could not log in to ${counts.answered} of them)`;
  const parts = [`The check confirmed the way in to ${reached} of ${machines(tried)}${login}`];
  if (counts.different > 0) parts.push(`${counts.different} answered another way than the design expects`);
  if (counts.better > 0) parts.push(`${counts.better} answered even though the design expects no way in yet`);
  const surprising = counts.failed - failedAsExpected;
  if (surprising > 0) parts.push(`${surprising} did not answer`);
  if (failedAsExpected > 0) parts.push(`${failedAsExpected} did not answer, as the design expects`);
  if (counts.unchecked > 0) parts.push(`${counts.unchecked} ${counts.unchecked === 1 ? 'was' : 'were'} not checked`);
  return { counts, failedAsExpected, total: all.length, text: `${parts.join('; ')}.` };
}
