import { z } from 'zod';
import { profileIds } from '../schema/comparisonIds';
import { noVpnId, vpnIds, type VpnId } from '../vpn/ids';

// The benchmark dataset the VPN chooser reads: our own compact schema for the measurements of the vpn-bench
// project (resources/bench/vpn-bench.json, written by `npm run data:import`). It holds numbers and short failure
// categories only; never logs, addresses or paths. One cell is one series (a VPN or the no-VPN reference) under
// one impairment profile for one workload, with a value per machine pair.

/** The `format` marker of a dataset file. */
export const BENCH_FORMAT = 'clan-designer-vpn-bench';

/** The dataset format version this build reads and writes. */
export const BENCH_FORMAT_VERSION = 1;

/** Every series of the benchmark: the no-VPN reference first, then the ten VPNs. */
export const seriesIds = [noVpnId, ...vpnIds] as const;

/** One series: a VPN, or `none` for the bare network. */
export type SeriesId = VpnId | typeof noVpnId;

// The four network profiles, from a clean link to a bad one. Design files store these ids too, so they are defined
// with the design format's ids and the dataset format uses them.
export { profileIds, type ProfileId } from '../schema/comparisonIds';

/** The workloads, in display order; the last two are measured once per deployment (baseline only). */
export const workloadIds = [
  'tcp',
  'parallelTcp',
  'udp',
  'pingRtt',
  'pingLoss',
  'quic',
  'video',
  'nixCache',
  'connectAfterDeploy',
  'connectAfterReboot',
] as const;

/** One workload. */
export type WorkloadId = (typeof workloadIds)[number];

/** Secondary numbers recorded next to a workload's main value (see the workload's `metrics`). */
export const metricIds = [
  'reverseMbps',
  'retransmits',
  'loadedRttMs',
  'offeredMbps',
  'overloadDropPercent',
  'jitterMs',
  'hostCpuPercent',
  'worstRttMs',
  'ttfbMs',
  'cpuPercent',
  'ristRttMs',
  'receivedKbps',
  'publicWaitSeconds',
] as const;

/** One secondary metric. */
export type MetricId = (typeof metricIds)[number];

/**
 * Why a pair has no value. Derived from the raw error entries, whose text is never kept:
 * timeout: the harness stopped the command at its time limit (`limitSeconds`);
 * connectFailed: the test client could not open a connection to its server through the VPN;
 * controlLost: the test tool lost its own control connection mid-test (iperf3 under the UDP flood);
 * transferFailed: a download started but broke off (truncated data, connection timeouts);
 * clientError: the client failed on its own machine (a local file error), not on the network;
 * noResult: the tool ended without a result the harness could read, and the cause was not recorded;
 * noReplies: every ping went unanswered, so there is no round-trip time;
 * neverConnected: the connection check never reached a peer;
 * missing: the result file is absent from the source data;
 * other: an error the importer does not recognise (it warns when it writes one).
 */
export const failureCategoryIds = [
  'timeout',
  'connectFailed',
  'controlLost',
  'transferFailed',
  'clientError',
  'noResult',
  'noReplies',
  'neverConnected',
  'missing',
  'other',
] as const;

/** One failure category. */
export type FailureCategory = (typeof failureCategoryIds)[number];

/** Interpretation traps of the source data, each attached to the cells it affects (explanations in the dataset). */
export const flagIds = [
  'partialPairs',
  'incompleteAggregate',
  'stalledPair',
  'highImpairmentNoise',
  'wholeRunLost',
  'lossMasked',
  'bimodalLatency',
  'possiblyRelayed',
  'brokenVideoStream',
  'bufferedRistRtt',
  'udpHarnessFailure',
  'fragmentedDatagrams',
  'mostlyNetworkWait',
  'laterRerun',
] as const;

/** One flag. */
export type FlagId = (typeof flagIds)[number];

/** The two benchmark runs: the main one with ten VPNs, and the TCP-tuned one with Headscale and no VPN. */
export const runIds = ['main', 'optimized'] as const;

/** One benchmark run. */
export type RunId = (typeof runIds)[number];

/** Units used by workloads and metrics. */
export const unitIds = ['Mbit/s', 'kbit/s', 'ms', 's', '%', 'score', 'count'] as const;

/** Whether a bigger or a smaller number is the better one. */
export const directionSchema = z.enum(['higherIsBetter', 'lowerIsBetter']);

