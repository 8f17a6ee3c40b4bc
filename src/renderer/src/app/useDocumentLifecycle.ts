import { useEffect } from 'react';
import type { Design } from '../../../shared/model/types';
import { designForFile, displayName } from '../commands/fileActions';
import { getDocument, useDesign } from '../stores/designStore';
import { appContext } from './appContext';

const AUTOSAVE_INTERVAL_MS = 5000;

/** The window title shows the design's name and a dot while it has unsaved changes. */
export function useDocumentTitle(): void {
  const name = useDesign((s) => s.file.name);
  const dirty = useDesign((s) => s.design !== s.savedDesign);
  useEffect(() => {
    document.title = `${dirty ? '● ' : ''}${name === null ? 'Untitled' : displayName(name)} — Clan Network Designer`;
  }, [name, dirty]);
}

/** The key the autosave of the open design is stored under. */
export function autosaveKey(): string {
  return getDocument().file.name ?? 'untitled';
}

/** What an autosave tick needs: the open design and a way to write it. */
export interface AutosaveSource {
  current(): { design: Design; savedDesign: Design; key: string; revision: string | null };
  write(request: { key: string; design: Design; revision?: string }, keepalive: boolean): Promise<{ ok: boolean }>;
}

/**
 * One autosave step per call: writes the design when it has unsaved changes that were not written yet. A write
 * that fails (server unreachable, browser signed out) is tried again on the next call, so the changes reach the
 * data folder once the connection or the sign-in is back.
 */
export function createAutosaver(source: AutosaveSource): (keepalive: boolean) => void {
  let lastWritten: Design | undefined = source.current().design;
  return (keepalive) => {
    const { design, savedDesign, key, revision } = source.current();
    if (design === savedDesign || design === lastWritten) return;
    lastWritten = design;
    void source.write({ key, design, ...(revision === null ? {} : { revision }) }, keepalive).then((result) => {
      if (!result.ok && lastWritten === design) lastWritten = undefined;
    });
  };
}

/**
 * Every few seconds while there are unsaved changes, and when the window closes, the design is written to the
 * app's data folder; the next start offers to recover it if it never reached its file.
 */
export function useAutosave(): void {
  useEffect(() => {
    const write = createAutosaver({
      current: () => {
        const { design, savedDesign, file } = getDocument();
        return { design, savedDesign, key: autosaveKey(), revision: file.revision };
      },
      write: async (request, keepalive) => {
        if (appContext.backend === null) return { ok: false };
        // Kept with the leaderboard view it is shown with, as a saved file is.
        return appContext.backend.invoke('project:autosave', { ...request, design: designForFile(appContext, request.design) }, { keepalive });
      },
    });
    const timer = window.setInterval(() => write(false), AUTOSAVE_INTERVAL_MS);
    const onHide = () => write(true);
    window.addEventListener('pagehide', onHide);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener('pagehide', onHide);
    };
  }, []);
}
