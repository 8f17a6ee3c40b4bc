import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { computeLeaderboard, formatFactor, weightPresets } from '../bench/leaderboard';
import { loadDataset } from '../bench/load';
import type { BenchDataset, ProfileId } from '../bench/schema';
import { designBuilder } from '../model/designBuilder';
import type { Design, MachineId } from '../model/types';
import type { VpnId } from '../vpn/ids';
import { compareMeasurement, findClosestProfile, getMeasuredProfile, ROUND_TRIP_CAVEAT, SIMILAR_MARGIN, type LinkComparison } from './compare';
import type { LinkMeasurement } from './schema';

// The app's imported benchmark numbers (resources/bench/vpn-bench.json), never the raw files.
const loaded = loadDataset(JSON.parse(readFileSync(new URL('../../../resources/bench/vpn-bench.json', import.meta.url), 'utf8')));
if (!loaded.ok) throw new Error(`dataset does not load: ${JSON.stringify(loaded.error)}`);
const dataset: BenchDataset = loaded.value;

/** Home (the admin, a NAS) and the parents' house (a Raspberry Pi) with a drawn 50/10 Mbit/s line. */
function family(vpn: VpnId = 'wireguard', parentsQuality: 'good' | 'poor' = 'good') {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  const parents = b.site("Parents' house", 'nat', { uplink: { downMbps: 50, upMbps: 10 }, quality: parentsQuality });
  const nas = b.machine('nas', home, 'nas');
  const pi = b.machine('parents-pi', parents, 'sbc');
  b.admin(home);
  return { design: b.vpn(vpn), nas, pi };
}

function link(from: MachineId, to: MachineId, fields: Partial<LinkMeasurement> = {}): LinkMeasurement {
  return {
    from,
    to,
    address: '10.99.0.1',
    measuredAt: 0,
    seconds: 10,
    forwardMbps: null,
    reverseMbps: null,
    forwardRetransmits: null,
    reverseRetransmits: null,
    rttMinMs: null,
    rttAvgMs: null,
    rttMaxMs: null,
    lossPercent: null,
    pingsSent: 0,
    iperfProblem: null,
    pingProblem: null,
    ...fields,
  };
}

function compare(design: Design, measured: LinkMeasurement, options: Parameters<typeof compareMeasurement>[3] = {}): LinkComparison {
  const result = compareMeasurement(design, dataset, measured, options);
  if (!result.ok) throw new Error(`refused: ${result.error.code}`);
  return result.value;
}

const pings = (lossPercent: number, rttMinMs: number, rttAvgMs: number) => ({ lossPercent, rttMinMs, rttAvgMs, rttMaxMs: rttAvgMs * 2, pingsSent: 200 });

