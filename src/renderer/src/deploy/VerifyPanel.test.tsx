// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { VerifyHistoryEntry, VerifyReport } from '../../../shared/verify/schema';
import { useAssistantStore } from '../assistant/assistantStore';
import { useDesignStore } from '../stores/designStore';
import { useJobsStore } from '../stores/jobsStore';
import { useSelectionStore } from '../stores/selectionStore';
import { useUiStore } from '../stores/uiStore';
import { emptyJobRun } from './jobRunStore';
import { DeployTabHarness, settle, testFileName as fileName, text } from './testDeployTab';
import { recordedVerify, sampleVerifyReport } from './testVerify';
import { useVerifyStore } from './verifyStore';

// The Deploy area's Verify tab, against a back end double that answers verify:last with a real matrix (buildMatrix)
// in which grandma's tablet could not be logged in to over SSH and the nas got no reply from the office pc.

let lastReport: VerifyReport | null;

function history(report: VerifyReport): VerifyHistoryEntry[] {
  const { counts } = report.matrix!;
  return [
    { runId: report.runId, startedAt: report.startedAt, finishedAt: report.finishedAt, outcome: 'finished', summary: report.matrix!.summary, counts },
    { runId: '2026-12-06t09-00-00-000z-old222', startedAt: Date.UTC(2026, 11, 6, 9), finishedAt: Date.UTC(2026, 11, 6, 9, 1), outcome: 'finished', summary: '12 of 12 pairs reached; no pair relayed.', counts: { pairs: 12, reached: 12, partly: 0, notReached: 0, sshUntested: 0 } },
  ];
}

const tab = new DeployTabHarness({
  tab: 'verify',
  answer: (channel) => (channel === 'verify:last' ? { report: lastReport } : channel === 'verify:history' ? { entries: lastReport === null ? [] : history(lastReport), running: null } : undefined),
  reset: (design) => {
    useDesignStore.getState().reset(design, { name: fileName, revision: 'r' });
    useJobsStore.setState({ jobs: {}, running: {}, prompts: [] });
    useVerifyStore.setState({ ...emptyJobRun });
  },
});
const byTestId = (id: string) => tab.byTestId(id);
const cell = (from: string, to: string) => byTestId(`verify-cell-${from}-${to}`)!;
/** The matrix's own sentence for a pair: the UI shows it as the matrix says it. */
const reasonOf = (report: VerifyReport, from: string, to: string) => report.matrix!.cells.find((c) => c.fromName === from && c.toName === to)!.reason;

beforeEach(() => {
  const { report, ids } = sampleVerifyReport();
  lastReport = report;
  tab.setUp(ids.design);
});

afterEach(() => tab.tearDown());

