import {
  balancedWeights,
  defaultSort as savedDefaultSort,
  leaderboardWorkloadIds as savedWorkloadIds,
  sortColumnIds,
  sortDirections,
  weightPresetIds,
  type LeaderboardWorkloadId,
  type SortColumn,
  type SortDirection,
  type WeightPresetId,
} from '../schema/comparisonIds';
import { noVpnId, type VpnId } from '../vpn/ids';
import { getCell, getFailureCategory, getFlag, getHeadline, getProfile, getSeriesName, getWorkload, listSeries } from './query';
import { profileIds, type BenchCell, type BenchDataset, type Direction, type FailureCategory, type FlagId, type ProfileId, type RunId, type SeriesId, type Unit, type Workload, type WorkloadId } from './schema';

// The VPN leaderboard: rows are the ten VPNs plus the no-VPN reference, columns are workloads. Every cell is turned
// into a slowdown factor against the best VPN in its column, and each row gets a weighted geometric-mean score of
// those factors. Pure arithmetic over the dataset: the UI, the CLI and the advisor all read the same numbers.
//
// The rules, in one place (each has a constant or a function below):
// - Factor. higher-is-better: best / value; lower-is-better: value / best. 1.0x is the best VPN; 2x is half as good.
// - Best. The best headline among the ten VPNs (never the reference), taken from the cells that can be trusted to
//   set it: every pair succeeded and no flag says the figure is not comparable (NOT_COMPARABLE_FLAGS). When no cell
//   qualifies, any VPN cell with a value sets it. A flagged VPN cell that beats this best shows 1.0x, not less.
// - Zero. Lower-is-better values are floored at the unit's resolution before dividing (LOWER_IS_BETTER_FLOORS:
//   1 % ping loss, 1 ms, 1 s), so 0 % loss against 0.1 % loss is 1.0x, not infinity. A higher-is-better value of
//   0 (or a factor above FACTOR_CAP for any reason) counts as FACTOR_CAP.
// - Missing. A cell without a headline (every pair failed, a sum over fewer transfers, never measured) is flagged
//   `noValue` with its failure categories and counts as:
//   'failed': the worst measured VPN factor in its column, but never less than MISSING_MIN_FACTOR, and for
//     timed-out time workloads never less than the time limit over the best (the download took at least that long).
//     So a failed test is never better than any VPN that produced a figure.
//   'inconclusive': when the dataset says the failure was the test tool's, not the VPN's (the udpHarnessFailure flag,
//     or only test-side failure categories: TEST_SIDE_FAILURES), the median measured VPN factor, but never less than
//     MISSING_MIN_FACTOR. The UDP flood broke the tool for most VPNs under impairment; punishing those as the worst
//     would rank VPNs by the tool's luck.
// - Score. exp(Σ wᵢ·ln fᵢ) over the columns with data, weights normalised to sum to 1. A column with data is one
//   where at least one VPN has a value; every row has a factor there, so every row is scored over the same columns.
//   Lower is better, 1.0 = best in every weighted column. Workloads with weight 0 are left out.
// - Score profiles. A score can span several profiles (each counts equally): the flaky-links preset scores the
//   medium and high impairment profiles whatever profile the table shows, so it rewards VPNs that hold up there.
// - Colour. Continuous on log2 of the factor: green at 1.0x, yellow at 2x, red at 4x and beyond (factorColor).

/**
 * The workloads shown as leaderboard columns, in display order; design files keep a weight for each, so the ids are
 * the file format's (schema/comparisonIds.ts), checked here against the dataset's workloads. Connect times are
 * measured once per deployment, mostly wait for the plain network, and exist only in the baseline profile, so they
 * are not columns.
 */
export const leaderboardWorkloadIds = savedWorkloadIds satisfies readonly WorkloadId[];

// The ids a design file stores are defined with the file format; the leaderboard's public names stay these.
export { sortColumnIds, sortDirections, weightPresetIds, type LeaderboardWorkloadId, type SortColumn, type SortDirection, type WeightPresetId };

