import { changesSentence } from '../../../shared/verify/changes';
import { memo, useId, useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { MachineId } from '../../../shared/model/types';
import type { MatrixCell, VerifyMatrix } from '../../../shared/verify/matrix';
import type { VerifyHistoryEntry, VerifyReport } from '../../../shared/verify/schema';
import { plural } from '../../../shared/text';
import { vpnDisplayNames } from '../../../shared/vpn/ids';
import { appContext } from '../app/appContext';
import { displayName } from '../commands/fileActions';
import { executeCommand, getCommand, isEnabled } from '../commands/registry';
import { useDesign } from '../stores/designStore';
import { useJobsStore } from '../stores/jobsStore';
import { useUiStore } from '../stores/uiStore';
import { dateTimeFormat, durationText, outcomeText } from './deployStatus';
import { useIsDeploying } from './deployStore';
import { showMachineOnCanvas } from './showOnCanvas';
import { VerifyLegend, VerifyMatrixGrid } from './VerifyMatrix';
import { useIsVerifying, useLastVerifyFor, useShownVerifyReport, useVerifyHistoryFor, useVerifyStore, type OpenVerifyEntry } from './verifyStore';
import { cellLook, cellLooks, pathSentence } from './verifyView';
import './verify.css';

/** Whether a command can run now; the panel re-renders on what its predicates read (design, jobs). */
const enabled = (id: string) => {
  const command = getCommand(id);
  return command !== undefined && isEnabled(command, appContext);
};

type ShowMachine = ((machineId: string) => void) | undefined;

/** A machine's name: a button that shows it on the canvas when it is still in the design on screen. */
function MachineName({ id, name, onShow }: { id: string; name: string; onShow: ShowMachine }) {
  if (onShow === undefined) return <span className="verify-name">{name}</span>;
  return (
    <button type="button" className="link-button verify-name" onClick={() => onShow(id)} title={`Show ${name} on the canvas`}>
      {name}
    </button>
  );
}

// ---------------------------------------------------------------- while it runs

/** One machine of a running verify: where it is (its step), or what was found once it is done, and its last log line. */
const RunMachine = memo(function RunMachine({ jobId, machineId, onShow }: { jobId: string; machineId: string; onShow: ShowMachine }) {
  // One subscription per machine: a log line of another machine leaves this row alone.
  const view = useJobsStore((s) => s.jobs[jobId]?.machines[machineId]);
  const result = useVerifyStore((s) => s.run?.results[machineId]);
  const name = view?.name ?? result?.name ?? machineId;
  const state = result !== undefined ? (result.ssh !== null ? 'ssh' : result.state === 'running' ? 'ok' : 'problem') : view?.state === 'running' ? 'running' : view?.state === 'done' ? 'ok' : 'pending';
  const symbol = { ssh: '⚠', ok: '✓', problem: '✕', running: '◌', pending: '·' }[state];
  const stateText = { ssh: 'Could not log in over SSH', ok: 'Done', problem: 'VPN problem', running: 'Verifying', pending: 'Waiting' }[state];
  const step = view?.step ?? null;
  const line =
    result !== undefined
      ? (result.ssh ?? result.message)
      : view?.state === 'running'
        ? step === null
          ? 'Starting…'
          : `Step ${step.index} of ${step.total}: ${step.label}`
        : 'Waiting for its turn.';
  const lastLine = result === undefined && view?.state === 'running' ? view.log.at(-1)?.text : undefined;
  return (
    <li className={`run-machine verify-run-${state}`} data-testid={`verify-run-${name}`}>
      <div className="run-machine-head">
        <span className="deploy-status-icon" role="img" aria-label={stateText} title={stateText}>
          {symbol}
        </span>
        <MachineName id={machineId} name={name} onShow={onShow} />
        <span className="run-machine-line" data-testid={`verify-run-line-${name}`}>
          {line}
        </span>
      </div>
      {lastLine !== undefined && <div className="run-last-line verify-last-line">{lastLine}</div>}
    </li>
  );
});

/** The running verify: how far it is, and each machine live. */
function VerifyRunProgress({ jobId, onShow }: { jobId: string; onShow: ShowMachine }) {
  const { order, done, total, lastJobLine } = useJobsStore(
    useShallow((s) => {
      const job = s.jobs[jobId];
      return { order: job?.order ?? noOrder, done: job?.done ?? 0, total: job?.total ?? 0, lastJobLine: job?.log.at(-1)?.text ?? null };
    }),
  );
  const headingId = useId();
  return (
    <section className="verify-run" aria-labelledby={headingId} data-testid="verify-run">
      <h3 id={headingId}>Verifying the network</h3>
      <div className="run-progress">
        <span className="run-progress-label" role="status">
          {done < total ? `${done} of ${total} ${plural(total, 'machine', 'machines')} done; each one reads its VPN’s state, pings the others over the VPN and says how it reached them.` : 'Every machine is done; putting the matrix together…'}
        </span>
        <progress className="run-progress-bar" max={Math.max(1, total)} value={done} aria-label="Machines verified" />
        {lastJobLine !== null && <span className="run-last-line">{lastJobLine}</span>}
      </div>
      <ul className="run-machines">
        {order.map((id) => (
          <RunMachine key={id} jobId={jobId} machineId={id} onShow={onShow} />
        ))}
      </ul>
    </section>
  );
}

const noOrder: readonly string[] = [];

// ---------------------------------------------------------------- the result

/** At most this many pairs are listed one by one. */
const LISTED_PAIRS = 100;

/** The pairs that need attention (not reached, or only partly), with why; SSH-untested pairs are told apart, per machine. */
function FailingPairs({ matrix, onShow }: { matrix: VerifyMatrix; onShow: (id: MachineId) => ShowMachine }) {
  const failing = matrix.cells.filter((c) => cellLook(c) === 'notReached' || cellLook(c) === 'partly');
  const headingId = useId();
  if (failing.length === 0) return null;
  // Not reached first, then partly; in the matrix's order within each. A long list is cut: the grid has them all.
  const sorted = [...failing].sort((a, b) => Number(cellLook(a) === 'partly') - Number(cellLook(b) === 'partly')).slice(0, LISTED_PAIRS);
  return (
    <section className="verify-failing" aria-labelledby={headingId} data-testid="verify-failing">
      <h4 id={headingId}>
        {failing.length} {plural(failing.length, 'pair needs', 'pairs need')} attention
      </h4>
      <ul>
        {sorted.map((cell) => (
          <FailingPair key={`${cell.from}>${cell.to}`} cell={cell} onShow={onShow} />
        ))}
      </ul>
      {failing.length > sorted.length && (
        <p className="deploy-meta">
          … and {failing.length - sorted.length} more; the log of the run names each one with why.
        </p>
      )}
    </section>
  );
}

function FailingPair({ cell, onShow }: { cell: MatrixCell; onShow: (id: MachineId) => ShowMachine }) {
  const look = cellLook(cell);
  return (
    <li className={`verify-pair verify-pair-${look}`} data-testid={`verify-pair-${cell.fromName}-${cell.toName}`}>
      <span className={`verify-swatch verify-${look}`} role="img" aria-label={cellLooks[look].text} title={cellLooks[look].text}>
        {cellLooks[look].symbol}
      </span>
      <div>
        <div className="verify-pair-names">
          <MachineName id={cell.from} name={cell.fromName} onShow={onShow(cell.from)} /> → <MachineName id={cell.to} name={cell.toName} onShow={onShow(cell.to)} />
        </div>
        <p className="verify-pair-reason">{cell.reason}</p>
        <p className="deploy-meta">{pathSentence(cell.path)}</p>
      </div>
    </li>
  );
}

/** Each machine's line: the ones the app could not log in to, apart from what the VPN looked like on the others. */
function MachineLines({ matrix, onShow }: { matrix: VerifyMatrix; onShow: (id: MachineId) => ShowMachine }) {
  const sshFailed = matrix.machines.filter((m) => m.ssh !== null);
  const read = matrix.machines.filter((m) => m.ssh === null);
  return (
    <>
      {sshFailed.length > 0 && (
        <section className="verify-machines verify-machines-ssh" aria-label="Machines the app could not log in to" data-testid="verify-ssh-problems">
          <h4>Could not log in over SSH</h4>
          <p className="deploy-meta">Their pairs were not tested: this is about the app’s way in, not about the VPN.</p>
          <ul>
            {sshFailed.map((m) => (
              <li key={m.id} data-testid={`verify-ssh-${m.name}`}>
                <MachineName id={m.id} name={m.name} onShow={onShow(m.id)} />: {m.ssh}
              </li>
            ))}
          </ul>
        </section>
      )}
      {read.length > 0 && (
        <section className="verify-machines" aria-label="The VPN on each machine" data-testid="verify-overlay-lines">
          <h4>The VPN on each machine</h4>
          <ul>
            {read.map((m) => (
              <li key={m.id} data-testid={`verify-overlay-${m.name}`}>
                <MachineName id={m.id} name={m.name} onShow={onShow(m.id)} />: {m.overlay}
                {m.addresses.length > 0 && <span className="deploy-meta"> · {m.addresses.join(', ')}</span>}
                {m.notes.length > 0 && (
                  <ul className="verify-notes">
                    {m.notes.map((note) => (
                      <li key={note}>{note}</li>
                    ))}
                  </ul>
                )}
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}

/**
 * One verify result: how it ended, the summary sentence, "sampled" when only a sample of the pairs was tested, the
 * matrix with its legend, the pairs that need attention and each machine's line.
 */
export function VerifyReportView({ report, onShowMachine, title }: { report: VerifyReport; onShowMachine?: (id: string) => void; title: string }) {
  const machines = useDesign((s) => s.design.machines);
  // Names show the machine on the canvas only while it is still in the design on screen.
  const onShow = useMemo(() => (id: MachineId): ShowMachine => (onShowMachine !== undefined && machines[id] !== undefined ? onShowMachine : undefined), [onShowMachine, machines]);
  const headingId = useId();
  const matrix = report.matrix;
  return (
    <section className="verify-report" aria-labelledby={headingId} data-testid="verify-report">
      <div className="verify-report-head">
        <h3 id={headingId}>{title}</h3>
        <span className="deploy-meta">
          {dateTimeFormat.format(report.startedAt)} · took {durationText(report.finishedAt - report.startedAt)}
          {report.vpn === null ? '' : ` · ${vpnDisplayNames[report.vpn]}`} · {report.count} {plural(report.count, 'ping', 'pings')} per pair
          {report.tcpPort === null ? '' : ` · TCP port ${report.tcpPort}`}
        </span>
      </div>
      {report.outcome !== 'finished' && (
        <p className="plan-warning verify-outcome" data-testid="verify-outcome">
          The verify {outcomeText[report.outcome]}
          {matrix === null ? ' before the pairs could be compared, so there is no matrix.' : '; pairs it did not get to are shown as not reached.'}
        </p>
      )}
      {matrix !== null && (
        <>
          <p className="verify-summary" data-testid="verify-summary">
            {matrix.sampled && (
              <span className="verify-sampled" title={matrix.planDescription} data-testid="verify-sampled">
                sampled
              </span>
            )}
            {matrix.summary}
          </p>
          {!matrix.sampled && <p className="deploy-meta">{matrix.planDescription}</p>}
          {report.previous != null && (
            <p className="verify-changes" data-testid="verify-changes" title={`The run before: ${dateTimeFormat.format(report.previous.startedAt)}`}>
              {changesSentence(report.previous.changes)}
            </p>
          )}
          <VerifyLegend sampled={matrix.sampled} />
          <VerifyMatrixGrid key={report.runId} matrix={matrix} />
          <FailingPairs matrix={matrix} onShow={onShow} />
          <MachineLines matrix={matrix} onShow={onShow} />
        </>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- past runs

function historyLabel(entry: VerifyHistoryEntry): string {
  return `${dateTimeFormat.format(entry.startedAt)}: ${entry.summary}`;
}

/** The design's past verify runs, newest first, each with its summary. */
function VerifyHistoryList({ fileName }: { fileName: string }) {
  const historyFor = useVerifyStore((s) => s.historyFor);
  const history = useVerifyStore((s) => s.history);
  const error = useVerifyStore((s) => s.historyError);
  const headingId = useId();
  const entries = historyFor === fileName ? history : null;
  return (
    <section className="verify-history" aria-labelledby={headingId} data-testid="verify-history">
      <div className="verify-history-head">
        <h4 id={headingId}>Past runs</h4>
        <span className="deploy-meta" role="status" data-testid="verify-history-summary">
          {entries === null ? 'Reading…' : entries.length === 0 ? 'This design was never verified.' : `${entries.length} ${plural(entries.length, 'run', 'runs')}, newest first`}
        </span>
        <button type="button" className="link-button" disabled={appContext.backend === null} onClick={() => appContext.backend !== null && void useVerifyStore.getState().loadHistory(appContext.backend, fileName)}>
          Refresh
        </button>
      </div>
      {error !== null && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {entries !== null && entries.length > 0 && (
        <ul className="history-list verify-history-list">
          {entries.map((entry) => {
            const bad = entry.counts.notReached - entry.counts.sshUntested;
            const tone = entry.outcome !== 'finished' ? 'ended' : bad > 0 ? 'notReached' : entry.counts.partly > 0 || entry.counts.sshUntested > 0 ? 'partly' : 'reached';
            return (
              <li key={entry.runId} className={`history-item verify-history-${tone}`} data-testid={`verify-history-${entry.runId}`}>
                <button type="button" className="history-open verify-history-open" aria-label={`Open the verify of ${historyLabel(entry)}`} onClick={() => appContext.backend !== null && void useVerifyStore.getState().openHistoryEntry(appContext.backend, fileName, entry.runId)}>
                  <span className="history-when">{dateTimeFormat.format(entry.startedAt)}</span>
                  <span className="history-outcome">The verify {outcomeText[entry.outcome]}</span>
                  <span className="verify-history-summary">{entry.summary}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** One past run, opened: its result and its log. */
function VerifyHistoryEntryView({ entry, onShowMachine }: { entry: OpenVerifyEntry; onShowMachine: ShowMachine }) {
  const headingId = useId();
  return (
    <section className="history-entry" aria-labelledby={headingId} data-testid="verify-history-entry">
      <div className="history-entry-head">
        <button type="button" onClick={() => useVerifyStore.getState().closeHistoryEntry()} data-testid="verify-history-back">
          ← Last result and past runs
        </button>
        <h3 id={headingId}>A past verify run</h3>
        <span className="deploy-meta" title="Its folder in the design's verify history">
          {entry.runId}
        </span>
      </div>
      {entry.loading && <p className="muted">Reading this run…</p>}
      {entry.error !== null && (
        <p className="error-text" role="alert">
          {entry.error}
        </p>
      )}
      {entry.report !== null && <VerifyReportView report={entry.report} onShowMachine={onShowMachine} title={`Verify of ${dateTimeFormat.format(entry.report.startedAt)}`} />}
      {entry.log !== '' && (
        <details className="verify-log">
          <summary>Log of this run</summary>
          <pre className="deploy-log history-log-text" tabIndex={0} aria-label="Log of this verify run">
            {entry.log}
          </pre>
        </details>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- the tab

/**
 * The Verify tab of the Deploy area: "Verify network" (every machine pings the others over the VPN, changing
 * nothing), each machine live while it runs, then the reachability matrix of the design on screen and its past runs.
 */
export function VerifyPanel() {
  const fileName = useDesign((s) => s.file.name);
  const hasVpn = useDesign((s) => s.design.vpn.id !== null);
  const report = useShownVerifyReport(fileName);
  const loading = useVerifyStore((s) => s.loading && s.forFile === fileName);
  const error = useVerifyStore((s) => (s.forFile === fileName ? s.error : null));
  const starting = useVerifyStore((s) => s.starting);
  const startError = useVerifyStore((s) => s.startError);
  const runFor = useVerifyStore((s) => (s.run === null ? undefined : s.run.forFile));
  const openEntry = useVerifyStore((s) => s.openEntry);
  const historyFor = useVerifyStore((s) => s.historyFor);
  const verifying = useIsVerifying();
  const runningJob = useJobsStore((s) => s.running.verify ?? null);
  const deploying = useIsDeploying();
  const installing = useJobsStore((s) => s.running.install !== undefined);
  const setDialog = useUiStore((s) => s.setDialog);
  useLastVerifyFor(fileName, appContext.backend);
  useVerifyHistoryFor(fileName, appContext.backend);

  const runOfThisFile = runFor !== undefined && runFor === fileName;
  const status = verifying
    ? runOfThisFile
      ? 'Verifying the network of this design: every machine pings the others over the VPN, changing nothing.'
      : `A verify of ${runFor == null ? 'another design' : displayName(runFor)} is running; one runs at a time.`
    : starting
      ? 'Starting the verify…'
      : fileName === null
        ? 'Save the design first: each verify is kept next to the design file.'
        : !hasVpn
          ? 'This design has no VPN yet, so there is no network to verify. Choose one, deploy it, then verify.'
          : deploying
            ? 'A deploy is running; verify when it has ended (a deploy started here verifies by itself once it deployed a machine).'
            : installing
              ? 'NixOS is being installed on a machine; verify when it has ended.'
              : report === null
                ? 'Never verified. “Verify network” has every machine ping the others over the VPN, changing nothing.'
                : `Last verified ${dateTimeFormat.format(report.startedAt)}.`;

  return (
    <div className="deploy-panel-body verify-panel" data-testid="verify-panel">
      <div className="deploy-toolbar">
        <strong>Verify the network</strong>
        <span className="deploy-meta" role="status" data-testid="verify-status">
          {status}
        </span>
        <span className="toolbar-spacer" />
        {fileName === null && (
          <button type="button" onClick={() => setDialog('saveAs')}>
            Save as…
          </button>
        )}
        {verifying ? (
          <button type="button" onClick={() => void executeCommand(appContext, 'cancelVerify')} data-testid="verify-cancel">
            Cancel the verify
          </button>
        ) : (
          <button type="button" className="primary" disabled={!enabled('verifyNetwork')} onClick={() => void executeCommand(appContext, 'verifyNetwork')} data-testid="verify-start">
            Verify network
          </button>
        )}
      </div>
      {startError !== null && (
        <p className="error-text" role="alert" data-testid="verify-start-error">
          {startError}
        </p>
      )}
      <div className="deploy-scroll">
        {runningJob !== null && <VerifyRunProgress jobId={runningJob} onShow={runOfThisFile ? showMachineOnCanvas : undefined} />}
        {fileName !== null && openEntry !== null && historyFor === fileName ? (
          <VerifyHistoryEntryView entry={openEntry} onShowMachine={showMachineOnCanvas} />
        ) : (
          <>
            {error !== null && (
              <p className="error-text" role="alert">
                {error}
              </p>
            )}
            {loading && <p className="muted">Reading the last verify of this design…</p>}
            {report !== null ? (
              <VerifyReportView report={report} onShowMachine={showMachineOnCanvas} title={runningJob !== null && runOfThisFile ? 'The last result, until this run ends' : 'The last verify'} />
            ) : (
              !loading &&
              runningJob === null && (
                <div className="deploy-empty">
                  <h3>Does every machine reach every other?</h3>
                  <p>
                    “Verify network” logs in to each machine of the VPN, reads what its VPN says (its address, whether the daemon runs, how it reaches its
                    peers) and has it ping the others over the VPN. It changes nothing on the machines.
                  </p>
                  <p>
                    The result is a grid of every pair: reached, partly (some pings lost) or not reached, with why, and the path the VPN took next to the
                    one the design predicts. The canvas colours the connections the same way. After a deploy that put the new system on a machine, the
                    network is verified by itself.
                  </p>
                </div>
              )
            )}
            {fileName !== null && <VerifyHistoryList fileName={fileName} />}
          </>
        )}
      </div>
    </div>
  );
}
