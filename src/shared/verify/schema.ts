import { z } from 'zod';
import { jobOutcomes } from '../ipc/jobs';
import { previousRunSchema } from '../runChanges';
import { machineIdSchema } from '../schema/design';
import { vpnIds } from '../vpn/ids';
import type { VerifyMatrix } from './matrix';

// The wire and file shapes of a verify run (issue 15): the matrix (matrix.ts, mirrored field by field and checked
// against its TypeScript type below), what the run found on each machine (sent as each machine finishes), and the
// report kept beside the design as `<stem>.verifies/<runId>/verify.json`.

const pingProblems = ['pingMissing', 'permission', 'unreachable', 'badOptions', 'timeout', 'noResult', 'refused'] as const;
const observedPaths = ['direct', 'relayed', 'unknown'] as const;
const overlayPaths = ['lan', 'direct', 'holePunched', 'relayed', 'unreachable'] as const;

/** How a pair ended: every ping answered, some, or none. */
export const cellStatuses = ['reached', 'partly', 'notReached'] as const;
/** Why a pair was not reached (matrix.ts CellCause); sshUnreachable is about the app's way in, not the overlay. */
export const cellCauses = ['sshUnreachable', 'notConfigured', 'daemonNotRunning', 'noAddress', 'notProbed', 'probeFailed', 'unreachable', 'noReply', 'someLost'] as const;
/** Why a pair is tested. */
export const pairReasons = ['all', 'anchor', 'random'] as const;
/** The overlay states discovery tells apart (discovery.ts OverlayState). */
export const overlayStates = ['running', 'notRunning', 'notConfigured', 'noAddress', 'unreadable'] as const;

/** One ping target's result (probe.ts PingResult). */
export const pingResultSchema = z.object({
  address: z.string(),
  sent: z.number(),
  received: z.number(),
  lossPercent: z.number(),
  rttMinMs: z.number().nullable(),
  rttAvgMs: z.number().nullable(),
  rttMaxMs: z.number().nullable(),
  problem: z.enum(pingProblems).nullable(),
  detail: z.string(),
  tcp: z.object({ port: z.number(), state: z.enum(['open', 'closed', 'ncMissing']) }).nullable(),
});

/** The path of a pair: as the VPN reports it and as the design predicts it. */
export const pairPathSchema = z.object({
  observed: z.enum(observedPaths),
  predicted: z.enum(overlayPaths).nullable(),
  shown: z.union([z.enum(overlayPaths), z.literal('unknown')]),
  via: z.string().nullable(),
  matchesPrediction: z.boolean().nullable(),
  detail: z.string(),
  predictedReason: z.string().nullable(),
});

/** One tested pair. */
export const matrixCellSchema = z.object({
  from: machineIdSchema,
  to: machineIdSchema,
  fromName: z.string(),
  toName: z.string(),
  why: z.enum(pairReasons),
  address: z.string().nullable(),
  status: z.enum(cellStatuses),
  cause: z.enum(cellCauses).nullable(),
  reason: z.string(),
  ping: pingResultSchema.nullable(),
  path: pairPathSchema,
});

/** One machine's line in the matrix. */
export const machineSummarySchema = z.object({
  id: machineIdSchema,
  name: z.string(),
  ssh: z.string().nullable(),
  overlay: z.string(),
  addresses: z.array(z.string()),
  notes: z.array(z.string()),
});

/** The matrix's counts. */
export const matrixCountsSchema = z.object({
  pairs: z.number(),
  reached: z.number(),
  partly: z.number(),
  notReached: z.number(),
  sshUntested: z.number(),
  direct: z.number(),
  relayed: z.number(),
  unknownPath: z.number(),
  mismatches: z.number(),
});

/** The whole reachability matrix (matrix.ts VerifyMatrix). */
export const verifyMatrixSchema = z.object({
  vpn: z.enum(vpnIds).nullable(),
  sampled: z.boolean(),
  planDescription: z.string(),
  machines: z.array(machineSummarySchema),
  cells: z.array(matrixCellSchema),
  counts: matrixCountsSchema,
  summary: z.string(),
});

/** True when two types are the same (not only assignable either way). */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;
// Fails to compile when the schema and matrix.ts drift apart.
const schemaMatchesMatrix: Same<z.infer<typeof verifyMatrixSchema>, VerifyMatrix> = true;
void schemaMatchesMatrix;

/**
 * What a verify run found on one machine, sent as the machine's `machineDone`. `ssh`: why the app could not log in
 * (a sentence), or null when it could. `state`: the overlay state discovery found, or null when it was not read.
 * `addresses`: its overlay addresses (found, or configured when the VPN assigns them ahead). `message`: one sentence.
 */
export const verifyMachineResultSchema = z.object({
  machineId: z.string(),
  name: z.string(),
  ssh: z.string().nullable(),
  state: z.enum(overlayStates).nullable(),
  addresses: z.array(z.string()),
  message: z.string().max(4000),
});
export type VerifyMachineResult = z.infer<typeof verifyMachineResultSchema>;

/** A verify run's id: the history entry's folder name. */
export const verifyRunIdSchema = z.string().regex(/^[0-9a-z-]{1,80}$/);

/** A pair's state in one run, as a change keeps it (shared/verify/changes.ts PairState). */
const pairStateSchema = z.enum(['reached', 'partly', 'notReached', 'untested']);

/** The report of one verify run, kept as `<stem>.verifies/<runId>/verify.json`. */
export const verifyReportSchema = z.object({
  kind: z.literal('clan-designer-verify'),
  version: z.literal(1),
  runId: verifyRunIdSchema,
  startedAt: z.number(),
  finishedAt: z.number(),
  outcome: z.enum(jobOutcomes),
  vpn: z.enum(vpnIds).nullable(),
  /** The matrix; null when the run ended before it could be built (cancelled, failed). */
  matrix: verifyMatrixSchema.nullable(),
  /** The TCP port tried after the pings, or null for none. */
  tcpPort: z.number().int().nullable(),
  /** Pings per address. */
  count: z.number().int(),
  /** The run before with a matrix, and the pairs whose state changed since (shared/verify/changes.ts); absent or null when there was none. */
  previous: previousRunSchema(verifyRunIdSchema, z.object({ from: z.string(), to: z.string(), fromName: z.string(), toName: z.string(), before: pairStateSchema, after: pairStateSchema })),
});
export type VerifyReport = z.infer<typeof verifyReportSchema>;

/** The counts a history entry shows. */
export const verifyHistoryCountsSchema = z.object({ pairs: z.number(), reached: z.number(), partly: z.number(), notReached: z.number(), sshUntested: z.number() });

/** One entry of a design's verify history, as listed. */
export const verifyHistoryEntrySchema = z.object({
  runId: z.string(),
  startedAt: z.number(),
  finishedAt: z.number(),
  outcome: z.enum(jobOutcomes),
  /** The matrix's summary sentence, or what happened when there is no matrix. */
  summary: z.string(),
  counts: verifyHistoryCountsSchema,
});
export type VerifyHistoryEntry = z.infer<typeof verifyHistoryEntrySchema>;