/** How much each column counts in the score (any non-negative numbers; they are normalised). */
export type WorkloadWeights = Readonly<Record<LeaderboardWorkloadId, number>>;

/** Short column headings for narrow places (the CLI table); the UI uses the dataset's full labels. */
export const workloadShortLabels: Readonly<Record<LeaderboardWorkloadId, string>> = {
  tcp: 'TCP',
  parallelTcp: '3x TCP',
  udp: 'UDP',
  pingRtt: 'Ping',
  pingLoss: 'Loss',
  quic: 'QUIC',
  video: 'Video',
  nixCache: 'Nix',
};

/** "higher is better" / "lower is better", for column headings. */
export const directionLabels: Readonly<Record<Direction, string>> = { higherIsBetter: 'higher is better', lowerIsBetter: 'lower is better' };

/** A factor is never shown or scored above this: beyond 20x a figure means "does not work here" either way, and one broken cell must not outweigh every other column. */
export const FACTOR_CAP = 20;

/** A cell without a value counts as at least this factor: a test that produced nothing is not a near-best result. */
export const MISSING_MIN_FACTOR = 2;

/** Lower-is-better values below these count as these (per unit) before dividing: the measurement's resolution. */
export const LOWER_IS_BETTER_FLOORS: Readonly<Partial<Record<Unit, number>>> = {
  /** 1 % is 3 of the 300 pings of a pair; smaller differences are one or two pings. */
  '%': 1,
  ms: 1,
  s: 1,
};

/** Flags that say a good-looking figure is not comparable; such a cell never sets its column's best. */
export const NOT_COMPARABLE_FLAGS: ReadonlySet<FlagId> = new Set<FlagId>(['lossMasked', 'fragmentedDatagrams']);

/** Flags that say a cell's failures are the test tool's, not evidence against the VPN. */
export const TEST_FAILURE_FLAGS: ReadonlySet<FlagId> = new Set<FlagId>(['udpHarnessFailure']);

/** Failure categories on the test's side (the tool lost its control connection, a local client error, data missing from the source). */
export const TEST_SIDE_FAILURES: ReadonlySet<FailureCategory> = new Set<FailureCategory>(['controlLost', 'clientError', 'missing']);

// ---------------------------------------------------------------------------------------------------------------
// Presets

/** A preset: weights per workload and the profiles its score spans. */
export interface WeightPreset {
  readonly id: WeightPresetId;
  readonly label: string;
  readonly description: string;
  readonly weights: WorkloadWeights;
  /** The profiles the score is computed over; empty: the profile the table shows. */
  readonly scoreProfiles: readonly ProfileId[];
}

/** The four presets. flakyLinks scores the medium and high profiles, whichever profile the table shows. */
export const weightPresets: Readonly<Record<WeightPresetId, WeightPreset>> = {
  balanced: {
    id: 'balanced',
    label: 'Balanced',
    description: 'Every workload counts the same.',
    // A new design starts with these weights (schema/comparisonIds.ts).
    weights: balancedWeights,
    scoreProfiles: [],
  },
  fileTransfer: {
    id: 'fileTransfer',
    label: 'File transfer',
    description: 'Backups, syncing and Nix downloads: bulk TCP and the Nix cache count most.',
    weights: { tcp: 3, parallelTcp: 2, udp: 0, pingRtt: 0.5, pingLoss: 0.5, quic: 1, video: 0, nixCache: 3 },
    scoreProfiles: [],
  },
  videoCalls: {
    id: 'videoCalls',
    label: 'Video calls',
    description: 'Calls and streaming: round-trip time, loss and the video stream count most.',
    weights: { tcp: 0.5, parallelTcp: 0, udp: 1, pingRtt: 3, pingLoss: 2, quic: 0.5, video: 3, nixCache: 0 },
    scoreProfiles: [],
  },
  flakyLinks: {
    id: 'flakyLinks',
    label: 'Flaky links',
    description:
      'Scored on the medium and high impairment profiles, whatever profile the table shows: what still works on a bad link (video, loss, finishing the Nix download). Single-stream TCP counts little there because every VPN falls to a few Mbit/s; UDP is left out because the test tool itself broke down.',
    weights: { tcp: 0.5, parallelTcp: 0.5, udp: 0, pingRtt: 1, pingLoss: 1, quic: 1, video: 2, nixCache: 2 },
    scoreProfiles: ['medium', 'high'],
  },
};

