import { existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { appError } from '../../shared/errors';
import type { EventChannel } from '../../shared/ipc/channels';
import type { JobEventOf, JobProgress } from '../../shared/ipc/contract';
import type { JobOutcome, JobPrompt } from '../../shared/ipc/jobs';
import type { MachineCheckResult } from '../../shared/check';
import { checkReportSchema, type CheckReport } from '../../shared/schema/checkReport';
import { EventHub } from '../rpc/eventHub';
import { JobEngine, type JobContext, type JobKindDefinition, type JobStart } from './jobEngine';

// The job engine on its own, with a job kind whose work is written in each test. The kind is "check" because its
// events and reports are the ones the contract knows; the work here is not a check, it only drives the engine
// through the states a real job reaches (machines, steps, logs, questions, time limits, cancel).

/** Two windows: each sees every event, as each Electron window or serve-mode event stream does. */
function twoWindows(events: EventHub) {
  const windows = [0, 1].map(() => ({ progress: [] as JobProgress[], prompts: [] as JobPrompt[] }));
  for (const window of windows) {
    events.connect((channel: EventChannel, payload) => {
      if (channel === 'job:onDidProgress') window.progress.push(payload as JobProgress);
      if (channel === 'job:onDidPrompt') window.prompts.push(payload as JobPrompt);
    });
  }
  return windows;
}

const until = async (condition: () => boolean, ms = 2_000) => {
  const end = Date.now() + ms;
  while (!condition() && Date.now() < end) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
};

const machineResult = (machineId: string, name: string): MachineCheckResult => ({ machineId, name, target: `root@${name}.lan`, via: null, status: 'ok', findings: [{ id: 'reachable', status: 'ok', message: 'answered' }] });

const reportFor = (end: { outcome: JobOutcome; startedAt: number; finishedAt: number }, machines: MachineCheckResult[] = []): CheckReport => ({
  kind: 'clan-designer-check',
  version: 1,
  startedAt: end.startedAt,
  finishedAt: end.finishedAt,
  outcome: end.outcome === 'timedOut' ? 'failed' : end.outcome,
  local: [],
  machines,
});

const definition: JobKindDefinition<'check'> = {
  kind: 'check',
  oneAtATime: (running) => appError('checkAlreadyRunning', { jobId: running.jobId }),
  keep: { fileOf: (designFile) => designFile.replace(/\.clan-design\.json$/, '.check.json'), schema: checkReportSchema, maxBytes: 1024 * 1024 },
};

const machines = [
  { machineId: 'm-nas', name: 'nas' },
  { machineId: 'm-pi', name: 'pi' },
];

function job(run: (context: JobContext<'check'>) => Promise<void>, options: Partial<JobStart<'check'>> = {}): JobStart<'check'> {
  return { forFile: null, machines, run, report: (end) => reportFor(end), ...options };
}

const doneOf = (progress: readonly JobProgress[]) => progress.find((e): e is Extract<JobEventOf<'check'>, { type: 'done' }> => e.type === 'done');

describe('JobEngine', () => {
  let workspace: string;
  let events: EventHub;
  let engine: JobEngine;
  let logged: string[];
  beforeEach(() => {
    workspace = mkdtempSync(join(tmpdir(), 'cnd-jobs-'));
    events = new EventHub();
    logged = [];
    engine = new JobEngine({ events, workspaceDir: workspace, log: (message) => logged.push(message), keptLogLines: 3 });
  });
  const runningJobs = () => {
    const listed = engine.list();
    return listed.ok ? listed.value.jobs : [];
  };
  afterEach(() => {
    engine.dispose();
    rmSync(workspace, { recursive: true, force: true });
  });

  test('a job gets its own id at once and reports machine by machine, numbered, from started to done', async () => {
    const [window] = twoWindows(events);
    let finish!: () => void;
    const started = engine.start(definition, job(async (ctx) => {
        ctx.machineStarted('m-nas');
        ctx.machineStep('m-nas', { index: 1, total: 2, label: 'Upload' });
        ctx.log('m-nas', 'copied 3 files', 'stdout');
        ctx.machineStep('m-nas', { index: 2, total: 2, label: 'Switch' });
        ctx.machineDone('m-nas', machineResult('m-nas', 'nas'));
        ctx.log(null, 'one machine left');
        ctx.emit({ type: 'local', findings: [{ id: 'clanCli', status: 'skipped', message: 'no clan' }] });
        await new Promise<void>((resolve) => (finish = resolve));
        ctx.machineStarted('m-pi');
        ctx.machineDone('m-pi', machineResult('m-pi', 'pi'));
      }),
    );
    expect(started.ok).toBe(true);
    const jobId = started.ok ? started.value.jobId : '';
    expect(jobId).toMatch(/^[0-9a-f]{16}$/);
    // `started` is out before start() returns, so a window can never see a job's answer before the job.
    expect(window!.progress[0]).toMatchObject({ jobId, kind: 'check', seq: 0, type: 'started', forFile: null, machines });
    await until(() => finish !== undefined);
    expect(engine.runningOf('check')).toEqual({ jobId, forFile: null });
    finish();
    await until(() => doneOf(window!.progress) !== undefined);

    expect(window!.progress.map((e) => [e.type, 'machineId' in e ? e.machineId : undefined])).toEqual([
      ['started', undefined],
      ['machineStarted', 'm-nas'],
      ['machineStep', 'm-nas'],
      ['log', 'm-nas'],
      ['machineStep', 'm-nas'],
      ['machineDone', 'm-nas'],
      ['log', null],
      ['local', undefined],
      ['machineStarted', 'm-pi'],
      ['machineDone', 'm-pi'],
      ['done', undefined],
    ]);
    expect(window!.progress.map((e) => e.seq)).toEqual(window!.progress.map((_, i) => i));
    expect(window!.progress.every((e) => e.jobId === jobId && e.kind === 'check')).toBe(true);
    expect(window!.progress[2]).toMatchObject({ step: { index: 1, total: 2, label: 'Upload' } });
    expect(window!.progress[3]).toMatchObject({ stream: 'stdout', text: 'copied 3 files' });
    expect(doneOf(window!.progress)).toMatchObject({ outcome: 'finished', saved: false });
    expect(engine.runningOf('check')).toBeNull();

    // Each job has its own id.
    const second = engine.start(definition, job(async () => undefined));
    expect(second.ok && second.value.jobId).not.toBe(jobId);
  });

  test('a window that opens late catches up: the events so far with the last log lines of each machine, and the open question', async () => {
    let answer: Promise<boolean | null> | undefined;
    const started = engine.start(definition, job(async (ctx) => {
        ctx.machineStarted('m-nas');
        for (let line = 1; line <= 5; line += 1) ctx.log('m-nas', `line ${line}`, 'stdout');
        ctx.log(null, 'about the whole job');
        answer = ctx.ask({ type: 'hostKey', machines: ['nas'], host: 'nas.lan', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc', otherKeyTypes: [], knownHostsFile: '/k' });
        await answer;
      }),
    );
    const jobId = started.ok ? started.value.jobId : '';
    await until(() => answer !== undefined);
    const [snapshot] = runningJobs();
    expect(snapshot).toMatchObject({ jobId, kind: 'check' });
    // keptLogLines is 3: the two oldest lines of nas were shown as they came, and are not replayed.
    expect(snapshot!.events.map((e) => (e.type === 'log' ? e.text : e.type))).toEqual(['started', 'machineStarted', 'line 3', 'line 4', 'line 5', 'about the whole job']);
    expect(snapshot!.events.map((e) => e.seq)).toEqual([0, 1, 4, 5, 6, 7]);
    expect(snapshot!.prompts).toMatchObject([{ jobId, type: 'hostKey', host: 'nas.lan' }]);
    engine.cancel(jobId);
    expect(await answer).toBeNull();
    await until(() => runningJobs().length === 0);
  });

  test('a question answered in one window closes in every window; a second answer, or one of the wrong kind, is refused', async () => {
    const windows = twoWindows(events);
    let answered: boolean | null | undefined;
    const started = engine.start(definition, job(async (ctx) => {
        answered = await ctx.ask({ type: 'hostKey', machines: ['pi'], host: '192.0.2.11', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc', otherKeyTypes: [], knownHostsFile: '/k' });
      }),
    );
    const jobId = started.ok ? started.value.jobId : '';
    await until(() => windows.every((w) => w.prompts.length === 1));
    const prompt = windows[0]!.prompts[0]!;
    expect(windows[1]!.prompts[0]).toEqual(prompt);
    expect(prompt).toMatchObject({ jobId, type: 'hostKey', machines: ['pi'], fingerprint: 'SHA256:abc' });
    expect(prompt.promptId).toMatch(/^[0-9a-f]{16}$/);

    expect(engine.answer({ promptId: prompt.promptId, passphrase: 'not a trust answer' })).toEqual({ ok: true, value: { accepted: false } });
    // The second window answers first.
    expect(engine.answer({ promptId: prompt.promptId, trust: true })).toEqual({ ok: true, value: { accepted: true } });
    expect(engine.answer({ promptId: prompt.promptId, trust: false })).toEqual({ ok: true, value: { accepted: false } });
    for (const window of windows) expect(window.prompts.at(-1)).toEqual({ jobId, promptId: prompt.promptId, type: 'closed' });
    await until(() => doneOf(windows[0]!.progress) !== undefined);
    expect(answered).toBe(true);
    expect(engine.answer({ promptId: '0123456789abcdef', trust: true })).toEqual({ ok: true, value: { accepted: false } });
  });

  test('cancel during a question withdraws it, ends the waiting with no answer and the job as cancelled', async () => {
    const [window] = twoWindows(events);
    let answered: string | null | undefined;
    let signalAborted = false;
    const started = engine.start(definition, job(async (ctx) => {
        answered = await ctx.ask({ type: 'passphrase', keyPath: '/home/me/.ssh/id_ed25519', host: 'nas.lan', attempt: 1 });
        signalAborted = ctx.signal.aborted;
      }),
    );
    const jobId = started.ok ? started.value.jobId : '';
    await until(() => window!.prompts.length === 1);
    expect(engine.cancel('0000000000000000')).toEqual({ ok: true, value: { cancelled: false } });
    expect(engine.cancel(jobId)).toEqual({ ok: true, value: { cancelled: true } });
    await until(() => doneOf(window!.progress) !== undefined);
    expect(window!.prompts.at(-1)).toEqual({ jobId, promptId: window!.prompts[0]!.promptId, type: 'closed' });
    expect(answered).toBeNull();
    expect(signalAborted).toBe(true);
    expect(doneOf(window!.progress)).toMatchObject({ outcome: 'cancelled', report: { outcome: 'cancelled' } });
    expect(engine.cancel(jobId)).toEqual({ ok: true, value: { cancelled: false } });
  });

  test('a job past its time limit is stopped and ends as timed out; the limit stands still while the person is asked', async () => {
    const [window] = twoWindows(events);
    // Waits for an answer longer than its limit, then works within it: the wait does not count.
    const patient = engine.start(definition, job(async (ctx) => {
        await ctx.ask({ type: 'passphrase', keyPath: '/k', host: 'nas.lan', attempt: 1 });
        await new Promise((r) => setTimeout(r, 50));
      }, { timeoutMs: 200 }),
    );
    await until(() => window!.prompts.length === 1);
    await new Promise((r) => setTimeout(r, 500));
    engine.answer({ promptId: window!.prompts[0]!.promptId, passphrase: 'secret' });
    await until(() => doneOf(window!.progress) !== undefined);
    expect(doneOf(window!.progress)).toMatchObject({ jobId: patient.ok ? patient.value.jobId : '', outcome: 'finished' });

    // Hangs without listening to its signal: stopped at the limit, it still ends.
    window!.progress.length = 0;
    const startedAt = Date.now();
    let sawAbort = false;
    engine.start(definition, job(async (ctx) => {
        ctx.signal.addEventListener('abort', () => (sawAbort = true));
        await new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve()));
      }, { timeoutMs: 150 }),
    );
    await until(() => doneOf(window!.progress) !== undefined);
    expect(doneOf(window!.progress)).toMatchObject({ outcome: 'timedOut', report: { outcome: 'failed' } });
    expect(sawAbort).toBe(true);
    expect(Date.now() - startedAt).toBeLessThan(1_500);
  });

  test('a step that hangs is cut at its own limit and reported as timed out; the job goes on with the next machine', async () => {
    const [window] = twoWindows(events);
    const outcomes: string[] = [];
    let stepSignal: AbortSignal | undefined;
    engine.start(definition, job(async (ctx) => {
        ctx.machineStarted('m-nas');
        const hung = await ctx.step('m-nas', { index: 1, total: 1, label: 'Build', timeoutMs: 100 }, (signal) => {
          stepSignal = signal;
          // Work that ignores its signal: the engine stops waiting for it anyway.
          return new Promise<string>(() => undefined);
        });
        outcomes.push(hung.status === 'timedOut' ? `timedOut after ${hung.timeoutMs} ms` : hung.status);
        const quick = await ctx.step('m-pi', { index: 1, total: 1, label: 'Build', timeoutMs: 1_000 }, async () => 'built');
        outcomes.push(quick.status === 'done' ? quick.value : quick.status);
      }),
    );
    await until(() => doneOf(window!.progress) !== undefined);
    expect(outcomes).toEqual(['timedOut after 100 ms', 'built']);
    expect(stepSignal?.aborted).toBe(true);
    expect(window!.progress.filter((e) => e.type === 'machineStep').map((e) => e.type === 'machineStep' && [e.machineId, e.step])).toEqual([
      ['m-nas', { index: 1, total: 1, label: 'Build' }],
      ['m-pi', { index: 1, total: 1, label: 'Build' }],
    ]);
    expect(doneOf(window!.progress)?.outcome).toBe('finished');
  });

  test('one job of a kind at a time: a second start is refused with the kind’s error, and allowed as soon as `done` is out', async () => {
    const [window] = twoWindows(events);
    let release!: () => void;
    const first = engine.start(definition, job(() => new Promise<void>((resolve) => (release = resolve))));
    const firstId = first.ok ? first.value.jobId : '';
    expect(engine.start(definition, job(async () => undefined))).toEqual({ ok: false, error: { code: 'checkAlreadyRunning', details: { jobId: firstId } } });
    // A window that starts the next job the moment it sees `done` is not refused.
    const restarted: boolean[] = [];
    events.connect((channel, payload) => {
      if (channel === 'job:onDidProgress' && (payload as JobProgress).type === 'done' && (payload as JobProgress).jobId === firstId) restarted.push(engine.start(definition, job(async () => undefined)).ok);
    });
    release();
    await until(() => restarted.length === 1);
    expect(restarted).toEqual([true]);
    expect(window!.progress.filter((e) => e.type === 'started')).toHaveLength(2);
  });

  test('the report is kept beside the design file through the workspace folder, and read back; a damaged one counts as none', async () => {
    const [window] = twoWindows(events);
    engine.start(definition, job(async (ctx) => ctx.machineDone('m-nas', machineResult('m-nas', 'nas')), {
        forFile: 'family.clan-design.json',
        report: (end) => reportFor(end, [machineResult('m-nas', 'nas')]),
      }),
    );
    await until(() => doneOf(window!.progress) !== undefined);
    const done = doneOf(window!.progress)!;
    expect(done.saved).toBe(true);
    expect(JSON.parse(readFileSync(join(workspace, 'family.check.json'), 'utf8'))).toEqual(done.report);
    expect(await engine.readKept(definition, 'family.clan-design.json')).toEqual({ ok: true, value: done.report });
    expect(await engine.readKept(definition, 'other.clan-design.json')).toEqual({ ok: true, value: null });
    writeFileSync(join(workspace, 'family.check.json'), '{"kind": "clan-designer-check"');
    expect(await engine.readKept(definition, 'family.clan-design.json')).toEqual({ ok: true, value: null });
  });

  test('a link planted under the report’s name is neither written through nor read: the job ends and says why it was not kept', async () => {
    const [window] = twoWindows(events);
    const outside = join(mkdtempSync(join(tmpdir(), 'cnd-jobs-outside-')), 'elsewhere.json');
    writeFileSync(outside, 'not yours');
    symlinkSync(outside, join(workspace, 'family.check.json'));
    engine.start(definition, job(async () => undefined, { forFile: 'family.clan-design.json' }));
    await until(() => doneOf(window!.progress) !== undefined);
    const done = doneOf(window!.progress)!;
    expect(done.saved).toBe(false);
    expect(done.saveError?.code).toBe('notARegularFile');
    expect(readFileSync(outside, 'utf8')).toBe('not yours');
    expect(logged.some((line) => line.includes('could not keep the check report'))).toBe(true);
    expect(await engine.readKept(definition, 'family.clan-design.json')).toMatchObject({ ok: false, error: { code: 'notARegularFile' } });
  });

  test('dispose (the app closing) stops every running job: its signal aborts, its question closes, it ends as cancelled', async () => {
    const [window] = twoWindows(events);
    engine.start(definition, job(async (ctx) => {
        await ctx.ask({ type: 'passphrase', keyPath: '/k', host: 'nas.lan', attempt: 1 });
        await new Promise<void>((resolve) => (ctx.signal.aborted ? resolve() : ctx.signal.addEventListener('abort', () => resolve())));
      }, { forFile: 'family.clan-design.json' }),
    );
    await until(() => window!.prompts.length === 1);
    engine.dispose();
    await until(() => doneOf(window!.progress) !== undefined);
    expect(window!.prompts.at(-1)).toMatchObject({ type: 'closed' });
    expect(doneOf(window!.progress)).toMatchObject({ outcome: 'cancelled', saved: true });
    expect(existsSync(join(workspace, 'family.check.json'))).toBe(true);
    expect(engine.runningOf('check')).toBeNull();
  });

  test('a job whose work breaks ends as failed with the cause in the log; what it sends after its end is dropped', async () => {
    const [window] = twoWindows(events);
    let late: (() => void) | undefined;
    engine.start(definition, job(async (ctx) => {
        late = () => ctx.machineStarted('m-pi');
        throw new Error('disk on fire');
      }),
    );
    await until(() => doneOf(window!.progress) !== undefined);
    expect(doneOf(window!.progress)).toMatchObject({ outcome: 'failed', report: { outcome: 'failed' } });
    expect(logged).toContain('check job failed');
    const count = window!.progress.length;
    late!();
    expect(window!.progress).toHaveLength(count);
  });
});
