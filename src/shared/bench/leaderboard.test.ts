import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { vpnIds } from '../vpn/ids';
import {
  computeFactor,
  computeLeaderboard,
  computeScore,
  factorColor,
  factorColorPosition,
  FACTOR_CAP,
  formatFactor,
  formatFigure,
  getColumnFactors,
  leaderboardWorkloadIds,
  matchPreset,
  MISSING_MIN_FACTOR,
  weightPresetIds,
  weightPresets,
  type Leaderboard,
  type LeaderboardRow,
  type WorkloadWeights,
} from './leaderboard';
import { loadDataset } from './load';
import { getCell } from './query';
import type { BenchDataset, FailureCategory, FlagId, ProfileId, SeriesId, WorkloadId } from './schema';

const committedJson = (): BenchDataset => JSON.parse(readFileSync(new URL('../../../resources/bench/vpn-bench.json', import.meta.url), 'utf8')) as BenchDataset;

function load(json: unknown): BenchDataset {
  const result = loadDataset(json);
  if (!result.ok) throw new Error(`dataset does not load: ${JSON.stringify(result.error)}`);
  return result.value;
}

const dataset = load(committedJson());

const only = (workload: WorkloadId, weight = 1): WorkloadWeights => ({ ...Object.fromEntries(leaderboardWorkloadIds.map((w) => [w, 0])), [workload]: weight }) as WorkloadWeights;
const balanced = weightPresets.balanced.weights;

/** The headline of a cell of the committed dataset (mean, or sum for parallel TCP). */
function headline(vpn: SeriesId, profile: ProfileId, workload: WorkloadId): number {
  const cell = getCell(dataset, vpn, profile, workload)!;
  const value = workload === 'parallelTcp' ? cell.sum : cell.mean;
  if (value === null || value === undefined) throw new Error(`no value for ${vpn}/${profile}/${workload}`);
  return value;
}

function row(table: Leaderboard, series: SeriesId): LeaderboardRow {
  return table.rows.find((r) => r.series === series)!;
}

function cellOf(table: Leaderboard, series: SeriesId, workload: WorkloadId) {
  return row(table, series).cells.find((c) => c.workload === workload)!;
}

/**
 * A copy of a dataset with one cell replaced: every pair gets the value (a summed workload splits the headline
 * across its pairs), or every pair fails with the given category. The copy must still pass loadDataset.
 */
function setCell(ds: BenchDataset, vpn: SeriesId, profile: ProfileId, workload: WorkloadId, headlineValue: number | null, options: { failure?: FailureCategory; flags?: FlagId[] } = {}): void {
  const run = ds.runs.find((r) => r.id === 'main')!;
  const index = run.cells.findIndex((c) => c.vpn === vpn && c.profile === profile && c.workload === workload);
  const old = run.cells[index]!;
  const summed = ds.workloads.find((w) => w.id === workload)!.aggregate === 'sum';
  const perPair = headlineValue === null ? null : summed ? headlineValue / old.totalPairs : headlineValue;
  const failure = options.failure ?? 'connectFailed';
  run.cells[index] = {
    ...old,
    pairs: old.pairs.map((p) => (perPair === null ? { pair: p.pair, value: null, failure } : { pair: p.pair, value: perPair })),
    okPairs: perPair === null ? 0 : old.totalPairs,
    mean: perPair,
    min: perPair,
    max: perPair,
    failures: perPair === null ? { [failure]: old.totalPairs } : {},
    flags: options.flags ?? [],
    ...(summed ? { sum: headlineValue } : {}),
  };
}