/** The preset whose weights and score profiles equal these, or 'custom'. */
export function matchPreset(weights: WorkloadWeights, scoreProfiles: readonly ProfileId[]): WeightPresetId | 'custom' {
  const profiles = normaliseProfiles(scoreProfiles, null);
  for (const id of weightPresetIds) {
    const preset = weightPresets[id];
    const same = leaderboardWorkloadIds.every((w) => preset.weights[w] === weights[w]);
    const presetProfiles = normaliseProfiles(preset.scoreProfiles, null);
    if (same && presetProfiles.length === profiles.length && presetProfiles.every((p, i) => profiles[i] === p)) return id;
  }
  return 'custom';
}

// ---------------------------------------------------------------------------------------------------------------
// Factors per column

/**
 * Where a cell's factor comes from:
 * measured: the cell's own headline;
 * failed: no headline; counts as the worst measured VPN factor of the column (at least MISSING_MIN_FACTOR, and at
 *   least the time limit for timeouts);
 * inconclusive: no headline because the test tool failed, not the VPN; counts as the median measured VPN factor
 *   (at least MISSING_MIN_FACTOR).
 */
export type FactorSource = 'measured' | 'failed' | 'inconclusive';

/** One series in one column: its headline and its factor. */
export interface ColumnEntry {
  readonly series: SeriesId;
  readonly cell: BenchCell | undefined;
  /** The headline (mean, or sum for summed workloads); null when there is none. */
  readonly value: number | null;
  readonly factor: number;
  readonly source: FactorSource;
}

/** One workload in one profile: its best VPN and every series' factor. */
export interface ColumnFactors {
  readonly profile: ProfileId;
  readonly workload: WorkloadId;
  readonly definition: Workload;
  /** The best VPN and its value; null when no VPN has a value (the column has no data and is not scored). */
  readonly best: { readonly vpn: VpnId; readonly value: number } | null;
  /** The largest factor of a VPN with a value; what a failed cell counts as (with the minimums). */
  readonly worstMeasured: number | null;
  /** The median factor of the VPNs with a value; what an inconclusive cell counts as (with the minimum). */
  readonly medianMeasured: number | null;
  /** Every series of the run, keyed by id; empty when the column has no data. */
  readonly entries: ReadonlyMap<SeriesId, ColumnEntry>;
}

const columnCache = new WeakMap<BenchDataset, Map<string, ColumnFactors | null>>();

function isTrustedForBest(cell: BenchCell): boolean {
  return cell.okPairs === cell.totalPairs && !cell.flags.some((f) => NOT_COMPARABLE_FLAGS.has(f));
}

/** The slowdown factor of a value against the best, before capping; see the rules at the top of the file. */
export function computeFactor(value: number, best: number, direction: Direction, unit: Unit): number {
  if (direction === 'higherIsBetter') {
    if (value === best) return 1;
    return value <= 0 ? Number.POSITIVE_INFINITY : best / value;
  }
  const floor = LOWER_IS_BETTER_FLOORS[unit] ?? 0;
  const v = Math.max(value, floor);
  const b = Math.max(best, floor);
  if (v === b) return 1;
  return b <= 0 ? Number.POSITIVE_INFINITY : v / b;
}

function capFactor(factor: number): number {
  return Math.min(FACTOR_CAP, factor);
}

