import { lstat, realpath } from 'node:fs/promises';
import { extname, isAbsolute, join, relative, sep } from 'node:path';
import { errnoOf } from './errno';

// The built renderer's files as both the desktop app (app://renderer/) and serve mode (HTTP) hand them out: one
// mapping from a URL path to a file under out/renderer, one content-type table, and one check that the file is a
// regular file inside that folder.

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

/** A URL path mapped to a file of the renderer, or why it cannot be one. */
export type RendererPath = { ok: true; /** '/'-separated, relative to the renderer folder, every segment checked. */ relativePath: string; mimeType: string } | { ok: false; refusal: 'badUrl' | 'forbiddenPath' };

/**
 * Maps a URL path (still percent-encoded, starting with "/") to a file of the renderer without touching the disk;
 * "/" is index.html. Each segment is decoded exactly once (%252e stays the literal name "%2e") and checked:
 * malformed escapes are badUrl; empty, dot and hidden segments, separators that were encoded (%2f, %5c),
 * backslashes, control characters and ":" are forbiddenPath. Nothing that passes can leave the folder.
 */
export function rendererPathOf(encodedPath: string): RendererPath {
  if (!encodedPath.startsWith('/')) return { ok: false, refusal: 'badUrl' };
  const path = encodedPath === '/' ? '/index.html' : encodedPath;
  const segments: string[] = [];
  for (const raw of path.slice(1).split('/')) {
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

/** Whether `file` lies strictly inside `root`. */
export function isInside(root: string, file: string): boolean {
  const rel = relative(root, file);
  return rel !== '' && rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel);
}

/**
 * The file of the renderer a checked path names, when it is a regular file whose real path lies inside the renderer
 * folder's real path (so a linked folder cannot lead out); undefined for folders, links, devices and missing
 * files. Other failures (an I/O error) are thrown for the caller to answer.
 */
export async function findRendererFile(rendererRoot: string, relativePath: string): Promise<{ file: string; size: number } | undefined> {
  const file = join(rendererRoot, ...relativePath.split('/'));
  // Defence in depth: rendererPathOf already guarantees this for every segment it lets through.
  if (!isInside(rendererRoot, file)) return undefined;
  try {
    const info = await lstat(file);
    if (!info.isFile()) return undefined;
    const [realRoot, realFile] = await Promise.all([realpath(rendererRoot), realpath(file)]);
    return isInside(realRoot, realFile) ? { file, size: info.size } : undefined;
  } catch (error) {
    const code = errnoOf(error);
    // ENOENT: no such file; ENOTDIR: a file used as a folder (index.html/x); EACCES/EPERM: unreadable.
    if (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EACCES' || code === 'EPERM' || code === 'ELOOP' || code === 'ENAMETOOLONG') return undefined;
    throw error;
  }
}
