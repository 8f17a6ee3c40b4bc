import { describe, expect, test } from 'vitest';
import type { DeployProgress } from '../../shared/ipc/contract';
import { DeployProgressState, printable } from './deployView';

// The deploy's live view and plain lines, fed with progress events as the job engine sends them.

const jobId = '0123456789abcdef';
let seq = 0;
const event = (e: Record<string, unknown>) => ({ jobId, kind: 'deploy', seq: seq++, ...e }) as DeployProgress;
const started = (count: number) => event({ type: 'started', startedAt: 0, forFile: 'f.clan-design.json', machines: Array.from({ length: count }, (_, i) => ({ machineId: `m${i}`, name: `machine${i}` })) });

describe('the deploy view', () => {
  test('remote output cannot drive the terminal: escape sequences and control characters are removed', () => {
    expect(printable('\u001b]0;owned\u0007\u001b[2J\u001b[31mred\u001b[0m\ttext\r\u009b1Aend')).toBe('red textend');
    const state = new DeployProgressState(undefined);
    state.apply(started(1));
    state.apply(event({ type: 'machineStep', machineId: 'm0', step: { index: 2, total: 4, label: 'Build' } }));
    state.apply(event({ type: 'log', machineId: 'm0', stream: 'stderr', text: 'warning: \u001b[1mdirty\u001b[0m tree' }));
    const frame = state.frame({ title: 'Deploying f', now: 61_000, width: 80, rows: 24, color: false, footer: 'Ctrl+C cancels.' });
    expect(frame).toBe(['Deploying f  [█████░░░░░░░░░░░░░░] 25%  0 of 1 done  1:01', '▶ machine0  2/4 Build', '            › warning: dirty tree', 'Ctrl+C cancels.'].join('\n'));
    expect(state.line(event({ type: 'log', machineId: 'm0', stream: 'stdout', text: '\u001b[31mdone\u001b[0m' }))).toBe('machine0 | done');
  });

  test('lines are cut to the terminal width, and more machines than rows leave the running ones and a count', () => {
    const state = new DeployProgressState(undefined);
    state.apply(started(40));
    state.apply(event({ type: 'machineStarted', machineId: 'm3' }));
    state.apply(event({ type: 'machineStep', machineId: 'm3', step: { index: 1, total: 8, label: 'Connect over SSH and a very long label that does not fit in the width' } }));
    state.apply(event({ type: 'machineDone', machineId: 'm0', result: { machineId: 'm0', name: 'machine0', status: 'deployed', step: null, message: 'Deployed.', whatToDo: null, system: null, previousSystem: null, startedAt: 0, finishedAt: 1 } }));
    const frame = state.frame({ title: 'Deploying f', now: 0, width: 50, rows: 10, color: false, footer: 'Ctrl+C cancels.' }).split('\n');
    for (const line of frame) expect([...line].length).toBeLessThanOrEqual(49);
    expect(frame[1]).toBe('▶ machine3   1/8 Connect over SSH and a very lon…');
    expect(frame[2]).toBe('  … 39 more: 38 waiting, 1 done');
  });

  test('only the selected machines are shown and counted', () => {
    const state = new DeployProgressState(['m1']);
    state.apply(started(3));
    expect(state.progress()).toEqual({ fraction: 0, done: 0, total: 1, failed: 0 });
    expect(state.line(event({ type: 'machineStarted', machineId: 'm0' }))).toBeNull();
    expect(state.line(event({ type: 'machineStarted', machineId: 'm1' }))).toBe('machine1: started');
  });
});
