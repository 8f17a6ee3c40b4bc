import { appError, type AppError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import { apiPathOf, type EventChannel, type RequestChannel } from '../../../shared/ipc/channels';
import { eventContract, requestContract, resultSchemaOf } from '../../../shared/ipc/contract';
import { err, type Result } from '../../../shared/result';

/** Checks a response from the back end against the contract, so a mismatched back end fails with a code. */
function checkResponse(channel: RequestChannel, raw: unknown): Result<never, AppError> | Result<unknown, AppError> {
  const parsed = resultSchemaOf(requestContract[channel].response).safeParse(raw);
  if (!parsed.success) return err(appError('internalError', { channel, reason: 'response did not match the contract' }));
  return parsed.data as Result<unknown, AppError>;
}

/** The desktop transport: calls the functions the preload script put on window.api. */
export function createElectronTransport(bridge: NonNullable<Window['api']>): ApiTransport {
  return {
    invoke: (async (channel: RequestChannel, request: unknown) => {
      const [namespace, name] = apiPathOf(channel);
      const fn = bridge[namespace]?.[name] as ((request: unknown) => Promise<unknown>) | undefined;
      if (fn === undefined) return err(appError('unknownChannel', { channel }));
      try {
        return checkResponse(channel, await fn(request));
      } catch {
        return err(appError('internalError', { channel, reason: 'the desktop bridge failed' }));
      }
    }) as ApiTransport['invoke'],
    subscribe: ((channel: EventChannel, listener: (payload: unknown) => void) => {
      const [namespace, name] = apiPathOf(channel);
      const fn = bridge[namespace]?.[name] as ((cb: (payload: unknown) => void) => () => void) | undefined;
      if (fn === undefined) return () => undefined;
      return fn((payload) => {
        const parsed = eventContract[channel].payload.safeParse(payload);
        if (parsed.success) listener(parsed.data);
      });
    }) as ApiTransport['subscribe'],
  };
}

/** Whether the serve-mode transport reaches the back end: 'unauthorized' means this browser is not signed in. */
export type TransportStatus = 'connected' | 'unauthorized' | 'offline';

/**
 * The serve-mode transport: the same contract over HTTP. The browser's session is an HttpOnly cookie the page
 * never sees (same-origin requests carry it), so nothing secret lives in the page, its storage or its URLs.
 */
export function createHttpTransport(onStatus: (status: TransportStatus) => void): ApiTransport {
  const headers = { 'Content-Type': 'application/json' };
  const listeners = new Map<EventChannel, Set<(payload: unknown) => void>>();
  let streamStarted = false;

  const startStream = async (): Promise<void> => {
    for (;;) {
      try {
        const response = await fetch('/api/events', { credentials: 'same-origin' });
        if (response.status === 401 || response.status === 403) {
          onStatus('unauthorized');
          // Signed out: look again later, so the stream comes back by itself once the browser is paired again.
          await new Promise((resolve) => setTimeout(resolve, 3000));
          continue;
        }
        if (!response.ok || response.body === null) throw new Error(`status ${response.status}`);
        onStatus('connected');
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) !== -1) {
            const frame = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            const event = /^event: (.+)$/m.exec(frame)?.[1];
            const data = /^data: (.+)$/m.exec(frame)?.[1];
            if (event === undefined || data === undefined) continue;
            const channel = event as EventChannel;
            const schema = eventContract[channel]?.payload;
            if (schema === undefined) continue;
            const parsed = schema.safeParse(JSON.parse(data));
            if (!parsed.success) continue;
            for (const listener of listeners.get(channel) ?? []) listener(parsed.data);
          }
        }
      } catch {
        // Fall through to the retry below.
      }
      onStatus('offline');
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
  };

  return {
    invoke: (async (channel: RequestChannel, request: unknown, options?: { keepalive?: boolean }) => {
      let response: Response;
      try {
        response = await fetch(`/api/rpc/${encodeURIComponent(channel)}`, { method: 'POST', headers, credentials: 'same-origin', body: JSON.stringify(request), keepalive: options?.keepalive === true });
      } catch {
        onStatus('offline');
        return err(appError('internalError', { channel, reason: 'the server could not be reached' }));
      }
      if (response.status === 401) {
        onStatus('unauthorized');
        return err(appError('notSignedIn', { channel, reason: await refusalReason(response) }));
      }
      if (response.status === 403) {
        onStatus('unauthorized');
        return err(appError('untrustedSender', { channel, status: response.status }));
      }
      onStatus('connected');
      try {
        return checkResponse(channel, await response.json());
      } catch {
        return err(appError('internalError', { channel, reason: 'the server answered with something that is not JSON' }));
      }
    }) as ApiTransport['invoke'],
    subscribe: ((channel: EventChannel, listener: (payload: unknown) => void) => {
      const set = listeners.get(channel) ?? new Set();
      set.add(listener);
      listeners.set(channel, set);
      if (!streamStarted) {
        streamStarted = true;
        void startStream();
      }
      return () => set.delete(listener);
    }) as ApiTransport['subscribe'],
  };
}

/** Why the server refused a request as not signed in ('expired' or 'noSession'). */
async function refusalReason(response: Response): Promise<string> {
  try {
    const body = (await response.json()) as { error?: { details?: { reason?: unknown } } };
    return body.error?.details?.reason === 'expired' ? 'expired' : 'noSession';
  } catch {
    return 'noSession';
  }
}
