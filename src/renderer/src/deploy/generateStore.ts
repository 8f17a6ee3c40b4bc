import { useEffect } from 'react';
import { create } from 'zustand';
import { describeError, type AppError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { ResponseOf } from '../../../shared/ipc/contract';
import type { Design } from '../../../shared/model/types';
import type { Result } from '../../../shared/result';

interface GenerateState {
  /** The design file the last written output belongs to. */
  forFile: string | null;
  /** The output folder, as named in the workspace. */
  folder: string | null;
  /** What the last generation wrote (path -> content); null when nothing was written yet. */
  lastWritten: Readonly<Record<string, string>> | null;
  error: string | null;
  load: (backend: ApiTransport, fileName: string) => Promise<void>;
  setWritten: (fileName: string, folder: string, files: Readonly<Record<string, string>>) => void;
  /**
   * Writes the design's configuration next to its file (the one way the Deploy area's button and the "Write
   * configuration" command do it) and records what was written; `files` is what the generator made of `design`.
   */
  write: (backend: ApiTransport, fileName: string, design: Design, files: Readonly<Record<string, string>>, force: boolean) => Promise<Result<ResponseOf<'generate:write'>, AppError>>;
}

/**
 * What the app last wrote to the design's configuration folder, read back from disk. The preview diffs against
 * it and the canvas marks a design that changed since.
 */
export const useGenerateStore = create<GenerateState>()((set) => ({
  forFile: null,
  folder: null,
  lastWritten: null,
  error: null,
  load: async (backend, fileName) => {
    const result = await backend.invoke('generate:readLast', { name: fileName });
    if (result.ok) set({ forFile: fileName, folder: result.value.folder, lastWritten: result.value.files, error: null });
    else set({ forFile: fileName, folder: null, lastWritten: null, error: describeError(result.error) });
  },
  setWritten: (fileName, folder, files) => set({ forFile: fileName, folder, lastWritten: files, error: null }),
  write: async (backend, fileName, design, files, force) => {
    const result = await backend.invoke('generate:write', { name: fileName, design, force });
    if (result.ok) set({ forFile: fileName, folder: result.value.folder, lastWritten: files, error: null });
    return result;
  },
}));

/** What a write did, as the line the status area shows. */
export function describeWrite(written: ResponseOf<'generate:write'>): string {
  const r = written.report;
  return `Wrote ${r.written.length} files to ${written.folder}${r.removed.length > 0 ? `, removed ${r.removed.length}` : ''}${r.keptEdits.length > 0 ? `, kept your edits to ${r.keptEdits.join(', ')}` : ''}.`;
}

/** Paths whose content differs between two generations, with how. */
export function compareOutputs(before: Readonly<Record<string, string>> | null, after: Readonly<Record<string, string>>): Map<string, 'added' | 'changed' | 'removed' | 'same'> {
  const status = new Map<string, 'added' | 'changed' | 'removed' | 'same'>();
  for (const [path, content] of Object.entries(after)) status.set(path, before === null || before[path] === undefined ? 'added' : before[path] === content ? 'same' : 'changed');
  if (before !== null) for (const path of Object.keys(before)) if (!(path in after)) status.set(path, 'removed');
  return status;
}

/** Reads what was last written for the open design file whenever that file changes (once per file). */
export function useLastWrittenFor(fileName: string | null, backend: ApiTransport | null): void {
  const forFile = useGenerateStore((s) => s.forFile);
  const load = useGenerateStore((s) => s.load);
  useEffect(() => {
    if (fileName !== null && fileName !== forFile && backend !== null) void load(backend, fileName);
  }, [fileName, forFile, load, backend]);
}