describe('columns', () => {
  test('are the eight workloads with the dataset labels, units and directions', () => {
    const table = computeLeaderboard(dataset, { profile: 'baseline', weights: balanced });
    expect(table.columns.map((c) => c.workload)).toEqual(['tcp', 'parallelTcp', 'udp', 'pingRtt', 'pingLoss', 'quic', 'video', 'nixCache']);
    expect(table.columns[0]).toMatchObject({ label: 'Single-stream TCP', unit: 'Mbit/s', direction: 'higherIsBetter', directionLabel: 'higher is better' });
    expect(table.columns.find((c) => c.workload === 'pingRtt')).toMatchObject({ unit: 'ms', direction: 'lowerIsBetter', directionLabel: 'lower is better' });
    expect(table.columns.find((c) => c.workload === 'udp')!.caveat).toMatch(/overloads/);
  });

  test('rows are the ten VPNs plus the no-VPN reference, each with a cell per column', () => {
    const table = computeLeaderboard(dataset, { profile: 'medium', weights: balanced });
    expect(table.rows.map((r) => r.series).sort()).toEqual(['none', ...vpnIds].sort());
    expect(row(table, 'none')).toMatchObject({ name: 'No VPN', isReference: true, scoreRank: null });
    for (const r of table.rows) expect(r.cells).toHaveLength(8);
  });
});

describe('slowdown factors', () => {
  test('higher-is-better: best / value; lower-is-better: value / best', () => {
    expect(computeFactor(50, 200, 'higherIsBetter', 'Mbit/s')).toBe(4);
    expect(computeFactor(30, 10, 'lowerIsBetter', 's')).toBe(3);
    expect(computeFactor(200, 200, 'higherIsBetter', 'Mbit/s')).toBe(1);
  });

  test('lower-is-better values are floored at the unit resolution, so zero loss is not a division by zero', () => {
    expect(computeFactor(0, 0, 'lowerIsBetter', '%')).toBe(1);
    expect(computeFactor(0.4, 0, 'lowerIsBetter', '%')).toBe(1);
    expect(computeFactor(3, 0, 'lowerIsBetter', '%')).toBe(3);
    expect(computeFactor(0.6, 1.1, 'lowerIsBetter', 'ms')).toBeCloseTo(1 / 1.1, 10);
  });

  test('a higher-is-better value of zero is infinitely slow before capping, and FACTOR_CAP in the table', () => {
    expect(computeFactor(0, 100, 'higherIsBetter', 'score')).toBe(Number.POSITIVE_INFINITY);
    const ds = structuredClone(committedJson());
    setCell(ds, 'tinc', 'baseline', 'video', 0);
    const table = computeLeaderboard(load(ds), { profile: 'baseline', weights: balanced });
    expect(cellOf(table, 'tinc', 'video')).toMatchObject({ value: 0, factor: FACTOR_CAP, source: 'measured' });
    expect(formatFactor(FACTOR_CAP)).toBe('≥20x');
  });

  test('baseline single TCP: WireGuard is best, the others are measured against it, the reference may be below 1', () => {
    const table = computeLeaderboard(dataset, { profile: 'baseline', weights: balanced });
    const column = table.columns.find((c) => c.workload === 'tcp')!;
    expect(column.best).toEqual({ vpn: 'wireguard', value: 863.7 });
    expect(cellOf(table, 'wireguard', 'tcp')).toMatchObject({ factor: 1, isBest: true });
    expect(cellOf(table, 'zerotier', 'tcp').factor).toBeCloseTo(863.7 / headline('zerotier', 'baseline', 'tcp'), 10);
    expect(cellOf(table, 'none', 'tcp').factor).toBeCloseTo(863.7 / 934.1, 10);
    expect(cellOf(table, 'none', 'tcp').isBest).toBe(false);
  });

  test('baseline ping: lower is better, the best is the smallest VPN round trip', () => {
    const column = getColumnFactors(dataset, 'baseline', 'pingRtt')!;
    const vpnValues = vpnIds.map((v) => headline(v, 'baseline', 'pingRtt'));
    expect(column.best!.value).toBe(Math.min(...vpnValues));
    expect(column.entries.get('yggdrasil')!.factor).toBeCloseTo(headline('yggdrasil', 'baseline', 'pingRtt') / column.best!.value, 10);
  });

  test('the reference never sets the best, even when it is the fastest', () => {
    for (const profile of ['baseline', 'low', 'medium', 'high'] as const) {
      for (const workload of leaderboardWorkloadIds) {
        const column = getColumnFactors(dataset, profile, workload)!;
        if (column.best !== null) expect(column.best.vpn).not.toBe('none');
      }
    }
  });

  test('a cell flagged as not comparable (masked loss) cannot set the best, and shows 1.0x when it beats it', () => {
    const column = getColumnFactors(dataset, 'low', 'pingLoss')!;
    expect(getCell(dataset, 'mycelium', 'low', 'pingLoss')!.flags).toContain('lossMasked');
    expect(['mycelium', 'yggdrasil', 'easytier', 'hyprspace']).not.toContain(column.best!.vpn);
    expect(column.entries.get('mycelium')!.factor).toBe(1);
  });

  test('a cell where not every pair succeeded cannot set the best while a complete cell exists', () => {
    const ds = structuredClone(committedJson());
    setCell(ds, 'tinc', 'baseline', 'tcp', 2000);
    const cell = ds.runs[0]!.cells.find((c) => c.vpn === 'tinc' && c.profile === 'baseline' && c.workload === 'tcp')!;
    cell.pairs[2] = { pair: cell.pairs[2]!.pair, value: null, failure: 'connectFailed' };
    Object.assign(cell, { okPairs: 2, failures: { connectFailed: 1 }, flags: ['partialPairs'] });
    const column = getColumnFactors(load(ds), 'baseline', 'tcp')!;
    expect(column.best!.vpn).toBe('wireguard');
    expect(column.entries.get('tinc')!.factor).toBe(1);
  });
});

