import { mkdir, readdir, readFile } from 'node:fs/promises';
import { dirname, join, relative, resolve } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { failureCategoryDefinitions, flagDefinitions, profileTexts, workloadDefinitions } from '../../src/shared/bench/definitions';
import { loadDataset } from '../../src/shared/bench/load';
import {
  BENCH_FORMAT,
  BENCH_FORMAT_VERSION,
  profileIds,
  seriesIds,
  type BenchCell,
  type BenchDataset,
  type BenchRun,
  type FailureCategory,
  type FlagId,
  type Impairment,
  type MetricId,
  type PairResult,
  type Profile,
  type ProfileId,
  type Provenance,
  type RunId,
  type SeriesId,
  type SeriesInfo,
  type Spread,
  type WorkloadId,
} from '../../src/shared/bench/schema';
import { errnoOf } from '../../src/main/errno';

// `npm run data:import`: turns the vpn-bench reference data (../shared/vpn-bench-data, see its SOURCE.md and
// SCHEMA.md) into resources/bench/vpn-bench.json. Only numbers and short failure categories leave the raw files:
// stdout, stderr, command lines, service logs, addresses and paths are read to classify an error and then dropped.
// The output is deterministic (fixed order, fixed rounding, fixed layout), so re-running on the same data gives
// the same bytes.

/** The source folder relative to the repository root, as the project layout puts it. */
export const DEFAULT_SOURCE = '../shared/vpn-bench-data';

/** Where the dataset is written, relative to the repository root. */
export const DATASET_PATH = 'resources/bench/vpn-bench.json';

/** Numbers keep this many significant digits (integers stay exact). */
const SIGNIFICANT_DIGITS = 4;

/** Lines of the output file stay within this width where the JSON allows it. */
const LINE_WIDTH = 120;

const THESIS = 'Decrypting the Overlay: A Reproducible Analysis of P2P VPN Implementation and Overhead';

/** The series folders of the source data. */
const seriesFolders: Readonly<Record<SeriesId, string>> = {
  none: 'Internal',
  easytier: 'Easytier',
  headscale: 'Headscale',
  hyprspace: 'Hyprspace',
  mycelium: 'Mycelium',
  nebula: 'Nebula',
  tinc: 'Tinc',
  vpncloud: 'VpnCloud',
  wireguard: 'Wireguard',
  yggdrasil: 'Yggdrasil',
  zerotier: 'Zerotier',
};

const profileFolders: Readonly<Record<ProfileId, string>> = {
  baseline: 'baseline',
  low: 'low_impairment',
  medium: 'medium_impairment',
  high: 'high_impairment',
};

interface RunSpec {
  id: RunId;
  folder: string;
  label: string;
  description: string;
  tuning: Record<string, number> | null;
}

const runSpecs: readonly RunSpec[] = [
  {
    id: 'main',
    folder: '18.12.2025',
    label: 'Main run',
    description: 'Ten VPNs and the bare network on three dedicated servers, every workload repeated under four network profiles.',
    tuning: null,
  },
  {
    id: 'optimized',
    folder: '26.02.2026-optimized',
    label: 'TCP-tuned run',
    description:
      'A later repeat for Tailscale + Headscale and the bare network with kernel TCP tuning that tolerates reordering (higher reordering threshold, RACK and tail-loss probes off, larger socket buffers). Only TCP, UDP, video and connection tests; no high-impairment profile.',
    tuning: {
      'net.ipv4.tcp_reordering': 10,
      'net.ipv4.tcp_recovery': 0,
      'net.ipv4.tcp_early_retrans': 0,
      'net.ipv4.tcp_sack': 1,
      'net.ipv4.tcp_dsack': 1,
    },
  },
];

/** Machine-level workloads and the raw file each reads. */
const machineFiles: Readonly<Partial<Record<WorkloadId, string>>> = {
  tcp: 'tcp_iperf3.json',
  udp: 'udp_iperf3.json',
  pingRtt: 'ping.json',
  pingLoss: 'ping.json',
  quic: 'qperf.json',
  video: 'rist_stream.json',
  nixCache: 'nix_cache.json',
  connectAfterDeploy: 'connection_timings.json',
  connectAfterReboot: 'reboot_connection_timings.json',
};

const PARALLEL_FILE = 'parallel_tcp_iperf3.json';

// ---------------------------------------------------------------------------------------------------------------
// Reading untyped JSON

type Json = unknown;

function at(value: Json, ...path: (string | number)[]): Json {
  let current = value;
  for (const key of path) {
    if (typeof current !== 'object' || current === null) return undefined;
    current = (current as Record<string | number, unknown>)[key];
  }
  return current;
}

function numberAt(value: Json, ...path: (string | number)[]): number | undefined {
  const found = at(value, ...path);
  return typeof found === 'number' && Number.isFinite(found) ? found : undefined;
}

function stringAt(value: Json, ...path: (string | number)[]): string | undefined {
  const found = at(value, ...path);
  return typeof found === 'string' ? found : undefined;
}

/** A number the data must have; a missing one means the source format changed, which must not pass silently. */
function requireNumber(file: string, value: Json, ...path: (string | number)[]): number {
  const found = numberAt(value, ...path);
  if (found === undefined) throw new Error(`${file}: expected a number at ${path.join('.')}`);
  return found;
}

async function readJson(file: string): Promise<Json | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return undefined;
    throw error;
  }
  try {
    return JSON.parse(text) as Json;
  } catch {
    throw new Error(`${file}: not valid JSON`);
  }
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    const entries = await readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name);
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return [];
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Numbers

