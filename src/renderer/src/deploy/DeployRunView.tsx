import { memo, useId, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { PlannedMachine } from '../../../shared/deploy/plan';
import type { DeployMachineResult } from '../../../shared/deploy/report';
import { plural } from '../../../shared/text';
import { appContext } from '../app/appContext';
import { displayName } from '../commands/fileActions';
import { executeCommand } from '../commands/registry';
import { useJobsStore, type JobView } from '../stores/jobsStore';
import { DeployLog } from './DeployLog';
import { DeployPlanView } from './DeployPlanView';
import { deployStatusView, type DeployRowStatus } from './deployStatus';
import { useDeployStore } from './deployStore';
import { DeploySummary } from './DeploySummary';

type ShowMachine = ((machineId: string) => void) | undefined;

/**
 * How far the whole run is, from 0 to 1: a machine that is done counts whole, a running one by the steps it finished.
 * Rounded to a thousandth, so the bar re-renders when it moves, not on every log line.
 */
export function runFraction(job: JobView | undefined): number {
  if (job === undefined || job.total === 0) return job?.outcome != null ? 1 : 0;
  if (job.outcome !== null) return 1;
  let sum = 0;
  for (const id of job.order) {
    const m = job.machines[id];
    if (m === undefined) continue;
    if (m.state === 'done') sum += 1;
    else if (m.state === 'running' && m.step !== null) sum += (m.step.index - 1) / m.step.total;
  }
  return Math.round((sum / job.total) * 1000) / 1000;
}

/** The run's figures the header shows, as primitives (compared shallowly, so log lines do not re-render it). */
function useRunFigures(jobId: string) {
  return useJobsStore(
    useShallow((s) => {
      const job = s.jobs[jobId];
      return {
        known: job !== undefined,
        done: job?.done ?? 0,
        total: job?.total ?? 0,
        running: job === undefined ? 0 : job.order.filter((id) => job.machines[id]?.state === 'running').length,
        outcome: job?.outcome ?? null,
        fraction: runFraction(job),
        lastJobLine: job?.log.at(-1)?.text ?? null,
      };
    }),
  );
}

/** The progress bar of the whole run, what it is doing now, and Cancel. */
function RunHeader({ jobId, forFile }: { jobId: string; forFile: string | null }) {
  const figures = useRunFigures(jobId);
  const { hasPlan, hasVars, helper, ended } = useDeployStore(
    useShallow((s) => ({ hasPlan: s.run?.plan != null, hasVars: s.run?.vars != null, helper: s.run?.plan?.varsHelper?.name ?? null, ended: s.run?.report != null })),
  );
  const labelId = useId();
  const running = !ended && figures.outcome === null;
  const now = !running
    ? `The deploy of ${forFile === null ? 'this design' : displayName(forFile)} has ended.`
    : !hasPlan
      ? 'Writing the configuration and reading what each machine runs, to make the plan…'
      : !hasVars && helper !== null && figures.running === 0 && figures.done < figures.total
        ? `Making the vars on ${helper}…`
        : `${figures.done} of ${figures.total} ${plural(figures.total, 'machine', 'machines')} done${figures.running > 0 ? `, ${figures.running} deploying now` : ''}.`;
  return (
    <div className="run-header">
      <div className="run-progress">
        <span id={labelId} className="run-progress-label" role="status" data-testid="deploy-run-status">
          {now}
        </span>
        <progress className="run-progress-bar" max={1} value={figures.fraction} aria-labelledby={labelId} data-testid="deploy-run-progress" />
        {running && figures.lastJobLine !== null && figures.running === 0 && <span className="run-last-line">{figures.lastJobLine}</span>}
      </div>
      {running && (
        <button type="button" onClick={() => void executeCommand(appContext, 'cancelDeploy')} data-testid="deploy-cancel">
          Cancel the deploy
        </button>
      )}
    </div>
  );
}

/** What a machine is doing, as one line: its result once done, its step while it runs, or what it waits for. */
function statusLine(status: DeployRowStatus, result: DeployMachineResult | undefined, stepLabel: string | null, planned: PlannedMachine | undefined, ended: boolean): string {
  if (result !== undefined) {
    if (!ended) return result.message;
    // Once the run ended, the summary above says what happened and what to do; the row says where it stopped.
    const at = result.step === null || result.status === 'deployed' ? undefined : planned?.steps.find((s) => s.id === result.step)?.label;
    return at === undefined ? deployStatusView[result.status].text : `${deployStatusView[result.status].text} at “${at}”`;
  }
  if (ended) return 'No result: the deploy ended before it reported on this machine.';
  if (status === 'running') return stepLabel ?? 'Starting…';
  if (planned?.blocked != null) return `Not deployed: ${planned.blocked.reason.replace(/\.$/, '')}.`;
  if (planned !== undefined && planned.dependsOn.length > 0) return `Waiting for its turn; it needs ${planned.dependsOn.map((d) => `${d.name} (${d.why})`).join(', ')}.`;
  return 'Waiting for its turn in the deploy order.';
}

/** One machine of the run: live status line, step progress, its log, and once done what happened and what to do. */
const RunMachineRow = memo(function RunMachineRow({ jobId, machineId, fallbackName, planned, onShowMachine }: { jobId: string; machineId: string; fallbackName: string; planned: PlannedMachine | undefined; onShowMachine: ShowMachine }) {
  // One subscription per machine: a log line of another machine leaves this row alone.
  const view = useJobsStore((s) => s.jobs[jobId]?.machines[machineId]);
  const result = useDeployStore((s) => s.run?.results[machineId]);
  const ended = useDeployStore((s) => s.run?.report != null);
  const [logOpen, setLogOpen] = useState(false);
  const logId = useId();
  const name = view?.name ?? result?.name ?? fallbackName;
  const status: DeployRowStatus = result?.status ?? (ended ? 'unknown' : view?.state === 'running' ? 'running' : 'pending');
  const step = result === undefined && !ended ? (view?.step ?? null) : null;
  const lastLine = status === 'running' ? view?.log.at(-1)?.text : undefined;
  const lines = view?.log ?? [];
  const look = deployStatusView[status];
  return (
    <li className={`run-machine run-${status}`} data-testid={`run-${name}`} data-status={status}>
      <div className="run-machine-head">
        <span className={`deploy-status-icon deploy-status-${status}`} role="img" aria-label={look.text} title={look.text}>
          {look.symbol}
        </span>
        {onShowMachine === undefined ? (
          <span className="run-machine-name">{name}</span>
        ) : (
          <button type="button" className="run-machine-name link-button" onClick={() => onShowMachine(machineId)} title={`Show ${name} on the canvas`}>
            {name}
          </button>
        )}
        <span className="run-machine-line" data-testid={`run-line-${name}`}>
          {statusLine(status, result, step?.label ?? null, planned, ended)}
        </span>
        <button type="button" className="link-button" aria-expanded={logOpen} aria-controls={logId} onClick={() => setLogOpen(!logOpen)} data-testid={`run-log-toggle-${name}`}>
          {logOpen ? 'Hide log' : `Log (${lines.length} ${plural(lines.length, 'line', 'lines')})`}
        </button>
      </div>
      {step !== null && (
        <div className="run-step">
          <progress max={step.total} value={step.index - 0.5} aria-label={`${name}: step ${step.index} of ${step.total}`} aria-valuetext={`Step ${step.index} of ${step.total}: ${step.label}`} />
          <span className="run-step-text" data-testid={`run-step-${name}`}>
            Step {step.index} of {step.total}
          </span>
          {lastLine !== undefined && <span className="run-last-line">{lastLine}</span>}
        </div>
      )}
      {result?.whatToDo != null && !ended && (
        <p className="run-what-to-do">
          <strong>What to do:</strong> {result.whatToDo}
        </p>
      )}
      {logOpen && (
        <div id={logId}>
          <DeployLog lines={lines} label={`Log of ${name}`} testId={`run-log-${name}`} />
        </div>
      )}
    </li>
  );
});

function MachineGroup({ title, reason, machines, jobId, onShowMachine, testId }: { title: string; reason?: string; machines: readonly PlannedMachine[]; jobId: string; onShowMachine: ShowMachine; testId: string }) {
  const headingId = useId();
  return (
    <section className="run-group" aria-labelledby={headingId} data-testid={testId}>
      <h4 id={headingId}>{title}</h4>
      {reason !== undefined && <p className="plan-reason">{reason}</p>}
      <ul className="run-machines">
        {machines.map((m) => (
          <RunMachineRow key={m.machineId} jobId={jobId} machineId={m.machineId} fallbackName={m.name} planned={m} onShowMachine={onShowMachine} />
        ))}
      </ul>
    </section>
  );
}

/** Before the plan arrives: the machines in the order the job listed them. */
function UnplannedMachines({ jobId, onShowMachine }: { jobId: string; onShowMachine: ShowMachine }) {
  const order = useJobsStore((s) => s.jobs[jobId]?.order);
  if (order === undefined || order.length === 0) return null;
  return (
    <ul className="run-machines">
      {order.map((id) => (
        <RunMachineRow key={id} jobId={jobId} machineId={id} fallbackName={id} planned={undefined} onShowMachine={onShowMachine} />
      ))}
    </ul>
  );
}

/** The vars before the machines: who makes them, and how that went. */
function RunVars() {
  const helper = useDeployStore((s) => s.run?.plan?.varsHelper?.name ?? null);
  const vars = useDeployStore((s) => s.run?.vars ?? null);
  if (vars === null && helper === null) return null;
  if (vars === null) return <p className="run-vars">Vars and secrets: made on {helper} before any machine.</p>;
  if (vars.status === 'notNeeded') return null;
  return (
    <p className={`run-vars run-vars-${vars.status}`} data-testid="run-vars">
      <strong>{vars.status === 'made' ? 'Vars made' : vars.status === 'failed' ? 'The vars could not be made' : 'Vars cancelled'}{vars.helper !== null ? ` on ${vars.helper}` : ''}:</strong> {vars.message}
    </p>
  );
}

/** The run's own log (the vars, what the app does between machines). */
function JobLog({ jobId }: { jobId: string }) {
  const lines = useJobsStore((s) => s.jobs[jobId]?.log);
  if (lines === undefined || lines.length === 0) return null;
  return (
    <details className="run-job-log">
      <summary>
        Log of the whole run ({lines.length} {plural(lines.length, 'line', 'lines')})
      </summary>
      <DeployLog lines={lines} label="Log of the whole run" testId="run-log-job" />
    </details>
  );
}

/**
 * A deploy running now (or the last one this window followed): a progress bar for the whole run, each machine with a
 * live status line, a step progress bar and its streaming log, wave by wave as the plan says, and at the end the
 * summary. A window that opens during the deploy catches up through the jobs store.
 */
export function DeployRunView({ onShowMachine }: { onShowMachine?: (machineId: string) => void }) {
  const jobId = useDeployStore((s) => s.run?.jobId ?? null);
  const forFile = useDeployStore((s) => s.run?.forFile ?? null);
  const plan = useDeployStore((s) => s.run?.plan ?? null);
  const report = useDeployStore((s) => s.run?.report ?? null);
  const saveError = useDeployStore((s) => s.run?.saveError ?? null);
  const results = useDeployStore((s) => s.run?.results);
  const headingId = useId();
  if (jobId === null) return null;
  return (
    <section className="deploy-run" aria-labelledby={headingId} data-testid="deploy-run">
      <h3 id={headingId} className="visually-hidden">
        Deploy of {forFile === null ? 'this design' : displayName(forFile)}
      </h3>
      <RunHeader jobId={jobId} forFile={forFile} />
      {report !== null && <DeploySummary report={report} plan={plan} liveResults={results} onShowMachine={onShowMachine} saveError={saveError} />}
      {report === null && <RunVars />}
      {plan === null ? (
        <UnplannedMachines jobId={jobId} onShowMachine={onShowMachine} />
      ) : (
        <div className="run-groups" aria-label="Machines, in deploy order">
          {report !== null && <h4 className="run-groups-title">Each machine, with its log</h4>}
          {plan.afterVpn.length > 0 && <MachineGroup title="First, over the VPN" machines={plan.afterVpn} jobId={jobId} onShowMachine={onShowMachine} testId="run-after-vpn" />}
          {plan.waves.map((w) => (
            <MachineGroup key={w.number} title={`Wave ${w.number}: ${w.title}`} machines={w.machines} jobId={jobId} onShowMachine={onShowMachine} testId={`run-wave-${w.number}`} />
          ))}
          {plan.notDeployable.length > 0 && <MachineGroup title="Not deployed: no way in" machines={plan.notDeployable} jobId={jobId} onShowMachine={onShowMachine} testId="run-not-deployable" />}
        </div>
      )}
      <JobLog jobId={jobId} />
      {plan !== null && (
        <details className="run-plan">
          <summary>The plan this deploy follows</summary>
          <DeployPlanView plan={plan} onShowMachine={onShowMachine} title="The plan this deploy follows" />
        </details>
      )}
    </section>
  );
}
