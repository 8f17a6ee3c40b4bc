import { lstat, readFile, realpath } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, sep } from 'node:path';
import { appEntryUrl, contentSecurityPolicy, isAppOrigin } from './security';

/**
 * The handler behind app://renderer/: maps a request URL to a file of the built renderer (out/renderer) and
 * answers with it. Electron-free so it runs under plain Node in tests; main/index.ts hands protocol.handle
 * requests to serveAppRequest and turns the answer into a Response.
 */

/** Why a request was refused, for tests and for the status code. */
export type AppRequestRefusal = 'badUrl' | 'wrongOrigin' | 'forbiddenPath' | 'method' | 'notFound' | 'readFailed';

export type AppRequestTarget =
  | { ok: true; /** '/'-separated, relative to the renderer folder, every segment checked. */ relativePath: string; mimeType: string }
  | { ok: false; refusal: AppRequestRefusal };

/** Content types by file extension. Scripts must be text/javascript: module scripts and workers with another
 * type are refused by Chromium, and nosniff makes that strict for everything else too. */
const mimeTypes: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.avif': 'image/avif',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.otf': 'font/otf',
  '.wasm': 'application/wasm',
};

/** The content type for a file name; unknown types are plain bytes, which nosniff keeps from being run. */
export function mimeTypeFor(fileName: string): string {
  return mimeTypes[extname(fileName).toLowerCase()] ?? 'application/octet-stream';
}

/**
 * Whether one decoded path segment may name a file or folder. Refused: empty segments (`//`), `.` and `..`, any
 * name starting with a dot (there are none in a build; this also covers `.%2e`-style spellings), separators of
 * any platform (an encoded %2f or %5c must not become a path separator after decoding), NUL and other control
 * characters, and `:` (Windows drive letters and alternate data streams).
 */
function isSafeSegment(segment: string): boolean {
  if (segment === '' || segment.startsWith('.')) return false;
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  return !/[/\\:\u0000-\u001f\u007f]/.test(segment);
}

/**
 * Maps a request to a file of the renderer, without touching the disk. Only GET and HEAD on app://renderer are
 * answered. Dot segments were already resolved by the URL parser (Chromium does the same before the request
 * reaches main), so they can never climb above the root; what survives parsing, such as %2f, %5c, %00, literal
 * backslashes or malformed escapes, is refused here. The path is decoded exactly once: %252e stays the literal
 * name "%2e" and is then simply not found.
 */
export function resolveAppRequest(method: string, rawUrl: string): AppRequestTarget {
  if (method !== 'GET' && method !== 'HEAD') return { ok: false, refusal: 'method' };
  let url: URL;
  try {
    url = new URL(rawUrl);
  } catch {
    return { ok: false, refusal: 'badUrl' };
  }
  if (!isAppOrigin(url)) return { ok: false, refusal: 'wrongOrigin' };
  const pathname = url.pathname === '' || url.pathname === '/' ? new URL(appEntryUrl).pathname : url.pathname;
  if (!pathname.startsWith('/')) return { ok: false, refusal: 'badUrl' };
  const segments: string[] = [];
  for (const raw of pathname.slice(1).split('/')) {
    let segment: string;
    try {
      segment = decodeURIComponent(raw);
    } catch {
      return { ok: false, refusal: 'badUrl' };
    }
    if (!isSafeSegment(segment)) return { ok: false, refusal: 'forbiddenPath' };
    segments.push(segment);
  }
  const relativePath = segments.join('/');
  return { ok: true, relativePath, mimeType: mimeTypeFor(relativePath) };
}

/** What main turns into a Response. */
export interface AppProtocolResponse {
  status: number;
  headers: Record<string, string>;
  /** The file's bytes; null for errors and HEAD. */
  body: Uint8Array | null;
  /** Set when the request was refused, so tests can tell why. */
  refusal?: AppRequestRefusal;
}

const statusOf: Record<AppRequestRefusal, number> = { badUrl: 400, wrongOrigin: 404, forbiddenPath: 403, method: 405, notFound: 404, readFailed: 500 };

function refuse(refusal: AppRequestRefusal): AppProtocolResponse {
  const headers: Record<string, string> = { 'X-Content-Type-Options': 'nosniff' };
  if (refusal === 'method') headers.Allow = 'GET, HEAD';
  return { status: statusOf[refusal], headers, body: null, refusal };
}

function isInside(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * Answers one app:// request from the renderer folder. The file must be a regular file: folders, symbolic links,
 * devices, sockets and missing files all answer 404, and its real path must lie inside the renderer folder's real
 * path, so a linked folder cannot lead out either. Every answer carries the CSP and nosniff.
 *
 * fs here is Electron's asar-aware fs in the packaged app: lstat, realpath and readFile read inside app.asar
 * directly (and readFile checks the archive's integrity when that fuse is on).
 */
export async function serveAppRequest(rendererRoot: string, method: string, rawUrl: string): Promise<AppProtocolResponse> {
  const target = resolveAppRequest(method, rawUrl);
  if (!target.ok) return refuse(target.refusal);
  const file = join(rendererRoot, ...target.relativePath.split('/'));
  // Defence in depth: resolveAppRequest already guarantees this for every segment it lets through.
  if (!isInside(rendererRoot, file)) return refuse('forbiddenPath');
  try {
    const info = await lstat(file);
    if (!info.isFile()) return refuse('notFound');
    const [realRoot, realFile] = await Promise.all([realpath(rendererRoot), realpath(file)]);
    if (!isInside(realRoot, realFile)) return refuse('notFound');
    const body = method === 'HEAD' ? null : await readFile(file);
    return {
      status: 200,
      headers: {
        'Content-Type': target.mimeType,
        'Content-Security-Policy': contentSecurityPolicy,
        'X-Content-Type-Options': 'nosniff',
      },
      body,
    };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    // ENOENT: no such file; ENOTDIR: a file used as a folder (index.html/x); EACCES/EPERM: unreadable. None of
    // them says more to the renderer than "not found".
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM' || code === 'ELOOP' || code === 'ENAMETOOLONG') return refuse('notFound');
    // Anything else (an I/O error, a damaged archive) is the app's fault, not the request's; it is answered, not
    // thrown, because a throwing protocol handler leaves the renderer with a bare network error.
    return refuse('readFailed');
  }
}
