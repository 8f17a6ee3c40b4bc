import { useEffect } from 'react';
import type { StateCreator, UseBoundStore, StoreApi } from 'zustand';
import { describeError, type AppError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { Result } from '../../../shared/result';

// What a window keeps of a job kind whose runs are a history beside the design (verify, "Measure my network"): the
// newest run of the design on screen, the run this window follows (each machine's result as it finishes, then the
// report), and the design's past runs with one of them opened. One slice for every such kind; each kind's store adds
// how it starts (verifyStore.ts, measureStore.ts). Where each machine is (its step, its log lines) is the jobs
// store's, like every job's.

/** What every kept report has. */
export interface RunReport {
  runId: string;
  startedAt: number;
}

/** A run as this window follows it, from its job's events. */
export interface JobRunView<R, M> {
  jobId: string;
  forFile: string | null;
  startedAt: number;
  /** Each machine's (or pair's) result as it finishes, by its id in the job. */
  results: Readonly<Record<string, M>>;
  /** The report of the whole run; null while it runs. */
  report: R | null;
  /** Why the report could not be kept with the design, as a sentence; null when it was kept. */
  saveError: string | null;
}

/** One run of the history as opened: its report and its log. */
export interface OpenRunEntry<R> {
  runId: string;
  loading: boolean;
  report: R | null;
  log: string;
  error: string | null;
}

/** The events of a run that its view follows (any kind's progress events fit). */
export type RunEvent<R, M> =
  | { type: 'started'; jobId: string; forFile: string | null; startedAt: number }
  | { type: 'machineDone'; jobId: string; machineId: string; result: M }
  | { type: 'done'; jobId: string; report: R; saveError?: AppError | undefined }
  | { type: 'machineStarted' | 'machineStep' | 'log'; jobId: string };

export interface JobRunSlice<R, M, E> {
  /** The design file whose last result is shown; null before any was read, or for an unsaved design. */
  forFile: string | null;
  /** The newest run of `forFile` (kept with the file, or one that just ended here); null when it never ran. */
  report: R | null;
  /** The last result of `forFile` is being read. */
  loading: boolean;
  /** Why the last result could not be read, as a sentence. */
  error: string | null;
  /** The run going on now, or the last one this window saw end; null before any. */
  run: JobRunView<R, M> | null;
  /** A start was asked for and not answered yet. */
  starting: boolean;
  /** Why the last start failed, as a sentence. */
  startError: string | null;
  /** The design file the history belongs to; null when it has to be read (again). */
  historyFor: string | null;
  /** The runs of the design, newest first; null until read. */
  history: readonly E[] | null;
  historyError: string | null;
  openEntry: OpenRunEntry<R> | null;
  /** Shows the last run kept with a design file (once per file). A run of that file ending meanwhile wins over what was read. */
  loadLast: (backend: ApiTransport, fileName: string | null) => Promise<void>;
  /** Says why a start failed (null: clears it). */
  setStartError: (error: string | null) => void;
  /** Applies one event of a job of this kind, from any window. */
  applyEvent: (event: RunEvent<R, M>) => void;
  /** Reads the runs of a design file. */
  loadHistory: (backend: ApiTransport, fileName: string) => Promise<void>;
  /** Opens one run of the history (its report and log). */
  openHistoryEntry: (backend: ApiTransport, fileName: string, runId: string) => Promise<void>;
  closeHistoryEntry: () => void;
}

/** How a kind's runs are read, and what it calls a run in messages ("verify"). */
export interface JobRunSpec<R, E> {
  /** The run in messages: "verify" ("The last verify of this design could not be read."). */
  what: string;
  readLast: (backend: ApiTransport, name: string) => Promise<Result<{ report: R | null }, AppError>>;
  readHistory: (backend: ApiTransport, name: string) => Promise<Result<{ entries: E[] }, AppError>>;
  readEntry: (backend: ApiTransport, name: string, runId: string) => Promise<Result<{ report: R | null; log: string }, AppError>>;
}

/** The state a store of such a kind starts with (also what tests reset it to). */
export const emptyJobRun = { forFile: null, report: null, loading: false, error: null, run: null, starting: false, startError: null, historyFor: null, history: null, historyError: null, openEntry: null } as const;

/** The slice every such kind's store is built from (zustand's slices pattern). */
export function createJobRunSlice<R extends RunReport, M, E, S extends JobRunSlice<R, M, E>>(spec: JobRunSpec<R, E>): StateCreator<S, [], [], JobRunSlice<R, M, E>> {
  // Requests answered after a newer one of the same kind was made are dropped: counters per kind.
  let historyRequest = 0;
  let entryRequest = 0;
  return (setState, get) => {
    const set = setState as (partial: Partial<JobRunSlice<R, M, E>> | ((state: JobRunSlice<R, M, E>) => Partial<JobRunSlice<R, M, E>>)) => void;
    return {
      ...emptyJobRun,
      loadLast: async (backend, fileName) => {
        if (get().forFile === fileName && fileName !== null) return;
        set({ forFile: fileName, report: null, loading: fileName !== null, error: null });
        if (fileName === null) return;
        const result = await spec.readLast(backend, fileName);
        const now = get();
        if (now.forFile !== fileName) return;
        if (!result.ok) set({ loading: false, error: `The last ${spec.what} of this design could not be read. ${describeError(result.error)}` });
        // A run of this file that ended while the answer was on its way brought a newer report.
        else set({ loading: false, report: now.report ?? result.value.report ?? null });
      },
      setStartError: (startError) => set({ startError }),
      applyEvent: (event) =>
        set((state): Partial<JobRunSlice<R, M, E>> => {
          if (event.type === 'started') return { run: { jobId: event.jobId, forFile: event.forFile, startedAt: event.startedAt, results: {}, report: null, saveError: null } };
          const run = state.run;
          // Events of a job this window did not see start are replayed from its start by the jobs store's catch-up.
          if (run === null || run.jobId !== event.jobId) return {};
          switch (event.type) {
            case 'machineDone':
              return { run: { ...run, results: { ...run.results, [event.machineId]: event.result } } };
            case 'done': {
              const saveError = event.saveError === undefined ? null : `This ${spec.what} was not kept with the design. ${describeError(event.saveError)}`;
              const ofShownFile = run.forFile !== null && run.forFile === state.forFile;
              return {
                run: { ...run, report: event.report, saveError },
                // The newest result of the design on screen.
                ...(ofShownFile ? { report: event.report, loading: false, error: null } : {}),
                // The history has one more entry: read it again when next shown.
                ...(state.historyFor === run.forFile ? { historyFor: null } : {}),
              };
            }
            default:
              // Steps and log lines are the jobs store's.
              return {};
          }
        }),
      loadHistory: async (backend, fileName) => {
        const request = (historyRequest += 1);
        set({ historyFor: fileName, historyError: null, ...(get().historyFor === fileName ? {} : { history: null, openEntry: null }) });
        const result = await spec.readHistory(backend, fileName);
        if (request !== historyRequest) return;
        if (result.ok) set({ history: result.value.entries });
        else set({ history: [], historyError: `The past ${spec.what} runs of this design could not be read. ${describeError(result.error)}` });
      },
      openHistoryEntry: async (backend, fileName, runId) => {
        const request = (entryRequest += 1);
        set({ openEntry: { runId, loading: true, report: null, log: '', error: null } });
        const result = await spec.readEntry(backend, fileName, runId);
        if (request !== entryRequest) return;
        if (result.ok) set({ openEntry: { runId, loading: false, report: result.value.report, log: result.value.log, error: result.value.report === null ? 'This run’s result is missing or damaged; its log is below, if it was kept.' : null } });
        else set({ openEntry: { runId, loading: false, report: null, log: '', error: describeError(result.error) } });
      },
      closeHistoryEntry: () => set({ openEntry: null }),
    };
  };
}

/** A kind's store (verifyStore.ts, measureStore.ts), as the views every such kind shares read it. */
export type RunStore<R, M, E> = UseBoundStore<StoreApi<JobRunSlice<R, M, E>>>;

/** Shows the last run kept with the open design file, once per file (every view that shows it calls this). */
export function useLastRunFor<R, M, E>(store: RunStore<R, M, E>, fileName: string | null, backend: ApiTransport | null): void {
  const forFile = store((s) => s.forFile);
  useEffect(() => {
    if (backend === null || fileName === forFile) return;
    void store.getState().loadLast(backend, fileName);
  }, [store, fileName, forFile, backend]);
}

/** Reads the history of the open design file when it changes or after a run of it ended (once each). */
export function useRunHistoryFor<R, M, E>(store: RunStore<R, M, E>, fileName: string | null, backend: ApiTransport | null): void {
  const historyFor = store((s) => s.historyFor);
  useEffect(() => {
    if (backend === null || fileName === null || fileName === historyFor) return;
    void store.getState().loadHistory(backend, fileName);
  }, [store, fileName, historyFor, backend]);
}

/** The newest run of the design file on screen, or null (it never ran, not read yet, or another file's is held). */
export function useShownRunReport<R, M, E>(store: RunStore<R, M, E>, fileName: string | null): R | null {
  return store((s) => (fileName !== null && s.forFile === fileName ? s.report : null));
}
