import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { appError } from '../../shared/errors';
import { err } from '../../shared/result';
import type { Backend } from '../rpc/createBackend';
import { contentSecurityPolicy } from '../security';

/** Options of the serve-mode HTTP server. */
export interface ServeOptions {
  backend: Backend;
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string;
  host?: string;
  port?: number;
  /** A fixed token for tests; normally a fresh random one is made per start. */
  token?: string;
}

/** A running serve-mode server. */
export interface ServeHandle {
  server: Server;
  url: string;
  /** The address to open, with the token in the fragment (never sent to the server in requests or logs). */
  urlWithToken: string;
  token: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;
const API_PREFIX = '/api/rpc/';
const EVENTS_PATH = '/api/events';

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** Whether an address only accepts connections from this computer. */
export function isLoopbackHost(host: string): boolean {
  return host === '127.0.0.1' || host === '::1' || host === 'localhost' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function tokensEqual(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > MAX_BODY_BYTES) return undefined;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Starts the serve-mode server: the built renderer plus the same RPC contract as the desktop app, over HTTP.
 * Every API call and the event stream need the per-start token (Authorization: Bearer), a Host header naming
 * this server (against DNS rebinding) and, when a browser sends one, an Origin equal to this server's own.
 */
export async function startServer(options: ServeOptions): Promise<ServeHandle> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token ?? randomBytes(32).toString('base64url');
  const { backend } = options;
  const rendererDir = normalize(options.rendererDir);
  let port = options.port ?? 0;
  const streams = new Set<ServerResponse>();

  const allowedHosts = (): Set<string> => {
    const hosts = new Set([`${host}:${port}`, `localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]);
    if (host.includes(':')) hosts.add(`[${host}]:${port}`);
    return hosts;
  };

  /** Returns the HTTP status that refuses this API request, or undefined when it may proceed. */
  const refuse = (req: IncomingMessage): { status: number; reason: string } | undefined => {
    const hostHeader = req.headers.host ?? '';
    const bindAll = host === '0.0.0.0' || host === '::';
    if (!bindAll && !allowedHosts().has(hostHeader)) return { status: 403, reason: 'host' };
    const origin = req.headers.origin;
    if (origin !== undefined && origin !== `http://${hostHeader}`) return { status: 403, reason: 'origin' };
    const fetchSite = req.headers['sec-fetch-site'];
    if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') return { status: 403, reason: 'origin' };
    const auth = req.headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(auth);
    if (match === null || !tokensEqual(match[1]!, token)) return { status: 401, reason: 'token' };
    return undefined;
  };

  const serveStatic = async (req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    let relative: string;
    try {
      relative = decodeURIComponent(pathname);
    } catch {
      res.writeHead(400).end();
      return;
    }
    if (relative === '/' || relative === '') relative = '/index.html';
    const file = normalize(join(rendererDir, relative));
    if (file !== rendererDir && !file.startsWith(rendererDir + sep)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const info = await stat(file);
      if (!info.isFile()) throw new Error('not a file');
      res.writeHead(200, { 'Content-Type': contentTypes[extname(file)] ?? 'application/octet-stream', 'Content-Length': info.size });
      if (req.method === 'HEAD') res.end();
      else createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
    }
  };

  const server = createServer((req, res) => {
    securityHeaders(res);
    const url = new URL(req.url ?? '/', 'http://placeholder');
    const pathname = url.pathname;
    if (!pathname.startsWith('/api/')) {
      void serveStatic(req, res, pathname);
      return;
    }
    const refusal = refuse(req);
    if (refusal !== undefined) {
      sendJson(res, refusal.status, { ok: false, error: { code: refusal.status === 401 ? 'unauthorized' : 'forbidden', details: { reason: refusal.reason } } });
      return;
    }
    if (pathname === EVENTS_PATH && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive' });
      res.write(': connected\n\n');
      streams.add(res);
      req.on('close', () => streams.delete(res));
      return;
    }
    if (pathname.startsWith(API_PREFIX) && req.method === 'POST') {
      const channel = decodeURIComponent(pathname.slice(API_PREFIX.length));
      const contentType = req.headers['content-type'] ?? '';
      if (!contentType.startsWith('application/json')) {
        sendJson(res, 415, err(appError('invalidRequest', { reason: 'content-type must be application/json' })));
        return;
      }
      void readBody(req).then(async (body) => {
        if (body === undefined) {
          sendJson(res, 413, err(appError('invalidRequest', { reason: 'request body too large' })));
          return;
        }
        let parsed: unknown;
        try {
          parsed = body === '' ? {} : JSON.parse(body);
        } catch {
          sendJson(res, 400, err(appError('invalidRequest', { reason: 'body is not JSON' })));
          return;
        }
        const result = await backend.dispatch(channel, parsed);
        // Expected failures are values with status 200, as over IPC; HTTP errors mean the transport refused.
        sendJson(res, 200, result);
      });
      return;
    }
    sendJson(res, 404, err(appError('unknownChannel', { path: pathname })));
  });

  const disconnectEvents = backend.services.events.connect((channel, payload) => {
    const frame = `event: ${channel}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const stream of streams) stream.write(frame);
  });

  // Comment frames keep idle streams open through proxies and let the browser notice a dead server.
  const keepAlive = setInterval(() => {
    for (const stream of streams) stream.write(': keep-alive\n\n');
  }, 15_000);
  keepAlive.unref();

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;
  const url = `http://${urlHost}:${port}/`;

  return {
    server,
    url,
    urlWithToken: `${url}#token=${token}`,
    token,
    host,
    port,
    close: async () => {
      clearInterval(keepAlive);
      disconnectEvents();
      for (const stream of streams) stream.end();
      streams.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
