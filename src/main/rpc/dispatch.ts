import { appError, type AppError } from '../../shared/errors';
import { isRequestChannel } from '../../shared/ipc/channels';
import { requestContract } from '../../shared/ipc/contract';
import { err, type Result } from '../../shared/result';
import type { Handlers } from './handlers';

/** Where technical causes go (the main-process log); never shown to the user as the message. */
export type Logger = (message: string, details?: unknown) => void;

/** A transport-independent entry point: unknown input in, a serializable Result out. Never throws. */
export type Dispatch = (channel: string, rawRequest: unknown) => Promise<Result<unknown, AppError>>;

/**
 * Validates the channel and the request against the contract, calls the handler and turns unexpected
 * exceptions into an internalError value. Both the Electron IPC transport and the serve-mode HTTP transport
 * go through this one function, so validation cannot differ between them.
 */
export function createDispatch(handlers: Handlers, log: Logger): Dispatch {
  return async (channel, rawRequest) => {
    if (!isRequestChannel(channel)) return err(appError('unknownChannel', { channel }));
    let parsed;
    try {
      parsed = requestContract[channel].request.safeParse(rawRequest ?? {});
    } catch {
      // Input nested deeply enough to overflow the stack while it is checked.
      return err(appError('invalidRequest', { channel, issues: [{ path: [], message: 'the request is nested too deeply to be read' }] }));
    }
    if (!parsed.success) {
      return err(appError('invalidRequest', { channel, issues: parsed.error.issues.slice(0, 20).map((i) => ({ path: i.path.slice(0, 20).map(String), message: i.message })) }));
    }
    try {
      // The handler table is indexed by the same channel the schema was chosen by.
      const handler = handlers[channel] as (request: unknown) => Promise<Result<unknown, AppError>>;
      return await handler(parsed.data);
    } catch (cause) {
      log(`handler for ${channel} failed`, cause);
      return err(appError('internalError', { channel }));
    }
  };
}
