import type { Design } from '../model/types';
import { defaultDesignMeta } from '../schema/designDefaults';
import { byNameThenId } from '../text';
import { isIPv4, isIPv6 } from '../validation/syntax';

// Redaction for requests that leave the computer (issue 16): names, addresses, user names and keys are replaced by
// placeholders (MACHINE_1, SITE_1, HOST_1, IP_1, USER_1, KEY_1, CLAN_1) before a request is sent, and mapped back in
// the answer and in the model's tool calls, so the person reads real names and proposals name real machines.
//
// Hand-written because no library does this job: secret scanners find keys but know nothing of the design's names,
// and the mapping has to be reversible, stable within a request and safe to undo on a stream of small chunks.
//
// Two ways in: `placeholder(kind, value)` for text the app knows is a name (the grounding's tables, which must not
// turn the machine kind "nas" into a machine called "nas"), and `redact(text)` for free text (questions, history,
// problem sentences, logs), which replaces every known value as a whole word and anything that looks like an
// address or a key. The design's own values are numbered first, in a stable order, so the same design always gives
// the same placeholders; values found later in free text (an address in a log) get the next number.

/** What a placeholder stands for. */
export const placeholderKinds = ['MACHINE', 'SITE', 'CLAN', 'HOST', 'IP', 'USER', 'KEY'] as const;
/** One kind of placeholder. */
export type PlaceholderKind = (typeof placeholderKinds)[number];

/** Turns placeholders in text back into what they stand for, chunk by chunk, as an answer streams in. */
export interface StreamRestorer {
  /** Takes the next chunk; returns the text that is safe to show now (a placeholder cut in two waits for its end). */
  push(chunk: string): string;
  /** The rest, at the end of the stream. */
  flush(): string;
}

/** Replaces private values by placeholders and back; one per request, built from the design. */
export interface Redactor {
  /** The placeholder for a value the caller knows the kind of (a name in a table); registers it when new. */
  placeholder(kind: PlaceholderKind, value: string): string;
  /** Free text with every known value, address, host name, user name and key replaced by its placeholder. */
  redact(text: string): string;
  /** Text with every known placeholder replaced by its value (unknown ones stay as they are). */
  restore(text: string): string;
  /** A JSON value (the model's tool-call arguments) with placeholders restored in every string, keys included. */
  restoreValue<T>(value: T): T;
  /** A restorer for one streamed answer. */
  createStreamRestorer(): StreamRestorer;
  /** Every placeholder with its value, in the order they were made (for the "What will be sent" view and tests). */
  entries(): readonly { placeholder: string; value: string }[];
}

/** Values to redact beyond the design's own (names in an older report, a key the person pasted). */
export type ExtraValues = Partial<Record<PlaceholderKind, readonly string[]>>;

// System accounts say nothing about the person, and "root" is in half the app's sentences ("log in as root").
const publicUsers = new Set(['root', 'nixos']);

// A value is replaced as a whole word: not inside a longer name ("pi" in "grandma-pi") or a longer word ("nas" in
// "nasty"). '-' and '_' count as word characters because machine names use them; '.' does not, so "nas." at the
// end of a sentence is still "nas".
const wordChar = String.raw`[\p{L}\p{N}_-]`;
const placeholderPattern = new RegExp(String.raw`(?<![A-Za-z0-9_])(${placeholderKinds.join('|')})_(\d+)(?![A-Za-z0-9_])`, 'g');
// The longest text a stream restorer holds back: the longest kind, '_' and up to 9 digits.
const longestPlaceholder = Math.max(...placeholderKinds.map((k) => k.length)) + 10;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

