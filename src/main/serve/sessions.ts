import { createHash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { appError, type AppError } from '../../shared/errors';
import { err, ok, type Result } from '../../shared/result';

// Who may use a serve-mode server. A browser gets in by pairing: the server prints a short one-time code on its
// console (only someone who can see that console, i.e. the server's owner, learns it), the browser exchanges it
// for a session cookie, and the session ends at its expiry or when someone signs out everywhere. This is the
// model of Jupyter's token login and Home Assistant's onboarding, with a code short enough to type from a
// console into a phone or laptop; brute force is stopped by the attempt limits below (8 symbols of 30 make
// 6.5e11 codes; 5 tries a minute per client and 20 a minute in all).

/** Symbols of a pairing code: no 0/O, 1/I/L or U, so a code read off a console is typed right. */
const CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTVWXYZ23456789';
/** Symbols per code. */
const CODE_LENGTH = 8;
/** How long a printed code can be used. */
export const PAIRING_CODE_LIFETIME_MS = 15 * 60 * 1000;
/** The default lifetime of a session (overridden with --session-lifetime). */
export const DEFAULT_SESSION_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;
/** Failed pairing attempts one client may make per window, and all clients together. */
export const ATTEMPT_LIMITS = { perClient: 5, global: 20, windowMs: 60_000 } as const;

/** Formats a code for people: two groups of four. */
export function formatPairingCode(code: string): string {
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** A code as typed: case, spaces and dashes do not matter. */
export function normalizePairingCode(input: string): string {
  return input.toUpperCase().replace(/[\s-]/g, '');
}

/** A fresh random pairing code (crypto.randomInt: uniform over the alphabet). */
export function newPairingCode(): string {
  let code = '';
  for (let i = 0; i < CODE_LENGTH; i += 1) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return code;
}

/**
 * Parses a duration from the command line: a number with s, m, h or d ("30d", "12h", "90s"). Returns
 * milliseconds, or undefined when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)\s*(s|m|h|d)$/.exec(text.trim());
  if (match === null) return undefined;
  const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[match[2] as 's' | 'm' | 'h' | 'd'];
  const ms = Math.round(Number(match[1]) * unit);
  return ms > 0 ? ms : undefined;
}

/** A signed-in browser, as kept on the server (the cookie itself is never stored, only its hash). */
export interface Session {
  createdAt: number;
  expiresAt: number;
  /** Where the browser paired from, for the console log. */
  client: string;
}

const sessionFileSchema = z.object({
  version: z.literal(1),
  sessions: z.array(z.object({ hash: z.string().regex(/^[0-9a-f]{64}$/), createdAt: z.number(), expiresAt: z.number(), client: z.string().max(200) })).max(10_000),
});

/** Where sessions survive a restart (a file in the data folder, readable only by the server's user). */
export interface SessionPersistence {
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
}

/** A pairing code the console should show, and why a new one was made. */
export interface PairingCodeNotice {
  code: string;
  expiresAt: number;
  reason: 'start' | 'expired' | 'requested' | 'signedOutEverywhere';
}

/** What the store needs. */
export interface SessionStoreOptions {
  sessionLifetimeMs?: number;
  persistence?: SessionPersistence;
  /** Called with every new pairing code; serve mode prints it on its console. */
  onPairingCode?: (notice: PairingCodeNotice) => void;
  now?: () => number;
  log?: (message: string, details?: unknown) => void;
}

/** The result of a successful pairing: the cookie value to set and when it stops working. */
export interface Paired {
  token: string;
  expiresAt: number;
}

const hashOf = (token: string): string => createHash('sha256').update(token).digest('hex');

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Pairing codes, sessions and the limits on guessing, for one serve-mode server. */
export class SessionStore {
  private readonly lifetimeMs: number;
  private readonly now: () => number;
  private readonly log: (message: string, details?: unknown) => void;
  private readonly sessions = new Map<string, Session>();
  private code: { value: string; expiresAt: number } | undefined;
  /** The code most recently used up or expired, to tell "expired" from "wrong". */
  private previousCode: string | undefined;
  private readonly failures = new Map<string, number[]>();
  private globalFailures: number[] = [];
  private persistQueue: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<() => void>();

  constructor(private readonly options: SessionStoreOptions = {}) {
    this.lifetimeMs = options.sessionLifetimeMs ?? DEFAULT_SESSION_LIFETIME_MS;
    this.now = options.now ?? Date.now;
    this.log = options.log ?? (() => undefined);
  }

  /** How long a new session lasts. */
  get sessionLifetimeMs(): number {
    return this.lifetimeMs;
  }

  /** Reads the sessions a previous run left; an unreadable file is logged and replaced on the next change. */
  async load(): Promise<void> {
    let text: string | undefined;
    try {
      text = await this.options.persistence?.read();
    } catch (cause) {
      this.log('the saved sign-ins could not be read; every browser has to pair again', cause);
      return;
    }
    if (text === undefined) return;
    try {
      const parsed = sessionFileSchema.parse(JSON.parse(text));
      const now = this.now();
      for (const entry of parsed.sessions) {
        if (entry.expiresAt > now) this.sessions.set(entry.hash, { createdAt: entry.createdAt, expiresAt: entry.expiresAt, client: entry.client });
      }
    } catch (cause) {
      this.log('the saved sign-ins could not be read; every browser has to pair again', cause);
    }
  }

  /** The code that can be used now, making and announcing a new one when none is valid. */
  currentCode(reason: PairingCodeNotice['reason'] = 'requested'): { code: string; expiresAt: number } {
    const now = this.now();
    if (this.code !== undefined && this.code.expiresAt > now) return { code: this.code.value, expiresAt: this.code.expiresAt };
    return this.issueCode(this.code === undefined ? reason : 'expired');
  }

  /** Replaces the pairing code with a new one and announces it. */
  issueCode(reason: PairingCodeNotice['reason']): { code: string; expiresAt: number } {
    if (this.code !== undefined) this.previousCode = this.code.value;
    const value = newPairingCode();
    const expiresAt = this.now() + PAIRING_CODE_LIFETIME_MS;
    this.code = { value, expiresAt };
    this.options.onPairingCode?.({ code: value, expiresAt, reason });
    return { code: value, expiresAt };
  }

  /** Seconds until a client may try again, or 0 when it may try now. */
  retryAfter(client: string): number {
    const now = this.now();
    const windowStart = now - ATTEMPT_LIMITS.windowMs;
    const mine = (this.failures.get(client) ?? []).filter((t) => t > windowStart);
    this.globalFailures = this.globalFailures.filter((t) => t > windowStart);
    if (mine.length === 0) this.failures.delete(client);
    else this.failures.set(client, mine);
    const waits: number[] = [];
    if (mine.length >= ATTEMPT_LIMITS.perClient) waits.push(mine[mine.length - ATTEMPT_LIMITS.perClient]! + ATTEMPT_LIMITS.windowMs - now);
    if (this.globalFailures.length >= ATTEMPT_LIMITS.global) waits.push(this.globalFailures[this.globalFailures.length - ATTEMPT_LIMITS.global]! + ATTEMPT_LIMITS.windowMs - now);
    return waits.length === 0 ? 0 : Math.max(1, Math.ceil(Math.max(...waits) / 1000));
  }

  /** Exchanges a pairing code for a session; wrong codes count against the client and everyone. */
  async pair(input: string, client: string): Promise<Result<Paired, AppError>> {
    const wait = this.retryAfter(client);
    if (wait > 0) return err(appError('pairingRateLimited', { retryAfterSeconds: wait }));
    const typed = normalizePairingCode(input.slice(0, 64));
    const now = this.now();
    const active = this.code !== undefined && this.code.expiresAt > now ? this.code : undefined;
    if (active === undefined || !sameText(typed, active.value)) {
      const failures = this.failures.get(client) ?? [];
      failures.push(now);
      this.failures.set(client, failures);
      this.globalFailures.push(now);
      const expired = this.code !== undefined && this.code.expiresAt <= now && sameText(typed, this.code.value);
      const stale = expired || (this.previousCode !== undefined && sameText(typed, this.previousCode));
      // Nobody can pair without a valid code, so one is made the moment someone needs it.
      if (active === undefined) this.issueCode('expired');
      this.log(`pairing refused for ${client}: ${stale ? 'an old code' : 'a wrong code'}`);
      return err(appError('pairingCodeInvalid', { reason: stale ? 'expired' : 'wrong', attemptsLeft: Math.max(0, ATTEMPT_LIMITS.perClient - failures.length) }));
    }
    // One use only: the next browser needs a new code.
    this.previousCode = active.value;
    this.code = undefined;
    this.failures.delete(client);
    const token = randomBytes(32).toString('base64url');
    const session: Session = { createdAt: now, expiresAt: now + this.lifetimeMs, client: client.slice(0, 200) };
    this.sessions.set(hashOf(token), session);
    await this.persist();
    this.log(`a browser at ${client} paired; its session lasts until ${new Date(session.expiresAt).toISOString()}`);
    return ok({ token, expiresAt: session.expiresAt });
  }

  /** The session a cookie value belongs to, or why there is none. */
  check(token: string | undefined): { session: Session } | { reason: 'noSession' | 'expired' } {
    if (token === undefined || token === '') return { reason: 'noSession' };
    const hash = hashOf(token);
    const session = this.sessions.get(hash);
    if (session === undefined) return { reason: 'noSession' };
    if (session.expiresAt <= this.now()) {
      this.sessions.delete(hash);
      void this.persist();
      return { reason: 'expired' };
    }
    return { session };
  }

  /** Ends one browser's session. */
  async signOut(token: string): Promise<void> {
    if (this.sessions.delete(hashOf(token))) await this.persist();
  }

  /** Ends every session, tells listeners (open event streams close) and prints a new code so someone can get back in. */
  async signOutEverywhere(): Promise<number> {
    const count = this.size;
    this.sessions.clear();
    await this.persist();
    for (const listener of this.listeners) listener();
    this.issueCode('signedOutEverywhere');
    return count;
  }

  /** Calls `listener` whenever every session ended at once; returns a function that stops it. */
  onDidSignOutEverywhere(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** How many sessions are valid now. */
  get size(): number {
    const now = this.now();
    return [...this.sessions.values()].filter((s) => s.expiresAt > now).length;
  }

  /** Writes the sessions (hashes only) one write after another, so a slow disk cannot reorder them. */
  private persist(): Promise<void> {
    const persistence = this.options.persistence;
    if (persistence === undefined) return Promise.resolve();
    const now = this.now();
    const sessions = [...this.sessions.entries()].filter(([, s]) => s.expiresAt > now).map(([hash, s]) => ({ hash, ...s }));
    const text = `${JSON.stringify({ version: 1, sessions }, null, 2)}\n`;
    const write = this.persistQueue.then(() => persistence.write(text));
    this.persistQueue = write.catch((cause: unknown) => this.log('could not save the sign-ins; browsers may have to pair again after a restart', cause));
    return this.persistQueue;
  }
}