/** Rounds to the dataset's precision: integers unchanged, other numbers to four significant digits. */
export function roundValue(x: number): number {
  if (Number.isInteger(x)) return x === 0 ? 0 : x;
  const rounded = Number(x.toPrecision(SIGNIFICANT_DIGITS));
  return rounded === 0 ? 0 : rounded;
}

function spreadOf(values: readonly number[]): Spread | null {
  if (values.length === 0) return null;
  return {
    mean: roundValue(values.reduce((a, b) => a + b, 0) / values.length),
    min: roundValue(Math.min(...values)),
    max: roundValue(Math.max(...values)),
  };
}

/** Seconds from a Python timedelta string "H:MM:SS.ffffff". */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+):(\d{2}):(\d{2}(?:\.\d+)?)$/.exec(text);
  if (match === null) return undefined;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

const dayOf = (epochSeconds: number) => new Date(epochSeconds * 1000).toISOString().slice(0, 10);

// ---------------------------------------------------------------------------------------------------------------
// Failure categories

/** What a raw error is about, as one of our categories; the text it was derived from is discarded by the caller. */
export interface Classified {
  category: FailureCategory;
  limitSeconds?: number;
}

/** Classifies a raw error entry (an error object of a result wrapper, or a parallel pair's error string). */
export function classifyError(errorType: unknown, error: unknown): Classified {
  const parts: string[] = [];
  if (typeof error === 'string') parts.push(error);
  else if (typeof error === 'object' && error !== null) {
    for (const key of ['msg', 'description', 'stdout', 'stderr']) {
      const part = (error as Record<string, unknown>)[key];
      if (typeof part === 'string') parts.push(part);
    }
  }
  const text = parts.join('\n');
  // The harness's own time limit wins: a command it killed may also have logged the retries that led there.
  const limit = /Command timed out after (\d+) seconds/.exec(text);
  if (limit !== null) return { category: 'timeout', limitSeconds: Number(limit[1]) };
  if (/unable to connect to server/.test(text)) return { category: 'connectFailed' };
  if (/unable to (read from stream socket|receive results|send control message)|Failed to read JSON data size/.test(text)) {
    return { category: 'controlLost' };
  }
  if (/Truncated zstd input|unable to download|Timeout was reached/.test(text)) return { category: 'transferFailed' };
  if (/error: opening file/.test(text)) return { category: 'clientError' };
  if (errorType === 'ClanError' && /Unexpected general Exception|list index out of range/.test(text)) return { category: 'noResult' };
  return { category: 'other' };
}

// ---------------------------------------------------------------------------------------------------------------
// Per-pair extraction

/** Facts about a pair that only matter for flags; never written out. */
type PairMark = 'wholeRunLost' | 'videoStarved';

interface RawPair {
  pair: string;
  value: number | null;
  failure?: FailureCategory;
  limitSeconds?: number;
  attempts?: number;
  metrics?: Partial<Record<MetricId, number>>;
  marks: PairMark[];
  /** Day the measurement started, where the file records it. */
  day?: string;
}

type Extracted = Pick<RawPair, 'value' | 'metrics'> & { marks?: PairMark[]; failure?: FailureCategory };

interface Context {
  warnings: string[];
  sourceDir: string;
  /** Days of every timestamp seen per run: workload tests and connection checks separately. */
  testDays: Map<RunId, string[]>;
  checkDays: Map<RunId, string[]>;
  /** Every tunnel MSS seen per series in the main run's TCP tests. */
  tunnelMss: Map<SeriesId, number[]>;
  system: { kernel: Set<string>; iperf: Set<string>; congestion: Set<string> };
}

function noteIperf(ctx: Context, run: RunId, vpn: SeriesId, data: Json): void {
  const seconds = numberAt(data, 'start', 'timestamp', 'timesecs');
  if (seconds !== undefined) ctx.testDays.get(run)?.push(dayOf(seconds));
  if (run === 'main' && stringAt(data, 'start', 'test_start', 'protocol') === 'TCP') {
    const mss = numberAt(data, 'start', 'tcp_mss_default');
    if (mss !== undefined) ctx.tunnelMss.set(vpn, [...(ctx.tunnelMss.get(vpn) ?? []), mss]);
  }
  const kernel = /^Linux \S+ (\S+)/.exec(stringAt(data, 'start', 'system_info') ?? '');
  if (kernel?.[1] !== undefined) ctx.system.kernel.add(kernel[1]);
  const version = /^iperf (\S+)$/.exec(stringAt(data, 'start', 'version') ?? '');
  if (version?.[1] !== undefined) ctx.system.iperf.add(version[1]);
  const congestion = stringAt(data, 'end', 'sender_tcp_congestion');
  if (congestion !== undefined) ctx.system.congestion.add(congestion);
}

/** The sending side's stream of the forward direction in a bidirectional iperf3 result. */
function forwardStream(data: Json): Json {
  const streams = at(data, 'end', 'streams');
  return Array.isArray(streams) ? streams.find((s) => at(s, 'sender', 'sender') === true) : undefined;
}

function extractTcp(file: string, data: Json): Extracted {
  const loadedRttUs = numberAt(forwardStream(data), 'sender', 'mean_rtt');
  return {
    value: requireNumber(file, data, 'end', 'sum_sent', 'bits_per_second') / 1e6,
    metrics: {
      reverseMbps: requireNumber(file, data, 'end', 'sum_sent_bidir_reverse', 'bits_per_second') / 1e6,
      retransmits: requireNumber(file, data, 'end', 'sum_sent', 'retransmits'),
      ...(loadedRttUs === undefined ? {} : { loadedRttMs: loadedRttUs / 1000 }),
    },
  };
}

