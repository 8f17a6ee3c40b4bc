import { createReadStream } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { createServer as createNetServer, type AddressInfo, type Server as NetServer, type Socket } from 'node:net';
import { normalize } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { TLSSocket } from 'node:tls';
import { appError, type AppError } from '../../shared/errors';
import { pairRequestSchema, sessionPaths, type SessionStatus } from '../../shared/ipc/serveSession';
import { err, ok, type Result } from '../../shared/result';
import type { Backend } from '../rpc/createBackend';
import type { Logger } from '../rpc/dispatch';
import { findRendererFile, rendererPathOf } from '../rendererFiles';
import { contentSecurityPolicy } from '../security';
import { createAccessPolicy, isLoopbackHost, urlHost, type AccessPolicy } from './access';
import { sendCompressed } from './compression';
import type { SessionStore } from './sessions';
import { errnoOf } from '../errno';

export { isLoopbackHost } from './access';

/** Options of the serve-mode HTTP server. */
export interface ServeOptions {
  backend: Backend;
  /** Folder of the built renderer (out/renderer). */
  rendererDir: string;
  /** Who is signed in; pairing codes and sessions. */
  sessions: SessionStore;
  host?: string;
  port?: number;
  /** Certificate and key: the server speaks HTTPS (and redirects plain HTTP on the same port to it). */
  tls?: { cert: string; key: string };
  /** Extra names the server is reached by (--allow-host). */
  allowHosts?: readonly string[];
  /** Extra page origins, for a reverse proxy (--allow-origin). */
  allowOrigins?: readonly string[];
  /** This computer's LAN addresses and names (tests pass their own; default: the network interfaces). */
  lanAddresses?: readonly string[];
  hostNames?: readonly string[];
  log?: Logger;
}

