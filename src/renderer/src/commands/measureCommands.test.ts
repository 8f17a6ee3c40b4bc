// @vitest-environment happy-dom
import { beforeEach, describe, expect, test } from 'vitest';
import { appError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import { planDefaultPairs } from '../../../shared/measure/pairs';
import { err, ok } from '../../../shared/result';
import { useCheckStore } from '../deploy/checkStore';
import { useDeployStore } from '../deploy/deployStore';
import { emptyJobRun } from '../deploy/jobRunStore';
import { pairIdOf, useMeasureStore } from '../deploy/measureStore';
import { samplePlan } from '../deploy/testDeploy';
import { useJobsStore } from '../stores/jobsStore';
import { commands, executeCommand, getCommand, isEnabled } from './registry';
import { createTestApp } from './testApp';

// Measure my network and Cancel the measurement, run headless against a back end double.

const measureJob = 'cafecafecafecafe';
const fileName = 'family.clan-design.json';

function savedApp(options: { vpn?: boolean; saved?: boolean; answers?: Record<string, (request: never) => unknown> } = {}) {
  const { design } = samplePlan({ vpn: options.vpn });
  const calls: { channel: string; request: Record<string, unknown> }[] = [];
  const answers: Record<string, (request: never) => unknown> = { 'measure:start': () => ok({ jobId: measureJob }), 'job:cancel': () => ok({ cancelled: true }), ...options.answers };
  const backend: ApiTransport = {
    invoke: (async (channel: string, request: never) => {
      calls.push({ channel, request });
      const answer = answers[channel];
      return answer === undefined ? err(appError('unknownChannel', { channel })) : answer(request);
    }) as ApiTransport['invoke'],
    subscribe: () => () => undefined,
  };
  const app = createTestApp(design, { backend, confirm: true });
  if (options.saved !== false) app.ctx.design.getState().reset(design, { name: fileName, revision: 'rev-1' });
  return { app, calls };
}

const enabled = (app: ReturnType<typeof createTestApp>, id: string) => isEnabled(getCommand(id)!, app.ctx);

beforeEach(() => {
  useJobsStore.setState({ jobs: {}, running: {}, prompts: [] });
  useDeployStore.setState({ tab: 'configuration' });
  useMeasureStore.setState({ ...emptyJobRun, picked: null });
  useCheckStore.setState({ hostKeyMode: 'ask' });
});

describe('when Measure my network can run', () => {
  test('for a saved design with a VPN, and not while a deploy, an install, a verify or another measurement runs', () => {
    expect(enabled(savedApp({ saved: false }).app, 'measureNetwork')).toBe(false);
    expect(enabled(savedApp({ vpn: false }).app, 'measureNetwork')).toBe(false);
    const { app } = savedApp();
    expect([enabled(app, 'measureNetwork'), enabled(app, 'cancelMeasure')]).toEqual([true, false]);
    for (const kind of ['deploy', 'install', 'verify', 'measure'] as const) {
      useJobsStore.setState({ jobs: {}, running: { [kind]: '0123456789abcdef' }, prompts: [] });
      expect([kind, enabled(app, 'measureNetwork'), enabled(app, 'cancelMeasure')]).toEqual([kind, false, kind === 'measure']);
    }
    // And a verify waits for a measurement: its pings would disturb the figures.
    expect(enabled(app, 'verifyNetwork')).toBe(false);
  });

  test('it is in the Deploy menu (and so the palette), and changes no document', () => {
    const command = getCommand('measureNetwork')!;
    expect([command.label, command.group, command.capture]).toEqual(['Measure my network', 'deploy', 'never']);
    expect(commands.filter((c) => c.group === 'deploy').map((c) => c.id)).toEqual(expect.arrayContaining(['measureNetwork', 'cancelMeasure']));
  });
});

describe('Measure my network', () => {
  test('without picked links, measures the default ones, opens the Measure tab and shows each link running at once', async () => {
    const { app, calls } = savedApp();
    expect(await executeCommand(app.ctx, 'measureNetwork')).toBe(true);
    const defaults = planDefaultPairs(app.design).pairs.map((p) => ({ from: p.from, to: p.to }));
    expect(defaults.length).toBeGreaterThan(0);
    expect(calls).toEqual([{ channel: 'measure:start', request: { name: fileName, design: app.design, hostKeys: 'ask', pairs: defaults } }]);
    expect(app.ui.activeArea).toBe('deploy');
    expect(useDeployStore.getState().tab).toBe('measure');
    const job = useJobsStore.getState().jobs[measureJob]!;
    expect(job.order).toEqual(defaults.map(pairIdOf));
    expect(job.order.map((id) => job.machines[id]!.name)).toEqual(defaults.map((p) => `${app.design.machines[p.from]!.name} → ${app.design.machines[p.to]!.name}`));
    expect([app.undoDepth, app.edited]).toEqual([0, false]);
    expect(app.notices.at(-1)).toMatch(/^Measuring \d links? over the VPN, one after the other\./);
  });

  test('measures the links picked for this file; a start that is refused says why in the status bar and the tab', async () => {
    const { app, calls } = savedApp({ answers: { 'measure:start': () => err(appError('measureBlockedByJob', { kind: 'verify' })) } });
    const [a, b] = Object.values(app.design.machines).filter((m) => m.managed);
    useMeasureStore.getState().setPicked(fileName, [{ from: a!.id, to: b!.id }]);
    await executeCommand(app.ctx, 'measureNetwork');
    expect((calls[0]!.request as { pairs: unknown }).pairs).toEqual([{ from: a!.id, to: b!.id }]);
    expect(app.notices.at(-1)).toBe('The measurement did not start. The network was not measured because a verify of the network is running right now, and its pings would disturb the measurement. Wait for it to finish (or cancel it), then measure again.');
    expect(useMeasureStore.getState().startError).toBe(app.notices.at(-1));
    expect(useJobsStore.getState().running.measure).toBeUndefined();
  });

  test('Cancel the measurement cancels its job', async () => {
    const { app, calls } = savedApp();
    await executeCommand(app.ctx, 'measureNetwork');
    expect(enabled(app, 'cancelMeasure')).toBe(true);
    await executeCommand(app.ctx, 'cancelMeasure');
    expect(calls.at(-1)).toEqual({ channel: 'job:cancel', request: { jobId: measureJob } });
  });
});
