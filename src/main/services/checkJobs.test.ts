import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { EventChannel } from '../../shared/ipc/channels';
import type { CheckProgress } from '../../shared/ipc/contract';
import type { JobPrompt as CheckPrompt } from '../../shared/ipc/jobs';
import { designBuilder } from '../../shared/model/designBuilder';
import { appError } from '../../shared/errors';
import { err, ok } from '../../shared/result';
import { JobEngine } from '../jobs/jobEngine';
import { EventHub } from '../rpc/eventHub';
import type { HostKeyPrompt, SshTarget } from '../ssh/sshClient';
import { checkLocalClanCli, CheckJobsService, type MachineSshHooks } from './checkJobs';

// "Check machines" as a job: events, questions and answers, cancel, and the report kept next to the design file.
// The SSH side is a scripted pool here, a test double (the lab test and the Chromium test run the real one against
// real sshd).

const facts = ['os_id=nixos', 'os_version=25.11', 'nixos_marker=1', 'nixos_version=25.11', 'nix_version=nix (Nix) 2.31.0', 'nix_features=flakes nix-command', 'uname_m=x86_64', 'mem_kb=8000000', 'disk_root_kb=90000000', 'disk_nix_kb=90000000', 'tun=1', 'uid=0', 'systemd_run=1', `date=${Math.round(Date.now() / 1000)}`, 'end=1'].join('\n');

function twoMachineDesign() {
  const b = designBuilder();
  const home = b.site('home', 'nat');
  b.machine('nas', home, 'server', { ssh: { host: '192.0.2.10', port: 22, user: 'root' } });
  b.machine('pi', home, 'server', { ssh: { host: '192.0.2.11', port: 22, user: 'root' } });
  b.admin(home);
  return b.design;
}

interface Recorded {
  progress: CheckProgress[];
  prompts: CheckPrompt[];
}

function record(events: EventHub): Recorded {
  const recorded: Recorded = { progress: [], prompts: [] };
  events.connect((channel: EventChannel, payload) => {
    if (channel === 'job:onDidProgress') recorded.progress.push(payload as CheckProgress);
    if (channel === 'job:onDidPrompt') recorded.prompts.push(payload as CheckPrompt);
  });
  return recorded;
}

const until = async (condition: () => boolean) => {
  for (let i = 0; i < 200 && !condition(); i += 1) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
};

