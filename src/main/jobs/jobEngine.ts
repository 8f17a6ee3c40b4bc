import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import type { AppError } from '../../shared/errors';
import type { JobEventOf, JobKind, JobMachineResultOf, JobProgress, JobReportOf, JobSnapshot } from '../../shared/ipc/contract';
import type { JobAnswer, JobAnswerValues, JobLogStream, JobOutcome, JobPrompt, JobQuestion, JobStep } from '../../shared/ipc/jobs';
import { err, ok, type Result } from '../../shared/result';
import { ConfinedFolder, type FileOps } from '../fs/confinedFolder';
import type { EventHub } from '../rpc/eventHub';
import { startTimeLimit } from './timeLimit';

/**
 * The one place long work runs in main: "Check machines" today; deploy, verify, measure and the assistant's answers
 * are further kinds of job, not copies of this code. A job gets an id at once and runs in the background; everything
 * it does reaches every window as job:onDidProgress events (machine by machine: started, steps, log lines, done),
 * its questions for the person as job:onDidPrompt events that job:answer resolves (whichever window answers first
 * wins; the others see the question closed), and it stops on job:cancel, at its time limit or when the app closes,
 * through one AbortSignal. Its report is kept beside the design file (`<name>.check.json` for a check), through the
 * workspace's ConfinedFolder, so a link planted under that name is refused rather than written through.
 */

/** What the engine needs to know about a kind of job, besides its events (contract.ts). */
export interface JobKindDefinition<K extends JobKind> {
  kind: K;
  /** Only one job of this kind may run at a time; a second start is refused with this error. */
  oneAtATime?: (running: { jobId: string }) => AppError;
  /** Where a design's last report of this kind is kept, how it is read back, and the largest file that is read. */
  keep?: { fileOf: (designFile: string) => string; schema: z.ZodType<JobReportOf<K>>; maxBytes: number };
  /** A smaller report to send when the contract refuses the full one, so that the job still ends in every window. */
  slimReport?: (report: JobReportOf<K>) => JobReportOf<K>;
}

/** One job to start. */
export interface JobStart<K extends JobKind> {
  /** The saved design file the report is kept with; null for an unsaved design (nothing is kept). */
  forFile: string | null;
  /** The machines the job works on, in order. */
  machines: readonly { machineId: string; name: string }[];
  /** A limit for the whole job, standing still while the person is asked something; none when omitted. */
  timeoutMs?: number;
  /** Does the work, reporting through the context. Throwing ends the job as failed (the cause goes to the log). */
  run(context: JobContext<K>): Promise<void>;
  /** The report for however the job ended; called once, after `run` settled. */
  report(end: { outcome: JobOutcome; startedAt: number; finishedAt: number }): JobReportOf<K>;
}

/** How a step ended: with the work's value, at its time limit, or because the job was stopped. */
export type StepOutcome<T> = { status: 'done'; value: T } | { status: 'timedOut'; timeoutMs: number } | { status: 'cancelled' };

/** The events every kind has; what a kind sends through `emit` is its own. */
type CommonEventType = 'started' | 'machineStarted' | 'machineStep' | 'log' | 'machineDone' | 'done';
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** An event of the kind's own (check: `local`), without the fields the engine fills in. */
export type OwnEventOf<K extends JobKind> = DistributiveOmit<Exclude<JobEventOf<K>, { type: CommonEventType }>, 'jobId' | 'kind' | 'seq'>;

/** What a running job can do; handed to JobStart.run. */
export interface JobContext<K extends JobKind> {
  readonly jobId: string;
  readonly forFile: string | null;
  /** Aborted when the job is cancelled, reaches its time limit or the app closes. */
  readonly signal: AbortSignal;
  /** The engine's clock (ms since the epoch). */
  now(): number;
  machineStarted(machineId: string): void;
  machineStep(machineId: string, step: JobStep): void;
  /** A log line of a machine (or of the whole job: null). */
  log(machineId: string | null, text: string, stream?: JobLogStream): void;
  machineDone(machineId: string, result: JobMachineResultOf<K>): void;
  /** Sends one of the kind's own events. */
  emit(event: OwnEventOf<K>): void;
  /**
   * Asks the person and resolves with the answer, or null when the job stops or `signal` aborts first (the question
   * is then withdrawn in every window).
   */
  ask<Q extends JobQuestion>(question: Q, signal?: AbortSignal): Promise<JobAnswerValues[Q['type']] | null>;
  /** Whether a question is open: time limits stand still meanwhile. */
  isWaitingForPerson(): boolean;
  /**
   * Runs one step of a machine: announces it (machineStep), gives the work a signal that aborts at the step's time
   * limit (standing still while the person is asked) or when the job stops, and stops waiting for it then.
   */
  step<T>(machineId: string, step: JobStep & { timeoutMs?: number }, work: (signal: AbortSignal) => Promise<T>): Promise<StepOutcome<T>>;
}

