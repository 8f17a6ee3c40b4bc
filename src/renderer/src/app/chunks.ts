import { lazy, type ComponentType, type LazyExoticComponent } from 'react';
import { create } from 'zustand';

// Heavy parts of the app that the first screen does not need (the Choose VPN and Deploy areas, charts, the layout
// engine, picture export, rarely opened dialogs) are separate files, downloaded the first time they are used. In
// serve mode that download can fail long after the page loaded: the server was restarted with a newer build (the
// old file names are gone) or the connection dropped. This module turns such failures into one error type, so
// every place that loads a part says the same thing and offers a reload instead of a generic crash message.

/** A part of the app that is downloaded on first use could not be loaded. */
export class ChunkLoadError extends Error {
  /** What could not be loaded, as the message names it ("the Choose VPN area"). */
  readonly part: string;

  constructor(part: string, cause?: unknown) {
    super(`${part} could not be loaded`, { cause });
    this.name = 'ChunkLoadError';
    this.part = part;
  }
}

/**
 * Whether a rejected import() failed to fetch its file (as opposed to a bug while the module ran). Browsers give
 * only a message for this: Chromium "Failed to fetch dynamically imported module", Firefox "error loading
 * dynamically imported module", Safari "Importing a module script failed"; Vite's preloader "Unable to preload
 * CSS". There is no error code to check instead.
 */
export function isFetchFailure(error: unknown): boolean {
  if (error instanceof ChunkLoadError) return true;
  const message = error instanceof Error ? error.message : String(error);
  return /dynamically imported module|Importing a module script failed|Unable to preload CSS/i.test(message);
}

/** Runs a dynamic import, turning a failed download into a ChunkLoadError that names the part. */
export async function loadChunk<T>(part: string, load: () => Promise<T>): Promise<T> {
  try {
    return await load();
  } catch (cause) {
    throw isFetchFailure(cause) ? new ChunkLoadError(part, cause) : cause;
  }
}

/** What to tell the user when a part could not be loaded: what happened, why, and what to do. */
export function describeChunkFailure(part: string, desktop: boolean): { title: string; body: string } {
  const title = `${part.charAt(0).toUpperCase()}${part.slice(1)} could not be loaded`;
  if (desktop) {
    return { title, body: 'Its file is missing from the app’s folder. Reload the window; if this keeps happening, reinstall the app.' };
  }
  return {
    title,
    body:
      'This part of the app is downloaded from the server the first time it is used, and that download failed: the server was probably restarted with a newer version of the app, or the connection to it dropped. ' +
      'Reload the page to continue. Unsaved changes are autosaved every few seconds and offered for recovery after the reload.',
  };
}

/** Whether this page runs in the desktop app (files on disk) rather than in serve mode (files from a server). */
export const isDesktop = (): boolean => typeof window !== 'undefined' && window.api !== undefined;

interface ChunkFailureState {
  /** The part that failed to load outside React's tree (the layout engine, picture export), or null. */
  part: string | null;
  report: (part: string) => void;
  dismiss: () => void;
}

/** The last part that failed to load in a command or background task; the app shows a reload banner for it. */
export const useChunkFailureStore = create<ChunkFailureState>()((set) => ({
  part: null,
  report: (part) => set({ part }),
  dismiss: () => set({ part: null }),
}));

/**
 * For commands and background tasks: reports a part that could not be loaded (the banner offers a reload) and
 * returns true, or returns false for any other error, which the caller handles itself.
 */
export function reportChunkFailure(error: unknown): boolean {
  if (!(error instanceof ChunkLoadError)) return false;
  console.error(error.message, error.cause);
  useChunkFailureStore.getState().report(error.part);
  return true;
}

/** A component loaded on first render (React.lazy) that can also be fetched ahead, e.g. when a tab is hovered. */
export type LazyPart<P> = LazyExoticComponent<ComponentType<P>> & { preload: () => Promise<unknown> };

/**
 * React.lazy for one named part. A failed download rejects with a ChunkLoadError, which ErrorBoundary shows as
 * "could not be loaded" with a reload button. preload() starts the download early; a failed preload is
 * forgotten, so the render that follows tries again and reports the failure where the part is shown.
 */
export function lazyPart<P>(part: string, load: () => Promise<ComponentType<P>>): LazyPart<P> {
  let pending: Promise<{ default: ComponentType<P> }> | undefined;
  const fetchPart = () => {
    pending ??= loadChunk(part, load).then(
      (component) => ({ default: component }),
      (error: unknown) => {
        pending = undefined;
        throw error;
      },
    );
    return pending;
  };
  const component = lazy(fetchPart);
  return Object.assign(component, { preload: () => fetchPart().catch(() => undefined) });
}

/** Reloads the page (the reload button of the chunk-failure messages). */
export function reloadPage(): void {
  window.location.reload();
}
