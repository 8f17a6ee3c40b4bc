import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { apiPathOf, eventChannels, requestChannels } from '../shared/ipc/channels';

// Exposes one function per operation of the contract on window.api, and one subscribe function per event.
// ipcRenderer itself is never exposed (Electron's context-isolation guide, "Security considerations").
// Arguments and results are validated in main and in the renderer; this file only forwards.

const api: Record<string, Record<string, (...args: never[]) => unknown>> = {};

for (const channel of requestChannels) {
  const [namespace, name] = apiPathOf(channel);
  api[namespace] ??= {};
  api[namespace][name] = (request: unknown) => ipcRenderer.invoke(channel, request);
}

for (const channel of eventChannels) {
  const [namespace, name] = apiPathOf(channel);
  api[namespace] ??= {};
  api[namespace][name] = (listener: (payload: unknown) => void) => {
    const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
    ipcRenderer.on(channel, wrapped);
    return () => {
      ipcRenderer.removeListener(channel, wrapped);
    };
  };
}

contextBridge.exposeInMainWorld('api', api);
