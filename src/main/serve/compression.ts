import type { Stats } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname } from 'node:path';
import { promisify } from 'node:util';
import { constants, gzip as gzipCallback } from 'node:zlib';

// Static files of the built renderer go out gzip-compressed when the browser accepts it: the app's scripts shrink to
// about a third, which is what a first visit over a home network waits for. gzip because every browser offers it
// on every connection (Chromium offers brotli and zstd only over HTTPS or to loopback, "gzip, deflate" to a plain
// http://192.168.x.y). Brotli at a quality fast enough to run in the server is only about 7 % smaller than gzip -9
// on these files: not worth a second encoding.
//
// A file is compressed on its first request and kept in memory, keyed by modification time and size: the renderer
// folder holds a few dozen files (well under 1 MB compressed in all), a rebuild changes the keys, and the server
// spends the CPU once per file instead of once per request.

const gzip = promisify(gzipCallback);

/** Text formats worth compressing; images and fonts are compressed already. */
const compressibleExtensions = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.txt', '.map']);
/** Below this a response fits in one packet anyway and compressing it gains nothing. */
const MIN_COMPRESS_BYTES = 1024;

interface CacheEntry {
  mtimeMs: number;
  size: number;
  body: Promise<Buffer>;
}

const gzipCache = new Map<string, CacheEntry>();

/**
 * Whether an Accept-Encoding header admits gzip: listed (or `*` is) without q=0. Hand-written: the decision needs
 * one encoding out of one header, and Node has no parser for it.
 */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  let gzipQ: number | undefined;
  let anyQ: number | undefined;
  for (const part of value.split(',')) {
    const [name = '', ...params] = part.toLowerCase().split(';').map((p) => p.trim());
    const qParam = params.find((p) => p.startsWith('q='));
    const parsed = qParam === undefined ? 1 : Number(qParam.slice(2));
    const q = Number.isNaN(parsed) ? 0 : parsed;
    if (name === 'gzip' || name === 'x-gzip') gzipQ = q;
    else if (name === '*') anyQ = q;
  }
  return (gzipQ ?? anyQ ?? 0) > 0;
}

function gzipped(file: string, info: Stats): Promise<Buffer> {
  const cached = gzipCache.get(file);
  if (cached !== undefined && cached.mtimeMs === info.mtimeMs && cached.size === info.size) return cached.body;
  const body = readFile(file).then((raw) => gzip(raw, { level: constants.Z_BEST_COMPRESSION }));
  const entry = { mtimeMs: info.mtimeMs, size: info.size, body };
  gzipCache.set(file, entry);
  // A failed read is not remembered: the next request tries again.
  body.catch(() => {
    if (gzipCache.get(file) === entry) gzipCache.delete(file);
  });
  return body;
}

/**
 * Answers a GET or HEAD for a static file with its gzip-compressed body, when the file is worth compressing and the
 * browser accepts gzip; `headers` are the ones the uncompressed answer would carry (Content-Length is replaced).
 * Returns false, having sent nothing, when the file should go out as it is (the caller sends it then); compressible
 * types also get `Vary: Accept-Encoding` then, so caches keep the two forms apart.
 */
export async function sendCompressed(req: IncomingMessage, res: ServerResponse, file: string, headers: Record<string, string | number>): Promise<boolean> {
  if (!compressibleExtensions.has(extname(file))) return false;
  let body: Buffer;
  try {
    const info = await stat(file);
    if (!info.isFile() || info.size < MIN_COMPRESS_BYTES) return false;
    res.setHeader('Vary', 'Accept-Encoding');
    if (!acceptsGzip(req.headers['accept-encoding'])) return false;
    body = await gzipped(file, info);
  } catch {
    // Unreadable now: the caller's own send reports it.
    return false;
  }
  if (res.headersSent || res.destroyed) return true;
  res.writeHead(200, { ...headers, 'Content-Encoding': 'gzip', 'Content-Length': body.length });
  res.end(req.method === 'HEAD' ? undefined : body);
  return true;
}
