import { randomBytes } from 'node:crypto';
import { appError, describeError, type AppError, type AppErrorCode } from '../../shared/errors';
import type { HostKeyMode, JobKind, JobReportOf } from '../../shared/ipc/contract';
import type { JobOutcome } from '../../shared/ipc/jobs';
import { computeDeployReach } from '../../shared/model/reachability';
import type { Design } from '../../shared/model/types';
import { err, type Result } from '../../shared/result';
import type { PreviousRun } from '../../shared/runChanges';
import { newRunId } from '../deploy/history';
import { ConfinedFolder } from '../fs/confinedFolder';
import type { JobContext, JobEngine, JobKindDefinition } from '../jobs/jobEngine';
import { readRunBefore, RunHistoryWriter, type RunHistoryKind } from '../jobs/runHistory';
import { createJobSsh, readConfiguredOverlay, type ConfiguredOverlay } from '../verify/overlayAccess';
import type { MachineSsh, MachineSshHooks } from './checkJobs';
import { DesignRunHistory } from './designRunHistory';
import type { TargetOptions } from './machineTargets';
import { designStem, normalizeDesignFileName, validateDesign } from './projectFiles';

// The jobs that work over the overlay of a saved, deployed design (issue 15): verify and "Measure my network". Both
// start the same way, and this is that one routine: refuse while a run of the kind or a job that changes the machines
// runs, check the design and that it is saved, read the overlay the configuration gives, log in through the job's SSH
// side (host key and passphrase questions go to the person), keep the run beside the design with what changed since
// the run before, and serve that history. Each kind brings its error codes, its plan (its own checks, what the job
// shows, the report) and its run.

/** The kinds of job that work over the overlay. */
export type OverlayRunKind = Extract<JobKind, 'verify' | 'measure'>;

/** An overlay run's job kind: one at a time, refused with the kind's own error. */
export type OverlayJobKind<K extends OverlayRunKind> = JobKindDefinition<K> & Required<Pick<JobKindDefinition<K>, 'oneAtATime'>>;

/** The job kind of an overlay run; its history is kept by the run's service (several runs per design), not the engine. */
export function overlayJobKind<K extends OverlayRunKind>(kind: K, alreadyRunning: AppErrorCode, slimReport: (report: JobReportOf<K>) => JobReportOf<K>): OverlayJobKind<K> {
  return { kind, oneAtATime: (running) => appError(alreadyRunning, { jobId: running.jobId }), slimReport };
}

/** A kind of overlay run, as the start routine and the history need it. */
export interface OverlayRunDefinition<K extends OverlayRunKind, E> {
  job: OverlayJobKind<K>;
  history: RunHistoryKind<JobReportOf<K>, E>;
  /**
   * The codes of the start's refusals: `blockedByJob` (details: the other job's id and kind), `noVpn`, and
   * `needsSavedDesign` (details: the design file's name) when the workspace has no file of that name.
   */
  errors: { blockedByJob: AppErrorCode; noVpn: AppErrorCode; needsSavedDesign: AppErrorCode };
  /** The jobs it never runs next to, in the order they are checked: they change the machines under it, or share the links. */
  blockedBy: readonly JobKind[];
  /** What the logs call one run ("verify", "measurement"). */
  noun: string;
  /** Whether a kept run has a result a new run can be compared with. */
  isComparable: (report: JobReportOf<K>) => boolean;
}

export interface OverlayRunOptions {
  jobs: JobEngine;
  workspaceDir: string;
  createSsh: (hooks: MachineSshHooks) => MachineSsh;
  now?: () => number;
  log?: (message: string, details?: unknown) => void;
}

/** What every overlay run's start request has: the design file's name, the design, and how to log in. */
export interface OverlayRunRequest {
  name: string;
  design: unknown;
  hostKeys: HostKeyMode;
  keys?: readonly string[];
}

/** The design a run is for, once the checks every kind makes have passed. */
export interface OverlayRunTarget {
  /** The design file's name without its ending: what the run's files beside it are named after. */
  stem: string;
  /** Checked against the same schema as a design file (it comes from the renderer), with a VPN. */
  design: Design;
}

/** The new report's `previous`: what `compare` finds against the run before (null: no run before, or nothing to compare). */
export type CompareWithRunBefore<R> = <C>(compare: (before: R) => C[] | null) => PreviousRun<C> | null;

/** How a run ended, for its report. */
export interface OverlayRunEnd<K extends OverlayRunKind> {
  runId: string;
  outcome: JobOutcome;
  startedAt: number;
  finishedAt: number;
  previousOf: CompareWithRunBefore<JobReportOf<K>>;
}

/** What a run works over: the job's SSH, how a machine is logged in to and reached, the configured overlay, the kept log. */
export interface OverlayAccess {
  pool: MachineSsh['pool'];
  targets: TargetOptions;
  reach: ReturnType<typeof computeDeployReach>;
  overlay: ConfiguredOverlay;
  /** A line of the run's kept log; `who` names the machine or pair it is about (null: the run's own). */
  log(who: string | null, line: string): void;
}

/** A kind's plan for one run, made once its own checks passed. */
export interface OverlayRunPlan<K extends OverlayRunKind> {
  /** The job's "machines", in order (verify: the machines; measure: the pairs). */
  machines: readonly { machineId: string; name: string }[];
  /** Does the work; what it finds goes into `report`. Throwing ends the run as failed. */
  run(job: JobContext<K>, access: OverlayAccess): Promise<void>;
  /** The report for however the run ended; called when it ends (and is kept), or by the engine if it never ran. */
  report(end: OverlayRunEnd<K>): JobReportOf<K>;
}

