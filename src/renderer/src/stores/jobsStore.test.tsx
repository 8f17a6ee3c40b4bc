// @vitest-environment happy-dom
import { act } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { EventChannel } from '../../../shared/ipc/channels';
import type { EventPayloadOf, JobProgress, JobSnapshot } from '../../../shared/ipc/contract';
import type { JobPrompt } from '../../../shared/ipc/jobs';
import { ok } from '../../../shared/result';
import { useJobEvents, useJobsStore } from './jobsStore';

// The window's side of jobs: what it shows of each job from the events main pushes, including a window that opens
// while a job runs. The transport is a test double standing in for IPC or serve mode's event stream: the test
// pushes events and decides when job:list answers, which is what a real connection does in some order or other.

/** A transport double: subscriptions the test can push to, job:list answered when the test says, answers recorded. */
function transportDouble() {
  const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>();
  let answerList: ((jobs: JobSnapshot[]) => void) | undefined;
  const invoked: { channel: string; request: unknown }[] = [];
  const transport: ApiTransport = {
    subscribe: (channel, listener) => {
      const set = listeners.get(channel) ?? new Set();
      listeners.set(channel, set);
      set.add(listener as (payload: unknown) => void);
      return () => set.delete(listener as (payload: unknown) => void);
    },
    invoke: ((channel: string, request: unknown) => {
      invoked.push({ channel, request });
      if (channel === 'job:list') return new Promise((resolve) => (answerList = (jobs) => resolve(ok({ jobs }) as never)));
      if (channel === 'job:answer') return Promise.resolve(ok({ accepted: false }));
      return Promise.resolve(ok({ cancelled: true }));
    }) as ApiTransport['invoke'],
  };
  const push = <C extends EventChannel>(channel: C, payload: EventPayloadOf<C>) => act(() => listeners.get(channel)?.forEach((l) => l(payload)));
  return { transport, push, invoked, answerList: (jobs: JobSnapshot[]) => act(async () => answerList!(jobs)) };
}

let counter = 0;
/** A fresh job id per test: the store remembers ended jobs for the life of the window. */
const newJobId = () => (counter += 1).toString(16).padStart(16, 'a');

const started = (jobId: string, seq = 0): Extract<JobProgress, { type: 'started' }> => ({ jobId, kind: 'check', seq, type: 'started', startedAt: 1, forFile: 'home.clan-design.json', machines: [{ machineId: 'm-nas', name: 'nas' }, { machineId: 'm-pi', name: 'pi' }] });
const machineStarted = (jobId: string, seq: number, machineId: string): JobProgress => ({ jobId, kind: 'check', seq, type: 'machineStarted', machineId });
const log = (jobId: string, seq: number, machineId: string, text: string): JobProgress => ({ jobId, kind: 'check', seq, type: 'log', machineId, stream: 'stdout', text });
const hostKeyPrompt = (jobId: string, promptId: string): JobPrompt => ({ jobId, promptId, type: 'hostKey', machines: ['nas'], host: 'nas.lan', port: 22, keyType: 'ssh-ed25519', fingerprint: 'SHA256:abc', otherKeyTypes: [], knownHostsFile: '/k' });

let container: HTMLDivElement;
let root: Root;

function Listening({ backend }: { backend: ApiTransport }) {
  useJobEvents(backend);
  return null;
}

beforeEach(() => {
  useJobsStore.setState({ jobs: {}, running: {}, prompts: [] });
  container = document.createElement('div');
  document.body.append(container);
  root = createRoot(container);
});

afterEach(() => {
  act(() => root.unmount());
  container.remove();
});

