import { createHash } from 'node:crypto';
import type { AppError } from '../../shared/errors';
import { err, ok, type Result } from '../../shared/result';
import type { ConfinedFolder } from '../fs/confinedFolder';

// The design's flake folder (`<name>.clan/` in the workspace) as deploy uploads it: every regular file in it — what
// the app generated, what the person added or edited, and the vars and secrets Clan made — read through the
// workspace's ConfinedFolder, so a link planted in it is never followed.

/** Folders never uploaded: version control data and the app's own bookkeeping of earlier deploys. */
const SKIPPED = new Set(['.git', '.direnv', 'result']);

/** Largest single file deploy uploads; a flake holds source and small keys, never big binaries. */
const MAX_FILE_BYTES = 32 * 1024 * 1024;

/** Every file of the flake folder: path ('/'-separated, relative) to content. */
export async function readFlakeFolder(workspace: ConfinedFolder, folder: string): Promise<Result<Record<string, Uint8Array>, AppError>> {
  const files: Record<string, Uint8Array> = {};
  const visit = async (relative: string, depth: number): Promise<Result<void, AppError>> => {
    const names = await workspace.list(relative === '' ? folder : `${folder}/${relative}`);
    if (!names.ok) return names;
    for (const name of names.value.sort()) {
      if (depth === 0 && SKIPPED.has(name)) continue;
      const path = relative === '' ? name : `${relative}/${name}`;
      const entry = await workspace.entry(`${folder}/${path}`);
      if (!entry.ok) return entry;
      if (entry.value?.kind === 'folder') {
        if (depth < 16) {
          const inner = await visit(path, depth + 1);
          if (!inner.ok) return inner;
        }
      } else if (entry.value?.kind === 'file') {
        const read = await workspace.readFile(`${folder}/${path}`, { maxBytes: MAX_FILE_BYTES });
        if (!read.ok) return read;
        if (read.value !== undefined) files[path] = read.value.bytes;
      }
      // Links and devices are not part of a flake Clan would build; they are left out, never followed.
    }
    return ok(undefined);
  };
  const visited = await visit('', 0);
  return visited.ok ? ok(files) : err(visited.error);
}

/** sha256 (hex) of every file. */
export function checksums(files: Readonly<Record<string, Uint8Array>>): Record<string, string> {
  return Object.fromEntries(Object.entries(files).map(([path, data]) => [path, createHash('sha256').update(data).digest('hex')]));
}

/** Writes downloaded files (vars, secrets) into the flake folder; the generator never writes or removes these. */
export async function writeIntoFlakeFolder(workspace: ConfinedFolder, folder: string, files: Readonly<Record<string, Uint8Array>>): Promise<Result<number, AppError>> {
  let count = 0;
  for (const [path, data] of Object.entries(files)) {
    if (path.split('/').some((part) => part === '' || part === '.' || part === '..')) continue;
    const written = await workspace.writeFile(`${folder}/${path}`, data);
    if (!written.ok) return written;
    count += 1;
  }
  return ok(count);
}
