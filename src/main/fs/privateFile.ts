import { describeError } from '../../shared/errors';
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