export interface JobEngineOptions {
  events: EventHub;
  workspaceDir: string;
  /** The file-system calls in the workspace; tests wrap them. */
  fileOps?: FileOps;
  now?: () => number;
  log?: (message: string, details?: unknown) => void;
  /** Log lines per machine a late window catches up on (older ones are only in the events already sent). Default 200. */
  keptLogLines?: number;
}

interface OpenPrompt {
  event: Exclude<JobPrompt, { type: 'closed' }>;
  resolve: (answer: boolean | string | null) => void;
}

interface RunningJob {
  jobId: string;
  kind: JobKind;
  forFile: string | null;
  controller: AbortController;
  /** Why the job was stopped, when it was. */
  stoppedBy: 'cancel' | 'timeout' | 'dispose' | null;
  ended: boolean;
  prompts: Map<string, OpenPrompt>;
  nextSeq: number;
  /** Every event sent but log lines, for windows that catch up. */
  history: JobProgress[];
  /** The last log lines per machine ('' for the job's own). */
  logs: Map<string, JobProgress[]>;
  /**
   * The controllers of the steps under way. The job's signal has one listener that aborts them all, instead of one
   * listener per step: a job with a step on each of 32 machines at once would otherwise hold 32 listeners, which Node
   * reports as a leak (MaxListenersExceededWarning).
   */
  steps: Set<AbortController>;
}

const newId = () => randomBytes(8).toString('hex');

/** The answer field each kind of question takes. */
const answerFieldOf = { hostKey: 'trust', passphrase: 'passphrase' } as const satisfies Record<JobQuestion['type'], string>;

export class JobEngine {
  private readonly jobs = new Map<string, RunningJob>();
  private readonly workspace: ConfinedFolder;
  private readonly now: () => number;

  constructor(private readonly options: JobEngineOptions) {
    this.workspace = new ConfinedFolder(options.workspaceDir, 'workspace', options.fileOps);
    this.now = options.now ?? Date.now;
  }

  /** Starts a job; its `started` event has gone out when this returns. */
  start<K extends JobKind>(definition: JobKindDefinition<K>, start: JobStart<K>): Result<{ jobId: string }, AppError> {
    if (definition.oneAtATime !== undefined) {
      const running = this.runningOf(definition.kind);
      if (running !== null) return err(definition.oneAtATime(running));
    }
    const job: RunningJob = { jobId: newId(), kind: definition.kind, forFile: start.forFile, controller: new AbortController(), stoppedBy: null, ended: false, prompts: new Map(), nextSeq: 0, history: [], logs: new Map(), steps: new Set() };
    job.controller.signal.addEventListener('abort', () => job.steps.forEach((step) => step.abort()), { once: true });
    this.jobs.set(job.jobId, job);
    const startedAt = this.now();
    this.send(job, { type: 'started', startedAt, forFile: start.forFile, machines: start.machines.map((m) => ({ machineId: m.machineId, name: m.name })) });
    void this.run(definition, job, start, startedAt);
    return ok({ jobId: job.jobId });
  }

  /** Stops a running job; false when no job with that id runs. */
  cancel(jobId: string): Result<{ cancelled: boolean }, AppError> {
    const job = this.jobs.get(jobId);
    if (job === undefined) return ok({ cancelled: false });
    this.stop(job, 'cancel');
    return ok({ cancelled: true });
  }

  /** Answers an open question; false when it was already answered or withdrawn, or the answer is of another kind. */
  answer(answer: JobAnswer): Result<{ accepted: boolean }, AppError> {
    for (const job of this.jobs.values()) {
      const prompt = job.prompts.get(answer.promptId);
      if (prompt === undefined) continue;
      const field = answerFieldOf[prompt.event.type];
      const value: unknown = (answer as Partial<Record<typeof field, unknown>>)[field];
      if (value === undefined) return ok({ accepted: false });
      prompt.resolve(value as boolean | string | null);
      return ok({ accepted: true });
    }
    return ok({ accepted: false });
  }

