import { join } from 'node:path';
import { manifestPath, parseManifest } from '../../shared/nix/generate';
import { ConfinedFolder, isOwnTempFile, nodeFileOps, type FileOps } from './confinedFolder';
import { errnoOf } from '../errno';

// A write that is killed between creating its temp file and renaming it leaves the temp file behind, and nothing
// ever looked at them again (design-sized ones of several MB piled up). At start the app removes those of its own
// writes, in the folders it writes to, once they are old enough that no write can still be going on (another
// instance of the app may be saving right now):
// - its own temp files, ".<file>.<12 hex digits>.tmp" (ConfinedFolder's writer), anywhere in those folders;
// - temp files of write-file-atomic, which earlier versions used: "<file>.<unsigned 32-bit number>", only next to
//   names the app writes in that place (designs and check reports in the workspace, recent.json, autosaves, and
//   the files a flake's manifest lists), so a person's "notes.txt.1" or a dated copy is never touched.
// Nothing else is deleted, links are never followed or removed, and every removal is logged.

/** Temp files younger than this are left alone: a write may still be in progress. */
export const STALE_TEMP_AGE_MS = 5 * 60 * 1000;

/** Flake trees are walked at most this deep; generated flakes are three folders deep. */
const MAX_DEPTH = 8;

/** What a clean-up removed (absolute paths), and what it could not look at or remove. */
export interface StaleTempReport {
  removed: string[];
  failed: { path: string; errno: string }[];
}

export interface StaleTempOptions {
  workspaceDir: string;
  dataDir: string;
  now?: () => number;
  minAgeMs?: number;
  log?: (message: string, details?: unknown) => void;
  fileOps?: FileOps;
}

/**
 * write-file-atomic's temp name: "<file>.<n>" with n the decimal of an unsigned 32-bit hash. Only 9- and
 * 10-digit numbers count (97.7 % of such hashes): a copy someone dated by hand, "home.clan-design.json.20240101",
 * has 8 and is never taken for a leftover.
 */
function legacyTempTarget(name: string): string | undefined {
  const match = /^(.+)\.([1-9][0-9]{8,9})$/.exec(name);
  if (match === null || Number(match[2]) > 0xffffffff) return undefined;
  return match[1];
}


/** Removes stale temp files of interrupted writes; never rejects (failures are logged and reported). */
export async function removeStaleTempFiles(options: StaleTempOptions): Promise<StaleTempReport> {
  const ops = options.fileOps ?? nodeFileOps;
  const log = options.log ?? (() => undefined);
  const cutoff = (options.now ?? Date.now)() - (options.minAgeMs ?? STALE_TEMP_AGE_MS);
  const report: StaleTempReport = { removed: [], failed: [] };

  const fail = (path: string, cause: unknown) => {
    const errno = errnoOf(cause) ?? 'EUNKNOWN';
    if (errno === 'ENOENT') return; // Gone already (another instance cleaned up, or the folder does not exist).
    report.failed.push({ path, errno });
    log(`could not clean up leftover temporary files at ${path}`, cause);
  };

  /** The entries of a folder; [] when it cannot be read. */
  const list = async (folder: string): Promise<string[]> => {
    try {
      return await ops.readdir(folder);
    } catch (cause) {
      fail(folder, cause);
      return [];
    }
  };

  /** Removes `name` in `folder` when it is a stale temp file whose target passes `isAppFile`. */
  const consider = async (folder: string, name: string, isAppFile: (target: string) => boolean): Promise<void> => {
    const legacyTarget = legacyTempTarget(name);
    if (!isOwnTempFile(name) && (legacyTarget === undefined || !isAppFile(legacyTarget))) return;
    const path = join(folder, name);
    try {
      const stats = await ops.lstat(path);
      if (!stats.isFile() || stats.mtimeMs > cutoff) return;
      await ops.unlink(path);
      report.removed.push(path);
      log(`removed a temporary file left by an interrupted write: ${path}`);
    } catch (cause) {
      fail(path, cause);
    }
  };

  /** Cleans a folder and, below it, real folders only (never through a link). */
  const cleanTree = async (folder: string, relative: string, depth: number, isAppFile: (path: string) => boolean): Promise<void> => {
    for (const name of await list(folder)) {
      const path = join(folder, name);
      const inTree = relative === '' ? name : `${relative}/${name}`;
      await consider(folder, name, (target) => isAppFile(relative === '' ? target : `${relative}/${target}`));
      if (depth >= MAX_DEPTH || isOwnTempFile(name)) continue;
      try {
        if ((await ops.lstat(path)).isDirectory()) await cleanTree(path, inTree, depth + 1, isAppFile);
      } catch (cause) {
        fail(path, cause);
      }
    }
  };

  /** The folder's real path (it may be a link the person chose), or undefined when it does not exist. */
  const realFolder = async (folder: string): Promise<string | undefined> => {
    try {
      return await ops.realpath(folder);
    } catch (cause) {
      fail(folder, cause);
      return undefined;
    }
  };

  try {
    const workspace = await realFolder(options.workspaceDir);
    if (workspace !== undefined) {
      const names = await list(workspace);
      for (const name of names) await consider(workspace, name, (target) => target.endsWith('.clan-design.json') || target.endsWith('.check.json'));
      for (const name of names.filter((n) => n.endsWith('.clan'))) {
        const flake = join(workspace, name);
        try {
          if (!(await ops.lstat(flake)).isDirectory()) continue;
        } catch (cause) {
          fail(flake, cause);
          continue;
        }
        const written = await flakeFiles(new ConfinedFolder(workspace, 'workspace', ops), name);
        await cleanTree(flake, '', 1, (path) => written.has(path));
      }
    }
    const data = await realFolder(options.dataDir);
    if (data !== undefined) {
      for (const name of await list(data)) await consider(data, name, (target) => target === 'recent.json');
      const autosave = join(data, 'autosave');
      try {
        if ((await ops.lstat(autosave)).isDirectory()) for (const name of await list(autosave)) await consider(autosave, name, (target) => target.endsWith('.json'));
      } catch (cause) {
        fail(autosave, cause);
      }
    }
  } catch (cause) {
    // Cleaning up is housekeeping: a bug here must not stop the app from starting.
    log('cleaning up leftover temporary files failed', cause);
  }
  return report;
}

/** The files a flake's manifest says the app wrote, plus the manifest; only the manifest when there is no readable one. */
async function flakeFiles(workspace: ConfinedFolder, flake: string): Promise<Set<string>> {
  const files = new Set([manifestPath]);
  // Read like every other file of the workspace: a manifest replaced by a link says nothing about this folder.
  const read = await workspace.readFile(`${flake}/${manifestPath}`, { maxBytes: 64 * 1024 * 1024 });
  if (!read.ok || read.value === undefined) return files;
  const manifest = parseManifest(new TextDecoder().decode(read.value.bytes));
  for (const file of Object.keys(manifest?.files ?? {})) files.add(file);
  return files;
}
