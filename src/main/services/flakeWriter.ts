import { createHash } from 'node:crypto';
import * as nodeFs from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { isSafeRelativePath, manifestPath, parseManifest, type GeneratedClan, type GeneratedManifest } from '../../shared/nix/generate';
import { err, ok, type Result } from '../../shared/result';

// Writes a generated flake into a folder without destroying anyone's work. The manifest the previous generation
// left (.clan-designer/manifest.json) says which files the app wrote and what they contained:
// - a file is overwritten only if it is still exactly what the app wrote last time (or already has the new content);
// - a file changed by hand whose generated content has not changed since is left alone (the edit is newer than
//   anything the app has to say; this is how a hand-tuned configuration.nix survives regenerations);
// - a file the app wrote earlier and no longer generates (a deleted machine's configuration.nix: a leftover
//   machines/<name>/ folder would register a ghost machine, CLAN.md 1.1) is deleted, again only if unchanged;
// - anything else in the way (edited by hand, or a file the app never wrote) is a conflict. Conflicts are reported
//   all at once before anything is written; `force` overwrites and deletes them anyway.
// Files the app never generated (hardware-configuration.nix, vars/, flake.lock) are never touched. Every write is
// atomic (temp file, fsync, rename), and the manifest is written last.

/** How a file that is in the way differs from what the app expects. */
export type ConflictReason =
  /** The app wrote it, and it was changed since. */
  | 'editedByHand'
  /** The app did not write it (no manifest entry), and its content differs from what would be written. */
  | 'notWrittenByApp'
  /** A folder, link or device is where a file should be; never replaced, not even with force. */
  | 'notAFile';

/** One file the writer refused to overwrite or delete. */
export interface Conflict {
  path: string;
  reason: ConflictReason;
  /** What the writer wanted to do with it. */
  action: 'overwrite' | 'delete';
}

/** What a write did. */
export interface WriteReport {
  written: string[];
  unchanged: string[];
  /** Files changed by hand whose generated content is the same as last time: kept as they are. */
  keptEdits: string[];
  removed: string[];
  /** Conflicting files that force overwrote or deleted. */
  forced: string[];
  /** Folders of removed files that still hold other files (for machines/<name>/: a ghost machine until deleted). */
  keptFolders: string[];
}

/** What a check found. */
export interface CheckReport {
  upToDate: boolean;
  /** Generated files whose content on disk differs (and that the app would write). */
  changed: string[];
  /** Files changed by hand whose generated content is the same as last time; not out of date. */
  keptEdits: string[];
  /** Generated files missing on disk. */
  missing: string[];
  /** Files the last generation wrote that are no longer generated but still exist. */
  stale: string[];
}

/** Why a write or check failed. */
export type FlakeWriteError =
  | { code: 'generatedFilesChanged'; details: { conflicts: Conflict[] } }
  | { code: 'fileAccessFailed'; details: { path: string; operation: string; errno: string } }
  | { code: 'invalidGeneratedPath'; details: { path: string } };