describe('cells without a value', () => {
  // A controlled column: WireGuard 100 is best; the others 2x .. 16x; Mycelium's test failed on the network,
  // Hyprspace's because the test tool lost its control connection.
  const controlled = (() => {
    const ds = structuredClone(committedJson());
    const values: Partial<Record<SeriesId, number>> = { none: 200, wireguard: 100, zerotier: 50, vpncloud: 100 / 3, tinc: 25, nebula: 20, yggdrasil: 12.5, easytier: 10, headscale: 6.25 };
    for (const [vpn, value] of Object.entries(values)) setCell(ds, vpn as SeriesId, 'baseline', 'tcp', value);
    setCell(ds, 'mycelium', 'baseline', 'tcp', null, { failure: 'connectFailed' });
    setCell(ds, 'hyprspace', 'baseline', 'tcp', null, { failure: 'controlLost' });
    return load(ds);
  })();

  test('a failed cell counts as the worst measured VPN factor', () => {
    const column = getColumnFactors(controlled, 'baseline', 'tcp')!;
    expect(column.worstMeasured).toBe(16);
    expect(column.entries.get('mycelium')).toMatchObject({ value: null, factor: 16, source: 'failed' });
  });

  test('a cell that failed on the test side counts as the median measured VPN factor', () => {
    // Measured VPN factors: 1, 2, 3, 4, 5, 8, 10, 16 -> median 4.5.
    const column = getColumnFactors(controlled, 'baseline', 'tcp')!;
    expect(column.medianMeasured).toBeCloseTo(4.5, 10);
    expect(column.entries.get('hyprspace')).toMatchObject({ value: null, source: 'inconclusive' });
    expect(column.entries.get('hyprspace')!.factor).toBeCloseTo(4.5, 10);
    expect(column.entries.get('none')!.factor).toBe(0.5);
  });

  test('a missing cell never counts as better than MISSING_MIN_FACTOR', () => {
    // Baseline QUIC: every VPN is within 1.5x, yet Headscale and Nebula produced no result at all.
    const column = getColumnFactors(dataset, 'baseline', 'quic')!;
    expect(column.worstMeasured!).toBeLessThan(MISSING_MIN_FACTOR);
    expect(column.entries.get('headscale')).toMatchObject({ factor: MISSING_MIN_FACTOR, source: 'failed' });
  });

  test('a timed-out download counts as at least its time limit over the best', () => {
    const column = getColumnFactors(dataset, 'high', 'nixCache')!;
    const best = column.best!.value;
    expect(column.entries.get('wireguard')).toMatchObject({ value: null, source: 'failed' });
    expect(column.entries.get('wireguard')!.factor).toBeCloseTo(700 / best, 10);
    expect(700 / best).toBeGreaterThan(column.worstMeasured!);
  });

  test('is flagged noValue with the failure categories and how it was counted', () => {
    const table = computeLeaderboard(controlled, { profile: 'baseline', weights: balanced });
    const failed = cellOf(table, 'mycelium', 'tcp').flags.find((f) => f.id === 'noValue')!;
    expect(failed.explanation).toMatch(/3 × could not connect/);
    expect(failed.explanation).toMatch(/worst VPN measured in this column/);
    const inconclusive = cellOf(table, 'hyprspace', 'tcp').flags.find((f) => f.id === 'noValue')!;
    expect(inconclusive.explanation).toMatch(/test tool failed/);
    expect(inconclusive.explanation).toMatch(/median/);
  });
});

