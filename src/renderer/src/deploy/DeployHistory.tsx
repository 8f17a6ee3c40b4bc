import { useId, useMemo, useState } from 'react';
import type { DeployHistoryEntry } from '../../../shared/deploy/report';
import { plural } from '../../../shared/text';
import { appContext } from '../app/appContext';
import { useDesign } from '../stores/designStore';
import { useUiStore } from '../stores/uiStore';
import { countsText, dateTimeFormat, durationText, outcomeText, wayTitle } from './deployStatus';
import { useDeployHistoryFor, useDeployStore, useIsDeploying, type OpenHistoryEntry } from './deployStore';
import { DeployPlanView } from './DeployPlanView';
import { DeploySummary } from './DeploySummary';

/** Lines of a kept log shown at first; a build log can have tens of thousands. */
const SHOWN_LOG_LINES = 2000;

/** A machine's log as the history kept it: its end first shown, all of it on request. */
function KeptLog({ name, text }: { name: string; text: string }) {
  const [all, setAll] = useState(false);
  const lines = useMemo(() => text.replace(/\n$/, '').split('\n'), [text]);
  const shown = all || lines.length <= SHOWN_LOG_LINES ? text : lines.slice(-SHOWN_LOG_LINES).join('\n');
  return (
    <div className="history-log">
      {!all && lines.length > SHOWN_LOG_LINES && (
        <p className="deploy-meta">
          The last {SHOWN_LOG_LINES} of {lines.length} lines.{' '}
          <button type="button" className="link-button" onClick={() => setAll(true)}>
            Show all
          </button>
        </p>
      )}
      <pre className="deploy-log history-log-text" tabIndex={0} aria-label={`Log of ${name}`} data-testid={`history-log-${name}`}>
        {shown}
      </pre>
    </div>
  );
}

/** One deploy of the history: what happened (the summary), the logs per machine, and the plan it followed. */
function HistoryEntryView({ entry, onBack }: { entry: OpenHistoryEntry; onBack: () => void }) {
  const logNames = Object.keys(entry.logs).sort((a, b) => (a === 'deploy' ? -1 : b === 'deploy' ? 1 : a < b ? -1 : a > b ? 1 : 0));
  const [logName, setLogName] = useState<string | null>(null);
  const current = logName !== null && entry.logs[logName] !== undefined ? logName : (logNames[0] ?? null);
  const headingId = useId();
  return (
    <section className="history-entry" aria-labelledby={headingId} data-testid="history-entry">
      <div className="history-entry-head">
        <button type="button" onClick={onBack} data-testid="history-back">
          ← All deploys
        </button>
        <h3 id={headingId}>{entry.report === null && entry.plan === null ? 'Deploy' : `Deploy of ${dateTimeFormat.format(entry.report?.startedAt ?? entry.plan!.createdAt)}`}</h3>
        <span className="deploy-meta" title="Its folder in the design's history">
          {entry.runId}
        </span>
      </div>
      {entry.loading && <p className="muted">Reading this deploy…</p>}
      {entry.error !== null && (
        <p className="error-text" role="alert">
          {entry.error}
        </p>
      )}
      {entry.report !== null && <DeploySummary report={entry.report} plan={entry.plan} />}
      {!entry.loading && entry.report === null && entry.plan !== null && <p className="plan-warning">This deploy has no result: the app was closed or stopped while it ran. Its plan and logs are below.</p>}
      {logNames.length > 0 && (
        <section className="history-logs" aria-label="Logs">
          <h4>Logs</h4>
          <div className="history-log-tabs" role="group" aria-label="Whose log">
            {logNames.map((name) => (
              <button key={name} type="button" aria-pressed={name === current} onClick={() => setLogName(name)} data-testid={`history-log-button-${name}`}>
                {name === 'deploy' ? 'The whole run' : name}
              </button>
            ))}
          </div>
          {current !== null && <KeptLog key={current} name={current} text={entry.logs[current]!} />}
        </section>
      )}
      {entry.plan !== null && (
        <details className="run-plan">
          <summary>The plan this deploy followed</summary>
          <DeployPlanView plan={entry.plan} title="The plan this deploy followed" />
        </details>
      )}
    </section>
  );
}

function entryLabel(entry: DeployHistoryEntry): string {
  return `${dateTimeFormat.format(entry.startedAt)}: ${outcomeText[entry.outcome]}, ${countsText(entry.counts)}`;
}

/** The deploys of the design, newest first; opening one shows its summary, logs and plan. */
export function DeployHistory() {
  const fileName = useDesign((s) => s.file.name);
  const historyFor = useDeployStore((s) => s.historyFor);
  const history = useDeployStore((s) => s.history);
  const error = useDeployStore((s) => s.historyError);
  const openEntry = useDeployStore((s) => s.openEntry);
  const deploying = useIsDeploying();
  const setDialog = useUiStore((s) => s.setDialog);
  useDeployHistoryFor(fileName, appContext.backend);

  if (fileName === null) {
    return (
      <div className="deploy-history">
        <p className="muted">
          Save the design first: the record of each deploy is kept next to the design file.{' '}
          <button type="button" className="link-button" onClick={() => setDialog('saveAs')}>
            Save as…
          </button>
        </p>
      </div>
    );
  }
  const entries = historyFor === fileName ? history : null;
  if (openEntry !== null && entries !== null) {
    return (
      <div className="deploy-history">
        <HistoryEntryView entry={openEntry} onBack={() => useDeployStore.getState().closeHistoryEntry()} />
      </div>
    );
  }
  return (
    <div className="deploy-history" data-testid="deploy-history">
      <div className="deploy-toolbar history-toolbar">
        <strong>Deploy history</strong>
        <span className="deploy-meta" role="status" data-testid="history-summary">
          {entries === null ? 'Reading…' : entries.length === 0 ? 'This design was never deployed.' : `${entries.length} ${plural(entries.length, 'deploy', 'deploys')}, newest first`}
          {deploying ? ' · a deploy is running now (see the Deploy tab)' : ''}
        </span>
        <span className="toolbar-spacer" />
        <button type="button" disabled={appContext.backend === null} onClick={() => appContext.backend !== null && void useDeployStore.getState().loadHistory(appContext.backend, fileName)}>
          Refresh
        </button>
      </div>
      {error !== null && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {entries !== null && entries.length > 0 && (
        <ul className="history-list">
          {entries.map((entry) => (
            <li key={entry.runId} className={`history-item history-${entry.outcome}`} data-testid={`history-${entry.runId}`}>
              <button type="button" className="history-open" aria-label={`Open the deploy of ${entryLabel(entry)}`} onClick={() => appContext.backend !== null && void useDeployStore.getState().openHistoryEntry(appContext.backend, fileName, entry.runId)}>
                <span className="history-when">{dateTimeFormat.format(entry.startedAt)}</span>
                <span className="history-outcome">The deploy {outcomeText[entry.outcome]}</span>
                <span className="history-counts">{countsText(entry.counts)}</span>
                <span className="history-meta">
                  took {durationText(entry.finishedAt - entry.startedAt)} · {wayTitle[entry.way]}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