/** The file-system calls the writer makes; tests may pass fakes. */
export interface FlakeFs {
  readFile(path: string): Promise<Uint8Array>;
  lstat(path: string): Promise<{ isFile(): boolean; isDirectory(): boolean }>;
  readdir(path: string): Promise<string[]>;
  mkdir(path: string, options: { recursive: true }): Promise<unknown>;
  unlink(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
}

/** Options of a write. */
export interface WriteOptions {
  /** Overwrite and delete files changed by hand (never folders or links). */
  force?: boolean;
  fs?: FlakeFs;
  writeAtomic?: (path: string, text: string) => Promise<void>;
}

const defaultFs: FlakeFs = nodeFs;
const defaultWriteAtomic = (path: string, text: string): Promise<void> => writeFileAtomic(path, text, { encoding: 'utf8' });

class AccessError extends Error {
  constructor(readonly details: { path: string; operation: string; errno: string }) {
    super(`${details.operation} ${details.path}: ${details.errno}`);
  }
}

function errnoOf(cause: unknown): string {
  return (cause as NodeJS.ErrnoException | undefined)?.code ?? 'EUNKNOWN';
}

async function attempt<T>(operation: string, path: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (cause) {
    throw new AccessError({ path, operation, errno: errnoOf(cause) });
  }
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** What is at a relative path: a regular file with its bytes, nothing, or something that is not a file. */
type OnDisk = { kind: 'file'; bytes: Uint8Array } | { kind: 'missing' } | { kind: 'other' };

async function inspect(fs: FlakeFs, root: string, path: string): Promise<OnDisk> {
  // Every folder on the way must be a real folder: a link there could send a write outside the flake.
  const segments = path.split('/');
  let current = root;
  for (let i = 0; i < segments.length; i += 1) {
    current = join(current, segments[i]!);
    let stats;
    try {
      stats = await fs.lstat(current);
    } catch (cause) {
      if (errnoOf(cause) === 'ENOENT' || errnoOf(cause) === 'ENOTDIR') return { kind: 'missing' };
      throw new AccessError({ path: current, operation: 'inspect', errno: errnoOf(cause) });
    }
    const last = i === segments.length - 1;
    if (last ? !stats.isFile() : !stats.isDirectory()) return { kind: 'other' };
  }
  const bytes = await attempt('read', current, () => fs.readFile(current));
  return { kind: 'file', bytes };
}

async function readPreviousManifest(fs: FlakeFs, root: string): Promise<GeneratedManifest | null> {
  const found = await inspect(fs, root, manifestPath);
  if (found.kind !== 'file') return null;
  // An unreadable manifest is treated as none: every existing file that differs is then a conflict, never lost.
  return parseManifest(new TextDecoder().decode(found.bytes));
}

const encoder = new TextEncoder();

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) return false;
  return true;
}

interface Plan {
  write: string[];
  unchanged: string[];
  keptEdits: string[];
  remove: string[];
  conflicts: Conflict[];
}

async function plan(fs: FlakeFs, root: string, generated: GeneratedClan, previous: GeneratedManifest | null): Promise<Plan> {
  const result: Plan = { write: [], unchanged: [], keptEdits: [], remove: [], conflicts: [] };
  for (const [path, content] of Object.entries(generated.files)) {
    const found = await inspect(fs, root, path);
    if (found.kind === 'missing') {
      result.write.push(path);
    } else if (found.kind === 'other') {
      result.conflicts.push({ path, reason: 'notAFile', action: 'overwrite' });
    } else if (sameBytes(found.bytes, encoder.encode(content))) {
      result.unchanged.push(path);
    } else if (path === manifestPath || previous?.files[path] === sha256(found.bytes)) {
      // The manifest itself is always the app's; other files only while they hold what the app wrote.
      result.write.push(path);
    } else if (previous?.files[path] === sha256(encoder.encode(content))) {
      result.keptEdits.push(path);
    } else {
      result.conflicts.push({ path, reason: previous?.files[path] === undefined ? 'notWrittenByApp' : 'editedByHand', action: 'overwrite' });
    }
  }
  for (const [path, hash] of Object.entries(previous?.files ?? {})) {
    if (Object.hasOwn(generated.files, path)) continue;
    const found = await inspect(fs, root, path);
    if (found.kind === 'missing') continue;
    if (found.kind === 'other') result.conflicts.push({ path, reason: 'notAFile', action: 'delete' });
    else if (sha256(found.bytes) === hash) result.remove.push(path);
    else result.conflicts.push({ path, reason: 'editedByHand', action: 'delete' });
  }
  return result;
}

function checkPaths(generated: GeneratedClan): string | null {
  for (const path of Object.keys(generated.files)) if (!isSafeRelativePath(path)) return path;
  return null;
}

/**
 * Removes the folders a removed file leaves empty, up to (not including) the flake folder. Returns the file's own
 * folder when other files keep it alive (for machines/<name>/, that folder still registers a machine).
 */
async function pruneFolders(fs: FlakeFs, root: string, path: string): Promise<string | null> {
  let folder = posix.dirname(path);
  let own = true;
  while (folder !== '.' && folder !== '') {
    const absolute = join(root, folder);
    const entries = await attempt('list', absolute, () => fs.readdir(absolute));
    if (entries.length > 0) return own ? folder : null;
    await attempt('remove folder', absolute, () => fs.rmdir(absolute));
    folder = posix.dirname(folder);
    own = false;
  }
  return null;
}

