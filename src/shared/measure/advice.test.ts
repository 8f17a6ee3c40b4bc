import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { advise, getDesignProfile } from '../bench/advisor';
import { loadDataset } from '../bench/load';
import type { BenchDataset } from '../bench/schema';
import { designBuilder } from '../model/designBuilder';
import type { MachineId } from '../model/types';
import { getMeasuredAdvice } from './advice';
import { compareMeasurement } from './compare';
import { describeMeasureRun, measureReportSchema, type MeasuredPair, type MeasureReport } from './report';
import type { LinkMeasurement } from './schema';

// What the advisor takes from the newest measurement: the profile the worst measured link points to (instead of the
// link quality drawn in the design), and that link's own comparison sentence as the line it shows.

const loaded = loadDataset(JSON.parse(readFileSync(new URL('../../../resources/bench/vpn-bench.json', import.meta.url), 'utf8')));
if (!loaded.ok) throw new Error(`dataset does not load: ${JSON.stringify(loaded.error)}`);
const dataset: BenchDataset = loaded.value;

/** Home (the admin, a NAS), the parents' house drawn with a good line, and a cloud VPS; on WireGuard. */
function family() {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  const parents = b.site("Parents' house", 'nat', { quality: 'good' });
  const cloud = b.site('Cloud', 'public');
  const nas = b.machine('nas', home, 'nas');
  const pi = b.machine('parents-pi', parents, 'sbc');
  const vps = b.machine('vps', cloud, 'vps', { publicAddress: '203.0.113.10' });
  b.admin(home);
  return { design: b.vpn('wireguard'), nas, pi, vps };
}

const measured = (from: MachineId, to: MachineId, fields: Partial<LinkMeasurement>): LinkMeasurement => ({
  from,
  to,
  address: '10.99.0.1',
  measuredAt: 1,
  seconds: 10,
  forwardMbps: 40,
  reverseMbps: 40,
  forwardRetransmits: 0,
  reverseRetransmits: 0,
  rttMinMs: 10,
  rttAvgMs: 10.5,
  rttMaxMs: 12,
  lossPercent: 0,
  pingsSent: 100,
  iperfProblem: null,
  pingProblem: null,
  ...fields,
});

function report(f: ReturnType<typeof family>, links: LinkMeasurement[]): MeasureReport {
  const pairs: MeasuredPair[] = links.map((link) => {
    const comparison = compareMeasurement(f.design, dataset, link);
    if (!comparison.ok) throw new Error(comparison.error.code);
    const name = (id: MachineId) => f.design.machines[id]!.name;
    return { pairId: `${link.from}>${link.to}`, from: link.from, to: link.to, fromName: name(link.from), toName: name(link.to), address: link.address, addressSource: 'discovery', link, comparison: comparison.value, problems: [], message: comparison.value.summary };
  });
  return measureReportSchema.parse({ kind: 'clan-designer-measure', version: 1, runId: 'r-1', startedAt: 1000, finishedAt: 2000, outcome: 'finished', vpn: 'wireguard', port: 5201, seconds: 10, pings: { count: 100, intervalSeconds: 0.2 }, pairs, summary: describeMeasureRun(pairs, 'finished') });
}

describe('the advisor and the newest measurement', () => {
  test('the worst measured link decides the profile, and its own sentence is the line; the drawing alone said baseline', () => {
    const f = family();
    const lossy = measured(f.pi, f.nas, { lossPercent: 6, forwardMbps: 3, reverseMbps: 2 });
    const clean = measured(f.vps, f.nas, {});
    const advice = getMeasuredAdvice(f.design, dataset, report(f, [clean, lossy]))!;
    expect(advice.profile).toMatchObject({ profile: 'high' });
    expect(advice.profile.reason).toBe('Measured: the link from "parents-pi" to "nas" is closest to the high impairment profile (6.0 % ping loss), the worst of the 2 measured links, so the figures are from that profile.');
    expect(advice.drawn).toEqual(getDesignProfile(f.design, dataset));
    expect(advice.drawn.profile).toBe('baseline');
    expect(advice.line).toMatch(/^Your link from "nas" back to "parents-pi" is slower than WireGuard in the high impairment profile: 2\.0 Mbit\/s against /);
    expect(advice.measuredAt).toBe(1000);

    // The ranking reads the measured profile, and says why; without a measurement it is as before.
    const ranked = advise(f.design, dataset, f.design.comparison.priorities, 'main', advice.profile);
    expect(ranked.profile.profile).toBe('high');
    expect(ranked.reasons).toEqual([advice.profile.reason]);
    expect(advise(f.design, dataset)).toEqual(advise(f.design, dataset, f.design.comparison.priorities, 'main', getDesignProfile(f.design, dataset)));
  });

  test('nothing to take when no link got a ping reply, or the measured machines are gone from the design', () => {
    const f = family();
    expect(getMeasuredAdvice(f.design, dataset, report(f, [measured(f.pi, f.nas, { rttMinMs: null, rttAvgMs: null, rttMaxMs: null, lossPercent: null, pingsSent: 0 })]))).toBeNull();
    const kept = report(f, [measured(f.pi, f.nas, { lossPercent: 6 })]);
    const { [f.pi]: _gone, ...machines } = f.design.machines;
    expect(getMeasuredAdvice({ ...f.design, machines }, dataset, kept)).toBeNull();
  });
});
