import { useId, type ReactNode } from 'react';
import type { JobOutcome } from '../../../shared/ipc/jobs';
import { plural } from '../../../shared/text';
import { appContext } from '../app/appContext';
import { displayName } from '../commands/fileActions';
import { executeCommand, getCommand, isEnabled } from '../commands/registry';
import { useDesign } from '../stores/designStore';
import { useJobsStore } from '../stores/jobsStore';
import { useUiStore } from '../stores/uiStore';
import { AlertText } from './AlertText';
import { dateTimeFormat } from './deployStatus';
import { useLastRunFor, useRunHistoryFor, useShownRunReport, type OpenRunEntry, type RunReport, type RunStore } from './jobRunStore';
import './verify.css';

// The frame of a Deploy-area tab whose runs are kept as a history beside the design (Verify, Measure): the toolbar
// (what the tab does, its status line, run or cancel), why a start failed, the running job's progress, then the
// design's last result (or a past run opened, with its log) and its past runs. Each kind brings its words
// (JobRunTab), its progress rows and its result view; the state is its store's (jobRunStore.ts).

/** What a history entry has that the list of past runs shows. */
export interface RunHistoryItem {
  runId: string;
  startedAt: number;
  outcome: JobOutcome;
  summary: string;
}

/** How a past run went, as the colour of its entry (with its words beside it): all well, some trouble, nothing, or it ended early. */
export type RunTone = 'reached' | 'partly' | 'notReached' | 'ended';

/** What a kind's tab says and runs: a module constant of its panel. */
export interface JobRunTab<R extends RunReport, M, E extends RunHistoryItem> {
  /** The job kind, also the prefix of the tab's test ids. */
  kind: 'verify' | 'measure';
  store: RunStore<R, M, E>;
  /** The toolbar's title. */
  title: string;
  /** The command that starts a run and its button's words; `cancel`: the command that cancels it. */
  start: { command: string; label: string };
  cancel: string;
  /** A run, in sentences: "Starting the verify…", "A measurement of home is running". */
  noun: 'verify' | 'measurement';
  /** What a run did to the design: "Last verified …", "This design was never measured.". */
  done: 'verified' | 'measured';
  status: {
    /** A run of the design on screen goes on. */
    running: string;
    /** The design on screen never ran. */
    never: string;
  };
  /** The last result's title while a run of the design on screen goes on. */
  lastWhileRunning: string;
  history: {
    heading: string;
    tone: (entry: E) => RunTone;
    /** What an entry's outcome line says. */
    outcome: (entry: E) => string;
  };
  entry: {
    back: string;
    heading: string;
    logSummary: string;
    logLabel: string;
  };
}

/** "verify" -> "Verify". */
const capitalized = (text: string) => `${text.charAt(0).toUpperCase()}${text.slice(1)}`;

/** Whether a command can run now; the panel re-renders on what its predicates read (design, jobs). */
const enabled = (id: string) => {
  const command = getCommand(id);
  return command !== undefined && isEnabled(command, appContext);
};

/** What the tab does, where it is (the status line), and the button that runs or cancels it. */
function RunToolbar({ tab, status, running, unsaved }: { tab: Pick<JobRunTab<RunReport, unknown, RunHistoryItem>, 'kind' | 'title' | 'start' | 'cancel' | 'noun'>; status: string; running: boolean; unsaved: boolean }) {
  const setDialog = useUiStore((s) => s.setDialog);
  const { kind } = tab;
  return (
    <div className="deploy-toolbar">
      <strong>{tab.title}</strong>
      <span className="deploy-meta" role="status" data-testid={`${kind}-status`}>
        {status}
      </span>
      <span className="toolbar-spacer" />
      {unsaved && (
        <button type="button" onClick={() => setDialog('saveAs')}>
          Save as…
        </button>
      )}
      {running ? (
        <button type="button" onClick={() => void executeCommand(appContext, tab.cancel)} data-testid={`${kind}-cancel`}>
          Cancel the {tab.noun}
        </button>
      ) : (
        <button type="button" className="primary" disabled={!enabled(tab.start.command)} onClick={() => void executeCommand(appContext, tab.start.command)} data-testid={`${kind}-start`}>
          {tab.start.label}
        </button>
      )}
    </div>
  );
}