describe('the Verify tab', () => {
  test('reads the last verify of the design on screen and shows the matrix: a red pair, the SSH-unreachable machine in grey, the rest green', async () => {
    const { ids, report } = sampleVerifyReport();
    tab.render();
    await settle();
    expect(tab.requests('verify:last')).toEqual([{ name: fileName }]);
    expect(text(byTestId('verify-summary'))).toBe(report.matrix!.summary);
    expect(report.matrix!.counts).toMatchObject({ pairs: 12, reached: 5, notReached: 7, sshUntested: 6 });
    expect(byTestId('verify-sampled')).toBeNull();

    // Rows ping, columns answer, by machine name.
    const grid = tab.container.querySelector('table[role="grid"]')!;
    expect([...grid.querySelectorAll('thead th.verify-col-head')].map(text)).toEqual(['bastion', 'nas', 'pc', 'tablet']);
    expect([...grid.querySelectorAll('tbody th')].map(text)).toEqual(['bastion', 'nas', 'pc', 'tablet']);

    // The one overlay failure is red, with why and the path as predicted and as observed.
    const red = cell('nas', 'pc');
    expect(red.getAttribute('data-status')).toBe('notReached');
    expect(red.className).toContain('verify-notReached');
    expect(red.textContent).toBe('✕');
    expect(red.getAttribute('aria-label')).toBe(`"nas" to "pc": not reached. ${reasonOf(report, 'nas', 'pc')} Path predicted: direct; observed: relayed, which differs from the prediction.`);
    expect(red.getAttribute('title')).toBe(red.getAttribute('aria-label'));
    // The way back works.
    expect(cell('pc', 'nas').getAttribute('data-status')).toBe('reached');
    expect(cell('pc', 'nas').className).toContain('verify-reached');
    expect(cell('pc', 'nas').getAttribute('aria-label')).toContain(reasonOf(report, 'pc', 'nas'));

    // Every pair of the tablet is grey (not tested), and says it is about SSH, not the VPN.
    for (const other of ['bastion', 'nas', 'pc']) {
      for (const [from, to] of [['tablet', other], [other, 'tablet']] as const) {
        expect([from, to, cell(from, to).getAttribute('data-status')]).toEqual([from, to, 'untested']);
        // The matrix's cause for all of them is the SSH login, and its sentence says so.
        expect(report.matrix!.cells.find((c) => c.fromName === from && c.toName === to)!.cause).toBe('sshUnreachable');
        expect(cell(from, to).getAttribute('aria-label')!.startsWith(`"${from}" to "${to}": not tested. ${reasonOf(report, from, to)} Path predicted: `)).toBe(true);
        expect(reasonOf(report, from, to)).toContain('SSH');
      }
    }
    expect(cell('nas', 'nas').getAttribute('data-status')).toBe('self');

    // Green, amber, red and grey are explained, each with its symbol.
    expect([...byTestId('verify-legend')!.querySelectorAll('li')].map(text)).toEqual(['✓reached: every ping answered', '◐partly: some pings lost', '✕not reached', '–not tested: the app could not log in over SSH']);

    // Names only: no internal id anywhere a person or a screen reader meets it.
    const labels = [...tab.container.querySelectorAll('[aria-label], [title]')].map((el) => `${el.getAttribute('aria-label') ?? ''} ${el.getAttribute('title') ?? ''}`).join('\n');
    for (const id of [ids.nas, ids.bastion, ids.tablet, ids.pc]) expect(labels.includes(id)).toBe(false);
    expect(text(tab.container).includes('mach_')).toBe(false);
  });

  test('says which pairs changed since the run before, and nothing when there was none', async () => {
    tab.render();
    await settle();
    expect(byTestId('verify-changes')).toBeNull();
    tab.unmount();
    useVerifyStore.setState({ forFile: null, report: null });
    const previous = { runId: '2026-12-06t09-00-00-000z-old222', startedAt: Date.UTC(2026, 11, 6, 9), changes: [{ from: 'a', to: 'b', fromName: 'nas', toName: 'pc', before: 'reached' as const, after: 'notReached' as const }] };
    lastReport = { ...lastReport!, previous };
    tab.render();
    await settle();
    expect(text(byTestId('verify-changes'))).toBe('Since the run before: nas → pc no longer reached.');
  });

  test('lists the failing pair with its reason, the SSH problem apart from the VPN lines, and names show the machine on the canvas', async () => {
    const { ids, report } = sampleVerifyReport();
    tab.render();
    await settle();
    const failing = byTestId('verify-failing')!;
    expect(text(failing.querySelector('h4'))).toBe('1 pair needs attention');
    const pair = byTestId('verify-pair-nas-pc')!;
    expect(text(pair.querySelector('.verify-pair-reason'))).toBe(reasonOf(report, 'nas', 'pc'));
    expect(pair.querySelector('[role="img"]')!.getAttribute('aria-label')).toBe('not reached');

    const ssh = byTestId('verify-ssh-problems')!;
    expect([...ssh.querySelectorAll('li')].map((li) => li.getAttribute('data-testid'))).toEqual(['verify-ssh-tablet']);
    expect(text(byTestId('verify-ssh-tablet'))).toContain('tablet.lan');
    const overlay = byTestId('verify-overlay-lines')!;
    expect([...overlay.querySelectorAll(':scope > ul > li')].map((li) => li.getAttribute('data-testid'))).toEqual(['verify-overlay-bastion', 'verify-overlay-nas', 'verify-overlay-pc']);
    // The address once: the sentence names it.
    expect(text(byTestId('verify-overlay-nas'))).toBe('nas: ZeroTier runs on "nas" with the address 10.147.17.11.');

    act(() => [...pair.querySelectorAll<HTMLButtonElement>('button.verify-name')].find((b) => text(b) === 'pc')!.click());
    expect(useSelectionStore.getState().focusRequest?.ids).toEqual([ids.pc]);
    expect(useUiStore.getState().activeArea).toBe('design');

    // "Explain with the assistant" attaches the pair and its reason to the question, and sends nothing yet.
    act(() => pair.querySelector<HTMLButtonElement>('[data-testid="explain-with-assistant"]')!.click());
    await settle();
    const draft = useAssistantStore.getState().draft;
    expect(draft.attachments).toEqual([{ kind: 'verify', title: 'nas → pc: not reached', text: expect.stringContaining(reasonOf(report, 'nas', 'pc')) as string }]);
    expect(draft.text).toBe('Why does "nas" not reach "pc" over the VPN, and what should I do?');
    expect(useAssistantStore.getState().answer).toBeNull();
  });

  test('the grid is one tab stop; arrow keys move between cells and the picked cell is explained below', async () => {
    tab.render();
    await settle();
    const grid = tab.container.querySelector<HTMLTableElement>('table[role="grid"]')!;
    // The tab stop starts on the first pair that needs attention.
    const stops = [...grid.querySelectorAll('button[tabindex="0"]')];
    expect(stops).toEqual([cell('bastion', 'tablet')]);
    act(() => cell('bastion', 'tablet').focus());
    act(() => grid.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowDown', bubbles: true })));
    act(() => grid.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true })));
    expect(document.activeElement).toBe(cell('nas', 'pc'));
    expect([...grid.querySelectorAll('button[tabindex="0"]')]).toEqual([cell('nas', 'pc')]);
    const detail = byTestId('verify-cell-detail')!;
    expect(text(detail)).toContain('nas → pc: not reached.');
    expect(text(detail)).toContain('Pinged at 10.147.17.14 · 0 of 5 answered');
    expect(text(detail)).toContain('Why that is predicted: "Office" forwards ports from its router');
  });

  test('while a verify runs each machine shows its step and last log line; the result and the past runs follow when it ends', async () => {
    tab.render();
    await settle();
    expect(text(byTestId('verify-history-summary'))).toBe('2 runs, newest first');
    expect([...tab.container.querySelectorAll('.verify-history-summary')].map(text)).toEqual([lastReport!.matrix!.summary, '12 of 12 pairs reached; no pair relayed.']);

    const { events } = recordedVerify('00000000000000aa');
    const running = events.slice(0, 5);
    act(() => running.forEach((e) => useJobsStore.getState().applyEvent(e)));
    expect(text(byTestId('deploy-tab-verify'))).toBe('Verify (verifying 0/4)');
    expect(text(byTestId('verify-status'))).toBe('Verifying the network of this design: every machine pings the others over the VPN, changing nothing.');
    expect(text(byTestId('verify-run-line-nas'))).toBe('Step 2 of 3: Ping the other machines over the VPN');
    expect(text(byTestId('verify-run-nas')!.querySelector('.verify-last-line'))).toBe('ping 10.147.17.12 | 64 bytes from 10.147.17.12: icmp_seq=1 ttl=64 time=21.5 ms');
    expect(text(byTestId('verify-run-line-tablet'))).toBe('Starting…');
    expect(text(byTestId('verify-run-line-pc'))).toBe('Waiting for its turn.');
    // The last result stays in view meanwhile, said to be the last one.
    expect(text(byTestId('verify-report')!.querySelector('h3'))).toBe('The last result, until this run ends');
    expect(byTestId('verify-cancel')).not.toBeNull();

    const historyReads = tab.requests('verify:history').length;
    act(() => events.slice(5).forEach((e) => useJobsStore.getState().applyEvent(e)));
    await settle();
    expect(byTestId('verify-run')).toBeNull();
    expect(text(byTestId('verify-report')!.querySelector('h3'))).toBe('The last verify');
    expect(cell('nas', 'pc').getAttribute('data-status')).toBe('notReached');
    expect(text(byTestId('deploy-tab-verify'))).toBe('Verify');
    // The history is read again: it has one more run.
    expect(tab.requests('verify:history').length).toBe(historyReads + 1);
  });

  test('a design never verified explains what Verify network does; without a VPN the button is off and says why', async () => {
    lastReport = null;
    tab.render();
    await settle();
    expect(byTestId('verify-report')).toBeNull();
    expect(text(tab.container.querySelector('.deploy-empty h3'))).toBe('Does every machine reach every other?');
    expect(text(byTestId('verify-history-summary'))).toBe('This design was never verified.');
    expect(byTestId('verify-start')!.hasAttribute('disabled')).toBe(false);
    const { ids } = sampleVerifyReport();
    act(() => useDesignStore.getState().reset({ ...ids.design, vpn: { ...ids.design.vpn, id: null, roles: {} } }, { name: fileName, revision: 'r2' }));
    expect(byTestId('verify-start')!.hasAttribute('disabled')).toBe(true);
    expect(text(byTestId('verify-status'))).toBe('This design has no VPN yet, so there is no network to verify. Choose one, deploy it, then verify.');
  });
});
