import { setBackend } from '../app/appContext';
import { useConnectionStore } from '../stores/connectionStore';
import { createElectronTransport, createHttpTransport } from './transport';

/** Where this window's back end is: the desktop app's main process, or a serve-mode server over HTTP. */
export type BackendMode = 'electron' | 'serve';

/**
 * Picks the transport for this window (the preload bridge in the desktop app, HTTP in serve mode) and hands it to
 * the app's command context, the one place the renderer reaches the back end through (appContext.backend).
 */
export function initBackend(): BackendMode {
  const mode: BackendMode = window.api !== undefined ? 'electron' : 'serve';
  setBackend(window.api !== undefined ? createElectronTransport(window.api) : createHttpTransport((status) => useConnectionStore.getState().setStatus(status)), mode);
  return mode;
}
