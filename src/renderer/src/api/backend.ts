import type { ApiTransport } from '../../../shared/ipc/api';
import { setBackend } from '../app/appContext';
import { useConnectionStore } from '../stores/connectionStore';
import { createElectronTransport, createHttpTransport } from './transport';

let transport: ApiTransport | undefined;

/** Where this window's back end is: the desktop app's main process, or a serve-mode server over HTTP. */
export type BackendMode = 'electron' | 'serve';

/** Picks the transport for this window: the preload bridge in the desktop app, HTTP in serve mode. */
export function initBackend(): { transport: ApiTransport; mode: BackendMode } {
  const mode: BackendMode = window.api !== undefined ? 'electron' : 'serve';
  transport = window.api !== undefined ? createElectronTransport(window.api) : createHttpTransport((status) => useConnectionStore.getState().setStatus(status));
  setBackend(transport, mode);
  return { transport, mode };
}

/** The transport chosen by initBackend; components call operations through it. */
export function backend(): ApiTransport {
  if (transport === undefined) throw new Error('initBackend() must run before backend() is used');
  return transport;
}
