import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { vpnDisplayNames, vpnIds } from '../vpn/ids';
import { loadDataset } from './load';
import {
  getCell,
  getFailureCategory,
  getFlag,
  getHeadline,
  getMetricSpread,
  getOptimizedCell,
  getProfile,
  getRun,
  getSeriesInfo,
  getSeriesName,
  getShareOfReference,
  getWorkload,
  listOptimizedSeries,
  listProfiles,
  listSeries,
  listWorkloads,
  rankSeries,
} from './query';
import { profileIds, workloadIds, type BenchCell, type BenchDataset, type FlagId, type ProfileId, type SeriesId, type WorkloadId } from './schema';

const result = loadDataset(JSON.parse(readFileSync(new URL('../../../resources/bench/vpn-bench.json', import.meta.url), 'utf8')));
if (!result.ok) throw new Error(`the committed dataset does not load: ${JSON.stringify(result.error)}`);
const dataset: BenchDataset = result.value;

function cell(vpn: SeriesId, profile: ProfileId, workload: WorkloadId): BenchCell {
  const found = getCell(dataset, vpn, profile, workload);
  if (found === undefined) throw new Error(`no cell ${vpn}/${profile}/${workload}`);
  return found;
}

const flagsOf = (c: BenchCell): FlagId[] => c.flags;

describe('the thesis figures in the committed dataset', () => {
  test('no VPN reaches 934.1 Mbit/s single-stream TCP and 0.60 ms ping at baseline', () => {
    expect(cell('none', 'baseline', 'tcp').mean).toBe(934.1);
    expect(cell('none', 'baseline', 'pingRtt').mean!.toFixed(2)).toBe('0.60');
  });

  test('WireGuard keeps 92.5 % of the bare-network TCP throughput', () => {
    expect((getShareOfReference(dataset, 'wireguard', 'baseline', 'tcp')! * 100).toFixed(1)).toBe('92.5');
  });

  test('Mycelium averages 34.9 ms at baseline, a mean of two slow paths and one fast one', () => {
    const ping = cell('mycelium', 'baseline', 'pingRtt');
    expect(ping.mean).toBe(34.9);
    expect(ping.pairs.map((p) => p.value)).toEqual([51.47, 51.6, 1.626]);
    expect(flagsOf(ping)).toContain('bimodalLatency');
  });
});

describe('lookups', () => {
  test('getCell returns undefined for combinations that were never measured', () => {
    expect(getCell(dataset, 'wireguard', 'low', 'connectAfterDeploy')).toBeUndefined();
    expect(getCell(dataset, 'none', 'low', 'connectAfterDeploy')).toBeUndefined();
    expect(getCell(dataset, 'headscale', 'baseline', 'quic', 'optimized')).toBeUndefined();
    expect(getCell(dataset, 'none', 'high', 'tcp', 'optimized')).toBeUndefined();
  });

  test('every VPN and the reference have all eight per-profile workloads in every profile of the main run', () => {
    for (const vpn of ['none', ...vpnIds] as const) {
      for (const profile of profileIds) {
        for (const workload of workloadIds) {
          const definition = getWorkload(dataset, workload)!;
          const expected = !definition.baselineOnly || profile === 'baseline';
          expect(getCell(dataset, vpn, profile, workload) !== undefined, `${vpn}/${profile}/${workload}`).toBe(expected);
        }
      }
    }
  });

  test('the optimized run is an extra series for Headscale and no VPN', () => {
    expect(listOptimizedSeries(dataset)).toEqual(['none', 'headscale']);
    expect(getRun(dataset, 'optimized')?.tuning).toMatchObject({ 'net.ipv4.tcp_reordering': 10 });
    const tuned = getOptimizedCell(dataset, 'headscale', 'medium', 'tcp')!;
    expect(tuned.okPairs).toBe(3);
    expect(tuned.mean).toBeGreaterThan(cell('headscale', 'medium', 'tcp').mean!);
    expect(getOptimizedCell(dataset, 'wireguard', 'baseline', 'tcp')).toBeUndefined();
  });

  test('lists workloads and profiles in display order with their settings', () => {
    expect(listWorkloads(dataset).map((w) => w.id)).toEqual([...workloadIds]);
    expect(listProfiles(dataset).map((p) => p.id)).toEqual([...profileIds]);
    expect(getProfile(dataset, 'baseline')?.impairment).toBeNull();
    expect(getProfile(dataset, 'low')?.impairment).toEqual({
      latencyMs: 4,
      jitterMs: 4,
      lossPercent: 0.5,
      reorderPercent: 1,
      reorderCorrelationPercent: 25,
      bandwidthMbit: null,
    });
    expect(getProfile(dataset, 'high')?.impairment).toMatchObject({ latencyMs: 12, jitterMs: 30, lossPercent: 5, reorderPercent: 10 });
  });

  test('lists the main run series with the reference first', () => {
    expect(listSeries(dataset)).toEqual(['none', ...vpnIds]);
    expect(getSeriesInfo(dataset, 'wireguard')).toEqual({ id: 'wireguard', addressFamily: 'ipv4', tunnelMssBytes: 1368 });
  });

  test('names series as the projects spell them', () => {
    expect(getSeriesName('none')).toBe('No VPN');
    for (const id of vpnIds) expect(getSeriesName(id)).toBe(vpnDisplayNames[id]);
  });

  test('explains every flag and failure category used by a cell', () => {
    for (const run of dataset.runs) {
      for (const c of run.cells) {
        for (const flag of c.flags) expect(getFlag(dataset, flag)?.explanation.length).toBeGreaterThan(20);
        for (const p of c.pairs) if (p.failure !== undefined) expect(getFailureCategory(dataset, p.failure)?.label).toBeTruthy();
      }
    }
  });
});

