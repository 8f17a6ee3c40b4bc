// @vitest-environment happy-dom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { DeployProgress } from '../../../shared/ipc/contract';
import { ok } from '../../../shared/result';
import { appContext, setBackend } from '../app/appContext';
import { useJobsStore } from '../stores/jobsStore';
import { DeployRunView } from './DeployRunView';
import { useDeployStore } from './deployStore';
import { recordedDeploy } from './testDeploy';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

let container: HTMLDivElement;
let root: Root;
let counter = 0;
/** A fresh job id per test: the jobs store remembers ended jobs for the life of the window. */
const newJobId = () => (counter += 1).toString(16).padStart(16, 'd');

const byTestId = (id: string) => container.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const text = (el: Element | null | undefined) => el?.textContent ?? '';
const feed = (events: readonly DeployProgress[]) => act(() => events.forEach((e) => useJobsStore.getState().applyEvent(e)));

beforeEach(() => {
  useJobsStore.setState({ jobs: {}, running: {}, prompts: [] });
  useDeployStore.setState({ run: null, view: 'plan' });
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

describe('DeployRunView while a deploy runs', () => {
  test('shows the whole run’s progress, each machine’s live status line, step progress and what it waits for', () => {
    const jobId = newJobId();
    feed(recordedDeploy(jobId, { until: 'running' }).events);
    act(() => root.render(<DeployRunView />));
    expect(text(byTestId('deploy-run-status'))).toBe('1 of 4 machines done, 1 deploying now.');
    // pc done (1), tablet on step 4 of 8 (3/8 done): (1 + 0.375) / 4.
    expect(byTestId('deploy-run-progress')!.getAttribute('value')).toBe('0.344');
    expect(byTestId('run-pc')!.getAttribute('data-status')).toBe('skipped');
    expect(text(byTestId('run-line-pc'))).toContain('Not deployed: it does not run NixOS yet');
    expect(byTestId('run-tablet')!.getAttribute('data-status')).toBe('running');
    expect(text(byTestId('run-line-tablet'))).toBe('Build the system on the machine');
    expect(text(byTestId('run-step-tablet'))).toBe('Step 4 of 8');
    expect(byTestId('run-tablet')!.querySelector('progress')!.getAttribute('aria-valuetext')).toBe('Step 4 of 8: Build the system on the machine');
    expect(text(byTestId('run-tablet')!.querySelector('.run-last-line'))).toBe('building tablet: line 3');
    expect(text(byTestId('run-line-bastion'))).toBe('Waiting for its turn in the deploy order.');
    expect(text(byTestId('run-line-nas'))).toBe("Waiting for its turn; it needs bastion (the VPN's controller).");
    // Wave by wave, as the plan says.
    expect([...container.querySelectorAll('.run-group h4')].map((h) => text(h))).toEqual(['First, over the VPN', 'Wave 1: Behind a jump host', 'Wave 2: Jump hosts', 'Wave 3: VPN machines on your network']);
    expect(text(byTestId('run-vars'))).toBe('Vars made on bastion: Made the vars of 4 machines.');
    expect(byTestId('deploy-summary')).toBeNull();
  });

  test('a machine’s log opens from its row and grows with new lines', () => {
    const jobId = newJobId();
    const { events, ids } = recordedDeploy(jobId, { until: 'running' });
    feed(events);
    act(() => root.render(<DeployRunView />));
    const toggle = byTestId('run-log-toggle-tablet')!;
    expect(text(toggle)).toBe('Log (3 lines)');
    act(() => toggle.click());
    expect(toggle.getAttribute('aria-expanded')).toBe('true');
    expect([...byTestId('run-log-tablet')!.querySelectorAll('.log-line')].map((l) => text(l))).toEqual(['building tablet: line 1', 'building tablet: line 2', 'building tablet: line 3']);
    feed([{ jobId, kind: 'deploy', seq: events.length, type: 'log', machineId: ids.tablet, stream: 'stderr', text: 'warning: something' }]);
    const last = byTestId('run-log-tablet')!.querySelector('.log-line:last-child')!;
    expect(text(last)).toBe('warning: something');
    expect(last.className).toContain('log-stderr');
  });

  test('thousands of lines stay capped, and the log stops following when the person scrolls up to read', () => {
    const jobId = newJobId();
    const { events, ids } = recordedDeploy(jobId, { until: 'running', logLines: 1500 });
    feed(events);
    act(() => root.render(<DeployRunView />));
    act(() => byTestId('run-log-toggle-tablet')!.click());
    const log = byTestId('run-log-tablet')!;
    expect(log.querySelectorAll('.log-line')).toHaveLength(1000);
    expect(text(log.querySelector('.log-line'))).toBe('building tablet: line 501');
    expect(text(log.parentElement)).toContain('Only the last 1000 lines are shown here');
    // happy-dom does no layout: give the log a size, as a browser would.
    let scrollTop = 0;
    Object.defineProperty(log, 'scrollHeight', { configurable: true, get: () => 20_000 });
    Object.defineProperty(log, 'clientHeight', { configurable: true, get: () => 280 });
    Object.defineProperty(log, 'scrollTop', { configurable: true, get: () => scrollTop, set: (v: number) => void (scrollTop = v) });
    feed([{ jobId, kind: 'deploy', seq: events.length, type: 'log', machineId: ids.tablet, stream: 'stdout', text: 'one more' }]);
    expect(scrollTop).toBe(20_000);
    // Scrolled up: new lines leave the view where it is, and a button leads back to the end.
    act(() => {
      scrollTop = 5_000;
      log.dispatchEvent(new Event('scroll'));
    });
    feed([{ jobId, kind: 'deploy', seq: events.length + 1, type: 'log', machineId: ids.tablet, stream: 'stdout', text: 'and another' }]);
    expect(scrollTop).toBe(5_000);
    const follow = container.querySelector<HTMLButtonElement>('.deploy-log-follow')!;
    expect(text(follow)).toBe('Follow the log');
    act(() => follow.click());
    expect(scrollTop).toBe(20_000);
    expect(container.querySelector('.deploy-log-follow')).toBeNull();
  });

  test('Cancel runs the cancel command for the running deploy', async () => {
    const jobId = newJobId();
    feed(recordedDeploy(jobId, { until: 'running' }).events);
    const invoked: { channel: string; request: unknown }[] = [];
    const backend: ApiTransport = {
      subscribe: () => () => undefined,
      invoke: (async (channel: string, request: unknown) => {
        invoked.push({ channel, request });
        return ok({ cancelled: true });
      }) as ApiTransport['invoke'],
    };
    const before = appContext.backend;
    setBackend(backend, 'serve');
    try {
      act(() => root.render(<DeployRunView />));
      await act(async () => byTestId('deploy-cancel')!.click());
      expect(invoked).toEqual([{ channel: 'job:cancel', request: { jobId } }]);
    } finally {
      appContext.backend = before;
    }
  });

  test('a window that opens during the deploy catches up on it from the jobs store', () => {
    const jobId = newJobId();
    const { events } = recordedDeploy(jobId, { until: 'running' });
    // What job:list gives a late window: the events so far.
    act(() => useJobsStore.getState().catchUp([{ jobId, kind: 'deploy', events, prompts: [] }]));
    act(() => root.render(<DeployRunView />));
    expect(text(byTestId('deploy-run-status'))).toBe('1 of 4 machines done, 1 deploying now.');
    expect(text(byTestId('run-step-tablet'))).toBe('Step 4 of 8');
    expect(useDeployStore.getState().run?.plan?.varsHelper?.name).toBe('bastion');
  });
});

describe('DeployRunView at the end', () => {
  test('the summary lists every machine, problems first, each with what happened and what to do, and the next steps', () => {
    const jobId = newJobId();
    feed(recordedDeploy(jobId).events);
    act(() => root.render(<DeployRunView />));
    expect(byTestId('deploy-cancel')).toBeNull();
    expect(byTestId('deploy-run-progress')!.getAttribute('value')).toBe('1');
    expect(text(byTestId('deploy-summary-title'))).toBe('The deploy finished: 1 deployed, 1 failed, 1 rolled back, 1 skipped');
    const items = [...byTestId('deploy-summary')!.querySelectorAll<HTMLElement>('.summary-machine')];
    expect(items.map((i) => [i.dataset.testid, i.dataset.status])).toEqual([
      ['summary-tablet', 'failed'],
      ['summary-nas', 'rolledBack'],
      ['summary-pc', 'skipped'],
      ['summary-bastion', 'deployed'],
    ]);
    expect(text(items[1]!.querySelector('.summary-message'))).toContain('its watchdog switched it back to the previous system');
    expect(text(items[1]!.querySelector('.summary-what-to-do'))).toBe('What to do: The new configuration probably cut off the way in (the VPN, the firewall or SSH). Look at what it changes, then deploy again.');
    expect(items[0]!.querySelector('[role="img"]')!.getAttribute('aria-label')).toBe('Failed');
    expect([...byTestId('summary-next')!.querySelectorAll('li')].map((li) => text(li))).toEqual([
      'Fix the build of tablet (its log says why), then deploy again.',
      'Look at what the new configuration changes on nas before deploying it again.',
    ]);
    // The rows keep their results and logs, and say where each stopped (the summary has the rest).
    expect(byTestId('run-nas')!.getAttribute('data-status')).toBe('rolledBack');
    expect(text(byTestId('run-line-tablet'))).toBe('Failed at “Build the system on the machine”');
    expect(text(byTestId('run-line-bastion'))).toBe('Deployed');
    expect(byTestId('run-vars')).toBeNull();
    expect(text(byTestId('run-log-toggle-tablet'))).toBe('Log (4 lines)');
  });

  test('a deploy the app broke off says so, and machines without a result are not left out', () => {
    const jobId = newJobId();
    const { events } = recordedDeploy(jobId, { until: 'running' });
    feed(events);
    const report = { kind: 'clan-designer-deploy', version: 1, runId: 'r-1', startedAt: 1, finishedAt: 2, outcome: 'failed', way: 'onMachine', vars: { status: 'made', helper: 'bastion', message: '' }, machines: [], nextSteps: [] } as const;
    feed([{ jobId, kind: 'deploy', seq: events.length, type: 'done', outcome: 'failed', report: { ...report, machines: [], nextSteps: [] }, saved: true }]);
    act(() => root.render(<DeployRunView />));
    expect(text(byTestId('deploy-summary-title'))).toBe('The deploy stopped on an error in the app: 1 skipped');
    expect(text(byTestId('deploy-summary'))).toContain('the cause is in the app’s log');
    // pc's result came before the error; the others have none.
    expect(byTestId('deploy-summary')!.querySelector('[data-testid="summary-pc"]')!.getAttribute('data-status')).toBe('skipped');
    expect(text(byTestId('deploy-summary')!.querySelector('[data-testid="summary-tablet"]'))).toContain('No result: the deploy stopped before it reported on this machine.');
    expect(text(byTestId('run-line-tablet'))).toBe('No result: the deploy ended before it reported on this machine.');
  });
});
