// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { formatFigure } from '../../../shared/bench/leaderboard';
import { compareMeasureRuns } from '../../../shared/measure/changes';
import type { MeasureHistoryEntry, MeasureReport } from '../../../shared/measure/report';
import type { MachineId } from '../../../shared/model/types';
import { useDesignStore } from '../stores/designStore';
import { useJobsStore } from '../stores/jobsStore';
import { useDeployStore } from './deployStore';
import { emptyJobRun } from './jobRunStore';
import { useMeasureStore } from './measureStore';
import { DeployTabHarness, click, settle, testFileName as fileName, text } from './testDeployTab';
import { recordedMeasure, sampleMeasureReport } from './testMeasure';

// The Deploy area's Measure tab, against a back end double that answers measure:last with a real comparison
// (compareMeasurement with the bundled benchmark) in which grandma's tablet was measured to the nas and the bastion
// could not be logged in to.

let lastReport: MeasureReport | null;

function history(report: MeasureReport): MeasureHistoryEntry[] {
  return [
    { runId: report.runId, startedAt: report.startedAt, finishedAt: report.finishedAt, outcome: 'finished', summary: report.summary, counts: { pairs: 2, measured: 1 } },
    { runId: '2026-12-06t09-00-00-000z-old222', startedAt: Date.UTC(2026, 11, 6, 9), finishedAt: Date.UTC(2026, 11, 6, 9, 1), outcome: 'cancelled', summary: 'No link was measured. The run was cancelled.', counts: { pairs: 2, measured: 0 } },
  ];
}

/** What the back end double answers the Measure tab. */
const answers: Record<string, () => unknown> = {
  'measure:last': () => ({ report: lastReport }),
  'measure:history': () => ({ entries: lastReport === null ? [] : history(lastReport), running: null }),
  'measure:historyEntry': () => ({ report: lastReport, log: '[tablet → nas] $ env LC_ALL=C timeout 30 iperf3 -s -1 -B 10.147.17.11 -p 5201 --forceflush' }),
  'measure:start': () => ({ jobId: 'abcdabcdabcdabcd' }),
  'verify:last': () => ({ report: null }),
};

const tab = new DeployTabHarness({
  tab: 'measure',
  answer: (channel) => answers[channel]?.(),
  reset: (design) => {
    useDesignStore.getState().reset(design, { name: fileName, revision: 'r' });
    useJobsStore.setState({ jobs: {}, running: {}, prompts: [] });
    useMeasureStore.setState({ ...emptyJobRun, picked: null });
  },
});
const byTestId = (id: string, within?: ParentNode) => tab.byTestId(id, within);

beforeEach(() => {
  const { report, ids } = sampleMeasureReport();
  lastReport = report;
  tab.setUp(ids.design);
});

afterEach(() => tab.tearDown());

