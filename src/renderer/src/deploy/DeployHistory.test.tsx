// @vitest-environment happy-dom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { DeployHistoryEntry } from '../../../shared/deploy/report';
import type { ApiTransport } from '../../../shared/ipc/api';
import { ok } from '../../../shared/result';
import { appContext, setBackend } from '../app/appContext';
import { useDesignStore } from '../stores/designStore';
import { useJobsStore } from '../stores/jobsStore';
import { DeployArea } from './DeployArea';
import { useDeployStore } from './deployStore';
import { recordedDeploy } from './testDeploy';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// The Deploy area's History tab (and its tabs), against a back end double that answers deploy:history and
// deploy:historyEntry with a recorded deploy.

const fileName = 'family.clan-design.json';
let container: HTMLDivElement;
let root: Root;
let invoked: { channel: string; request: unknown }[];
let before: ApiTransport | null;

const byTestId = (id: string) => container.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const text = (el: Element | null | undefined) => el?.textContent ?? '';
const settle = () => act(async () => await new Promise((r) => setTimeout(r, 0)));

function history(): DeployHistoryEntry[] {
  const { report } = recordedDeploy('0000000000000abc');
  const base = { way: 'onMachine' as const, flakeFiles: {} };
  return [
    { ...base, runId: '2026-12-07t10-01-00-000z-abc123', startedAt: report.startedAt, finishedAt: report.finishedAt, outcome: 'finished', counts: { deployed: 1, failed: 1, rolledBack: 1, skipped: 1, cancelled: 0, unknown: 0 } },
    { ...base, runId: '2026-12-06t09-00-00-000z-def456', startedAt: Date.UTC(2026, 11, 6, 9), finishedAt: Date.UTC(2026, 11, 6, 9, 0, 40), outcome: 'cancelled', counts: { deployed: 0, failed: 0, rolledBack: 0, skipped: 0, cancelled: 4, unknown: 0 } },
  ];
}

beforeEach(() => {
  const { plan, report, ids } = recordedDeploy('0000000000000abc');
  invoked = [];
  before = appContext.backend;
  setBackend(
    {
      subscribe: () => () => undefined,
      invoke: (async (channel: string, request: unknown) => {
        invoked.push({ channel, request });
        if (channel === 'deploy:history') return ok({ entries: history(), running: null });
        if (channel === 'deploy:historyEntry') return ok({ plan, report, logs: { deploy: 'Making the vars on bastion…\nDone: 1 deployed.\n', tablet: 'building tablet: line 1\nerror: builder failed\n' } });
        if (channel === 'generate:readLast') return ok({ folder: null, files: null });
        return ok({});
      }) as ApiTransport['invoke'],
    },
    'serve',
  );
  useDesignStore.getState().reset(ids.design, { name: fileName, revision: 'r' });
  useJobsStore.setState({ jobs: {}, running: {}, prompts: [] });
  useDeployStore.setState({ tab: 'history', view: 'plan', run: null, historyFor: null, history: null, historyError: null, openEntry: null, plan: null, planFor: null });
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
  appContext.backend = before;
});

describe('the History tab', () => {
  test('lists the deploys newest first with when, how each ended and its counts', async () => {
    act(() => root.render(<DeployArea />));
    await settle();
    expect(invoked.filter((c) => c.channel === 'deploy:history')).toEqual([{ channel: 'deploy:history', request: { name: fileName } }]);
    expect(text(byTestId('history-summary'))).toBe('2 deploys, newest first');
    const items = [...container.querySelectorAll('.history-item')];
    expect(items.map((i) => text(i.querySelector('.history-outcome')))).toEqual(['The deploy finished', 'The deploy was cancelled']);
    expect(items.map((i) => text(i.querySelector('.history-counts')))).toEqual(['1 deployed, 1 failed, 1 rolled back, 1 skipped', '4 cancelled']);
    expect(text(items[1]!.querySelector('.history-meta'))).toBe('took 40 s · On each machine over SSH (no Nix needed here)');
  });

  test('opening a deploy shows its summary, each machine’s log and its plan; back returns to the list', async () => {
    act(() => root.render(<DeployArea />));
    await settle();
    await act(async () => container.querySelector<HTMLButtonElement>('.history-open')!.click());
    await settle();
    expect(invoked.at(-1)).toEqual({ channel: 'deploy:historyEntry', request: { name: fileName, runId: '2026-12-07t10-01-00-000z-abc123' } });
    const entry = byTestId('history-entry')!;
    expect(text(entry.querySelector('[data-testid="deploy-summary-title"]'))).toBe('The deploy finished: 1 deployed, 1 failed, 1 rolled back, 1 skipped');
    // The run's own log first, then each machine's.
    expect([...entry.querySelectorAll('.history-log-tabs button')].map((b) => text(b))).toEqual(['The whole run', 'tablet']);
    expect(text(byTestId('history-log-deploy'))).toContain('Done: 1 deployed.');
    act(() => byTestId('history-log-button-tablet')!.click());
    expect(byTestId('history-log-button-tablet')!.getAttribute('aria-pressed')).toBe('true');
    expect(text(byTestId('history-log-tablet'))).toContain('error: builder failed');
    expect(text(entry.querySelector('.run-plan summary'))).toBe('The plan this deploy followed');
    act(() => byTestId('history-back')!.click());
    expect(byTestId('deploy-history')).not.toBeNull();
  });

  test('the tabs follow the arrow keys, and a running deploy shows its progress in the Deploy tab’s name', async () => {
    act(() => root.render(<DeployArea />));
    await settle();
    const tablist = container.querySelector<HTMLElement>('[role="tablist"]')!;
    act(() => tablist.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true })));
    expect(useDeployStore.getState().tab).toBe('measure');
    act(() => tablist.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true })));
    expect(useDeployStore.getState().tab).toBe('verify');
    act(() => tablist.dispatchEvent(new KeyboardEvent('keydown', { key: 'ArrowLeft', bubbles: true })));
    expect(useDeployStore.getState().tab).toBe('deploy');
    expect(byTestId('deploy-tab-deploy')!.getAttribute('aria-selected')).toBe('true');
    expect(byTestId('deploy-tab-deploy')!.getAttribute('tabindex')).toBe('0');
    act(() => tablist.dispatchEvent(new KeyboardEvent('keydown', { key: 'Home', bubbles: true })));
    expect(useDeployStore.getState().tab).toBe('configuration');
    const { events } = recordedDeploy('00000000000000ff', { until: 'running' });
    act(() => events.forEach((e) => useJobsStore.getState().applyEvent(e)));
    expect(text(byTestId('deploy-tab-deploy'))).toBe('Deploy (deploying 1/4)');
    act(() => byTestId('deploy-tab-deploy')!.click());
    expect(byTestId('deploy-run')).not.toBeNull();
    expect(text(byTestId('deploy-status'))).toBe('A deploy of this design is running.');
  });
});
