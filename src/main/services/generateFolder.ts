import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import type { AppError } from '../../shared/errors';
import { isSafeRelativePath, manifestPath, parseManifest, type GeneratedClan, type GeneratedManifest } from '../../shared/nix/generate';
import { err, ok, type Result } from '../../shared/result';
import { ConfinedFolder, type FileOps } from '../fs/confinedFolder';

// Writes a generated flake into a folder without destroying anyone's work. The manifest the previous generation
// left (.clan-designer/manifest.json) says which files the app wrote and what they contained:
// - a file is overwritten only if it is still exactly what the app wrote last time (or already has the new content);
// - a file changed by hand whose generated content has not changed since is left alone (the edit is newer than
//   anything the app has to say; this is how a hand-tuned configuration.nix survives regenerations);
// - a file the app wrote earlier and no longer generates (a deleted machine's configuration.nix: a leftover
//   machines/<name>/ folder would register a ghost machine, CLAN.md 1.1) is deleted, again only if unchanged;
// - anything else in the way (edited by hand, or a file the app never wrote) is a conflict. Conflicts are reported
//   all at once before anything is written; `force` overwrites and deletes them anyway.
// Files the app never generated (hardware-configuration.nix, vars/, flake.lock) are never touched. Every read and
// write goes through a ConfinedFolder (main/fs): a link that leads out of the folder (the flake folder itself
// included) stops the whole write before anything is written, a link in a file's place is a conflict that not even
// `force` overrides, and every write is atomic (temp file, fsync, rename). The manifest is written last.

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

/** What comparing a folder with a generated configuration found. */
export interface CompareReport {
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

/** A refusal or failure of the folder the flake is in, as the coded error shared/errors describes. */
export interface GenerateFolderError {
  code: 'fileAccessFailed' | 'notARegularFile' | 'pathOutsideFolder';
  /** details.name is the path inside the confined folder (for the workspace: "home.clan/flake.nix"). */
  details: Record<string, unknown>;
}

/** Why a write or check failed. */
export type GenerateWriteError = { code: 'generatedFilesChanged'; details: { conflicts: Conflict[] } } | { code: 'invalidGeneratedPath'; details: { path: string } } | GenerateFolderError;

/**
 * Where a flake goes: a folder of its own (the CLI's --out DIR, which may itself be a link the person chose), or a
 * folder below a confined folder (the workspace's `<stem>.clan/`), checked like every other path in it.
 */
export type GenerateLocation = string | { folder: ConfinedFolder; path: string };

/** Options of a write. */
export interface WriteOptions {
  /** Overwrite and delete files changed by hand (never folders or links). */
  force?: boolean;
  /** The file-system calls; tests wrap them to fail. */
  fileOps?: FileOps;
}

/** Carries a folder error out of the planning and writing steps to the function's Result. */
class FolderFailure extends Error {
  constructor(readonly error: GenerateFolderError) {
    super(error.code);
  }
}

/** The flake's files, addressed by their path inside the flake. */
class FlakeTree {
  readonly folder: ConfinedFolder;
  private readonly base: string;

  constructor(location: GenerateLocation, fileOps: FileOps | undefined) {
    if (typeof location === 'string') {
      this.folder = new ConfinedFolder(location, 'output', fileOps);
      this.base = '';
    } else {
      this.folder = location.folder;
      this.base = location.path;
    }
  }

  private at(path: string): string {
    return this.base === '' ? path : path === '' ? this.base : `${this.base}/${path}`;
  }

  async inspect(path: string): Promise<OnDisk> {
    // No size limit: generated files of big designs are big, and a file in the way is read to compare it.
    const read = await this.folder.readFile(this.at(path), { maxBytes: Number.POSITIVE_INFINITY });
    if (read.ok) return read.value === undefined ? { kind: 'missing' } : { kind: 'file', bytes: read.value.bytes };
    // A link, folder or device in a file's place, or a file in a folder's place: in the way, never replaced.
    if (read.error.code === 'notARegularFile') return { kind: 'other' };
    throw new FolderFailure(folderError(read.error));
  }

  async write(path: string, text: string): Promise<void> {
    check(await this.folder.writeFile(this.at(path), text));
  }

  async remove(path: string): Promise<void> {
    check(await this.folder.remove(this.at(path)));
  }

  async list(folder: string): Promise<string[]> {
    return check(await this.folder.list(this.at(folder)));
  }

