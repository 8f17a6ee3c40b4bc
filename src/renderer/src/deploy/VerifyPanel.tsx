import { memo, useId, useMemo } from 'react';
import { ExplainButton } from '../assistant/ExplainButton';
import type { MachineId } from '../../../shared/model/types';
import { plural } from '../../../shared/text';
import { verifyChangesText } from '../../../shared/verify/changes';
import type { MatrixCell, VerifyMatrix } from '../../../shared/verify/matrix';
import type { VerifyHistoryEntry, VerifyMachineResult, VerifyReport } from '../../../shared/verify/schema';
import { useDesign } from '../stores/designStore';
import { useJobsStore } from '../stores/jobsStore';
import { outcomeText } from './deployStatus';
import { useIsDeploying } from './deployStore';
import { JobRunPanel, type JobRunTab, type RunTone } from './JobRunPanel';
import { RunChanges } from './RunChanges';
import { RunItem, type RunItemResult } from './RunItem';
import { RunProgress } from './RunProgress';
import { RunReportHead } from './RunReportHead';
import { showMachineOnCanvas } from './showOnCanvas';
import { VerifyLegend, VerifyMatrixGrid } from './VerifyMatrix';
import { useVerifyStore } from './verifyStore';
import { cellLook, cellLooks, pathSentence } from './verifyView';
import './verify.css';

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

/** What a machine's result shows in the running verify: the SSH login apart from what its VPN looked like. */
function resultLook(result: VerifyMachineResult): RunItemResult {
  if (result.ssh !== null) return { look: 'ssh', symbol: '⚠', stateText: 'Could not log in over SSH', line: result.ssh };
  return result.state === 'running' ? { look: 'ok', symbol: '✓', stateText: 'Done', line: result.message } : { look: 'problem', symbol: '✕', stateText: 'VPN problem', line: result.message };
}

const runWords = { running: 'Verifying', done: 'Done', waiting: 'Waiting for its turn.' };

/** One machine of a running verify: where it is (its step), or what was found once it is done, and its last log line. */
const RunMachine = memo(function RunMachine({ jobId, machineId, onShow }: { jobId: string; machineId: string; onShow: ShowMachine }) {
  // One subscription per machine: a log line of another machine leaves this row alone.
  const view = useJobsStore((s) => s.jobs[jobId]?.machines[machineId]);
  const result = useVerifyStore((s) => s.run?.results[machineId]);
  const name = view?.name ?? result?.name ?? machineId;
  return <RunItem kind="verify" view={view} name={name} label={<MachineName id={machineId} name={name} onShow={onShow} />} result={result === undefined ? undefined : resultLook(result)} words={runWords} />;
});

const progressLabel = (done: number, total: number) =>
  done < total ? `${done} of ${total} ${plural(total, 'machine', 'machines')} done; each one reads its VPN’s state, pings the others over the VPN and says how it reached them.` : 'Every machine is done; putting the matrix together…';

/** The running verify: how far it is, and each machine live. */
function VerifyRunProgress({ jobId, onShow }: { jobId: string; onShow: ShowMachine }) {
  return <RunProgress kind="verify" jobId={jobId} heading="Verifying the network" label={progressLabel} barLabel="Machines verified" row={(id) => <RunMachine jobId={jobId} machineId={id} onShow={onShow} />} />;
}

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
        <ExplainButton
          item={{ kind: 'verify', title: `${cell.fromName} → ${cell.toName}: ${cellLooks[look].text}`, text: `${cell.reason} ${pathSentence(cell.path)}` }}
          question={`Why does "${cell.fromName}" not reach "${cell.toName}" over the VPN, and what should I do?`}
        />
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
                <MachineName id={m.id} name={m.name} onShow={onShow(m.id)} />: {m.ssh}{' '}
                <ExplainButton item={{ kind: 'verify', title: `${m.name}: could not log in over SSH`, text: m.ssh ?? '' }} question={`Why can the app not log in to "${m.name}" over SSH, and what should I do?`} />
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
                {/* The sentence names the address it found; any further ones are listed after it. */}
                {m.addresses.some((a) => !m.overlay.includes(a)) && <span className="deploy-meta"> · also {m.addresses.filter((a) => !m.overlay.includes(a)).join(', ')}</span>}
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
      <RunReportHead
        kind="verify"
        headingId={headingId}
        title={title}
        report={report}
        details={`${report.count} ${plural(report.count, 'ping', 'pings')} per pair${report.tcpPort === null ? '' : ` · TCP port ${report.tcpPort}`}`}
        ended={matrix === null ? ' before the pairs could be compared, so there is no matrix.' : '; pairs it did not get to are shown as not reached.'}
      />
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
          {report.previous != null && <RunChanges changes={verifyChangesText(report.previous.changes)} before={report.previous} testId="verify-changes" />}
          <VerifyLegend sampled={matrix.sampled} />
          <VerifyMatrixGrid key={report.runId} matrix={matrix} />
          <FailingPairs matrix={matrix} onShow={onShow} />
          <MachineLines matrix={matrix} onShow={onShow} />
        </>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- the tab

