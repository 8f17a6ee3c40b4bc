import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { appError, type AppError } from '../../shared/errors';
import { err, ok, type Result } from '../../shared/result';
import { errnoOf } from '../errno';

// Every file the app reads or writes in the workspace (designs, <stem>.check.json, the <stem>.clan/ tree) or in its
// data folder (recent.json, autosave/) goes through a ConfinedFolder. Those folders can be synced or unpacked from
// somewhere else, so anything in them may be a link planted to make the app overwrite or reveal a file elsewhere:
// - paths are relative to the folder; absolute paths, "..", "." and empty parts are refused before touching the disk;
// - the folder itself may be a link (~/Clan Designs -> /mnt/nas/designs): its real path is resolved once, and
//   everything is confined below that;
// - a link standing for a folder on the way is followed only when its real path stays inside the folder;
// - a link as the final file is never followed: reads refuse it (notARegularFile), and writes neither follow nor
//   replace it. Reads open with O_NOFOLLOW and check type and size with fstat on the opened file, so a file
//   swapped for a link after any check cannot be read through;
// - writes are atomic without resolving the target's real path: a temp file is created next to the target with
//   O_CREAT|O_EXCL|O_NOFOLLOW, written, fsynced and renamed over the target. rename() replaces whatever entry
//   has the target's name (a link planted at the last moment included) instead of writing through it, so a write
//   can never land outside the folder. write-file-atomic cannot do this: it resolves the target's real path first
//   and then writes there, which follows a planted link. That is why this writer is hand-written.
// Node has no openat(), so folders on the way are checked just before each operation rather than held open; a
// folder swapped for a link in that instant is the one window this cannot close.

/** Which folder a path is confined to; error messages name it. */
export type FolderKind = 'workspace' | 'data' | 'output';

/** What the folder needs to know about an entry (fs.Stats has all of it). */
export interface EntryStats {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  mode: number;
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
}

/** The calls made on an open file (fs/promises' FileHandle has all of them). */
export interface FileHandleLike {
  stat(): Promise<EntryStats>;
  read(buffer: Uint8Array, offset: number, length: number, position: number | null): Promise<{ bytesRead: number }>;
  writeFile(data: string | Uint8Array): Promise<void>;
  chmod(mode: number): Promise<void>;
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** The file-system calls a ConfinedFolder makes; tests wrap them to fail or to change the disk at a given moment. */
export interface FileOps {
  open(path: string, flags: number, mode?: number): Promise<FileHandleLike>;
  lstat(path: string): Promise<EntryStats>;
  stat(path: string): Promise<EntryStats>;
  realpath(path: string): Promise<string>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string, options: { recursive: boolean }): Promise<unknown>;
  rename(from: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
}

/** The real file system. */
export const nodeFileOps: FileOps = {
  open: (path, flags, mode) => fsp.open(path, flags, mode),
  lstat: (path) => fsp.lstat(path),
  stat: (path) => fsp.stat(path),
  realpath: (path) => fsp.realpath(path),
  readdir: (path) => fsp.readdir(path),
  mkdir: (path, options) => fsp.mkdir(path, options),
  rename: (from, to) => fsp.rename(from, to),
  unlink: (path) => fsp.unlink(path),
  rmdir: (path) => fsp.rmdir(path),
};

// Windows has neither flag; there the final entry is checked with lstat just before opening instead.
const optionalFlags = constants as Partial<typeof constants>;
const O_NOFOLLOW = optionalFlags.O_NOFOLLOW ?? 0;
// A FIFO planted under a file's name would block a plain open() forever; with O_NONBLOCK it opens and fstat refuses it.
const O_NONBLOCK = optionalFlags.O_NONBLOCK ?? 0;
const O_DIRECTORY = optionalFlags.O_DIRECTORY ?? 0;

/** Why a relative path was refused before anything was touched. */
export type PathProblem = 'empty' | 'absolute' | 'dotSegment' | 'controlCharacter' | 'backslash';

/**
 * Splits a path relative to a folder into its parts, refusing anything that could leave the folder or mean two
 * things: absolute paths (also Windows drive and UNC forms), empty, "." and ".." parts, NUL and other control
 * characters, and backslashes (a separator on Windows, a plain character elsewhere).
 */
export function splitRelativePath(path: string): Result<string[], PathProblem> {
  if (path === '') return err('empty');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(path)) return err('controlCharacter');
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path)) return err('absolute');
  if (path.includes('\\')) return err('backslash');
  const segments = path.split('/');
  if (segments.some((segment) => segment === '' || segment === '.' || segment === '..')) return err('dotSegment');
  return ok(segments);
}

