import { useEffect } from 'react';
import { create } from 'zustand';
import type { DeployPlan } from '../../../shared/deploy/plan';
import { countByStatus, type DeployHistoryEntry, type DeployMachineResult, type DeployReport } from '../../../shared/deploy/report';
import { describeError, type AppError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { DeployProgress, HostKeyMode, ResponseOf } from '../../../shared/ipc/contract';
import type { Design } from '../../../shared/model/types';
import type { Result } from '../../../shared/result';
import { displayName } from '../commands/fileActions';
import { onJobEvent, useJobsStore } from '../stores/jobsStore';
import { useNoticeStore } from '../stores/noticeStore';
import { countsText, outcomeText } from './deployStatus';

/** The tabs of the Deploy area. */
export type DeployTab = 'configuration' | 'machines' | 'deploy' | 'verify' | 'measure' | 'history';

/** The vars a deploy made before the machines. */
export type DeployVarsResult = DeployReport['vars'];

/**
 * A deploy as this window follows it, from its job's own events (the plan it follows, the vars, each machine's
 * result, the report). Where each machine is and its log lines are the jobs store's, like every job's.
 */
export interface DeployRunView {
  jobId: string;
  forFile: string | null;
  startedAt: number;
  /** The history entry's id, once the plan is made. */
  runId: string | null;
  /** The plan the run follows; null while the machines are still being read. */
  plan: DeployPlan | null;
  vars: DeployVarsResult | null;
  /** Each machine's result as it finishes, by machine id. */
  results: Readonly<Record<string, DeployMachineResult>>;
  /** The report of the whole run; null while it runs. */
  report: DeployReport | null;
  /** Why the record of the run could not be kept with the design, as a sentence; null when it was kept. */
  saveError: string | null;
}

/** One deploy of the history as opened: its plan, report and logs. */
export interface OpenHistoryEntry {
  runId: string;
  loading: boolean;
  plan: DeployPlan | null;
  report: DeployReport | null;
  /** Log text by machine name ("deploy" for the run's own). */
  logs: Readonly<Record<string, string>>;
  error: string | null;
}

export interface DeployState {
  /** The tab of the Deploy area on screen; commands open the one they need. */
  tab: DeployTab;
  /** What the Deploy tab shows: the plan, or the deploy this window follows (running or just ended). */
  view: 'plan' | 'run';
  /** The design file the plan belongs to. */
  planFor: string | null;
  /** The design object the plan was made from: when the design on screen is another one, the plan is out of date. */
  planDesign: Design | null;
  plan: DeployPlan | null;
  /** When the plan arrived (this window's clock), to tell a recent plan from an old one. */
  planReceivedAt: number | null;
  /** A plan was asked for and not answered yet. */
  planning: boolean;
  planError: string | null;
  /** A deploy start was asked for and not answered yet. */
  starting: boolean;
  /** Why the last start failed, as a sentence. */
  startError: string | null;
  /** The deploy running now, or the last one this window saw end; null before any. */
  run: DeployRunView | null;
  /** The design file the history belongs to; null when it has to be read (again). */
  historyFor: string | null;
  /** The deploys of the design, newest first; null until read. */
  history: readonly DeployHistoryEntry[] | null;
  historyError: string | null;
  openEntry: OpenHistoryEntry | null;
  showTab: (tab: DeployTab) => void;
  showView: (view: 'plan' | 'run') => void;
  /**
   * Plans a deploy of the saved design (a dry run: it reads the machines and changes nothing). Resolves with the
   * plan, or null when it could not be made (planError says why) or a newer request replaced it.
   */
  makePlan: (backend: ApiTransport, fileName: string, design: Design) => Promise<DeployPlan | null>;
  /** Starts a deploy; the job then reports through the jobs store and applyEvent. */
  start: (backend: ApiTransport, fileName: string, design: Design, ssh: { hostKeys: HostKeyMode; keys: readonly string[] | null }) => Promise<Result<ResponseOf<'deploy:start'>, AppError>>;
  /** Says why a start failed (null: clears it). */
  setStartError: (error: string | null) => void;
  /** Applies one event of a deploy job, from any window. */
  applyEvent: (event: DeployProgress) => void;
  /** Reads the deploys of a design file. */
  loadHistory: (backend: ApiTransport, fileName: string) => Promise<void>;
  /** Opens one deploy of the history (its plan, report and logs). */
  openHistoryEntry: (backend: ApiTransport, fileName: string, runId: string) => Promise<void>;
  closeHistoryEntry: () => void;
}

const emptyRun = (jobId: string, forFile: string | null, startedAt: number): DeployRunView => ({ jobId, forFile, startedAt, runId: null, plan: null, vars: null, results: {}, report: null, saveError: null });

/** Requests answered after a newer one of the same kind was made are dropped: counters per kind. */
let planRequest = 0;
let historyRequest = 0;
let entryRequest = 0;

/**
 * The Deploy area's own state: which tab is open, the plan on screen, the deploy this window follows, and the history
 * of the design. The deploy job itself (running or not, its machines' steps and logs, its questions, cancel) is the
 * jobs store's, as for every job.
 */
export const useDeployStore = create<DeployState>()((set, get) => ({
  tab: 'configuration',
  view: 'plan',
  planFor: null,
  planDesign: null,
  plan: null,
  planReceivedAt: null,
  planning: false,
  planError: null,
  starting: false,
  startError: null,
  run: null,
  historyFor: null,
  history: null,
  historyError: null,
  openEntry: null,
  showTab: (tab) => set({ tab }),
  showView: (view) => set({ view }),
  makePlan: async (backend, fileName, design) => {
    const request = (planRequest += 1);
    set({ planning: true, planError: null });
    const result = await backend.invoke('deploy:plan', { name: fileName, design });
    if (request !== planRequest) return null;
    if (!result.ok) {
      set({ planning: false, planError: describeError(result.error) });
      return null;
    }
    set({ planning: false, planFor: fileName, planDesign: design, plan: result.value.plan, planReceivedAt: Date.now() });
    return result.value.plan;
  },
  start: async (backend, fileName, design, ssh) => {
    set({ starting: true, startError: null });
    const result = await backend.invoke('deploy:start', { name: fileName, design, hostKeys: ssh.hostKeys, ...(ssh.keys === null ? {} : { keys: [...ssh.keys] }) });
    if (!result.ok) {
      set({ starting: false });
      return result;
    }
    // Shown as running at once: the answer can arrive before the job's `started` event (serve mode's event stream
    // and its requests are separate connections).
    const managed = Object.values(design.machines).filter((m) => m.managed);
    useJobsStore.getState().expectJob({ jobId: result.value.jobId, kind: 'deploy', forFile: fileName, machines: managed.map((m) => ({ machineId: m.id, name: m.name })) });
    set({ starting: false });
    return result;
  },
  setStartError: (startError) => set({ startError }),
  applyEvent: (event) =>
    set((state): Partial<DeployState> => {
      // A deploy that starts (here or in another window) is what the Deploy tab shows from now on.
      if (event.type === 'started') return { run: emptyRun(event.jobId, event.forFile, event.startedAt), view: 'run' };
      const run = state.run;
      // Events of a job this window did not see start are replayed from its start by the jobs store's catch-up.
      if (run === null || run.jobId !== event.jobId) return {};
      switch (event.type) {
        case 'plan':
          return { run: { ...run, plan: event.plan, runId: event.runId } };
        case 'vars':
          return { run: { ...run, vars: event.vars } };
        case 'machineDone':
          return { run: { ...run, results: { ...run.results, [event.machineId]: event.result } } };
        case 'done': {
          const saveError = event.saveError === undefined ? null : `This deploy was not kept in the design's history. ${describeError(event.saveError)}`;
          // The history (and the canvas marker that reads it) now has one more entry: read it again when next shown.
          return { run: { ...run, report: event.report, vars: run.vars ?? event.report.vars, saveError }, ...(state.historyFor === run.forFile ? { historyFor: null } : {}) };
        }
        default:
          // Steps and log lines are the jobs store's.
          return {};
      }
    }),
  loadHistory: async (backend, fileName) => {
    const request = (historyRequest += 1);
    set({ historyFor: fileName, historyError: null, ...(get().historyFor === fileName ? {} : { history: null, openEntry: null }) });
    const result = await backend.invoke('deploy:history', { name: fileName });
    if (request !== historyRequest) return;
    if (result.ok) set({ history: result.value.entries });
    else set({ history: [], historyError: `The deploy history of this design could not be read. ${describeError(result.error)}` });
  },
  openHistoryEntry: async (backend, fileName, runId) => {
    const request = (entryRequest += 1);
    set({ openEntry: { runId, loading: true, plan: null, report: null, logs: {}, error: null } });
    const result = await backend.invoke('deploy:historyEntry', { name: fileName, runId });
    if (request !== entryRequest) return;
    if (result.ok) set({ openEntry: { runId, loading: false, ...result.value, error: result.value.report === null && result.value.plan === null ? 'This deploy’s record is empty or damaged: neither its plan nor its result could be read.' : null } });
    else set({ openEntry: { runId, loading: false, plan: null, report: null, logs: {}, error: describeError(result.error) } });
  },
  closeHistoryEntry: () => set({ openEntry: null }),
}));

// The deploy view follows its jobs' events, whichever window started them. This module is part of the first screen
// (the canvas marker reads the history), so a window that opens during a deploy catches up on it from the start.
onJobEvent('deploy', (event) => {
  useDeployStore.getState().applyEvent(event);
  // Said in the status bar too, since the person may be in another area when a long deploy ends.
  if (event.type === 'done') {
    const forFile = useDeployStore.getState().run?.forFile ?? null;
    const name = forFile === null ? 'this design' : displayName(forFile);
    const counts = countByStatus(event.report);
    useNoticeStore.getState().show(`The deploy of ${name} ${outcomeText[event.outcome]}${event.report.machines.length > 0 ? `: ${countsText(counts)}` : ''}. The Deploy area has the summary.`);
  }
});

/** Whether a deploy is running now (in this window or another). */
export function useIsDeploying(): boolean {
  return useJobsStore((s) => s.running.deploy !== undefined);
}

/** Reads the deploy history of the open design file when it changes or after a deploy of it ended (once each). */
export function useDeployHistoryFor(fileName: string | null, backend: ApiTransport | null): void {
  const historyFor = useDeployStore((s) => s.historyFor);
  useEffect(() => {
    if (backend === null || fileName === null || fileName === historyFor) return;
    void useDeployStore.getState().loadHistory(backend, fileName);
  }, [fileName, historyFor, backend]);
}

/** The newest deploy of a history that put the new system on at least one machine, or undefined. */
export function lastSuccessfulDeploy(entries: readonly DeployHistoryEntry[]): DeployHistoryEntry | undefined {
  // Entries are newest first. A run where nothing was deployed left every machine as it was, so it is no reference.
  return entries.find((e) => (e.counts.deployed ?? 0) > 0);
}
