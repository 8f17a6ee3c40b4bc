import type { BenchDataset } from '../../shared/bench/schema';
import { appError, type AppError } from '../../shared/errors';
import { IPERF_DEFAULT_PORT, iperfPortRange, iperfSecondsRange, pingCountRange, pingIntervalRange } from '../../shared/measure/commands';
import { compareMeasureRuns } from '../../shared/measure/changes';
import type { MeasureError } from '../../shared/measure/errors';
import { planDefaultPairs, validatePairs, type MeasurePair } from '../../shared/measure/pairs';
import { describeMeasureRun, hasFigures, type MeasuredPair, type MeasureHistoryEntry, type MeasureReport } from '../../shared/measure/report';
import type { Design, MachineId } from '../../shared/model/types';
import { err, ok, type Result } from '../../shared/result';
import type { VerifyReport } from '../../shared/verify/schema';
import { readLastRun } from '../jobs/runHistory';
import { measureHistory } from '../measure/history';
import { defaultMeasureTimeouts, pairIdOf, pairNameOf, runMeasure, type MeasureTimeouts } from '../measure/runMeasure';
import { verifyHistory } from '../verify/history';
import { loadBundledDataset } from './benchData';
import { overlayJobKind, OverlayRunService, type OverlayRunOptions, type OverlayRunPlan, type OverlayRunRequest, type OverlayRunTarget } from './overlayRunService';

// "Measure my network" (issue 15) as a job of the job engine and a set of operations on the contract: iperf3 and
// ping over the overlay between pairs of machines, one pair after the other, each figure next to the benchmark's for
// the same VPN at the closest impairment profile. Each run is kept beside the design as
// `<name>.measures/<run id>/measure.json` and `measure.log`, and the newest is what the advisor reads. One
// measurement runs at a time, and never while a deploy, an install or a verify runs (the machines change under it,
// or its pings share the links); how a run starts and is kept is shared with verify (overlayRunService.ts). What runs on
// each machine is in docs/measure.md.

/** Measure for the job engine: one at a time; its history is kept by the service (several runs per design). */
export const measureJobKind = overlayJobKind('measure', 'measureAlreadyRunning', (report) => ({ ...report, pairs: report.pairs.map((p) => ({ ...p, comparison: null })) }));

/**
 * A verify this recent (ms) gives the overlay address to measure to without asking the machine again: the address
 * it pinged and got an answer from. Older, the VPN may have been redeployed since (EasyTier and Tailscale hand out
 * addresses at run time), so the machine is asked.
 */
export const VERIFY_FRESH_MS = 30 * 60_000;

export interface MeasureServiceOptions extends OverlayRunOptions {
  timeouts?: Partial<MeasureTimeouts>;
  /** The benchmark data (default: the bundled file). */
  dataset?: () => Promise<Result<BenchDataset, AppError>>;
}

/** What measure:start takes. */
export interface MeasureStartRequest extends OverlayRunRequest {
  /** Machine ids; `from` runs the client and the pings. Default: planDefaultPairs. */
  pairs?: readonly { from: string; to: string }[];
  seconds?: number;
  port?: number;
  pings?: { count: number; intervalSeconds: number };
}

/** A number out of its range, as a refusal (before anything runs). */
function outOfRange(what: 'port' | 'seconds' | 'count' | 'interval', value: number, range: { min: number; max: number }, integer = true): MeasureError | null {
  const fits = Number.isFinite(value) && (!integer || Number.isInteger(value)) && value >= range.min && value <= range.max;
  return fits ? null : { code: 'outOfRange', details: { what, value, min: range.min, max: range.max } };
}

/** The addresses the last verify reached each machine at, when it is recent and of the same VPN; empty otherwise. */
function verifiedAddresses(report: VerifyReport | null, design: Design, now: number): Map<string, string> {
  const out = new Map<string, string>();
  if (report === null || report.vpn !== design.vpn.id || report.matrix === null || now - report.finishedAt > VERIFY_FRESH_MS) return out;
  for (const cell of report.matrix.cells) if (cell.status !== 'notReached' && cell.address !== null && !out.has(cell.to)) out.set(cell.to, cell.address);
  return out;
}