/** Whether `path` is `root` or below it (both real, absolute paths). */
export function isInside(root: string, path: string): boolean {
  return path === root || path.startsWith(root.endsWith(sep) ? root : `${root}${sep}`);
}

/** Suffix of the app's own temp files: `.<file>.<12 hex digits>.tmp`. */
const TEMP_SUFFIX = '.tmp';
const OWN_TEMP_PATTERN = /^\.(.+)\.[0-9a-f]{12}\.tmp$/;

/** The name of a new temp file for `fileName`; long names are cut so the temp name stays within 255 bytes. */
export function tempFileName(fileName: string): string {
  return `.${fileName.slice(0, 100)}.${randomBytes(6).toString('hex')}${TEMP_SUFFIX}`;
}

/** Whether a file name is one of the app's own temp files (left behind when a write was interrupted). */
export function isOwnTempFile(name: string): boolean {
  return OWN_TEMP_PATTERN.test(name);
}

/** What is at a path, without following a link there. */
export interface EntryInfo {
  kind: 'file' | 'folder' | 'link' | 'other';
  size: number;
  modifiedAt: number;
}

/** A file read whole, with the time it was last changed. */
export interface ReadFile {
  bytes: Uint8Array;
  modifiedAt: number;
  /** Which file on disk this was (device, inode, size, time); pass it to writeFile's `replaces`. */
  version: string;
}

/** What writeFile expects to replace: the version read before, or null for "no file there". */
export interface WriteExpectation {
  replaces?: string | null;
  /** The file's permissions (0o600 for a private key); default: the old file's, or 0o666 less the umask for a new one. */
  mode?: number;
}

const versionOf = (stats: EntryStats): string => `${stats.dev}:${stats.ino}:${stats.size}:${stats.mtimeMs}`;


/** Operations of fileAccessFailed, worded for "Could not <operation> the file". */
type Operation = 'read' | 'write' | 'list' | 'delete';

/** Raised inside the folder's code only, and always turned into a Result before a method returns. */
class Refused extends Error {
  constructor(readonly error: AppError) {
    super(error.code);
  }
}

/** Runs operations on the same key one after another inside this process; keys of different paths run freely. */
const queues = new Map<string, Promise<void>>();

function serialize<T>(key: string, run: () => Promise<T>): Promise<T> {
  const previous = queues.get(key) ?? Promise.resolve();
  const next = previous.then(run);
  const settled = next.then(
    () => undefined,
    () => undefined,
  );
  queues.set(key, settled);
  void settled.then(() => {
    if (queues.get(key) === settled) queues.delete(key);
  });
  return next;
}

/**
 * A folder whose files the app reads and writes (the workspace, the data folder, a flake's --out folder), with
 * every path checked against it. Every method returns a Result: refusals and system errors are coded values.
 */
export class ConfinedFolder {
  /** The folder as configured (absolute); its real path is resolved on first use. */
  readonly root: string;
  private realRoot: string | undefined;

  constructor(
    root: string,
    readonly kind: FolderKind,
    private readonly ops: FileOps = nodeFileOps,
  ) {
    this.root = resolve(root);
  }

  /**
   * Runs `run` while no other exclusive operation on the same path of this folder runs in this process, so a
   * read-check-write sequence (a save against a revision) cannot interleave with another one on that file.
   */
  exclusive<T>(relative: string, run: () => Promise<T>): Promise<T> {
    return serialize(`${this.root}\u0000${relative}`, run);
  }

