import { randomBytes } from 'node:crypto';
import { appError, describeError, type AppError } from '../../shared/errors';
import type { HostKeyMode } from '../../shared/ipc/contract';
import { computeDeployReach } from '../../shared/model/reachability';
import { err, type Result } from '../../shared/result';
import { planPairs, type PairPlan, type VerifyMatrix } from '../../shared/verify/matrix';
import { probeCountRange } from '../../shared/verify/probe';
import type { VerifyHistoryEntry, VerifyReport } from '../../shared/verify/schema';
import { newRunId } from '../deploy/history';
import { ConfinedFolder } from '../fs/confinedFolder';
import type { JobEngine, JobKindDefinition } from '../jobs/jobEngine';
import { readRunBefore, RunHistoryWriter } from '../jobs/runHistory';
import { verifyHistory } from '../verify/history';
import { compareRuns } from '../../shared/verify/changes';
import { createJobSsh, readConfiguredOverlay } from '../verify/overlayAccess';
import { defaultVerifyTimeouts, runVerify, type VerifyTimeouts } from '../verify/runVerify';
import type { MachineSsh, MachineSshHooks } from './checkJobs';
import { DesignRunHistory } from './designRunHistory';
import { designStem, normalizeDesignFileName, validateDesign } from './projectFiles';

// "Verify the network" (issue 15) as a job of the job engine and a set of operations on the contract: after a
// deploy, every machine pings every other over the VPN, and the run is kept beside the design as
// `<name>.verifies/<run id>/verify.json` and `verify.log`. One verify runs at a time, and never while a deploy or an
// install runs (the machines change under it). What runs on each machine is in docs/verify.md.

/** Verify for the job engine: one at a time; its history is kept by the service (several runs per design). */
export const verifyJobKind: JobKindDefinition<'verify'> = {
  kind: 'verify',
  oneAtATime: (running) => appError('verifyAlreadyRunning', { jobId: running.jobId }),
  slimReport: (report) => ({ ...report, matrix: null }),
};

export interface VerifyServiceOptions {
  jobs: JobEngine;
  workspaceDir: string;
  createSsh: (hooks: MachineSshHooks) => MachineSsh;
  timeouts?: Partial<VerifyTimeouts>;
  now?: () => number;
  log?: (message: string, details?: unknown) => void;
}

/** What verify:start takes. */
export interface VerifyStartRequest {
  name: string;
  design: unknown;
  hostKeys: HostKeyMode;
  keys?: readonly string[];
  machines?: readonly string[];
  tcpPort?: number;
  count?: number;
}

/** The plan narrowed to the selected machines: only pairs between two of them. */
function selectPlan(plan: PairPlan, machines: readonly string[] | undefined): PairPlan {
  if (machines === undefined) return plan;
  const wanted = new Set(machines);
  const kept = plan.machines.filter((m) => wanted.has(m.id));
  if (kept.length === plan.machines.length) return plan;
  const n = kept.length;
  const pairs = plan.pairs.filter((p) => wanted.has(p.from) && wanted.has(p.to));
  const description = plan.sampled
    ? `${plan.description} Only the pairs between the ${n} selected machines: ${pairs.length}.`
    : n < 2
      ? `${n === 0 ? 'No machine' : 'One machine'} of the VPN is selected, so there is no pair to test.`
      : `Every ordered pair of the ${n} selected machines: ${pairs.length} pairs.`;
  return { ...plan, machines: kept, anchors: plan.anchors.filter((a) => wanted.has(a)), pairs, totalPairs: n * (n - 1), description };
}

export class VerifyService {
  private readonly workspace: ConfinedFolder;
  private readonly runs: DesignRunHistory<VerifyReport, VerifyHistoryEntry>;
  private readonly now: () => number;

  constructor(private readonly options: VerifyServiceOptions) {
    this.workspace = new ConfinedFolder(options.workspaceDir, 'workspace');
    this.runs = new DesignRunHistory(this.workspace, verifyHistory, () => options.jobs.runningOf('verify'));
    this.now = options.now ?? Date.now;
  }

