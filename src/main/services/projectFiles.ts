import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { appError, type AppError } from '../../shared/errors';
import type { Design } from '../../shared/model/types';
import { err, ok, type Result } from '../../shared/result';
import { designSchema } from '../../shared/schema/design';
import { serializeDesign, type Json } from '../../shared/schema/envelope';
import { loadDesignFile } from '../../shared/schema/load';
import type { RepairReport } from '../../shared/schema/restore';
import { ConfinedFolder, type FileOps, type ReadFile } from '../fs/confinedFolder';

// Design files on disk. The renderer never sends paths, only file names, which are validated here and resolved
// inside the workspace folder (STYLE.md section 6). Every file goes through a ConfinedFolder (main/fs): links out of
// the workspace or data folder are refused, a link in a file's place is never followed, and every write is atomic
// (temp file, fsync, rename). The service never replaces a file it could not read as a design: a file someone put
// there by hand is theirs.

/** Every design file name ends with this. */
export const DESIGN_FILE_SUFFIX = '.clan-design.json';

/** A design file's name without its suffix, for the files kept beside it ("home.clan-design.json" -> "home"). */
export function designStem(designFile: string): string {
  return designFile.slice(0, -DESIGN_FILE_SUFFIX.length);
}
/** The autosave key of a design that has no file yet. */
export const UNTITLED_KEY = 'untitled';
/** Longest design file name, suffix included. */
export const MAX_FILE_NAME_LENGTH = 120;
/** Largest file that is read as a design; anything bigger is not one of ours (a big design is well under 1 MB). */
export const MAX_DESIGN_FILE_BYTES = 20 * 1024 * 1024;
/** How many recent names are shown. */
export const RECENT_SHOWN = 10;
/** How many recent names are stored; more than shown, so deleted files do not shrink the list at once. */
const RECENT_STORED = 30;

/** Largest recent.json that is read (it holds at most a few thousand short names). */
const MAX_RECENT_FILE_BYTES = 1024 * 1024;

/** What the service needs; fileOps and now are the transports tests replace. */
export interface ProjectFilesOptions {
  /** Folder the design files live in (created on first save). */
  workspaceDir: string;
  /** The app's own data folder: recent.json and autosave/. */
  dataDir: string;
  /** Written into every saved file's envelope. */
  appVersion: string;
  /** The file-system calls under both folders; tests wrap them to fail or to change the disk mid-operation. */
  fileOps?: FileOps;
  now?: () => number;
  log?: (message: string, details?: unknown) => void;
}

/** A design file in the workspace. */
export interface DesignFileEntry {
  name: string;
  size: number;
  /** Milliseconds since the epoch. */
  modifiedAt: number;
}

/** An opened design with what loading did and the revision to save against. */
export interface OpenedDesign {
  name: string;
  design: Design;
  repairs: RepairReport;
  migratedFrom?: number;
  /** sha256 of the bytes read; pass it back as expectedRevision so a save notices changes made by others. */
  revision: string;
}

/** How a save may treat an existing file. */
export interface SaveOptions {
  /** The revision the design was opened from; a different file on disk refuses the save (fileChangedOnDisk). */
  expectedRevision?: string;
  /** Whether an existing file may be replaced; defaults to true when expectedRevision is given, else false. */
  overwrite?: boolean;
  /** The autosave key the design was kept under (for example 'untitled' before its first save); defaults to the name. */
  autosaveKey?: string;
}

/** An autosave the renderer can offer to recover. */
export interface RecoveryEntry {
  /** The file name it belongs to, or 'untitled'. */
  key: string;
  savedAt: number;
  /** When the saved file was last changed, or null when there is no saved file. */
  fileModifiedAt: number | null;
}

/** A recovered autosave. */
export interface RecoveredDesign {
  key: string;
  design: Design;
  repairs: RepairReport;
  migratedFrom?: number;
  savedAt: number;
  /** The revision of the file the autosaved design was based on, if the renderer said so. */
  revision?: string;
}

/** Why a design file name was refused. */
export type FileNameProblem = 'empty' | 'tooLong' | 'slash' | 'controlCharacter' | 'leadingDot' | 'reservedCharacter' | 'outsideWorkspace';

/**
 * Checks a design file name from the renderer and appends the suffix when it is missing. Names are plain file
 * names: no separators, no NUL or control characters, no leading dot (hidden files, '..'), none of the
 * characters Windows reserves, and at most MAX_FILE_NAME_LENGTH characters including the suffix.
 */