/** A machine-pair label such as `lom→yuki` (client → server), or `lom→yuki,luna` for a check of both peers. */
const pairLabelSchema = z.string().regex(/^[a-z][a-z0-9-]*→[a-z][a-z0-9-]*(,[a-z][a-z0-9-]*)*$/, 'not a machine-pair label');

/** A calendar day, YYYY-MM-DD (UTC). */
const daySchema = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'not a YYYY-MM-DD date');

/** One machine pair's measurement in a cell. */
export const pairResultSchema = z
  .strictObject({
    pair: pairLabelSchema,
    /** The workload's main value, or null when the pair failed. */
    value: z.number().nullable(),
    failure: z.enum(failureCategoryIds).optional(),
    /** The harness time limit, for a timeout. */
    limitSeconds: z.number().positive().optional(),
    /** How many attempts the harness made, when it had to retry (absent: the first attempt counted). */
    attempts: z.number().int().min(2).optional(),
    /** Secondary metrics of this pair, when it succeeded. */
    metrics: z.partialRecord(z.enum(metricIds), z.number()).optional(),
  })
  .refine((p) => (p.value === null) === (p.failure !== undefined), { message: 'a pair has either a value or a failure' })
  .refine((p) => p.limitSeconds === undefined || p.failure === 'timeout', { message: 'limitSeconds belongs to a timeout' });

