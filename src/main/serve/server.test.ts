import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createBackend } from '../rpc/createBackend';
import { isLoopbackHost, startServer, type ServeHandle } from './server';

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so tests control every header (fetch would add or forbid some). */
function send(handle: ServeHandle, path: string, options: { method?: string; headers?: Record<string, string>; body?: string; readFirstChunkOnly?: boolean } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: handle.port, path, method: options.method ?? 'GET', headers: { Host: `127.0.0.1:${handle.port}`, ...options.headers } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
        if (options.readFirstChunkOnly === true) {
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
          req.destroy();
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

describe('serve mode HTTP server', () => {
  let handle: ServeHandle;
  let rendererDir: string;
  const backend = createBackend({ mode: 'serve', log: () => undefined, workspaceDir: mkdtempSync(join(tmpdir(), 'serve-ws-')), dataDir: mkdtempSync(join(tmpdir(), 'serve-data-')) });
  const auth = () => ({ Authorization: `Bearer ${handle.token}`, 'Content-Type': 'application/json' });

  beforeAll(async () => {
    rendererDir = mkdtempSync(join(tmpdir(), 'renderer-'));
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>app</title>');
    mkdirSync(join(rendererDir, 'assets'));
    writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(rendererDir, '..', 'secret-outside.txt'), 'secret');
    handle = await startServer({ backend, rendererDir, port: 0 });
  });

  afterAll(async () => {
    await handle.close();
    rmSync(rendererDir, { recursive: true, force: true });
    rmSync(join(rendererDir, '..', 'secret-outside.txt'), { force: true });
  });

  test('prints an address with a long random token in the fragment, bound to 127.0.0.1 by default', () => {
    expect(handle.host).toBe('127.0.0.1');
    expect(handle.urlWithToken).toBe(`${handle.url}#token=${handle.token}`);
    expect(handle.token.length).toBeGreaterThanOrEqual(40);
  });

  test('makes a new token on every start', async () => {
    const other = await startServer({ backend, rendererDir, port: 0 });
    expect(other.token).not.toBe(handle.token);
    await other.close();
  });

  test('answers an API call that carries the token', async () => {
    const reply = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: auth(), body: '{}' });
    expect(reply.status).toBe(200);
    const body = JSON.parse(reply.body);
    expect(body.ok).toBe(true);
    expect(body.value.mode).toBe('serve');
    expect(body.value.version).toMatch(/^\d+\.\d+\.\d+/);
  });

  test('refuses an API call without a token with 401', async () => {
    const reply = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{}' });
    expect(reply.status).toBe(401);
    expect(JSON.parse(reply.body).ok).toBe(false);
  });

  test('refuses an API call with a wrong token with 401', async () => {
    const reply = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: { ...auth(), Authorization: `Bearer ${handle.token.slice(0, -1)}x` }, body: '{}' });
    expect(reply.status).toBe(401);
  });

  test('refuses an API call from a foreign Origin with 403, even with the token', async () => {
    const reply = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: { ...auth(), Origin: 'https://evil.example' }, body: '{}' });
    expect(reply.status).toBe(403);
    const sameOrigin = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: { ...auth(), Origin: `http://127.0.0.1:${handle.port}` }, body: '{}' });
    expect(sameOrigin.status).toBe(200);
  });

  test('refuses a cross-site browser request (Sec-Fetch-Site) and a foreign Host (DNS rebinding) with 403', async () => {
    const crossSite = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: { ...auth(), 'Sec-Fetch-Site': 'cross-site' }, body: '{}' });
    expect(crossSite.status).toBe(403);
    const rebound = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: { ...auth(), Host: `attacker.example:${handle.port}` }, body: '{}' });
    expect(rebound.status).toBe(403);
  });

  test('the event stream needs the token too', async () => {
    const without = await send(handle, '/api/events');
    expect(without.status).toBe(401);
    const foreign = await send(handle, '/api/events', { headers: { Authorization: `Bearer ${handle.token}`, Origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    const withToken = await send(handle, '/api/events', { headers: { Authorization: `Bearer ${handle.token}` }, readFirstChunkOnly: true });
    expect(withToken.status).toBe(200);
    expect(withToken.headers['content-type']).toContain('text/event-stream');
  });

  test('delivers events from the services to an open stream', async () => {
    const received = new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: handle.port, path: '/api/events', headers: { Host: `127.0.0.1:${handle.port}`, Authorization: `Bearer ${handle.token}` } }, (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
          if (text.includes(': connected')) backend.services.events.emit('app:onDidNotify', { level: 'info', code: 'test.hello' });
          if (text.includes('event: app:onDidNotify')) {
            resolve(text);
            req.destroy();
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    const text = await received;
    expect(text).toContain('data: {"level":"info","code":"test.hello"}');
  });

  test('validates requests with the same contract as the desktop app', async () => {
    const extra = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: auth(), body: '{"unexpected":1}' });
    expect(JSON.parse(extra.body).error.code).toBe('invalidRequest');
    const unknown = await send(handle, '/api/rpc/app:doesNotExist', { method: 'POST', headers: auth(), body: '{}' });
    expect(JSON.parse(unknown.body).error.code).toBe('unknownChannel');
    const notJson = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: auth(), body: '{oops' });
    expect(notJson.status).toBe(400);
    const wrongType = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: { ...auth(), 'Content-Type': 'text/plain' }, body: '{}' });
    expect(wrongType.status).toBe(415);
  });

  test('refuses openExternal for URLs outside the allowlist', async () => {
    const reply = await send(handle, '/api/rpc/app:openExternal', { method: 'POST', headers: auth(), body: JSON.stringify({ url: 'http://evil.example/x' }) });
    expect(JSON.parse(reply.body).error.code).toBe('externalUrlNotAllowed');
    const allowed = await send(handle, '/api/rpc/app:openExternal', { method: 'POST', headers: auth(), body: JSON.stringify({ url: 'https://github.com/Qubasa/vpn-bench' }) });
    expect(JSON.parse(allowed.body)).toEqual({ ok: true, value: { opened: false } });
  });

  test('serves the renderer with a strict CSP and never files outside its folder', async () => {
    const index = await send(handle, '/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>app</title>');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.headers['content-security-policy']).not.toContain('unsafe-eval');
    const asset = await send(handle, '/assets/app.js');
    expect(asset.headers['content-type']).toContain('text/javascript');
    const traversal = await send(handle, '/..%2fsecret-outside.txt');
    expect(traversal.status).toBe(404);
    expect(traversal.body).not.toContain('secret');
  });

  test('isLoopbackHost tells which addresses keep the server private', () => {
    expect(isLoopbackHost('127.0.0.1')).toBe(true);
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('localhost')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
    expect(isLoopbackHost('192.168.1.10')).toBe(false);
  });
});