/** A running serve-mode server. */
export interface ServeHandle {
  server: NetServer;
  scheme: 'http' | 'https';
  host: string;
  port: number;
  /** The addresses people can open, best first (on a LAN: the ones other machines can use). */
  openUrls: readonly string[];
  /** The first of openUrls. */
  url: string;
  access: AccessPolicy;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 5 * 1024 * 1024;
const API_PREFIX = '/api/rpc/';
const EVENTS_PATH = '/api/events';


/** A refusal: the HTTP status and the error value sent with it. */
class Refusal {
  constructor(
    readonly status: number,
    readonly error: AppError,
    readonly headers: Record<string, string> = {},
  ) {}
}

function securityHeaders(res: ServerResponse): void {
  res.setHeader('Content-Security-Policy', contentSecurityPolicy);
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Referrer-Policy', 'no-referrer');
  res.setHeader('X-Frame-Options', 'DENY');
  res.setHeader('Cross-Origin-Opener-Policy', 'same-origin');
  res.setHeader('Cross-Origin-Resource-Policy', 'same-origin');
  res.setHeader('Cache-Control', 'no-store');
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const text = JSON.stringify(body);
  res.writeHead(status, { ...headers, 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

function sendText(res: ServerResponse, status: number, text: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/**
 * The path of a request target, still percent-encoded, or undefined when the target is not a plain path.
 * Absolute targets (`http://host/x`, meant for proxies) and `*` are refused; nothing here can throw, whatever
 * bytes the client sent (new URL() throws on targets such as `//[`).
 */
export function requestPath(target: string | undefined): string | undefined {
  if (target === undefined || !target.startsWith('/')) return undefined;
  const end = target.search(/[?#]/);
  return end === -1 ? target : target.slice(0, end);
}

/** decodeURIComponent that answers undefined for malformed escapes (%E0%A4%A) instead of throwing URIError. */
export function decodePath(encoded: string): string | undefined {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return undefined;
  }
}

/** The value of one cookie in a Cookie header (only names this server sets are asked for). */
export function cookieValue(header: string | undefined, name: string): string | undefined {
  if (header === undefined) return undefined;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq !== -1 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** How long the rest of a refused body may keep arriving after the refusal, before the connection is dropped. */
const LINGER_MS = 5_000;

/**
 * Lets the rest of a refused body arrive and throws it away, for at most LINGER_MS, so that the client reads the
 * refusal: a socket closed while its data is still coming in makes the kernel answer with a reset, and a client still
 * sending its body then sees that reset instead of the answer. Node's HTTP server has no lingering close of its own
 * (nginx's lingering_close, Apache's lingering close); after the body has arrived the connection stays usable.
 */
function discardRest(req: IncomingMessage): void {
  const timer = setTimeout(() => req.socket.destroy(), LINGER_MS);
  timer.unref();
  const stop = () => clearTimeout(timer);
  req.once('end', stop);
  req.once('close', stop);
  req.removeAllListeners('data');
  req.resume();
}

/**
 * Reads a request body up to a size limit; undefined when it is larger (the rest is let in and thrown away, see
 * discardRest). Rejects when the client goes away mid-body (handled by the caller).
 */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  const declared = Number(req.headers['content-length'] ?? 0);
  if (declared > MAX_BODY_BYTES) {
    discardRest(req);
    return Promise.resolve(undefined);
  }
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) {
        chunks.push(chunk);
        return;
      }
      chunks.length = 0;
      discardRest(req);
      resolve(undefined);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', reject);
    req.once('close', () => {
      if (!req.complete) reject(new Error('aborted'));
    });
  });
}

/**
 * Starts the serve-mode server: the built renderer plus the same RPC contract as the desktop app, over HTTP or
 * HTTPS. Every request must name this server in its Host header (against DNS rebinding); API calls must come
 * from this server's own pages (Origin, Sec-Fetch-Site) and, except for pairing, from a signed-in browser (a
 * session cookie). No request can end the process: malformed targets, escapes, headers and bodies answer 400,
 * and a client that goes away mid-request is forgotten.
 */
export async function startServer(options: ServeOptions): Promise<ServeHandle> {
  const host = options.host ?? '127.0.0.1';
  const scheme = options.tls === undefined ? 'http' : 'https';
  const { backend, sessions } = options;
  const log: Logger = options.log ?? ((message, details) => console.error(`[serve] ${message}`, details ?? ''));
  const rendererDir = normalize(options.rendererDir);
  const streams = new Map<ServerResponse, string>();
  let access: AccessPolicy = createAccessPolicy({ scheme, bindHost: host, port: options.port ?? 0, allowHosts: options.allowHosts, allowOrigins: options.allowOrigins, lanAddresses: options.lanAddresses, hostNames: options.hostNames });
  let port = options.port ?? 0;

  // Cookies are not separated by port: the port in the name keeps two servers on one computer apart. Over
  // HTTPS (directly or behind a proxy) the cookie is Secure with the __Host- prefix (no Domain, Path=/); plain
  // HTTP is only ever loopback, where some browsers drop Secure cookies and nothing crosses a network.
  const cookieNames = () => ({ secure: `__Host-cnd-session-${port}`, plain: `cnd-session-${port}` });
  const isSecureRequest = (req: IncomingMessage) => (req.socket as TLSSocket).encrypted === true || (req.headers.origin ?? '').startsWith('https://');
  const sessionToken = (req: IncomingMessage) => cookieValue(req.headers.cookie, cookieNames().secure) ?? cookieValue(req.headers.cookie, cookieNames().plain);
  const sessionCookie = (req: IncomingMessage, token: string, maxAgeSeconds: number): string => {
    const secure = isSecureRequest(req);
    const name = secure ? cookieNames().secure : cookieNames().plain;
    return `${name}=${token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure ? '; Secure' : ''}`;
  };
  const clearCookies = (req: IncomingMessage): string[] => [
    `${cookieNames().secure}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0; Secure`,
    ...(isSecureRequest(req) ? [] : [`${cookieNames().plain}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0`]),
  ];
  const clientOf = (req: IncomingMessage) => req.socket.remoteAddress ?? 'unknown';

  /** Refuses API requests that do not come from this server's own pages. */
  const checkOrigin = (req: IncomingMessage, hostHeader: string): Refusal | undefined => {
    const origin = req.headers.origin;
    if (origin !== undefined && !access.isAllowedOrigin(origin, hostHeader)) return new Refusal(403, appError('untrustedSender', { reason: 'origin', origin: origin.slice(0, 200) }));
    const fetchSite = req.headers['sec-fetch-site'];
    if (fetchSite !== undefined && fetchSite !== 'same-origin' && fetchSite !== 'none') return new Refusal(403, appError('untrustedSender', { reason: 'fetchSite' }));
    return undefined;
  };

  /** The signed-in session of a request, or the refusal to send. */
  const requireSession = (req: IncomingMessage): { token: string } | Refusal => {
    const token = sessionToken(req);
    const checked = sessions.check(token);
    if ('reason' in checked) return new Refusal(401, appError('notSignedIn', { reason: checked.reason }));
    return { token: token! };
  };

  const serveStatic = async (req: IncomingMessage, res: ServerResponse, encodedPath: string): Promise<void> => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { Allow: 'GET, HEAD' }).end();
      return;
    }
    // The same mapping from path to file as the desktop app's app:// protocol.
    const target = rendererPathOf(encodedPath);
    if (!target.ok) {
      if (target.refusal === 'badUrl') sendText(res, 400, 'Bad request: the address is not valid.');
      else sendText(res, 403, 'Forbidden');
      return;
    }
    const found = await findRendererFile(rendererDir, target.relativePath).catch(() => undefined);
    if (found === undefined) {
      sendText(res, 404, 'Not found');
      return;
    }
    const headers: Record<string, string | number> = { 'Content-Type': target.mimeType, 'Content-Length': found.size };
    // Built assets carry a content hash in their name, so a browser may keep them; index.html is always asked again.
    if (target.relativePath.startsWith('assets/')) headers['Cache-Control'] = 'public, max-age=31536000, immutable';
    if (await sendCompressed(req, res, found.file, headers)) return;
    res.writeHead(200, headers);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // pipeline, not pipe: a file that vanishes mid-read or a client that goes away ends both streams quietly.
    await pipeline(createReadStream(found.file), res).catch(() => res.destroy());
  };

