import { beforeEach, describe, expect, test, vi } from 'vitest';
import { eventChannels, requestChannels } from '../shared/ipc/channels';

const exposed: Record<string, unknown> = {};
const invoke = vi.fn(async (channel: string, request: unknown) => ({ ok: true, value: { channel, request } }));
const on = vi.fn();
const removeListener = vi.fn();

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
  ipcRenderer: { invoke, on, removeListener, send: vi.fn(), sendSync: vi.fn() },
}));

describe('preload bridge', () => {
  beforeEach(async () => {
    vi.resetModules();
    await import('./index');
  });

  test('exposes one function per operation and never ipcRenderer itself', () => {
    const api = exposed.api as Record<string, Record<string, unknown>>;
    expect(Object.keys(exposed)).toEqual(['api']);
    const functions = Object.values(api).flatMap((ns) => Object.values(ns));
    expect(functions.length).toBe(requestChannels.length + eventChannels.length);
    expect(functions.every((fn) => typeof fn === 'function')).toBe(true);
    expect(JSON.stringify(Object.keys(api.app ?? {}))).not.toMatch(/invoke|send|ipc/i);
  });

  test('an operation forwards to its own channel only', async () => {
    const api = exposed.api as { app: { infoGet: (r: unknown) => Promise<unknown> } };
    await api.app.infoGet({});
    expect(invoke).toHaveBeenLastCalledWith('app:info.get', {});
  });

  test('an event subscription can be removed again', () => {
    const api = exposed.api as { app: { onDidNotify: (cb: (p: unknown) => void) => () => void } };
    const unsubscribe = api.app.onDidNotify(() => undefined);
    expect(on).toHaveBeenLastCalledWith('app:onDidNotify', expect.any(Function));
    unsubscribe();
    expect(removeListener).toHaveBeenLastCalledWith('app:onDidNotify', on.mock.lastCall?.[1]);
  });
});