/**
 * Writes a generated flake into `dir` (created if needed). Refuses with generatedFilesChanged, writing nothing,
 * when a file in the way was changed by hand or not written by the app, unless `force`.
 */
export async function writeGeneratedClan(dir: string, generated: GeneratedClan, options: WriteOptions = {}): Promise<Result<WriteReport, FlakeWriteError>> {
  const fs = options.fs ?? defaultFs;
  const writeAtomic = options.writeAtomic ?? defaultWriteAtomic;
  const badPath = checkPaths(generated);
  if (badPath !== null) return err({ code: 'invalidGeneratedPath', details: { path: badPath } });
  try {
    const previous = await readPreviousManifest(fs, dir);
    const steps = await plan(fs, dir, generated, previous);
    const blocking = steps.conflicts.filter((c) => options.force !== true || c.reason === 'notAFile');
    if (blocking.length > 0) return err({ code: 'generatedFilesChanged', details: { conflicts: blocking } });
    const forced = steps.conflicts.map((c) => c.path);
    const toWrite = [...steps.write, ...steps.conflicts.filter((c) => c.action === 'overwrite').map((c) => c.path)].sort();
    const toRemove = [...steps.remove, ...steps.conflicts.filter((c) => c.action === 'delete').map((c) => c.path)].sort();
    await attempt('create folder', dir, () => fs.mkdir(dir, { recursive: true }));
    // The manifest goes last: if writing stops halfway, the old manifest still describes what is on disk.
    for (const path of [...toWrite.filter((p) => p !== manifestPath), ...toWrite.filter((p) => p === manifestPath)]) {
      const absolute = join(dir, path);
      await attempt('create folder', dirname(absolute), () => fs.mkdir(dirname(absolute), { recursive: true }));
      await attempt('write', absolute, () => writeAtomic(absolute, generated.files[path]!));
    }
    const keptFolders = new Set<string>();
    for (const path of toRemove) {
      const absolute = join(dir, path);
      await attempt('remove', absolute, () => fs.unlink(absolute));
      const kept = await pruneFolders(fs, dir, path);
      if (kept !== null) keptFolders.add(kept);
    }
    return ok({ written: toWrite, unchanged: steps.unchanged.sort(), keptEdits: steps.keptEdits.sort(), removed: toRemove, forced: forced.sort(), keptFolders: [...keptFolders].sort() });
  } catch (cause) {
    if (cause instanceof AccessError) return err({ code: 'fileAccessFailed', details: cause.details });
    throw cause;
  }
}

/** Compares a folder with a generated flake without changing anything (the CLI's --check). */
export async function checkGeneratedClan(dir: string, generated: GeneratedClan, options: Pick<WriteOptions, 'fs'> = {}): Promise<Result<CheckReport, FlakeWriteError>> {
  const fs = options.fs ?? defaultFs;
  const badPath = checkPaths(generated);
  if (badPath !== null) return err({ code: 'invalidGeneratedPath', details: { path: badPath } });
  try {
    const previous = await readPreviousManifest(fs, dir);
    const changed: string[] = [];
    const keptEdits: string[] = [];
    const missing: string[] = [];
    const stale: string[] = [];
    for (const [path, content] of Object.entries(generated.files)) {
      const found = await inspect(fs, dir, path);
      const bytes = encoder.encode(content);
      if (found.kind === 'missing') missing.push(path);
      else if (found.kind === 'file' && sameBytes(found.bytes, bytes)) continue;
      else if (found.kind === 'file' && path !== manifestPath && previous?.files[path] === sha256(bytes) && previous.files[path] !== sha256(found.bytes)) keptEdits.push(path);
      else changed.push(path);
    }
    for (const path of Object.keys(previous?.files ?? {})) {
      if (Object.hasOwn(generated.files, path)) continue;
      if ((await inspect(fs, dir, path)).kind !== 'missing') stale.push(path);
    }
    return ok({ upToDate: changed.length + missing.length + stale.length === 0, changed, keptEdits, missing, stale });
  } catch (cause) {
    if (cause instanceof AccessError) return err({ code: 'fileAccessFailed', details: cause.details });
    throw cause;
  }
}