  const handleSession = async (req: IncomingMessage, res: ServerResponse, path: string): Promise<void> => {
    if (path === sessionPaths.status && req.method === 'GET') {
      const checked = sessions.check(sessionToken(req));
      const status: SessionStatus = 'session' in checked ? { signedIn: true, expiresAt: checked.session.expiresAt } : { signedIn: false, reason: checked.reason };
      sendJson(res, 200, ok(status));
      return;
    }
    if (req.method !== 'POST') throw new Refusal(405, appError('invalidRequest', { reason: 'method' }), { Allow: 'POST' });
    if (path === sessionPaths.pair) {
      const body = pairRequestSchema.safeParse(await readJson(req));
      if (!body.success) throw new Refusal(400, appError('invalidRequest', { reason: 'the body must be {"code": "..."}' }));
      const paired = await sessions.pair(body.data.code, clientOf(req));
      if (!paired.ok) {
        const limited = paired.error.code === 'pairingRateLimited';
        const headers: Record<string, string> = limited ? { 'Retry-After': String(paired.error.details?.retryAfterSeconds ?? 60) } : {};
        sendJson(res, limited ? 429 : 401, paired, headers);
        return;
      }
      const maxAge = Math.max(1, Math.floor(sessions.sessionLifetimeMs / 1000));
      sendJson(res, 200, ok({ expiresAt: paired.value.expiresAt }), { 'Set-Cookie': sessionCookie(req, paired.value.token, maxAge) });
      return;
    }
    if (path === sessionPaths.requestCode) {
      // Prints a code on the console only when none is valid; the caller learns nothing but when it expires.
      sessions.currentCode('requested');
      sendJson(res, 200, ok({}));
      return;
    }
    if (path === sessionPaths.signOut) {
      const token = sessionToken(req);
      if (token !== undefined) await sessions.signOut(token);
      sendJson(res, 200, ok({}), { 'Set-Cookie': clearCookies(req) });
      return;
    }
    const signedIn = requireSession(req);
    if (signedIn instanceof Refusal) throw signedIn;
    if (path === sessionPaths.newCode) {
      sendJson(res, 200, ok(sessions.issueCode('requested')));
      return;
    }
    if (path === sessionPaths.signOutEverywhere) {
      const sessionsEnded = await sessions.signOutEverywhere();
      sendJson(res, 200, ok({ sessionsEnded }), { 'Set-Cookie': clearCookies(req) });
      return;
    }
    throw new Refusal(404, appError('unknownChannel', { path }));
  };

