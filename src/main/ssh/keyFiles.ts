import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2, { type ParsedKey } from 'ssh2';
import { appError, type AppError } from '../../shared/errors';
import type { SshKeyList } from '../../shared/ipc/contract';
import { err, ok, type Result } from '../../shared/result';
import { fingerprintOf } from './knownHosts';
import { defaultKeyNames, publicBlobOfOpenSshKey } from './sshSettings';

// ssh2 is CommonJS: OpenSSHAgent and utils are only reachable through the default export in the built bundle.
const { OpenSSHAgent, utils } = ssh2;

/**
 * The private keys in ~/.ssh a person can pick for "Check machines", and what their ssh-agent holds. The renderer
 * only ever sees file names, key types, fingerprints and comments: never a path outside ~/.ssh and never key
 * material. A picked key comes back as a file name, which keyFilePath turns into a path inside ~/.ssh again.
 */

/** Files in ~/.ssh that are never private keys, so they are not even read. */
const notKeys = new Set(['config', 'known_hosts', 'known_hosts.old', 'authorized_keys', 'authorized_keys2', 'environment', 'rc']);
/** Private key files are a few kilobytes; anything much larger is something else. */
const maxKeyFileBytes = 64 * 1024;
const agentTimeoutMs = 2_000;

/** A file name the renderer may name: one path segment, no hidden tricks. */
export function isKeyFileName(name: string): boolean {
  return name !== '' && name !== '.' && name !== '..' && !/[/\\\0]/.test(name) && name.length <= 255;
}

/** The path of a key the person picked by name; refused when the name is not a plain file name. */
export function keyFilePath(homeDir: string, name: string): Result<string, AppError> {
  if (!isKeyFileName(name)) return err(appError('invalidRequest', { message: `"${name}" is not the name of a file in ~/.ssh.` }));
  return ok(join(homeDir, '.ssh', name));
}

function keyTypeName(type: string): string {
  if (type === 'ssh-ed25519') return 'ED25519';
  if (type === 'ssh-rsa') return 'RSA';
  if (type.startsWith('ecdsa-sha2-')) return 'ECDSA';
  if (type.startsWith('sk-')) return 'security key';
  return type;
}

/** The key type written at the start of an SSH public key blob. */
function blobType(blob: Buffer): string | null {
  if (blob.length < 4) return null;
  const length = blob.readUInt32BE(0);
  return length > 0 && 4 + length <= blob.length ? blob.subarray(4, 4 + length).toString('latin1') : null;
}

async function publicKeyFileOf(path: string): Promise<{ blob: Buffer; comment: string } | undefined> {
  try {
    const fields = (await readFile(`${path}.pub`, 'utf8')).trim().split(/\s+/);
    if (fields[1] === undefined) return undefined;
    return { blob: Buffer.from(fields[1], 'base64'), comment: fields.slice(2).join(' ') };
  } catch {
    return undefined;
  }
}

type KeyFile = SshKeyList['keys'][number];

/** One file of ~/.ssh as a key, or undefined when it is not a private key at all. */
async function describeFile(sshDir: string, name: string, agentBlobs: readonly Buffer[]): Promise<KeyFile | undefined> {
  const path = join(sshDir, name);
  let data: Buffer;
  try {
    const info = await stat(path);
    if (!info.isFile() || info.size > maxKeyFileBytes) return undefined;
    data = await readFile(path);
  } catch {
    return undefined;
  }
  const text = data.toString('latin1');
  if (!/-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/.test(text)) return undefined;
  const isDefault = (defaultKeyNames as readonly string[]).includes(name);
  const base = { name, isDefault, comment: '', encrypted: false, problem: null as string | null };
  const parsed = utils.parseKey(data);
  const key = parsed instanceof Error ? parsed : Array.isArray(parsed) ? ((parsed[0] as ParsedKey | undefined) ?? new Error('the file holds no key')) : parsed;
  let blob: Buffer | undefined;
  let comment = '';
  let encrypted = false;
  let problem: string | null = null;
  if (key instanceof Error) {
    if (/no passphrase given/i.test(key.message)) {
      encrypted = true;
      const pub = await publicKeyFileOf(path);
      blob = publicBlobOfOpenSshKey(text) ?? pub?.blob;
      comment = pub?.comment ?? '';
    } else {
      problem = `The app cannot read this key (${key.message}).`;
    }
  } else {
    blob = key.getPublicSSH();
    comment = key.comment;
  }
  if (comment === '') comment = (await publicKeyFileOf(path))?.comment ?? '';
  const type = blob === undefined ? null : blobType(blob);
  return {
    ...base,
    type: type === null ? null : keyTypeName(type),
    fingerprint: blob === undefined ? null : fingerprintOf(blob),
    comment,
    encrypted,
    inAgent: blob !== undefined && agentBlobs.some((b) => b.equals(blob)),
    problem,
  };
}

/** The public key blobs the agent holds, or why they could not be listed. */
async function agentKeys(socket: string): Promise<{ status: 'ok' | 'unreachable'; blobs: Buffer[] }> {
  try {
    await stat(socket);
  } catch {
    return { status: 'unreachable', blobs: [] };
  }
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ status: 'unreachable', blobs: [] }), agentTimeoutMs);
    new OpenSSHAgent(socket).getIdentities((error, keys) => {
      clearTimeout(timer);
      if (error !== undefined && error !== null) return resolve({ status: 'unreachable', blobs: [] });
      const blobs = (keys ?? []).flatMap((k) => {
        const one = utils.parseKey(k as ParsedKey | Buffer | string);
        const parsed = one instanceof Error ? undefined : Array.isArray(one) ? (one[0] as ParsedKey | undefined) : one;
        return parsed === undefined ? [] : [parsed.getPublicSSH()];
      });
      resolve({ status: 'ok', blobs });
    });
  });
}

/** Lists ~/.ssh's private keys (default names first, then by name) and the agent's state. A missing ~/.ssh is an empty list. */
export async function listKeyFiles(homeDir: string, env: Record<string, string | undefined>): Promise<SshKeyList> {
  const sshDir = join(homeDir, '.ssh');
  const socket = env.SSH_AUTH_SOCK ?? '';
  const agent = socket === '' ? { status: 'notSet' as const, blobs: [] } : await agentKeys(socket);
  let names: string[] = [];
  try {
    const info = await lstat(sshDir);
    if (info.isDirectory() || info.isSymbolicLink()) names = await readdir(sshDir);
  } catch {
    names = [];
  }
  const candidates = names.filter((n) => isKeyFileName(n) && !n.endsWith('.pub') && !notKeys.has(n) && !n.startsWith('known_hosts'));
  const keys = (await Promise.all(candidates.map((n) => describeFile(sshDir, n, agent.blobs)))).filter((k): k is KeyFile => k !== undefined);
  const rank = (k: KeyFile) => (k.isDefault ? (defaultKeyNames as readonly string[]).indexOf(k.name) : defaultKeyNames.length);
  keys.sort((a, b) => rank(a) - rank(b) || a.name.localeCompare(b.name));
  return { folder: sshDir, agent: { status: agent.status, keyCount: agent.blobs.length }, keys };
}
