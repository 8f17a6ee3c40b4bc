import { create } from 'zustand';
import type { AppError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { HostKeyMode, ResponseOf } from '../../../shared/ipc/contract';
import { describeMeasureRun, type MeasuredPair, type MeasureHistoryEntry, type MeasureReport } from '../../../shared/measure/report';
import type { Design, MachineId } from '../../../shared/model/types';
import type { Result } from '../../../shared/result';
import { displayName } from '../commands/fileActions';
import { onJobEvent, useJobsStore } from '../stores/jobsStore';
import { useNoticeStore } from '../stores/noticeStore';
import { outcomeText } from './deployStatus';
import { createJobRunSlice, useLastRunFor, useShownRunReport, type JobRunSlice, type JobRunView } from './jobRunStore';

/** One ordered pair to measure: `from` runs the iperf3 client and the pings, `to` the one-off server. */
export interface PickedPair {
  from: MachineId;
  to: MachineId;
}

/** A measure run as this window follows it: each pair's figures as it finishes, then the report. */
export type MeasureRunView = JobRunView<MeasureReport, MeasuredPair>;

export interface MeasureState extends JobRunSlice<MeasureReport, MeasuredPair, MeasureHistoryEntry> {
  /**
   * The pairs picked for the design file `forFile` in the Measure tab; null: the default pairs (each site's best
   * machine to the admin's). How the person looks at the tab, not the design: never saved, never an undo step.
   */
  picked: { forFile: string | null; pairs: readonly PickedPair[] } | null;
  /** Picks the pairs to measure for a design file (null: back to the default pairs). */
  setPicked: (forFile: string | null, pairs: readonly PickedPair[] | null) => void;
  /** Starts measuring a saved design's pairs; the job then reports through the jobs store and applyEvent. */
  start: (backend: ApiTransport, fileName: string, design: Design, pairs: readonly PickedPair[], ssh: { hostKeys: HostKeyMode; keys: readonly string[] | null }) => Promise<Result<ResponseOf<'measure:start'>, AppError>>;
}

/** The job's "machine" of a pair, as main names it (main/measure/runMeasure.ts pairIdOf). */
export function pairIdOf(pair: PickedPair): string {
  return `${pair.from}>${pair.to}`;
}

/**
 * "Measure my network" as this window shows it: the newest measurement of the design on screen (the Measure tab and
 * the advisor read it), the run this window follows, the design's past runs (jobRunStore.ts, as for verify), and the
 * pairs picked in the Measure tab.
 */
export const useMeasureStore = create<MeasureState>()((set, get, api) => ({
  ...createJobRunSlice<MeasureReport, MeasuredPair, MeasureHistoryEntry, MeasureState>({
    what: 'measurement',
    readLast: (backend, name) => backend.invoke('measure:last', { name }),
    readHistory: (backend, name) => backend.invoke('measure:history', { name }),
    readEntry: (backend, name, runId) => backend.invoke('measure:historyEntry', { name, runId }),
  })(set, get, api),
  picked: null,
  setPicked: (forFile, pairs) => set({ picked: pairs === null ? null : { forFile, pairs } }),
  start: async (backend, fileName, design, pairs, ssh) => {
    set({ starting: true, startError: null });
    const result = await backend.invoke('measure:start', { name: fileName, design, hostKeys: ssh.hostKeys, pairs: pairs.map((p) => ({ from: p.from, to: p.to })), ...(ssh.keys === null ? {} : { keys: [...ssh.keys] }) });
    if (!result.ok) {
      set({ starting: false });
      return result;
    }
    // Shown as running at once (the answer can arrive before the job's `started` event), one row per pair.
    const name = (id: MachineId) => design.machines[id]?.name ?? id;
    const machines = pairs.map((p) => ({ machineId: pairIdOf(p), name: `${name(p.from)} → ${name(p.to)}` }));
    useJobsStore.getState().expectJob({ jobId: result.value.jobId, kind: 'measure', forFile: fileName, machines });
    set({ starting: false });
    return result;
  },
}));

/** How a measurement ended, in one sentence for the status bar. */
export function measureDoneNotice(forFile: string | null, report: MeasureReport): string {
  const name = forFile === null ? 'this design' : displayName(forFile);
  const what = report.outcome === 'finished' ? `: ${describeMeasureRun(report.pairs, report.outcome).replace(/\.$/, '')}` : '';
  return `The measurement of ${name} ${outcomeText[report.outcome]}${what}. The Measure tab of the Deploy area has the figures next to the benchmark's.`;
}

// The measure view follows its jobs' events, whichever window started them.
onJobEvent('measure', (event) => {
  useMeasureStore.getState().applyEvent(event);
  if (event.type === 'done') useNoticeStore.getState().show(measureDoneNotice(useMeasureStore.getState().run?.forFile ?? null, event.report));
});

/** Shows the newest measurement kept with the open design file, once per file (the Measure tab and the advisor call it). */
export function useLastMeasureFor(fileName: string | null, backend: ApiTransport | null): void {
  useLastRunFor(useMeasureStore, fileName, backend);
}

/** The newest measurement of the design file on screen, or null (never measured, not read yet, another file's). */
export function useShownMeasureReport(fileName: string | null): MeasureReport | null {
  return useShownRunReport(useMeasureStore, fileName);
}