export class MeasureService extends OverlayRunService<'measure', MeasureHistoryEntry, MeasureServiceOptions> {
  constructor(options: MeasureServiceOptions) {
    super(
      {
        job: measureJobKind,
        history: measureHistory,
        errors: { blockedByJob: 'measureBlockedByJob', noVpn: 'measureNoVpn', needsSavedDesign: 'measureNeedsSavedDesign' },
        blockedBy: ['deploy', 'install', 'verify'],
        noun: 'measurement',
        isComparable: (report) => report.pairs.some(hasFigures),
      },
      options,
    );
  }

  /** Measures the links of a saved, deployed design; progress follows as job events. */
  start(request: MeasureStartRequest): Promise<Result<{ jobId: string }, AppError>> {
    return this.startRun(request, (target) => this.plan(request, target));
  }

  /** The pairs to measure and how, or why not: measure's own checks, after those every overlay run makes. */
  private async plan(request: MeasureStartRequest, { stem, design }: OverlayRunTarget): Promise<Result<OverlayRunPlan<'measure'>, AppError>> {
    const port = request.port ?? IPERF_DEFAULT_PORT;
    const seconds = request.seconds ?? iperfSecondsRange.default;
    const pings = request.pings ?? { count: pingCountRange.default, intervalSeconds: pingIntervalRange.default };
    const badNumber =
      outOfRange('port', port, iperfPortRange) ?? outOfRange('seconds', seconds, iperfSecondsRange) ?? outOfRange('count', pings.count, pingCountRange) ?? outOfRange('interval', pings.intervalSeconds, pingIntervalRange, false);
    if (badNumber !== null) return err(appError('measureRefused', { error: badNumber }));
    let asked: readonly MeasurePair[];
    if (request.pairs === undefined) {
      const plan = planDefaultPairs(design);
      if (plan.pairs.length === 0) return err(appError('measureRefused', { error: { code: 'noPairs', details: { why: plan.description } } satisfies MeasureError }));
      asked = plan.pairs;
    } else {
      asked = request.pairs.map((p) => ({ from: p.from as MachineId, to: p.to as MachineId }));
    }
    const pairs = validatePairs(design, asked);
    if (!pairs.ok) return err(appError('measureRefused', { error: pairs.error }));
    const dataset = await (this.options.dataset ?? loadBundledDataset)();
    if (!dataset.ok) return dataset;

    const lastVerify = await readLastRun(this.workspace, verifyHistory, stem, (r) => r.outcome === 'finished');
    const verified = verifiedAddresses(lastVerify.ok ? lastVerify.value : null, design, this.now());
    const timeouts = { ...defaultMeasureTimeouts, ...this.options.timeouts };
    let results: MeasuredPair[] = [];
    const pairNames = new Map(pairs.value.map((p) => [pairIdOf(p), pairNameOf(design, p)]));
    return ok({
      machines: pairs.value.map((p) => ({ machineId: pairIdOf(p), name: pairNames.get(pairIdOf(p))! })),
      run: async (job, access) => {
        results = await runMeasure(job, {
          design,
          pairs: pairs.value,
          pool: access.pool,
          targets: access.targets,
          reach: access.reach,
          overlay: access.overlay,
          verified,
          dataset: dataset.value,
          port,
          seconds,
          pings,
          timeouts,
          onLog: (pair, line) => access.log(pair === null ? null : (pairNames.get(pair) ?? pair), line),
        });
      },
      report: ({ runId, startedAt, finishedAt, outcome, previousOf }): MeasureReport => {
        // Pairs the run did not get to are listed too, without figures, so the report names every pair asked for.
        const byId = new Map(results.map((r) => [r.pairId, r]));
        const all = pairs.value.map(
          (p): MeasuredPair =>
            byId.get(pairIdOf(p)) ?? {
              pairId: pairIdOf(p),
              from: p.from,
              to: p.to,
              fromName: design.machines[p.from]?.name ?? p.from,
              toName: design.machines[p.to]?.name ?? p.to,
              address: null,
              addressSource: null,
              link: null,
              comparison: null,
              problems: [],
              message: outcome === 'finished' ? 'Not measured.' : 'Not measured: the run ended before this pair.',
            },
        );
        // A run that measured nothing is not compared: every link would read as "not measured this time".
        const previous = previousOf((before) => (all.some(hasFigures) ? compareMeasureRuns(before.pairs, all) : null));
        return { kind: 'clan-designer-measure', version: 1, runId, startedAt, finishedAt, outcome, vpn: design.vpn.id, port, seconds, pings, pairs: all, summary: describeMeasureRun(all, outcome), previous };
      },
    });
  }
}
