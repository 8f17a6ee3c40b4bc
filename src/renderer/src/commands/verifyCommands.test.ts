// @vitest-environment happy-dom
import { beforeEach, describe, expect, test } from 'vitest';
import { appError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { DeployProgress } from '../../../shared/ipc/contract';
import { err, ok } from '../../../shared/result';
import { useCheckStore } from '../deploy/checkStore';
import { useDeployStore } from '../deploy/deployStore';
import { recordedDeploy, samplePlan } from '../deploy/testDeploy';
import { useVerifyStore } from '../deploy/verifyStore';
import { useJobsStore } from '../stores/jobsStore';
import { commands, executeCommand, getCommand, isEnabled } from './registry';
import { createTestApp } from './testApp';

// Verify network and Cancel the verify, run headless against a back end double; and the verify that follows a deploy
// by itself, driven by the deploy job's recorded events.

const verifyJob = 'beefbeefbeefbeef';
const fileName = 'family.clan-design.json';

function backendDouble(answers: Record<string, (request: never) => unknown> = {}) {
  const calls: { channel: string; request: Record<string, unknown> }[] = [];
  const all: Record<string, (request: never) => unknown> = {
    'deploy:plan': () => ok({ plan: samplePlan().plan }),
    'deploy:start': () => ok({ jobId: 'feedfacefeedface' }),
    'verify:start': () => ok({ jobId: verifyJob }),
    'job:cancel': () => ok({ cancelled: true }),
    ...answers,
  };
  const backend: ApiTransport = {
    invoke: (async (channel: string, request: never) => {
      calls.push({ channel, request });
      const answer = all[channel];
      return answer === undefined ? err(appError('unknownChannel', { channel })) : answer(request);
    }) as ApiTransport['invoke'],
    subscribe: () => () => undefined,
  };
  return { backend, calls, channels: () => calls.map((c) => c.channel) };
}

/** A test app with the family network (ZeroTier) saved as family.clan-design.json. */
function savedApp(options: { vpn?: boolean; saved?: boolean; answers?: Record<string, (request: never) => unknown> } = {}) {
  const { design } = samplePlan({ vpn: options.vpn });
  const double = backendDouble(options.answers);
  const app = createTestApp(design, { backend: double.backend, confirm: true });
  if (options.saved !== false) app.ctx.design.getState().reset(design, { name: fileName, revision: 'rev-1' });
  return { app, ...double };
}

const enabled = (app: ReturnType<typeof createTestApp>, id: string) => isEnabled(getCommand(id)!, app.ctx);
const flush = () => new Promise((r) => setTimeout(r, 0));

beforeEach(() => {
  useJobsStore.setState({ jobs: {}, running: {}, prompts: [] });
  useDeployStore.setState({ tab: 'configuration', view: 'plan', plan: null, planFor: null, planDesign: null, planReceivedAt: null, planning: false, planError: null, starting: false, startError: null, run: null, historyFor: null, history: null, openEntry: null });
  useVerifyStore.setState({ forFile: null, report: null, run: null, starting: false, startError: null });
  useCheckStore.setState({ hostKeyMode: 'ask' });
});

describe('when Verify network can run', () => {
  test('not for an unsaved design, nor for a design without a VPN; a saved design with a VPN can', () => {
    expect(enabled(savedApp({ saved: false }).app, 'verifyNetwork')).toBe(false);
    expect(enabled(savedApp({ vpn: false }).app, 'verifyNetwork')).toBe(false);
    expect(enabled(savedApp().app, 'verifyNetwork')).toBe(true);
    expect(enabled(createTestApp(samplePlan().design), 'verifyNetwork')).toBe(false);
  });

  test('not while a deploy, an install or another verify runs; Cancel the verify only while one runs', () => {
    const { app } = savedApp();
    expect([enabled(app, 'verifyNetwork'), enabled(app, 'cancelVerify')]).toEqual([true, false]);
    for (const kind of ['deploy', 'install', 'verify'] as const) {
      useJobsStore.setState({ jobs: {}, running: { [kind]: '0123456789abcdef' }, prompts: [] });
      expect([kind, enabled(app, 'verifyNetwork'), enabled(app, 'cancelVerify')]).toEqual([kind, false, kind === 'verify']);
    }
  });

  test('it is in the Deploy menu (and so the palette) and changes no document', () => {
    const command = getCommand('verifyNetwork')!;
    expect([command.label, command.group, command.capture]).toEqual(['Verify network', 'deploy', 'never']);
    expect(commands.filter((c) => c.group === 'deploy').map((c) => c.id)).toContain('verifyNetwork');
    expect(getCommand('cancelVerify')!.group).toBe('deploy');
  });
});

describe('Verify network', () => {
  test('starts a verify of the saved design with the SSH settings, opens the Verify tab and shows it running at once', async () => {
    const { app, calls } = savedApp();
    expect(await executeCommand(app.ctx, 'verifyNetwork')).toBe(true);
    expect(calls).toEqual([{ channel: 'verify:start', request: { name: fileName, design: app.design, hostKeys: 'ask' } }]);
    expect(app.ui.activeArea).toBe('deploy');
    expect(useDeployStore.getState().tab).toBe('verify');
    expect(useJobsStore.getState().running.verify).toBe(verifyJob);
    // The managed members of the VPN, by name (the phone is not managed).
    const job = useJobsStore.getState().jobs[verifyJob]!;
    expect(job.order.map((id) => job.machines[id]!.name)).toEqual(['bastion', 'nas', 'pc', 'tablet']);
    expect([app.undoDepth, app.edited]).toEqual([0, false]);
    expect(enabled(app, 'verifyNetwork')).toBe(false);
  });

  test('a verify that does not start says why, in the status bar and the Verify tab', async () => {
    const { app } = savedApp({ answers: { 'verify:start': () => err(appError('verifyAlreadyRunning', { jobId: verifyJob })) } });
    await executeCommand(app.ctx, 'verifyNetwork');
    expect(app.notices.at(-1)).toMatch(/^The verify did not start\. /);
    expect(useVerifyStore.getState().startError).toBe(app.notices.at(-1));
    expect(useJobsStore.getState().running.verify).toBeUndefined();
  });

  test('Cancel the verify cancels the running verify’s job', async () => {
    const { app, calls } = savedApp();
    await executeCommand(app.ctx, 'verifyNetwork');
    await executeCommand(app.ctx, 'cancelVerify');
    expect(calls.at(-1)).toEqual({ channel: 'job:cancel', request: { jobId: verifyJob } });
  });
});

describe('after a deploy', () => {
  /**
   * Deploys through the registry's command, then plays the deploy job's events as main sends them. Each test has its
   * own job id: the jobs store ignores a job that already ended.
   */
  async function deployAndFinish(app: ReturnType<typeof createTestApp>, jobId: string, change?: (done: Extract<DeployProgress, { type: 'done' }>) => DeployProgress) {
    await executeCommand(app.ctx, 'deploy');
    expect(useJobsStore.getState().running.deploy).toBe(jobId);
    const { events } = recordedDeploy(jobId);
    for (const event of events) useJobsStore.getState().applyEvent(event.type === 'done' && change !== undefined ? change(event) : event);
    await flush();
  }

  test('a deploy that deployed a machine is followed by a verify of what it deployed, by itself', async () => {
    const { app, calls, channels } = savedApp({ answers: { 'deploy:start': () => ok({ jobId: '00000000000d0001' }) } });
    await deployAndFinish(app, '00000000000d0001');
    expect(channels()).toEqual(['deploy:plan', 'deploy:start', 'verify:start']);
    expect(calls.at(-1)!.request).toEqual({ name: fileName, design: app.design, hostKeys: 'ask' });
    expect(useJobsStore.getState().running.verify).toBe(verifyJob);
    expect(app.notices.at(-1)).toBe('The deploy put the new system on 1 machine; verifying the network of family now: the Verify tab of the Deploy area shows which machines reach each other.');
    // It does not take the person away from the deploy's summary.
    expect(useDeployStore.getState().tab).toBe('deploy');
  });

  test('a deploy that deployed no machine is not followed by a verify', async () => {
    const { app, channels } = savedApp({ answers: { 'deploy:start': () => ok({ jobId: '00000000000d0002' }) } });
    await deployAndFinish(app, '00000000000d0002', (done) => ({ ...done, report: { ...done.report, machines: done.report.machines.map((m) => (m.status === 'deployed' ? { ...m, status: 'failed' as const } : m)) } }));
    expect(channels()).toEqual(['deploy:plan', 'deploy:start']);
    expect(useJobsStore.getState().running.verify).toBeUndefined();
  });

  test('a deploy started in another window is verified by that window, not this one', async () => {
    const { channels } = savedApp();
    for (const event of recordedDeploy('0000000000000777').events) useJobsStore.getState().applyEvent(event);
    await flush();
    expect(channels()).toEqual([]);
  });
});