describe('CheckJobsService', () => {
  let workspace: string;
  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'cnd-check-'));
  });
  afterEach(() => rmSync(workspace, { recursive: true, force: true }));

  /** A pool where 192.0.2.11 first shows an unknown host key (asking through the hooks) and every login runs the script. */
  function service(events: EventHub, options: { hang?: boolean } = {}) {
    let hooks: MachineSshHooks | undefined;
    const disposed: boolean[] = [];
    const engine = new JobEngine({ events, workspaceDir: workspace });
    const check = new CheckJobsService({
      jobs: engine,
      localChecks: async () => [{ id: 'clanCli', status: 'skipped', message: 'no clan here' }],
      createSsh: (h) => {
        hooks = h;
        return {
          knownHostsPath: '/home/me/.ssh/known_hosts',
          identityFor: () => ({ privateKey: 'unused' }),
          pool: {
            dispose: () => disposed.push(true),
            exec: async (target: SshTarget, _argv, execOptions) => {
              if (target.host === '192.0.2.11') {
                const prompt: HostKeyPrompt = { host: target.host, port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc', otherKeyTypes: [] };
                if (h.hostKeyMode === 'strict' || !(await h.confirmHostKey(prompt, execOptions!.signal!))) {
                  return err(appError(execOptions!.signal!.aborted ? 'sshCancelled' : 'sshHostKeyRejected', { host: target.host, port: 22, fingerprint: 'SHA256:abc' }));
                }
              }
              if (options.hang === true) {
                await new Promise((r) => execOptions!.signal!.addEventListener('abort', r));
                return err(appError('sshCancelled', { host: target.host, port: 22 }));
              }
              return ok({ code: 0, signal: null, stdout: facts, stderr: '' });
            },
          },
        };
      },
    });
    // Starting and the last report are the check's; cancel, answers and dispose are the job engine's.
    const jobs = {
      start: (request: Parameters<CheckJobsService['start']>[0]) => check.start(request),
      last: (designFile: string) => check.last(designFile),
      answer: (answer: Parameters<JobEngine['answer']>[0]) => engine.answer(answer),
      cancel: (jobId: string) => engine.cancel(jobId),
      dispose: () => engine.dispose(),
    };
    return { jobs, hooks: () => hooks, disposed };
  }

  test('a check reports progress, asks about a new host key, and keeps its report next to the design file', async () => {
    const events = new EventHub();
    const recorded = record(events);
    const { jobs, disposed } = service(events);
    const started = jobs.start({ name: 'family.clan-design.json', design: twoMachineDesign(), hostKeys: 'ask' });
    expect(started.ok).toBe(true);
    const jobId = started.ok ? started.value.jobId : '';
    expect(jobs.start({ design: twoMachineDesign(), hostKeys: 'ask' })).toMatchObject({ ok: false, error: { code: 'checkAlreadyRunning' } });

    await until(() => recorded.prompts.length === 1);
    const prompt = recorded.prompts[0]!;
    expect(prompt).toMatchObject({ jobId, type: 'hostKey', machines: ['pi'], host: '192.0.2.11', fingerprint: 'SHA256:abc', knownHostsFile: '/home/me/.ssh/known_hosts' });
    expect(jobs.answer({ promptId: prompt.promptId, passphrase: 'x' })).toEqual({ ok: true, value: { accepted: false } });
    expect(jobs.answer({ promptId: prompt.promptId, trust: true })).toEqual({ ok: true, value: { accepted: true } });
    expect(jobs.answer({ promptId: prompt.promptId, trust: true })).toEqual({ ok: true, value: { accepted: false } });

    await until(() => recorded.progress.some((p) => p.type === 'done'));
    expect(recorded.prompts.at(-1)).toEqual({ jobId, promptId: prompt.promptId, type: 'closed' });
    const types = recorded.progress.map((p) => p.type);
    expect(types[0]).toBe('started');
    expect(types.filter((t) => t === 'machineStarted')).toHaveLength(2);
    expect(types.filter((t) => t === 'machineDone')).toHaveLength(2);
    expect(types).toContain('local');
    expect(types.at(-1)).toBe('done');
    const done = recorded.progress.at(-1) as Extract<CheckProgress, { type: 'done' }>;
    expect(done.saved).toBe(true);
    expect(done.report.outcome).toBe('finished');
    expect(done.report.machines.map((m) => [m.name, m.status])).toEqual([
      ['nas', 'ok'],
      ['pi', 'ok'],
    ]);
    expect(disposed).toEqual([true]);

    const kept = JSON.parse(readFileSync(join(workspace, 'family.check.json'), 'utf8'));
    expect(kept).toEqual(done.report);
    expect(await jobs.last('family.clan-design.json')).toEqual({ ok: true, value: { report: done.report, running: null } });
    expect(await jobs.last('other.clan-design.json')).toEqual({ ok: true, value: { report: null, running: null } });
  });

  test('refusing the key makes that machine a host key error; strict mode refuses without asking', async () => {
    for (const mode of ['ask', 'strict'] as const) {
      const events = new EventHub();
      const recorded = record(events);
      const { jobs } = service(events);
      jobs.start({ design: twoMachineDesign(), hostKeys: mode });
      if (mode === 'ask') {
        await until(() => recorded.prompts.length === 1);
        jobs.answer({ promptId: recorded.prompts[0]!.promptId, trust: false });
      }
      await until(() => recorded.progress.some((p) => p.type === 'done'));
      const done = recorded.progress.at(-1) as Extract<CheckProgress, { type: 'done' }>;
      const pi = done.report.machines.find((m) => m.name === 'pi')!;
      expect(pi.findings.find((f) => f.id === 'hostKey')?.status).toBe('error');
      expect(done.saved).toBe(false); // an unsaved design: nothing to keep the report with
      expect(recorded.prompts.filter((p) => p.type === 'hostKey')).toHaveLength(mode === 'ask' ? 1 : 0);
    }
  });

  test('the keys picked in the app reach the SSH side of the check; without a pick it logs in as ssh would', async () => {
    for (const keys of [['homelab', 'id_ed25519'], undefined]) {
      const events = new EventHub();
      const recorded = record(events);
      const { jobs, hooks } = service(events);
      jobs.start({ design: twoMachineDesign(), hostKeys: 'strict', ...(keys === undefined ? {} : { keys }) });
      await until(() => recorded.progress.some((p) => p.type === 'done'));
      expect(hooks()?.keyFiles).toEqual(keys);
    }
  });

  test('cancel withdraws open questions, stops the machines and ends the check as cancelled', async () => {
    const events = new EventHub();
    const recorded = record(events);
    const { jobs } = service(events, { hang: true });
    const started = jobs.start({ name: 'family.clan-design.json', design: twoMachineDesign(), hostKeys: 'ask' });
    const jobId = started.ok ? started.value.jobId : '';
    await until(() => recorded.prompts.length === 1);
    expect((await jobs.last('family.clan-design.json')).ok && (await jobs.last('family.clan-design.json'))).toMatchObject({ value: { running: { jobId } } });
    expect(jobs.cancel('0000000000000000')).toEqual({ ok: true, value: { cancelled: false } });
    expect(jobs.cancel(jobId)).toEqual({ ok: true, value: { cancelled: true } });
    await until(() => recorded.progress.some((p) => p.type === 'done'));
    expect(recorded.prompts.at(-1)).toMatchObject({ type: 'closed' });
    const done = recorded.progress.at(-1) as Extract<CheckProgress, { type: 'done' }>;
    expect(done.report.outcome).toBe('cancelled');
    expect(done.report.machines.every((m) => m.findings[0]!.status !== 'ok')).toBe(true);
    // The next check may start.
    expect(jobs.start({ design: twoMachineDesign(), hostKeys: 'strict' }).ok).toBe(true);
    jobs.dispose();
  });

  test('a damaged report file counts as never checked; bad names and designs are refused', async () => {
    const events = new EventHub();
    const { jobs } = service(events);
    writeFileSync(join(workspace, 'family.check.json'), '{"kind": "clan-designer-check", "version": 1, "machines": "oops"}');
    expect(await jobs.last('family.clan-design.json')).toEqual({ ok: true, value: { report: null, running: null } });
    writeFileSync(join(workspace, 'family.check.json'), 'not json');
    expect(await jobs.last('family.clan-design.json')).toEqual({ ok: true, value: { report: null, running: null } });
    expect(jobs.start({ name: '../escape.clan-design.json', design: twoMachineDesign(), hostKeys: 'ask' })).toMatchObject({ ok: false, error: { code: 'invalidFileName' } });
    expect(jobs.start({ design: { machines: 'nope' }, hostKeys: 'ask' })).toMatchObject({ ok: false, error: { code: 'invalidDesign' } });
  });
});