function extractUdp(file: string, data: Json): Extracted {
  return {
    value: requireNumber(file, data, 'end', 'sum_received', 'bits_per_second') / 1e6,
    metrics: {
      offeredMbps: requireNumber(file, data, 'end', 'sum_sent', 'bits_per_second') / 1e6,
      overloadDropPercent: requireNumber(file, data, 'end', 'sum_received', 'lost_percent'),
      jitterMs: requireNumber(file, data, 'end', 'sum_received', 'jitter_ms'),
      hostCpuPercent: requireNumber(file, data, 'end', 'cpu_utilization_percent', 'host_total'),
    },
  };
}

function extractPing(file: string, data: Json, workload: 'pingRtt' | 'pingLoss'): Extracted {
  const lossMax = requireNumber(file, data, 'packet_loss_percent', 'max');
  const marks: PairMark[] = lossMax >= 100 ? ['wholeRunLost'] : [];
  if (workload === 'pingLoss') return { value: requireNumber(file, data, 'packet_loss_percent', 'average'), marks };
  // A run without replies is left out of the RTT statistics; with no replies at all there is no RTT.
  const rtt = numberAt(data, 'rtt_avg_ms', 'average');
  if (rtt === undefined) return { value: null, failure: 'noReplies', marks };
  return {
    value: rtt,
    metrics: { jitterMs: requireNumber(file, data, 'rtt_mdev_ms', 'average'), worstRttMs: requireNumber(file, data, 'rtt_max_ms', 'max') },
    marks,
  };
}

function extractQuic(file: string, data: Json): Extracted {
  return {
    value: requireNumber(file, data, 'total_bandwidth_mbps', 'average'),
    metrics: { ttfbMs: requireNumber(file, data, 'ttfb_ms', 'average'), cpuPercent: requireNumber(file, data, 'cpu_usage_percent', 'average') },
  };
}

/** A stream where less than this share of the encoded bitrate arrived is essentially broken. */
const STARVED_VIDEO_SHARE = 0.1;

function extractVideo(file: string, data: Json): Extracted {
  const receivedKbps = requireNumber(file, data, 'network', 'bitrate_bps', 'average') / 1000;
  const sentKbps = requireNumber(file, data, 'encoding', 'bitrate_kbps', 'average');
  return {
    value: requireNumber(file, data, 'network', 'quality', 'average'),
    metrics: { ristRttMs: requireNumber(file, data, 'network', 'rtt_ms', 'average'), receivedKbps },
    marks: receivedKbps < STARVED_VIDEO_SHARE * sentKbps ? ['videoStarved'] : [],
  };
}

function extractNix(file: string, data: Json): Extracted {
  return { value: requireNumber(file, data, 'results', 0, 'mean') };
}

/** Connection checks: the slower of the two peers through the VPN, and the wait for their public addresses. */
function extractConnect(file: string, raw: Json): Extracted & { day?: string } {
  const vpnResults = Object.values((at(raw, 'vpn_results') ?? {}) as Record<string, Json>);
  const publicResults = Object.values((at(raw, 'public_results') ?? {}) as Record<string, Json>);
  const started = stringAt(raw, 'started');
  const day = started === undefined ? undefined : started.slice(0, 10);
  if (vpnResults.length === 0 || vpnResults.some((r) => stringAt(r, 'status') !== 'success')) {
    return { value: null, failure: 'neverConnected', day };
  }
  const seconds = (results: Json[]) =>
    Math.max(
      ...results.map((r) => {
        const parsed = parseDuration(stringAt(r, 'time_took') ?? '');
        if (parsed === undefined) throw new Error(`${file}: unreadable time_took`);
        return parsed;
      }),
    );
  return { value: seconds(vpnResults), metrics: publicResults.length > 0 ? { publicWaitSeconds: seconds(publicResults) } : {}, day };
}

/** One machine file as a pair result, or undefined when the file is absent. */
async function readMachinePair(ctx: Context, run: RunId, vpn: SeriesId, workload: WorkloadId, file: string, pair: string, expected: [string, string]): Promise<RawPair | undefined> {
  const raw = await readJson(file);
  if (raw === undefined) return undefined;
  const where = relative(ctx.sourceDir, file);
  if (workload === 'connectAfterDeploy' || workload === 'connectAfterReboot') {
    const { day, ...extracted } = extractConnect(where, raw);
    if (day !== undefined) ctx.checkDays.get(run)?.push(day);
    return { pair, marks: [], ...extracted, ...(day === undefined ? {} : { day }) };
  }
  const source = stringAt(raw, 'meta', 'source');
  const target = stringAt(raw, 'meta', 'target');
  if ((source !== undefined && source !== expected[0]) || (target !== undefined && target !== expected[1])) {
    throw new Error(`${where}: measured ${source}→${target}, expected ${expected.join('→')}`);
  }
  const attempts = numberAt(raw, 'meta', 'test_attempts');
  const retry = attempts !== undefined && attempts > 1 ? { attempts } : {};
  if (stringAt(raw, 'status') !== 'success') {
    const classified = classifyError(at(raw, 'error_type'), at(raw, 'error'));
    if (classified.category === 'other') ctx.warnings.push(`${where}: unrecognised error (${String(at(raw, 'error_type'))}), recorded as "other"`);
    return { pair, value: null, failure: classified.category, ...(classified.limitSeconds === undefined ? {} : { limitSeconds: classified.limitSeconds }), ...retry, marks: [] };
  }
  const data = at(raw, 'data');
  if (workload === 'tcp' || workload === 'udp') noteIperf(ctx, run, vpn, data);
  const extracted: Extracted =
    workload === 'tcp'
      ? extractTcp(where, data)
      : workload === 'udp'
        ? extractUdp(where, data)
        : workload === 'pingRtt' || workload === 'pingLoss'
          ? extractPing(where, data, workload)
          : workload === 'quic'
            ? extractQuic(where, data)
            : workload === 'video'
              ? extractVideo(where, data)
              : extractNix(where, data);
  return { pair, ...retry, ...extracted, marks: extracted.marks ?? [] };
}