describe('the jobs store', () => {
  test('shows each machine of a running job as it goes, takes every event once, and forgets the job’s questions when it ends', async () => {
    const backend = transportDouble();
    act(() => root.render(<Listening backend={backend.transport} />));
    await backend.answerList([]);
    const jobId = newJobId();
    backend.push('job:onDidProgress', started(jobId));
    backend.push('job:onDidProgress', machineStarted(jobId, 1, 'm-nas'));
    backend.push('job:onDidProgress', { jobId, kind: 'check', seq: 2, type: 'machineStep', machineId: 'm-nas', step: { index: 1, total: 3, label: 'Upload' } });
    backend.push('job:onDidProgress', log(jobId, 3, 'm-nas', 'copied flake.nix'));
    // The same event twice (a window that also caught up on it): applied once.
    backend.push('job:onDidProgress', log(jobId, 3, 'm-nas', 'copied flake.nix'));
    backend.push('job:onDidPrompt', hostKeyPrompt(jobId, 'f000000000000009'));

    let job = useJobsStore.getState().jobs[jobId]!;
    expect(useJobsStore.getState().running.check).toBe(jobId);
    expect(job.machines['m-nas']).toEqual({ name: 'nas', state: 'running', step: { index: 1, total: 3, label: 'Upload' }, log: [{ stream: 'stdout', text: 'copied flake.nix' }] });
    expect(job.machines['m-pi']).toMatchObject({ state: 'pending' });
    expect(useJobsStore.getState().prompts).toHaveLength(1);

    backend.push('job:onDidProgress', { jobId, kind: 'check', seq: 4, type: 'machineDone', machineId: 'm-nas', result: { machineId: 'm-nas', name: 'nas', target: null, via: null, status: 'ok', findings: [] } });
    job = useJobsStore.getState().jobs[jobId]!;
    expect([job.done, job.total, job.machines['m-nas']!.state]).toEqual([1, 2, 'done']);

    backend.push('job:onDidProgress', { jobId, kind: 'check', seq: 5, type: 'done', outcome: 'cancelled', report: { kind: 'clan-designer-check', version: 1, startedAt: 1, finishedAt: 2, outcome: 'cancelled', local: [], machines: [] }, saved: false });
    expect(useJobsStore.getState().running.check).toBeUndefined();
    expect(useJobsStore.getState().jobs[jobId]!.outcome).toBe('cancelled');
    expect(useJobsStore.getState().prompts).toEqual([]);
    // Late events of an ended job change nothing.
    backend.push('job:onDidProgress', machineStarted(jobId, 6, 'm-pi'));
    expect(useJobsStore.getState().jobs[jobId]!.machines['m-pi']!.state).toBe('pending');
  });

  test('a window that opens while a job runs catches up on it, with the events that came in meanwhile and without repeats', async () => {
    const backend = transportDouble();
    const jobId = newJobId();
    act(() => root.render(<Listening backend={backend.transport} />));
    expect(backend.invoked.map((c) => c.channel)).toEqual(['job:list']);
    // Live events arrive before the answer to job:list: one it will also contain (seq 2) and one after it (seq 3).
    backend.push('job:onDidProgress', log(jobId, 2, 'm-nas', 'second line'));
    backend.push('job:onDidProgress', log(jobId, 3, 'm-nas', 'third line'));
    expect(useJobsStore.getState().jobs[jobId]).toBeUndefined();
    await backend.answerList([{ jobId, kind: 'check', events: [started(jobId), machineStarted(jobId, 1, 'm-nas'), log(jobId, 2, 'm-nas', 'second line')], prompts: [hostKeyPrompt(jobId, 'f000000000000001') as Exclude<JobPrompt, { type: 'closed' }>] }]);

    const job = useJobsStore.getState().jobs[jobId]!;
    expect(useJobsStore.getState().running.check).toBe(jobId);
    expect(job.machines['m-nas']!.log.map((l) => l.text)).toEqual(['second line', 'third line']);
    expect(useJobsStore.getState().prompts.map((p) => p.promptId)).toEqual(['f000000000000001']);
  });

  test('a question answered in another window closes here, and a catch-up that still lists it does not bring it back', async () => {
    const backend = transportDouble();
    const jobId = newJobId();
    act(() => root.render(<Listening backend={backend.transport} />));
    backend.push('job:onDidProgress', started(jobId));
    backend.push('job:onDidPrompt', hostKeyPrompt(jobId, 'f000000000000002'));
    backend.push('job:onDidPrompt', hostKeyPrompt(jobId, 'f000000000000003'));
    backend.push('job:onDidPrompt', { jobId, promptId: 'f000000000000002', type: 'closed' });
    expect(useJobsStore.getState().prompts.map((p) => p.promptId)).toEqual(['f000000000000003']);
    await backend.answerList([{ jobId, kind: 'check', events: [started(jobId)], prompts: [hostKeyPrompt(jobId, 'f000000000000002') as Exclude<JobPrompt, { type: 'closed' }>] }]);
    expect(useJobsStore.getState().prompts.map((p) => p.promptId)).toEqual(['f000000000000003']);

    // An answer main no longer takes (answered elsewhere a moment ago) closes the question here at once.
    expect(await useJobsStore.getState().answer(backend.transport, { promptId: 'f000000000000003', trust: true })).toBe(false);
    expect(useJobsStore.getState().prompts).toEqual([]);
  });

  test('a job this window started shows as running before its `started` event; one that already ended does not come back', () => {
    const jobId = newJobId();
    const machines = [{ machineId: 'm-nas', name: 'nas' }];
    useJobsStore.getState().expectJob({ jobId, kind: 'check', forFile: null, machines });
    expect(useJobsStore.getState().running.check).toBe(jobId);
    expect(useJobsStore.getState().jobs[jobId]).toMatchObject({ total: 1, machines: { 'm-nas': { state: 'pending' } } });
    // The real `started` arrives afterwards: nothing is reset.
    useJobsStore.getState().applyEvent(machineStarted(jobId, 1, 'm-nas'));
    useJobsStore.getState().applyEvent({ ...started(jobId), machines });
    expect(useJobsStore.getState().jobs[jobId]!.machines['m-nas']!.state).toBe('running');

    // A job so short that its `done` came before the answer to its start.
    const quick = newJobId();
    useJobsStore.getState().applyEvent(started(quick));
    useJobsStore.getState().applyEvent({ jobId: quick, kind: 'check', seq: 1, type: 'done', outcome: 'finished', report: { kind: 'clan-designer-check', version: 1, startedAt: 1, finishedAt: 2, outcome: 'finished', local: [], machines: [] }, saved: true });
    useJobsStore.getState().expectJob({ jobId: quick, kind: 'check', forFile: null, machines });
    expect(useJobsStore.getState().jobs[quick]!.outcome).toBe('finished');
    expect(useJobsStore.getState().running.check).toBeUndefined();
  });
});
