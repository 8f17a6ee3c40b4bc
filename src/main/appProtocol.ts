import { readFile } from 'node:fs/promises';
import { findRendererFile, rendererPathOf } from './rendererFiles';
import { appEntryUrl, contentSecurityPolicy, isAppOrigin } from './security';

export { mimeTypeFor } from './rendererFiles';

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
  return rendererPathOf(pathname);
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
  try {
    const found = await findRendererFile(rendererRoot, target.relativePath);
    if (found === undefined) return refuse('notFound');
    const file = found.file;
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
  } catch {
    // Anything else (an I/O error, a damaged archive) is the app's fault, not the request's; it is answered, not
    // thrown, because a throwing protocol handler leaves the renderer with a bare network error.
    return refuse('readFailed');
  }
}
