import { describe, expect, test } from 'vitest';
import { apiPathOf, eventChannels, isEventChannel, isRequestChannel, requestChannels } from './channels';
import { eventContract, jobKinds, jobProgressSchema, requestContract, resultSchemaOf, sshKeyFileNameSchema } from './contract';

describe('the RPC contract', () => {
  test('the channel lists and the schema tables name the same channels', () => {
    expect(Object.keys(requestContract).sort()).toEqual([...requestChannels].sort());
    expect(Object.keys(eventContract).sort()).toEqual([...eventChannels].sort());
  });

  test('channel names are namespaced and events are named onDidX or onWillX', () => {
    for (const channel of requestChannels) expect(channel).toMatch(/^[a-z]+:[a-zA-Z.]+$/);
    for (const channel of eventChannels) expect(channel).toMatch(/^[a-z]+:on(Did|Will)[A-Z]\w+$/);
  });

  test('each channel maps to one distinct window.api function', () => {
    expect(apiPathOf('app:info.get')).toEqual(['app', 'infoGet']);
    const paths = [...requestChannels, ...eventChannels].map((c) => apiPathOf(c).join('.'));
    expect(new Set(paths).size).toBe(paths.length);
  });

  test('channel guards accept only contract names', () => {
    expect(isRequestChannel('app:info.get')).toBe(true);
    expect(isRequestChannel('app:onDidNotify')).toBe(false);
    expect(isEventChannel('app:onDidNotify')).toBe(true);
    expect(isRequestChannel('__proto__')).toBe(false);
  });

  test('responses are Results whose errors carry a known code', () => {
    const schema = resultSchemaOf(requestContract['app:openExternal'].response);
    expect(schema.safeParse({ ok: true, value: { opened: true } }).success).toBe(true);
    expect(schema.safeParse({ ok: false, error: { code: 'externalUrlNotAllowed' } }).success).toBe(true);
    expect(schema.safeParse({ ok: false, error: { code: 'madeUp' } }).success).toBe(false);
    expect(schema.safeParse({ ok: true, value: { opened: 'yes' } }).success).toBe(false);
  });

  test('every job kind has progress events, and every kind of progress event is a listed job kind', () => {
    const kindsWithEvents = jobProgressSchema.options.map((events) => events.options[0].shape.kind.value);
    expect([...kindsWithEvents].sort()).toEqual([...jobKinds].sort());
  });

  test('a check job’s events carry its kind and number; an event of no kind, or a result that is not a check result, is refused', () => {
    const base = { jobId: '0123456789abcdef', seq: 3, type: 'machineStarted', machineId: 'm1' };
    expect(jobProgressSchema.safeParse({ ...base, kind: 'check' }).success).toBe(true);
    expect(jobProgressSchema.safeParse(base).success).toBe(false);
    expect(jobProgressSchema.safeParse({ ...base, kind: 'check', seq: -1 }).success).toBe(false);
    expect(jobProgressSchema.safeParse({ ...base, kind: 'check', type: 'machineDone', result: { machineId: 'm1' } }).success).toBe(false);
  });

  test('picked SSH keys are file names in ~/.ssh: anything that could name another file is refused', () => {
    expect(sshKeyFileNameSchema.safeParse('id_ed25519').success).toBe(true);
    expect(sshKeyFileNameSchema.safeParse('homelab key').success).toBe(true);
    for (const name of ['', '.', '..', '../.bashrc', '/etc/shadow', 'a\\b', 'a\0b', 'x'.repeat(256)]) expect({ name, ok: sshKeyFileNameSchema.safeParse(name).success }).toEqual({ name, ok: false });
  });
});
