import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { requestChannels } from '../../shared/ipc/channels';
import { createBackend } from '../rpc/createBackend';
import { appEntryUrl, isAppUrl } from '../security';
import { registerIpc, type InvokeEventLike, type IpcMainLike } from './registerIpc';

type Listener = (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>;

function fakeIpcMain(): IpcMainLike & { handlers: Map<string, Listener> } {
  const handlers = new Map<string, Listener>();
  return {
    handlers,
    handle: (channel, listener) => void handlers.set(channel, listener),
    removeHandler: (channel) => void handlers.delete(channel),
  };
}

const appPage = appEntryUrl;
const trusted = (url: string) => isAppUrl(url);

describe('Electron IPC handlers', () => {
  const { dispatch } = createBackend({ mode: 'electron', log: () => undefined, workspaceDir: mkdtempSync(join(tmpdir(), 'ipc-ws-')), dataDir: mkdtempSync(join(tmpdir(), 'ipc-data-')) });

  test('registers exactly the contract channels and removes them again', () => {
    const ipc = fakeIpcMain();
    const dispose = registerIpc(ipc, dispatch, trusted);
    expect([...ipc.handlers.keys()].sort()).toEqual([...requestChannels].sort());
    dispose();
    expect(ipc.handlers.size).toBe(0);
  });

  test('answers the app main frame', async () => {
    const ipc = fakeIpcMain();
    registerIpc(ipc, dispatch, trusted);
    const result = (await ipc.handlers.get('app:info.get')!({ senderFrame: { url: appPage, parent: null } }, {})) as { ok: boolean; value: { mode: string } };
    expect(result.ok).toBe(true);
    expect(result.value.mode).toBe('electron');
  });

  test('refuses a sender from another origin, a file:// page, a subframe, or a destroyed frame', async () => {
    const ipc = fakeIpcMain();
    registerIpc(ipc, dispatch, trusted);
    const handler = ipc.handlers.get('app:info.get')!;
    const senders = [
      { url: 'https://evil.example/', parent: null },
      // The renderer used to be loaded from file://; a local HTML file opened in the window must not get the API.
      { url: 'file:///opt/app/resources/app.asar/out/renderer/index.html', parent: null },
      { url: 'app://evil/index.html', parent: null },
      { url: appPage, parent: {} },
      null,
    ];
    for (const senderFrame of senders) {
      const result = (await handler({ senderFrame }, {})) as { ok: boolean; error: { code: string } };
      expect(result.ok).toBe(false);
      expect(result.error.code).toBe('untrustedSender');
    }
  });

  test('refuses malformed arguments before any service runs', async () => {
    const ipc = fakeIpcMain();
    registerIpc(ipc, dispatch, trusted);
    const handler = ipc.handlers.get('app:openExternal')!;
    const frame = { senderFrame: { url: appPage, parent: null } };
    const wrongShape = (await handler(frame, { url: ['x'] })) as { error: { code: string } };
    expect(wrongShape.error.code).toBe('invalidRequest');
    const twoArgs = (await handler(frame, { url: 'https://github.com' }, 'extra')) as { error: { code: string } };
    expect(twoArgs.error.code).toBe('invalidRequest');
  });
});