  /** The body of an API request as JSON, or a refusal (wrong type, too large, not JSON). */
  const readJson = async (req: IncomingMessage): Promise<unknown> => {
    const contentType = req.headers['content-type'] ?? '';
    if (!contentType.startsWith('application/json')) throw new Refusal(415, appError('invalidRequest', { reason: 'content-type must be application/json' }));
    const body = await readBody(req);
    if (body === undefined) throw new Refusal(413, appError('invalidRequest', { reason: 'request body too large' }));
    try {
      return body === '' ? {} : JSON.parse(body);
    } catch {
      throw new Refusal(400, appError('invalidRequest', { reason: 'body is not JSON' }));
    }
  };

  const handleApi = async (req: IncomingMessage, res: ServerResponse, path: string, hostHeader: string): Promise<void> => {
    const originRefusal = checkOrigin(req, hostHeader);
    if (originRefusal !== undefined) throw originRefusal;
    if (path === sessionPaths.status || path.startsWith(`${sessionPaths.status}/`)) {
      await handleSession(req, res, path);
      return;
    }
    const signedIn = requireSession(req);
    if (signedIn instanceof Refusal) throw signedIn;
    if (path === EVENTS_PATH && req.method === 'GET') {
      res.writeHead(200, { 'Content-Type': 'text/event-stream; charset=utf-8', Connection: 'keep-alive', 'X-Accel-Buffering': 'no' });
      res.write(': connected\n\n');
      streams.set(res, signedIn.token);
      res.on('close', () => streams.delete(res));
      return;
    }
    if (path.startsWith(API_PREFIX) && req.method === 'POST') {
      const channel = decodePath(path.slice(API_PREFIX.length));
      if (channel === undefined) throw new Refusal(400, appError('invalidRequest', { reason: 'the channel name is not valid percent-encoding' }));
      const parsed = await readJson(req);
      const result: Result<unknown, AppError> = await backend.dispatch(channel, parsed);
      // Expected failures are values with status 200, as over IPC; HTTP errors mean the transport refused.
      sendJson(res, 200, result);
      return;
    }
    throw new Refusal(404, appError('unknownChannel', { path: path.slice(0, 200) }));
  };

