import { describe, expect, test } from 'vitest';
import { ATTEMPT_LIMITS, formatPairingCode, normalizePairingCode, PAIRING_CODE_LIFETIME_MS, parseDuration, SessionStore, type PairingCodeNotice } from './sessions';

function store(options: { lifetimeMs?: number } = {}) {
  let now = 1_000_000;
  let saved: string | undefined;
  const notices: PairingCodeNotice[] = [];
  const sessions = new SessionStore({
    sessionLifetimeMs: options.lifetimeMs ?? 60_000,
    now: () => now,
    onPairingCode: (n) => notices.push(n),
    persistence: { read: async () => saved, write: async (text) => void (saved = text) },
  });
  return {
    sessions,
    notices,
    advance: (ms: number) => void (now += ms),
    get saved() {
      return saved;
    },
    set saved(text: string | undefined) {
      saved = text;
    },
    now: () => now,
  };
}

describe('pairing codes', () => {
  test('are 8 symbols without look-alike characters, shown in two groups and read back however they are typed', () => {
    const { sessions } = store();
    for (let i = 0; i < 50; i += 1) {
      const { code } = sessions.issueCode('requested');
      expect(code).toMatch(/^[ABCDEFGHJKMNPQRSTVWXYZ2-9]{8}$/);
    }
    expect(formatPairingCode('K7QWM2XD')).toBe('K7QW-M2XD');
    expect(normalizePairingCode(' k7qw-m2xd ')).toBe('K7QWM2XD');
  });

  test('a code pairs once; the browser gets a session that lasts the configured time', async () => {
    const s = store();
    const { code } = s.sessions.currentCode('start');
    expect(s.notices.map((n) => n.reason)).toEqual(['start']);
    const paired = await s.sessions.pair(formatPairingCode(code).toLowerCase(), '10.0.0.2');
    expect(paired.ok).toBe(true);
    if (!paired.ok) return;
    expect(paired.value.expiresAt).toBe(s.now() + 60_000);
    expect(s.sessions.check(paired.value.token)).toHaveProperty('session');
    const again = await s.sessions.pair(code, '10.0.0.3');
    expect(again).toMatchObject({ ok: false, error: { code: 'pairingCodeInvalid', details: { reason: 'expired' } } });
    // Nobody can pair with no valid code left, so the refused attempt made a new one for the console.
    expect(s.notices.at(-1)?.reason).toBe('expired');
  });

  test('a code stops working after 15 minutes and a new one is printed when someone tries', async () => {
    const s = store();
    const { code } = s.sessions.currentCode('start');
    s.advance(PAIRING_CODE_LIFETIME_MS + 1);
    const late = await s.sessions.pair(code, '10.0.0.2');
    expect(late).toMatchObject({ ok: false, error: { details: { reason: 'expired' } } });
    const fresh = s.notices.at(-1)!;
    expect(fresh.code).not.toBe(code);
    expect((await s.sessions.pair(fresh.code, '10.0.0.2')).ok).toBe(true);
  });

  test('wrong codes are limited per client and for everyone, and a client that is limited cannot pair even with the right code', async () => {
    const s = store();
    const { code } = s.sessions.currentCode('start');
    for (let i = 0; i < ATTEMPT_LIMITS.perClient; i += 1) {
      const wrong = await s.sessions.pair('AAAA-AAAA', '10.0.0.66');
      expect(wrong).toMatchObject({ ok: false, error: { code: 'pairingCodeInvalid', details: { reason: 'wrong', attemptsLeft: ATTEMPT_LIMITS.perClient - i - 1 } } });
    }
    const limited = await s.sessions.pair(code, '10.0.0.66');
    expect(limited).toMatchObject({ ok: false, error: { code: 'pairingRateLimited' } });
    expect(limited.ok === false && Number(limited.error.details?.retryAfterSeconds)).toBeGreaterThan(0);
    // Another client is not limited by this one's mistakes...
    expect((await s.sessions.pair('BBBB-BBBB', '10.0.0.7')).ok).toBe(false);
    // ...until everyone together has made too many.
    for (let i = 0; i < ATTEMPT_LIMITS.global; i += 1) await s.sessions.pair('CCCC-CCCC', `10.1.0.${i}`);
    expect(await s.sessions.pair(code, '10.2.0.1')).toMatchObject({ ok: false, error: { code: 'pairingRateLimited' } });
    s.advance(ATTEMPT_LIMITS.windowMs + 1);
    expect((await s.sessions.pair(code, '10.0.0.66')).ok).toBe(true);
  });
});

describe('sessions', () => {
  test('expire at their end, are kept across a restart as hashes only, and end together on "sign out everywhere"', async () => {
    const s = store();
    const first = await s.sessions.pair(s.sessions.currentCode().code, 'a');
    const second = await s.sessions.pair(s.sessions.currentCode().code, 'b');
    if (!first.ok || !second.ok) throw new Error('pairing failed');
    expect(s.saved).not.toContain(first.value.token);
    const restarted = new SessionStore({ persistence: { read: async () => s.saved, write: async () => undefined }, now: s.now });
    await restarted.load();
    expect(restarted.check(first.value.token)).toHaveProperty('session');
    expect(restarted.size).toBe(2);

    const ended: string[] = [];
    s.sessions.onDidSignOutEverywhere(() => ended.push('streams closed'));
    expect(await s.sessions.signOutEverywhere()).toBe(2);
    expect(ended).toEqual(['streams closed']);
    expect(s.sessions.check(second.value.token)).toEqual({ reason: 'noSession' });
    expect(JSON.parse(s.saved!).sessions).toEqual([]);

    const third = await s.sessions.pair(s.sessions.currentCode().code, 'c');
    if (!third.ok) throw new Error('pairing failed');
    s.advance(60_001);
    expect(s.sessions.check(third.value.token)).toEqual({ reason: 'expired' });
  });

  test('an unreadable sign-in file is logged and every browser pairs again', async () => {
    const logged: string[] = [];
    const sessions = new SessionStore({ persistence: { read: async () => '{not json', write: async () => undefined }, log: (m) => logged.push(m) });
    await sessions.load();
    expect(sessions.size).toBe(0);
    expect(logged[0]).toContain('could not be read');
  });

  test('durations from the command line', () => {
    expect(parseDuration('30d')).toBe(30 * 86_400_000);
    expect(parseDuration('12h')).toBe(12 * 3_600_000);
    expect(parseDuration('1.5m')).toBe(90_000);
    expect(parseDuration('3s')).toBe(3000);
    expect(parseDuration('30')).toBeUndefined();
    expect(parseDuration('0d')).toBeUndefined();
    expect(parseDuration('-1d')).toBeUndefined();
  });
});
