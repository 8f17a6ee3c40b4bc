import type { SshTarget } from '../model/types';
import { isHostOrAddress, isIPv4, isIPv6, sshUserPattern } from '../validation/syntax';
import { sha256Bytes } from './hash';

// Addresses the generator writes into inventory.json: deploy targets, endpoints with ports, and the overlay IPv4
// addresses of the VPNs whose certificates or host files need them before deploy (Nebula, Tinc, VpnCloud).

/** An IPv6 literal in brackets, anything else unchanged: for every place that appends ":port" (CLAN.md 5.4). */
export function bracketHost(host: string): string {
  return isIPv6(host) ? `[${host}]` : host;
}

/** "host:port" with IPv6 bracketed. */
export function hostWithPort(host: string, port: number): string {
  return `${bracketHost(host)}:${port}`;
}

/**
 * Clan's deploy.targetHost: `user@host` plus `:port` when it is not 22, IPv6 bracketed (CLAN.md 1.4, the format
 * clan-cli's `_parse_ssh_uri` reads). Null without a usable SSH target.
 */
export function formatTargetHost(ssh: SshTarget | null): string | null {
  if (ssh === null || ssh.host.trim() === '' || ssh.user.trim() === '') return null;
  const port = ssh.port === 22 ? '' : `:${ssh.port}`;
  return `${ssh.user}@${bracketHost(ssh.host)}${port}`;
}

/**
 * A jump host as OpenSSH's ProxyJump takes it: `[user@]host[:port]`, IPv6 bracketed. An empty user is left out, so
 * ssh takes it from ~/.ssh/config as the app does. Null when the host is empty or the host or user is not the plain
 * form validation allows for SSH targets: the text ends up inside deploy.targetHost, where clan-cli splits options
 * at '&' and '=' (clan_lib/ssh/remote.py, _parse_ssh_uri), so nothing else may reach it. The jump host may be an
 * unmanaged machine, whose SSH target validation does not check.
 */
export function formatProxyJump(ssh: SshTarget | null): string | null {
  if (ssh === null || !isHostOrAddress(ssh.host)) return null;
  if (ssh.user !== '' && !sshUserPattern.test(ssh.user)) return null;
  const port = ssh.port === 22 ? '' : `:${ssh.port}`;
  return `${ssh.user === '' ? '' : `${ssh.user}@`}${bracketHost(ssh.host)}${port}`;
}

/** The overlay network of an instance: a /16 in 10.100.0.0 - 10.199.255.255, derived from the instance name. */
export function overlayNetwork(instance: string): { network: string; base: string } {
  const second = 100 + (sha256Bytes(`clan-network-designer/overlay/${instance}`)[0]! % 100);
  return { network: `10.${second}.0.0/16`, base: `10.${second}` };
}

const hostSlots = 65533;

/**
 * Overlay IPv4 addresses for the given machine names in the instance's /16. Each name gets the slot its hash points
 * to; on a collision the later name (in sorted order) takes the next free slot. So the result depends only on the
 * set of names, not on their order, and adding a machine moves another one only if it collides with it (rare below a
 * few hundred machines). The addresses are written into inventory.json, so the preview can show them and certificates
 * (Nebula) are signed for them; changing one regenerates that machine's keys through the generator's validation.
 */
export function allocateOverlayAddresses(instance: string, names: readonly string[]): Map<string, string> {
  const { base } = overlayNetwork(instance);
  const sorted = [...new Set(names)].sort();
  if (sorted.length > hostSlots) throw new Error(`at most ${hostSlots} overlay addresses fit in a /16`);
  const used = new Set<number>();
  const out = new Map<string, string>();
  for (const name of sorted) {
    const hash = sha256Bytes(`${instance}/${name}`);
    let slot = 1 + (((hash[0]! << 8) | hash[1]!) % hostSlots);
    while (used.has(slot)) slot = (slot % hostSlots) + 1;
    used.add(slot);
    out.set(name, `${base}.${slot >> 8}.${slot & 255}`);
  }
  return out;
}

/** Whether a machine's public address is an IP literal (ZeroTier moons need one: roots are announced by IP). */
export function isIpLiteral(address: string): boolean {
  return isIPv4(address) || isIPv6(address);
}

// ---------------------------------------------------------------- OpenSSH public keys

const sshKeyTypes = new Set([
  'ssh-ed25519',
  'ssh-rsa',
  'ecdsa-sha2-nistp256',
  'ecdsa-sha2-nistp384',
  'ecdsa-sha2-nistp521',
  'sk-ssh-ed25519@openssh.com',
  'sk-ecdsa-sha2-nistp256@openssh.com',
]);

const base64Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

function decodeBase64(text: string): Uint8Array | null {
  if (text.length % 4 !== 0 || !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) return null;
  const clean = text.replace(/=+$/, '');
  const bytes = new Uint8Array(Math.floor((clean.length * 3) / 4));
  let buffer = 0;
  let bits = 0;
  let n = 0;
  for (const ch of clean) {
    buffer = (buffer << 6) | base64Alphabet.indexOf(ch);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      bytes[n++] = (buffer >> bits) & 0xff;
    }
  }
  return bytes.subarray(0, n);
}

/** Why a text is not an OpenSSH public key line, or null when it is one. */
export function checkSshPublicKey(text: string): 'empty' | 'format' | 'type' | 'blob' | null {
  const line = text.trim();
  if (line === '') return 'empty';
  // type, base64 blob, optional comment of printable characters; one line only.
  const match = /^(\S+) (\S+)(?: ([\x20-\x7e]*))?$/.exec(line);
  if (match === null) return 'format';
  const [, type, blob] = match as unknown as [string, string, string];
  if (!sshKeyTypes.has(type)) return 'type';
  const bytes = decodeBase64(blob);
  // The blob starts with the key type again, as a length-prefixed string; a pasted fragment fails here.
  if (bytes === null || bytes.length < 4 + type.length) return 'blob';
  const length = ((bytes[0]! << 24) | (bytes[1]! << 16) | (bytes[2]! << 8) | bytes[3]!) >>> 0;
  if (length !== type.length) return 'blob';
  for (let i = 0; i < type.length; i += 1) if (bytes[4 + i] !== type.charCodeAt(i)) return 'blob';
  return null;
}
