import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { connect } from 'node:net';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createBackend } from '../rpc/createBackend';
import { startServer, type ServeHandle } from './server';
import { SessionStore, type PairingCodeNotice } from './sessions';
import { loadOrCreateCertificate } from './tls';

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

const json = { 'Content-Type': 'application/json' };

describe('serve mode HTTP server', () => {
  let handle: ServeHandle;
  let rendererDir: string;
  let now = Date.now();
  const codes: PairingCodeNotice[] = [];
  const sessions = new SessionStore({ sessionLifetimeMs: 60_000, now: () => now, onPairingCode: (notice) => codes.push(notice) });
  const backend = createBackend({ mode: 'serve', log: () => undefined, workspaceDir: mkdtempSync(join(tmpdir(), 'serve-ws-')), dataDir: mkdtempSync(join(tmpdir(), 'serve-data-')) });
  let cookie = '';

  /** Pairs with the current code and returns the Cookie header to send. */
  const pair = async (): Promise<string> => {
    const { code } = sessions.currentCode();
    const reply = await send(handle, '/api/session/pair', { method: 'POST', headers: json, body: JSON.stringify({ code }) });
    expect(reply.status).toBe(200);
    const setCookie = ([] as string[]).concat(reply.headers['set-cookie'] ?? []);
    return setCookie[0]!.split(';')[0]!;
  };
  const auth = () => ({ ...json, Cookie: cookie });

  beforeAll(async () => {
    rendererDir = mkdtempSync(join(tmpdir(), 'renderer-'));
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>app</title>');
    mkdirSync(join(rendererDir, 'assets'));
    writeFileSync(join(rendererDir, 'assets', 'app.js'), 'console.log(1)');
    writeFileSync(join(rendererDir, '..', 'secret-outside.txt'), 'secret');
    handle = await startServer({ backend, rendererDir, port: 0, sessions, log: () => undefined });
    cookie = await pair();
  });

  afterAll(async () => {
    await handle.close();
    rmSync(rendererDir, { recursive: true, force: true });
    rmSync(join(rendererDir, '..', 'secret-outside.txt'), { force: true });
  });

  test('listens on 127.0.0.1 by default and offers a loopback address to open', () => {
    expect(handle.host).toBe('127.0.0.1');
    expect(handle.scheme).toBe('http');
    expect(handle.openUrls).toEqual([`http://127.0.0.1:${handle.port}/`]);
  });

  test('a pairing code gives an HttpOnly, SameSite=Strict session cookie named for this port, and works only once', async () => {
    const { code } = sessions.currentCode();
    const reply = await send(handle, '/api/session/pair', { method: 'POST', headers: { ...json, Origin: `http://127.0.0.1:${handle.port}` }, body: JSON.stringify({ code: code.toLowerCase().replace(/^(.{4})/, '$1-') }) });
    expect(reply.status).toBe(200);
    const setCookie = ([] as string[]).concat(reply.headers['set-cookie'] ?? [])[0]!;
    expect(setCookie).toMatch(new RegExp(`^cnd-session-${handle.port}=[A-Za-z0-9_-]{43}; `));
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).toMatch(/Max-Age=60(;|$)/);
    const again = await send(handle, '/api/session/pair', { method: 'POST', headers: json, body: JSON.stringify({ code }) });
    expect(again.status).toBe(401);
    expect(JSON.parse(again.body).error).toMatchObject({ code: 'pairingCodeInvalid', details: { reason: 'expired' } });
  });

  test('answers an API call from a signed-in browser', async () => {
    const reply = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: auth(), body: '{}' });
    expect(reply.status).toBe(200);
    const body = JSON.parse(reply.body);
    expect(body.ok).toBe(true);
    expect(body.value.mode).toBe('serve');
  });

  test('refuses API calls without a session, or with a made-up one, with 401 notSignedIn', async () => {
    const without = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: json, body: '{}' });
    expect(without.status).toBe(401);
    expect(JSON.parse(without.body).error.code).toBe('notSignedIn');
    const madeUp = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: { ...json, Cookie: `cnd-session-${handle.port}=${'A'.repeat(43)}` }, body: '{}' });
    expect(madeUp.status).toBe(401);
    const status = JSON.parse((await send(handle, '/api/session', { headers: { Cookie: cookie } })).body);
    expect(status).toMatchObject({ ok: true, value: { signedIn: true } });
  });

  test('refuses an API call from a foreign Origin with 403, even when signed in', async () => {
    const reply = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: { ...auth(), Origin: 'https://evil.example' }, body: '{}' });
    expect(reply.status).toBe(403);
    const pairing = await send(handle, '/api/session/pair', { method: 'POST', headers: { ...json, Origin: 'https://evil.example' }, body: '{"code":"AAAA-AAAA"}' });
    expect(pairing.status).toBe(403);
    const sameOrigin = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: { ...auth(), Origin: `http://127.0.0.1:${handle.port}` }, body: '{}' });
    expect(sameOrigin.status).toBe(200);
  });

  test('refuses a cross-site browser request (Sec-Fetch-Site) and a foreign Host (DNS rebinding) with 403, pages included', async () => {
    const crossSite = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: { ...auth(), 'Sec-Fetch-Site': 'cross-site' }, body: '{}' });
    expect(crossSite.status).toBe(403);
    const rebound = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: { ...auth(), Host: `attacker.example:${handle.port}` }, body: '{}' });
    expect(rebound.status).toBe(403);
    const page = await send(handle, '/', { headers: { Host: `attacker.example:${handle.port}` } });
    expect(page.status).toBe(403);
    expect(page.body).toContain('--allow-host attacker.example');
  });

  test('the event stream needs a session, and ends when every browser is signed out', async () => {
    const without = await send(handle, '/api/events');
    expect(without.status).toBe(401);
    const foreign = await send(handle, '/api/events', { headers: { Cookie: cookie, Origin: 'https://evil.example' } });
    expect(foreign.status).toBe(403);
    const withCookie = await send(handle, '/api/events', { headers: { Cookie: cookie }, readFirstChunkOnly: true });
    expect(withCookie.status).toBe(200);
    expect(withCookie.headers['content-type']).toContain('text/event-stream');
  });

  test('delivers events from the services to an open stream', async () => {
    const received = new Promise<string>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port: handle.port, path: '/api/events', headers: { Host: `127.0.0.1:${handle.port}`, Cookie: cookie } }, (res) => {
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
    expect(await received).toContain('data: {"level":"info","code":"test.hello"}');
  });

  test('validates requests with the same contract as the desktop app, and answers bad encodings with 400', async () => {
    const extra = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: auth(), body: '{"unexpected":1}' });
    expect(JSON.parse(extra.body).error.code).toBe('invalidRequest');
    const unknown = await send(handle, '/api/rpc/app:doesNotExist', { method: 'POST', headers: auth(), body: '{}' });
    expect(JSON.parse(unknown.body).error.code).toBe('unknownChannel');
    const notJson = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: auth(), body: '{oops' });
    expect(notJson.status).toBe(400);
    const wrongType = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: { ...auth(), 'Content-Type': 'text/plain' }, body: '{}' });
    expect(wrongType.status).toBe(415);
    const badEscape = await send(handle, '/api/rpc/%E0%A4%A', { method: 'POST', headers: auth(), body: '{}' });
    expect(badEscape.status).toBe(400);
    const protocolRelative = await send(handle, '//[');
    expect(protocolRelative.status).toBe(403);
    const absoluteForm = await send(handle, 'http://[');
    expect(absoluteForm.status).toBe(400);
    const stillUp = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: auth(), body: '{}' });
    expect(stillUp.status).toBe(200);
  });

  test('serves the renderer with a strict CSP and never files outside its folder', async () => {
    const index = await send(handle, '/');
    expect(index.status).toBe(200);
    expect(index.body).toContain('<title>app</title>');
    expect(index.headers['content-security-policy']).toContain("default-src 'self'");
    expect(index.headers['content-security-policy']).not.toContain('unsafe-eval');
    expect(index.headers['cache-control']).toBe('no-store');
    const asset = await send(handle, '/assets/app.js');
    expect(asset.headers['content-type']).toContain('text/javascript');
    expect(asset.headers['cache-control']).toContain('immutable');
    const traversal = await send(handle, '/..%2fsecret-outside.txt');
    expect(traversal.status).toBe(403);
    const dotDot = await send(handle, '/assets/../../secret-outside.txt');
    expect(dotDot.status).toBe(403);
    expect(dotDot.body).not.toContain('secret');
    expect(traversal.body).not.toContain('secret');
    const malformed = await send(handle, '/%E0%A4%A');
    expect(malformed.status).toBe(400);
  });

  test('an expired session is refused as expired, and "sign out everywhere" ends every session', async () => {
    const other = await pair();
    now += 61_000;
    const expired = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: { ...json, Cookie: other }, body: '{}' });
    expect(expired.status).toBe(401);
    expect(JSON.parse(expired.body).error.details.reason).toBe('expired');
    cookie = await pair();
    const second = await pair();
    const signedIn = sessions.size;
    expect(signedIn).toBeGreaterThanOrEqual(2);
    const everywhere = await send(handle, '/api/session/sign-out-everywhere', { method: 'POST', headers: auth(), body: '{}' });
    expect(JSON.parse(everywhere.body)).toEqual({ ok: true, value: { sessionsEnded: signedIn } });
    expect(sessions.size).toBe(0);
    for (const gone of [cookie, second]) {
      const reply = await send(handle, '/api/rpc/app:info.get', { method: 'POST', headers: { ...json, Cookie: gone }, body: '{}' });
      expect(reply.status).toBe(401);
    }
    expect(codes.at(-1)?.reason).toBe('signedOutEverywhere');
    cookie = await pair();
  });

  test('a body over 5 MB is refused with 413 before it is read, and the client, still sending, gets that answer and keeps its connection', async () => {
    // Closing a socket while a body is still coming in makes the kernel send a reset, which can reach a client still
    // writing before it has read the answer; so the server lets the rest arrive (and throws it away) first.
    const big = Buffer.alloc(6 * 1024 * 1024, 0x61);
    const head = (length: string) => `POST /api/rpc/app:info.get HTTP/1.1\r\nHost: 127.0.0.1:${handle.port}\r\nCookie: ${cookie}\r\nContent-Type: application/json\r\n${length}\r\n\r\n`;
    const upload = (chunked: boolean) =>
      new Promise<{ answer: string; error: string | null }>((resolve) => {
        const socket = connect(handle.port, '127.0.0.1');
        let answer = '';
        const done = (error: string | null) => {
          socket.destroy();
          resolve({ answer, error });
        };
        socket.on('data', (chunk) => {
          answer += chunk.toString('latin1');
          if ((answer.match(/HTTP\/1\.1 \d{3} /g) ?? []).length === 2 && answer.endsWith('}')) done(null);
        });
        socket.on('error', (error: NodeJS.ErrnoException) => done(error.code ?? error.message));
        socket.on('close', () => done('closed'));
        socket.write(head(chunked ? 'Transfer-Encoding: chunked' : `Content-Length: ${big.length}`));
        socket.write(chunked ? Buffer.concat([Buffer.from(`${big.length.toString(16)}\r\n`), big, Buffer.from('\r\n0\r\n\r\n')]) : big);
        // The same connection's next request.
        socket.write(`${head('Content-Length: 2')}{}`);
      });
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => upload(i % 2 === 1)));
    for (const { answer, error } of results) {
      expect(error).toBeNull();
      expect(answer.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 413', 'HTTP/1.1 200']);
      expect(answer).toContain('request body too large');
    }
  });

  test('a signed-in browser can make a code for another device; others cannot', async () => {
    const refused = await send(handle, '/api/session/new-code', { method: 'POST', headers: json, body: '{}' });
    expect(refused.status).toBe(401);
    const made = JSON.parse((await send(handle, '/api/session/new-code', { method: 'POST', headers: auth(), body: '{}' })).body);
    expect(made.value.code).toMatch(/^[A-Z2-9]{8}$/);
    const reply = await send(handle, '/api/session/pair', { method: 'POST', headers: json, body: JSON.stringify({ code: made.value.code }) });
    expect(reply.status).toBe(200);
  });
});