/** The design's past runs, newest first, each with its outcome and summary; one opens with a click. */
function RunHistoryList<R extends RunReport, M, E extends RunHistoryItem>({ tab, fileName }: { tab: JobRunTab<R, M, E>; fileName: string }) {
  const { kind, store, history: words } = tab;
  const historyFor = store((s) => s.historyFor);
  const history = store((s) => s.history);
  const error = store((s) => s.historyError);
  const headingId = useId();
  const entries = historyFor === fileName ? history : null;
  const backend = appContext.backend;
  return (
    <section className="verify-history" aria-labelledby={headingId} data-testid={`${kind}-history`}>
      <div className="verify-history-head">
        <h4 id={headingId}>{words.heading}</h4>
        <span className="deploy-meta" role="status" data-testid={`${kind}-history-summary`}>
          {entries === null ? 'Reading…' : entries.length === 0 ? `This design was never ${tab.done}.` : `${entries.length} ${plural(entries.length, 'run', 'runs')}, newest first`}
        </span>
        <button type="button" className="link-button" disabled={backend === null} onClick={() => backend !== null && void store.getState().loadHistory(backend, fileName)}>
          Refresh
        </button>
      </div>
      <AlertText text={error} />
      {entries !== null && entries.length > 0 && (
        <ul className="history-list verify-history-list">
          {entries.map((entry) => (
            <li key={entry.runId} className={`history-item verify-history-${words.tone(entry)}`} data-testid={`${kind}-history-${entry.runId}`}>
              <button
                type="button"
                className="history-open verify-history-open"
                aria-label={`Open the ${tab.noun} of ${dateTimeFormat.format(entry.startedAt)}: ${entry.summary}`}
                onClick={() => backend !== null && void store.getState().openHistoryEntry(backend, fileName, entry.runId)}
              >
                <span className="history-when">{dateTimeFormat.format(entry.startedAt)}</span>
                <span className="history-outcome">{words.outcome(entry)}</span>
                <span className="verify-history-summary">{entry.summary}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** One past run, opened: its result and its log, and the way back. */
function RunHistoryEntryView<R extends RunReport, M, E extends RunHistoryItem>({ tab, entry, result }: { tab: JobRunTab<R, M, E>; entry: OpenRunEntry<R>; result: (report: R, title: string) => ReactNode }) {
  const headingId = useId();
  const words = tab.entry;
  return (
    <section className="history-entry" aria-labelledby={headingId} data-testid={`${tab.kind}-history-entry`}>
      <div className="history-entry-head">
        <button type="button" onClick={() => tab.store.getState().closeHistoryEntry()} data-testid={`${tab.kind}-history-back`}>
          {words.back}
        </button>
        <h3 id={headingId}>{words.heading}</h3>
        <span className="deploy-meta" title="Its folder in the design's history">
          {entry.runId}
        </span>
      </div>
      {entry.loading && <p className="muted">Reading this run…</p>}
      <AlertText text={entry.error} />
      {entry.report !== null && result(entry.report, `${capitalized(tab.noun)} of ${dateTimeFormat.format(entry.report.startedAt)}`)}
      {entry.log !== '' && (
        <details className="verify-log">
          <summary>{words.logSummary}</summary>
          <pre className="deploy-log history-log-text" tabIndex={0} aria-label={words.logLabel}>
            {entry.log}
          </pre>
        </details>
      )}
    </section>
  );
}

/**
 * A tab of the Deploy area for a kind whose runs are kept beside the design: see the module comment. `blocked` says
 * why a run cannot start now (no VPN, another job running), or null; `before` comes above the last result (the links
 * to measure), told whether a run is starting or going on.
 */
export function JobRunPanel<R extends RunReport, M, E extends RunHistoryItem>({
  tab,
  blocked,
  progress,
  before,
  result,
  empty,
}: {
  tab: JobRunTab<R, M, E>;
  blocked: string | null;
  /** The running job's progress; `ofThisFile`: it runs on the design on screen. */
  progress: (jobId: string, ofThisFile: boolean) => ReactNode;
  before?: (busy: boolean) => ReactNode;
  /** A result under its title. */
  result: (report: R, title: string) => ReactNode;
  /** What the tab says before the design's first run. */
  empty: ReactNode;
}) {
  const { kind, store, noun } = tab;
  const fileName = useDesign((s) => s.file.name);
  const report = useShownRunReport(store, fileName);
  const loading = store((s) => s.loading && s.forFile === fileName);
  const error = store((s) => (s.forFile === fileName ? s.error : null));
  const starting = store((s) => s.starting);
  const startError = store((s) => s.startError);
  const runFor = store((s) => (s.run === null ? undefined : s.run.forFile));
  const openEntry = store((s) => s.openEntry);
  const historyFor = store((s) => s.historyFor);
  const runningJob = useJobsStore((s) => s.running[kind] ?? null);
  useLastRunFor(store, fileName, appContext.backend);
  useRunHistoryFor(store, fileName, appContext.backend);

  const running = runningJob !== null;
  const runOfThisFile = runFor !== undefined && runFor === fileName;
  const status = running
    ? runOfThisFile
      ? tab.status.running
      : `A ${noun} of ${runFor == null ? 'another design' : displayName(runFor)} is running; one runs at a time.`
    : starting
      ? `Starting the ${noun}…`
      : fileName === null
        ? `Save the design first: each ${noun} is kept next to the design file.`
        : (blocked ?? (report === null ? tab.status.never : `Last ${tab.done} ${dateTimeFormat.format(report.startedAt)}.`));

  return (
    <div className={`deploy-panel-body ${kind}-panel`} data-testid={`${kind}-panel`}>
      <RunToolbar tab={tab} status={status} running={running} unsaved={fileName === null} />
      <AlertText text={startError} testId={`${kind}-start-error`} />
      <div className="deploy-scroll">
        {runningJob !== null && progress(runningJob, runOfThisFile)}
        {fileName !== null && openEntry !== null && historyFor === fileName ? (
          <RunHistoryEntryView tab={tab} entry={openEntry} result={result} />
        ) : (
          <>
            {before?.(running || starting)}
            <AlertText text={error} />
            {loading && <p className="muted">Reading the last {noun} of this design…</p>}
            {report !== null ? result(report, running && runOfThisFile ? tab.lastWhileRunning : `The last ${noun}`) : !loading && !running && empty}
            {fileName !== null && <RunHistoryList tab={tab} fileName={fileName} />}
          </>
        )}
      </div>
    </div>
  );
}