  /** Verifies a saved, deployed design; progress follows as job events. */
  async start(request: VerifyStartRequest): Promise<Result<{ jobId: string }, AppError>> {
    const name = normalizeDesignFileName(request.name);
    if (!name.ok) return name;
    // The design comes from the renderer: it is checked against the same schema as a design file.
    const parsed = validateDesign(request.design);
    if (!parsed.ok) return parsed;
    const design = parsed.value;
    const stem = designStem(name.value);
    const { jobs } = this.options;
    const running = jobs.runningOf('verify');
    if (running !== null) return err(appError('verifyAlreadyRunning', { jobId: running.jobId }));
    for (const kind of ['deploy', 'install', 'measure'] as const) {
      const other = jobs.runningOf(kind);
      if (other !== null) return err(appError('verifyBlockedByJob', { jobId: other.jobId, kind }));
    }
    if (design.vpn.id === null) return err(appError('verifyNoVpn'));
    const saved = await this.workspace.entry(name.value);
    if (!saved.ok) return saved;
    if (saved.value?.kind !== 'file') return err(appError('verifyNeedsSavedDesign', { name: name.value }));
    const count = request.count ?? probeCountRange.default;
    const tcpPort = request.tcpPort ?? null;
    const full = planPairs(design);
    if (full.machines.length === 0) return err(appError('verifyNoMachines', { reason: 'noMembers' }));
    const plan = selectPlan(full, request.machines);
    if (plan.machines.length === 0) return err(appError('verifyNoMachines', { reason: 'noneSelected' }));
    if (plan.machines.every((m) => (design.machines[m.id]?.ssh?.host.trim() ?? '') === '')) return err(appError('verifyNoMachines', { reason: 'noWayIn' }));
    const overlay = await readConfiguredOverlay(this.workspace, stem, design);
    const runId = newRunId(this.now(), randomBytes(3).toString('hex'));
    const history = new RunHistoryWriter(this.workspace, verifyHistory, stem, runId);
    const timeouts = { ...defaultVerifyTimeouts, ...this.options.timeouts };
    let matrix: VerifyMatrix | null = null;
    // The run before with a matrix, to say what changed since.
    const previousOf = await readRunBefore(this.workspace, verifyHistory, stem, (r) => r.matrix !== null);
    const reportOf = (outcome: VerifyReport['outcome'], startedAt: number, finishedAt: number): VerifyReport => ({
      kind: 'clan-designer-verify',
      version: 1,
      runId,
      startedAt,
      finishedAt,
      outcome,
      vpn: design.vpn.id,
      matrix,
      tcpPort,
      count,
      previous: previousOf((before) => (before.matrix === null || matrix === null ? null : compareRuns(before.matrix, matrix))),
    });
    const machines = plan.machines.map((m) => ({ machineId: m.id, name: m.name }));
    return jobs.start(verifyJobKind, {
      forFile: name.value,
      machines,
      report: ({ outcome, startedAt, finishedAt }) => reportOf(outcome, startedAt, finishedAt),
      run: async (job) => {
        const startedAt = job.now();
        let crashed = false;
        const ssh = createJobSsh(this.options.createSsh, job, request, Object.values(design.machines).filter((m) => m.managed));
        try {
          const outcome = await runVerify(job, {
            design,
            plan,
            pool: ssh.pool,
            targets: { ...(ssh.resolveTarget === undefined ? {} : { resolveTarget: ssh.resolveTarget }), ...(ssh.identityFor === undefined ? {} : { identityFor: ssh.identityFor }) },
            reach: computeDeployReach(design),
            overlay,
            count,
            tcpPort,
            concurrency: design.deploy.concurrency,
            timeouts,
            onLog: (machine, line) => history.log(machine, line),
          });
          matrix = outcome.matrix;
        } catch (error) {
          crashed = true;
          history.log(null, `The verify stopped on an error in the app: ${(error as Error).message}`);
          throw error;
        } finally {
          ssh.pool.dispose();
          const report = reportOf(crashed ? 'failed' : job.signal.aborted ? 'cancelled' : 'finished', startedAt, job.now());
          const kept = await history.write(report);
          if (!kept.ok) {
            job.log(null, `This run could not be kept beside the design: ${describeError(kept.error)}`);
            this.options.log?.('could not keep the verify in its history', kept.error);
          }
        }
      },
    });
  }

  /** The verify runs of a design, newest first, and the running one when it is for that file. */
  history(designFile: string): Promise<Result<{ entries: VerifyHistoryEntry[]; running: { jobId: string } | null }, AppError>> {
    return this.runs.list(designFile);
  }

  /** One verify run of a design's history. */
  historyEntry(designFile: string, runId: string): Promise<Result<{ report: VerifyReport | null; log: string }, AppError>> {
    return this.runs.entry(designFile, runId);
  }

  /** The newest verify report kept with a design file, or null. */
  last(designFile: string): Promise<Result<{ report: VerifyReport | null }, AppError>> {
    return this.runs.last(designFile);
  }
}
