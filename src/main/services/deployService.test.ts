import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { describeError } from '../../shared/errors';
import type { JobKind, JobProgress } from '../../shared/ipc/contract';
import type { JobOutcome } from '../../shared/ipc/jobs';
import { designBuilder } from '../../shared/model/designBuilder';
import { ScriptedMachines, storePathOf } from '../cli/deployTestDoubles';
import { ClanProgramDouble } from '../cli/installTestDoubles';
import type { JobEngine } from '../jobs/jobEngine';
import { createBackend } from '../rpc/createBackend';
import { measureJobKind } from './measureService';
import { verifyJobKind } from './verifyService';

// A deploy and an install next to a running verify or measurement, through the app's own back end (dispatch, job
// engine, deploy and install services). The verify and the measurement are jobs of their kinds that wait until the
// test ends them; the machines over SSH and the `clan` program are the TEST DOUBLES of the command tests. What is
// proved: either is refused with deployBlockedByJob, before anything is written, run or asked, and starts again once
// the other job has ended.

const DESIGN = 'home.clan-design.json';
const DISK = '/dev/disk/by-id/ata-Samsung_SSD_860_S3Z1';

function homeDesign() {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  const cloud = b.site('Cloud', 'public');
  const nas = b.machine('nas', home, 'nas');
  b.machine('vps', cloud, 'vps', { publicAddress: '203.0.113.10' });
  b.admin(home);
  return { design: b.vpn('yggdrasil'), nas };
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 400 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
};

/** Starts a job of `kind` that runs until the returned function is called, reporting nothing measured. */
function waitingJob(jobs: JobEngine, kind: Extract<JobKind, 'verify' | 'measure'>): { jobId: string; end: () => Promise<void> } {
  let end: () => void = () => undefined;
  const running = new Promise<void>((resolve) => (end = resolve));
  const common = (outcome: JobOutcome, startedAt: number, finishedAt: number) => ({ version: 1 as const, runId: `2026-12-07t10-05-00-000z-${kind}`, startedAt, finishedAt, outcome, vpn: null });
  const started =
    kind === 'verify'
      ? jobs.start(verifyJobKind, { forFile: DESIGN, machines: [], run: () => running, report: ({ outcome, startedAt, finishedAt }) => ({ kind: 'clan-designer-verify', ...common(outcome, startedAt, finishedAt), matrix: null, tcpPort: null, count: 5 }) })
      : jobs.start(measureJobKind, {
          forFile: DESIGN,
          machines: [],
          run: () => running,
          report: ({ outcome, startedAt, finishedAt }) => ({ kind: 'clan-designer-measure', ...common(outcome, startedAt, finishedAt), port: 5201, seconds: 10, pings: { count: 10, intervalSeconds: 0.2 }, pairs: [], summary: 'Nothing was measured.' }),
        });
  if (!started.ok) throw new Error(JSON.stringify(started.error));
  return {
    jobId: started.value.jobId,
    end: async () => {
      end();
      await until(() => jobs.runningOf(kind) === null);
    },
  };
}

describe('deploy and install next to a verify or a measurement', () => {
  test.each(['verify', 'measure'] as const)('are refused while a %s runs, before anything is written or run, and start once it has ended', async (kind) => {
    const root = mkdtempSync(join(tmpdir(), 'deploy-service-'));
    const workspace = join(root, 'designs');
    mkdirSync(workspace);
    const machines = new ScriptedMachines({ 'nas.lan': { system: storePathOf('nas', 1) }, 'vps.lan': { system: storePathOf('vps', 1) } });
    const clan = new ClanProgramDouble();
    const ended: JobProgress[] = [];
    const backend = createBackend({ mode: 'serve', log: () => undefined, workspaceDir: workspace, dataDir: join(root, 'data'), createMachineSsh: machines.createSsh, cleanStaleTempFiles: false, deploy: { hasLocalClan: async () => true, runLocal: clan.runLocal } });
    backend.services.events.connect((channel, payload) => {
      if (channel === 'job:onDidProgress' && (payload as JobProgress).type === 'done') ended.push(payload as JobProgress);
    });
    const { design, nas } = homeDesign();
    expect((await backend.dispatch('project:save', { name: DESIGN, design, overwrite: true })).ok).toBe(true);
    const deploy = () => backend.dispatch('deploy:start', { name: DESIGN, design, hostKeys: 'strict' });
    const install = () => backend.dispatch('deploy:install', { name: DESIGN, design, machineId: nas, disk: DISK, confirm: { machine: 'nas', disk: DISK }, hostKeys: 'strict' });

    const other = waitingJob(backend.services.jobs, kind);
    const deployed = await deploy();
    expect(deployed).toEqual({ ok: false, error: { code: 'deployBlockedByJob', details: { jobId: other.jobId, kind, action: 'deploy' } } });
    const installed = await install();
    expect(installed).toEqual({ ok: false, error: { code: 'deployBlockedByJob', details: { jobId: other.jobId, kind, action: 'install' } } });
    // Nothing was written next to the design, and nothing ran on a machine or on this computer.
    expect(existsSync(join(workspace, 'home.clan'))).toBe(false);
    expect(machines.commands).toEqual([]);
    expect(clan.calls).toEqual([]);
    // The message names the tab the other job can be cancelled in (errors.test.ts has the whole sentence).
    if (!deployed.ok) expect(describeError(deployed.error)).toContain(`cancel it in the ${kind === 'verify' ? 'Verify' : 'Measure'} tab`);

    await other.end();
    expect(ended.map((e) => [e.kind, e.type === 'done' ? e.outcome : null])).toEqual([[kind, 'finished']]);
    const again = await deploy();
    expect(again.ok).toBe(true);
    await backend.dispatch('job:cancel', { jobId: again.ok ? (again.value as { jobId: string }).jobId : '' });
    await until(() => backend.services.jobs.runningOf('deploy') === null);
  });
});
