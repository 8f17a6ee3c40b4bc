import { appError, appErrorSchema, type AppError } from '../../../shared/errors';
import {
  pairingCodeFromHash,
  emptyResponseSchema,
  newCodeResponseSchema,
  pairResponseSchema,
  sessionPaths,
  sessionStatusSchema,
  signOutEverywhereResponseSchema,
  type SessionStatus,
} from '../../../shared/ipc/serveSession';
import { err, ok, type Result } from '../../../shared/result';
import type { z } from 'zod';

// Serve-mode sign-in from the page: pairing with a code and ending sessions. The session itself is an HttpOnly
// cookie the page never sees; these calls only learn whether it exists and until when.

async function call<T>(path: string, schema: z.ZodType<T>, init: RequestInit = {}): Promise<Result<T, AppError>> {
  let response: Response;
  try {
    response = await fetch(path, { ...init, credentials: 'same-origin', headers: { 'Content-Type': 'application/json', ...init.headers } });
  } catch {
    return err(appError('internalError', { reason: 'the server could not be reached' }));
  }
  let body: unknown;
  try {
    body = await response.json();
  } catch {
    return err(appError('internalError', { reason: `the server answered ${response.status} without JSON` }));
  }
  const value = (body as { ok?: unknown; value?: unknown; error?: unknown } | null) ?? {};
  if (value.ok === true) {
    const parsed = schema.safeParse(value.value);
    return parsed.success ? ok(parsed.data) : err(appError('internalError', { reason: 'the server answered in an unexpected form' }));
  }
  const error = appErrorSchema.safeParse(value.error);
  return err(error.success ? error.data : appError('internalError', { reason: `the server answered ${response.status}` }));
}

const post = (body?: unknown): RequestInit => ({ method: 'POST', body: body === undefined ? '{}' : JSON.stringify(body) });

/** Whether this browser is signed in to the server. */
export function getSessionStatus(): Promise<Result<SessionStatus, AppError>> {
  return call(sessionPaths.status, sessionStatusSchema);
}

/** Exchanges a pairing code for a session (the server sets the cookie). */
export function pairWithCode(code: string): Promise<Result<{ expiresAt: number }, AppError>> {
  return call(sessionPaths.pair, pairResponseSchema, post({ code }));
}

/** Asks the server to print a pairing code on its console, if none is valid now. */
export async function requestPairingCode(): Promise<Result<void, AppError>> {
  const result = await call(sessionPaths.requestCode, emptyResponseSchema, post());
  return result.ok ? ok(undefined) : result;
}

/** Makes a pairing code for another device (this browser must be signed in). */
export function newPairingCode(): Promise<Result<{ code: string; expiresAt: number }, AppError>> {
  return call(sessionPaths.newCode, newCodeResponseSchema, post());
}

/** Ends this browser's session. */
export async function signOut(): Promise<Result<void, AppError>> {
  const result = await call(sessionPaths.signOut, emptyResponseSchema, post());
  return result.ok ? ok(undefined) : result;
}

/** Ends every session of the server, this one included. */
export function signOutEverywhere(): Promise<Result<{ sessionsEnded: number }, AppError>> {
  return call(sessionPaths.signOutEverywhere, signOutEverywhereResponseSchema, post());
}

/**
 * Takes a pairing code from the address (#pair=ABCD-EFGH, as the server prints it) and removes it from the
 * address bar at once: a code works only once, and an address with a used code should not be bookmarked or shared.
 */
export function takePairingCode(location: Location, history: History): string | undefined {
  const code = pairingCodeFromHash(location.hash);
  if (code !== undefined) history.replaceState(history.state, '', location.pathname + location.search);
  return code;
}
