import { memo, useId, useMemo, useState } from 'react';
import { ExplainButton } from '../assistant/ExplainButton';
import { directionLabels } from '../../../shared/bench/leaderboard';
import { measureChangesText } from '../../../shared/measure/changes';
import { iperfSecondsRange, pingCountRange, pingIntervalRange } from '../../../shared/measure/commands';
import { formatYourFactor, type ComparisonRow } from '../../../shared/measure/compare';
import { MAX_MEASURE_PAIRS, getMeasureFitness, planDefaultPairs } from '../../../shared/measure/pairs';
import { describeMeasureRun, type MeasuredPair, type MeasureHistoryEntry, type MeasureReport } from '../../../shared/measure/report';
import type { Design, MachineId } from '../../../shared/model/types';
import { byNameThenId, plural } from '../../../shared/text';
import { useDesign } from '../stores/designStore';
import { useJobsStore } from '../stores/jobsStore';
import { BenchCellContent, benchCellClass, benchCellStyle, benchCellTitle } from '../vpn/BenchCell';
import { useIsDeploying } from './deployStore';
import { JobRunPanel, type JobRunTab, type RunTone } from './JobRunPanel';
import { pairIdOf, useMeasureStore, type PickedPair } from './measureStore';
import { RunChanges } from './RunChanges';
import { RunItem, type RunItemResult } from './RunItem';
import { RunProgress } from './RunProgress';
import { RunReportHead } from './RunReportHead';
import './measure.css';

// The Measure tab of the Deploy area ("Measure my network", issue 15). A tab of its own beside Verify rather than a
// section inside it: verify answers "does every machine reach every other" with an N × N matrix, measuring answers
// "how fast is each link" with a few pairs, each a table next to the benchmark; both have their own live progress
// and history, and one tab holding both would scroll the matrix away from the figures.

const sameMachines = (a: PickedPair, b: PickedPair) => a.from === b.from && a.to === b.to;

// ---------------------------------------------------------------- picking the pairs

/** One end of a link to add: the machines that can be measured, by name. */
function MachineSelect({ label, machines, value, disabled, onChange, testId }: { label: string; machines: readonly { id: string; name: string }[]; value: string; disabled: boolean; onChange: (id: string) => void; testId: string }) {
  return (
    <label>
      {label}{' '}
      <select value={value} disabled={disabled} onChange={(e) => onChange(e.currentTarget.value)} data-testid={testId}>
        <option value="">machine…</option>
        {machines.map((m) => (
          <option key={m.id} value={m.id}>
            {m.name}
          </option>
        ))}
      </select>
    </label>
  );
}

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
        <MachineSelect label="From" machines={fit} value={from} disabled={disabled} onChange={setFrom} testId="measure-add-from" />
        <MachineSelect label="to" machines={fit} value={to} disabled={disabled} onChange={setTo} testId="measure-add-to" />
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

/** What a pair's result shows in the running measurement: not measured, measured in part, or measured. */
function resultLook(result: MeasuredPair): RunItemResult {
  const [look, symbol, stateText] = result.link === null ? ['problem', '✕', 'Not measured'] : result.problems.length > 0 ? ['partly', '◐', 'Measured in part'] : ['ok', '✓', 'Measured'];
  return { look, symbol, stateText, line: result.message };
}

const runWords = { running: 'Measuring', done: 'Measured', waiting: 'Waiting for its turn: links are measured one after the other.' };

/** One pair of a running measurement: its step, or its result once done, and its last log line. */
const RunPair = memo(function RunPair({ jobId, pairId }: { jobId: string; pairId: string }) {
  // One subscription per pair: a log line of another pair leaves this row alone.
  const view = useJobsStore((s) => s.jobs[jobId]?.machines[pairId]);
  const result = useMeasureStore((s) => s.run?.results[pairId]);
  const name = view?.name ?? (result === undefined ? pairId : `${result.fromName} → ${result.toName}`);
  return <RunItem kind="measure" view={view} name={name} label={<span className="measure-pair-name">{name}</span>} result={result === undefined ? undefined : resultLook(result)} words={runWords} />;
});

const progressLabel = (done: number, total: number) => `${done} of ${total} ${plural(total, 'link', 'links')} measured, one after the other so that they do not slow each other down.`;

