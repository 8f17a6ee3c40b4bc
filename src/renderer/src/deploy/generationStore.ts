import { useEffect } from 'react';
import { create } from 'zustand';
import { describeError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';

interface GenerationState {
  /** The design file the last written output belongs to. */
  forFile: string | null;
  /** The output folder, as named in the workspace. */
  folder: string | null;
  /** What the last generation wrote (path -> content); null when nothing was written yet. */
  lastWritten: Readonly<Record<string, string>> | null;
  error: string | null;
  load: (backend: ApiTransport, fileName: string) => Promise<void>;
  setWritten: (fileName: string, folder: string, files: Readonly<Record<string, string>>) => void;
}

/**
 * What the app last wrote to the design's configuration folder, read back from disk. The preview diffs against
 * it and the canvas marks a design that changed since.
 */
export const useGenerationStore = create<GenerationState>()((set) => ({
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
}));

/** Paths whose content differs between two generations, with how. */
export function compareOutputs(before: Readonly<Record<string, string>> | null, after: Readonly<Record<string, string>>): Map<string, 'added' | 'changed' | 'removed' | 'same'> {
  const status = new Map<string, 'added' | 'changed' | 'removed' | 'same'>();
  for (const [path, content] of Object.entries(after)) status.set(path, before === null || before[path] === undefined ? 'added' : before[path] === content ? 'same' : 'changed');
  if (before !== null) for (const path of Object.keys(before)) if (!(path in after)) status.set(path, 'removed');
  return status;
}

/** Reads what was last written for the open design file whenever that file changes (once per file). */
export function useLastWrittenFor(fileName: string | null, backend: ApiTransport | null): void {
  const forFile = useGenerationStore((s) => s.forFile);
  const load = useGenerationStore((s) => s.load);
  useEffect(() => {
    if (fileName !== null && fileName !== forFile && backend !== null) void load(backend, fileName);
  }, [fileName, forFile, load, backend]);
}