describe('serve mode over HTTPS', () => {
  let handle: ServeHandle;
  let dataDir: string;
  let fingerprint = '';

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'serve-tls-'));
    const rendererDir = join(dataDir, 'renderer');
    mkdirSync(rendererDir);
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>tls</title>');
    const certificate = await loadOrCreateCertificate(dataDir, ['localhost', '127.0.0.1']);
    fingerprint = certificate.fingerprint256;
    const backend = createBackend({ mode: 'serve', log: () => undefined, workspaceDir: join(dataDir, 'ws'), dataDir });
    handle = await startServer({ backend, rendererDir, port: 0, sessions: new SessionStore(), tls: { cert: certificate.cert, key: certificate.key }, log: () => undefined });
  });

  afterAll(async () => {
    await handle.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('presents the certificate whose fingerprint was printed', async () => {
    const seen = await new Promise<string>((resolve, reject) => {
      const req = httpsRequest({ host: '127.0.0.1', port: handle.port, path: '/', rejectUnauthorized: false, headers: { Host: `127.0.0.1:${handle.port}` } }, (res) => {
        resolve((res.socket as TLSSocket).getPeerX509Certificate()!.fingerprint256);
        res.resume();
      });
      req.on('error', reject);
      req.end();
    });
    expect(handle.scheme).toBe('https');
    expect(seen).toBe(fingerprint);
  });

  test('sends someone who typed http:// on the same port to https://', async () => {
    const reply = await send(handle, '/some/page?x=1');
    expect(reply.status).toBe(308);
    expect(reply.headers.location).toBe(`https://127.0.0.1:${handle.port}/some/page`);
  });
});