// Patterns for values the design does not list, in the order they are tried at one position.
const patterns = {
  pem: String.raw`-----BEGIN [A-Z0-9 ]*(?:PRIVATE KEY|CERTIFICATE)[A-Z ]*-----[\s\S]*?-----END [A-Z0-9 ]*-----`,
  sshKey: String.raw`(?:ssh-(?:ed25519|rsa|dss)|ecdsa-sha2-nistp\d{3}|sk-(?:ssh-ed25519|ecdsa-sha2-nistp256)@openssh\.com) AAAA[A-Za-z0-9+/]+={0,3}`,
  age: String.raw`(?<![A-Za-z0-9])(?:age1[02-9ac-hj-np-z]{58}|AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58})(?![A-Za-z0-9])`,
  userAtHost: String.raw`(?<![\w.@-])[a-z_][a-z0-9_-]{0,31}@(?=[A-Za-z0-9\[])`,
  ipv4: String.raw`(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(?!\.?\d)(?!\w)`,
  ipv6: String.raw`(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}(?:[0-9A-Fa-f]{1,4}|(?:\d{1,3}\.){3}\d{1,3})?(?![\w:])`,
  base64: String.raw`(?<![A-Za-z0-9+/])[A-Za-z0-9+/]{32,}={0,2}(?![A-Za-z0-9+/=])`,
  hex: String.raw`(?<![A-Za-z0-9])[0-9a-fA-F]{40,}(?![A-Za-z0-9])`,
};

// Host names on private suffixes are always someone's own machines.
const privateSuffixes = ['local', 'lan', 'home', 'internal', 'home\\.arpa', 'fritz\\.box', 'localdomain'];

/** Whether a run of base64 characters looks like a key or secret rather than a word or a Nix store hash (lowercase base32). */
function looksLikeSecret(text: string): boolean {
  return /[A-Z]/.test(text) && /[a-z]/.test(text) && /\d/.test(text);
}

/**
 * A redactor for a design: its machine and site names, clan name and domain, SSH hosts and users, public addresses,
 * and `extra` values, each with a stable placeholder; anything that looks like an IP address, a private host name,
 * a user in user@host, or a key is replaced too.
 */
