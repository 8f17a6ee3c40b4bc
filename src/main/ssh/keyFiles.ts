import { lstat, readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import ssh2, { type ParsedKey } from 'ssh2';
import { appError, type AppError } from '../../shared/errors';
import type { SshKeyList } from '../../shared/ipc/contract';
import { err, ok, type Result } from '../../shared/result';
import { fingerprintOf, keyTypeOf } from './knownHosts';
import { parseOneKey } from './sshClient';
import { defaultKeyNames, publicBlobOfOpenSshKey, readPublicKeyFile } from './sshSettings';
import { compareText } from '../../shared/text';

// ssh2 is CommonJS: OpenSSHAgent is only reachable through the default export in the built bundle.
const { OpenSSHAgent } = ssh2;

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
  const key = parseOneKey(data);
  const encrypted = key instanceof Error && /no passphrase given/i.test(key.message);
  const problem = key instanceof Error && !encrypted ? `The app cannot read this key (${key.message}).` : null;
  // A locked key's public half is in clear in the OpenSSH format, or else in the .pub file beside it.
  const pub = key instanceof Error || key.comment === '' ? await readPublicKeyFile(path) : undefined;
  const blob = !(key instanceof Error) ? key.getPublicSSH() : encrypted ? (publicBlobOfOpenSshKey(text) ?? pub?.blob) : undefined;
  const type = blob === undefined ? '' : keyTypeOf(blob);
  return {
    name,
    type: type === '' ? null : keyTypeName(type),
    fingerprint: blob === undefined ? null : fingerprintOf(blob),
    comment: (!(key instanceof Error) && key.comment !== '' ? key.comment : pub?.comment) ?? '',
    encrypted,
    isDefault: (defaultKeyNames as readonly string[]).includes(name),
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
        const parsed = parseOneKey(k as ParsedKey | Buffer | string);
        return parsed instanceof Error ? [] : [parsed.getPublicSSH()];
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
  keys.sort((a, b) => rank(a) - rank(b) || compareText(a.name, b.name));
  return { folder: sshDir, agent: { status: agent.status, keyCount: agent.blobs.length }, keys };
}
