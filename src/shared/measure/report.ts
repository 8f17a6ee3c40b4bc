import { z } from 'zod';
import { leaderboardWorkloadIds } from '../schema/comparisonIds';
import { flagIds, profileIds, seriesIds, unitIds } from '../bench/schema';
import { jobOutcomes, type JobOutcome } from '../ipc/jobs';
import { machineIdSchema } from '../schema/design';
import { previousRunSchema } from '../runChanges';
import { plural } from '../text';
import { vpnIds } from '../vpn/ids';
import type { ComparedWorkload, LinkComparison } from './compare';
import { linkMeasurementSchema } from './schema';

// The wire and file shapes of a "Measure my network" run (issue 15): each measured pair as it finishes (the job's
// `machineDone`, one "machine" per pair), with its LinkMeasurement and its comparison with the benchmark (compare.ts,
// mirrored field by field and checked against its TypeScript type below), and the report kept beside the design as
// `<stem>.measures/<runId>/measure.json`. The comparison is kept as it was made, with the names the machines had
// then, so a past run reads the same later and runs compare with each other.

const factorSources = ['measured', 'failed', 'inconclusive'] as const;
// compare.ts's comparedWorkloads, repeated so the contract does not load the comparison (it brings the advisor);
// the type checks below fail when the two lists differ.
const comparedWorkloadIds = ['tcp', 'pingRtt', 'pingLoss'] as const satisfies readonly ComparedWorkload[];
const cellFlagIds = [...flagIds, 'fewPairs', 'noValue'] as const;

/** A leaderboard cell (bench/leaderboard.ts LeaderboardCell), as a comparison row carries it. */
export const leaderboardCellSchema = z.object({
  workload: z.enum(leaderboardWorkloadIds),
  value: z.number().nullable(),
  spread: z.object({ min: z.number(), max: z.number() }).nullable(),
  okPairs: z.number().int().min(0),
  totalPairs: z.number().int().min(0),
  factor: z.number().nullable(),
  source: z.enum(factorSources).nullable(),
  isBest: z.boolean(),
  colorPosition: z.number().nullable(),
  color: z.string().max(64).nullable(),
  flags: z.array(z.object({ id: z.enum(cellFlagIds), title: z.string().max(500), explanation: z.string().max(4000) })).max(32).readonly(),
});

const dimensionMatchSchema = z.object({
  dimension: z.enum(['loss', 'delay']),
  measured: z.number(),
  nearest: z.enum(profileIds),
  profileValue: z.number(),
  beyond: z.boolean(),
});

/** The profile a link was compared with, and why (compare.ts ProfileMatch). */
export const profileMatchSchema = z.object({
  profile: z.enum(profileIds),
  source: z.enum(['measured', 'design']),
  dimensions: z.array(dimensionMatchSchema).max(2).readonly(),
  decidedBy: z.enum(['loss', 'delay']).nullable(),
  beyond: z.boolean(),
  reason: z.string().max(4000),
});

/** One row of a comparison (compare.ts ComparisonRow). */
export const comparisonRowSchema = z.object({
  workload: z.enum(comparedWorkloadIds),
  direction: z.enum(['forward', 'reverse']).nullable(),
  label: z.string().max(500),
  unit: z.enum(unitIds),
  directionLabel: z.string().max(100),
  benchmark: leaderboardCellSchema.nullable(),
  benchmarkText: z.string().max(100).nullable(),
  spreadText: z.string().max(100).nullable(),
  factorText: z.string().max(100).nullable(),
  yours: z.number().nullable(),
  yoursText: z.string().max(100).nullable(),
  yourFactor: z.number().nullable(),
  verdict: z.enum(['better', 'similar', 'worse']).nullable(),
  sentence: z.string().max(4000),
  caveats: z.array(z.string().max(4000)).max(32).readonly(),
});

/** A measured link compared with the benchmark (compare.ts LinkComparison; its lists read-only, as compare.ts returns them). */
export const linkComparisonSchema = z.object({
  from: machineIdSchema,
  to: machineIdSchema,
  fromName: z.string().max(200),
  toName: z.string().max(200),
  vpn: z.enum(seriesIds),
  vpnName: z.string().max(100),
  profile: profileMatchSchema,
  rows: z.array(comparisonRowSchema).max(8).readonly(),
  summary: z.string().max(4000),
  caveats: z.array(z.string().max(4000)).max(16).readonly(),
});

/** Makes every property and array of a type read-only, as compare.ts declares its results. */
type DeepReadonly<T> = T extends readonly (infer U)[] ? readonly DeepReadonly<U>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;
/** True when A can stand where B is expected. */
type Fits<A, B> = [A] extends [B] ? true : false;
// Fails to compile when the schema and compare.ts drift apart: what the schema reads is a LinkComparison, and every
// LinkComparison is what the schema describes (read-only, as compare.ts returns it).
const schemaFitsComparison: Fits<z.infer<typeof linkComparisonSchema>, LinkComparison> = true;
const comparisonFitsSchema: Fits<LinkComparison, DeepReadonly<z.infer<typeof linkComparisonSchema>>> = true;
void schemaFitsComparison;
void comparisonFitsSchema;

/** Where the target's overlay address came from. */
export const measureAddressSources = [
  /** The last verify run, recent enough (it pinged the machine there and got an answer). */
  'verify',
  /** Asked the machine's VPN, as verify does (discovery). */
  'discovery',
  /** The address the generated configuration gives the machine (inventory.json or a Clan public var). */
  'configuration',
] as const;