  /**
   * Reads a regular file whole; ok(undefined) when it (or a folder on its way) does not exist. A link, folder or
   * device there is refused as notARegularFile, a file over `maxBytes` as fileTooLarge.
   */
  async readFile(relative: string, options: { maxBytes: number }): Promise<Result<ReadFile | undefined, AppError>> {
    return this.guard(relative, 'read', async (segments) => {
      const parent = await this.walk(relative, segments.slice(0, -1), false);
      if (parent === undefined) return undefined;
      const path = join(parent, segments.at(-1)!);
      if (O_NOFOLLOW === 0 && (await this.finalEntry(relative, path, 'read'))?.kind === 'link') throw new Refused(await this.linkRefusal(relative, path));
      let handle: FileHandleLike;
      try {
        handle = await this.ops.open(path, constants.O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
      } catch (cause) {
        const errno = errnoOf(cause);
        if (errno === 'ENOENT') return undefined;
        // O_NOFOLLOW fails with ELOOP on a link (EMLINK on FreeBSD); a socket cannot be opened at all (ENXIO).
        if (errno === 'ELOOP' || errno === 'EMLINK' || errno === 'ENXIO') {
          const entry = await this.finalEntry(relative, path, 'read');
          if (entry?.kind === 'link') throw new Refused(await this.linkRefusal(relative, path));
          if (entry !== undefined && entry.kind !== 'file') throw new Refused(this.notAFile(relative, entry.kind));
        }
        throw this.failure(cause, 'read', relative);
      }
      try {
        // Type and size of the file that was opened, not of whatever has the name now.
        const stats = await handle.stat();
        if (!stats.isFile()) throw new Refused(this.notAFile(relative, stats.isDirectory() ? 'folder' : 'other'));
        if (stats.size > options.maxBytes) throw new Refused(appError('fileTooLarge', { name: relative, size: stats.size, limit: options.maxBytes }));
        const bytes = await readAll(handle, stats.size, options.maxBytes);
        if (bytes === undefined) throw new Refused(appError('fileTooLarge', { name: relative, size: options.maxBytes + 1, limit: options.maxBytes }));
        return { bytes, modifiedAt: stats.mtimeMs, version: versionOf(stats) };
      } catch (cause) {
        if (cause instanceof Refused) throw cause;
        throw this.failure(cause, 'read', relative);
      } finally {
        await handle.close().catch(() => undefined);
      }
    });
  }

  /**
   * Replaces a file atomically, creating the folders on its way. Refuses (notARegularFile) when a link, folder or
   * device has the name: the app neither writes through a link nor replaces one. With `replaces`, refuses
   * (fileChangedOnDisk) when the file is no longer the version read before (or, for null, when one appeared).
   * Both are checked before writing and again just before the rename, so only the rename itself is left as a
   * window, and in that window rename() replaces the entry rather than writing through it. Never resolves the
   * target's real path; see the comment at the top of this file.
   */
  async writeFile(relative: string, data: string | Uint8Array, expectation: WriteExpectation = {}): Promise<Result<void, AppError>> {
    return this.guard(relative, 'write', async (segments) => {
      const parent = (await this.walk(relative, segments.slice(0, -1), true))!;
      const fileName = segments.at(-1)!;
      const path = join(parent, fileName);
      const existing = await this.checkTarget(relative, path, expectation);
      // A file made private by its owner stays private.
      const mode = expectation.mode ?? (existing === undefined ? undefined : existing.mode & 0o7777);
      const { temp, handle } = await this.createTemp(relative, parent, fileName, mode ?? 0o666);
      let closed = false;
      try {
        await handle.writeFile(data);
        if (mode !== undefined) await handle.chmod(mode);
        await handle.sync();
        closed = true;
        await handle.close();
        await this.checkTarget(relative, path, expectation.replaces === undefined ? {} : { replaces: existing === undefined ? null : existing.version });
        await this.ops.rename(temp, path);
      } catch (cause) {
        if (!closed) await handle.close().catch(() => undefined);
        await this.ops.unlink(temp).catch(() => undefined);
        throw this.failure(cause, 'write', relative);
      }
      await this.syncFolder(parent);
      return undefined;
    });
  }

  /** The regular file a write would replace (undefined: none); refuses links, folders and unexpected versions. */
  private async checkTarget(relative: string, path: string, expectation: WriteExpectation): Promise<(EntryInfo & { mode: number; version: string }) | undefined> {
    const existing = await this.finalEntry(relative, path, 'write');
    if (existing?.kind === 'link') throw new Refused(await this.linkRefusal(relative, path));
    if (existing !== undefined && existing.kind !== 'file') throw new Refused(this.notAFile(relative, existing.kind));
    if (expectation.replaces !== undefined && (existing?.version ?? null) !== expectation.replaces) throw new Refused(appError('fileChangedOnDisk', { name: relative }));
    return existing;
  }

  /** What is at a path (a link there is reported, not followed); ok(undefined) when nothing is. */
  async entry(relative: string): Promise<Result<EntryInfo | undefined, AppError>> {
    return this.guard(relative, 'read', async (segments) => {
      const parent = await this.walk(relative, segments.slice(0, -1), false);
      if (parent === undefined) return undefined;
      const found = await this.finalEntry(relative, join(parent, segments.at(-1)!), 'read');
      return found === undefined ? undefined : { kind: found.kind, size: found.size, modifiedAt: found.modifiedAt };
    });
  }

  /** The names in a folder ('' for the folder itself); an empty list when it does not exist. */
  async list(relative: string): Promise<Result<string[], AppError>> {
    if (relative === '') {
      return this.guardRoot('list', async () => {
        const root = await this.rootPath(false);
        return root === undefined ? [] : this.readdir(root, '', true);
      });
    }
    return this.guard(relative, 'list', async (segments) => {
      const folder = await this.walk(relative, segments, false);
      return folder === undefined ? [] : this.readdir(folder, relative, true);
    });
  }

  /** Deletes a regular file; ok(false) when there is none. A link or folder there is refused and left alone. */
  async remove(relative: string): Promise<Result<boolean, AppError>> {
    return this.guard(relative, 'delete', async (segments) => {
      const parent = await this.walk(relative, segments.slice(0, -1), false);
      if (parent === undefined) return false;
      const path = join(parent, segments.at(-1)!);
      const existing = await this.finalEntry(relative, path, 'delete');
      if (existing === undefined) return false;
      if (existing.kind === 'link') throw new Refused(await this.linkRefusal(relative, path));
      if (existing.kind !== 'file') throw new Refused(this.notAFile(relative, existing.kind));
      // unlink() removes a directory entry and never follows a link, so a swap after the check harms nothing.
      try {
        await this.ops.unlink(path);
        return true;
      } catch (cause) {
        if (errnoOf(cause) === 'ENOENT') return false;
        throw this.failure(cause, 'delete', relative);
      }
    });
  }

  /** Removes an empty folder (never a link, never a folder with anything in it). */
  async removeEmptyFolder(relative: string): Promise<Result<void, AppError>> {
    return this.guard(relative, 'delete', async (segments) => {
      const parent = await this.walk(relative, segments.slice(0, -1), false);
      if (parent === undefined) return undefined;
      try {
        await this.ops.rmdir(join(parent, segments.at(-1)!));
      } catch (cause) {
        if (errnoOf(cause) !== 'ENOENT') throw this.failure(cause, 'delete', relative);
      }
      return undefined;
    });
  }

  /** Checks the path, then runs `run`, turning refusals and system errors into Results (bugs still throw). */
  private async guard<T>(relative: string, operation: Operation, run: (segments: string[]) => Promise<T>): Promise<Result<T, AppError>> {
    const segments = splitRelativePath(relative);
    if (!segments.ok) return err(appError('pathOutsideFolder', { name: relative.slice(0, 300), folder: this.kind, reason: segments.error }));
    return this.guardRoot(operation, () => run(segments.value));
  }

  private async guardRoot<T>(operation: Operation, run: () => Promise<T>): Promise<Result<T, AppError>> {
    try {
      return ok(await run());
    } catch (cause) {
      if (cause instanceof Refused) return err(cause.error);
      const failure = this.failure(cause, operation, '');
      return err(failure.error);
    }
  }

  /** The real path of the folder, resolved once; undefined when it does not exist and `create` is false. */
  private async rootPath(create: boolean): Promise<string | undefined> {
    if (this.realRoot !== undefined) return this.realRoot;
    try {
      this.realRoot = await this.ops.realpath(this.root);
      return this.realRoot;
    } catch (cause) {
      if (errnoOf(cause) !== 'ENOENT') throw this.failure(cause, 'read', '');
    }
    if (!create) return undefined;
    try {
      // The folder is the one the person configured, so creating its missing parents is what they asked for.
      await this.ops.mkdir(this.root, { recursive: true });
      this.realRoot = await this.ops.realpath(this.root);
      return this.realRoot;
    } catch (cause) {
      throw this.failure(cause, 'write', '');
    }
  }

  /**
   * Walks the folders of a path from the real root: real folders are entered, links are entered only when their
   * real path stays inside the root, and with `create` missing folders are made. Returns the real path of the last
   * folder, or undefined when one is missing (and `create` is false).
   */
  private async walk(relative: string, folders: string[], create: boolean): Promise<string | undefined> {
    const root = await this.rootPath(create);
    if (root === undefined) return undefined;
    let current = root;
    let retries = 0;
    for (let i = 0; i < folders.length; i += 1) {
      const shown = folders.slice(0, i + 1).join('/');
      const path = join(current, folders[i]!);
      let stats: EntryStats;
      try {
        stats = await this.ops.lstat(path);
      } catch (cause) {
        if (errnoOf(cause) !== 'ENOENT') throw this.failure(cause, create ? 'write' : 'read', relative);
        if (!create) return undefined;
        try {
          await this.ops.mkdir(path, { recursive: false });
        } catch (mkdirCause) {
          // Someone made it at the same moment: look again, it is checked like any other entry.
          if (errnoOf(mkdirCause) !== 'EEXIST' || retries === 3) throw this.failure(mkdirCause, 'write', relative);
          retries += 1;
          i -= 1;
          continue;
        }
        current = path;
        continue;
      }
      if (stats.isSymbolicLink()) {
        let real: string;
        try {
          real = await this.ops.realpath(path);
        } catch (cause) {
          const errno = errnoOf(cause);
          if (errno === 'ENOENT' || errno === 'ELOOP') throw new Refused(appError('pathOutsideFolder', { name: relative, folder: this.kind, reason: 'brokenLink', link: shown, ...this.rootDetail() }));
          throw this.failure(cause, create ? 'write' : 'read', relative);
        }
        if (!isInside(root, real)) throw new Refused(appError('pathOutsideFolder', { name: relative, folder: this.kind, reason: 'link', link: shown, ...this.rootDetail() }));
        let target: EntryStats;
        try {
          target = await this.ops.stat(real);
        } catch (cause) {
          throw this.failure(cause, create ? 'write' : 'read', relative);
        }
        if (!target.isDirectory()) throw new Refused(this.notAFile(shown, 'file'));
        // Continue from the real path, so later steps do not depend on the link staying as it was.
        current = real;
      } else if (stats.isDirectory()) {
        current = path;
      } else {
        throw new Refused(this.notAFile(shown, 'file'));
      }
    }
    return current;
  }

  /** The entry at a final path, not following a link; undefined when there is none. */
  private async finalEntry(relative: string, path: string, operation: Operation): Promise<(EntryInfo & { mode: number; version: string }) | undefined> {
    try {
      const stats = await this.ops.lstat(path);
      const kind = stats.isSymbolicLink() ? 'link' : stats.isFile() ? 'file' : stats.isDirectory() ? 'folder' : 'other';
      return { kind, size: stats.size, modifiedAt: stats.mtimeMs, mode: stats.mode, version: versionOf(stats) };
    } catch (cause) {
      if (errnoOf(cause) === 'ENOENT') return undefined;
      throw this.failure(cause, operation, relative);
    }
  }

  /** notARegularFile for a link at a final path, saying whether it points outside the folder when that is known. */
  private async linkRefusal(relative: string, path: string): Promise<AppError> {
    let outside: boolean | undefined;
    try {
      const root = await this.rootPath(false);
      outside = root === undefined ? undefined : !isInside(root, await this.ops.realpath(path));
    } catch {
      outside = undefined; // A broken link: where it leads cannot be told, and it does not matter for the refusal.
    }
    return appError('notARegularFile', { name: relative, kind: 'link', folder: this.kind, ...(outside === undefined ? {} : { outside }), ...this.rootDetail() });
  }

  private notAFile(relative: string, kind: 'folder' | 'other' | 'file'): AppError {
    return appError('notARegularFile', { name: relative, kind, folder: this.kind, ...this.rootDetail() });
  }

  /** The data folder's path goes into messages, since people do not know where it is; the workspace they chose. */
  private rootDetail(): { root?: string } {
    return this.kind === 'data' ? { root: this.root } : {};
  }

  private failure(cause: unknown, operation: Operation, relative: string): Refused {
    if (cause instanceof Refused) return cause;
    const errno = errnoOf(cause);
    // Anything without an errno is a bug, not a file-system failure.
    if (errno === undefined) throw cause;
    return new Refused(appError('fileAccessFailed', { name: relative, operation, errno }));
  }

  private async readdir(path: string, relative: string, missingIsEmpty: boolean): Promise<string[]> {
    try {
      return await this.ops.readdir(path);
    } catch (cause) {
      if (missingIsEmpty && errnoOf(cause) === 'ENOENT') return [];
      throw this.failure(cause, 'list', relative);
    }
  }

  /** Creates a new temp file next to the target; O_EXCL|O_NOFOLLOW: never an existing file, never through a link. */
  private async createTemp(relative: string, folder: string, fileName: string, mode: number): Promise<{ temp: string; handle: FileHandleLike }> {
    for (let attempt = 0; ; attempt += 1) {
      const temp = join(folder, tempFileName(fileName));
      try {
        return { temp, handle: await this.ops.open(temp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | O_NOFOLLOW, mode) };
      } catch (cause) {
        if (errnoOf(cause) !== 'EEXIST' || attempt === 4) throw this.failure(cause, 'write', relative);
      }
    }
  }

  /** Makes the rename itself durable where the platform can sync a folder (not on Windows); best effort. */
  private async syncFolder(folder: string): Promise<void> {
    let handle: FileHandleLike | undefined;
    try {
      handle = await this.ops.open(folder, constants.O_RDONLY | O_DIRECTORY);
      await handle.sync();
    } catch {
      // The file is already complete under its name; only durability across a power cut is weaker.
    } finally {
      await handle?.close().catch(() => undefined);
    }
  }
}

/** Reads an open file to its end; undefined when it holds more than maxBytes (it may grow after fstat). */
async function readAll(handle: FileHandleLike, expected: number, maxBytes: number): Promise<Uint8Array | undefined> {
  let buffer = new Uint8Array(Math.min(expected + 1, maxBytes + 1, 2 ** 31 - 1) || 1);
  let total = 0;
  for (;;) {
    if (total === buffer.length) {
      if (total > maxBytes) return undefined;
      const grown = new Uint8Array(Math.min(buffer.length * 2, maxBytes + 1));
      grown.set(buffer);
      buffer = grown;
    }
    const { bytesRead } = await handle.read(buffer, total, buffer.length - total, null);
    if (bytesRead === 0) break;
    total += bytesRead;
  }
  return total > maxBytes ? undefined : buffer.subarray(0, total);
}