/** One cell: a series under one profile for one workload, in one run. */
export const cellSchema = z.strictObject({
  vpn: z.enum(seriesIds),
  profile: z.enum(profileIds),
  workload: z.enum(workloadIds),
  pairs: z.array(pairResultSchema).min(1),
  okPairs: z.number().int().min(0),
  totalPairs: z.number().int().min(1),
  /** Over the pairs that succeeded; null when none did. */
  mean: z.number().nullable(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  /** Sum over the pairs, for workloads aggregated by sum; null unless every pair succeeded. */
  sum: z.number().nullable().optional(),
  /** How many pairs failed, by category. */
  failures: z.partialRecord(z.enum(failureCategoryIds), z.number().int().positive()),
  flags: z.array(z.enum(flagIds)),
});

/** The effective end-to-end impairment of a profile (each machine applies half of delay, jitter, loss and reordering). */
export const impairmentSchema = z.strictObject({
  latencyMs: z.number().min(0),
  jitterMs: z.number().min(0),
  lossPercent: z.number().min(0).max(100),
  reorderPercent: z.number().min(0).max(100),
  reorderCorrelationPercent: z.number().min(0).max(100),
  /** Bandwidth cap; null: none. */
  bandwidthMbit: z.number().positive().nullable(),
});

/** A network profile and its impairment settings (null for the unimpaired baseline). */
export const profileSchema = z.strictObject({
  id: z.enum(profileIds),
  label: z.string().min(1),
  description: z.string().min(1),
  impairment: impairmentSchema.nullable(),
});

/** A secondary metric's definition. */
export const metricSchema = z.strictObject({
  id: z.enum(metricIds),
  label: z.string().min(1),
  unit: z.enum(unitIds),
  direction: directionSchema,
  description: z.string().min(1),
  /** A warning that must be shown whenever the number is. */
  caveat: z.string().min(1).optional(),
});

/** A workload's definition. */
export const workloadSchema = z.strictObject({
  id: z.enum(workloadIds),
  label: z.string().min(1),
  unit: z.enum(unitIds),
  direction: directionSchema,
  description: z.string().min(1),
  caveat: z.string().min(1).optional(),
  /** How the headline figure combines pairs: their mean, or their sum (only when every pair succeeded). */
  aggregate: z.enum(['mean', 'sum']),
  /** Measured once per deployment, so only in the baseline profile. */
  baselineOnly: z.boolean(),
  metrics: z.array(metricSchema),
});

/** A failure category's plain-language meaning. */
export const failureCategorySchema = z.strictObject({
  id: z.enum(failureCategoryIds),
  label: z.string().min(1),
  explanation: z.string().min(1),
});

/** A flag's plain-language explanation. */
export const flagSchema = z.strictObject({
  id: z.enum(flagIds),
  title: z.string().min(1),
  explanation: z.string().min(1),
});

/** Facts about a series that hold in every profile. */
export const seriesInfoSchema = z.strictObject({
  id: z.enum(seriesIds),
  addressFamily: z.enum(['ipv4', 'ipv6']),
  /** TCP maximum segment size inside the tunnel, in bytes (the tunnel MTU minus headers). */
  tunnelMssBytes: z.number().int().positive().nullable(),
});

/** One test machine. */
export const machineSchema = z.strictObject({
  name: z.string().regex(/^[a-z][a-z0-9-]*$/),
  cpu: z.strictObject({
    architecture: z.string().min(1),
    vendor: z.string().min(1),
    model: z.number().int(),
    cores: z.number().int().positive(),
    threads: z.number().int().positive(),
    cacheKiB: z.number().int().positive(),
    features: z.array(z.string().min(1)),
  }),
  memoryGiB: z.number().positive(),
  nics: z.array(z.strictObject({ vendorId: z.string().min(1), deviceId: z.string().min(1), driver: z.string().min(1) })),
});

/** Where the numbers come from. */
export const provenanceSchema = z.strictObject({
  thesis: z.string().min(1),
  repository: z.string().min(1),
  repositoryUrl: z.url(),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  commitDate: daySchema,
  sourcePath: z.string().min(1),
  license: z.string().min(1),
  hardware: z.strictObject({
    machines: z.array(machineSchema).min(1),
    kernel: z.string().min(1),
    iperfVersion: z.string().min(1),
    congestionControl: z.string().min(1),
    /** The machine pairs each workload ran on, client → server. */
    pairs: z.array(pairLabelSchema).min(1),
  }),
  /** How to read the profile settings (end to end versus per machine). */
  impairmentNote: z.string().min(1),
  /** What the no-VPN reference is (and is not). */
  referenceNote: z.string().min(1),
});

/** One benchmark run with its cells. */
export const runSchema = z.strictObject({
  id: z.enum(runIds),
  label: z.string().min(1),
  description: z.string().min(1),
  /** The folder of the source data it was imported from. */
  sourceFolder: z.string().min(1),
  collectedFrom: daySchema,
  collectedTo: daySchema,
  /** Kernel settings changed for this run (sysctl name → value); null: stock settings. */
  tuning: z.record(z.string(), z.number()).nullable(),
  series: z.array(z.enum(seriesIds)).min(1),
  profiles: z.array(z.enum(profileIds)).min(1),
  cells: z.array(cellSchema),
});

/** The whole dataset file. */
export const benchDatasetSchema = z.strictObject({
  format: z.literal(BENCH_FORMAT),
  formatVersion: z.literal(BENCH_FORMAT_VERSION),
  provenance: provenanceSchema,
  profiles: z.array(profileSchema),
  workloads: z.array(workloadSchema),
  failureCategories: z.array(failureCategorySchema),
  flags: z.array(flagSchema),
  series: z.array(seriesInfoSchema),
  runs: z.array(runSchema),
});

/** The benchmark dataset. */
export type BenchDataset = z.infer<typeof benchDatasetSchema>;
/** One run of the dataset. */
export type BenchRun = z.infer<typeof runSchema>;
/** One cell: series × profile × workload in a run. */
export type BenchCell = z.infer<typeof cellSchema>;
/** One machine pair's measurement. */
export type PairResult = z.infer<typeof pairResultSchema>;
/** Mean, min and max over the pairs that succeeded. */
export interface Spread {
  mean: number;
  min: number;
  max: number;
}
/** A workload's definition. */
export type Workload = z.infer<typeof workloadSchema>;
/** A secondary metric's definition. */
export type Metric = z.infer<typeof metricSchema>;
/** A profile's definition. */
export type Profile = z.infer<typeof profileSchema>;
/** The impairment settings of a profile. */
export type Impairment = z.infer<typeof impairmentSchema>;
/** A flag's definition. */
export type Flag = z.infer<typeof flagSchema>;
/** A failure category's definition. */
export type FailureCategoryInfo = z.infer<typeof failureCategorySchema>;
/** Facts about one series. */
export type SeriesInfo = z.infer<typeof seriesInfoSchema>;
/** Where the numbers come from. */
export type Provenance = z.infer<typeof provenanceSchema>;
/** A unit of a workload or metric. */
export type Unit = (typeof unitIds)[number];
/** higherIsBetter or lowerIsBetter. */
export type Direction = z.infer<typeof directionSchema>;