describe('flags', () => {
  test('cells with fewer successful pairs than pairs are flagged with an explanation', () => {
    for (const profile of ['baseline', 'low', 'medium', 'high'] as const) {
      const table = computeLeaderboard(dataset, { profile, weights: balanced });
      for (const r of table.rows) {
        for (const c of r.cells) {
          if (c.okPairs < c.totalPairs) expect(c.flags.length).toBeGreaterThan(0);
          for (const f of c.flags) expect(f.explanation.length).toBeGreaterThan(20);
        }
      }
    }
  });

  test("dataset traps carry the dataset's title and explanation", () => {
    const table = computeLeaderboard(dataset, { profile: 'baseline', weights: balanced });
    const video = cellOf(table, 'headscale', 'video');
    expect(video.flags.map((f) => f.id)).toContain('brokenVideoStream');
    expect(video.flags.find((f) => f.id === 'brokenVideoStream')).toMatchObject({ title: 'Stream essentially broken' });
    expect(row(table, 'mycelium').flaggedCells).toBe(8);
  });

  test('a cell with a value keeps its spread over the pairs', () => {
    const table = computeLeaderboard(dataset, { profile: 'baseline', weights: balanced });
    const cell = getCell(dataset, 'wireguard', 'baseline', 'tcp')!;
    expect(cellOf(table, 'wireguard', 'tcp')).toMatchObject({ value: cell.mean, spread: { min: cell.min, max: cell.max }, okPairs: 3, totalPairs: 3 });
  });
});

