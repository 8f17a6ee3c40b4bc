import { createHash, createHmac, randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import writeFileAtomic from 'write-file-atomic';
import { errnoOf } from '../errno';

/**
 * known_hosts in OpenSSH's format (sshd(8) "SSH_KNOWN_HOSTS FILE FORMAT"): plain and hashed (|1|salt|hash) host
 * patterns, wildcards and negation, `[host]:port` for ports other than 22, and the @revoked / @cert-authority markers.
 * Lines this module does not understand are kept as they are when the file is rewritten.
 */

/** One parsed line with a host key. */
export interface KnownHostEntry {
  /** 1-based line number in the file, for messages ("line 12 of ~/.ssh/known_hosts"). */
  line: number;
  marker: 'revoked' | 'cert-authority' | undefined;
  /** The host field as written: comma-separated patterns or one |1|salt|hash. */
  hosts: string;
  keyType: string;
  /** The key blob, base64 as in the file. */
  keyBase64: string;
}

/** What known_hosts says about the key a host presented. */
export type HostKeyStatus =
  | { status: 'trusted'; line: number }
  | { status: 'unknown'; otherKeyTypes: string[] }
  | { status: 'changed'; line: number; knownKeyType: string; knownFingerprint: string }
  | { status: 'revoked'; line: number };

/** The name OpenSSH writes and hashes for a host: `host` on port 22, `[host]:port` otherwise. */
export function hostKeyName(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

/** OpenSSH's SHA256 fingerprint of a key blob, as `ssh-keygen -lf` prints it. */
export function fingerprintOf(keyBlob: Buffer): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** The key type named inside a key blob (its first SSH string), e.g. "ssh-ed25519". */
export function keyTypeOf(keyBlob: Buffer): string {
  if (keyBlob.length < 4) return '';
  const length = keyBlob.readUInt32BE(0);
  return keyBlob.subarray(4, 4 + length).toString('latin1');
}

/** Parses a known_hosts text; comments, blank lines and malformed lines are skipped. */
export function parseKnownHosts(text: string): KnownHostEntry[] {
  const entries: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, index) => {
    const fields = raw.trim().split(/[ \t]+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) return;
    let marker: KnownHostEntry['marker'];
    if (fields[0].startsWith('@')) {
      const name = fields.shift()!;
      if (name === '@revoked') marker = 'revoked';
      else if (name === '@cert-authority') marker = 'cert-authority';
      else return;
    }
    const [hosts, keyType, keyBase64] = fields;
    if (hosts === undefined || keyType === undefined || keyBase64 === undefined) return;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(keyBase64)) return;
    entries.push({ line: index + 1, marker, hosts, keyType, keyBase64 });
  });
  return entries;
}

/** A glob with * and ? as in ssh_config PATTERNS, matched case-insensitively like OpenSSH does for host names. */
function matchesGlob(pattern: string, name: string): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replaceAll('*', '.*').replaceAll('?', '.');
  return new RegExp(`^${source}$`, 'i').test(name);
}

/** Whether an entry's host field names this host (hashed or as patterns, with negation). */
export function entryMatchesHost(hosts: string, host: string, port: number): boolean {
  const name = hostKeyName(host, port);
  if (hosts.startsWith('|1|')) {
    const [, , salt, hash] = hosts.split('|');
    if (salt === undefined || hash === undefined) return false;
    const expected = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest('base64');
    return expected === hash;
  }
  let matched = false;
  for (const pattern of hosts.split(',')) {
    if (pattern.startsWith('!')) {
      if (matchesGlob(pattern.slice(1), name)) return false;
    } else if (matchesGlob(pattern, name)) {
      matched = true;
    }
  }
  return matched;
}

/** Looks up the key a host presented, following OpenSSH: a revoked key wins, then a matching key, then a different key of the same type. */
export function checkHostKey(entries: readonly KnownHostEntry[], host: string, port: number, keyBlob: Buffer): HostKeyStatus {
  const keyType = keyTypeOf(keyBlob);
  const keyBase64 = keyBlob.toString('base64');
  const revoked = entries.find((e) => e.marker === 'revoked' && e.keyBase64 === keyBase64);
  if (revoked !== undefined) return { status: 'revoked', line: revoked.line };
  const forHost = entries.filter((e) => e.marker === undefined && entryMatchesHost(e.hosts, host, port));
  const same = forHost.find((e) => e.keyBase64 === keyBase64);
  if (same !== undefined) return { status: 'trusted', line: same.line };
  const changed = forHost.find((e) => e.keyType === keyType);
  if (changed !== undefined) {
    return { status: 'changed', line: changed.line, knownKeyType: changed.keyType, knownFingerprint: fingerprintOf(Buffer.from(changed.keyBase64, 'base64')) };
  }
  return { status: 'unknown', otherKeyTypes: [...new Set(forHost.map((e) => e.keyType))] };
}

/** The key types known_hosts holds for a host, so the client can ask for those first (as OpenSSH orders HostKeyAlgorithms). */
export function knownKeyTypes(entries: readonly KnownHostEntry[], host: string, port: number): string[] {
  return [...new Set(entries.filter((e) => e.marker === undefined && entryMatchesHost(e.hosts, host, port)).map((e) => e.keyType))];
}

/** One known_hosts line for a key; hashed (as with HashKnownHosts yes) unless `hashed` is false. */
export function formatKnownHostLine(host: string, port: number, keyBlob: Buffer, options: { hashed?: boolean; salt?: Buffer } = {}): string {
  const name = hostKeyName(host, port);
  let hosts = name;
  if (options.hashed !== false) {
    const salt = options.salt ?? randomBytes(20);
    hosts = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
  }
  return `${hosts} ${keyTypeOf(keyBlob)} ${keyBlob.toString('base64')}`;
}

/** Reads a known_hosts file; a missing file is an empty one. Other read errors are thrown with their errno. */
export async function readKnownHosts(path: string): Promise<KnownHostEntry[]> {
  try {
    return parseKnownHosts(await readFile(path, 'utf8'));
  } catch (error) {
    if (errnoOf(error) === 'ENOENT') return [];
    throw error;
  }
}

/** Serialises appends per file within this process, so two hosts accepted at once both end up in the file. */
const appendQueues = new Map<string, Promise<void>>();

/** Adds a line to known_hosts by writing a complete new file and renaming it over the old one (never a half-written file). */
export function addKnownHost(path: string, host: string, port: number, keyBlob: Buffer, options: { hashed?: boolean } = {}): Promise<void> {
  const previous = appendQueues.get(path) ?? Promise.resolve();
  const next = previous.catch(() => undefined).then(async () => {
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw error;
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    }
    if (text !== '' && !text.endsWith('\n')) text += '\n';
    await writeFileAtomic(path, `${text}${formatKnownHostLine(host, port, keyBlob, options)}\n`, { mode: 0o600 });
  });
  appendQueues.set(path, next);
  return next;
}
