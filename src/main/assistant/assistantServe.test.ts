import { existsSync, mkdtempSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createBackend } from '../rpc/createBackend';
import { startServer, type ServeHandle } from '../serve/server';
import { SessionStore } from '../serve/sessions';
import { SETTINGS_FILE } from './settings';

// The assistant's settings in serve mode: like every operation they need a signed-in browser, and the key a browser
// sends is stored in main and never sent back to any browser.

function post(handle: ServeHandle, channel: string, body: unknown, cookie?: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { Host: `127.0.0.1:${handle.port}`, 'Content-Type': 'application/json', ...(cookie === undefined ? {} : { Cookie: cookie }) };
    const req = request({ host: '127.0.0.1', port: handle.port, path: `/api/rpc/${channel}`, method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}

describe('assistant settings in serve mode', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'cnd-serve-assistant-'));
  const sessions = new SessionStore({ sessionLifetimeMs: 60_000 });
  const backend = createBackend({ mode: 'serve', log: () => undefined, workspaceDir: mkdtempSync(join(tmpdir(), 'cnd-serve-ws-')), dataDir, cleanStaleTempFiles: false, assistant: { env: {} } });
  let handle: ServeHandle;
  let cookie = '';
  const change = { preset: 'openai', baseUrl: '', model: 'gpt-4o-mini', redaction: 'auto', apiKey: 'sk-serve-secret-0123456789' };

  beforeAll(async () => {
    handle = await startServer({ backend, rendererDir: mkdtempSync(join(tmpdir(), 'cnd-serve-renderer-')), port: 0, sessions, log: () => undefined });
    const paired = await new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: handle.port, path: '/api/session/pair', method: 'POST', headers: { Host: `127.0.0.1:${handle.port}`, 'Content-Type': 'application/json' } }, (res) => {
        res.resume();
        res.on('end', () => resolve(([] as string[]).concat(res.headers['set-cookie'] ?? [])[0]!.split(';')[0]!));
      });
      req.on('error', reject);
      req.end(JSON.stringify({ code: sessions.currentCode().code }));
    });
    cookie = paired;
  });
  afterAll(async () => {
    await handle.close();
  });

  test('changing them without a signed-in session is refused (401) and changes nothing', async () => {
    const refused = await post(handle, 'assistant:settings.set', change);
    expect(refused.status).toBe(401);
    expect(JSON.parse(refused.body)).toMatchObject({ ok: false, error: { code: 'notSignedIn' } });
    expect(existsSync(join(dataDir, SETTINGS_FILE))).toBe(false);
    expect((await post(handle, 'assistant:settings.get', {})).status).toBe(401);
  });

  test('a signed-in browser changes them; the key it sent is never in an answer', async () => {
    const set = await post(handle, 'assistant:settings.set', change, cookie);
    expect(set.status).toBe(200);
    expect(JSON.parse(set.body)).toMatchObject({ ok: true, value: { preset: 'openai', model: 'gpt-4o-mini', hasApiKey: true, local: false } });
    const got = await post(handle, 'assistant:settings.get', {}, cookie);
    expect(JSON.parse(got.body)).toMatchObject({ ok: true, value: { hasApiKey: true } });
    expect(set.body + got.body).not.toContain(change.apiKey);
  });
});
