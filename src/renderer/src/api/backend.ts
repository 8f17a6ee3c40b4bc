import type { ApiTransport } from '../../../shared/ipc/api';
import { setBackend } from '../app/appContext';
import { useConnectionStore } from '../stores/connectionStore';
import { createElectronTransport, createHttpTransport, takeServeToken } from './transport';

let transport: ApiTransport | undefined;

/** Picks the transport for this window: the preload bridge in the desktop app, HTTP in serve mode. */
export function initBackend(): { transport: ApiTransport | undefined; needsToken: boolean } {
  if (window.api !== undefined) {
    transport = createElectronTransport(window.api);
    setBackend(transport);
    return { transport, needsToken: false };
  }
  const token = takeServeToken(window.location, window.sessionStorage, window.history);
  if (token === undefined) return { transport: undefined, needsToken: true };
  transport = createHttpTransport(token, (status) => useConnectionStore.getState().setStatus(status));
  setBackend(transport);
  return { transport, needsToken: false };
}

/** The transport chosen by initBackend; components call operations through it. */
export function backend(): ApiTransport {
  if (transport === undefined) throw new Error('initBackend() must run before backend() is used');
  return transport;
}
