import { appError } from '../../shared/errors';
import { requestChannels } from '../../shared/ipc/channels';
import { err } from '../../shared/result';
import type { Dispatch } from '../rpc/dispatch';

/** The parts of an IPC event the sender check needs (Electron's IpcMainInvokeEvent satisfies it). */
export interface InvokeEventLike {
  senderFrame: { url: string; parent: unknown } | null;
}

/** The part of ipcMain this module uses, so tests can pass a fake. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

/**
 * Registers one handler per contract channel. Each does four things in order: validate the sender (the app's
 * own main frame), validate the arguments, call the service, return a serializable Result (STYLE.md section 6).
 */
export function registerIpc(ipcMain: IpcMainLike, dispatch: Dispatch, isTrustedUrl: (url: string) => boolean): () => void {
  for (const channel of requestChannels) {
    ipcMain.handle(channel, async (event, ...args) => {
      const frame = event.senderFrame;
      if (frame === null || frame.parent !== null || !isTrustedUrl(frame.url)) {
        return err(appError('untrustedSender', { channel, url: frame?.url ?? null }));
      }
      if (args.length !== 1) return err(appError('invalidRequest', { channel, reason: 'expected exactly one argument' }));
      return dispatch(channel, args[0]);
    });
  }
  return () => {
    for (const channel of requestChannels) ipcMain.removeHandler(channel);
  };
}
