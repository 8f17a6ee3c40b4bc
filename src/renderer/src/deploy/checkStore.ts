import { useEffect } from 'react';
import { create } from 'zustand';
import { describeError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { CheckProgress, CheckPrompt, HostKeyMode } from '../../../shared/ipc/contract';
import type { Design } from '../../../shared/model/types';
import type { MachinePreflight, PreflightFinding, PreflightStatus } from '../../../shared/preflight';
import type { CheckReport } from '../../../shared/schema/checkReport';
import { useSshKeysStore } from './sshKeysStore';

/** Where one machine is in a check: waiting its turn, being checked, or done with its worst status. */
export type MachineCheckStatus = 'pending' | 'checking' | PreflightStatus;

/** A question from main that is still open. */
export type OpenPrompt = Exclude<CheckPrompt, { type: 'closed' }>;

export interface CheckState {
  /** The design file the results belong to (null for an unsaved design). */
  forFile: string | null;
  /** The check running now, if any. */
  running: { jobId: string; startedAt: number; total: number; done: number } | null;
  /** Per machine id: status and findings of the running check, or of the last one. */
  machines: Readonly<Record<string, { status: MachineCheckStatus; result: MachinePreflight | null }>>;
  /** Machine ids in the order the check lists them. */
  order: readonly string[];
  /** Checks of the computer the app runs on. */
  local: readonly PreflightFinding[];
  /** The last finished (or cancelled) check, as kept with the project. */
  report: CheckReport | null;
  /** Whether the last report was kept with the design file. */
  saved: boolean;
  /** Questions waiting for the person, oldest first. */
  prompts: readonly OpenPrompt[];
  hostKeyMode: HostKeyMode;
  /** A start was asked for and not yet answered (the last check's results are no longer current). */
  starting: boolean;
  /** Why the last start or cancel failed, as a sentence. */
  error: string | null;
}

const initial: Omit<CheckState, 'hostKeyMode'> = { forFile: null, running: null, machines: {}, order: [], local: [], report: null, saved: false, prompts: [], starting: false, error: null };

export const useCheckStore = create<CheckState>()(() => ({ ...initial, hostKeyMode: 'ask' }));

/** The check status of one machine for canvas badges, or undefined when it was never checked. */
export function useMachineCheckStatus(machineId: string): MachineCheckStatus | undefined {
  return useCheckStore((s) => s.machines[machineId]?.status);
}

/**
 * Whether the results in the store are the ones to show for the design file on screen: they belong to that file, or
 * to a check running now (which always checks the design on screen). Otherwise they are another file's, left until
 * useLastCheckFor replaces them.
 */
export function checkResultsShownFor(state: Pick<CheckState, 'forFile' | 'running'>, fileName: string | null): boolean {
  return state.forFile === fileName || state.running !== null;
}

function fromReport(report: CheckReport): Pick<CheckState, 'machines' | 'order' | 'local' | 'report'> {
  const machines: Record<string, { status: MachineCheckStatus; result: MachinePreflight | null }> = {};
  for (const result of report.machines) machines[result.machineId] = { status: result.status, result };
  return { machines, order: report.machines.map((m) => m.machineId), local: report.local, report };
}

/** A check that just started: every machine waiting its turn. */
function startedState(jobId: string, startedAt: number, forFile: string | null, machineIds: readonly string[]): Partial<CheckState> {
  const machines: Record<string, { status: MachineCheckStatus; result: null }> = {};
  for (const id of machineIds) machines[id] = { status: 'pending', result: null };
  return { forFile, running: { jobId, startedAt, total: machineIds.length, done: 0 }, machines, order: machineIds, local: [], starting: false, error: null };
}

/** Checks whose `done` event arrived (possibly before the answer to check:start). */
const finishedJobs = new Set<string>();

/** Applies one progress event. Events of a check this window did not start are shown too (serve mode: several windows). */
export function applyProgress(event: CheckProgress): void {
  const set = useCheckStore.setState;
  const state = useCheckStore.getState();
  if (event.type === 'started') {
    set(startedState(event.jobId, event.startedAt, event.forFile, event.machines.map((m) => m.machineId)));
    return;
  }
  if (state.running?.jobId !== event.jobId) return;
  switch (event.type) {
    case 'local':
      set({ local: event.findings });
      break;
    case 'machineStarted':
      set({ machines: { ...state.machines, [event.machineId]: { status: 'checking', result: null } } });
      break;
    case 'machineDone':
      set({ machines: { ...state.machines, [event.result.machineId]: { status: event.result.status, result: event.result } }, running: { ...state.running, done: state.running.done + 1 } });
      break;
    case 'done':
      finishedJobs.add(event.jobId);
      set({
        ...fromReport(event.report),
        running: null,
        saved: event.saved,
        prompts: state.prompts.filter((p) => p.jobId !== event.jobId),
        // The results are on screen either way; say why they will not come back with the design.
        error: event.saveError === undefined ? null : `The results below were not kept with the design file. ${describeError(event.saveError)}`,
      });
      break;
  }
}

export function applyPrompt(event: CheckPrompt): void {
  const { prompts } = useCheckStore.getState();
  if (event.type === 'closed') useCheckStore.setState({ prompts: prompts.filter((p) => p.promptId !== event.promptId) });
  else if (!prompts.some((p) => p.promptId === event.promptId)) useCheckStore.setState({ prompts: [...prompts, event] });
}

/** Listens to check events for the life of the window. */
export function useCheckEvents(backend: ApiTransport | null): void {
  useEffect(() => {
    if (backend === null) return undefined;
    const offProgress = backend.subscribe('check:onDidProgress', applyProgress);
    const offPrompt = backend.subscribe('check:onDidPrompt', applyPrompt);
    return () => {
      offProgress();
      offPrompt();
    };
  }, [backend]);
}

/** Shows the last check kept with the open design file (once per file), unless a check of it is running. */
export function useLastCheckFor(fileName: string | null, backend: ApiTransport | null): void {
  const forFile = useCheckStore((s) => s.forFile);
  useEffect(() => {
    if (backend === null || fileName === forFile) return;
    const running = useCheckStore.getState().running;
    if (running !== null) return;
    useCheckStore.setState({ ...initial, forFile: fileName });
    if (fileName === null) return;
    void backend.invoke('check:last', { name: fileName }).then((result) => {
      if (useCheckStore.getState().forFile !== fileName || useCheckStore.getState().running !== null) return;
      if (!result.ok) useCheckStore.setState({ error: `The last check of this design could not be read. ${describeError(result.error)}` });
      else if (result.value.report !== null) useCheckStore.setState({ ...fromReport(result.value.report), saved: true });
    });
  }, [fileName, forFile, backend]);
}

/** Starts a check of the design as it is on screen. */
export async function startCheck(backend: ApiTransport, design: Design, fileName: string | null): Promise<void> {
  useCheckStore.setState({ starting: true, error: null });
  const keys = useSshKeysStore.getState().picked;
  const result = await backend.invoke('check:start', { ...(fileName === null ? {} : { name: fileName }), design, hostKeys: useCheckStore.getState().hostKeyMode, ...(keys === null ? {} : { keys }) });
  if (!result.ok) {
    useCheckStore.setState({ starting: false, error: describeError(result.error) });
    return;
  }
  // The answer may arrive before the check's `started` event: show it as running at once, so the last check's
  // results are never taken for this one's.
  const { jobId } = result.value;
  const state = useCheckStore.getState();
  if (state.running?.jobId === jobId || finishedJobs.has(jobId)) {
    useCheckStore.setState({ starting: false });
    return;
  }
  const managed = Object.values(design.machines).filter((m) => m.managed);
  useCheckStore.setState(startedState(jobId, Date.now(), fileName, managed.map((m) => m.id)));
}

export async function cancelCheck(backend: ApiTransport): Promise<void> {
  const running = useCheckStore.getState().running;
  if (running === null) return;
  const result = await backend.invoke('check:cancel', { jobId: running.jobId });
  if (!result.ok) useCheckStore.setState({ error: describeError(result.error) });
}

/** Answers a question; the prompt closes when main confirms with a `closed` event (or at once when it was gone). */
export async function answerPrompt(backend: ApiTransport, promptId: string, answer: { trust: boolean } | { passphrase: string | null }): Promise<void> {
  const result = await backend.invoke('check:answer', { promptId, ...answer });
  if (!result.ok || !result.value.accepted) useCheckStore.setState((s) => ({ prompts: s.prompts.filter((p) => p.promptId !== promptId) }));
}