describe('the Measure tab', () => {
  test('shows the last measurement: per link your value next to the benchmark cell as the leaderboard shows it, the sentence, the profile, caveats and problems', async () => {
    const { report } = sampleMeasureReport();
    tab.render();
    await settle();
    expect(tab.requests('measure:last')).toEqual([{ name: fileName }]);
    expect(text(byTestId('deploy-tab-measure'))).toBe('Measure');
    expect(text(byTestId('measure-summary'))).toBe(report.summary);

    const measured = byTestId('measure-pair-tablet-nas')!;
    const comparison = report.pairs[1]!.comparison!;
    expect(text(byTestId('measure-sentence', measured))).toBe(comparison.summary);
    expect(text(byTestId('measure-profile', measured))).toBe(comparison.profile.reason);
    expect(comparison.profile.profile).toBe('high');
    expect(text(measured.querySelector('thead'))).toContain('ZeroTier, high profile');

    // TCP there: your 18.4 Mbit/s with its verdict, next to the benchmark's cell: value, pair spread, factor and flags.
    const forward = byTestId('measure-row-tcp-forward', measured)!;
    const row = comparison.rows[0]!;
    expect(text(forward.querySelector('th'))).toBe(`${row.label} ↑`);
    expect(text(forward.querySelector('.measure-yours .value'))).toBe('18.4 Mbit/s');
    expect(text(forward.querySelector('.measure-verdict'))).toMatch(/^(better|about the same|worse)( · .+x)?$/);
    expect(forward.querySelector('.measure-yours')!.getAttribute('title')).toBe(row.sentence);
    const cell = byTestId('measure-benchmark-cell', forward)!;
    expect(cell.className).toContain('value-cell');
    expect(text(cell.querySelector('.value'))).toBe(formatFigure(row.benchmark!.value!, 'Mbit/s'));
    expect(text(cell.querySelector('.factor'))).toBe(row.factorText);
    expect(cell.getAttribute('title')).toContain(`Pairs: ${formatFigure(row.benchmark!.spread!.min, 'Mbit/s')} to ${formatFigure(row.benchmark!.spread!.max, 'Mbit/s')}`);
    // The leaderboard's flag for a cell with a caveat, spelled out on hover.
    for (const flag of row.benchmark!.flags) expect(cell.getAttribute('title')).toContain(`⚑ ${flag.title}: ${flag.explanation}`);
    expect(cell.querySelector('.flag') !== null).toBe(row.benchmark!.flags.length > 0);
    // Round trip: lower is better, and the caveat that real links are farther apart than the benchmark's machines.
    const rtt = byTestId('measure-row-pingRtt-ping', measured)!;
    expect(text(rtt.querySelector('th'))).toContain('↓');
    expect(byTestId('measure-benchmark-cell', rtt)!.getAttribute('title')).toContain("Note: The benchmark's machines were 0.6 ms apart");
    expect([...measured.querySelectorAll('.measure-caveats li')].map(text)).toEqual([...comparison.caveats]);

    // The link that could not be measured says why, apart from the VPN.
    expect(text(byTestId('measure-problems', byTestId('measure-pair-bastion-nas')!))).toContain('The app could not log in to "bastion"');
    // Past runs.
    expect(text(byTestId('measure-history-summary'))).toBe('2 runs, newest first');
  });

  test('says per link what changed since the run before: the figures then and now, and the links only one run measured', async () => {
    tab.render();
    await settle();
    expect(byTestId('measure-changes')).toBeNull();
    tab.unmount();
    useMeasureStore.setState({ ...emptyJobRun, picked: null });

    // The run before measured the tablet faster and with no loss, and also the office pc, not measured this time.
    const { report, ids } = sampleMeasureReport();
    const tabletNas = report.pairs[1]!;
    const earlier = [
      { ...tabletNas, link: { ...tabletNas.link!, forwardMbps: 40, reverseMbps: 9.1, rttAvgMs: 20.1, lossPercent: 0 } },
      { ...tabletNas, pairId: 'pc>nas', from: ids.pc as MachineId, fromName: 'pc', link: { ...tabletNas.link!, forwardMbps: 88, reverseMbps: 91, rttAvgMs: 12, lossPercent: 0 } },
    ];
    lastReport = { ...report, previous: { runId: '2026-12-06t09-00-00-000z-old222', startedAt: Date.UTC(2026, 11, 6, 9), changes: compareMeasureRuns(earlier, report.pairs) } };
    tab.render();
    await settle();
    const changes = byTestId('measure-changes')!;
    expect(text(changes.querySelector('p'))).toBe('Since the run before: tablet → nas slower; pc → nas not measured this time.');
    expect([...changes.querySelectorAll('li')].map(text)).toEqual([
      'tablet → nas: 18.4 Mbit/s, was 40.0 (−54 %); back 9.1 Mbit/s, was 9.1 (±0 %); round trip 23.9 ms, was 20.1 (+19 %); loss 10.0 %, was 0.0 %.',
      'pc → nas: not measured this time; the run before had 88.0 Mbit/s, back 91.0 Mbit/s, round trip 12.0 ms, loss 0.0 %.',
    ]);
    // Right under the run's summary, with when the run before was on hover.
    expect(byTestId('measure-summary')!.nextElementSibling).toBe(changes);
    expect(changes.getAttribute('title')).toMatch(/^The run before: /);
  });

  test('picks the default links, lets one be unticked and another added, and measures exactly those', async () => {
    lastReport = null;
    tab.render();
    await settle();
    const picker = byTestId('measure-pairs')!;
    // The default links: each other site's best machine to the nas in the admin's site, preselected.
    const boxes = [...picker.querySelectorAll<HTMLInputElement>('input[type="checkbox"]')];
    const labels = boxes.map((b) => b.getAttribute('data-testid'));
    expect(labels).toContain('measure-pick-bastion-nas');
    expect(labels).toContain('measure-pick-tablet-nas');
    expect(boxes.every((b) => b.checked)).toBe(true);
    await click(byTestId('measure-pick-bastion-nas'));
    expect((byTestId('measure-pick-bastion-nas') as HTMLInputElement).checked).toBe(false);

    // Add tablet -> bastion by hand.
    const design = useDesignStore.getState().design;
    const id = (name: string) => Object.values(design.machines).find((m) => m.name === name)!.id;
    const select = (testId: string, value: string) =>
      act(() => {
        const el = byTestId(testId) as HTMLSelectElement;
        el.value = value;
        el.dispatchEvent(new Event('change', { bubbles: true }));
      });
    await select('measure-add-from', id('tablet'));
    await select('measure-add-to', id('bastion'));
    await click(byTestId('measure-add'));
    expect((byTestId('measure-pick-tablet-bastion') as HTMLInputElement).checked).toBe(true);

    await click(byTestId('measure-start'));
    await settle();
    const start = tab.requests('measure:start')[0] as { pairs: { from: string; to: string }[] };
    const names = (p: { from: string; to: string }) => `${design.machines[p.from as never]!.name}>${design.machines[p.to as never]!.name}`;
    expect(start.pairs.map(names)).toEqual(expect.arrayContaining(['tablet>nas', 'tablet>bastion']));
    expect(start.pairs.map(names)).not.toContain('bastion>nas');
    expect(useDeployStore.getState().tab).toBe('measure');
  });

  test('a running measurement shows each link live and can be cancelled; its end shows the figures and a notice', async () => {
    lastReport = null;
    tab.render();
    await settle();
    const running = recordedMeasure('abcdabcdabcdabcd', { until: 'running' });
    await act(async () => {
      for (const event of running.events) useJobsStore.getState().applyEvent(event);
    });
    expect(text(byTestId('deploy-tab-measure'))).toBe('Measure (measuring 1/2)');
    expect(text(byTestId('measure-run-line-bastion → nas'))).toContain('could not log in to "bastion"');
    expect(text(byTestId('measure-run-line-tablet → nas'))).toBe('Step 3 of 4: Throughput to nas and back (10 s)');
    expect(text(byTestId('measure-run'))).toContain('The iperf3 server on "nas" listens on 10.147.17.11 port 5201.');
    expect(byTestId('measure-cancel')).not.toBeNull();
    // The links cannot be changed while it runs.
    expect((byTestId('measure-pick-tablet-nas') as HTMLInputElement).disabled).toBe(true);

    const done = recordedMeasure('abcdabcdabcdabcd');
    await act(async () => {
      for (const event of done.events.slice(running.events.length)) useJobsStore.getState().applyEvent(event);
    });
    expect(byTestId('measure-run')).toBeNull();
    expect(text(byTestId('measure-summary'))).toBe(done.report.summary);
    expect(byTestId('measure-pair-tablet-nas')).not.toBeNull();
  });

  test('opens a past measurement with its log, and goes back', async () => {
    tab.render();
    await settle();
    const { report } = sampleMeasureReport();
    await click(byTestId(`measure-history-${report.runId}`)!.querySelector('button'));
    await settle();
    const entry = byTestId('measure-history-entry')!;
    expect(text(entry)).toContain('A past measurement');
    expect(text(entry.querySelector('pre'))).toContain('iperf3 -s -1 -B 10.147.17.11');
    expect(byTestId('measure-pair-tablet-nas', entry)).not.toBeNull();
    await click(byTestId('measure-history-back'));
    expect(byTestId('measure-history-entry')).toBeNull();
  });
});