/** Whether the dataset says an empty cell's failures are the test tool's, not the VPN's. */
function isInconclusive(cell: BenchCell | undefined): boolean {
  if (cell === undefined) return false;
  if (cell.flags.some((f) => TEST_FAILURE_FLAGS.has(f))) return true;
  const categories = Object.keys(cell.failures) as FailureCategory[];
  return categories.length > 0 && categories.every((c) => TEST_SIDE_FAILURES.has(c));
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A time limit every failed pair of an empty cell ran into: the cell's value is at least that long (lower-is-better time workloads only). */
function timeoutLowerBound(cell: BenchCell | undefined, definition: Workload): number | null {
  if (cell === undefined || definition.direction !== 'lowerIsBetter' || definition.unit !== 's') return null;
  const limits = cell.pairs.map((p) => (p.failure === 'timeout' ? p.limitSeconds : undefined));
  if (limits.length === 0 || limits.some((l) => l === undefined)) return null;
  return (limits as number[]).reduce((a, b) => a + b, 0) / limits.length;
}

/**
 * The best VPN of one workload in one profile and every series' factor against it (memoised per dataset).
 * Null when the dataset has no such workload or run.
 */
export function getColumnFactors(dataset: BenchDataset, profile: ProfileId, workload: WorkloadId, run: RunId = 'main'): ColumnFactors | null {
  let cache = columnCache.get(dataset);
  if (cache === undefined) {
    cache = new Map();
    columnCache.set(dataset, cache);
  }
  const key = `${run}/${profile}/${workload}`;
  if (cache.has(key)) return cache.get(key)!;
  const computed = buildColumn(dataset, profile, workload, run);
  cache.set(key, computed);
  return computed;
}

function buildColumn(dataset: BenchDataset, profile: ProfileId, workload: WorkloadId, run: RunId): ColumnFactors | null {
  const definition = getWorkload(dataset, workload);
  const series = listSeries(dataset, run);
  if (definition === undefined || series.length === 0) return null;
  const rows = series.map((id) => {
    const cell = getCell(dataset, id, profile, workload, run);
    return { id, cell, value: cell === undefined ? null : getHeadline(cell, definition) };
  });
  const vpnRows = rows.filter((r) => r.id !== noVpnId && r.value !== null);
  const trusted = vpnRows.filter((r) => isTrustedForBest(r.cell!));
  const candidates = trusted.length > 0 ? trusted : vpnRows;
  if (candidates.length === 0) return { profile, workload, definition, best: null, worstMeasured: null, medianMeasured: null, entries: new Map() };
  const higher = definition.direction === 'higherIsBetter';
  // First in run order wins a tie, so the result never depends on anything but the data.
  const bestRow = candidates.reduce((b, r) => (higher ? r.value! > b.value! : r.value! < b.value!) ? r : b);
  const best = bestRow.value!;
  const measured = (value: number, isVpn: boolean): number => {
    const raw = capFactor(computeFactor(value, best, definition.direction, definition.unit));
    // A VPN cell that was not trusted to set the best can still beat it; it is then as good as the best.
    return isVpn ? Math.max(1, raw) : raw;
  };
  const vpnFactors = vpnRows.map((r) => measured(r.value!, true));
  const worstMeasured = Math.max(...vpnFactors);
  const medianMeasured = median(vpnFactors);
  const entries = new Map<SeriesId, ColumnEntry>();
  for (const r of rows) {
    if (r.value !== null) {
      entries.set(r.id, { series: r.id, cell: r.cell, value: r.value, factor: measured(r.value, r.id !== noVpnId), source: 'measured' });
    } else if (isInconclusive(r.cell)) {
      entries.set(r.id, { series: r.id, cell: r.cell, value: null, factor: capFactor(Math.max(medianMeasured, MISSING_MIN_FACTOR)), source: 'inconclusive' });
    } else {
      const bound = timeoutLowerBound(r.cell, definition);
      const boundFactor = bound === null ? 1 : capFactor(computeFactor(bound, best, definition.direction, definition.unit));
      const factor = capFactor(Math.max(worstMeasured, MISSING_MIN_FACTOR, boundFactor));
      entries.set(r.id, { series: r.id, cell: r.cell, value: null, factor, source: 'failed' });
    }
  }
  return { profile, workload, definition, best: { vpn: bestRow.id as VpnId, value: best }, worstMeasured, medianMeasured, entries };
}

// ---------------------------------------------------------------------------------------------------------------
// Scores

/** One term of a score: a column's factor and its normalised weight. */
export interface ScorePart {
  readonly profile: ProfileId;
  readonly workload: LeaderboardWorkloadId;
  readonly factor: number;
  readonly source: FactorSource;
  /** The share of this term in the score (all parts sum to 1). */
  readonly weight: number;
}

/** A weighted geometric-mean score with its terms. */
export interface Score {
  /** Lower is better; 1 = best VPN in every weighted column. Null when no weighted column has data. */
  readonly score: number | null;
  readonly parts: readonly ScorePart[];
}

/** Profiles in canonical order without repeats; empty means `fallback` (or stays empty when fallback is null). */
function normaliseProfiles(profiles: readonly ProfileId[], fallback: ProfileId | null): ProfileId[] {
  const chosen = profileIds.filter((p) => profiles.includes(p));
  return chosen.length === 0 && fallback !== null ? [fallback] : chosen;
}

/** The (profile, workload) terms a score is made of, with normalised weights; the same for every series. */
function scoreTerms(dataset: BenchDataset, weights: WorkloadWeights, profiles: readonly ProfileId[], run: RunId): { column: ColumnFactors; workload: LeaderboardWorkloadId; weight: number }[] {
  const terms: { column: ColumnFactors; workload: LeaderboardWorkloadId; weight: number }[] = [];
  for (const profile of profiles) {
    for (const workload of leaderboardWorkloadIds) {
      const w = weights[workload];
      if (!(w > 0) || !Number.isFinite(w)) continue;
      const column = getColumnFactors(dataset, profile, workload, run);
      if (column === null || column.best === null) continue;
      terms.push({ column, workload, weight: w });
    }
  }
  const total = terms.reduce((a, t) => a + t.weight, 0);
  return terms.map((t) => ({ ...t, weight: t.weight / total }));
}

/**
 * The weighted geometric mean of a series' factors over the given profiles (each counting equally) and the
 * workloads with a positive weight, skipping columns without data. Null score when nothing is left to score.
 */
export function computeScore(dataset: BenchDataset, series: SeriesId, weights: WorkloadWeights, profiles: readonly ProfileId[], run: RunId = 'main'): Score {
  const terms = scoreTerms(dataset, weights, normaliseProfiles(profiles, null), run);
  const parts: ScorePart[] = [];
  let logSum = 0;
  for (const t of terms) {
    const entry = t.column.entries.get(series);
    if (entry === undefined) continue;
    parts.push({ profile: t.column.profile, workload: t.workload, factor: entry.factor, source: entry.source, weight: t.weight });
    logSum += t.weight * Math.log(entry.factor);
  }
  return { score: parts.length === 0 ? null : Math.exp(logSum), parts };
}

// ---------------------------------------------------------------------------------------------------------------
// Colours and formatting

/** Where a factor sits on the colour scale: 0 at 1.0x (or better), 0.5 at 2x, 1 at 4x and beyond (log2 scale). */
export function factorColorPosition(factor: number): number {
  if (!(factor > 1)) return 0;
  return Math.min(1, Math.log2(factor) / 2);
}

/** A CSS colour for a factor: hue 120 (green) at 1.0x, 60 (yellow) at 2x, 0 (red) at 4x+, continuous in between. */
export function factorColor(factor: number, lightness = 45): string {
  const hue = Math.round(120 * (1 - factorColorPosition(factor)));
  return `hsl(${hue}, 70%, ${lightness}%)`;
}

/** A number the way people read it: no decimals from 100 up, one from 1, two below 1. */
export function formatValue(value: number): string {
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 0 : abs >= 1 || abs === 0 ? 1 : 2;
  return value.toFixed(digits);
}

/** A number with its unit ("864 Mbit/s", "92.5 %", "90.0 of 100"). */
export function formatFigure(value: number, unit: Unit): string {
  if (unit === 'score') return `${formatValue(value)} of 100`;
  if (unit === 'count') return formatValue(value);
  return `${formatValue(value)} ${unit}`;
}

/**
 * A factor as measured, for sentences: two decimals below 10 ("0.94x", "1.04x"), whole numbers from 10 ("14x").
 * The table's one decimal would call 1.04x "1.0x", which reads as "level with the best" when it is not.
 */
export function formatMeasuredFactor(factor: number): string {
  return factor >= 10 ? `${Math.round(factor)}x` : `${factor.toFixed(2)}x`;
}

/** A factor as shown in the table: "1.0x", "2.3x", "14x", "≥20x" at the cap. */
export function formatFactor(factor: number): string {
  if (factor >= FACTOR_CAP) return `≥${FACTOR_CAP}x`;
  return factor >= 10 ? `${Math.round(factor)}x` : `${factor.toFixed(1)}x`;
}

// ---------------------------------------------------------------------------------------------------------------
// The table

/**
 * How the rows are ordered: by the score, the series name, or a workload (by factor); bestFirst: lowest factor or
 * score first (for 'name': A to Z), worstFirst: the reverse. Rows without a value in the sort column always come
 * last, and ties keep the run's series order.
 */
export interface LeaderboardSort {
  readonly column: SortColumn;
  readonly direction: SortDirection;
}

/** The default order: best score first. */
export const defaultSort: LeaderboardSort = savedDefaultSort;

/** Why a cell is flagged: a dataset flag, too few pairs, or no value at all. */
export type CellFlagId = FlagId | 'fewPairs' | 'noValue';

/** A flag with the words for the hover text. */
export interface CellFlag {
  readonly id: CellFlagId;
  readonly title: string;
  readonly explanation: string;
}

/** One column of the table. */
export interface LeaderboardColumn {
  readonly workload: LeaderboardWorkloadId;
  readonly label: string;
  readonly shortLabel: string;
  readonly unit: Unit;
  readonly direction: Direction;
  /** "higher is better" or "lower is better". */
  readonly directionLabel: string;
  readonly description: string;
  readonly caveat: string | null;
  /** The weight as given. */
  readonly weight: number;
  /** This workload's share of the score (over all score profiles); 0 when it is not scored. */
  readonly scoreShare: number;
  /** The best VPN in the shown profile; null when no VPN has a value there. */
  readonly best: { readonly vpn: VpnId; readonly value: number } | null;
}

/** One cell of the table. */
export interface LeaderboardCell {
  readonly workload: LeaderboardWorkloadId;
  /** The headline (mean over the pairs that succeeded, or the sum for summed workloads); null when there is none. */
  readonly value: number | null;
  /** Min and max of the pair values that succeeded (for summed workloads: of the single transfers); null when none did. */
  readonly spread: { readonly min: number; readonly max: number } | null;
  readonly okPairs: number;
  readonly totalPairs: number;
  /** The slowdown factor against the column's best (see the rules above); null only when the column has no data. */
  readonly factor: number | null;
  readonly source: FactorSource | null;
  /** This cell is the column's best. */
  readonly isBest: boolean;
  /** 0..1 on the colour scale (factorColorPosition); null without a factor. */
  readonly colorPosition: number | null;
  /** factorColor of the factor; null without a factor. */
  readonly color: string | null;
  readonly flags: readonly CellFlag[];
}

/** One row: a VPN or the no-VPN reference. */
export interface LeaderboardRow {
  readonly series: SeriesId;
  readonly name: string;
  readonly isReference: boolean;
  /** In column order. */
  readonly cells: readonly LeaderboardCell[];
  /** Weighted geometric mean of the factors (lower is better); null when nothing is weighted. */
  readonly score: number | null;
  readonly scoreColor: string | null;
  readonly scoreParts: readonly ScorePart[];
  /** 1 = best score among the ten VPNs (ties share a rank); null for the reference and without a score. */
  readonly scoreRank: number | null;
  /** How many of the row's shown cells are flagged. */
  readonly flaggedCells: number;
}

/** What to compute. */
export interface LeaderboardOptions {
  readonly profile: ProfileId;
  readonly weights: WorkloadWeights;
  /** Profiles the score spans (each counts equally); empty or absent: the shown profile. */
  readonly scoreProfiles?: readonly ProfileId[];
  readonly sort?: LeaderboardSort;
  readonly run?: RunId;
}

/** The computed table. */
export interface Leaderboard {
  readonly run: RunId;
  readonly profile: ProfileId;
  readonly scoreProfiles: readonly ProfileId[];
  readonly preset: WeightPresetId | 'custom';
  readonly sort: LeaderboardSort;
  readonly columns: readonly LeaderboardColumn[];
  /** Sorted by `sort`. */
  readonly rows: readonly LeaderboardRow[];
}

/** "2 timed out, 1 could not connect" in words, from a cell's failure counts. */
function describeFailures(dataset: BenchDataset, cell: BenchCell): string {
  const parts = Object.entries(cell.failures).map(([category, count]) => {
    const info = getFailureCategory(dataset, category as keyof typeof cell.failures);
    return `${count} × ${info?.label.toLowerCase() ?? category}${info === undefined ? '' : ` (${info.explanation.replace(/\.$/, '')})`}`;
  });
  return parts.join('; ');
}

function cellFlags(dataset: BenchDataset, entry: ColumnEntry, column: ColumnFactors): CellFlag[] {
  const flags: CellFlag[] = [];
  const cell = entry.cell;
  for (const id of cell?.flags ?? []) {
    const flag = getFlag(dataset, id);
    flags.push({ id, title: flag?.title ?? id, explanation: flag?.explanation ?? '' });
  }
  if (entry.value === null) {
    const why = cell === undefined ? 'This combination was not measured.' : cell.okPairs === 0 ? `No pair succeeded: ${describeFailures(dataset, cell)}.` : `Only ${cell.okPairs} of ${cell.totalPairs} transfers succeeded, so there is no comparable total.`;
    const counted =
      entry.source === 'inconclusive'
        ? `The test tool failed here, not necessarily the VPN, so for the score it counts as ${formatFactor(entry.factor)}: the median of the VPNs measured in this column, and at least ${MISSING_MIN_FACTOR}x.`
        : `For the score it counts as ${formatFactor(entry.factor)}: as bad as the worst VPN measured in this column, at least ${MISSING_MIN_FACTOR}x${column.definition.unit === 's' && column.definition.direction === 'lowerIsBetter' ? ', and at least the time limit when the test timed out' : ''}.`;
    flags.push({ id: 'noValue', title: 'No value', explanation: `${why} ${counted}` });
  } else if (cell !== undefined && cell.okPairs < cell.totalPairs && !cell.flags.includes('partialPairs')) {
    flags.push({ id: 'fewPairs', title: 'Not every pair succeeded', explanation: `Only ${cell.okPairs} of ${cell.totalPairs} pairs succeeded (${describeFailures(dataset, cell)}); the figure covers those.` });
  }
  return flags;
}

function buildCell(dataset: BenchDataset, column: ColumnFactors | null, workload: LeaderboardWorkloadId, series: SeriesId): LeaderboardCell {
  const entry = column?.entries.get(series);
  const cell = entry?.cell ?? (column === null ? undefined : getCell(dataset, series, column.profile, column.workload));
  const value = entry?.value ?? (cell === undefined || column === null ? null : getHeadline(cell, column.definition));
  const spread = cell !== undefined && cell.min !== null && cell.max !== null ? { min: cell.min, max: cell.max } : null;
  const factor = entry?.factor ?? null;
  const flags = entry !== undefined && column !== null ? cellFlags(dataset, entry, column) : [];
  return {
    workload,
    value,
    spread,
    okPairs: cell?.okPairs ?? 0,
    totalPairs: cell?.totalPairs ?? 0,
    factor,
    source: entry?.source ?? null,
    isBest: column?.best?.vpn === series,
    colorPosition: factor === null ? null : factorColorPosition(factor),
    color: factor === null ? null : factorColor(factor),
    flags,
  };
}

function compareRows(a: LeaderboardRow, b: LeaderboardRow, sort: LeaderboardSort, order: ReadonlyMap<SeriesId, number>): number {
  const sign = sort.direction === 'bestFirst' ? 1 : -1;
  const tie = order.get(a.series)! - order.get(b.series)!;
  if (sort.column === 'name') return sign * (a.name < b.name ? -1 : a.name > b.name ? 1 : 0) || tie;
  const key = (row: LeaderboardRow): number | null => {
    if (sort.column === 'score') return row.score;
    return row.cells.find((c) => c.workload === sort.column)?.factor ?? null;
  };
  const ka = key(a);
  const kb = key(b);
  if (ka === null || kb === null) return ka === null ? (kb === null ? tie : 1) : -1;
  if (ka !== kb) return sign * (ka - kb);
  if (sort.column !== 'score') {
    // Same factor: a measured cell goes before one without a value, whichever the direction.
    const ma = a.cells.find((c) => c.workload === sort.column)?.source === 'measured';
    const mb = b.cells.find((c) => c.workload === sort.column)?.source === 'measured';
    if (ma !== mb) return ma ? -1 : 1;
  }
  return tie;
}

/** Computes the leaderboard of a run for one profile: columns, cells with factors and flags, scores, sorted rows. */
export function computeLeaderboard(dataset: BenchDataset, options: LeaderboardOptions): Leaderboard {
  const run = options.run ?? 'main';
  const sort = options.sort ?? defaultSort;
  const scoreProfiles = normaliseProfiles(options.scoreProfiles ?? [], options.profile);
  const columnsByWorkload = new Map(leaderboardWorkloadIds.map((w) => [w, getColumnFactors(dataset, options.profile, w, run)] as const));
  const series = listSeries(dataset, run);
  const scores = new Map(series.map((s) => [s, computeScore(dataset, s, options.weights, scoreProfiles, run)] as const));
  const anyScore = scores.get(series[0]!);
  const shares = new Map<LeaderboardWorkloadId, number>();
  for (const part of anyScore?.parts ?? []) shares.set(part.workload, (shares.get(part.workload) ?? 0) + part.weight);

  const columns: LeaderboardColumn[] = [];
  for (const workload of leaderboardWorkloadIds) {
    const definition = getWorkload(dataset, workload);
    if (definition === undefined) continue;
    columns.push({
      workload,
      label: definition.label,
      shortLabel: workloadShortLabels[workload],
      unit: definition.unit,
      direction: definition.direction,
      directionLabel: directionLabels[definition.direction],
      description: definition.description,
      caveat: definition.caveat ?? null,
      weight: options.weights[workload],
      scoreShare: shares.get(workload) ?? 0,
      best: columnsByWorkload.get(workload)?.best ?? null,
    });
  }

  const vpnScores = series.filter((s) => s !== noVpnId).flatMap((s) => scores.get(s)?.score ?? []);
  const rows: LeaderboardRow[] = series.map((s) => {
    const cells = columns.map((c) => buildCell(dataset, columnsByWorkload.get(c.workload) ?? null, c.workload, s));
    const { score, parts } = scores.get(s)!;
    const isReference = s === noVpnId;
    return {
      series: s,
      name: getSeriesName(s),
      isReference,
      cells,
      score,
      scoreColor: score === null ? null : factorColor(score),
      scoreParts: parts,
      // Ties within rounding noise share a rank.
      scoreRank: isReference || score === null ? null : 1 + vpnScores.filter((o) => o < score - 1e-9).length,
      flaggedCells: cells.filter((c) => c.flags.length > 0).length,
    };
  });
  const order = new Map(series.map((s, i) => [s, i] as const));
  rows.sort((a, b) => compareRows(a, b, sort, order));
  return { run, profile: options.profile, scoreProfiles, preset: matchPreset(options.weights, options.scoreProfiles ?? []), sort, columns, rows };
}

/** The label of a profile as people read it in a sentence ("baseline", "medium impairment"). */
export function describeProfile(dataset: BenchDataset, profile: ProfileId): string {
  const label = getProfile(dataset, profile)?.label ?? profile;
  return label.toLowerCase();
}