export function createRedactor(design: Design, extra: ExtraValues = {}): Redactor {
  const byValue = new Map<string, string>();
  const byPlaceholder = new Map<string, string>();
  const order: { placeholder: string; value: string }[] = [];
  const counters = new Map<PlaceholderKind, number>();
  let tablePattern: RegExp | null = null;

  const keyOf = (value: string) => value.toLowerCase();
  const register = (kind: PlaceholderKind, value: string): string => {
    const known = byValue.get(keyOf(value));
    if (known !== undefined) return known;
    const n = (counters.get(kind) ?? 0) + 1;
    counters.set(kind, n);
    const placeholder = `${kind}_${n}`;
    byValue.set(keyOf(value), placeholder);
    byPlaceholder.set(placeholder, value);
    order.push({ placeholder, value });
    tablePattern = null;
    return placeholder;
  };
  const addressKind = (value: string): PlaceholderKind => (isIPv4(value) || isIPv6(value) ? 'IP' : 'HOST');
  const add = (kind: PlaceholderKind, value: string | null | undefined) => {
    const trimmed = value?.trim() ?? '';
    if (trimmed === '' || (kind === 'USER' && publicUsers.has(trimmed))) return;
    register(kind, trimmed);
  };

  // Stable numbering: by name, whatever order the records are stored in.
  const machines = Object.values(design.machines).sort(byNameThenId);
  const sites = Object.values(design.sites).sort(byNameThenId);
  for (const m of machines) add('MACHINE', m.name);
  for (const s of sites) add('SITE', s.name);
  // A new design's clan name and domain ("family", "clan") say nothing about anyone, and both words fill the app's
  // own sentences ("Clan identifies machines by name"), so only names the person chose are replaced.
  if (design.meta.clanName !== defaultDesignMeta.clanName) add('CLAN', design.meta.clanName);
  for (const m of machines) add('USER', m.ssh?.user);
  if (design.meta.domain !== defaultDesignMeta.domain) add('HOST', design.meta.domain);
  for (const m of machines) {
    if (m.ssh !== null && m.ssh.host.trim() !== '') add(addressKind(m.ssh.host.trim()), m.ssh.host);
    if (m.publicAddress !== null && m.publicAddress.trim() !== '') add(addressKind(m.publicAddress.trim()), m.publicAddress);
  }
  for (const kind of placeholderKinds) for (const value of extra[kind] ?? []) add(kind, value);

  const domain = design.meta.domain.trim();
  const hostSuffixes = [...privateSuffixes, ...(domain === '' ? [] : [escapeRegExp(domain)])];
  const privateHost = String.raw`(?<![\w.-])(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+(?:${hostSuffixes.join('|')})(?![\w-])`;

  const combined = (): RegExp => {
    if (tablePattern !== null) return tablePattern;
    // Longest first, so "grandma-pi.lan" wins over "grandma-pi" at the same position.
    const values = [...byValue.keys()].sort((a, b) => b.length - a.length).map(escapeRegExp);
    const table = values.length === 0 ? '(?!)' : `(?<!${wordChar})(?:${values.join('|')})(?!${wordChar})`;
    tablePattern = new RegExp(
      [
        `(?<pem>${patterns.pem})`,
        `(?<sshKey>${patterns.sshKey})`,
        `(?<age>${patterns.age})`,
        `(?<table>${table})`,
        `(?<user>${patterns.userAtHost})`,
        `(?<ipv4>${patterns.ipv4})`,
        `(?<ipv6>${patterns.ipv6})`,
        `(?<host>${privateHost})`,
        `(?<base64>${patterns.base64})`,
        `(?<hex>${patterns.hex})`,
      ].join('|'),
      'giu',
    );
    return tablePattern;
  };

  const redact = (text: string): string => {
    if (text === '') return text;
    // Registering a value found in this text resets the cached pattern, but this pass keeps its own.
    const pattern = combined();
    pattern.lastIndex = 0;
    return text.replace(pattern, (match: string, ...rest: unknown[]) => {
      const groups = rest[rest.length - 1] as Record<string, string | undefined>;
      if (groups.table !== undefined) return byValue.get(keyOf(match)) ?? match;
      if (groups.pem !== undefined || groups.sshKey !== undefined || groups.age !== undefined) return register('KEY', match);
      if (groups.user !== undefined) {
        const user = match.slice(0, -1);
        return publicUsers.has(user) ? match : `${register('USER', user)}@`;
      }
      if (groups.ipv4 !== undefined) return register('IP', match);
      if (groups.ipv6 !== undefined) return isIPv6(match) ? register('IP', match) : match;
      if (groups.host !== undefined) return register('HOST', match);
      if (groups.base64 !== undefined) return looksLikeSecret(match) ? register('KEY', match) : match;
      if (groups.hex !== undefined) return register('KEY', match);
      return match;
    });
  };

  const restore = (text: string): string => text.replace(placeholderPattern, (match) => byPlaceholder.get(match) ?? match);

  const restoreValue = <T>(value: T): T => {
    if (typeof value === 'string') return restore(value) as T;
    if (Array.isArray(value)) return value.map((v) => restoreValue(v)) as T;
    if (value !== null && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([k, v]) => [restore(k), restoreValue(v)])) as T;
    }
    return value;
  };

  return {
    placeholder: (kind, value) => register(kind, value.trim() === '' ? value : value.trim()),
    redact,
    restore,
    restoreValue,
    createStreamRestorer: () => createStreamRestorer(restore),
    entries: () => order,
  };
}

/**
 * Where the unfinished tail of a stream starts: the last spot that could be the beginning of a placeholder not yet
 * complete ("MACH", "MACHINE_", "MACHINE_1" that may go on to "MACHINE_12"). Text before it can be shown.
 */
function holdFrom(text: string): number {
  const start = Math.max(0, text.length - longestPlaceholder);
  for (let i = start; i < text.length; i += 1) {
    if (i > 0 && /[A-Za-z0-9_]/.test(text[i - 1]!)) continue;
    const tail = text.slice(i);
    const couldGrow = placeholderKinds.some((kind) => {
      if (tail.length <= kind.length) return kind.startsWith(tail);
      return tail.startsWith(`${kind}_`) && /^\d*$/.test(tail.slice(kind.length + 1));
    });
    if (couldGrow) return i;
  }
  return text.length;
}

function createStreamRestorer(restore: (text: string) => string): StreamRestorer {
  let pending = '';
  return {
    push(chunk) {
      pending += chunk;
      const cut = holdFrom(pending);
      const ready = pending.slice(0, cut);
      pending = pending.slice(cut);
      return restore(ready);
    },
    flush() {
      const rest = restore(pending);
      pending = '';
      return rest;
    },
  };
}
