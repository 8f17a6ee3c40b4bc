import { chmod, lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { appError, describeError, type AppError } from '../../shared/errors';
import { err, ok, type Result } from '../../shared/result';
import { errnoOf } from '../errno';
import type { ConfinedFolder } from './confinedFolder';

// Files of the data folder only the app's user may read: serve mode's private key and sign-ins, the deploy's age key.

/** Writes a file readable only by this user (mode 0600), atomically and confined to its folder; throws on failure. */
export async function writePrivateFile(folder: ConfinedFolder, relative: string, text: string): Promise<void> {
  const written = await folder.writeFile(relative, text, { mode: 0o600 });
  if (!written.ok) throw new Error(describeError(written.error));
}

/** Reads a text file of a confined folder; undefined when there is none; throws when it cannot be read. */
export async function readTextIn(folder: ConfinedFolder, relative: string, maxBytes = 1024 * 1024): Promise<string | undefined> {
  const read = await folder.readFile(relative, { maxBytes });
  if (!read.ok) throw new Error(describeError(read.error));
  return read.value === undefined ? undefined : new TextDecoder().decode(read.value.bytes);
}

/**
 * Makes a folder of a confined folder that only this user may enter (mode 0700), or makes an existing one so. A link
 * or a file under its name is refused (notARegularFile) and left alone, so nothing is made private elsewhere.
 */
export async function makePrivateFolder(folder: ConfinedFolder, relative: string): Promise<Result<void, AppError>> {
  const seen = await folder.entry(relative);
  if (!seen.ok) return seen;
  if (seen.value !== undefined && seen.value.kind !== 'folder') return err(appError('notARegularFile', { name: relative, kind: seen.value.kind === 'link' ? 'link' : 'file', folder: folder.kind, root: folder.root }));
  const path = join(folder.root, relative);
  try {
    await mkdir(path, { recursive: true, mode: 0o700 });
    // lstat, not stat: a link swapped in since the check above is refused rather than followed by chmod.
    const stats = await lstat(path);
    if (!stats.isDirectory()) return err(appError('notARegularFile', { name: relative, kind: stats.isSymbolicLink() ? 'link' : 'file', folder: folder.kind, root: folder.root }));
    if ((stats.mode & 0o777) !== 0o700) await chmod(path, 0o700);
    return ok(undefined);
  } catch (cause) {
    return err(appError('fileAccessFailed', { name: relative, operation: 'write', errno: errnoOf(cause) ?? 'unknown' }));
  }
}
