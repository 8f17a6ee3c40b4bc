import { noVpnId, vpnDisplayNames } from '../vpn/ids';
import type {
  BenchCell,
  BenchDataset,
  BenchRun,
  FailureCategory,
  FailureCategoryInfo,
  Flag,
  FlagId,
  MetricId,
  Profile,
  ProfileId,
  RunId,
  SeriesId,
  SeriesInfo,
  Spread,
  Workload,
  WorkloadId,
} from './schema';

// Read-only questions the chooser asks of a loaded dataset. Datasets are immutable, so the cell index is built
// once per dataset object and kept in a WeakMap.

const cellIndexes = new WeakMap<BenchDataset, Map<string, BenchCell>>();

const cellKey = (run: RunId, vpn: SeriesId, profile: ProfileId, workload: WorkloadId) => `${run}/${vpn}/${profile}/${workload}`;

function indexOf(dataset: BenchDataset): Map<string, BenchCell> {
  let index = cellIndexes.get(dataset);
  if (index === undefined) {
    index = new Map();
    for (const run of dataset.runs) for (const cell of run.cells) index.set(cellKey(run.id, cell.vpn, cell.profile, cell.workload), cell);
    cellIndexes.set(dataset, index);
  }
  return index;
}

/** The display name of a series: the VPN's own spelling, or "No VPN" for the bare-network reference. */
export function getSeriesName(id: SeriesId): string {
  return id === noVpnId ? 'No VPN' : vpnDisplayNames[id];
}

/** One run of the dataset (main by default), or undefined when the dataset lacks it. */
export function getRun(dataset: BenchDataset, run: RunId = 'main'): BenchRun | undefined {
  return dataset.runs.find((r) => r.id === run);
}

/** The cell of a series × profile × workload in a run; undefined when that combination was never measured. */
export function getCell(dataset: BenchDataset, vpn: SeriesId, profile: ProfileId, workload: WorkloadId, run: RunId = 'main'): BenchCell | undefined {
  return indexOf(dataset).get(cellKey(run, vpn, profile, workload));
}

/** The cell of the TCP-tuned run (Headscale and no VPN only), shown as an extra series next to the main one. */
export function getOptimizedCell(dataset: BenchDataset, vpn: SeriesId, profile: ProfileId, workload: WorkloadId): BenchCell | undefined {
  return getCell(dataset, vpn, profile, workload, 'optimized');
}

/** The series the TCP-tuned run measured (empty when the dataset has no such run). */
export function listOptimizedSeries(dataset: BenchDataset): readonly SeriesId[] {
  return getRun(dataset, 'optimized')?.series ?? [];
}

/** The series measured in a run, the no-VPN reference first. */
export function listSeries(dataset: BenchDataset, run: RunId = 'main'): readonly SeriesId[] {
  return getRun(dataset, run)?.series ?? [];
}

/** Workload definitions in display order. */
export function listWorkloads(dataset: BenchDataset): readonly Workload[] {
  return dataset.workloads;
}

/** Profile definitions, from baseline to high impairment. */
export function listProfiles(dataset: BenchDataset): readonly Profile[] {
  return dataset.profiles;
}

/** One workload's definition. */
export function getWorkload(dataset: BenchDataset, id: WorkloadId): Workload | undefined {
  return dataset.workloads.find((w) => w.id === id);
}

/** One profile's definition, with its impairment settings. */
export function getProfile(dataset: BenchDataset, id: ProfileId): Profile | undefined {
  return dataset.profiles.find((p) => p.id === id);
}

/** Facts about a series that hold in every profile (address family, tunnel packet size). */
export function getSeriesInfo(dataset: BenchDataset, id: SeriesId): SeriesInfo | undefined {
  return dataset.series.find((s) => s.id === id);
}

/** A flag's title and explanation. */
export function getFlag(dataset: BenchDataset, id: FlagId): Flag | undefined {
  return dataset.flags.find((f) => f.id === id);
}

/** A failure category's label and explanation. */
export function getFailureCategory(dataset: BenchDataset, id: FailureCategory): FailureCategoryInfo | undefined {
  return dataset.failureCategories.find((c) => c.id === id);
}

/** The figure to show for a cell: the mean over pairs, or the sum for summed workloads (null when not comparable). */
export function getHeadline(cell: BenchCell, workload: Workload): number | null {
  return workload.aggregate === 'sum' ? (cell.sum ?? null) : cell.mean;
}

/** Mean, min and max of a secondary metric over the pairs that succeeded; null when no pair has it. */
export function getMetricSpread(cell: BenchCell, metric: MetricId): Spread | null {
  const values = cell.pairs.flatMap((p) => {
    const v = p.value === null ? undefined : p.metrics?.[metric];
    return v === undefined ? [] : [v];
  });
  if (values.length === 0) return null;
  return { mean: values.reduce((a, b) => a + b, 0) / values.length, min: Math.min(...values), max: Math.max(...values) };
}

/** A series' headline as a share of the no-VPN headline in the same run and profile (0.925 = 92.5 %); null if either is missing. */
export function getShareOfReference(dataset: BenchDataset, vpn: SeriesId, profile: ProfileId, workload: WorkloadId, run: RunId = 'main'): number | null {
  const definition = getWorkload(dataset, workload);
  const cell = getCell(dataset, vpn, profile, workload, run);
  const reference = getCell(dataset, noVpnId, profile, workload, run);
  if (definition === undefined || cell === undefined || reference === undefined) return null;
  const value = getHeadline(cell, definition);
  const base = getHeadline(reference, definition);
  return value === null || base === null || base === 0 ? null : value / base;
}

/** A series and its headline in one profile and workload. */
export interface RankedSeries {
  vpn: SeriesId;
  value: number | null;
  cell: BenchCell;
}

/** The VPNs of a run (no-VPN reference excluded) best first for a workload; cells without a headline come last. */
export function rankSeries(dataset: BenchDataset, profile: ProfileId, workload: WorkloadId, run: RunId = 'main'): RankedSeries[] {
  const definition = getWorkload(dataset, workload);
  if (definition === undefined) return [];
  const sign = definition.direction === 'higherIsBetter' ? -1 : 1;
  const ranked = listSeries(dataset, run)
    .filter((vpn) => vpn !== noVpnId)
    .flatMap((vpn) => {
      const cell = getCell(dataset, vpn, profile, workload, run);
      return cell === undefined ? [] : [{ vpn, value: getHeadline(cell, definition), cell }];
    });
  // Stable sort: ties and missing values keep the run's series order.
  return ranked.sort((a, b) => {
    if (a.value === null || b.value === null) return a.value === null ? (b.value === null ? 0 : 1) : -1;
    return sign * (a.value - b.value);
  });
}
