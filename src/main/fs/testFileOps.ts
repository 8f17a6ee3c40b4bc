import { constants } from 'node:fs';
import { nodeFileOps, type FileHandleLike, type FileOps } from './confinedFolder';

// Test doubles for ConfinedFolder's file-system calls, named as such: the real calls with one step changed, to fail
// the way a full disk or a denied permission does, or to change the disk at an exact moment (a race).

/** Whether an open() creates a file: the writer's temp file. */
export const opensForWriting = (flags: number): boolean => (flags & constants.O_CREAT) !== 0;

/** An errno failure, as node:fs raises it. */
export function fsError(code: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code} (test double)`), { code });
}

export interface FileOpsChanges {
  /** Runs before the real open(); throw to make it fail. */
  beforeOpen?: (path: string, flags: number) => void | Promise<void>;
  /** Replaces calls on the opened file (for example stat() or writeFile()). */
  handle?: (path: string, flags: number) => Partial<FileHandleLike> | undefined;
  /** Runs before the real rename(); throw to make it fail. */
  beforeRename?: (from: string, to: string) => void | Promise<void>;
}

/** The real file system with the given steps changed. */
export function changedFileOps(changes: FileOpsChanges): FileOps {
  return {
    ...nodeFileOps,
    open: async (path, flags, mode) => {
      await changes.beforeOpen?.(path, flags);
      const real = await nodeFileOps.open(path, flags, mode);
      const replaced = changes.handle?.(path, flags);
      if (replaced === undefined) return real;
      return {
        stat: () => real.stat(),
        read: (buffer, offset, length, position) => real.read(buffer, offset, length, position),
        writeFile: (data) => real.writeFile(data),
        chmod: (mode) => real.chmod(mode),
        sync: () => real.sync(),
        close: () => real.close(),
        ...replaced,
      };
    },
    rename: async (from, to) => {
      await changes.beforeRename?.(from, to);
      await nodeFileOps.rename(from, to);
    },
  };
}

/** The real file system, except that writing any new file fails with `errno` (ENOSPC: a full disk). */
export function failingWrites(errno: string): FileOps {
  return changedFileOps({
    handle: (_path, flags) =>
      opensForWriting(flags)
        ? {
            writeFile: async () => {
              throw fsError(errno);
            },
          }
        : undefined,
  });
}
