import { memo, useId, useMemo, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { directionLabels } from '../../../shared/bench/leaderboard';
import { iperfSecondsRange, pingCountRange, pingIntervalRange } from '../../../shared/measure/commands';
import { formatYourFactor, type ComparisonRow } from '../../../shared/measure/compare';
import { MAX_MEASURE_PAIRS, getMeasureFitness, planDefaultPairs } from '../../../shared/measure/pairs';
import { describeMeasureRun, type MeasuredPair, type MeasureHistoryEntry, type MeasureReport } from '../../../shared/measure/report';
import type { Design, MachineId } from '../../../shared/model/types';
import { byNameThenId, plural } from '../../../shared/text';
import { vpnDisplayNames } from '../../../shared/vpn/ids';
import { appContext } from '../app/appContext';
import { displayName } from '../commands/fileActions';
import { executeCommand, getCommand, isEnabled } from '../commands/registry';
import { useDesign } from '../stores/designStore';
import { useJobsStore } from '../stores/jobsStore';
import { useUiStore } from '../stores/uiStore';
import { BenchCellContent, benchCellClass, benchCellStyle, benchCellTitle } from '../vpn/BenchCell';
import { dateTimeFormat, durationText, outcomeText } from './deployStatus';
import { useIsDeploying } from './deployStore';
import { pairIdOf, useIsMeasuring, useLastMeasureFor, useMeasureHistoryFor, useMeasureStore, useShownMeasureReport, type OpenMeasureEntry, type PickedPair } from './measureStore';
import './measure.css';

// The Measure tab of the Deploy area ("Measure my network", issue 15). A tab of its own beside Verify rather than a
// section inside it: verify answers "does every machine reach every other" with an N × N matrix, measuring answers
// "how fast is each link" with a few pairs, each a table next to the benchmark; both have their own live progress
// and history, and one tab holding both would scroll the matrix away from the figures.

/** Whether a command can run now; the panel re-renders on what its predicates read (design, jobs). */
const enabled = (id: string) => {
  const command = getCommand(id);
  return command !== undefined && isEnabled(command, appContext);
};

const sameMachines = (a: PickedPair, b: PickedPair) => a.from === b.from && a.to === b.to;

// ---------------------------------------------------------------- picking the pairs

/** The pairs to measure: the default ones preselected, any others added by hand; each can be unticked. */
function PairPicker({ design, fileName, disabled }: { design: Design; fileName: string; disabled: boolean }) {
  const plan = useMemo(() => planDefaultPairs(design), [design]);
  const fitness = useMemo(() => getMeasureFitness(design), [design]);
  const picked = useMeasureStore((s) => (s.picked !== null && s.picked.forFile === fileName ? s.picked.pairs : null));
  const [added, setAdded] = useState<readonly PickedPair[]>([]);
  const fit = useMemo(() => Object.values(design.machines).filter((m) => fitness.get(m.id) === null).sort(byNameThenId), [design, fitness]);
  const [from, setFrom] = useState<string>('');
  const [to, setTo] = useState<string>('');
  const headingId = useId();
  const defaults: PickedPair[] = plan.pairs.map((p) => ({ from: p.from, to: p.to }));
  // What is ticked: the picked pairs, or every default pair. Only pairs whose machines can still be measured count.
  const chosen = (picked ?? defaults).filter((p) => fitness.get(p.from) === null && fitness.get(p.to) === null);
  const candidates = [...defaults, ...added.filter((a) => !defaults.some((d) => sameMachines(a, d))), ...chosen.filter((c) => !defaults.some((d) => sameMachines(c, d)) && !added.some((a) => sameMachines(a, c)))];
  const name = (id: MachineId) => design.machines[id]?.name ?? id;
  const setChosen = (pairs: readonly PickedPair[]) => useMeasureStore.getState().setPicked(fileName, pairs);
  const toggle = (pair: PickedPair, on: boolean) => setChosen(on ? [...chosen, pair] : chosen.filter((c) => !sameMachines(c, pair)));
  const canAdd = from !== '' && to !== '' && from !== to && !candidates.some((c) => c.from === from && c.to === to) && chosen.length < MAX_MEASURE_PAIRS;
  const add = () => {
    if (!canAdd) return;
    const pair = { from: from as MachineId, to: to as MachineId };
    setAdded([...added, pair]);
    setChosen([...chosen, pair]);
  };
  return (
    <section className="measure-pairs" aria-labelledby={headingId} data-testid="measure-pairs">
      <h3 id={headingId}>Links to measure</h3>
      <p className="deploy-meta">
        {plan.description} {plan.hub?.why ?? ''}
      </p>
      {candidates.length > 0 && (
        <ul className="measure-pair-list">
          {candidates.map((pair) => {
            const planned = plan.pairs.find((p) => sameMachines(p, pair));
            const label = `${name(pair.from)} → ${name(pair.to)}`;
            return (
              <li key={pairIdOf(pair)}>
                <label title={planned?.why}>
                  <input type="checkbox" disabled={disabled} checked={chosen.some((c) => sameMachines(c, pair))} onChange={(e) => toggle(pair, e.currentTarget.checked)} data-testid={`measure-pick-${name(pair.from)}-${name(pair.to)}`} /> {label}
                  {planned !== undefined && <span className="deploy-meta"> · default</span>}
                </label>
              </li>
            );
          })}
        </ul>
      )}
      {plan.leftOut.length > 0 && (
        <ul className="measure-left-out deploy-meta">
          {plan.leftOut.map((l) => (
            <li key={l.siteId}>{l.reason}</li>
          ))}
        </ul>
      )}
      <div className="measure-add">
        <label>
          From{' '}
          <select value={from} disabled={disabled} onChange={(e) => setFrom(e.currentTarget.value)} data-testid="measure-add-from">
            <option value="">machine…</option>
            {fit.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          to{' '}
          <select value={to} disabled={disabled} onChange={(e) => setTo(e.currentTarget.value)} data-testid="measure-add-to">
            <option value="">machine…</option>
            {fit.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </label>
        <button type="button" disabled={disabled || !canAdd} onClick={add} data-testid="measure-add">
          Add this link
        </button>
        {picked !== null && (
          <button type="button" className="link-button" disabled={disabled} onClick={() => useMeasureStore.getState().setPicked(fileName, null)}>
            Back to the default links
          </button>
        )}
      </div>
      <p className="deploy-meta">
        {chosen.length} {plural(chosen.length, 'link', 'links')} picked. Each runs iperf3 for {iperfSecondsRange.default} s in both directions at once, then {pingCountRange.default} pings {pingIntervalRange.default} s apart, one link
        after the other; the first machine runs the test, the second the one-off iperf3 server.
      </p>
    </section>
  );
}

// ---------------------------------------------------------------- while it runs

/** One pair of a running measurement: its step, or its result once done, and its last log line. */
const RunPair = memo(function RunPair({ jobId, pairId }: { jobId: string; pairId: string }) {
  // One subscription per pair: a log line of another pair leaves this row alone.
  const view = useJobsStore((s) => s.jobs[jobId]?.machines[pairId]);
  const result = useMeasureStore((s) => s.run?.results[pairId]);
  const name = view?.name ?? (result === undefined ? pairId : `${result.fromName} → ${result.toName}`);
  const state = result !== undefined ? (result.link === null ? 'problem' : result.problems.length > 0 ? 'partly' : 'ok') : view?.state === 'running' ? 'running' : view?.state === 'done' ? 'ok' : 'pending';
  const symbol = { problem: '✕', partly: '◐', ok: '✓', running: '◌', pending: '·' }[state];
  const stateText = { problem: 'Not measured', partly: 'Measured in part', ok: 'Measured', running: 'Measuring', pending: 'Waiting' }[state];
  const step = view?.step ?? null;
  const line = result !== undefined ? result.message : view?.state === 'running' ? (step === null ? 'Starting…' : `Step ${step.index} of ${step.total}: ${step.label}`) : 'Waiting for its turn: links are measured one after the other.';
  const lastLine = result === undefined && view?.state === 'running' ? view.log.at(-1)?.text : undefined;
  return (
    <li className={`run-machine measure-run-${state}`} data-testid={`measure-run-${name}`}>
      <div className="run-machine-head">
        <span className="deploy-status-icon" role="img" aria-label={stateText} title={stateText}>
          {symbol}
        </span>
        <span className="measure-pair-name">{name}</span>
        <span className="run-machine-line" data-testid={`measure-run-line-${name}`}>
          {line}
        </span>
      </div>
      {lastLine !== undefined && <div className="run-last-line measure-last-line">{lastLine}</div>}
    </li>
  );
});

const noOrder: readonly string[] = [];

/** The running measurement: how far it is, and each pair live. */
function MeasureRunProgress({ jobId }: { jobId: string }) {
  const { order, done, total } = useJobsStore(
    useShallow((s) => {
      const job = s.jobs[jobId];
      return { order: job?.order ?? noOrder, done: job?.done ?? 0, total: job?.total ?? 0 };
    }),
  );
  const headingId = useId();
  return (
    <section className="measure-run" aria-labelledby={headingId} data-testid="measure-run">
      <h3 id={headingId}>Measuring the network</h3>
      <div className="run-progress">
        <span className="run-progress-label" role="status">
          {done} of {total} {plural(total, 'link', 'links')} measured, one after the other so that they do not slow each other down.
        </span>
        <progress className="run-progress-bar" max={Math.max(1, total)} value={done} aria-label="Links measured" />
      </div>
      <ul className="run-machines">
        {order.map((id) => (
          <RunPair key={id} jobId={jobId} pairId={id} />
        ))}
      </ul>
    </section>
  );
}

// ---------------------------------------------------------------- the result

const verdictWords: Record<NonNullable<ComparisonRow['verdict']>, string> = { better: 'better', similar: 'about the same', worse: 'worse' };

/** One row: what was measured, your value with its factor against the benchmark's, and the benchmark's cell as the leaderboard shows it. */
function ComparisonRowView({ row }: { row: ComparisonRow }) {
  const cell = row.benchmark;
  // The cell's hover names its flags itself; the other caveats of the row are the column's note.
  const flagTexts = new Set((cell?.flags ?? []).map((f) => `${f.title}: ${f.explanation}`));
  const note = row.caveats.filter((c) => !flagTexts.has(c)).join(' ');
  const arrow = row.directionLabel === directionLabels.lowerIsBetter ? '↓' : '↑';
  return (
    <tr data-testid={`measure-row-${row.workload}-${row.direction ?? 'ping'}`}>
      <th scope="row">
        {row.label}
        <span className="direction" title={row.directionLabel}>
          {' '}
          {arrow}
        </span>
      </th>
      <td className="measure-yours" title={row.sentence}>
        <span className="value">{row.yoursText ?? '—'}</span>
        {row.verdict !== null && (
          <span className={`measure-verdict measure-verdict-${row.verdict}`}>
            {verdictWords[row.verdict]}
            {row.yourFactor === null ? '' : ` · ${formatYourFactor(row.yourFactor)}`}
          </span>
        )}
      </td>
      {cell === null ? (
        <td className="value-cell not-measured" title="The benchmark has no figure for this">
          —
        </td>
      ) : (
        <td className={benchCellClass(cell)} style={benchCellStyle(cell)} title={benchCellTitle({ label: row.label, unit: row.unit, directionLabel: row.directionLabel, caveat: note === '' ? null : note }, cell)} data-testid="measure-benchmark-cell">
          <BenchCellContent cell={cell} unit={row.unit} />
        </td>
      )}
    </tr>
  );
}

/** One measured pair: where it measured to, the closest profile, the table, the sentence, the caveats and any problem. */
function MeasuredPairView({ pair }: { pair: MeasuredPair }) {
  const headingId = useId();
  const comparison = pair.comparison;
  const sources = { verify: 'the address the last verify reached it at', discovery: 'the address its VPN reports', configuration: 'the address the configuration gives it' } as const;
  return (
    <section className={`measure-pair${pair.link === null ? ' measure-pair-none' : ''}`} aria-labelledby={headingId} data-testid={`measure-pair-${pair.fromName}-${pair.toName}`}>
      <h4 id={headingId}>
        {pair.fromName} → {pair.toName}
        {pair.address !== null && (
          <span className="deploy-meta">
            {' '}
            · to {pair.address}
            {pair.addressSource === null ? '' : `, ${sources[pair.addressSource]}`}
          </span>
        )}
      </h4>
      {comparison === null ? (
        <p className="measure-sentence">{pair.message}</p>
      ) : (
        <>
          <p className="measure-sentence" data-testid="measure-sentence">
            {comparison.summary}
          </p>
          <p className="deploy-meta" data-testid="measure-profile">
            {comparison.profile.reason}
          </p>
          <div className="table-scroll">
            <table className="measure-table">
              <thead>
                <tr>
                  <th scope="col">Measured</th>
                  <th scope="col">Yours</th>
                  <th scope="col">
                    {comparison.vpnName}, {comparison.profile.profile} profile
                    <span className="deploy-meta"> value · pairs · factor</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {comparison.rows.map((row) => (
                  <ComparisonRowView key={`${row.workload}-${row.direction ?? ''}`} row={row} />
                ))}
              </tbody>
            </table>
          </div>
          {comparison.caveats.length > 0 && (
            <ul className="measure-caveats">
              {comparison.caveats.map((c) => (
                <li key={c}>{c}</li>
              ))}
            </ul>
          )}
        </>
      )}
      {pair.problems.length > 0 && (
        <ul className="measure-problems" data-testid="measure-problems">
          {pair.problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** One measurement: how it ended, its summary, and each pair. */
function MeasureReportView({ report, title }: { report: MeasureReport; title: string }) {
  const headingId = useId();
  return (
    <section className="measure-report" aria-labelledby={headingId} data-testid="measure-report">
      <div className="verify-report-head">
        <h3 id={headingId}>{title}</h3>
        <span className="deploy-meta">
          {dateTimeFormat.format(report.startedAt)} · took {durationText(report.finishedAt - report.startedAt)}
          {report.vpn === null ? '' : ` · ${vpnDisplayNames[report.vpn]}`} · {report.seconds} s of iperf3 both ways on TCP port {report.port} · {report.pings.count} pings
        </span>
      </div>
      {report.outcome !== 'finished' && (
        <p className="plan-warning" data-testid="measure-outcome">
          The measurement {outcomeText[report.outcome]}; links it did not get to have no figures.
        </p>
      )}
      <p className="verify-summary" data-testid="measure-summary">
        {describeMeasureRun(report.pairs, report.outcome)}
      </p>
      {report.pairs.map((pair) => (
        <MeasuredPairView key={pair.pairId} pair={pair} />
      ))}
      <p className="deploy-meta">
        ↑ higher is better, ↓ lower is better. The benchmark&apos;s cell reads as in the leaderboard: the mean of its three machine pairs, their slowest and fastest, and its slowdown factor against the best VPN; ⚑ marks a caveat (hover for it). Your
        factor compares your value with the benchmark&apos;s the same way: 1.0x as good, 2x half as good, below 1.0x better.
      </p>
    </section>
  );
}

// ---------------------------------------------------------------- past runs

/** The design's past measurements, newest first. */
function MeasureHistoryList({ fileName }: { fileName: string }) {
  const historyFor = useMeasureStore((s) => s.historyFor);
  const history = useMeasureStore((s) => s.history);
  const error = useMeasureStore((s) => s.historyError);
  const headingId = useId();
  const entries = historyFor === fileName ? history : null;
  const open = (entry: MeasureHistoryEntry) => appContext.backend !== null && void useMeasureStore.getState().openHistoryEntry(appContext.backend, fileName, entry.runId);
  return (
    <section className="verify-history" aria-labelledby={headingId} data-testid="measure-history">
      <div className="verify-history-head">
        <h4 id={headingId}>Past measurements</h4>
        <span className="deploy-meta" role="status" data-testid="measure-history-summary">
          {entries === null ? 'Reading…' : entries.length === 0 ? 'This design was never measured.' : `${entries.length} ${plural(entries.length, 'run', 'runs')}, newest first`}
        </span>
      </div>
      {error !== null && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {entries !== null && entries.length > 0 && (
        <ul className="history-list">
          {entries.map((entry) => (
            <li key={entry.runId} className="history-item" data-testid={`measure-history-${entry.runId}`}>
              <button type="button" className="history-open" aria-label={`Open the measurement of ${dateTimeFormat.format(entry.startedAt)}: ${entry.summary}`} onClick={() => open(entry)}>
                <span className="history-when">{dateTimeFormat.format(entry.startedAt)}</span>
                <span className="history-outcome">
                  {entry.counts.measured} of {entry.counts.pairs} {plural(entry.counts.pairs, 'link', 'links')} measured
                </span>
                <span className="verify-history-summary">{entry.summary}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

/** One past measurement, opened: its figures and its log. */
function MeasureHistoryEntryView({ entry }: { entry: OpenMeasureEntry }) {
  const headingId = useId();
  return (
    <section className="history-entry" aria-labelledby={headingId} data-testid="measure-history-entry">
      <div className="history-entry-head">
        <button type="button" onClick={() => useMeasureStore.getState().closeHistoryEntry()} data-testid="measure-history-back">
          ← Last measurement and past runs
        </button>
        <h3 id={headingId}>A past measurement</h3>
        <span className="deploy-meta">{entry.runId}</span>
      </div>
      {entry.loading && <p className="muted">Reading this run…</p>}
      {entry.error !== null && (
        <p className="error-text" role="alert">
          {entry.error}
        </p>
      )}
      {entry.report !== null && <MeasureReportView report={entry.report} title={`Measurement of ${dateTimeFormat.format(entry.report.startedAt)}`} />}
      {entry.log !== '' && (
        <details className="verify-log">
          <summary>Log of this run (every command, and what it printed)</summary>
          <pre className="deploy-log history-log-text" tabIndex={0} aria-label="Log of this measurement">
            {entry.log}
          </pre>
        </details>
      )}
    </section>
  );
}

// ---------------------------------------------------------------- the tab

/**
 * The Measure tab: pick the links (each site's best machine to the admin's, preselected), "Measure my network", each
 * link live while it runs, then per link your figures next to the benchmark's for the same VPN at the closest
 * impairment profile, and the past measurements.
 */
export function MeasurePanel() {
  const design = useDesign((s) => s.design);
  const fileName = useDesign((s) => s.file.name);
  const report = useShownMeasureReport(fileName);
  const loading = useMeasureStore((s) => s.loading && s.forFile === fileName);
  const error = useMeasureStore((s) => (s.forFile === fileName ? s.error : null));
  const starting = useMeasureStore((s) => s.starting);
  const startError = useMeasureStore((s) => s.startError);
  const runFor = useMeasureStore((s) => (s.run === null ? undefined : s.run.forFile));
  const openEntry = useMeasureStore((s) => s.openEntry);
  const historyFor = useMeasureStore((s) => s.historyFor);
  const measuring = useIsMeasuring();
  const runningJob = useJobsStore((s) => s.running.measure ?? null);
  const deploying = useIsDeploying();
  const otherJob = useJobsStore((s) => (s.running.install !== undefined ? 'install' : s.running.verify !== undefined ? 'verify' : null));
  const setDialog = useUiStore((s) => s.setDialog);
  useLastMeasureFor(fileName, appContext.backend);
  useMeasureHistoryFor(fileName, appContext.backend);

  const runOfThisFile = runFor !== undefined && runFor === fileName;
  const status = measuring
    ? runOfThisFile
      ? 'Measuring the links of this design over the VPN, one after the other.'
      : `A measurement of ${runFor == null ? 'another design' : displayName(runFor)} is running; one runs at a time.`
    : starting
      ? 'Starting the measurement…'
      : fileName === null
        ? 'Save the design first: each measurement is kept next to the design file.'
        : design.vpn.id === null
          ? 'This design has no VPN yet, so there is no network to measure. Choose one, deploy it, then measure.'
          : deploying
            ? 'A deploy is running; measure when it has ended.'
            : otherJob === 'install'
              ? 'NixOS is being installed on a machine; measure when it has ended.'
              : otherJob === 'verify'
                ? 'A verify is running; its pings would disturb the figures. Measure when it has ended.'
                : report === null
                  ? 'Never measured.'
                  : `Last measured ${dateTimeFormat.format(report.startedAt)}.`;

  return (
    <div className="deploy-panel-body measure-panel" data-testid="measure-panel">
      <div className="deploy-toolbar">
        <strong>Measure my network</strong>
        <span className="deploy-meta" role="status" data-testid="measure-status">
          {status}
        </span>
        <span className="toolbar-spacer" />
        {fileName === null && (
          <button type="button" onClick={() => setDialog('saveAs')}>
            Save as…
          </button>
        )}
        {measuring ? (
          <button type="button" onClick={() => void executeCommand(appContext, 'cancelMeasure')} data-testid="measure-cancel">
            Cancel the measurement
          </button>
        ) : (
          <button type="button" className="primary" disabled={!enabled('measureNetwork')} onClick={() => void executeCommand(appContext, 'measureNetwork')} data-testid="measure-start">
            Measure my network
          </button>
        )}
      </div>
      {startError !== null && (
        <p className="error-text" role="alert" data-testid="measure-start-error">
          {startError}
        </p>
      )}
      <div className="deploy-scroll">
        {runningJob !== null && <MeasureRunProgress jobId={runningJob} />}
        {fileName !== null && openEntry !== null && historyFor === fileName ? (
          <MeasureHistoryEntryView entry={openEntry} />
        ) : (
          <>
            {fileName !== null && design.vpn.id !== null && <PairPicker design={design} fileName={fileName} disabled={measuring || starting} />}
            {error !== null && (
              <p className="error-text" role="alert">
                {error}
              </p>
            )}
            {loading && <p className="muted">Reading the last measurement of this design…</p>}
            {report !== null ? (
              <MeasureReportView report={report} title={runningJob !== null && runOfThisFile ? 'The last measurement, until this run ends' : 'The last measurement'} />
            ) : (
              !loading &&
              runningJob === null && (
                <div className="deploy-empty">
                  <h3>How fast is each link of your network?</h3>
                  <p>
                    “Measure my network” runs iperf3 and ping over the VPN between the links picked above: the first machine sends to a one-off iperf3 server on the second, bound to its
                    VPN address, in both directions at once, then pings it. Each figure is shown next to the benchmark’s for the same VPN at the impairment profile closest to your link,
                    with the leaderboard’s units and caveats, and the advisor in Choose VPN reads its figures from what you measured.
                  </p>
                  <p>The configuration the app writes installs iperf3 and opens its port (TCP 5201) on the VPN’s interface only; deploy before measuring.</p>
                </div>
              )
            )}
            {fileName !== null && <MeasureHistoryList fileName={fileName} />}
          </>
        )}
      </div>
    </div>
  );
}