describe('checkLocalClanCli (runs the real lookup on PATH)', () => {
  let bin: string;
  beforeEach(() => {
    bin = mkdtempSync(join(tmpdir(), 'cnd-clan-bin-'));
  });
  afterEach(() => rmSync(bin, { recursive: true, force: true }));

  test('an installed clan is reported with its version', async () => {
    writeFileSync(join(bin, 'clan'), '#!/bin/sh\necho "clan 25.11.1"\n');
    chmodSync(join(bin, 'clan'), 0o755);
    const finding = await checkLocalClanCli({ env: { PATH: bin } });
    expect(finding).toMatchObject({ id: 'clanCli', status: 'ok' });
    expect(finding.message).toContain('clan 25.11.1');
  });

  test('no clan on PATH is fine: the app says it does not need it and how to get it', async () => {
    const finding = await checkLocalClanCli({ env: { PATH: bin } });
    expect(finding.status).toBe('skipped');
    expect(finding.message).toContain('does not need it');
    expect(finding.command).toContain('clan-cli');
  });

  test('a clan that fails is a warning with its error', async () => {
    writeFileSync(join(bin, 'clan'), '#!/bin/sh\necho "python: broken install" >&2\nexit 1\n');
    chmodSync(join(bin, 'clan'), 0o755);
    const finding = await checkLocalClanCli({ env: { PATH: bin } });
    expect(finding.status).toBe('warning');
    expect(finding.message).toContain('python: broken install');
  });
});
