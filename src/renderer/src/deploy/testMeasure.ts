import type { MeasureProgress } from '../../../shared/ipc/contract';
import { compareMeasurement } from '../../../shared/measure/compare';
import { describeMeasureRun, measureReportSchema, type MeasuredPair, type MeasureReport } from '../../../shared/measure/report';
import type { LinkMeasurement } from '../../../shared/measure/schema';
import type { MachineId } from '../../../shared/model/types';
import { dataset } from '../vpn/dataset';
import { pairIdOf } from './measureStore';
import { sampleDesign } from './testDeploy';
import { recordJob } from './testJobRun';

// Measurements for the renderer's tests, compared with the bundled benchmark by the real comparison
// (compareMeasurement) and checked against the contract's schemas, so the views are tested with what main sends.

/**
 * A measurement of the shared family network (ZeroTier): grandma's tablet to the nas measured at 18.4 Mbit/s there,
 * 9.1 back and 10 % of 300 pings lost; the bastion could not be logged in to.
 */
export function sampleMeasureReport(runId = '2026-12-07t11-00-00-000z-mmm111'): { report: MeasureReport; ids: ReturnType<typeof sampleDesign> } {
  const ids = sampleDesign();
  const { design } = ids;
  const tablet = ids.tablet as MachineId;
  const nas = ids.nas as MachineId;
  const bastion = ids.bastion as MachineId;
  const link: LinkMeasurement = {
    from: tablet,
    to: nas,
    address: '10.147.17.11',
    measuredAt: Date.UTC(2026, 11, 7, 11, 0, 40),
    seconds: 10,
    forwardMbps: 18.4,
    reverseMbps: 9.1,
    forwardRetransmits: 12,
    reverseRetransmits: 3,
    rttMinMs: 21.2,
    rttAvgMs: 23.9,
    rttMaxMs: 61.0,
    lossPercent: 10,
    pingsSent: 300,
    iperfProblem: null,
    pingProblem: null,
  };
  const compared = compareMeasurement(design, dataset!, link);
  if (!compared.ok) throw new Error(`comparison refused: ${compared.error.code}`);
  /** A pair of the sample design by name, with what was found. */
  const pair = (from: MachineId, to: MachineId, found: Pick<MeasuredPair, 'address' | 'addressSource' | 'link' | 'comparison' | 'problems' | 'message'>): MeasuredPair => ({
    pairId: pairIdOf({ from, to }),
    from,
    to,
    fromName: design.machines[from]!.name,
    toName: design.machines[to]!.name,
    ...found,
  });
  const measured = pair(tablet, nas, { address: '10.147.17.11', addressSource: 'discovery', link, comparison: compared.value, problems: [], message: compared.value.summary });
  const noLogin = 'The app could not log in to "bastion", so "bastion" → "nas" was not measured; this says nothing about the VPN.';
  const failed = pair(bastion, nas, { address: null, addressSource: null, link: null, comparison: null, problems: [noLogin], message: noLogin });
  const pairs = [failed, measured];
  const report = measureReportSchema.parse({
    kind: 'clan-designer-measure',
    version: 1,
    runId,
    startedAt: Date.UTC(2026, 11, 7, 11, 0),
    finishedAt: Date.UTC(2026, 11, 7, 11, 1),
    outcome: 'finished',
    vpn: 'zerotier',
    port: 5201,
    seconds: 10,
    pings: { count: 300, intervalSeconds: 0.2 },
    pairs,
    summary: describeMeasureRun(pairs, 'finished'),
  });
  return { report, ids };
}

/** The events of a measure job as main sends them, checked against the contract; `until: 'running'` stops during the throughput test of the tablet. */
export function recordedMeasure(jobId: string, options: { until?: 'running' | 'done' } = {}): { events: MeasureProgress[]; report: MeasureReport; ids: ReturnType<typeof sampleDesign> } {
  const { report, ids } = sampleMeasureReport();
  const { events, push } = recordJob<MeasureProgress>(jobId, 'measure');
  const [failed, measured] = report.pairs as [MeasuredPair, MeasuredPair];
  push({ type: 'started', startedAt: report.startedAt, forFile: 'family.clan-design.json', machines: report.pairs.map((p) => ({ machineId: p.pairId, name: `${p.fromName} → ${p.toName}` })) });
  push({ type: 'machineStarted', machineId: failed.pairId });
  push({ type: 'machineDone', machineId: failed.pairId, result: failed });
  push({ type: 'machineStarted', machineId: measured.pairId });
  push({ type: 'machineStep', machineId: measured.pairId, step: { index: 3, total: 4, label: 'Throughput to nas and back (10 s)' } });
  push({ type: 'log', machineId: measured.pairId, stream: 'info', text: 'The iperf3 server on "nas" listens on 10.147.17.11 port 5201.' });
  if (options.until === 'running') return { events, report, ids };
  push({ type: 'machineDone', machineId: measured.pairId, result: measured });
  push({ type: 'done', outcome: 'finished', report, saved: false });
  return { events, report, ids };
}
