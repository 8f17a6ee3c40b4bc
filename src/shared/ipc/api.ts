import type { AppError } from '../errors';
import type { Result } from '../result';
import type { EventChannel, RequestChannel } from './channels';
import type { EventPayloadOf, RequestOf, ResponseOf } from './contract';

/** Calls one operation of the contract; resolves with a Result, never rejects for an expected failure. */
export type Invoke = <C extends RequestChannel>(channel: C, request: RequestOf<C>, options?: InvokeOptions) => Promise<Result<ResponseOf<C>, AppError>>;

/** Per-call transport options. */
export interface InvokeOptions {
  /** Let the call finish after the page unloads (autosave on close); HTTP uses fetch keepalive, IPC needs nothing. */
  keepalive?: boolean;
}

/** Subscribes to one event of the contract; returns the unsubscribe function. */
export type Subscribe = <C extends EventChannel>(channel: C, listener: (payload: EventPayloadOf<C>) => void) => () => void;

/** What the renderer needs from a transport: Electron's preload bridge and the serve-mode HTTP client both provide it. */
export interface ApiTransport {
  invoke: Invoke;
  subscribe: Subscribe;
}