/** The running measurement: how far it is, and each pair live. */
function MeasureRunProgress({ jobId }: { jobId: string }) {
  return <RunProgress kind="measure" jobId={jobId} heading="Measuring the network" label={progressLabel} barLabel="Links measured" row={(id) => <RunPair jobId={jobId} pairId={id} />} />;
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
      {(pair.link === null || pair.problems.length > 0 || comparison?.rows.some((row) => row.verdict === 'worse') === true) && (
        <ExplainButton
          item={{
            kind: 'measure',
            title: `${pair.fromName} → ${pair.toName}: ${pair.link === null ? 'not measured' : 'below the benchmark'}`,
            text: [comparison === null ? pair.message : comparison.summary, ...(comparison?.rows.filter((row) => row.verdict === 'worse').map((row) => row.sentence) ?? []), ...pair.problems].join(' '),
          }}
          question={`Why is my link from "${pair.fromName}" to "${pair.toName}" ${pair.link === null ? 'not measured' : 'worse than the benchmark'}, and what can I do?`}
        />
      )}
    </section>
  );
}

/** One measurement: how it ended, its summary, and each pair. */
function MeasureReportView({ report, title }: { report: MeasureReport; title: string }) {
  const headingId = useId();
  return (
    <section className="measure-report" aria-labelledby={headingId} data-testid="measure-report">
      <RunReportHead
        kind="measure"
        headingId={headingId}
        title={title}
        report={report}
        details={`${report.seconds} s of iperf3 both ways on TCP port ${report.port} · ${report.pings.count} pings`}
        ended="; links it did not get to have no figures."
      />
      <p className="verify-summary" data-testid="measure-summary">
        {describeMeasureRun(report.pairs, report.outcome)}
      </p>
      {report.previous != null && <RunChanges changes={measureChangesText(report.previous.changes)} before={report.previous} testId="measure-changes" />}
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

// ---------------------------------------------------------------- the tab

/** How a past measurement went: every link measured, some, none, or it ended early. */
function historyTone(entry: MeasureHistoryEntry): RunTone {
  const { pairs, measured } = entry.counts;
  return entry.outcome !== 'finished' ? 'ended' : measured === 0 ? 'notReached' : measured < pairs ? 'partly' : 'reached';
}

const measureTab: JobRunTab<MeasureReport, MeasuredPair, MeasureHistoryEntry> = {
  kind: 'measure',
  store: useMeasureStore,
  title: 'Measure my network',
  start: { command: 'measureNetwork', label: 'Measure my network' },
  cancel: 'cancelMeasure',
  noun: 'measurement',
  done: 'measured',
  status: { running: 'Measuring the links of this design over the VPN, one after the other.', never: 'Never measured.' },
  lastWhileRunning: 'The last measurement, until this run ends',
  history: { heading: 'Past measurements', tone: historyTone, outcome: (entry) => `${entry.counts.measured} of ${entry.counts.pairs} ${plural(entry.counts.pairs, 'link', 'links')} measured` },
  entry: { back: '← Last measurement and past runs', heading: 'A past measurement', logSummary: 'Log of this run (every command, and what it printed)', logLabel: 'Log of this measurement' },
};

const showResult = (report: MeasureReport, title: string) => <MeasureReportView report={report} title={title} />;

/**
 * The Measure tab: pick the links (each site's best machine to the admin's, preselected), "Measure my network", each
 * link live while it runs, then per link your figures next to the benchmark's for the same VPN at the closest
 * impairment profile, what changed since the run before, and the past measurements.
 */
export function MeasurePanel() {
  const design = useDesign((s) => s.design);
  const fileName = useDesign((s) => s.file.name);
  const deploying = useIsDeploying();
  const otherJob = useJobsStore((s) => (s.running.install !== undefined ? 'install' : s.running.verify !== undefined ? 'verify' : null));
  const blocked =
    design.vpn.id === null
      ? 'This design has no VPN yet, so there is no network to measure. Choose one, deploy it, then measure.'
      : deploying
        ? 'A deploy is running; measure when it has ended.'
        : otherJob === 'install'
          ? 'NixOS is being installed on a machine; measure when it has ended.'
          : otherJob === 'verify'
            ? 'A verify is running; its pings would disturb the figures. Measure when it has ended.'
            : null;
  return (
    <JobRunPanel
      tab={measureTab}
      blocked={blocked}
      progress={(jobId) => <MeasureRunProgress jobId={jobId} />}
      before={(busy) => fileName !== null && design.vpn.id !== null && <PairPicker design={design} fileName={fileName} disabled={busy} />}
      result={showResult}
      empty={
        <div className="deploy-empty">
          <h3>How fast is each link of your network?</h3>
          <p>
            “Measure my network” runs iperf3 and ping over the VPN between the links picked above: the first machine sends to a one-off iperf3 server on the second, bound to its VPN
            address, in both directions at once, then pings it. Each figure is shown next to the benchmark’s for the same VPN at the impairment profile closest to your link, with the
            leaderboard’s units and caveats, and the advisor in Choose VPN reads its figures from what you measured.
          </p>
          <p>The configuration the app writes installs iperf3 and opens its port (TCP 5201) on the VPN’s interface only; deploy before measuring.</p>
        </div>
      }
    />
  );
}
