import type { DeployMachineStatus } from '../../../shared/deploy/report';
import type { JobOutcome } from '../../../shared/ipc/jobs';
import type { DeployWay } from '../../../shared/deploy/plan';

/** Where a machine is in a deploy: its result, or where it is while the deploy runs. */
export type DeployRowStatus = DeployMachineStatus | 'pending' | 'running';

/** The symbol and words of each status; the words are what screen readers get and what the summary says. */
export const deployStatusView: Record<DeployRowStatus, { symbol: string; text: string; plural: string }> = {
  deployed: { symbol: '✓', text: 'Deployed', plural: 'deployed' },
  failed: { symbol: '✕', text: 'Failed', plural: 'failed' },
  rolledBack: { symbol: '↺', text: 'Rolled back', plural: 'rolled back' },
  skipped: { symbol: '–', text: 'Skipped', plural: 'skipped' },
  cancelled: { symbol: '⊘', text: 'Cancelled', plural: 'cancelled' },
  unknown: { symbol: '?', text: 'Unknown', plural: 'unknown' },
  pending: { symbol: '·', text: 'Waiting', plural: 'waiting' },
  running: { symbol: '◌', text: 'Deploying', plural: 'deploying' },
};

/** The order the summary lists machines in: what needs the person's attention first. */
export const summaryOrder: readonly DeployMachineStatus[] = ['failed', 'rolledBack', 'unknown', 'cancelled', 'skipped', 'deployed'];

/** How a deploy ended, in words. */
export const outcomeText: Record<JobOutcome, string> = {
  finished: 'finished',
  cancelled: 'was cancelled',
  failed: 'stopped on an error in the app',
  timedOut: 'ran out of time',
};

/** The two ways of deploying, as the plan names them. */
export const wayTitle: Record<DeployWay, string> = {
  clanCli: 'With the clan CLI on this computer',
  onMachine: 'On each machine over SSH (no Nix needed here)',
};

/** Counts as words: "3 deployed, 1 failed"; statuses with none are left out. */
export function countsText(counts: Partial<Record<DeployMachineStatus, number>>): string {
  const parts = summaryOrder
    .slice()
    .sort((a, b) => (a === 'deployed' ? -1 : b === 'deployed' ? 1 : 0))
    .filter((s) => (counts[s] ?? 0) > 0)
    .map((s) => `${counts[s]} ${deployStatusView[s].plural}`);
  return parts.length === 0 ? 'no machines' : parts.join(', ');
}

/** A duration in words: "45 s", "3 min", "1 h 5 min". */
export function durationText(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

/** Dates and times as the Deploy area shows them. */
export { dateTimeFormat } from '../dates';