/** How a past verify went: every tested pair reached, some trouble, pairs not reached, or it ended early. */
function historyTone(entry: VerifyHistoryEntry): RunTone {
  const bad = entry.counts.notReached - entry.counts.sshUntested;
  return entry.outcome !== 'finished' ? 'ended' : bad > 0 ? 'notReached' : entry.counts.partly > 0 || entry.counts.sshUntested > 0 ? 'partly' : 'reached';
}

const verifyTab: JobRunTab<VerifyReport, VerifyMachineResult, VerifyHistoryEntry> = {
  kind: 'verify',
  store: useVerifyStore,
  title: 'Verify the network',
  start: { command: 'verifyNetwork', label: 'Verify network' },
  cancel: 'cancelVerify',
  noun: 'verify',
  done: 'verified',
  status: {
    running: 'Verifying the network of this design: every machine pings the others over the VPN, changing nothing.',
    never: 'Never verified. “Verify network” has every machine ping the others over the VPN, changing nothing.',
  },
  lastWhileRunning: 'The last result, until this run ends',
  history: { heading: 'Past runs', tone: historyTone, outcome: (entry) => `The verify ${outcomeText[entry.outcome]}` },
  entry: { back: '← Last result and past runs', heading: 'A past verify run', logSummary: 'Log of this run', logLabel: 'Log of this verify run' },
};

const showResult = (report: VerifyReport, title: string) => <VerifyReportView report={report} onShowMachine={showMachineOnCanvas} title={title} />;

/**
 * The Verify tab of the Deploy area: "Verify network" (every machine pings the others over the VPN, changing
 * nothing), each machine live while it runs, then the reachability matrix of the design on screen and its past runs.
 */
export function VerifyPanel() {
  const hasVpn = useDesign((s) => s.design.vpn.id !== null);
  const deploying = useIsDeploying();
  const installing = useJobsStore((s) => s.running.install !== undefined);
  const blocked = !hasVpn
    ? 'This design has no VPN yet, so there is no network to verify. Choose one, deploy it, then verify.'
    : deploying
      ? 'A deploy is running; verify when it has ended (a deploy started here verifies by itself once it deployed a machine).'
      : installing
        ? 'NixOS is being installed on a machine; verify when it has ended.'
        : null;
  return (
    <JobRunPanel
      tab={verifyTab}
      blocked={blocked}
      progress={(jobId, ofThisFile) => <VerifyRunProgress jobId={jobId} onShow={ofThisFile ? showMachineOnCanvas : undefined} />}
      result={showResult}
      empty={
        <div className="deploy-empty">
          <h3>Does every machine reach every other?</h3>
          <p>
            “Verify network” logs in to each machine of the VPN, reads what its VPN says (its address, whether the daemon runs, how it reaches its peers) and has it
            ping the others over the VPN. It changes nothing on the machines.
          </p>
          <p>
            The result is a grid of every pair: reached, partly (some pings lost) or not reached, with why, and the path the VPN took next to the one the design
            predicts. The canvas colours the connections the same way. After a deploy that put the new system on a machine, the network is verified by itself.
          </p>
        </div>
      }
    />
  );
}