export function normalizeDesignFileName(input: unknown): Result<string, AppError> {
  const refuse = (reason: FileNameProblem) => err(appError('invalidFileName', { name: typeof input === 'string' ? input.slice(0, 200) : String(typeof input), reason }));
  if (typeof input !== 'string' || input.length === 0) return refuse('empty');
  if (input.length > MAX_FILE_NAME_LENGTH) return refuse('tooLong');
  if (/[/\\]/.test(input)) return refuse('slash');
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused here
  if (/[\u0000-\u001f\u007f]/.test(input)) return refuse('controlCharacter');
  if (input.startsWith('.')) return refuse('leadingDot');
  if (/[<>:"|?*]/.test(input)) return refuse('reservedCharacter');
  const name = input.endsWith(DESIGN_FILE_SUFFIX) ? input : `${input}${DESIGN_FILE_SUFFIX}`;
  if (name.length > MAX_FILE_NAME_LENGTH) return refuse('tooLong');
  return ok(name);
}

/** Where design files and app data live, after flags and environment variables are applied. */
export interface ProjectFolders {
  workspaceDir: string;
  dataDir: string;
}

/** Environment variables that move the folders (serve mode, tests, and the desktop app alike). */
export const folderEnvironment = { workspace: 'CLAN_DESIGNER_WORKSPACE', dataDir: 'CLAN_DESIGNER_DATA_DIR' } as const;

/** The serve-mode defaults: ~/Clan Designs, and the XDG data folder for app data. */
export function defaultServeFolders(env: Record<string, string | undefined>, homeDir: string): ProjectFolders {
  const xdg = env.XDG_DATA_HOME;
  return {
    workspaceDir: join(homeDir, 'Clan Designs'),
    // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
    dataDir: xdg !== undefined && xdg.startsWith('/') ? join(xdg, 'clan-network-designer') : join(homeDir, '.local', 'share', 'clan-network-designer'),
  };
}

/**
 * Picks the folders: a command-line flag wins, then the environment variable, then the default. A leading "~/"
 * is expanded (an environment variable set in quotes keeps it), and relative paths are taken from `cwd`.
 */
export function resolveProjectFolders(
  flags: { workspace?: string; dataDir?: string },
  env: Record<string, string | undefined>,
  defaults: ProjectFolders,
  homeDir: string,
  cwd: string,
): ProjectFolders {
  const pick = (flag: string | undefined, variable: string, fallback: string) => {
    const chosen = flag ?? (env[variable] === '' ? undefined : env[variable]) ?? fallback;
    const expanded = chosen === '~' ? homeDir : chosen.startsWith('~/') ? join(homeDir, chosen.slice(2)) : chosen;
    return resolve(cwd, expanded);
  };
  return {
    workspaceDir: pick(flags.workspace, folderEnvironment.workspace, defaults.workspaceDir),
    dataDir: pick(flags.dataDir, folderEnvironment.dataDir, defaults.dataDir),
  };
}

/** sha256 of some bytes, as hex: the revision of a file's content. */
export function revisionOf(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

const recentFileSchema = z.object({ version: z.literal(1), names: z.array(z.string()).max(1000) });

const autosaveMetaSchema = z.object({ autosave: z.object({ key: z.string(), savedAt: z.number(), revision: z.string().optional() }) });

/** Where a design's autosave is kept, inside the data folder. */
const autosaveFile = (key: string) => `autosave/${key}.json`;

const decoder = new TextDecoder('utf-8');

/** Reads, writes and lists design files in the workspace, and keeps recent files and autosaves in the data folder. */
export class ProjectFilesService {
  private readonly workspaceDir: string;
  private readonly workspaceFolder: ConfinedFolder;
  private readonly dataFolder: ConfinedFolder;
  private readonly now: () => number;
  private readonly log: (message: string, details?: unknown) => void;
  /** Updates of recent.json run one after another, so two saves at once cannot lose an entry. */
  private recentQueue: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: ProjectFilesOptions) {
    this.workspaceDir = resolve(options.workspaceDir);
    this.workspaceFolder = new ConfinedFolder(this.workspaceDir, 'workspace', options.fileOps);
    this.dataFolder = new ConfinedFolder(options.dataDir, 'data', options.fileOps);
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
  }

  /** The workspace folder, for showing people where their files are. */
  get workspace(): string {
    return this.workspaceDir;
  }

  /** The design files in the workspace, most recently changed first. */
  async list(): Promise<Result<{ workspace: string; files: DesignFileEntry[] }, AppError>> {
    const names = await this.workspaceFolder.list('');
    if (!names.ok) return names;
    const files: DesignFileEntry[] = [];
    for (const name of names.value) {
      // Temp files of atomic writes (".x.clan-design.json.1a2b3c4d5e6f.tmp", "x.clan-design.json.123") and hidden
      // files do not pass the name check; links are not design files.
      if (!name.endsWith(DESIGN_FILE_SUFFIX) || !normalizeDesignFileName(name).ok) continue;
      const entry = await this.fileEntry(this.workspaceFolder, name);
      if (entry !== undefined) files.push({ name, size: entry.size, modifiedAt: entry.modifiedAt });
    }
    files.sort((a, b) => b.modifiedAt - a.modifiedAt || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    return ok({ workspace: this.workspaceDir, files });
  }

  /** Reads a design file; a file that does not load is reported by its load error and left untouched. */
  async open(fileName: string): Promise<Result<OpenedDesign, AppError>> {
    const target = this.resolveName(fileName);
    if (!target.ok) return target;
    const { name } = target.value;
    const read = await this.readDesign(name);
    if (!read.ok) return read;
    if (read.value === undefined) return err(appError('fileNotFound', { name }));
    const loaded = loadDesignFile(decoder.decode(read.value.bytes));
    if (!loaded.ok) {
      // The technical cause (zod issues, the failing step) goes to the log; the renderer gets the code.
      this.log(`could not open ${name}: ${loaded.error.code}`, loaded.error.details);
      return err(loaded.error);
    }
    await this.touchRecent(name);
    const opened: OpenedDesign = { name, design: loaded.value.design, repairs: loaded.value.repairs, revision: revisionOf(read.value.bytes) };
    if (loaded.value.migratedFrom !== undefined) opened.migratedFrom = loaded.value.migratedFrom;
    return ok(opened);
  }

  /**
   * Writes a design to a file in the workspace. Refuses an invalid design, an existing file without permission to
   * overwrite, a file that changed since it was opened, and, always, an existing file that is not a readable design.
   */
  async save(fileName: string, design: unknown, options: SaveOptions = {}): Promise<Result<{ name: string; revision: string }, AppError>> {
    const target = this.resolveName(fileName);
    if (!target.ok) return target;
    const { name } = target.value;
    const autosaveKey = this.checkKey(options.autosaveKey ?? name);
    if (!autosaveKey.ok) return autosaveKey;
    const valid = validateDesign(design);
    if (!valid.ok) return valid;
    // Check and write as one step per file inside this process: two saves of the same file (two windows) cannot
    // both pass the revision check and then overwrite each other. The write itself replaces the directory entry
    // and never goes through a link, so a file swapped for a link after the check cannot send it elsewhere.
    const written = await this.workspaceFolder.exclusive(name, () => this.checkAndWrite(name, valid.value, options));
    if (!written.ok) return written;
    await this.touchRecent(name);
    // The design is safe in its file now, so its autosave would only offer a stale copy on the next start.
    await this.removeAutosave(name);
    if (autosaveKey.value !== name) await this.removeAutosave(autosaveKey.value);
    return ok({ name, revision: written.value });
  }

  /** The part of a save that must not interleave with another save of the same file; returns the new revision. */
  private async checkAndWrite(name: string, design: Design, options: SaveOptions): Promise<Result<string, AppError>> {
    const existing = await this.readDesign(name);
    if (!existing.ok) {
      // Too large to check means we cannot know it is a design, so it is protected like any unreadable file.
      return existing.error.code === 'fileTooLarge' ? err(appError('wouldOverwriteUnreadableFile', { name, reason: 'fileTooLarge' })) : existing;
    }
    if (existing.value !== undefined) {
      const overwrite = options.overwrite ?? options.expectedRevision !== undefined;
      if (!overwrite) return err(appError('fileExists', { name }));
      const loaded = loadDesignFile(decoder.decode(existing.value.bytes));
      if (!loaded.ok) return err(appError('wouldOverwriteUnreadableFile', { name, reason: loaded.error.code }));
      if (options.expectedRevision !== undefined && revisionOf(existing.value.bytes) !== options.expectedRevision) return err(appError('fileChangedOnDisk', { name }));
    }
    // A file that vanished since it was opened is simply written again: nothing on disk can be lost.

    const text = serializeDesign(design, this.options.appVersion);
    // Only the file that was checked may be replaced: another program's change (or a link) since then is refused.
    const written = await this.workspaceFolder.writeFile(name, text, { replaces: existing.value?.version ?? null });
    return written.ok ? ok(revisionOf(text)) : written;
  }

  /** Up to RECENT_SHOWN recently opened or saved file names that still exist, newest first. */
  async recent(): Promise<Result<{ names: string[] }, AppError>> {
    const stored = await this.readRecent();
    const names: string[] = [];
    for (const name of stored) {
      if (names.length === RECENT_SHOWN) break;
      if ((await this.fileEntry(this.workspaceFolder, name)) !== undefined) names.push(name);
    }
    return ok({ names });
  }

  /**
   * Keeps a copy of an unsaved design in the data folder, under the file name it belongs to or 'untitled'. The
   * copy is a normal design file whose envelope meta says when it was taken and which revision it started from.
   */
  async autosave(key: string, design: unknown, revision?: string): Promise<Result<{ key: string; savedAt: number }, AppError>> {
    const checked = this.checkKey(key);
    if (!checked.ok) return checked;
    const valid = validateDesign(design);
    if (!valid.ok) return valid;
    const savedAt = this.now();
    const autosave: Record<string, Json> = { key: checked.value, savedAt };
    if (revision !== undefined) autosave.revision = revision;
    const path = autosaveFile(checked.value);
    const written = await this.dataFolder.exclusive(path, () => this.dataFolder.writeFile(path, serializeDesign(valid.value, this.options.appVersion, { autosave })));
    if (!written.ok) return written;
    return ok({ key: checked.value, savedAt });
  }

  /** Autosaves newer than their saved file (or without one), newest first: what the renderer offers to recover. */
  async recovery(): Promise<Result<{ entries: RecoveryEntry[] }, AppError>> {
    const names = await this.dataFolder.list('autosave');
    if (!names.ok) return names;
    const entries: RecoveryEntry[] = [];
    for (const fileName of names.value) {
      if (!fileName.endsWith('.json')) continue;
      const key = fileName.slice(0, -'.json'.length);
      if (!this.checkKey(key).ok) continue;
      const savedAt = await this.autosaveTime(key);
      if (savedAt === undefined) continue;
      const file = key === UNTITLED_KEY ? undefined : await this.fileEntry(this.workspaceFolder, key);
      const fileModifiedAt = file?.modifiedAt ?? null;
      if (fileModifiedAt === null || savedAt > fileModifiedAt) entries.push({ key, savedAt, fileModifiedAt });
    }
    entries.sort((a, b) => b.savedAt - a.savedAt);
    return ok({ entries });
  }

  /** Reads an autosave back as a design, through the same load pipeline as any file. */
  async recover(key: string): Promise<Result<RecoveredDesign, AppError>> {
    const checked = this.checkKey(key);
    if (!checked.ok) return checked;
    const read = await this.dataFolder.readFile(autosaveFile(checked.value), { maxBytes: MAX_DESIGN_FILE_BYTES });
    if (!read.ok) return read;
    if (read.value === undefined) return err(appError('recoveryNotFound', { key: checked.value }));
    const text = decoder.decode(read.value.bytes);
    const loaded = loadDesignFile(text);
    if (!loaded.ok) {
      this.log(`could not recover the autosave of ${checked.value}: ${loaded.error.code}`, loaded.error.details);
      return err(loaded.error);
    }
    const meta = autosaveMetaOf(text);
    const recovered: RecoveredDesign = { key: checked.value, design: loaded.value.design, repairs: loaded.value.repairs, savedAt: meta?.savedAt ?? 0 };
    if (loaded.value.migratedFrom !== undefined) recovered.migratedFrom = loaded.value.migratedFrom;
    if (meta?.revision !== undefined) recovered.revision = meta.revision;
    return ok(recovered);
  }

  /** Deletes an autosave; discarding one that is already gone is not an error. */
  async discardRecovery(key: string): Promise<Result<{ discarded: boolean }, AppError>> {
    const checked = this.checkKey(key);
    if (!checked.ok) return checked;
    const path = autosaveFile(checked.value);
    const removed = await this.dataFolder.exclusive(path, () => this.dataFolder.remove(path));
    return removed.ok ? ok({ discarded: removed.value }) : removed;
  }

  /** Validates a design file name; the workspace folder confines it again on every read and write. */
  private resolveName(fileName: string): Result<{ name: string }, AppError> {
    const normalized = normalizeDesignFileName(fileName);
    if (!normalized.ok) return normalized;
    return ok({ name: normalized.value });
  }

  /** An autosave key: 'untitled' or a design file name (normalized). */
  private checkKey(key: string): Result<string, AppError> {
    return key === UNTITLED_KEY ? ok(key) : normalizeDesignFileName(key);
  }

  /**
   * The bytes of a design file, undefined when there is none. Links, folders and devices are refused
   * (notARegularFile), and so are files too large to be a design; the type and size are those of the opened file.
   */
  private readDesign(name: string): Promise<Result<ReadFile | undefined, AppError>> {
    return this.workspaceFolder.readFile(name, { maxBytes: MAX_DESIGN_FILE_BYTES });
  }

  /** A regular file's size and time, undefined for anything else (missing, a link, a folder, unreadable). */
  private async fileEntry(folder: ConfinedFolder, name: string): Promise<{ size: number; modifiedAt: number } | undefined> {
    const entry = await folder.entry(name);
    return entry.ok && entry.value?.kind === 'file' ? entry.value : undefined;
  }

  /** When an autosave was taken: from its envelope meta, or the file time if the meta cannot be read. */
  private async autosaveTime(key: string): Promise<number | undefined> {
    const read = await this.dataFolder.readFile(autosaveFile(key), { maxBytes: MAX_DESIGN_FILE_BYTES });
    if (!read.ok) {
      // A link or folder under an autosave's name is not offered for recovery; the log says why.
      this.log(`the autosave of ${key} was not offered: ${read.error.code}`, read.error.details);
      return undefined;
    }
    if (read.value === undefined) return undefined;
    return autosaveMetaOf(decoder.decode(read.value.bytes))?.savedAt ?? read.value.modifiedAt;
  }

  private async removeAutosave(key: string): Promise<void> {
    const path = autosaveFile(key);
    const removed = await this.dataFolder.exclusive(path, () => this.dataFolder.remove(path));
    if (!removed.ok) this.log(`could not remove the autosave of ${key}: ${removed.error.code}`, removed.error.details);
  }

  /** The stored recent names; a missing file is an empty list, a corrupt one is replaced by an empty list. */
  private async readRecent(): Promise<string[]> {
    const read = await this.dataFolder.readFile('recent.json', { maxBytes: MAX_RECENT_FILE_BYTES });
    if (!read.ok) {
      // A link or folder named recent.json is left alone (and never written through); the list is then empty.
      this.log(`could not read recent.json: ${read.error.code}`, read.error.details);
      return [];
    }
    if (read.value === undefined) return [];
    const text = decoder.decode(read.value.bytes);
    try {
      const parsed = recentFileSchema.safeParse(JSON.parse(text));
      if (parsed.success) return parsed.data.names.filter((name) => normalizeDesignFileName(name).ok && name.endsWith(DESIGN_FILE_SUFFIX));
    } catch {
      // Not JSON: treated like a file of the wrong shape below.
    }
    this.log('recent.json was unreadable and was replaced by an empty list');
    await this.writeRecent([]);
    return [];
  }

  private async writeRecent(names: string[]): Promise<void> {
    const written = await this.dataFolder.writeFile('recent.json', `${JSON.stringify({ version: 1, names }, null, 2)}\n`);
    // The recent list is a convenience: failing to update it must not fail the open or save that triggered it.
    if (!written.ok) this.log(`could not write recent.json: ${written.error.code}`, written.error.details);
  }

  /** Moves a name to the front of the recent list. */
  private touchRecent(name: string): Promise<void> {
    const update = this.recentQueue.then(async () => {
      const names = await this.readRecent();
      await this.writeRecent([name, ...names.filter((other) => other !== name)].slice(0, RECENT_STORED));
    });
    this.recentQueue = update.catch(() => undefined);
    return update;
  }
}

/**
 * Validates a design sent by the renderer against the design file's schema (every service that takes one calls
 * this); deep garbage that overflows the stack counts as invalid too.
 */
export function validateDesign(design: unknown): Result<Design, AppError> {
  try {
    const parsed = designSchema.safeParse(design);
    if (parsed.success) return ok(parsed.data);
    const issues = parsed.error.issues.map((issue) => ({ path: ['design', ...issue.path.map(String)].join('.'), message: issue.message }));
    return err(appError('invalidDesign', { issues: issues.slice(0, 10), issueCount: issues.length }));
  } catch {
    return err(appError('invalidDesign', { issues: [{ path: 'design', message: 'is nested too deeply to be read' }], issueCount: 1 }));
  }
}

/** The autosave stamp in an autosave file's envelope meta, if it has one. */
function autosaveMetaOf(text: string): { savedAt: number; revision?: string } | undefined {
  try {
    const parsed = autosaveMetaSchema.safeParse((JSON.parse(text) as { meta?: unknown }).meta);
    return parsed.success ? parsed.data.autosave : undefined;
  } catch {
    return undefined;
  }
}