  const handleRequest = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    securityHeaders(res);
    const path = requestPath(req.url);
    if (path === undefined) {
      sendText(res, 400, 'Bad request: the request target must be a path.');
      return;
    }
    const hostHeader = req.headers.host ?? '';
    if (!access.isAllowedHost(hostHeader)) {
      const message = `This server does not answer to the name "${hostHeader.slice(0, 100)}". If you reach it by that name (a reverse proxy, a .local name), restart it with --allow-host ${hostHeader.replace(/:\d+$/, '').slice(0, 100) || 'NAME'}.`;
      if (path.startsWith('/api/')) sendJson(res, 403, err(appError('untrustedSender', { reason: 'host' })));
      else sendText(res, 403, message);
      return;
    }
    if (!path.startsWith('/api/')) {
      await serveStatic(req, res, path);
      return;
    }
    try {
      await handleApi(req, res, path, hostHeader);
    } catch (cause) {
      if (!(cause instanceof Refusal)) throw cause;
      sendJson(res, cause.status, err(cause.error), cause.headers);
    }
  };

  // One entry point for every request: whatever goes wrong is answered (or the connection is dropped when the
  // client is gone) and logged, never thrown out of the handler.
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => {
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    handleRequest(req, res).catch((cause: unknown) => {
      if (req.destroyed || errnoOf(cause) === 'ECONNRESET' || (cause as Error)?.message === 'aborted') {
        res.destroy();
        return;
      }
      log(`request ${req.method ?? '?'} ${(req.url ?? '').slice(0, 200)} failed`, cause);
      if (!res.headersSent) sendJson(res, 500, err(appError('internalError', { reason: 'the server failed to answer this request' })));
      else res.destroy();
    });
  };

  const configure = (server: Server): Server => {
    // Slow or stuck clients are dropped instead of holding a connection open (slowloris).
    server.headersTimeout = 20_000;
    server.requestTimeout = 60_000;
    server.keepAliveTimeout = 5_000;
    server.maxHeadersCount = 100;
    server.on('clientError', (error: NodeJS.ErrnoException, socket: Socket) => {
      if (!socket.writable || error.code === 'ECONNRESET') {
        socket.destroy();
        return;
      }
      const status = error.code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
      socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
    });
    return server;
  };

  const sockets = new Set<Socket>();
  let front: NetServer;
  let httpServers: Server[];
  if (options.tls === undefined) {
    const server = configure(createHttpServer(onRequest));
    front = server;
    httpServers = [server];
  } else {
    const httpsServer = configure(createHttpsServer({ cert: options.tls.cert, key: options.tls.key, minVersion: 'TLSv1.2' }, onRequest));
    // A browser that rejects the self-signed certificate closes the handshake: expected, not worth a log line.
    httpsServer.on('tlsClientError', () => undefined);
    // Someone who types http://server:port reaches the same port: send them to https:// instead of a garbled reply.
    const redirect = configure(
      createHttpServer((req, res) => {
        req.on('error', () => undefined);
        res.on('error', () => undefined);
        const hostHeader = req.headers.host ?? '';
        const path = requestPath(req.url) ?? '/';
        if (access.isAllowedHost(hostHeader)) res.writeHead(308, { Location: `https://${hostHeader}${path}`, 'Content-Length': 0, Connection: 'close' }).end();
        else sendText(res, 400, 'This server speaks HTTPS only. Open the https:// address it printed.', { Connection: 'close' });
      }),
    );
    httpServers = [httpsServer, redirect];
    // A plain TCP listener peeks at the first byte: 0x16 starts a TLS handshake, anything else is plain HTTP.
    front = createNetServer((socket) => {
      socket.on('error', () => socket.destroy());
      socket.setTimeout(20_000, () => socket.destroy());
      socket.once('data', (first: Buffer) => {
        socket.setTimeout(0);
        socket.pause();
        socket.unshift(first);
        (first[0] === 0x16 ? httpsServer : redirect).emit('connection', socket);
        process.nextTick(() => socket.resume());
      });
    });
  }
  front.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });

  const disconnectEvents = backend.services.events.connect((channel, payload) => {
    const frame = `event: ${channel}\ndata: ${JSON.stringify(payload)}\n\n`;
    for (const stream of streams.keys()) stream.write(frame);
  });
  // Streams of browsers that are no longer signed in are closed, so they stop receiving events at once.
  const endStreamsWithoutSession = () => {
    for (const [stream, token] of streams) {
      if ('reason' in sessions.check(token)) {
        stream.end();
        streams.delete(stream);
      }
    }
  };
  const stopSignOutListener = sessions.onDidSignOutEverywhere(endStreamsWithoutSession);

  // Comment frames keep idle streams open through proxies and let the browser notice a dead server.
  const keepAlive = setInterval(() => {
    endStreamsWithoutSession();
    for (const stream of streams.keys()) stream.write(': keep-alive\n\n');
  }, 15_000);
  keepAlive.unref();

  await new Promise<void>((resolve, reject) => {
    front.once('error', reject);
    front.listen(port, host, () => {
      front.off('error', reject);
      resolve();
    });
  });
  // Errors after the start (EMFILE while accepting, ...) are logged; the server keeps listening.
  front.on('error', (cause) => log('the listening socket reported an error', cause));
  port = (front.address() as AddressInfo).port;
  access = createAccessPolicy({ scheme, bindHost: host, port, allowHosts: options.allowHosts, allowOrigins: options.allowOrigins, lanAddresses: options.lanAddresses, hostNames: options.hostNames });

  return {
    server: front,
    scheme,
    host,
    port,
    access,
    openUrls: access.openUrls,
    url: access.openUrls[0] ?? `${scheme}://${urlHost(isLoopbackHost(host) ? host : '127.0.0.1')}:${port}/`,
    close: async () => {
      clearInterval(keepAlive);
      disconnectEvents();
      stopSignOutListener();
      for (const stream of streams.keys()) stream.end();
      streams.clear();
      const closed = new Promise<void>((resolve) => front.close(() => resolve()));
      for (const server of httpServers) server.closeAllConnections();
      for (const socket of sockets) socket.destroy();
      await closed;
    },
  };
}
