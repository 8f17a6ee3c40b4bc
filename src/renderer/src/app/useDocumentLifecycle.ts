import { useEffect } from 'react';
import { displayName } from '../commands/fileActions';
import { designStore, useDesign } from '../stores/designStore';
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
  return designStore.getState().file.name ?? 'untitled';
}

/**
 * Every few seconds while there are unsaved changes, and when the window closes, the design is written to the
 * app's data folder; the next start offers to recover it if it never reached its file.
 */
export function useAutosave(): void {
  useEffect(() => {
    let lastWritten = designStore.getState().design;
    const write = (keepalive: boolean) => {
      const { design, savedDesign, file } = designStore.getState();
      if (design === savedDesign || design === lastWritten || appContext.backend === null) return;
      lastWritten = design;
      const request = { key: autosaveKey(), design, ...(file.revision === null ? {} : { revision: file.revision }) };
      void appContext.backend.invoke('project:autosave', request, { keepalive });
    };
    const timer = window.setInterval(() => write(false), AUTOSAVE_INTERVAL_MS);
    const onHide = () => write(true);
    window.addEventListener('pagehide', onHide);
    return () => {
      window.clearInterval(timer);
      window.removeEventListener('pagehide', onHide);
    };
  }, []);
}