  async removeFolder(folder: string): Promise<void> {
    check(await this.folder.removeEmptyFolder(this.at(folder)));
  }
}

function folderError(error: AppError): GenerateFolderError {
  if (error.code === 'fileAccessFailed' || error.code === 'notARegularFile' || error.code === 'pathOutsideFolder') return { code: error.code, details: error.details ?? {} };
  // The folder returns no other codes; anything else is a bug.
  throw new Error(`unexpected folder error ${error.code}`);
}

function check<T>(result: Result<T, AppError>): T {
  if (!result.ok) throw new FolderFailure(folderError(result.error));
  return result.value;
}

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** What is at a relative path: a regular file with its bytes, nothing, or something that is not a file. */
type OnDisk = { kind: 'file'; bytes: Uint8Array } | { kind: 'missing' } | { kind: 'other' };

async function readPreviousManifest(tree: FlakeTree): Promise<GeneratedManifest | null> {
  const found = await tree.inspect(manifestPath);
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

async function plan(tree: FlakeTree, generated: GeneratedClan, previous: GeneratedManifest | null): Promise<Plan> {
  const result: Plan = { write: [], unchanged: [], keptEdits: [], remove: [], conflicts: [] };
  for (const [path, content] of Object.entries(generated.files)) {
    const found = await tree.inspect(path);
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
    const found = await tree.inspect(path);
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
async function pruneFolders(tree: FlakeTree, path: string): Promise<string | null> {
  let folder = posix.dirname(path);
  let own = true;
  while (folder !== '.' && folder !== '') {
    const entries = await tree.list(folder);
    if (entries.length > 0) return own ? folder : null;
    await tree.removeFolder(folder);
    folder = posix.dirname(folder);
    own = false;
  }
  return null;
}

/**
 * Writes a generated flake into `dir` (created if needed). Refuses with generatedFilesChanged, writing nothing,
 * when a file in the way was changed by hand or not written by the app, unless `force`.
 */
export async function writeGeneratedClan(location: GenerateLocation, generated: GeneratedClan, options: WriteOptions = {}): Promise<Result<WriteReport, GenerateWriteError>> {
  const tree = new FlakeTree(location, options.fileOps);
  const badPath = checkPaths(generated);
  if (badPath !== null) return err({ code: 'invalidGeneratedPath', details: { path: badPath } });
  try {
    const previous = await readPreviousManifest(tree);
    const steps = await plan(tree, generated, previous);
    const blocking = steps.conflicts.filter((c) => options.force !== true || c.reason === 'notAFile');
    if (blocking.length > 0) return err({ code: 'generatedFilesChanged', details: { conflicts: blocking } });
    const forced = steps.conflicts.map((c) => c.path);
    const toWrite = [...steps.write, ...steps.conflicts.filter((c) => c.action === 'overwrite').map((c) => c.path)].sort();
    const toRemove = [...steps.remove, ...steps.conflicts.filter((c) => c.action === 'delete').map((c) => c.path)].sort();
    // The manifest goes last: if writing stops halfway, the old manifest still describes what is on disk.
    for (const path of [...toWrite.filter((p) => p !== manifestPath), ...toWrite.filter((p) => p === manifestPath)]) {
      await tree.write(path, generated.files[path]!);
    }
    const keptFolders = new Set<string>();
    for (const path of toRemove) {
      await tree.remove(path);
      const kept = await pruneFolders(tree, path);
      if (kept !== null) keptFolders.add(kept);
    }
    return ok({ written: toWrite, unchanged: steps.unchanged.sort(), keptEdits: steps.keptEdits.sort(), removed: toRemove, forced: forced.sort(), keptFolders: [...keptFolders].sort() });
  } catch (cause) {
    if (cause instanceof FolderFailure) return err(cause.error);
    throw cause;
  }
}

/** Compares a folder with a generated flake without changing anything (the CLI's --check). */
export async function compareGeneratedClan(location: GenerateLocation, generated: GeneratedClan, options: Pick<WriteOptions, 'fileOps'> = {}): Promise<Result<CompareReport, GenerateWriteError>> {
  const tree = new FlakeTree(location, options.fileOps);
  const badPath = checkPaths(generated);
  if (badPath !== null) return err({ code: 'invalidGeneratedPath', details: { path: badPath } });
  try {
    const previous = await readPreviousManifest(tree);
    const changed: string[] = [];
    const keptEdits: string[] = [];
    const missing: string[] = [];
    const stale: string[] = [];
    for (const [path, content] of Object.entries(generated.files)) {
      const found = await tree.inspect(path);
      const bytes = encoder.encode(content);
      if (found.kind === 'missing') missing.push(path);
      else if (found.kind === 'file' && sameBytes(found.bytes, bytes)) continue;
      else if (found.kind === 'file' && path !== manifestPath && previous?.files[path] === sha256(bytes) && previous.files[path] !== sha256(found.bytes)) keptEdits.push(path);
      else changed.push(path);
    }
    for (const path of Object.keys(previous?.files ?? {})) {
      if (Object.hasOwn(generated.files, path)) continue;
      if ((await tree.inspect(path)).kind !== 'missing') stale.push(path);
    }
    return ok({ upToDate: changed.length + missing.length + stale.length === 0, changed, keptEdits, missing, stale });
  } catch (cause) {
    if (cause instanceof FolderFailure) return err(cause.error);
    throw cause;
  }
}