  /** The running job of a kind (the oldest, when several run), or null. */
  runningOf(kind: JobKind): { jobId: string; forFile: string | null } | null {
    for (const job of this.jobs.values()) if (job.kind === kind) return { jobId: job.jobId, forFile: job.forFile };
    return null;
  }

  /** The running jobs with their events so far and open questions, for a window that opens while they run. */
  list(): Result<{ jobs: JobSnapshot[] }, AppError> {
    const jobs = [...this.jobs.values()].map((job): JobSnapshot => {
      const events = [...job.history, ...[...job.logs.values()].flat()].sort((a, b) => a.seq - b.seq);
      return { jobId: job.jobId, kind: job.kind, events, prompts: [...job.prompts.values()].map((p) => p.event) };
    });
    return ok({ jobs });
  }

  /**
   * The report last kept with a design file (a normalized design file name), or null when there is none. A link
   * under the report's name is refused (notARegularFile), so what it points to is never read and shown; a damaged,
   * foreign or unreadable file counts as none, and the next job replaces it.
   */
  async readKept<K extends JobKind>(definition: JobKindDefinition<K>, designFile: string): Promise<Result<JobReportOf<K> | null, AppError>> {
    if (definition.keep === undefined) return ok(null);
    const read = await this.workspace.readFile(definition.keep.fileOf(designFile), { maxBytes: definition.keep.maxBytes });
    if (!read.ok) {
      if (read.error.code === 'notARegularFile' || read.error.code === 'pathOutsideFolder') return read;
      this.options.log?.(`could not read the last ${definition.kind} report of ${designFile}: ${read.error.code}`, read.error.details);
      return ok(null);
    }
    if (read.value === undefined) return ok(null);
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(read.value.bytes));
    } catch {
      return ok(null);
    }
    const report = definition.keep.schema.safeParse(json);
    return ok(report.success ? report.data : null);
  }

  /** Stops every running job (the app is closing), so remote commands are stopped rather than cut off. */
  dispose(): void {
    for (const job of this.jobs.values()) this.stop(job, 'dispose');
  }

  private stop(job: RunningJob, by: NonNullable<RunningJob['stoppedBy']>): void {
    if (job.stoppedBy === null) job.stoppedBy = by;
    job.controller.abort();
  }

  /** Sends a progress event of the job, numbered, and remembers it for windows that catch up. */
  private send(job: RunningJob, event: DistributiveOmit<JobProgress, 'jobId' | 'kind' | 'seq'>): void {
    // Late events of work that outlived its job (a probe that finished after the job was cancelled) are dropped.
    if (job.ended) return;
    const full = { ...event, jobId: job.jobId, kind: job.kind, seq: job.nextSeq } as JobProgress;
    this.options.events.emit('job:onDidProgress', full);
    job.nextSeq += 1;
    if (full.type !== 'log') {
      job.history.push(full);
      return;
    }
    const key = full.machineId ?? '';
    const lines = job.logs.get(key) ?? [];
    lines.push(full);
    if (lines.length > (this.options.keptLogLines ?? 200)) lines.shift();
    job.logs.set(key, lines);
  }

  private ask(job: RunningJob, question: JobQuestion, signal: AbortSignal): Promise<boolean | string | null> {
    // Work that outlived its job gets no answer: nobody could give one.
    if (!this.jobs.has(job.jobId)) return Promise.resolve(null);
    const promptId = newId();
    return new Promise((resolveAnswer) => {
      const close = (answer: boolean | string | null) => {
        if (!job.prompts.delete(promptId)) return;
        signal.removeEventListener('abort', onAbort);
        this.options.events.emit('job:onDidPrompt', { jobId: job.jobId, promptId, type: 'closed' });
        resolveAnswer(answer);
      };
      const onAbort = () => close(null);
      const event = { ...question, jobId: job.jobId, promptId } as OpenPrompt['event'];
      job.prompts.set(promptId, { event, resolve: close });
      signal.addEventListener('abort', onAbort, { once: true });
      this.options.events.emit('job:onDidPrompt', event);
      if (signal.aborted) close(null);
    });
  }

  private async step<T>(job: RunningJob, machineId: string, step: JobStep & { timeoutMs?: number }, work: (signal: AbortSignal) => Promise<T>): Promise<StepOutcome<T>> {
    const { timeoutMs, ...shown } = step;
    this.send(job, { type: 'machineStep', machineId, step: shown });
    const controller = new AbortController();
    let timedOut = false;
    const stopTimeLimit = timeoutMs === undefined ? () => undefined : startTimeLimit(timeoutMs, () => job.prompts.size > 0, () => {
          timedOut = true;
          controller.abort();
        });
    job.steps.add(controller);
    if (job.controller.signal.aborted) controller.abort();
    // Work that does not listen to its signal is not waited for past the limit; it is left to settle on its own.
    const stopped = new Promise<'stopped'>((resolveStopped) => controller.signal.addEventListener('abort', () => resolveStopped('stopped'), { once: true }));
    try {
      const value = await Promise.race([work(controller.signal), stopped]);
      if (timedOut) return { status: 'timedOut', timeoutMs: timeoutMs! };
      if (value === 'stopped' || controller.signal.aborted) return { status: 'cancelled' };
      return { status: 'done', value: value as T };
    } finally {
      stopTimeLimit();
      job.steps.delete(controller);
    }
  }

  private context<K extends JobKind>(job: RunningJob): JobContext<K> {
    const send = (event: DistributiveOmit<JobProgress, 'jobId' | 'kind' | 'seq'>) => this.send(job, event);
    return {
      jobId: job.jobId,
      forFile: job.forFile,
      signal: job.controller.signal,
      now: this.now,
      machineStarted: (machineId) => send({ type: 'machineStarted', machineId }),
      machineStep: (machineId, step) => send({ type: 'machineStep', machineId, step }),
      log: (machineId, text, stream = 'info') => send({ type: 'log', machineId, stream, text }),
      machineDone: (machineId, result) => send({ type: 'machineDone', machineId, result } as DistributiveOmit<JobProgress, 'jobId' | 'kind' | 'seq'>),
      emit: (event) => send(event as DistributiveOmit<JobProgress, 'jobId' | 'kind' | 'seq'>),
      ask: (question, signal) => this.ask(job, question, signal === undefined ? job.controller.signal : AbortSignal.any([signal, job.controller.signal])) as never,
      isWaitingForPerson: () => job.prompts.size > 0,
      step: (machineId, step, work) => this.step(job, machineId, step, work),
    };
  }

  private async run<K extends JobKind>(definition: JobKindDefinition<K>, job: RunningJob, start: JobStart<K>, startedAt: number): Promise<void> {
    const stopTimeLimit = start.timeoutMs === undefined ? () => undefined : startTimeLimit(start.timeoutMs, () => job.prompts.size > 0, () => this.stop(job, 'timeout'));
    let outcome: JobOutcome;
    try {
      await start.run(this.context<K>(job));
      outcome = job.stoppedBy === 'timeout' ? 'timedOut' : job.controller.signal.aborted ? 'cancelled' : 'finished';
    } catch (cause) {
      outcome = 'failed';
      this.options.log?.(`${definition.kind} job failed`, cause);
    } finally {
      stopTimeLimit();
    }
    // Questions the work left open (it should not) are withdrawn with the job.
    for (const prompt of [...job.prompts.values()]) prompt.resolve(null);
    let report: JobReportOf<K>;
    try {
      report = start.report({ outcome, startedAt, finishedAt: this.now() });
    } catch (cause) {
      // A report that cannot be built is a bug; the job still has to end in every window.
      this.options.log?.(`${definition.kind} job report failed`, cause);
      this.jobs.delete(job.jobId);
      job.ended = true;
      return;
    }
    let saved = false;
    let saveError: AppError | undefined;
    if (job.forFile !== null && definition.keep !== undefined) {
      const file = definition.keep.fileOf(job.forFile);
      const written = await this.workspace.exclusive(file, () => this.workspace.writeFile(file, `${JSON.stringify(report, null, 2)}\n`));
      if (written.ok) saved = true;
      else {
        saveError = written.error;
        this.options.log?.(`could not keep the ${definition.kind} report: ${written.error.code}`, written.error.details);
      }
    }
    // Over before `done` goes out: a window that starts the next job on `done` must not be refused.
    this.jobs.delete(job.jobId);
    const kept = saveError === undefined ? { saved } : { saved, saveError };
    try {
      this.send(job, { type: 'done', outcome, report, ...kept } as DistributiveOmit<JobProgress, 'jobId' | 'kind' | 'seq'>);
    } catch (cause) {
      this.options.log?.(`${definition.kind} report refused by the contract`, cause);
      if (definition.slimReport !== undefined) this.send(job, { type: 'done', outcome: 'failed', report: definition.slimReport(report), ...kept } as DistributiveOmit<JobProgress, 'jobId' | 'kind' | 'seq'>);
    }
    job.ended = true;
  }
}
