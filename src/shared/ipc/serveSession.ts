import { z } from 'zod';

// Sign-in to a serve-mode server: pairing a browser with a one-time code and ending sessions. These belong to the
// HTTP transport, not to the app's contract (the desktop app has no sessions), so they have their own paths.

/** The HTTP paths of serve-mode sign-in. */
export const sessionPaths = {
  /** GET: whether this browser is signed in. */
  status: '/api/session',
  /** POST { code }: exchanges a pairing code for a session cookie. */
  pair: '/api/session/pair',
  /** POST: asks the server to print a pairing code on its console if none is valid. */
  requestCode: '/api/session/request-code',
  /** POST (signed in): makes a new pairing code for another device and returns it. */
  newCode: '/api/session/new-code',
  /** POST: ends this browser's session. */
  signOut: '/api/session/sign-out',
  /** POST (signed in): ends every session, this one included. */
  signOutEverywhere: '/api/session/sign-out-everywhere',
} as const;

/** Whether the browser is signed in, and until when. */
export const sessionStatusSchema = z.discriminatedUnion('signedIn', [
  z.object({ signedIn: z.literal(true), expiresAt: z.number() }),
  z.object({ signedIn: z.literal(false), reason: z.enum(['noSession', 'expired']) }),
]);
/** A sign-in state as the server reports it. */
export type SessionStatus = z.infer<typeof sessionStatusSchema>;

/** The body of a pairing request. */
export const pairRequestSchema = z.object({ code: z.string().min(1).max(64) }).strict();

/** A successful pairing: the session cookie is set; it lasts until expiresAt. */
export const pairResponseSchema = z.object({ expiresAt: z.number() });

/** A pairing code made for another device. */
export const newCodeResponseSchema = z.object({ code: z.string(), expiresAt: z.number() });

/** The answer of calls that only confirm (request-code, sign-out). */
export const emptyResponseSchema = z.object({});

/** How many sessions "sign out everywhere" ended. */
export const signOutEverywhereResponseSchema = z.object({ sessionsEnded: z.number() });

/** Reads a pairing code from an address fragment (#pair=ABCD-EFGH), as printed by the server. */
export function pairingCodeFromHash(hash: string): string | undefined {
  const match = /(?:^#|&)pair=([A-Za-z0-9-]{4,64})(?:&|$)/.exec(hash);
  return match?.[1];
}
