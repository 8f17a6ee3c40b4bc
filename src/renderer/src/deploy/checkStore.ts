import { useEffect } from 'react';
import { create } from 'zustand';
import { describeError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { CheckProgress, HostKeyMode } from '../../../shared/ipc/contract';
import type { Design } from '../../../shared/model/types';
import type { MachineCheckResult, CheckFinding, CheckStatus } from '../../../shared/check';
import type { CheckReport } from '../../../shared/schema/checkReport';
import { onJobEvent, useJobsStore } from '../stores/jobsStore';
import { useSshKeysStore } from './sshKeysStore';

/** Where one machine is in a check: waiting its turn, being checked, or done with its worst status. */
export type MachineCheckStatus = 'pending' | 'checking' | CheckStatus;

/**
 * The results of "Check machines" as the Machines tab and the canvas show them: those of the running check, machine
 * by machine, or of the last one kept with the design file. The job itself (running or not, its questions, cancel)
 * is the jobs store's.
 */
export interface CheckState {
  /** The design file the results belong to (null for an unsaved design). */
  forFile: string | null;
  /** Per machine id: status and findings of the running check, or of the last one. */
  machines: Readonly<Record<string, { status: MachineCheckStatus; result: MachineCheckResult | null }>>;
  /** Machine ids in the order the check lists them. */
  order: readonly string[];
  /** Checks of the computer the app runs on. */
  local: readonly CheckFinding[];
  /** The last finished (or cancelled) check, as kept with the project. */
  report: CheckReport | null;
  /** Whether the last report was kept with the design file. */
  saved: boolean;
  hostKeyMode: HostKeyMode;
  /** A start was asked for and not yet answered (the last check's results are no longer current). */
  starting: boolean;
  /** Why the last start or cancel failed, as a sentence. */
  error: string | null;
  setHostKeyMode: (mode: HostKeyMode) => void;
  /** Applies one event of a check job (from any window: in serve mode several may watch the same check). */
  applyEvent: (event: CheckProgress) => void;
  /** Another design file is on screen: its results replace the shown ones once read (null: an unsaved design). */
  showFile: (fileName: string | null) => void;
  /** The last check kept with the file on screen, read back. */
  showKept: (report: CheckReport) => void;
  /** A start was asked for (true: the last error is cleared), or answered (false, with why it failed when it did). */
  setStarting: (starting: boolean, error?: string) => void;
  /** Says why something failed, as a sentence. */
  setError: (error: string) => void;
}

const initial = { forFile: null, machines: {}, order: [], local: [], report: null, saved: false, starting: false, error: null } satisfies Partial<CheckState>;

function fromReport(report: CheckReport): Pick<CheckState, 'machines' | 'order' | 'local' | 'report'> {
  const machines: Record<string, { status: MachineCheckStatus; result: MachineCheckResult | null }> = {};
  for (const result of report.machines) machines[result.machineId] = { status: result.status, result };
  return { machines, order: report.machines.map((m) => m.machineId), local: report.local, report };
}

export const useCheckStore = create<CheckState>()((set) => ({
  ...initial,
  hostKeyMode: 'ask',
  setHostKeyMode: (hostKeyMode) => set({ hostKeyMode }),
  applyEvent: (event) =>
    set((state): Partial<CheckState> => {
      switch (event.type) {
        case 'started': {
          const machines: Record<string, { status: MachineCheckStatus; result: null }> = {};
          for (const m of event.machines) machines[m.machineId] = { status: 'pending', result: null };
          return { forFile: event.forFile, machines, order: event.machines.map((m) => m.machineId), local: [], starting: false, error: null };
        }
        case 'local':
          return { local: event.findings };
        case 'machineStarted':
          return { machines: { ...state.machines, [event.machineId]: { status: 'checking', result: null } } };
        case 'machineDone':
          return { machines: { ...state.machines, [event.result.machineId]: { status: event.result.status, result: event.result } } };
        case 'done':
          return {
            ...fromReport(event.report),
            saved: event.saved,
            // The results are on screen either way; say why they will not come back with the design.
            error: event.saveError === undefined ? null : `The results below were not kept with the design file. ${describeError(event.saveError)}`,
          };
        default:
          // Steps and log lines: a check reports neither.
          return {};
      }
    }),
  showFile: (fileName) => set({ ...initial, forFile: fileName }),
  showKept: (report) => set({ ...fromReport(report), saved: true }),
  setStarting: (starting, error) => set(starting ? { starting, error: null } : error === undefined ? { starting } : { starting, error }),
  setError: (error) => set({ error }),
}));

/** The check status of one machine for canvas badges, or undefined when it was never checked. */
export function useMachineCheckStatus(machineId: string): MachineCheckStatus | undefined {
  return useCheckStore((s) => s.machines[machineId]?.status);
}

/** Whether a check is running now (in this window or another). */
export function useIsChecking(): boolean {
  return useJobsStore((s) => s.running.check !== undefined);
}

/**
 * Whether the results in the store are the ones to show for the design file on screen: they belong to that file, or
 * to a check running now (which always checks the design on screen). Otherwise they are another file's, left until
 * useLastCheckFor replaces them.
 */
export function checkResultsShownFor(forFile: string | null, checking: boolean, fileName: string | null): boolean {
  return forFile === fileName || checking;
}

// The check's results follow its jobs' events, whichever window started them.
onJobEvent('check', (event) => useCheckStore.getState().applyEvent(event));

/** Shows the last check kept with the open design file (once per file), unless a check of it is running. */
export function useLastCheckFor(fileName: string | null, backend: ApiTransport | null): void {
  const forFile = useCheckStore((s) => s.forFile);
  useEffect(() => {
    if (backend === null || fileName === forFile) return;
    const checking = () => useJobsStore.getState().running.check !== undefined;
    if (checking()) return;
    const store = useCheckStore.getState();
    store.showFile(fileName);
    if (fileName === null) return;
    void backend.invoke('check:last', { name: fileName }).then((result) => {
      if (useCheckStore.getState().forFile !== fileName || checking()) return;
      if (!result.ok) store.setError(`The last check of this design could not be read. ${describeError(result.error)}`);
      else if (result.value.report !== null) store.showKept(result.value.report);
    });
  }, [fileName, forFile, backend]);
}

/** Starts a check of the design as it is on screen; progress and questions arrive through the jobs store. */
export async function startCheck(backend: ApiTransport, design: Design, fileName: string | null): Promise<void> {
  const store = useCheckStore.getState();
  store.setStarting(true);
  const keys = useSshKeysStore.getState().picked;
  const result = await backend.invoke('check:start', { ...(fileName === null ? {} : { name: fileName }), design, hostKeys: useCheckStore.getState().hostKeyMode, ...(keys === null ? {} : { keys }) });
  if (!result.ok) {
    store.setStarting(false, describeError(result.error));
    return;
  }
  // Shown as running at once, so the last check's results are never taken for this one's.
  const managed = Object.values(design.machines).filter((m) => m.managed);
  useJobsStore.getState().expectJob({ jobId: result.value.jobId, kind: 'check', forFile: fileName, machines: managed.map((m) => ({ machineId: m.id, name: m.name })) });
  store.setStarting(false);
}

/** Cancels the running check, whichever window started it. */
export async function cancelCheck(backend: ApiTransport): Promise<void> {
  const jobId = useJobsStore.getState().running.check;
  if (jobId === undefined) return;
  const result = await useJobsStore.getState().cancel(backend, jobId);
  if (!result.ok) useCheckStore.getState().setError(describeError(result.error));
}
