import { memo, useId } from 'react';
import { machinesInRunOrder, type DeployPlan } from '../../../shared/deploy/plan';
import { countByStatus, type DeployMachineResult, type DeployReport } from '../../../shared/deploy/report';
import { ExplainButton } from '../assistant/ExplainButton';
import { countsText, dateTimeFormat, deployStatusView, durationText, outcomeText, summaryOrder, wayTitle } from './deployStatus';

const varsText: Record<DeployReport['vars']['status'], string> = {
  made: 'Vars made',
  failed: 'The vars could not be made',
  notNeeded: 'No vars needed',
  cancelled: 'Vars cancelled',
};

/** What "Explain with the assistant" attaches for a machine the deploy failed on or rolled back: what happened and what to do. */
function explainResult(result: DeployMachineResult, name: string, status: string) {
  const step = result.step === null ? '' : ` (at: ${result.step})`;
  return {
    item: { kind: 'deploy' as const, title: `${name}: ${status}${step}`, text: `${result.message}${result.whatToDo === null ? '' : `\nWhat to do: ${result.whatToDo}`}` },
    question: `Why did the deploy ${result.status === 'rolledBack' ? 'roll back' : 'fail'} on ${name}, and what should I do next?`,
  };
}

/** One machine's result: what happened, and what to do. */
function ResultItem({ result, onShowMachine }: { result: DeployMachineResult; onShowMachine?: (machineId: string) => void }) {
  const view = deployStatusView[result.status];
  const name = result.name.trim() === '' ? '(unnamed machine)' : result.name;
  return (
    <li className={`summary-machine summary-${result.status}`} data-testid={`summary-${result.name}`} data-status={result.status}>
      <span className={`deploy-status-icon deploy-status-${result.status}`} role="img" aria-label={view.text} title={view.text}>
        {view.symbol}
      </span>
      <div className="summary-text">
        <div className="summary-head">
          {onShowMachine === undefined ? (
            <span className="summary-name">{name}</span>
          ) : (
            <button type="button" className="summary-name link-button" onClick={() => onShowMachine(result.machineId)} title={`Show ${name} on the canvas`}>
              {name}
            </button>
          )}
          <span className="summary-status">{view.text}</span>
        </div>
        <p className="summary-message">{result.message}</p>
        {result.whatToDo !== null && (
          <p className="summary-what-to-do">
            <strong>What to do:</strong> {result.whatToDo}
          </p>
        )}
        {(result.status === 'failed' || result.status === 'rolledBack') && <ExplainButton {...explainResult(result, name, view.text)} />}
      </div>
    </li>
  );
}

/**
 * The end of a deploy: how many machines were deployed, failed, rolled back, skipped, cancelled or left unknown, each
 * with what happened and what to do, the vars, and the next steps. Problems come first.
 */
export const DeploySummary = memo(function DeploySummary({
  report,
  plan = null,
  liveResults,
  onShowMachine,
  saveError = null,
}: {
  report: DeployReport;
  plan?: DeployPlan | null;
  /** Results this window saw arrive: a report cut short by an error in the app may lack some of them. */
  liveResults?: Readonly<Record<string, DeployMachineResult>>;
  onShowMachine?: (machineId: string) => void;
  saveError?: string | null;
}) {
  const headingId = useId();
  const inReport = new Set(report.machines.map((m) => m.machineId));
  const machines = [...report.machines, ...Object.values(liveResults ?? {}).filter((m) => !inReport.has(m.machineId))];
  const counts = countByStatus({ machines });
  const ordered = summaryOrder.flatMap((status) => machines.filter((m) => m.status === status));
  // A deploy that broke off (an error in the app, its time limit) may have no result for some machines: say so
  // rather than leave them out.
  const reported = new Set(machines.map((m) => m.machineId));
  const missing = plan === null ? [] : [...machinesInRunOrder(plan), ...plan.notDeployable].filter((m) => !reported.has(m.machineId));
  const problems = counts.failed + counts.rolledBack + counts.unknown + missing.length + (report.outcome === 'failed' || report.outcome === 'timedOut' ? 1 : 0);
  return (
    <section className={`deploy-summary${problems > 0 ? ' deploy-summary-problems' : ''}`} aria-labelledby={headingId} data-testid="deploy-summary">
      <h3 id={headingId} data-testid="deploy-summary-title">
        The deploy {outcomeText[report.outcome]}
        {machines.length > 0 ? `: ${countsText(counts)}` : ''}
      </h3>
      <p className="deploy-meta">
        {dateTimeFormat.format(report.startedAt)}, took {durationText(report.finishedAt - report.startedAt)} · {wayTitle[report.way]}
      </p>
      {report.outcome === 'failed' && (
        <p className="error-text" role="alert">
          The app ran into an error of its own and stopped the deploy; the cause is in the app’s log (the terminal serve mode runs in, or the desktop
          app’s log). Machines without a result below did not finish: deploy again once the cause is fixed.
        </p>
      )}
      {report.outcome === 'timedOut' && (
        <p className="error-text" role="alert">
          The deploy ran past its time limit and was stopped. Machines without a result below did not finish; a machine in the middle of its switch
          finishes it, and its watchdog switches it back unless the app confirmed it.
        </p>
      )}
      {saveError !== null && (
        <p className="error-text" role="alert">
          {saveError}
        </p>
      )}
      {report.vars.status !== 'notNeeded' || report.vars.message !== '' ? (
        <p className={`summary-vars summary-vars-${report.vars.status}`} data-testid="summary-vars">
          <strong>
            {varsText[report.vars.status]}
            {report.vars.helper !== null ? ` on ${report.vars.helper}` : ''}:
          </strong>{' '}
          {report.vars.message}
        </p>
      ) : null}
      {ordered.length === 0 && missing.length === 0 ? (
        <p className="muted">No machine was part of this deploy.</p>
      ) : (
        <ul className="summary-machines">
          {missing.map((m) => (
            <ResultItem
              key={m.machineId}
              result={{ machineId: m.machineId, name: m.name, status: 'unknown', step: null, message: 'No result: the deploy stopped before it reported on this machine.', whatToDo: 'Read its log to see how far it got, then deploy again.', system: null, previousSystem: null, startedAt: null, finishedAt: null }}
              onShowMachine={onShowMachine}
            />
          ))}
          {ordered.map((m) => (
            <ResultItem key={m.machineId} result={m} onShowMachine={onShowMachine} />
          ))}
        </ul>
      )}
      {report.nextSteps.length > 0 && (
        <div className="summary-next" data-testid="summary-next">
          <h4>Next steps</h4>
          <ol>
            {report.nextSteps.map((step) => (
              <li key={step}>{step}</li>
            ))}
          </ol>
        </div>
      )}
    </section>
  );
});