describe('headlines and ranking', () => {
  test('parallel TCP headlines the sum of all three pairs, and nothing when a pair failed', () => {
    const parallel = getWorkload(dataset, 'parallelTcp')!;
    const full = cell('none', 'baseline', 'parallelTcp');
    expect(getHeadline(full, parallel)).toBeCloseTo(full.pairs.reduce((a, p) => a + p.value!, 0), 0);
    const nebula = cell('nebula', 'baseline', 'parallelTcp');
    expect(nebula.okPairs).toBe(2);
    expect(getHeadline(nebula, parallel)).toBeNull();
    expect(nebula.mean).not.toBeNull();
    expect(flagsOf(nebula)).toContain('incompleteAggregate');
  });

  test('ranks VPNs best first and puts cells without a value last', () => {
    const tcp = rankSeries(dataset, 'baseline', 'tcp');
    expect(tcp).toHaveLength(vpnIds.length);
    expect(tcp[0]!.vpn).toBe('wireguard');
    const values = tcp.map((r) => r.value!);
    expect([...values].sort((a, b) => b - a)).toEqual(values);
    const ping = rankSeries(dataset, 'baseline', 'pingRtt');
    expect(ping.at(-1)!.vpn).toBe('mycelium');
    const quic = rankSeries(dataset, 'baseline', 'quic');
    expect(quic.slice(-2).map((r) => r.vpn)).toEqual(['headscale', 'nebula']);
    expect(quic.slice(-2).every((r) => r.value === null)).toBe(true);
  });

  test('getMetricSpread summarises a secondary metric over the successful pairs', () => {
    const udp = cell('tinc', 'baseline', 'udp');
    const drops = getMetricSpread(udp, 'overloadDropPercent')!;
    expect(drops.min).toBeLessThanOrEqual(drops.mean);
    expect(drops.mean).toBeLessThanOrEqual(drops.max);
    expect(drops.mean).toBeGreaterThan(10);
    expect(getMetricSpread(cell('hyprspace', 'baseline', 'udp'), 'overloadDropPercent')).toBeNull();
  });
});

describe('failures and traps', () => {
  test('records why pairs failed, with the harness limit for timeouts', () => {
    const nix = cell('hyprspace', 'low', 'nixCache');
    expect(nix.okPairs).toBe(0);
    expect(nix.failures).toEqual({ timeout: 1, transferFailed: 2 });
    expect(nix.pairs.find((p) => p.failure === 'timeout')?.limitSeconds).toBe(700);
    expect(cell('headscale', 'baseline', 'quic').failures).toEqual({ noResult: 3 });
    expect(cell('vpncloud', 'high', 'video').failures).toEqual({ missing: 1 });
  });

  test('marks UDP failures as a harness problem and oversized datagrams', () => {
    expect(flagsOf(cell('mycelium', 'baseline', 'udp'))).toContain('udpHarnessFailure');
    expect(flagsOf(cell('yggdrasil', 'baseline', 'udp'))).toContain('fragmentedDatagrams');
    expect(flagsOf(cell('wireguard', 'baseline', 'udp'))).toEqual([]);
  });

  test('marks the documented traps on the cells they affect', () => {
    expect(flagsOf(cell('headscale', 'high', 'tcp'))).toContain('stalledPair');
    expect(flagsOf(cell('tinc', 'medium', 'tcp'))).toContain('stalledPair');
    expect(flagsOf(cell('hyprspace', 'low', 'pingLoss'))).toContain('wholeRunLost');
    expect(flagsOf(cell('yggdrasil', 'medium', 'pingLoss'))).toContain('lossMasked');
    expect(flagsOf(cell('wireguard', 'medium', 'pingLoss'))).not.toContain('lossMasked');
    for (const profile of profileIds) expect(flagsOf(cell('headscale', profile, 'video'))).toContain('brokenVideoStream');
    expect(flagsOf(cell('yggdrasil', 'baseline', 'connectAfterReboot'))).toContain('mostlyNetworkWait');
    expect(flagsOf(cell('easytier', 'baseline', 'connectAfterDeploy'))).toContain('laterRerun');
    expect(flagsOf(cell('wireguard', 'high', 'tcp'))).toContain('highImpairmentNoise');
    expect(flagsOf(cell('mycelium', 'low', 'tcp'))).toContain('possiblyRelayed');
  });

  test('every cell is internally consistent', () => {
    for (const run of dataset.runs) {
      for (const c of run.cells) {
        expect(c.totalPairs).toBe(3);
        if (c.okPairs > 0) {
          expect(c.min!).toBeLessThanOrEqual(c.mean!);
          expect(c.mean!).toBeLessThanOrEqual(c.max!);
        }
        if (c.okPairs > 0 && c.okPairs < c.totalPairs) expect(c.flags).toContain('partialPairs');
      }
    }
  });
});