describe('weighted geometric-mean score', () => {
  test('with one weighted column the score is that factor', () => {
    const score = computeScore(dataset, 'zerotier', only('tcp'), ['baseline']);
    expect(score.score).toBeCloseTo(getColumnFactors(dataset, 'baseline', 'tcp')!.entries.get('zerotier')!.factor, 12);
    expect(score.parts).toHaveLength(1);
  });

  test('is exp of the weighted mean of the log factors, with weights normalised to 1', () => {
    const weights = { ...only('tcp', 3), pingRtt: 1 };
    const tcp = getColumnFactors(dataset, 'baseline', 'tcp')!.entries.get('yggdrasil')!.factor;
    const ping = getColumnFactors(dataset, 'baseline', 'pingRtt')!.entries.get('yggdrasil')!.factor;
    const score = computeScore(dataset, 'yggdrasil', weights, ['baseline']);
    expect(score.score).toBeCloseTo(Math.exp((3 * Math.log(tcp) + Math.log(ping)) / 4), 12);
    expect(score.parts.map((p) => p.weight)).toEqual([0.75, 0.25]);
  });

  test('only the ratios of the weights matter', () => {
    const times10 = Object.fromEntries(leaderboardWorkloadIds.map((w) => [w, weightPresets.videoCalls.weights[w] * 10])) as WorkloadWeights;
    for (const vpn of vpnIds) {
      expect(computeScore(dataset, vpn, times10, ['low']).score).toBeCloseTo(computeScore(dataset, vpn, weightPresets.videoCalls.weights, ['low']).score!, 12);
    }
  });

  test('every row is scored over the same columns, and columns without any VPN value are left out', () => {
    const ds = structuredClone(committedJson());
    for (const vpn of vpnIds) setCell(ds, vpn, 'baseline', 'quic', null, { failure: 'noResult' });
    const table = computeLeaderboard(load(ds), { profile: 'baseline', weights: balanced });
    expect(table.columns.find((c) => c.workload === 'quic')).toMatchObject({ best: null, scoreShare: 0 });
    const sets = table.rows.map((r) => r.scoreParts.map((p) => p.workload).join());
    expect(new Set(sets).size).toBe(1);
    expect(sets[0]).not.toContain('quic');
    expect(table.rows[0]!.scoreParts.reduce((a, p) => a + p.weight, 0)).toBeCloseTo(1, 12);
  });

  test('all weights zero: no score', () => {
    const table = computeLeaderboard(dataset, { profile: 'baseline', weights: { ...only('tcp', 0) } });
    expect(table.rows.every((r) => r.score === null && r.scoreRank === null)).toBe(true);
  });

  test('score ranks 1..10 go to the VPNs by score; the reference has none', () => {
    const table = computeLeaderboard(dataset, { profile: 'baseline', weights: balanced });
    const vpnRows = table.rows.filter((r) => !r.isReference);
    expect(vpnRows.map((r) => r.scoreRank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(vpnRows[0]!.series).toBe('wireguard');
  });
});

describe('flaky-links preset', () => {
  test('scores the medium and high profiles whatever profile is shown', () => {
    const flaky = weightPresets.flakyLinks;
    const baseline = computeLeaderboard(dataset, { profile: 'baseline', weights: flaky.weights, scoreProfiles: flaky.scoreProfiles });
    const high = computeLeaderboard(dataset, { profile: 'high', weights: flaky.weights, scoreProfiles: flaky.scoreProfiles });
    expect(baseline.scoreProfiles).toEqual(['medium', 'high']);
    for (const vpn of vpnIds) expect(row(baseline, vpn).score).toBe(row(high, vpn).score);
    expect(new Set(row(baseline, 'wireguard').scoreParts.map((p) => p.profile))).toEqual(new Set(['medium', 'high']));
  });

  test('promotes a VPN that holds up at medium/high impairment over one that is fast only on a clean link (controlled data)', () => {
    // Same baseline figures as measured; at medium and high, WireGuard gets the worst VPN value of every column
    // and Tinc the best one.
    const ds = structuredClone(committedJson());
    for (const profile of ['medium', 'high'] as const) {
      for (const workload of leaderboardWorkloadIds) {
        const values = vpnIds.flatMap((v) => {
          const cell = getCell(dataset, v, profile, workload)!;
          const value = workload === 'parallelTcp' ? cell.sum : cell.mean;
          return value === null || value === undefined ? [] : [value];
        });
        if (values.length === 0) continue;
        const higher = dataset.workloads.find((w) => w.id === workload)!.direction === 'higherIsBetter';
        setCell(ds, 'tinc', profile, workload, higher ? Math.max(...values) : Math.min(...values));
        setCell(ds, 'wireguard', profile, workload, higher ? Math.min(...values) : Math.max(...values));
      }
    }
    const data = load(ds);
    const clean = computeLeaderboard(data, { profile: 'baseline', weights: balanced });
    const flaky = computeLeaderboard(data, { profile: 'baseline', weights: weightPresets.flakyLinks.weights, scoreProfiles: weightPresets.flakyLinks.scoreProfiles });
    expect(row(clean, 'wireguard').scoreRank).toBeLessThan(row(clean, 'tinc').scoreRank!);
    expect(row(flaky, 'tinc').scoreRank).toBe(1);
    expect(row(flaky, 'wireguard').scoreRank).toBe(10);
  });

  test('in the measured data, it promotes the VPNs whose Nix download still finishes on bad links and demotes those that collapse', () => {
    // What the data says, independent of the score: Tinc's Nix download finishes at high impairment; Yggdrasil's
    // times out already at medium, and its QUIC falls from hundreds of Mbit/s to a few.
    expect(getCell(dataset, 'tinc', 'high', 'nixCache')!.mean).not.toBeNull();
    expect(getCell(dataset, 'yggdrasil', 'medium', 'nixCache')!.mean).toBeNull();
    expect(headline('yggdrasil', 'baseline', 'quic') / headline('yggdrasil', 'medium', 'quic')).toBeGreaterThan(100);
    const clean = computeLeaderboard(dataset, { profile: 'baseline', weights: balanced });
    const flaky = computeLeaderboard(dataset, { profile: 'baseline', weights: weightPresets.flakyLinks.weights, scoreProfiles: weightPresets.flakyLinks.scoreProfiles });
    expect(row(flaky, 'tinc').scoreRank!).toBeLessThanOrEqual(row(clean, 'tinc').scoreRank! - 3);
    expect(row(clean, 'yggdrasil').scoreRank!).toBeLessThanOrEqual(5);
    expect(row(flaky, 'yggdrasil').scoreRank!).toBeGreaterThan(5);
    expect(row(flaky, 'zerotier').scoreRank).toBe(1);
  });
});

describe('presets', () => {
  test('the four presets weigh every column with a non-negative number', () => {
    expect(weightPresetIds).toEqual(['balanced', 'fileTransfer', 'videoCalls', 'flakyLinks']);
    for (const id of weightPresetIds) {
      const preset = weightPresets[id];
      expect(Object.keys(preset.weights).sort()).toEqual([...leaderboardWorkloadIds].sort());
      expect(Object.values(preset.weights).every((w) => w >= 0)).toBe(true);
      expect(Object.values(preset.weights).some((w) => w > 0)).toBe(true);
    }
  });

  test('file transfer weighs bulk transfers most, video calls the interactive workloads', () => {
    const ft = weightPresets.fileTransfer.weights;
    const vc = weightPresets.videoCalls.weights;
    expect(ft.tcp).toBeGreaterThan(ft.pingRtt);
    expect(ft.nixCache).toBeGreaterThan(ft.video);
    expect(vc.video).toBeGreaterThan(vc.tcp);
    expect(vc.pingRtt).toBeGreaterThan(vc.nixCache);
  });

  test('matchPreset recognises each preset and calls anything else custom', () => {
    for (const id of weightPresetIds) expect(matchPreset(weightPresets[id].weights, weightPresets[id].scoreProfiles)).toBe(id);
    expect(matchPreset({ ...balanced, tcp: 2 }, [])).toBe('custom');
    expect(matchPreset(weightPresets.flakyLinks.weights, [])).toBe('custom');
    expect(matchPreset(weightPresets.flakyLinks.weights, ['high', 'medium', 'high'])).toBe('flakyLinks');
    expect(computeLeaderboard(dataset, { profile: 'low', weights: weightPresets.videoCalls.weights }).preset).toBe('videoCalls');
  });
});

describe('sorting', () => {
  const sorted = (column: Parameters<typeof computeLeaderboard>[1]['sort']) => computeLeaderboard(dataset, { profile: 'medium', weights: balanced, sort: column });

  test('by score, best first by default and worst first on request', () => {
    const best = sorted(undefined);
    const scores = best.rows.map((r) => r.score!);
    expect(scores).toEqual([...scores].sort((a, b) => a - b));
    const worst = sorted({ column: 'score', direction: 'worstFirst' });
    expect(worst.rows.map((r) => r.series)).toEqual([...best.rows.map((r) => r.series)].reverse());
  });

  test('by a workload column, by factor, so best first means highest Mbit/s or lowest ms', () => {
    const tcp = sorted({ column: 'tcp', direction: 'bestFirst' }).rows.map((r) => r.cells[0]!.value!);
    expect(tcp).toEqual([...tcp].sort((a, b) => b - a));
    const ping = sorted({ column: 'pingRtt', direction: 'bestFirst' }).rows.map((r) => r.cells[3]!.factor!);
    expect(ping).toEqual([...ping].sort((a, b) => a - b));
  });

  test('cells without a value sort after measured cells with the same factor', () => {
    const table = computeLeaderboard(dataset, { profile: 'baseline', weights: balanced, sort: { column: 'quic', direction: 'bestFirst' } });
    const names = table.rows.map((r) => r.series);
    const missing = ['headscale', 'nebula'].map((s) => names.indexOf(s as SeriesId));
    const measured = table.rows.filter((r) => r.cells[5]!.source === 'measured').map((r) => names.indexOf(r.series));
    expect(Math.min(...missing)).toBeGreaterThan(Math.max(...measured));
  });

  test('by name, A to Z; ties keep the run order so the table never jitters', () => {
    const byName = sorted({ column: 'name', direction: 'bestFirst' }).rows.map((r) => r.name);
    expect(byName).toEqual([...byName].sort());
    // Baseline ping loss is 0 % for everyone: every factor is 1, so the order is the run's.
    const ties = computeLeaderboard(dataset, { profile: 'baseline', weights: balanced, sort: { column: 'pingLoss', direction: 'worstFirst' } });
    expect(ties.rows.map((r) => r.series)).toEqual(dataset.runs[0]!.series);
  });
});

describe('colour scale', () => {
  test('green at 1.0x, yellow at 2x, red at 4x and beyond, continuous on a log scale', () => {
    expect(factorColorPosition(1)).toBe(0);
    expect(factorColorPosition(0.5)).toBe(0);
    expect(factorColorPosition(Math.SQRT2)).toBeCloseTo(0.25, 12);
    expect(factorColorPosition(2)).toBe(0.5);
    expect(factorColorPosition(4)).toBe(1);
    expect(factorColorPosition(100)).toBe(1);
    expect(factorColor(1)).toBe('hsl(120, 70%, 45%)');
    expect(factorColor(2)).toBe('hsl(60, 70%, 45%)');
    expect(factorColor(4)).toBe('hsl(0, 70%, 45%)');
    expect(factorColor(3, 85)).toBe(`hsl(${Math.round(120 * (1 - Math.log2(3) / 2))}, 70%, 85%)`);
  });

  test('cells and scores carry their colour', () => {
    const table = computeLeaderboard(dataset, { profile: 'baseline', weights: balanced });
    const cell = cellOf(table, 'tinc', 'tcp');
    expect(cell.colorPosition).toBe(factorColorPosition(cell.factor!));
    expect(cell.color).toBe(factorColor(cell.factor!));
    expect(row(table, 'wireguard').scoreColor).toBe(factorColor(row(table, 'wireguard').score!));
  });
});

describe('formatting', () => {
  test('numbers read the way people write them', () => {
    expect(formatFigure(863.7, 'Mbit/s')).toBe('864 Mbit/s');
    expect(formatFigure(54.66, 'Mbit/s')).toBe('54.7 Mbit/s');
    expect(formatFigure(0.6, 'ms')).toBe('0.60 ms');
    expect(formatFigure(92.5, '%')).toBe('92.5 %');
    expect(formatFigure(99.8, 'score')).toBe('99.8 of 100');
    expect(formatFactor(1)).toBe('1.0x');
    expect(formatFactor(14.5)).toBe('15x');
  });

  test('the table is plain JSON (no Infinity or NaN), so the CLI and IPC can send it as is', () => {
    for (const profile of ['baseline', 'high'] as const) {
      const table = computeLeaderboard(dataset, { profile, weights: balanced });
      expect(JSON.parse(JSON.stringify(table))).toEqual(table);
    }
  });
});