describe('the closest profile', () => {
  test.each([
    // [loss %, fastest ms, mean ms] → profile, deciding dimension
    [0, 20, 20.4, 'baseline', 'loss'],
    [0.5, 25, 25.2, 'low', 'loss'],
    [0.25, 0.03, 0.035, 'baseline', 'loss'], // a tie between 0 and 0.5 % goes to the milder profile
    [2.5, 20, 22.5, 'medium', 'loss'],
    [0, 12, 21, 'medium', 'delay'], // 9 ms above the fastest reply: nearest the medium profile's 8 ms
    [9.5, 0.028, 0.035, 'high', 'loss'],
    [1, 30, 45, 'high', 'delay'],
  ] as const)('%s %% loss, round trips %s/%s ms → %s (decided by %s)', (loss, min, avg, profile, decidedBy) => {
    expect(findClosestProfile(dataset, { lossPercent: loss, rttMinMs: min, rttAvgMs: avg })).toMatchObject({ profile, decidedBy, source: 'measured' });
  });

  test('the distance part of a round trip does not count: 40 ms every time is a clean link', () => {
    expect(findClosestProfile(dataset, { lossPercent: 0, rttMinMs: 40, rttAvgMs: 40.3 })?.profile).toBe('baseline');
  });

  test('says which dimension decided, its profile value, and when a link is worse than every profile', () => {
    const match = findClosestProfile(dataset, { lossPercent: 9.5, rttMinMs: 0.028, rttAvgMs: 0.035 })!;
    expect(match.beyond).toBe(true);
    expect(match.dimensions).toEqual([
      { dimension: 'loss', measured: 9.5, nearest: 'high', profileValue: 5, beyond: true },
      { dimension: 'delay', measured: expect.closeTo(0.007, 9), nearest: 'baseline', profileValue: 0, beyond: false },
    ]);
    expect(match.reason).toBe(
      'Closest benchmark profile: high impairment. 9.5 % of the pings got no reply, nearest the high impairment profile (5.0 % loss), and more than any profile has; the mean round trip was 0.01 ms above the fastest reply, nearest the baseline profile (0.0 ms added delay). The more impaired of the two decides, because the profiles add loss and delay together.',
    );
    // 6 % is within half a step (1.5 %) of the high profile's 5 %: close to it, not beyond.
    expect(findClosestProfile(dataset, { lossPercent: 6, rttMinMs: null, rttAvgMs: null })).toMatchObject({ profile: 'high', beyond: false });
  });

  test('without a ping result the design\'s link quality decides', () => {
    expect(findClosestProfile(dataset, { lossPercent: null, rttMinMs: null, rttAvgMs: null }, 'medium')).toEqual({
      profile: 'medium',
      source: 'design',
      dimensions: [],
      decidedBy: null,
      beyond: false,
      reason: "No ping got through, so the link's loss and delay are unknown: it is compared with the medium impairment profile, which the design's link quality stands for.",
    });
  });
});

