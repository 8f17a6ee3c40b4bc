import { create } from 'zustand';
import type { AppError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { HostKeyMode, ResponseOf } from '../../../shared/ipc/contract';
import type { Design } from '../../../shared/model/types';
import type { Result } from '../../../shared/result';
import { byNameThenId } from '../../../shared/text';
import type { VerifyHistoryEntry, VerifyMachineResult, VerifyReport } from '../../../shared/verify/schema';
import { displayName } from '../commands/fileActions';
import { onJobEvent, useJobsStore } from '../stores/jobsStore';
import { useNoticeStore } from '../stores/noticeStore';
import { outcomeText } from './deployStatus';
import { createJobRunSlice, useLastRunFor, useShownRunReport, type JobRunSlice, type JobRunView } from './jobRunStore';

/** A verify run as this window follows it: what each machine's overlay looked like as it was read, then the report with the reachability matrix. */
export type VerifyRunView = JobRunView<VerifyReport, VerifyMachineResult>;

export interface VerifyState extends JobRunSlice<VerifyReport, VerifyMachineResult, VerifyHistoryEntry> {
  /** Starts verifying a saved design; the job then reports through the jobs store and applyEvent. */
  start: (backend: ApiTransport, fileName: string, design: Design, ssh: { hostKeys: HostKeyMode; keys: readonly string[] | null }) => Promise<Result<ResponseOf<'verify:start'>, AppError>>;
}

/**
 * "Verify network" as this window shows it: the last result of the design on screen (the Verify tab and the canvas
 * read it), the run this window follows, and the design's past runs (jobRunStore.ts, as for "Measure my network").
 * The job itself (running or not, its machines' steps and logs, its questions, cancel) is the jobs store's.
 */
export const useVerifyStore = create<VerifyState>()((set, get, api) => ({
  ...createJobRunSlice<VerifyReport, VerifyMachineResult, VerifyHistoryEntry, VerifyState>({
    what: 'verify',
    readLast: (backend, name) => backend.invoke('verify:last', { name }),
    readHistory: (backend, name) => backend.invoke('verify:history', { name }),
    readEntry: (backend, name, runId) => backend.invoke('verify:historyEntry', { name, runId }),
  })(set, get, api),
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

/** Shows the last verify kept with the open design file, once per file (the canvas and the Verify tab call it). */
export function useLastVerifyFor(fileName: string | null, backend: ApiTransport | null): void {
  useLastRunFor(useVerifyStore, fileName, backend);
}

/** The last verify result of the design file on screen, or null (never verified, not read yet, another file's). */
export function useShownVerifyReport(fileName: string | null): VerifyReport | null {
  return useShownRunReport(useVerifyStore, fileName);
}
