import { z } from 'zod';

// What changed since the run before, for the kinds of run kept as a history beside the design (verify, "Measure my
// network"): each report keeps the run it was read against (its id, when it started) and the pairs that differ,
// each kind with its own idea of a change. Pairs are matched across the two runs by their two machines.

/** The run a report was compared with, and what changed since, one entry per pair. */
export interface PreviousRun<C> {
  runId: string;
  startedAt: number;
  changes: C[];
}

/** The schema of a report's `previous`: absent (reports kept before runs were compared) or null when there was no run before. */
export function previousRunSchema<C extends z.ZodType>(runId: z.ZodType<string>, change: C) {
  return z.object({ runId, startedAt: z.number(), changes: z.array(change).max(20_000) }).nullable().optional();
}

/** What changed since the run before, as a person reads it: one sentence, then a line per pair where the kind has more to say. */
export interface ChangesText {
  sentence: string;
  lines: string[];
}

/** One pair as two runs saw it: `before` is undefined when only this run has it, `after` when only the run before did. */
export interface MatchedPair<T> {
  before: T | undefined;
  after: T | undefined;
}

/** The pairs of two runs matched by their machines: this run's in its order, then those only the run before has. */
export function matchPairs<T extends { from: string; to: string }>(previous: readonly T[], current: readonly T[]): MatchedPair<T>[] {
  const key = (p: T) => `${p.from}\u0000${p.to}`;
  const before = new Map(previous.map((p) => [key(p), p]));
  const seen = new Set(current.map(key));
  return [...current.map((p) => ({ before: before.get(key(p)), after: p })), ...previous.filter((p) => !seen.has(key(p))).map((p) => ({ before: p, after: undefined }))];
}