describe('comparing a link with the benchmark', () => {
  /** The leaderboard's cell of a series in a profile, computed independently of compare.ts. */
  function leaderboardCell(vpn: string, profile: ProfileId, workload: string) {
    const table = computeLeaderboard(dataset, { profile, weights: weightPresets.balanced.weights });
    return table.rows.find((r) => r.series === vpn)!.cells.find((c) => c.workload === workload)!;
  }

  test('shows the leaderboard\'s own cell (value, pair spread, factor, pairs) with its units, next to the user\'s value and a sentence', () => {
    const { design, nas, pi } = family();
    const result = compare(design, link(pi, nas, { forwardMbps: 1.2, reverseMbps: 2.61, ...pings(6, 30, 31) }));
    expect(result.profile.profile).toBe('high');
    const tcp = leaderboardCell('wireguard', 'high', 'tcp');
    expect(result.rows.map((r) => [r.workload, r.direction, r.unit, r.directionLabel])).toEqual([
      ['tcp', 'forward', 'Mbit/s', 'higher is better'],
      ['tcp', 'reverse', 'Mbit/s', 'higher is better'],
      ['pingRtt', null, 'ms', 'lower is better'],
      ['pingLoss', null, '%', 'lower is better'],
    ]);
    const [forward, reverse, rtt, loss] = result.rows;
    expect(forward).toMatchObject({
      label: 'Single-stream TCP, "parents-pi" → "nas"',
      benchmark: tcp,
      benchmarkText: '2.6 Mbit/s',
      spreadText: '2.6 to 2.7 Mbit/s',
      factorText: formatFactor(tcp.factor!),
      yours: 1.2,
      yoursText: '1.2 Mbit/s',
      verdict: 'worse',
      sentence: 'Your link from "parents-pi" to "nas" is slower than WireGuard in the high impairment profile: 1.2 Mbit/s against 2.6 Mbit/s (its pairs: 2.6 to 2.7 Mbit/s).',
    });
    expect(forward!.yourFactor).toBeCloseTo(2.633 / 1.2, 6);
    expect(reverse).toMatchObject({ verdict: 'similar', sentence: 'Your link from "nas" back to "parents-pi" is about as fast as WireGuard in the high impairment profile: 2.6 Mbit/s against 2.6 Mbit/s (its pairs: 2.6 to 2.7 Mbit/s).' });
    expect(rtt).toMatchObject({ benchmark: leaderboardCell('wireguard', 'high', 'pingRtt'), verdict: 'worse', sentence: 'The round trip from "parents-pi" to "nas" is longer than with WireGuard in the high impairment profile: 31.0 ms against 16.0 ms (its pairs: 15.8 to 16.2 ms).' });
    expect(loss).toMatchObject({ benchmark: leaderboardCell('wireguard', 'high', 'pingLoss'), verdict: 'similar', sentence: 'Your link from "parents-pi" to "nas" loses about as many pings as WireGuard in the high impairment profile: 6.0 % against 5.3 % (its pairs: 4.7 to 6.3 %).' });
    // The headline is the slower direction.
    expect(result.summary).toBe(forward!.sentence);
  });

  test('carries the leaderboard\'s caveats: every flag of the cell with its explanation, and the workload\'s caveat', () => {
    const { design, nas, pi } = family();
    const [forward, , rtt] = compare(design, link(pi, nas, { forwardMbps: 2, ...pings(5, 1, 2) })).rows;
    const flag = dataset.flags.find((f) => f.id === 'highImpairmentNoise')!;
    expect(forward!.caveats).toEqual([`${flag.title}: ${flag.explanation}`]);
    expect(rtt!.caveats).toEqual([ROUND_TRIP_CAVEAT]);
    // Yggdrasil turns loss into delay: its 0 % loss is flagged, as in the leaderboard.
    const ygg = family('yggdrasil');
    const loss = compare(ygg.design, link(ygg.pi, ygg.nas, pings(0.5, 1, 3))).rows.find((r) => r.workload === 'pingLoss')!;
    const masked = dataset.flags.find((f) => f.id === 'lossMasked')!;
    expect(loss.caveats).toContain(`${masked.title}: ${masked.explanation}`);
    expect(loss.benchmark?.flags.map((f) => f.id)).toContain('lossMasked');
  });

  test('faster and similar are judged against the pair spread widened by the margin; lower-is-better values count at the leaderboard\'s resolution', () => {
    const { design, nas, pi } = family();
    const clean = (fields: Partial<LinkMeasurement>) => compare(design, link(pi, nas, { ...pings(0, 0.2, 0.3), ...fields }));
    // Baseline WireGuard: 863.7 Mbit/s, pairs 823.6 to 883.7.
    expect(clean({ forwardMbps: 823.6 * (1 - SIMILAR_MARGIN) + 0.1 }).rows[0]!.verdict).toBe('similar');
    expect(clean({ forwardMbps: 823.6 * (1 - SIMILAR_MARGIN) - 0.1 }).rows[0]!.verdict).toBe('worse');
    expect(clean({ forwardMbps: 980 }).rows[0]).toMatchObject({ verdict: 'better', sentence: 'Your link from "parents-pi" to "nas" is faster than WireGuard in the baseline profile: 980 Mbit/s against 864 Mbit/s (its pairs: 824 to 884 Mbit/s).' });
    // 0 % loss against 0 % (and anything under the 1 % resolution) is the same.
    expect(clean({}).rows[3]).toMatchObject({ verdict: 'similar', yourFactor: 1, benchmarkText: '0.0 %', spreadText: '0.0 %' });
    // 0.3 ms against 1.2 ms: both at the 1 ms resolution floor or near it, so shorter by the floor only.
    expect(clean({}).rows[2]!.verdict).toBe('better');
  });

  test('a drawn uplink the measured figure comes close to is named as the limit', () => {
    const { design, nas, pi } = family();
    const result = compare(design, link(pi, nas, { forwardMbps: 9.1, reverseMbps: 20, ...pings(0, 20, 20.5) }));
    expect(result.caveats).toContain('Your 9.1 Mbit/s from "parents-pi" to "nas" is close to the 10.0 Mbit/s upload drawn for "Parents\' house": that internet link, not the VPN, sets the limit there, which the benchmark\'s uncapped profiles do not have.');
    expect(result.caveats.filter((c) => c.includes('drawn for'))).toHaveLength(1);
    expect(result.caveats[0]).toContain('Yours is what arrived over 10.0 s on one link');
  });

  test('a few pings: says how coarse the loss is', () => {
    const { design, nas, pi } = family();
    const result = compare(design, link(pi, nas, { lossPercent: 10, rttMinMs: 1, rttAvgMs: 1.5, pingsSent: 10 }));
    expect(result.caveats).toContain('With 10 pings, loss shows in steps of 10.0 %: one lost ping more or less moves it by that much.');
  });

  test('nothing measured, or no ping: rows say so, and the design\'s link quality picks the profile', () => {
    const { design, nas, pi } = family('wireguard', 'poor');
    const result = compare(design, link(pi, nas, { forwardMbps: 5, iperfProblem: null, pingProblem: 'unreachable' }));
    expect(result.profile).toMatchObject({ profile: 'medium', source: 'design' });
    expect(result.rows[1]).toMatchObject({ yours: null, verdict: null, sentence: 'No single-stream TCP figure was measured for "nas" → "parents-pi".' });
    expect(result.summary).toBe('Your link from "parents-pi" to "nas" is slower than WireGuard in the medium impairment profile: 5.0 Mbit/s against 8.8 Mbit/s (its pairs: 8.6 to 8.9 Mbit/s).');
    expect(compare(design, link(pi, nas)).summary).toBe('Nothing was measured between "parents-pi" and "nas".');
  });

  test('a cell without a value says the benchmark has no figure, with the leaderboard\'s no-value explanation', () => {
    const { design, nas, pi } = family();
    const stripped: BenchDataset = structuredClone(dataset);
    const main = stripped.runs.find((r) => r.id === 'main')!;
    main.cells = main.cells.filter((c) => !(c.vpn === 'wireguard' && c.profile === 'baseline' && c.workload === 'tcp'));
    const result = compareMeasurement(design, stripped, link(pi, nas, { forwardMbps: 40, ...pings(0, 10, 10.1) }));
    if (!result.ok) throw new Error('refused');
    const forward = result.value.rows[0]!;
    expect(forward).toMatchObject({ benchmarkText: null, verdict: null, yourFactor: null, sentence: 'WireGuard has no single-stream TCP figure in the baseline profile; your link from "parents-pi" to "nas": 40.0 Mbit/s.' });
    expect(forward.caveats.some((c) => c.startsWith('No value: This combination was not measured.'))).toBe(true);
  });

  test('compares with the no-VPN reference on request, and refuses a design without a VPN', () => {
    const { design, nas, pi } = family();
    const plain = compare(design, link(pi, nas, { forwardMbps: 3, ...pings(9.5, 0.03, 0.04) }), { vpn: 'none' });
    expect(plain.rows[0]!.sentence).toBe('Your link from "parents-pi" to "nas" is slower than No VPN in the high impairment profile: 3.0 Mbit/s against 4.3 Mbit/s (its pairs: 3.8 to 5.2 Mbit/s).');
    expect(compareMeasurement({ ...design, vpn: { ...design.vpn, id: null } }, dataset, link(pi, nas))).toEqual({ ok: false, error: { code: 'noVpn', details: {} } });
  });
});

describe('for the advisor', () => {
  test('the most impaired measured link decides the profile, with the site it measured', () => {
    const { design, nas, pi } = family();
    const links = [link(nas, pi, pings(0, 10, 10.5)), link(pi, nas, pings(2.5, 20, 21)), link(pi, nas)];
    expect(getMeasuredProfile(design, dataset, links)).toEqual({
      profile: 'medium',
      siteId: design.machines[pi]!.siteId,
      reason: 'Measured: the link from "parents-pi" to "nas" is closest to the medium impairment profile (2.5 % ping loss), the worst of the 2 measured links, so the figures are from that profile.',
    });
    expect(getMeasuredProfile(design, dataset, [link(pi, nas)])).toBeNull();
  });
});
