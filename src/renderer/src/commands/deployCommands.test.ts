// @vitest-environment happy-dom
import { beforeEach, describe, expect, test } from 'vitest';
import type { DeployPlan } from '../../../shared/deploy/plan';
import { appError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import { err, ok } from '../../../shared/result';
import { useCheckStore } from '../deploy/checkStore';
import { deployConfirmation } from '../deploy/deployConfirmation';
import { useDeployStore } from '../deploy/deployStore';
import { samplePlan } from '../deploy/testDeploy';
import { useJobsStore } from '../stores/jobsStore';
import { executeCommand, getCommand, isEnabled } from './registry';
import { createTestApp } from './testApp';

// Plan deploy, Deploy…, Cancel the deploy and Show deploy history, run headless against a back end double that answers
// with a real plan (makeDeployPlan) and records what the commands asked for.

const jobId = 'feedfacefeedface';
const fileName = 'family.clan-design.json';

/** A back end double: answers by channel, records every request. */
function backendDouble(answers: Record<string, (request: never) => unknown>) {
  const calls: { channel: string; request: Record<string, unknown> }[] = [];
  const backend: ApiTransport = {
    invoke: (async (channel: string, request: never) => {
      calls.push({ channel, request });
      const answer = answers[channel];
      return answer === undefined ? err(appError('unknownChannel', { channel })) : answer(request);
    }) as ApiTransport['invoke'],
    subscribe: () => () => undefined,
  };
  return { backend, calls, channels: () => calls.map((c) => c.channel) };
}

/** A test app with the sample family design saved as family.clan-design.json, and a back end that plans it. */
function savedApp(options: { plan?: DeployPlan; confirm?: boolean; answers?: Record<string, (request: never) => unknown> } = {}) {
  const { plan, design } = samplePlan();
  const double = backendDouble({
    'deploy:plan': () => ok({ plan: options.plan ?? plan }),
    'deploy:start': () => ok({ jobId }),
    'deploy:history': () => ok({ entries: [], running: null }),
    'job:cancel': () => ok({ cancelled: true }),
    ...options.answers,
  });
  const app = createTestApp(design, { backend: double.backend, confirm: options.confirm ?? true });
  app.ctx.design.getState().reset(design, { name: fileName, revision: 'rev-1' });
  return { app, ...double, plan: options.plan ?? plan };
}

const enabled = (app: ReturnType<typeof createTestApp>, id: string) => isEnabled(getCommand(id)!, app.ctx);

beforeEach(() => {
  useJobsStore.setState({ jobs: {}, running: {}, prompts: [] });
  useDeployStore.setState({ tab: 'configuration', view: 'plan', plan: null, planFor: null, planDesign: null, planReceivedAt: null, planning: false, planError: null, starting: false, startError: null, run: null, historyFor: null, history: null, openEntry: null });
  useCheckStore.setState({ hostKeyMode: 'ask' });
});

describe('when the deploy commands can run', () => {
  test('an unsaved design can be neither planned nor deployed, and has no history', () => {
    const { design } = samplePlan();
    const app = createTestApp(design, { backend: backendDouble({}).backend });
    for (const id of ['planDeploy', 'deploy', 'showDeployHistory', 'cancelDeploy']) expect([id, enabled(app, id)]).toEqual([id, false]);
  });

  test('a saved design can be planned and deployed; while a deploy runs only Cancel the deploy can', () => {
    const { app } = savedApp();
    expect(['planDeploy', 'deploy', 'showDeployHistory', 'cancelDeploy'].map((id) => enabled(app, id))).toEqual([true, true, true, false]);
    useJobsStore.getState().expectJob({ jobId, kind: 'deploy', forFile: fileName, machines: [] });
    expect(['planDeploy', 'deploy', 'showDeployHistory', 'cancelDeploy'].map((id) => enabled(app, id))).toEqual([false, false, true, true]);
  });

  test('every deploy command is in the Deploy menu and changes no document', () => {
    for (const id of ['planDeploy', 'deploy', 'cancelDeploy', 'showDeployHistory']) {
      const command = getCommand(id)!;
      expect([id, command.group, command.capture]).toEqual([id, 'deploy', 'never']);
    }
  });
});

describe('Plan deploy', () => {
  test('asks the back end for the plan of the saved design and shows it in the Deploy tab, without an undo step', async () => {
    const { app, calls, plan } = savedApp();
    expect(await executeCommand(app.ctx, 'planDeploy')).toBe(true);
    expect(calls).toEqual([{ channel: 'deploy:plan', request: { name: fileName, design: app.design } }]);
    expect(app.ui.activeArea).toBe('deploy');
    expect(useDeployStore.getState()).toMatchObject({ tab: 'deploy', view: 'plan', plan, planFor: fileName, planDesign: app.design, planning: false });
    expect([app.undoDepth, app.edited]).toEqual([0, false]);
    // The "working…" note went away with the answer.
    expect(app.notices).toEqual(['Planning the deploy: reading the machines over SSH, changing nothing…']);
  });

  test('says why when no plan could be made', async () => {
    const { app } = savedApp({ answers: { 'deploy:plan': () => err(appError('deployNeedsSavedDesign')) } });
    await executeCommand(app.ctx, 'planDeploy');
    expect(app.notices.at(-1)).toBe('The deploy could not be planned. Save the design first: its configuration and the record of each deploy are kept next to the design file.');
    expect(useDeployStore.getState().plan).toBeNull();
  });
});

describe('Deploy…', () => {
  test('plans, says what will happen (machines wave by wave, the ones left out, the rollback promise) and starts only after Continue', async () => {
    const { app, calls, channels } = savedApp();
    expect(await executeCommand(app.ctx, 'deploy')).toBe(true);
    expect(channels()).toEqual(['deploy:plan', 'deploy:start']);
    expect(app.confirmations).toEqual(['Deploy to 3 machines?']);
    expect(calls[1]).toEqual({ channel: 'deploy:start', request: { name: fileName, design: app.design, hostKeys: 'ask' } });
    // Shown as running at once, before main's first event arrives.
    expect(useJobsStore.getState().running.deploy).toBe(jobId);
    expect(useDeployStore.getState().view).toBe('run');
    expect(app.notices.at(-1)).toBe('Deploying: the Deploy area shows every machine live.');
    expect([app.undoDepth, app.edited]).toEqual([0, false]);
  });

  test('the confirmation names the machines in order, those left out and why, and the rollback promise with its limit', () => {
    const { plan } = samplePlan();
    const { title, message } = deployConfirmation(plan, { folder: 'family.clan', unsavedChanges: true });
    expect(title).toBe('Deploy to 3 machines?');
    expect(message.split('\n')).toEqual([
      'The configuration is written to family.clan first, then put on the machines in this order:',
      '• Wave 1 (behind a jump host): tablet',
      '• Wave 2 (jump hosts): bastion',
      '• Wave 3 (vpn machines on your network): nas',
      'Not deployed: pc (it does not run NixOS yet (last check: pc runs Debian 12, which is not NixOS)).',
      'The vars are made on bastion before any machine.',
      'Each machine switches back to its previous system by itself unless the app confirms the switch within 90 s over a new SSH connection. bastion has no previous system (first deploy), so there is nothing to switch back to.',
      'One machine failing does not stop the others, except the machines that need it. You can cancel at any time; a switch in progress is never cut off.',
      'The design has unsaved changes: they are deployed too. Save them so the design file matches what runs.',
    ]);
  });

  test('Cancel in the confirmation deploys nothing', async () => {
    const { app, channels } = savedApp({ confirm: false });
    await executeCommand(app.ctx, 'deploy');
    expect(channels()).toEqual(['deploy:plan']);
    expect(useJobsStore.getState().running.deploy).toBeUndefined();
  });

  test('a recent plan of the very design on screen is confirmed as it is; after an edit the design is planned again', async () => {
    const { app, channels } = savedApp({ confirm: false });
    await executeCommand(app.ctx, 'planDeploy');
    await executeCommand(app.ctx, 'deploy');
    expect(channels()).toEqual(['deploy:plan']);
    await executeCommand(app.ctx, 'editClan', { description: 'changed' });
    await executeCommand(app.ctx, 'deploy');
    expect(channels()).toEqual(['deploy:plan', 'deploy:plan']);
  });

  test('with nothing deployable it asks nothing, says why, and the command is then off for that plan', async () => {
    const { plan } = samplePlan();
    const allBlocked: DeployPlan = { ...plan, waves: plan.waves.map((w) => ({ ...w, machines: w.machines.map((m) => ({ ...m, blocked: { reason: 'it has no SSH address', whatToDo: 'Enter one.' }, steps: [] })) })) };
    const { app, channels } = savedApp({ plan: allBlocked });
    await executeCommand(app.ctx, 'deploy');
    expect(channels()).toEqual(['deploy:plan']);
    expect(app.confirmations).toEqual([]);
    expect(app.notices.at(-1)).toMatch(/^Nothing can be deployed now: every machine is blocked \(pc: it does not run NixOS yet .*; tablet: it has no SSH address; .*\)\. The plan in the Deploy area says what to do\.$/);
    expect(enabled(app, 'deploy')).toBe(false);
    expect(enabled(app, 'planDeploy')).toBe(true);
  });

  test('files edited by hand stop the deploy until the person agrees to replace them; then it writes and starts', async () => {
    let starts = 0;
    const { app, calls, channels } = savedApp({
      answers: {
        'deploy:start': () => ((starts += 1) === 1 ? err(appError('generatedFilesChanged', { folder: 'family.clan', conflicts: [{ path: 'clan.nix' }] })) : ok({ jobId })),
        'generate:write': () => ok({ folder: 'family.clan', report: { written: [], unchanged: [], keptEdits: [], removed: [], forced: ['clan.nix'], keptFolders: [] } }),
      },
    });
    await executeCommand(app.ctx, 'deploy');
    expect(app.confirmations).toEqual(['Deploy to 3 machines?', 'Replace your edited files and deploy?']);
    expect(channels()).toEqual(['deploy:plan', 'deploy:start', 'generate:write', 'deploy:start']);
    expect(calls[2]!.request).toMatchObject({ name: fileName, force: true });
    expect(useJobsStore.getState().running.deploy).toBe(jobId);
  });

  test('a deploy that does not start says why, in the status bar and the Deploy tab', async () => {
    const { app } = savedApp({ answers: { 'deploy:start': () => err(appError('deployAlreadyRunning', { jobId })) } });
    await executeCommand(app.ctx, 'deploy');
    const message = 'The deploy did not start. A deploy is already running (perhaps from another window), so a second one was not started. Wait for it to finish or cancel it, then deploy again.';
    expect(app.notices.at(-1)).toBe(message);
    expect(useDeployStore.getState().startError).toBe(message);
  });
});

describe('Cancel the deploy and Show deploy history', () => {
  test('Cancel the deploy cancels the running deploy’s job and says what happens to the machines', async () => {
    const { app, calls } = savedApp();
    useJobsStore.getState().expectJob({ jobId, kind: 'deploy', forFile: fileName, machines: [] });
    await executeCommand(app.ctx, 'cancelDeploy');
    expect(calls).toEqual([{ channel: 'job:cancel', request: { jobId } }]);
    expect(app.notices.at(-1)).toContain('machines that have not started will not start');
  });

  test('Show deploy history opens the History tab and reads the history again', async () => {
    const { app, calls } = savedApp();
    await executeCommand(app.ctx, 'showDeployHistory');
    expect(app.ui.activeArea).toBe('deploy');
    expect(useDeployStore.getState().tab).toBe('history');
    await Promise.resolve();
    expect(calls).toEqual([{ channel: 'deploy:history', request: { name: fileName } }]);
    expect(useDeployStore.getState().history).toEqual([]);
  });
});
