import { useEffect } from 'react';
import { create } from 'zustand';
import { describeError, type AppError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { HostKeyMode, ResponseOf, VerifyProgress } from '../../../shared/ipc/contract';
import type { Design } from '../../../shared/model/types';
import type { Result } from '../../../shared/result';
import { byNameThenId } from '../../../shared/text';
import type { VerifyHistoryEntry, VerifyMachineResult, VerifyReport } from '../../../shared/verify/schema';
import { displayName } from '../commands/fileActions';
import { onJobEvent, useJobsStore } from '../stores/jobsStore';
import { useNoticeStore } from '../stores/noticeStore';
import { outcomeText } from './deployStatus';

/**
 * A verify run as this window follows it, from its job's events: what each machine's overlay looked like as it was
 * read, then the report with the reachability matrix. Where each machine is (its step, its log lines) is the jobs
 * store's, like every job's.
 */
export interface VerifyRunView {
  jobId: string;
  forFile: string | null;
  startedAt: number;
  /** Each machine's findings as it finishes, by machine id. */
  results: Readonly<Record<string, VerifyMachineResult>>;
  /** The report of the whole run; null while it runs. */
  report: VerifyReport | null;
  /** Why the report could not be kept with the design, as a sentence; null when it was kept. */
  saveError: string | null;
}

/** One verify run of the history as opened: its report and its log. */
export interface OpenVerifyEntry {
  runId: string;
  loading: boolean;
  report: VerifyReport | null;
  log: string;
  error: string | null;
}

export interface VerifyState {
  /**
   * The design file whose last verify result is shown (the Verify tab, the canvas colours); null before any was
   * read, or for an unsaved design.
   */
  forFile: string | null;
  /** The newest verify of `forFile` (kept with the file, or one that just ended here); null when never verified. */
  report: VerifyReport | null;
  /** The last result of `forFile` is being read. */
  loading: boolean;
  /** Why the last result could not be read, as a sentence. */
  error: string | null;
  /** The verify running now, or the last one this window saw end; null before any. */
  run: VerifyRunView | null;
  /** A start was asked for and not answered yet. */
  starting: boolean;
  /** Why the last start failed, as a sentence. */
  startError: string | null;
  /** The design file the history belongs to; null when it has to be read (again). */
  historyFor: string | null;
  /** The verify runs of the design, newest first; null until read. */
  history: readonly VerifyHistoryEntry[] | null;
  historyError: string | null;
  openEntry: OpenVerifyEntry | null;
  /**
   * Shows the last verify kept with a design file (once per file: the canvas and the Verify tab both ask). A run of
   * that file ending meanwhile wins over what was read.
   */
  loadLast: (backend: ApiTransport, fileName: string | null) => Promise<void>;
  /** Starts verifying a saved design; the job then reports through the jobs store and applyEvent. */
  start: (backend: ApiTransport, fileName: string, design: Design, ssh: { hostKeys: HostKeyMode; keys: readonly string[] | null }) => Promise<Result<ResponseOf<'verify:start'>, AppError>>;
  /** Says why a start failed (null: clears it). */
  setStartError: (error: string | null) => void;
  /** Applies one event of a verify job, from any window. */
  applyEvent: (event: VerifyProgress) => void;
  /** Reads the verify runs of a design file. */
  loadHistory: (backend: ApiTransport, fileName: string) => Promise<void>;
  /** Opens one run of the history (its report and log). */
  openHistoryEntry: (backend: ApiTransport, fileName: string, runId: string) => Promise<void>;
  closeHistoryEntry: () => void;
}

/** Requests answered after a newer one of the same kind was made are dropped: counters per kind. */
let historyRequest = 0;
let entryRequest = 0;

/**
 * "Verify network" as this window shows it: the last result of the design on screen (the Verify tab and the canvas
 * read it), the run this window follows, and the design's past runs. The job itself (running or not, its machines'
 * steps and logs, its questions, cancel) is the jobs store's, as for every job.
 */
export const useVerifyStore = create<VerifyState>()((set, get) => ({
  forFile: null,
  report: null,
  loading: false,
  error: null,
  run: null,
  starting: false,
  startError: null,
  historyFor: null,
  history: null,
  historyError: null,
  openEntry: null,
  loadLast: async (backend, fileName) => {
    if (get().forFile === fileName && fileName !== null) return;
    set({ forFile: fileName, report: null, loading: fileName !== null, error: null });
    if (fileName === null) return;
    const result = await backend.invoke('verify:last', { name: fileName });
    const now = get();
    if (now.forFile !== fileName) return;
    if (!result.ok) set({ loading: false, error: `The last verify of this design could not be read. ${describeError(result.error)}` });
    // A run of this file that ended while the answer was on its way brought a newer report.
    else set({ loading: false, report: now.report ?? result.value.report ?? null });
  },
  start: async (backend, fileName, design, ssh) => {
    set({ starting: true, startError: null });
    const result = await backend.invoke('verify:start', { name: fileName, design, hostKeys: ssh.hostKeys, ...(ssh.keys === null ? {} : { keys: [...ssh.keys] }) });
    if (!result.ok) {
      set({ starting: false });
      return result;
    }
    // Shown as running at once (the answer can arrive before the job's `started` event), with the machines it
    // verifies: the managed members of the VPN, by name (the matrix module is not loaded for this: it brings the
    // configuration generator, which the first screen does without).
    const machines = Object.values(design.machines)
      .filter((m) => m.managed && (design.vpn.roles[m.id]?.length ?? 0) > 0)
      .sort(byNameThenId)
      .map((m) => ({ machineId: m.id, name: m.name }));
    useJobsStore.getState().expectJob({ jobId: result.value.jobId, kind: 'verify', forFile: fileName, machines });
    set({ starting: false });
    return result;
  },
  setStartError: (startError) => set({ startError }),
  applyEvent: (event) =>
    set((state): Partial<VerifyState> => {
      if (event.type === 'started') return { run: { jobId: event.jobId, forFile: event.forFile, startedAt: event.startedAt, results: {}, report: null, saveError: null } };
      const run = state.run;
      // Events of a job this window did not see start are replayed from its start by the jobs store's catch-up.
      if (run === null || run.jobId !== event.jobId) return {};
      switch (event.type) {
        case 'machineDone':
          return { run: { ...run, results: { ...run.results, [event.machineId]: event.result } } };
        case 'done': {
          const saveError = event.saveError === undefined ? null : `This verify was not kept with the design. ${describeError(event.saveError)}`;
          const ofShownFile = run.forFile !== null && run.forFile === state.forFile;
          return {
            run: { ...run, report: event.report, saveError },
            // The newest result of the design on screen, for the Verify tab and the canvas.
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
    const result = await backend.invoke('verify:history', { name: fileName });
    if (request !== historyRequest) return;
    if (result.ok) set({ history: result.value.entries });
    else set({ history: [], historyError: `The past verify runs of this design could not be read. ${describeError(result.error)}` });
  },
  openHistoryEntry: async (backend, fileName, runId) => {
    const request = (entryRequest += 1);
    set({ openEntry: { runId, loading: true, report: null, log: '', error: null } });
    const result = await backend.invoke('verify:historyEntry', { name: fileName, runId });
    if (request !== entryRequest) return;
    if (result.ok) set({ openEntry: { runId, loading: false, report: result.value.report, log: result.value.log, error: result.value.report === null ? 'This run’s result is missing or damaged; its log is below, if it was kept.' : null } });
    else set({ openEntry: { runId, loading: false, report: null, log: '', error: describeError(result.error) } });
  },
  closeHistoryEntry: () => set({ openEntry: null }),
}));

/** How a verify ended, in one sentence for the status bar. */
export function verifyDoneNotice(forFile: string | null, report: VerifyReport): string {
  const name = forFile === null ? 'this design' : displayName(forFile);
  const what = report.matrix === null ? '' : `: ${report.matrix.summary.replace(/\.$/, '')}`;
  return `The verify of ${name} ${outcomeText[report.outcome]}${what}. The Verify tab of the Deploy area has the details.`;
}

// The verify view follows its jobs' events, whichever window started them. This module is part of the first screen
// (the canvas colours the paths by the last result), so a window that opens during a verify catches up on it.
onJobEvent('verify', (event) => {
  useVerifyStore.getState().applyEvent(event);
  // Said in the status bar too: a verify that follows a deploy ends while the person looks elsewhere.
  if (event.type === 'done') useNoticeStore.getState().show(verifyDoneNotice(useVerifyStore.getState().run?.forFile ?? null, event.report));
});

/** Whether a verify is running now (in this window or another). */
export function useIsVerifying(): boolean {
  return useJobsStore((s) => s.running.verify !== undefined);
}

/** Shows the last verify kept with the open design file, once per file (the canvas and the Verify tab call it). */
export function useLastVerifyFor(fileName: string | null, backend: ApiTransport | null): void {
  const forFile = useVerifyStore((s) => s.forFile);
  useEffect(() => {
    if (backend === null || fileName === forFile) return;
    void useVerifyStore.getState().loadLast(backend, fileName);
  }, [fileName, forFile, backend]);
}

/** Reads the verify history of the open design file when it changes or after a verify of it ended (once each). */
export function useVerifyHistoryFor(fileName: string | null, backend: ApiTransport | null): void {
  const historyFor = useVerifyStore((s) => s.historyFor);
  useEffect(() => {
    if (backend === null || fileName === null || fileName === historyFor) return;
    void useVerifyStore.getState().loadHistory(backend, fileName);
  }, [fileName, historyFor, backend]);
}

/** The last verify result of the design file on screen, or null (never verified, not read yet, another file's). */
export function useShownVerifyReport(fileName: string | null): VerifyReport | null {
  return useVerifyStore((s) => (fileName !== null && s.forFile === fileName ? s.report : null));
}