/** The parallel TCP file: one pair result per ring pair, in ring order. */
async function readParallelPairs(ctx: Context, run: RunId, vpn: SeriesId, file: string, ring: readonly [string, string][]): Promise<RawPair[] | undefined> {
  const raw = await readJson(file);
  if (raw === undefined) return undefined;
  const where = relative(ctx.sourceDir, file);
  const attempts = numberAt(raw, 'meta', 'test_attempts');
  const retry = attempts !== undefined && attempts > 1 ? { attempts } : {};
  const label = ([s, t]: [string, string]) => `${s}→${t}`;
  if (stringAt(raw, 'status') !== 'success') {
    const classified = classifyError(at(raw, 'error_type'), at(raw, 'error'));
    if (classified.category === 'other') ctx.warnings.push(`${where}: unrecognised error, recorded as "other"`);
    return ring.map((p) => ({ pair: label(p), value: null, failure: classified.category, ...(classified.limitSeconds === undefined ? {} : { limitSeconds: classified.limitSeconds }), ...retry, marks: [] }));
  }
  const entries = at(raw, 'data', 'pairs');
  if (!Array.isArray(entries)) throw new Error(`${where}: expected data.pairs`);
  return ring.map((p): RawPair => {
    const entry: Json = entries.find((e) => stringAt(e, 'source') === p[0] && stringAt(e, 'target') === p[1]);
    if (entry === undefined) return { pair: label(p), value: null, failure: 'missing', marks: [] };
    const result = at(entry, 'result');
    if (result === undefined) {
      const classified = classifyError(at(entry, 'error_type'), at(entry, 'error'));
      if (classified.category === 'other') ctx.warnings.push(`${where} ${label(p)}: unrecognised error, recorded as "other"`);
      return { pair: label(p), value: null, failure: classified.category, ...(classified.limitSeconds === undefined ? {} : { limitSeconds: classified.limitSeconds }), ...retry, marks: [] };
    }
    noteIperf(ctx, run, vpn, result);
    return { pair: label(p), value: requireNumber(where, result, 'end', 'sum_sent', 'bits_per_second') / 1e6, ...retry, marks: [] };
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Cells and flags

interface RawCell {
  run: RunId;
  vpn: SeriesId;
  profile: ProfileId;
  workload: WorkloadId;
  pairs: RawPair[];
}

/** A pair slower than this (Mbit/s) is a stalled connection rather than a slow one. */
const STALLED_MBPS = 0.1;
/** A RIST round trip above this (ms) is queueing and resending, not the path. */
const BUFFERED_RIST_MS = 500;
/** Ping pairs differ "bimodally" when the slowest is this many times the fastest and this many ms slower. */
const BIMODAL_RATIO = 2;
const BIMODAL_GAP_MS = 10;
/** Largest UDP payload that fits one 1500-byte IPv4 packet; bigger datagrams are fragmented on the wire. */
const MAX_UNFRAGMENTED_UDP = 1472;
/** Connect times are "mostly network wait" above this share of public-network wait, and at least this long. */
const NETWORK_WAIT_SHARE = 0.5;
const NETWORK_WAIT_MIN_SECONDS = 10;

interface FlagContext {
  /** VPNs that lost no pings on some pair where the network certainly dropped some (medium or high profile). */
  lossMaskingSeries: Set<SeriesId>;
  tunnelMss: Map<SeriesId, number>;
  /** The last day of each run's workload tests. */
  lastTestDay: Map<RunId, string>;
}

function flagsOf(cell: RawCell, fc: FlagContext): FlagId[] {
  const ok = cell.pairs.filter((p) => p.value !== null);
  const values = ok.map((p) => p.value as number);
  const { workload, profile, vpn } = cell;
  const flags = new Set<FlagId>();
  if (ok.length > 0 && ok.length < cell.pairs.length) flags.add('partialPairs');
  if (workload === 'parallelTcp' && ok.length < cell.pairs.length) flags.add('incompleteAggregate');
  if ((workload === 'tcp' || workload === 'parallelTcp') && values.some((v) => v < STALLED_MBPS)) flags.add('stalledPair');
  if (workload === 'tcp' && profile === 'high') flags.add('highImpairmentNoise');
  if ((workload === 'pingRtt' || workload === 'pingLoss') && cell.pairs.some((p) => p.marks.includes('wholeRunLost'))) flags.add('wholeRunLost');
  if (workload === 'pingLoss' && profile !== 'baseline' && fc.lossMaskingSeries.has(vpn)) flags.add('lossMasked');
  if (workload === 'pingRtt' && values.length >= 2) {
    const [low, high] = [Math.min(...values), Math.max(...values)];
    if (high >= BIMODAL_RATIO * low && high - low >= BIMODAL_GAP_MS) flags.add('bimodalLatency');
  }
  if (vpn === 'mycelium') flags.add('possiblyRelayed');
  if (workload === 'video' && ok.length > 0 && ok.every((p) => p.marks.includes('videoStarved'))) flags.add('brokenVideoStream');
  if (workload === 'video' && ok.some((p) => (p.metrics?.ristRttMs ?? 0) > BUFFERED_RIST_MS)) flags.add('bufferedRistRtt');
  if (workload === 'udp' && ok.length < cell.pairs.length) flags.add('udpHarnessFailure');
  if (workload === 'udp' && (fc.tunnelMss.get(vpn) ?? 0) > MAX_UNFRAGMENTED_UDP) flags.add('fragmentedDatagrams');
  if ((workload === 'connectAfterDeploy' || workload === 'connectAfterReboot') && vpn !== 'none' && ok.length > 0) {
    const mean = values.reduce((a, b) => a + b, 0) / values.length;
    const waits = ok.map((p) => p.metrics?.publicWaitSeconds ?? 0);
    const wait = waits.reduce((a, b) => a + b, 0) / waits.length;
    if (wait > NETWORK_WAIT_SHARE * mean && mean >= NETWORK_WAIT_MIN_SECONDS) flags.add('mostlyNetworkWait');
  }
  const lastTestDay = fc.lastTestDay.get(cell.run);
  if (lastTestDay !== undefined && cell.pairs.some((p) => p.day !== undefined && p.day > lastTestDay)) flags.add('laterRerun');
  // Schema order, so the output does not depend on the order of the rules above.
  return flagDefinitions.map((f) => f.id).filter((id) => flags.has(id));
}

function finishPair(p: RawPair): PairResult {
  const metrics = p.metrics === undefined ? undefined : roundMetrics(p.metrics);
  return {
    pair: p.pair,
    value: p.value === null ? null : roundValue(p.value),
    ...(p.failure === undefined ? {} : { failure: p.failure }),
    ...(p.limitSeconds === undefined ? {} : { limitSeconds: p.limitSeconds }),
    ...(p.attempts === undefined ? {} : { attempts: p.attempts }),
    ...(p.value === null || metrics === undefined || Object.keys(metrics).length === 0 ? {} : { metrics }),
  };
}

const metricOrder = new Map(workloadDefinitions.flatMap((w) => w.metrics.map((m) => m.id)).map((id, i) => [id, i]));

function sortedMetricIds(ids: Iterable<MetricId>): MetricId[] {
  return [...new Set(ids)].sort((a, b) => (metricOrder.get(a) ?? 0) - (metricOrder.get(b) ?? 0));
}

function roundMetrics(metrics: Partial<Record<MetricId, number>>): Partial<Record<MetricId, number>> {
  const out: Partial<Record<MetricId, number>> = {};
  for (const id of sortedMetricIds(Object.keys(metrics) as MetricId[])) {
    const v = metrics[id];
    if (v !== undefined) out[id] = roundValue(v);
  }
  return out;
}

function finishCell(cell: RawCell, fc: FlagContext): BenchCell {
  const ok = cell.pairs.filter((p) => p.value !== null);
  const values = ok.map((p) => p.value as number);
  const spread = spreadOf(values);
  const failures: Partial<Record<FailureCategory, number>> = {};
  for (const category of failureCategoryDefinitions.map((c) => c.id)) {
    const count = cell.pairs.filter((p) => p.failure === category).length;
    if (count > 0) failures[category] = count;
  }
  const aggregate = workloadDefinitions.find((w) => w.id === cell.workload)?.aggregate;
  return {
    vpn: cell.vpn,
    profile: cell.profile,
    workload: cell.workload,
    pairs: cell.pairs.map(finishPair),
    okPairs: ok.length,
    totalPairs: cell.pairs.length,
    mean: spread?.mean ?? null,
    min: spread?.min ?? null,
    max: spread?.max ?? null,
    ...(aggregate === 'sum' ? { sum: ok.length === cell.pairs.length ? roundValue(values.reduce((a, b) => a + b, 0)) : null } : {}),
    failures,
    flags: flagsOf(cell, fc),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Run-level reading

interface RunRead {
  spec: RunSpec;
  series: SeriesId[];
  profiles: ProfileId[];
  cells: RawCell[];
}

/** Machine folders such as 0_lom, in index order; the ring pairs each machine with the next one. */
async function readRing(runDir: string, series: readonly SeriesId[]): Promise<string[]> {
  const found = new Map<number, string>();
  for (const vpn of series) {
    for (const profile of profileIds) {
      for (const dir of await listDirs(join(runDir, seriesFolders[vpn], profileFolders[profile]))) {
        const match = /^(\d+)_([a-z][a-z0-9-]*)$/.exec(dir);
        if (match?.[1] === undefined || match[2] === undefined) continue;
        const known = found.get(Number(match[1]));
        if (known !== undefined && known !== match[2]) throw new Error(`${runDir}: machine index ${match[1]} is both ${known} and ${match[2]}`);
        found.set(Number(match[1]), match[2]);
      }
    }
  }
  return [...found.entries()].sort((a, b) => a[0] - b[0]).map(([, name]) => name);
}

async function readRun(ctx: Context, spec: RunSpec): Promise<RunRead> {
  const runDir = join(ctx.sourceDir, spec.folder);
  const folders = await listDirs(runDir);
  if (folders.length === 0) throw new Error(`${runDir}: run folder missing or empty`);
  const known = new Set<string>([...Object.values(seriesFolders), 'General']);
  for (const folder of folders) if (!known.has(folder)) ctx.warnings.push(`${spec.folder}/${folder}: unknown series folder, skipped`);
  const series = seriesIds.filter((id) => folders.includes(seriesFolders[id]));
  const ring = await readRing(runDir, series);
  if (ring.length < 2) throw new Error(`${runDir}: found fewer than two machine folders`);
  const pairs = ring.map((m, i): [string, string] => [m, ring[(i + 1) % ring.length] as string]);
  const profilesPresent = new Set<ProfileId>();
  const cells: RawCell[] = [];
  for (const vpn of series) {
    for (const profile of profileIds) {
      const profileDir = join(runDir, seriesFolders[vpn], profileFolders[profile]);
      if ((await listDirs(profileDir)).length === 0) continue;
      profilesPresent.add(profile);
      for (const definition of workloadDefinitions) {
        const workload = definition.id;
        // Connection checks run once per deployment; a later re-run in another profile is not a profile result.
        if (definition.baselineOnly && profile !== 'baseline') continue;
        let found: RawPair[] | undefined;
        if (workload === 'parallelTcp') {
          found = await readParallelPairs(ctx, spec.id, vpn, join(profileDir, PARALLEL_FILE), pairs);
        } else {
          const fileName = machineFiles[workload];
          if (fileName === undefined) throw new Error(`no raw file for workload ${workload}`);
          const read = await Promise.all(
            pairs.map(([source, target], i) =>
              readMachinePair(ctx, spec.id, vpn, workload, join(profileDir, `${i}_${source}`, fileName), `${source}→${target}`, [source, target]),
            ),
          );
          if (read.some((p) => p !== undefined)) {
            found = read.map((p, i) => {
              if (p !== undefined) return p;
              const [source, target] = pairs[i] as [string, string];
              return { pair: `${source}→${target}`, value: null, failure: 'missing', marks: [] };
            });
          }
        }
        if (found === undefined) continue;
        // Connection checks test both peers from one machine, so their label names both.
        if (definition.baselineOnly) {
          found = found.map((p, i) => ({ ...p, pair: `${ring[i]}→${ring.filter((_, j) => j !== i).join(',')}` }));
        }
        cells.push({ run: spec.id, vpn, profile, workload, pairs: found });
      }
    }
  }
  return { spec, series, profiles: profileIds.filter((p) => profilesPresent.has(p)), cells };
}

/** Impairment settings per profile, checked to be identical for every series and run. */
async function readProfiles(ctx: Context, runs: readonly RunRead[]): Promise<Profile[]> {
  const settings = new Map<ProfileId, { impairment: Impairment | null; from: string }>();
  for (const run of runs) {
    for (const vpn of run.series) {
      for (const profile of run.profiles) {
        const file = join(ctx.sourceDir, run.spec.folder, seriesFolders[vpn], profileFolders[profile], 'tc_settings.json');
        const raw = await readJson(file);
        if (raw === undefined) continue;
        const where = relative(ctx.sourceDir, file);
        const s = at(raw, 'settings');
        const impairment: Impairment | null =
          s === null
            ? null
            : {
                latencyMs: requireNumber(where, s, 'latency_ms'),
                jitterMs: requireNumber(where, s, 'jitter_ms'),
                lossPercent: requireNumber(where, s, 'packet_loss_percent'),
                reorderPercent: requireNumber(where, s, 'reorder_percent'),
                reorderCorrelationPercent: requireNumber(where, s, 'reorder_correlation'),
                bandwidthMbit: numberAt(s, 'bandwidth_mbit') ?? null,
              };
        const previous = settings.get(profile);
        if (previous === undefined) settings.set(profile, { impairment, from: where });
        else if (JSON.stringify(previous.impairment) !== JSON.stringify(impairment)) {
          throw new Error(`${where}: impairment differs from ${previous.from}; profiles must be identical across series and runs`);
        }
      }
    }
  }
  return profileIds.flatMap((id) => {
    const found = settings.get(id);
    return found === undefined ? [] : [{ id, ...profileTexts[id], impairment: found.impairment }];
  });
}

/** The most frequent value, the smaller one on a tie; null for none. A single test can see a different MSS (Tinc once). */
function modeOf(values: readonly number[]): number | null {
  const counts = new Map<number, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const best = [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0];
  return best === undefined ? null : best[0];
}

async function readSeriesInfo(ctx: Context, main: RunRead): Promise<SeriesInfo[]> {
  const out: SeriesInfo[] = [];
  for (const vpn of main.series) {
    const layout = await readJson(join(ctx.sourceDir, main.spec.folder, seriesFolders[vpn], 'layout.json'));
    const addresses = Array.isArray(layout) ? layout.map((m) => stringAt(m, 'vpn_ip') ?? '') : [];
    if (addresses.length === 0 || addresses.some((a) => a === '')) throw new Error(`${seriesFolders[vpn]}/layout.json: no VPN addresses to tell the address family`);
    const families = new Set(addresses.map((a) => (a.includes(':') ? 'ipv6' : 'ipv4')));
    if (families.size !== 1) ctx.warnings.push(`${seriesFolders[vpn]}: machines use mixed address families`);
    out.push({ id: vpn, addressFamily: families.has('ipv6') ? 'ipv6' : 'ipv4', tunnelMssBytes: modeOf(ctx.tunnelMss.get(vpn) ?? []) });
  }
  return out;
}

async function readHardware(ctx: Context, main: RunRead, pairs: string[]): Promise<Provenance['hardware']> {
  const file = join(ctx.sourceDir, main.spec.folder, 'General', 'hardware.json');
  const raw = await readJson(file);
  const machines = at(raw, 'data', 'machines');
  if (!Array.isArray(machines)) throw new Error(`${relative(ctx.sourceDir, file)}: expected data.machines`);
  const where = relative(ctx.sourceDir, file);
  const join3 = (set: Set<string>) => [...set].sort().join(', ');
  return {
    machines: machines.map((m: Json) => ({
      name: stringAt(m, 'machine_name') ?? '',
      cpu: {
        architecture: stringAt(m, 'cpu', 'architecture') ?? '',
        vendor: stringAt(m, 'cpu', 'vendor_name') ?? '',
        model: requireNumber(where, m, 'cpu', 'model'),
        cores: requireNumber(where, m, 'cpu', 'cores'),
        threads: requireNumber(where, m, 'cpu', 'siblings'),
        cacheKiB: requireNumber(where, m, 'cpu', 'cache_kb'),
        features: ((at(m, 'cpu', 'features') ?? []) as Json[]).filter((f): f is string => typeof f === 'string'),
      },
      memoryGiB: requireNumber(where, m, 'memory', 'total_gb'),
      nics: ((at(m, 'network_controllers') ?? []) as Json[]).map((n) => ({
        vendorId: stringAt(n, 'vendor') ?? '',
        deviceId: stringAt(n, 'device') ?? '',
        driver: stringAt(n, 'driver') ?? '',
      })),
    })),
    kernel: join3(ctx.system.kernel),
    iperfVersion: join3(ctx.system.iperf),
    congestionControl: join3(ctx.system.congestion),
    pairs,
  };
}

/** Repository, commit and source path, as SOURCE.md of the data folder records them. */
async function readSourceNote(sourceDir: string): Promise<Omit<Provenance, 'hardware' | 'impairmentNote' | 'referenceNote' | 'thesis'>> {
  let text: string;
  try {
    text = await readFile(join(sourceDir, 'SOURCE.md'), 'utf8');
  } catch {
    throw new Error(`${sourceDir}: SOURCE.md is missing, so the repository and commit of the data are unknown`);
  }
  const find = (pattern: RegExp, what: string) => {
    const match = pattern.exec(text)?.[1];
    if (match === undefined) throw new Error(`SOURCE.md: cannot find the ${what}`);
    return match;
  };
  const repository = find(/Upstream repository: `([\w.-]+\/[\w.-]+)`/, 'upstream repository');
  const license = find(/declares `"license": "([^"]+)"`/, 'licence');
  return {
    repository,
    repositoryUrl: `https://github.com/${repository}`,
    commit: find(/Commit used: `([0-9a-f]{40})`/, 'commit'),
    commitDate: find(/commit date (\d{4}-\d{2}-\d{2})/, 'commit date'),
    sourcePath: find(/repository-relative path `([^`]+)`/, 'source path'),
    license: `${license}, as declared by the upstream web UI package that holds the data (the repository has no top-level licence file)`,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The import

/** The dataset, its serialized text, and what the importer noticed on the way. */
export interface ImportOutcome {
  dataset: BenchDataset;
  text: string;
  warnings: string[];
}

/** Reads the vpn-bench reference data under sourceDir and builds the dataset. Throws when the data is unusable. */
export async function importBench(sourceDir: string): Promise<ImportOutcome> {
  const ctx: Context = {
    warnings: [],
    sourceDir,
    testDays: new Map(runSpecs.map((r) => [r.id, []])),
    checkDays: new Map(runSpecs.map((r) => [r.id, []])),
    tunnelMss: new Map(),
    system: { kernel: new Set(), iperf: new Set(), congestion: new Set() },
  };
  const source = await readSourceNote(sourceDir);
  const reads: RunRead[] = [];
  for (const spec of runSpecs) reads.push(await readRun(ctx, spec));
  const main = reads.find((r) => r.spec.id === 'main');
  if (main === undefined) throw new Error('the main run is missing');

  const seriesInfo = await readSeriesInfo(ctx, main);
  const fc: FlagContext = {
    lossMaskingSeries: new Set(
      reads
        .flatMap((r) => r.cells)
        .filter((c) => c.workload === 'pingLoss' && c.vpn !== 'none' && (c.profile === 'medium' || c.profile === 'high'))
        .filter((c) => c.pairs.some((p) => p.value === 0))
        .map((c) => c.vpn),
    ),
    tunnelMss: new Map(seriesInfo.flatMap((s) => (s.tunnelMssBytes === null ? [] : [[s.id, s.tunnelMssBytes] as const]))),
    lastTestDay: new Map(reads.map((r) => [r.spec.id, [...(ctx.testDays.get(r.spec.id) ?? [])].sort().at(-1) ?? ''])),
  };

  const runs: BenchRun[] = reads.map((r) => {
    const days = [...(ctx.testDays.get(r.spec.id) ?? []), ...(ctx.checkDays.get(r.spec.id) ?? [])].sort();
    const first = days[0];
    const last = days.at(-1);
    if (first === undefined || last === undefined) throw new Error(`${r.spec.folder}: no timestamps found`);
    return {
      id: r.spec.id,
      label: r.spec.label,
      description: r.spec.description,
      sourceFolder: r.spec.folder,
      collectedFrom: first,
      collectedTo: last,
      tuning: r.spec.tuning,
      series: r.series,
      profiles: r.profiles,
      cells: r.cells.map((c) => finishCell(c, fc)),
    };
  });

  const ring = main.cells.find((c) => c.workload === 'tcp')?.pairs.map((p) => p.pair) ?? [];
  const dataset: BenchDataset = {
    format: BENCH_FORMAT,
    formatVersion: BENCH_FORMAT_VERSION,
    provenance: {
      thesis: THESIS,
      ...source,
      hardware: await readHardware(ctx, main, ring),
      impairmentNote:
        'Impairment values are end to end: every machine delays, drops and reorders its outgoing packets with half of each value (correlation is not halved), on top of the plain link.',
      referenceNote:
        'The no-VPN reference is the direct link between the three data-centre servers over their public IPv4 addresses, not a home LAN; every VPN ran over the same link.',
    },
    profiles: await readProfiles(ctx, reads),
    workloads: [...workloadDefinitions],
    failureCategories: [...failureCategoryDefinitions],
    flags: [...flagDefinitions],
    series: seriesInfo,
    runs,
  };

  const checked = loadDataset(dataset);
  if (!checked.ok) throw new Error(`the built dataset does not validate: ${JSON.stringify(checked.error.details)}`);
  const text = serializeDataset(dataset);
  assertNothingSensitive(text);
  return { dataset, text, warnings: ctx.warnings };
}

// ---------------------------------------------------------------------------------------------------------------
// Output

/**
 * JSON with a stable layout: containers nested deeper than INLINE_DEPTH (a cell, a workload's metric, a machine)
 * are written on one line; shallower ones too when they fit LINE_WIDTH, otherwise each member gets its own line.
 * Key order is the order the importer built the objects in, which is fixed.
 */
export function serializeDataset(dataset: BenchDataset): string {
  return `${formatJson(dataset, 0, 0)}\n`;
}

/** Depth from which containers always stay on one line (dataset 0, runs 1, run 2, cells 3, cell 4). */
const INLINE_DEPTH = 4;

function formatJson(value: unknown, depth: number, prefix: number): string {
  const flat = JSON.stringify(value);
  const indent = 2 * depth;
  if (typeof value !== 'object' || value === null || depth >= INLINE_DEPTH || indent + prefix + flat.length <= LINE_WIDTH) return flat;
  const pad = ' '.repeat(indent + 2);
  if (Array.isArray(value)) {
    if (value.length === 0) return '[]';
    return `[\n${value.map((item) => pad + formatJson(item, depth + 1, 0)).join(',\n')}\n${' '.repeat(indent)}]`;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined);
  if (entries.length === 0) return '{}';
  const lines = entries.map(([key, v]) => {
    const head = `${JSON.stringify(key)}: `;
    return pad + head + formatJson(v, depth + 1, head.length);
  });
  return `{\n${lines.join(',\n')}\n${' '.repeat(indent)}}`;
}

/** Refuses output that looks like it carries an address, a path or log text: the raw data has all of these. */
export function assertNothingSensitive(text: string): void {
  const patterns: [RegExp, string][] = [
    [/\b\d{1,3}(\.\d{1,3}){3}\b/, 'an IPv4 address'],
    [/\b[0-9a-f]{1,4}(:[0-9a-f]{0,4}){3,7}\b/i, 'an IPv6 address'],
    [/\/home\/|\/nix\/store|\/tmp\//, 'a file path'],
    [/password|stderr|stdout|journal/i, 'log text'],
  ];
  for (const [pattern, what] of patterns) {
    const match = pattern.exec(text);
    if (match !== null) throw new Error(`refusing to write the dataset: it contains ${what} ("${match[0]}")`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Command line

/** Where the command writes and what it prints to. */
export interface ImportIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  /** Directory relative --source and --out paths are resolved against. */
  cwd: string;
  /** The repository root, which the default source and output paths are relative to. */
  repoRoot: string;
}

const usage = `Usage: npm run data:import -- [--source DIR] [--out FILE] [--check]

Reads the vpn-bench reference data and writes ${DATASET_PATH}.
  --source DIR  the data folder (default: ${DEFAULT_SOURCE}, relative to the repository root)
  --out FILE    where to write the dataset (default: ${DATASET_PATH})
  --check       write nothing; exit 1 when the existing file differs from a fresh import
`;

interface Args {
  source?: string;
  out?: string;
  check: boolean;
  help: boolean;
}

function parseArgs(argv: readonly string[]): Args | string {
  const args: Args = { check: false, help: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [name, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    if (name === '--source' || name === '--out') {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '') return `${name} needs a path`;
      if (name === '--source') args.source = value;
      else args.out = value;
    } else if (name === '--check' && inline === undefined) args.check = true;
    else if ((name === '--help' || name === '-h') && inline === undefined) args.help = true;
    else return `unknown argument ${arg}`;
  }
  return args;
}

/** Runs the importer as a command; returns the exit code (0 done, 1 failed or out of date, 2 bad arguments). */
export async function runImportBench(argv: readonly string[], io: ImportIo): Promise<number> {
  const args = parseArgs(argv);
  if (typeof args === 'string') {
    io.stderr(`data:import: ${args}\n\n${usage}`);
    return 2;
  }
  if (args.help) {
    io.stdout(usage);
    return 0;
  }
  const sourceDir = args.source === undefined ? resolve(io.repoRoot, DEFAULT_SOURCE) : resolve(io.cwd, args.source);
  const outFile = args.out === undefined ? resolve(io.repoRoot, DATASET_PATH) : resolve(io.cwd, args.out);
  if ((await listDirs(sourceDir).catch(() => [])).length === 0) {
    io.stderr(`data:import: no benchmark data at ${sourceDir}. Put the vpn-bench data there or pass --source DIR.\n`);
    return 1;
  }
  let outcome: ImportOutcome;
  try {
    outcome = await importBench(sourceDir);
  } catch (error) {
    io.stderr(`data:import: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
  for (const warning of outcome.warnings) io.stderr(`warning: ${warning}\n`);
  const cells = outcome.dataset.runs.flatMap((r) => r.cells);
  const summary = `${cells.length} cells (${cells.filter((c) => c.okPairs > 0).length} with data), ${Buffer.byteLength(outcome.text)} bytes`;
  if (args.check) {
    const existing = await readFile(outFile, 'utf8').catch(() => undefined);
    if (existing === outcome.text) {
      io.stdout(`${relative(io.cwd, outFile)} is up to date: ${summary}\n`);
      return 0;
    }
    io.stderr(`${relative(io.cwd, outFile)} is ${existing === undefined ? 'missing' : 'out of date'}; run npm run data:import\n`);
    return 1;
  }
  await mkdir(dirname(outFile), { recursive: true });
  await writeFileAtomic(outFile, outcome.text, 'utf8');
  io.stdout(`Wrote ${relative(io.cwd, outFile)}: ${summary}\n`);
  return 0;
}