/**
 * What the services of verify and measure share: starting a run (`startRun`, after the checks every kind makes and
 * then the kind's own) and reading the runs kept beside a design (the `<kind>:history`, `<kind>:historyEntry` and
 * `<kind>:last` channels).
 */
export abstract class OverlayRunService<K extends OverlayRunKind, E, O extends OverlayRunOptions> {
  protected readonly workspace: ConfinedFolder;
  protected readonly now: () => number;
  private readonly kept: DesignRunHistory<JobReportOf<K>, E>;

  constructor(
    private readonly definition: OverlayRunDefinition<K, E>,
    protected readonly options: O,
  ) {
    this.workspace = new ConfinedFolder(options.workspaceDir, 'workspace');
    this.kept = new DesignRunHistory(this.workspace, definition.history, () => options.jobs.runningOf(definition.job.kind));
    this.now = options.now ?? Date.now;
  }

  /** The runs of a design, newest first, and the running one when it is for that file. */
  history(designFile: string): Promise<Result<{ entries: E[]; running: { jobId: string } | null }, AppError>> {
    return this.kept.list(designFile);
  }

  /** One run of a design's history. */
  historyEntry(designFile: string, runId: string): Promise<Result<{ report: JobReportOf<K> | null; log: string }, AppError>> {
    return this.kept.entry(designFile, runId);
  }

  /** The newest report kept with a design file, or null. */
  last(designFile: string): Promise<Result<{ report: JobReportOf<K> | null }, AppError>> {
    return this.kept.last(designFile);
  }

  /**
   * Starts a run after the checks every kind makes, then the kind's own (`plan`, which refuses with an error or
   * plans the run); progress follows as job events.
   */
  protected async startRun(request: OverlayRunRequest, plan: (target: OverlayRunTarget) => Result<OverlayRunPlan<K>, AppError> | Promise<Result<OverlayRunPlan<K>, AppError>>): Promise<Result<{ jobId: string }, AppError>> {
    const { definition } = this;
    const name = normalizeDesignFileName(request.name);
    if (!name.ok) return name;
    // The design comes from the renderer: it is checked against the same schema as a design file.
    const parsed = validateDesign(request.design);
    if (!parsed.ok) return parsed;
    const design = parsed.value;
    const stem = designStem(name.value);
    const { jobs } = this.options;
    const running = jobs.runningOf(definition.job.kind);
    if (running !== null) return err(definition.job.oneAtATime(running));
    for (const kind of definition.blockedBy) {
      const other = jobs.runningOf(kind);
      if (other !== null) return err(appError(definition.errors.blockedByJob, { jobId: other.jobId, kind }));
    }
    if (design.vpn.id === null) return err(appError(definition.errors.noVpn));
    const saved = await this.workspace.entry(name.value);
    if (!saved.ok) return saved;
    if (saved.value?.kind !== 'file') return err(appError(definition.errors.needsSavedDesign, { name: name.value }));
    const planned = await plan({ stem, design });
    if (!planned.ok) return planned;
    const { machines, run, report } = planned.value;

    const overlay = await readConfiguredOverlay(this.workspace, stem, design);
    // The run before with a result, to say what changed since.
    const previousOf = await readRunBefore(this.workspace, definition.history, stem, definition.isComparable);
    const runId = newRunId(this.now(), randomBytes(3).toString('hex'));
    const history = new RunHistoryWriter(this.workspace, definition.history, stem, runId);
    // In a box: TypeScript does not take a JobReportOf<K> of a generic K as a `JobReportOf<K> | null` (deferred types).
    let kept: { report: JobReportOf<K> } | null = null;
    return jobs.start(definition.job, {
      forFile: name.value,
      machines,
      // The report as it was kept, so the job's `done` and the file say the same; built here if keeping never ran.
      report: (end) => kept?.report ?? report({ ...end, runId, previousOf }),
      run: async (job) => {
        const startedAt = job.now();
        let crashed = false;
        const ssh = createJobSsh(this.options.createSsh, job, request, Object.values(design.machines).filter((m) => m.managed));
        try {
          await run(job, {
            pool: ssh.pool,
            targets: { ...(ssh.resolveTarget === undefined ? {} : { resolveTarget: ssh.resolveTarget }), ...(ssh.identityFor === undefined ? {} : { identityFor: ssh.identityFor }) },
            reach: computeDeployReach(design),
            overlay,
            log: (who, line) => history.log(who, line),
          });
        } catch (error) {
          crashed = true;
          history.log(null, `The ${definition.noun} stopped on an error in the app: ${(error as Error).message}`);
          throw error;
        } finally {
          ssh.pool.dispose();
          kept = { report: report({ runId, outcome: crashed ? 'failed' : job.signal.aborted ? 'cancelled' : 'finished', startedAt, finishedAt: job.now(), previousOf }) };
          const written = await history.write(kept.report);
          if (!written.ok) {
            job.log(null, `This run could not be kept beside the design: ${describeError(written.error)}`);
            this.options.log?.(`could not keep the ${definition.noun} in its history`, written.error);
          }
        }
      },
    });
  }
}
