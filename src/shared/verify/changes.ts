import { matchPairs, type ChangesText } from '../runChanges';
import { listText } from '../text';
import type { CellStatus, VerifyMatrix } from './matrix';

// What changed between two verify runs of a design, pair by pair, so a run can be read against the one before: which
// pairs are reached now that were not, and which are no longer reached.

/** A pair's state in one run: its cell's status, or 'untested' (not in that run, or its machine could not be logged in to). */
export type PairState = CellStatus | 'untested';

/** One pair whose state differs between the two runs. */
export interface PairChange {
  from: string;
  to: string;
  fromName: string;
  toName: string;
  before: PairState;
  after: PairState;
}

const stateOf = (cell: VerifyMatrix['cells'][number] | undefined): PairState => (cell === undefined || cell.cause === 'sshUnreachable' ? 'untested' : cell.status);

/** The pairs of `current` (and of `previous`) whose state differs, in the current matrix's order, then the dropped ones. */
export function compareRuns(previous: VerifyMatrix, current: VerifyMatrix): PairChange[] {
  const changes: PairChange[] = [];
  for (const { before, after } of matchPairs(previous.cells, current.cells)) {
    const cell = (after ?? before)!;
    const was = stateOf(before);
    const now = stateOf(after);
    if (was !== now) changes.push({ from: cell.from, to: cell.to, fromName: cell.fromName, toName: cell.toName, before: was, after: now });
  }
  return changes;
}

const pairText = (c: PairChange) => `${c.fromName} → ${c.toName}`;

/** One sentence about the changes since the run before ("Since the run before: nas → pi is reached now; ..."). */
export function changesSentence(changes: readonly PairChange[]): string {
  if (changes.length === 0) return 'Since the run before, no pair changed.';
  const groups: [string, PairChange[]][] = [
    ['reached now', changes.filter((c) => c.after === 'reached')],
    ['no longer reached', changes.filter((c) => c.before === 'reached' && (c.after === 'notReached' || c.after === 'partly'))],
    ['not reached before, partly now', changes.filter((c) => c.before === 'notReached' && c.after === 'partly')],
    ['partly before, not reached now', changes.filter((c) => c.before === 'partly' && c.after === 'notReached')],
    ['not tested this time', changes.filter((c) => c.after === 'untested')],
    ['tested again, not reached', changes.filter((c) => c.before === 'untested' && (c.after === 'notReached' || c.after === 'partly'))],
  ];
  const parts = groups.filter(([, list]) => list.length > 0).map(([what, list]) => `${listText(list.slice(0, 5).map(pairText))}${list.length > 5 ? ` and ${list.length - 5} more` : ''} ${what}`);
  return `Since the run before: ${parts.join('; ')}.`;
}

/** The changes since the run before as the Verify tab and `clan-designer verify` say them: the sentence names every changed pair. */
export function verifyChangesText(changes: readonly PairChange[]): ChangesText {
  return { sentence: changesSentence(changes), lines: [] };
}
