import { create } from 'zustand';
import type { InstallReport, MachineDisk } from '../../../shared/deploy/install';
import { describeError, type AppError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { HostKeyMode, InstallProgress, ResponseOf } from '../../../shared/ipc/contract';
import type { Design } from '../../../shared/model/types';
import type { Result } from '../../../shared/result';
import { onJobEvent, useJobsStore } from '../stores/jobsStore';
import { useNoticeStore } from '../stores/noticeStore';

/** A machine's disks as the dialog shows them. */
export interface DiskListView {
  machineId: string;
  loading: boolean;
  /** Who the app logged in as, for the list's heading. */
  target: string | null;
  disks: readonly MachineDisk[] | null;
  error: string | null;
}

interface InstallState {
  /** Whether the "Install NixOS" dialog is open. */
  open: boolean;
  /** The machine it is for; null while the person picks one. */
  machineId: string | null;
  diskList: DiskListView | null;
  /** An install was asked for and not answered yet. */
  starting: boolean;
  /** Why the last start was refused, as a sentence. */
  startError: string | null;
  /** The install this window follows (running or just ended); its steps and log are the jobs store's. */
  jobId: string | null;
  /** Its report once it ended. */
  report: InstallReport | null;
  /** Opens the dialog for a machine, or to pick one (null). */
  openFor: (machineId: string | null) => void;
  close: () => void;
  /** Picks the machine in the dialog (null: none yet); its disks are then read afresh. */
  pickMachine: (machineId: string | null) => void;
  /** Reads a machine's disks over SSH (changing nothing). */
  loadDisks: (backend: ApiTransport, design: Design, machineId: string, keys: readonly string[] | null) => Promise<void>;
  /** Starts the install; the job then reports through the jobs store and applyEvent. */
  start: (
    backend: ApiTransport,
    request: { fileName: string; design: Design; machineId: string; disk: string; typedName: string; hostKeys: HostKeyMode; keys: readonly string[] | null },
  ) => Promise<Result<ResponseOf<'deploy:install'>, AppError>>;
  applyEvent: (event: InstallProgress) => void;
}

/** Disk listings answered after a newer one was asked for are dropped. */
let diskRequest = 0;

/**
 * The "Install NixOS" dialog's own state: which machine, its disks, and the install this window follows. Installing
 * erases a disk, so it is its own action (a job of kind `install`), never part of a deploy; the job's steps, log
 * lines and questions are the jobs store's, as for every job.
 */
export const useInstallStore = create<InstallState>()((set, get) => ({
  open: false,
  machineId: null,
  diskList: null,
  starting: false,
  startError: null,
  jobId: null,
  report: null,
  openFor: (machineId) => {
    const running = get().jobId !== null && get().report === null;
    // While an install runs, the dialog shows it; otherwise it starts afresh for the machine asked for.
    set(running ? { open: true } : { open: true, machineId, diskList: null, startError: null, jobId: null, report: null });
  },
  close: () => set({ open: false }),
  pickMachine: (machineId) => set({ machineId, diskList: null, startError: null }),
  loadDisks: async (backend, design, machineId, keys) => {
    const request = (diskRequest += 1);
    set({ machineId, diskList: { machineId, loading: true, target: null, disks: null, error: null }, startError: null });
    const result = await backend.invoke('deploy:disks', { design, machineId, ...(keys === null ? {} : { keys: [...keys] }) });
    if (request !== diskRequest) return;
    set({
      diskList: result.ok
        ? { machineId, loading: false, target: result.value.target, disks: result.value.disks, error: null }
        : { machineId, loading: false, target: null, disks: null, error: `The disks could not be listed. ${describeError(result.error)}` },
    });
  },
  start: async (backend, { fileName, design, machineId, disk, typedName, hostKeys, keys }) => {
    set({ starting: true, startError: null });
    const result = await backend.invoke('deploy:install', { name: fileName, design, machineId, disk, confirm: { machine: typedName, disk }, hostKeys, ...(keys === null ? {} : { keys: [...keys] }) });
    if (!result.ok) {
      set({ starting: false, startError: `NixOS was not installed. ${describeError(result.error)}` });
      return result;
    }
    const machine = design.machines[machineId as keyof Design['machines']];
    useJobsStore.getState().expectJob({ jobId: result.value.jobId, kind: 'install', forFile: fileName, machines: [{ machineId, name: machine?.name ?? machineId }] });
    set({ starting: false, jobId: result.value.jobId, report: null });
    return result;
  },
  applyEvent: (event) =>
    set((state): Partial<InstallState> => {
      // An install started in another window is followed here too (the dialog shows it when opened).
      if (event.type === 'started') return state.jobId === event.jobId ? {} : { jobId: event.jobId, report: null, machineId: event.machines[0]?.machineId ?? state.machineId };
      if (event.type === 'done' && event.jobId === state.jobId) return { report: event.report };
      return {};
    }),
}));

onJobEvent('install', (event) => {
  useInstallStore.getState().applyEvent(event);
  if (event.type === 'done') {
    const m = event.report.machine;
    useNoticeStore.getState().show(m.status === 'installed' ? `NixOS is installed on ${m.name}. Check the machines again, then deploy.` : `The install of NixOS on ${m.name} ${m.status === 'cancelled' ? 'was cancelled' : 'failed'}. The Deploy area has what to do.`);
  }
});

/** Whether an install runs now (in this window or another). */
export function useIsInstalling(): boolean {
  return useJobsStore((s) => s.running.install !== undefined);
}
