import { isIPv4, isIPv6 } from '../validation/syntax';

// IP address helpers for verifying the overlay: the VPNs print addresses in different spellings ("fd00::1",
// "fd00:0:0:0:0:0:0:1", "10.1.2.3/16"), and a pair is matched by address, so every address is compared in one
// canonical form. Pure and dependency-free; validation itself is the app's one IPv4/IPv6 check (validation/syntax.ts).

/** An address as bytes: 4 for IPv4, 16 for IPv6. */
export interface IpBytes {
  family: 4 | 6;
  bytes: Uint8Array;
}

/** Whether text is a bare IPv4 or IPv6 address (no prefix length, brackets or zone). */
export function isIpAddress(text: string): boolean {
  return isIPv4(text) || isIPv6(text);
}

/** The bytes of a bare IPv4 or IPv6 address; null when the text is not one. */
export function ipBytes(text: string): IpBytes | null {
  if (isIPv4(text)) return { family: 4, bytes: Uint8Array.from(text.split('.').map(Number)) };
  if (!isIPv6(text)) return null;
  let s = text;
  // An IPv4 tail ("::ffff:1.2.3.4") stands for the last two groups.
  const lastColon = s.lastIndexOf(':');
  const tail = s.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a, b, c, d] = tail.split('.').map(Number) as [number, number, number, number];
    s = `${s.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = s.split('::');
  const left = halves[0] === '' ? [] : halves[0]!.split(':');
  const right = halves.length === 1 || halves[1] === '' ? [] : halves[1]!.split(':');
  const groups = halves.length === 1 ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  const bytes = new Uint8Array(16);
  groups.forEach((g, i) => {
    const value = parseInt(g, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  });
  return { family: 6, bytes };
}

/**
 * An address in its one canonical spelling: dotted quad for IPv4, RFC 5952 for IPv6 (lowercase, no leading zeros,
 * the longest run of two or more zero groups as "::"). Null when the text is not a bare address.
 */
export function canonicalIp(text: string): string | null {
  const ip = ipBytes(text);
  if (ip === null) return null;
  if (ip.family === 4) return Array.from(ip.bytes).join('.');
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((ip.bytes[i]! << 8) | ip.bytes[i + 1]!);
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** Whether two texts are the same address in any spelling. */
export function sameIp(a: string, b: string): boolean {
  const x = canonicalIp(a);
  return x !== null && x === canonicalIp(b);
}

/**
 * "10.1.2.3/16" or "fd00::1/88" split into the address (canonical) and the prefix length; a bare address gets the
 * full length. Null when the text is neither.
 */
export function parseCidr(text: string): { address: string; prefix: number; family: 4 | 6 } | null {
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  const ip = ipBytes(addressText.trim());
  if (ip === null) return null;
  const max = ip.family === 4 ? 32 : 128;
  let prefix = max;
  if (slash >= 0) {
    const p = text.slice(slash + 1).trim();
    if (!/^\d{1,3}$/.test(p) || Number(p) > max) return null;
    prefix = Number(p);
  }
  return { address: canonicalIp(addressText.trim())!, prefix, family: ip.family };
}

/** Whether an address lies inside a network given as "address/prefix". False for anything unreadable. */
export function cidrContains(cidr: string, address: string): boolean {
  const net = parseCidr(cidr);
  const ip = ipBytes(address);
  if (net === null || ip === null || net.family !== ip.family) return false;
  const base = ipBytes(net.address)!.bytes;
  let bits = net.prefix;
  for (let i = 0; bits > 0; i += 1, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((base[i]! & mask) !== (ip.bytes[i]! & mask)) return false;
  }
  return true;
}

/** Whether an address is only meaningful on one link or one host (fe80::/10, 127.0.0.0/8, ::1, 169.254.0.0/16). */
export function isLocalOnlyIp(address: string): boolean {
  return ['fe80::/10', '127.0.0.0/8', '::1/128', '169.254.0.0/16'].some((net) => cidrContains(net, address));
}
