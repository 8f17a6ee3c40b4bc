import { z } from 'zod';

/**
 * Every error code that can cross a process boundary. Main sends codes and details; the renderer and the CLI
 * turn each code into one sentence that says what happened, why, and what to do (see describeError).
 */
export const appErrorCodes = [
  /** The request did not match the contract's schema for its channel. */
  'invalidRequest',
  /** The channel is not part of the contract. */
  'unknownChannel',
  /** The IPC message came from a frame that is not the app's own main frame. */
  'untrustedSender',
  /** An URL handed to "open in browser" is not on the allowlist of documentation sites. */
  'externalUrlNotAllowed',
  /** A service failed in a way that was not expected; details carry the technical cause for the log. */
  'internalError',
] as const;

/** A closed union of error codes. */
export type AppErrorCode = (typeof appErrorCodes)[number];

/** Schema of an error value as it travels over IPC or HTTP. */
export const appErrorSchema = z.object({
  code: z.enum(appErrorCodes),
  details: z.record(z.string(), z.unknown()).optional(),
});

/** An error value: a code plus optional structured details, never UI prose. */
export type AppError = z.infer<typeof appErrorSchema>;

/** Builds an error value. */
export function appError(code: AppErrorCode, details?: Record<string, unknown>): AppError {
  return details === undefined ? { code } : { code, details };
}

/** Turns an error value into a message a person can act on: what happened, why, and what to do. */
export function describeError(error: AppError): string {
  switch (error.code) {
    case 'invalidRequest':
      return 'The app sent a request the back end could not accept, so nothing was changed. Reload the window; if it happens again, use "Copy details" and report it.';
    case 'unknownChannel':
      return 'The app asked for an operation this back end does not know, probably because the window and the back end are from different versions. Restart the app.';
    case 'untrustedSender':
      return 'A request came from a page that is not part of the app and was refused. Nothing was changed.';
    case 'externalUrlNotAllowed':
      return 'That link was not opened because it does not point to a known documentation site. Copy it and open it yourself if you trust it.';
    case 'internalError':
      return 'Something went wrong inside the app and the operation did not complete. Try again; if it keeps failing, use "Copy details" and report it.';
  }
}
