import { randomBytes } from 'node:crypto';
import type { BenchDataset } from '../../shared/bench/schema';
import { appError, describeError, type AppError } from '../../shared/errors';
import type { HostKeyMode } from '../../shared/ipc/contract';
import { IPERF_DEFAULT_PORT, iperfPortRange, iperfSecondsRange, pingCountRange, pingIntervalRange } from '../../shared/measure/commands';
import type { MeasureError } from '../../shared/measure/errors';
import { planDefaultPairs, validatePairs, type MeasurePair } from '../../shared/measure/pairs';
import { compareMeasureRuns } from '../../shared/measure/changes';
import { describeMeasureRun, hasFigures, type MeasuredPair, type MeasureHistoryEntry, type MeasureReport } from '../../shared/measure/report';
import { computeDeployReach } from '../../shared/model/reachability';
import type { Design, MachineId } from '../../shared/model/types';
import { err, type Result } from '../../shared/result';
import type { VerifyReport } from '../../shared/verify/schema';
import { newRunId } from '../deploy/history';
import { ConfinedFolder } from '../fs/confinedFolder';
import type { JobEngine, JobKindDefinition } from '../jobs/jobEngine';
import { readLastRun, readRunBefore, RunHistoryWriter } from '../jobs/runHistory';
import { measureHistory } from '../measure/history';
import { defaultMeasureTimeouts, pairIdOf, pairNameOf, runMeasure, type MeasureTimeouts } from '../measure/runMeasure';
import { verifyHistory } from '../verify/history';
import { createJobSsh, readConfiguredOverlay } from '../verify/overlayAccess';
import { loadBundledDataset } from './benchData';
import type { MachineSsh, MachineSshHooks } from './checkJobs';
import { DesignRunHistory } from './designRunHistory';
import { designStem, normalizeDesignFileName, validateDesign } from './projectFiles';

// "Measure my network" (issue 15) as a job of the job engine and a set of operations on the contract: iperf3 and
// ping over the overlay between pairs of machines, one pair after the other, each figure next to the benchmark's for
// the same VPN at the closest impairment profile. Each run is kept beside the design as
// `<name>.measures/<run id>/measure.json` and `measure.log`, and the newest is what the advisor reads. One
// measurement runs at a time, and never while a deploy, an install or a verify runs (the machines change under it,
// or its pings share the links). What runs on each machine is in docs/measure.md.

/** Measure for the job engine: one at a time; its history is kept by the service (several runs per design). */
export const measureJobKind: JobKindDefinition<'measure'> = {
  kind: 'measure',
  oneAtATime: (running) => appError('measureAlreadyRunning', { jobId: running.jobId }),
  slimReport: (report) => ({ ...report, pairs: report.pairs.map((p) => ({ ...p, comparison: null })) }),
};

/**
 * A verify this recent (ms) gives the overlay address to measure to without asking the machine again: the address
 * it pinged and got an answer from. Older, the VPN may have been redeployed since (EasyTier and Tailscale hand out
 * addresses at run time), so the machine is asked.
 */
export const VERIFY_FRESH_MS = 30 * 60_000;

export interface MeasureServiceOptions {
  jobs: JobEngine;
  workspaceDir: string;
  createSsh: (hooks: MachineSshHooks) => MachineSsh;
  timeouts?: Partial<MeasureTimeouts>;
  /** The benchmark data (default: the bundled file). */
  dataset?: () => Promise<Result<BenchDataset, AppError>>;
  now?: () => number;
  log?: (message: string, details?: unknown) => void;
}

/** What measure:start takes. */
export interface MeasureStartRequest {
  name: string;
  design: unknown;
  hostKeys: HostKeyMode;
  keys?: readonly string[];
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

export class MeasureService {
  private readonly workspace: ConfinedFolder;
  private readonly runs: DesignRunHistory<MeasureReport, MeasureHistoryEntry>;
  private readonly now: () => number;

  constructor(private readonly options: MeasureServiceOptions) {
    this.workspace = new ConfinedFolder(options.workspaceDir, 'workspace');
    this.runs = new DesignRunHistory(this.workspace, measureHistory, () => options.jobs.runningOf('measure'));
    this.now = options.now ?? Date.now;
  }