/** One measured pair: what the job reports when the pair is done, and what the report keeps. */
export const measuredPairSchema = z.object({
  /** The pair as the job's "machine": `<from>><to>` (machine ids). */
  pairId: z.string().max(200),
  from: machineIdSchema,
  to: machineIdSchema,
  fromName: z.string().max(200),
  toName: z.string().max(200),
  /** The overlay address of `to` the traffic went to; null when none was found. */
  address: z.string().max(64).nullable(),
  addressSource: z.enum(measureAddressSources).nullable(),
  /** The figures; null when nothing was measured (no login, no address, cancelled). */
  link: linkMeasurementSchema.nullable(),
  /** The figures next to the benchmark's; null without figures. */
  comparison: linkComparisonSchema.nullable(),
  /** What went wrong, one sentence each (what happened, why, what to do); empty when nothing did. */
  problems: z.array(z.string().max(4000)).max(16),
  /** The pair in one sentence: the comparison's summary, or the first problem. */
  message: z.string().max(4000),
});
export type MeasuredPair = z.infer<typeof measuredPairSchema>;

/** A measure run's id: the history entry's folder name (as verify's and deploy's). */
export const measureRunIdSchema = z.string().regex(/^[0-9a-z-]{1,80}$/);

/** The figures of a pair that one run is compared with another by (LinkMeasurement's); null where not measured. */
export const linkFiguresSchema = z.object({
  forwardMbps: z.number().nullable(),
  reverseMbps: z.number().nullable(),
  rttAvgMs: z.number().nullable(),
  lossPercent: z.number().nullable(),
});
export type LinkFigures = z.infer<typeof linkFiguresSchema>;

/** A pair with figures in this run, the run before, or both (changes.ts): its figures then and now, null in the run that has none. */
export const measureChangeSchema = z.object({
  from: machineIdSchema,
  to: machineIdSchema,
  fromName: z.string().max(200),
  toName: z.string().max(200),
  before: linkFiguresSchema.nullable(),
  after: linkFiguresSchema.nullable(),
});
export type MeasureChange = z.infer<typeof measureChangeSchema>;

/** The report of one measure run, kept as `<stem>.measures/<runId>/measure.json`. */
export const measureReportSchema = z.object({
  kind: z.literal('clan-designer-measure'),
  version: z.literal(1),
  runId: measureRunIdSchema,
  startedAt: z.number(),
  finishedAt: z.number(),
  outcome: z.enum(jobOutcomes),
  vpn: z.enum(vpnIds).nullable(),
  /** The TCP port of the one-off iperf3 server. */
  port: z.number().int(),
  /** Seconds of each throughput test. */
  seconds: z.number().int(),
  /** Pings per pair, and the seconds between them. */
  pings: z.object({ count: z.number().int(), intervalSeconds: z.number() }),
  /** Every pair asked for, in the order measured; pairs the run did not get to have no link. */
  pairs: z.array(measuredPairSchema).max(64),
  /** The run in one sentence. */
  summary: z.string().max(4000),
  /** The run before with figures, and each pair's figures then and now (changes.ts); absent or null when there was none. */
  previous: previousRunSchema(measureRunIdSchema, measureChangeSchema),
});
export type MeasureReport = z.infer<typeof measureReportSchema>;

/** One entry of a design's measure history, as listed. */
export const measureHistoryEntrySchema = z.object({
  runId: z.string(),
  startedAt: z.number(),
  finishedAt: z.number(),
  outcome: z.enum(jobOutcomes),
  summary: z.string(),
  /** Pairs asked for, and how many of them got figures. */
  counts: z.object({ pairs: z.number(), measured: z.number() }),
});
export type MeasureHistoryEntry = z.infer<typeof measureHistoryEntrySchema>;

/** Whether a pair got any figure (throughput or a ping reply). */
export function hasFigures(pair: Pick<MeasuredPair, 'link'>): boolean {
  const link = pair.link;
  return link !== null && (link.forwardMbps !== null || link.reverseMbps !== null || link.rttAvgMs !== null);
}

/**
 * A run in one sentence, for the history and the status bar: how many links got figures, then the sentence of the
 * slowest one (what a person most wants to know), or the first problem when none did, and how the run ended.
 */
export function describeMeasureRun(pairs: readonly MeasuredPair[], outcome: JobOutcome): string {
  const ended = outcome === 'cancelled' ? ' The run was cancelled.' : outcome === 'timedOut' ? ' The run reached its time limit.' : outcome === 'failed' ? ' The run stopped on an error in the app; its log says where.' : '';
  const measured = pairs.filter(hasFigures);
  if (measured.length === 0) {
    const problem = pairs.find((p) => p.problems.length > 0)?.problems[0];
    return `No link was measured.${problem === undefined ? '' : ` ${problem}`}${ended}`;
  }
  const slowestRate = (p: MeasuredPair) => Math.min(p.link?.forwardMbps ?? Infinity, p.link?.reverseMbps ?? Infinity);
  const slowest = measured.reduce((a, b) => (slowestRate(b) < slowestRate(a) ? b : a));
  return `${measured.length} of ${pairs.length} ${plural(pairs.length, 'link', 'links')} measured. ${slowest.message}${ended}`;
}
