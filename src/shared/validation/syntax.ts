// Syntax checks for the names and addresses a design holds. They are strict on purpose: several of these strings
// end up in ssh command lines, Linux interface names or shell scripts inside Nix modules (CLAN.md 5.4), so anything
// outside the plain forms is refused rather than escaped.

/** Clan's meta.name: letters, digits, '-' and '_' (CLAN.md 1.3); we also require at least one character. */
export const clanNamePattern = /^[a-zA-Z0-9_-]+$/;
/** Clan's meta.domain: lowercase DNS labels separated by dots (CLAN.md 1.3). */
export const domainPattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/;
/** The app's machine name rule (CLAN.md 5.1): a lowercase DNS label. */
export const machineNamePattern = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
/** A Linux user name as useradd accepts it by default. */
export const sshUserPattern = /^[a-z_][a-z0-9_-]{0,31}$/;
/** The recommended VPN instance name: fits every VPN's interface name (CLAN.md 5.2). */
export const recommendedInstancePattern = /^[a-z][a-z0-9]{0,7}$/;
/** A usable VPN instance name: it becomes a DNS suffix (WireGuard hosts) and part of interface and var names. */
export const instancePattern = /^[a-z]([a-z0-9-]*[a-z0-9])?$/;

/** Whether text is a dotted-quad IPv4 address (no leading zeros, which some tools read as octal). */
export function isIPv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^(0|[1-9][0-9]{0,2})$/.test(p) && Number(p) <= 255);
}

/** Whether text is a bare IPv6 address (no brackets, no zone id), with an optional IPv4 tail. */
export function isIPv6(text: string): boolean {
  if (text.length < 2 || text.length > 45 || !text.includes(':')) return false;
  let s = text;
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIPv4(tail)) return false;
    // An IPv4 tail stands for two groups.
    s = `${s.slice(0, lastColon + 1)}0:0`;
  }
  const group = /^[0-9a-fA-F]{1,4}$/;
  const halves = s.split('::');
  if (halves.length > 2) return false;
  if (halves.length === 1) {
    const groups = s.split(':');
    return groups.length === 8 && groups.every((g) => group.test(g));
  }
  const left = halves[0] === '' ? [] : halves[0]!.split(':');
  const right = halves[1] === '' ? [] : halves[1]!.split(':');
  return left.length + right.length <= 7 && [...left, ...right].every((g) => group.test(g));
}

/** Whether text is a DNS hostname (letters, digits, '-', dots; the last label not all digits, so "1.2.3.999" is not one). */
export function isHostname(text: string): boolean {
  const name = text.endsWith('.') ? text.slice(0, -1) : text;
  if (name.length === 0 || name.length > 253) return false;
  const labels = name.split('.');
  if (!labels.every((l) => /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/.test(l))) return false;
  return !/^[0-9]+$/.test(labels[labels.length - 1]!);
}

// Validation runs on every edit, and the same few hundred addresses are checked each time; remembering the answers
// of this pure check keeps the 1,000-machine run inside its budget. Bounded so a long session cannot grow it forever.
const hostCache = new Map<string, boolean>();
const hostCacheLimit = 20_000;

/** Whether text is a hostname, an IPv4 or a bare IPv6 address. */
export function isHostOrAddress(text: string): boolean {
  let known = hostCache.get(text);
  if (known === undefined) {
    known = isIPv4(text) || isIPv6(text) || isHostname(text);
    if (hostCache.size >= hostCacheLimit) hostCache.clear();
    hostCache.set(text, known);
  }
  return known;
}

/** Whether an IPv4 address is private, loopback, link-local or carrier-grade NAT space (not reachable from the internet). */
export function isNonPublicIPv4(text: string): boolean {
  if (!isIPv4(text)) return false;
  const [a, b] = text.split('.').map(Number) as [number, number];
  return a === 10 || a === 127 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 169 && b === 254) || (a === 100 && b >= 64 && b <= 127) || a === 0;
}

/** Turns any text into a valid clan name (letters, digits, '-', '_'); "family" when nothing is left. */
export function slugifyClanName(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^a-zA-Z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 64);
  return slug === '' ? 'family' : slug;
}

/** What an SSH host field probably meant, when someone typed "user@host:port" or "[v6]" into it; null if unclear. */
export function parseSshHost(text: string): { host: string; user: string | null; port: number | null } | null {
  let rest = text.trim();
  let user: string | null = null;
  let port: number | null = null;
  rest = rest.replace(/^ssh:\/\//, '');
  const at = rest.lastIndexOf('@');
  if (at > 0) {
    user = rest.slice(0, at);
    rest = rest.slice(at + 1);
  }
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(rest);
  if (bracketed !== null) {
    rest = bracketed[1]!;
    if (bracketed[2] !== undefined) port = Number(bracketed[2]);
  } else {
    const withPort = /^([^:]+):(\d{1,5})$/.exec(rest);
    if (withPort !== null) {
      rest = withPort[1]!;
      port = Number(withPort[2]);
    }
  }
  if (!isHostOrAddress(rest)) return null;
  if (port !== null && (port < 1 || port > 65535)) return null;
  if (user !== null && !sshUserPattern.test(user)) return null;
  return { host: rest, user, port };
}