  /** Measures the links of a saved, deployed design; progress follows as job events. */
  async start(request: MeasureStartRequest): Promise<Result<{ jobId: string }, AppError>> {
    const name = normalizeDesignFileName(request.name);
    if (!name.ok) return name;
    // The design comes from the renderer: it is checked against the same schema as a design file.
    const parsed = validateDesign(request.design);
    if (!parsed.ok) return parsed;
    const design = parsed.value;
    const stem = designStem(name.value);
    const { jobs } = this.options;
    const running = jobs.runningOf('measure');
    if (running !== null) return err(appError('measureAlreadyRunning', { jobId: running.jobId }));
    for (const kind of ['deploy', 'install', 'verify'] as const) {
      const other = jobs.runningOf(kind);
      if (other !== null) return err(appError('measureBlockedByJob', { jobId: other.jobId, kind }));
    }
    if (design.vpn.id === null) return err(appError('measureNoVpn'));
    const saved = await this.workspace.entry(name.value);
    if (!saved.ok) return saved;
    if (saved.value?.kind !== 'file') return err(appError('measureNeedsSavedDesign', { name: name.value }));

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

    const overlay = await readConfiguredOverlay(this.workspace, stem, design);
    const lastVerify = await readLastRun(this.workspace, verifyHistory, stem, (r) => r.outcome === 'finished');
    const verified = verifiedAddresses(lastVerify.ok ? lastVerify.value : null, design, this.now());
    // The run before with figures, to say what changed since.
    const previousOf = await readRunBefore(this.workspace, measureHistory, stem, (r) => r.pairs.some(hasFigures));
    const runId = newRunId(this.now(), randomBytes(3).toString('hex'));
    const history = new RunHistoryWriter(this.workspace, measureHistory, stem, runId);
    const timeouts = { ...defaultMeasureTimeouts, ...this.options.timeouts };
    let results: MeasuredPair[] = [];
    let kept: MeasureReport | null = null;
    const pairNames = new Map(pairs.value.map((p) => [pairIdOf(p), pairNameOf(design, p)]));
    const reportOf = (outcome: MeasureReport['outcome'], startedAt: number, finishedAt: number): MeasureReport => {
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
    };
    return jobs.start(measureJobKind, {
      forFile: name.value,
      machines: pairs.value.map((p) => ({ machineId: pairIdOf(p), name: pairNames.get(pairIdOf(p))! })),
      // The report as it was kept, so the job's `done` and the file say the same; built here if keeping never ran.
      report: ({ outcome, startedAt, finishedAt }) => kept ?? reportOf(outcome, startedAt, finishedAt),
      run: async (job) => {
        const startedAt = job.now();
        let crashed = false;
        const ssh = createJobSsh(this.options.createSsh, job, request, Object.values(design.machines).filter((m) => m.managed));
        try {
          results = await runMeasure(job, {
            design,
            pairs: pairs.value,
            pool: ssh.pool,
            targets: { ...(ssh.resolveTarget === undefined ? {} : { resolveTarget: ssh.resolveTarget }), ...(ssh.identityFor === undefined ? {} : { identityFor: ssh.identityFor }) },
            reach: computeDeployReach(design),
            overlay,
            verified,
            dataset: dataset.value,
            port,
            seconds,
            pings,
            timeouts,
            onLog: (pair, line) => history.log(pair === null ? null : (pairNames.get(pair) ?? pair), line),
          });
        } catch (error) {
          crashed = true;
          history.log(null, `The measurement stopped on an error in the app: ${(error as Error).message}`);
          throw error;
        } finally {
          ssh.pool.dispose();
          kept = reportOf(crashed ? 'failed' : job.signal.aborted ? 'cancelled' : 'finished', startedAt, job.now());
          const written = await history.write(kept);
          if (!written.ok) {
            job.log(null, `This run could not be kept beside the design: ${describeError(written.error)}`);
            this.options.log?.('could not keep the measurement in its history', written.error);
          }
        }
      },
    });
  }

  /** The measure runs of a design, newest first, and the running one when it is for that file. */
  history(designFile: string): Promise<Result<{ entries: MeasureHistoryEntry[]; running: { jobId: string } | null }, AppError>> {
    return this.runs.list(designFile);
  }

  /** One measure run of a design's history. */
  historyEntry(designFile: string, runId: string): Promise<Result<{ report: MeasureReport | null; log: string }, AppError>> {
    return this.runs.entry(designFile, runId);
  }

  /** The newest measure report kept with a design file, or null. */
  last(designFile: string): Promise<Result<{ report: MeasureReport | null }, AppError>> {
    return this.runs.last(designFile);
  }
}
