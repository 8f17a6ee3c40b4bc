import { useEffect } from 'react';
import { create } from 'zustand';
import type { AppError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { JobEventOf, JobKind, JobProgress, JobSnapshot } from '../../../shared/ipc/contract';
import type { JobAnswer, JobLogStream, JobOutcome, JobPrompt, JobStep } from '../../../shared/ipc/jobs';
import type { Result } from '../../../shared/result';

/** A question from main that is still open. */
export type OpenPrompt = Exclude<JobPrompt, { type: 'closed' }>;

/** One log line of a machine. */
export interface JobLogLine {
  stream: JobLogStream;
  text: string;
}

/** Where one machine is in a job. */
export interface JobMachineView {
  name: string;
  state: 'pending' | 'running' | 'done';
  /** The step it is on (step-by-step kinds only). */
  step: JobStep | null;
  /** Its last log lines, oldest first. */
  log: readonly JobLogLine[];
}

/** A job as this window knows it: running, or the last one of its kind that ended. */
export interface JobView {
  jobId: string;
  kind: JobKind;
  startedAt: number;
  forFile: string | null;
  /** Machine ids in the order the job works on them. */
  order: readonly string[];
  machines: Readonly<Record<string, JobMachineView>>;
  total: number;
  /** Machines done so far. */
  done: number;
  /** Null while it runs. */
  outcome: JobOutcome | null;
  /** The last event applied (events carry a number per job, so a repeated or late one is recognised). */
  lastSeq: number;
  /** Log lines of the whole job, oldest first. */
  log: readonly JobLogLine[];
}

interface JobsState {
  /** Running jobs, and the last ended job of each kind. */
  jobs: Readonly<Record<string, JobView>>;
  /** The running job of each kind, by id. */
  running: Readonly<Partial<Record<JobKind, string>>>;
  /** Questions waiting for the person, oldest first, from any job. */
  prompts: readonly OpenPrompt[];
  /** Applies one progress event pushed from main (a repeated or late one changes nothing). */
  applyEvent: (event: JobProgress) => void;
  /** Applies one question event: a new question, or `closed` (answered here or in another window, or withdrawn). */
  applyPrompt: (event: JobPrompt) => void;
  /** Takes in the jobs that were running before this window listened (job:list), then the events held back meanwhile. */
  catchUp: (jobs: readonly JobSnapshot[]) => void;
  /**
   * A job this window just started: shown as running at once, since the answer to the start can arrive before the
   * job's `started` event (serve mode's event stream and its requests are separate connections).
   */
  expectJob: (job: { jobId: string; kind: JobKind; forFile: string | null; machines: readonly { machineId: string; name: string }[] }) => void;
  /** Stops a running job; the job ends (cancelled) with its `done` event. */
  cancel: (backend: ApiTransport, jobId: string) => Promise<Result<{ cancelled: boolean }, AppError>>;
  /** Answers a question; it closes when main confirms with `closed`, or at once when it was already gone. */
  answer: (backend: ApiTransport, answer: JobAnswer) => Promise<boolean>;
}

/** Log lines kept per machine and for the job; the rest was shown as it came. */
export const MAX_LOG_LINES = 1000;

/** Listeners per kind: a kind's own view (the check results, say) follows its jobs' events through these. */
const kindListeners = new Map<JobKind, Set<(event: JobProgress) => void>>();

/** Jobs whose `done` event arrived; their late events (and a late start answer) are ignored. */
const endedJobs = new Set<string>();
/** Prompts closed here; a catch-up that still lists one does not bring it back. */
const closedPrompts = new Set<string>();
/** While the first job:list is on its way: events of jobs this window has not seen start, held back for catchUp. */
let heldBack: JobProgress[] | null = null;

/**
 * Follows one kind's progress events, each once and in order, after the jobs store took it in. Returns the function
 * that stops following.
 */
export function onJobEvent<K extends JobKind>(kind: K, listener: (event: JobEventOf<K>) => void): () => void {
  const listeners = kindListeners.get(kind) ?? new Set();
  kindListeners.set(kind, listeners);
  const wrapped = listener as (event: JobProgress) => void;
  listeners.add(wrapped);
  return () => listeners.delete(wrapped);
}

function appendLine(lines: readonly JobLogLine[], line: JobLogLine): readonly JobLogLine[] {
  return lines.length < MAX_LOG_LINES ? [...lines, line] : [...lines.slice(lines.length - MAX_LOG_LINES + 1), line];
}

/** The job view after one event. */
function nextView(job: JobView, event: JobProgress): JobView {
  const machine = (id: string, change: Partial<JobMachineView>): JobView => {
    const current = job.machines[id] ?? { name: id, state: 'pending', step: null, log: [] };
    return { ...job, machines: { ...job.machines, [id]: { ...current, ...change } } };
  };
  const view = ((): JobView => {
    switch (event.type) {
      case 'machineStarted':
        return machine(event.machineId, { state: 'running' });
      case 'machineStep':
        return machine(event.machineId, { state: 'running', step: event.step });
      case 'log': {
        const line = { stream: event.stream, text: event.text };
        if (event.machineId === null) return { ...job, log: appendLine(job.log, line) };
        return machine(event.machineId, { log: appendLine(job.machines[event.machineId]?.log ?? [], line) });
      }
      case 'machineDone': {
        const wasDone = job.machines[event.machineId]?.state === 'done';
        const next = machine(event.machineId, { state: 'done', step: null });
        return wasDone ? next : { ...next, done: job.done + 1 };
      }
      case 'done':
        return { ...job, outcome: event.outcome };
      default:
        // The kind's own events (check: `local`) are its view's business.
        return job;
    }
  })();
  return { ...view, lastSeq: event.seq };
}

function startedView(event: Extract<JobProgress, { type: 'started' }>): JobView {
  const machines: Record<string, JobMachineView> = {};
  for (const m of event.machines) machines[m.machineId] = { name: m.name, state: 'pending', step: null, log: [] };
  return { jobId: event.jobId, kind: event.kind, startedAt: event.startedAt, forFile: event.forFile, order: event.machines.map((m) => m.machineId), machines, total: event.machines.length, done: 0, outcome: null, lastSeq: event.seq, log: [] };
}

/**
 * Jobs running in main (check machines; later deploy, verify, measure, the assistant's answers) as this window sees
 * them, fed by job:onDidProgress and job:onDidPrompt: per machine its state, step and log; the questions for the
 * person from any job, whichever window they are answered in.
 */
export const useJobsStore = create<JobsState>()((set, get) => ({
  jobs: {},
  running: {},
  prompts: [],
  applyEvent: (event) => {
    const state = get();
    const known = state.jobs[event.jobId];
    if (endedJobs.has(event.jobId) || (known !== undefined && event.seq <= known.lastSeq)) return;
    if (known === undefined && event.type !== 'started') {
      // A job that began before this window listened: its catch-up is on the way.
      heldBack?.push(event);
      return;
    }
    const view = event.type === 'started' ? startedView(event) : nextView(known!, event);
    if (event.type === 'done') {
      endedJobs.add(event.jobId);
      // Only the last ended job of each kind is kept, for its logs.
      const jobs = Object.fromEntries(Object.entries(state.jobs).filter(([, job]) => job.kind !== event.kind || job.outcome === null));
      const running = { ...state.running };
      if (running[event.kind] === event.jobId) delete running[event.kind];
      set({ jobs: { ...jobs, [event.jobId]: view }, running, prompts: state.prompts.filter((p) => p.jobId !== event.jobId) });
    } else {
      set({ jobs: { ...state.jobs, [event.jobId]: view }, ...(event.type === 'started' ? { running: { ...state.running, [event.kind]: event.jobId } } : {}) });
    }
    for (const listener of kindListeners.get(event.kind) ?? []) listener(event);
  },
  applyPrompt: (event) => {
    const { prompts } = get();
    if (event.type === 'closed') {
      closedPrompts.add(event.promptId);
      set({ prompts: prompts.filter((p) => p.promptId !== event.promptId) });
    } else if (!prompts.some((p) => p.promptId === event.promptId) && !closedPrompts.has(event.promptId) && !endedJobs.has(event.jobId)) {
      set({ prompts: [...prompts, event] });
    }
  },
  catchUp: (jobs) => {
    const held = heldBack ?? [];
    heldBack = null;
    for (const job of jobs) {
      for (const event of job.events) get().applyEvent(event);
      for (const prompt of job.prompts) get().applyPrompt(prompt);
    }
    for (const event of held) get().applyEvent(event);
  },
  expectJob: ({ jobId, kind, forFile, machines }) => {
    if (get().jobs[jobId] !== undefined || endedJobs.has(jobId)) return;
    get().applyEvent({ jobId, kind, seq: 0, type: 'started', startedAt: Date.now(), forFile, machines: [...machines] });
  },
  cancel: (backend, jobId) => backend.invoke('job:cancel', { jobId }),
  answer: async (backend, answer) => {
    const result = await backend.invoke('job:answer', answer);
    const accepted = result.ok && result.value.accepted;
    if (!accepted) set((s) => ({ prompts: s.prompts.filter((p) => p.promptId !== answer.promptId) }));
    return accepted;
  },
}));

/** The running job of a kind, or null. */
export function useRunningJob(kind: JobKind): JobView | null {
  return useJobsStore((s) => {
    const id = s.running[kind];
    return id === undefined ? null : (s.jobs[id] ?? null);
  });
}

/** Listens to job events for the life of the window, after catching up on the jobs already running. */
export function useJobEvents(backend: ApiTransport | null): void {
  useEffect(() => {
    if (backend === null) return undefined;
    const { applyEvent, applyPrompt, catchUp } = useJobsStore.getState();
    heldBack = [];
    const offProgress = backend.subscribe('job:onDidProgress', applyEvent);
    const offPrompt = backend.subscribe('job:onDidPrompt', applyPrompt);
    let stopped = false;
    void backend.invoke('job:list', {}).then((result) => {
      if (!stopped) catchUp(result.ok ? result.value.jobs : []);
    });
    return () => {
      stopped = true;
      heldBack = null;
      offProgress();
      offPrompt();
    };
  }, [backend]);
}
