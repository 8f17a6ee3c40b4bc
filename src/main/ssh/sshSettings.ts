import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { join, resolve } from 'node:path';
import type { ParsedKey } from 'ssh2';
import { appError, type AppError } from '../../shared/errors';
import { err, ok, type Result } from '../../shared/result';
import { parseOneKey, type SshAuthMethod, type SshTarget, type UnlockOutcome } from './sshClient';
import { SshConfigFile, type ResolvedChain, type ResolvedHost } from './sshConfig';
import { errnoOf } from '../errno';

/**
 * The person's own SSH setup, as their ssh command would use it: ~/.ssh/config (aliases, HostName, User, Port,
 * IdentityFile, IdentitiesOnly, IdentityAgent, ProxyJump), ssh-agent (SSH_AUTH_SOCK), their key files, and keys
 * they pick (the CLI's --identity). resolveTarget turns a machine's address into the SshTarget the pool connects to.
 *
 * Logging in tries, on one connection and in OpenSSH's order, the agent's keys and then each key file the agent
 * does not hold: the files named by the caller and by IdentityFile, or else the default ~/.ssh/id_ed25519,
 * id_ecdsa and id_rsa that exist. A passphrase-protected key file is unlocked only when its turn comes and the
 * machine has said it accepts that key; the passphrase is asked through askPassphrase (three tries). The decrypted
 * key is kept in this object's memory only, so each key is asked for once per SshSettings (the app makes one per
 * check); the passphrase itself is dropped as soon as the key is decrypted. Nothing is written anywhere, and no
 * key or passphrase is ever logged. Without askPassphrase, or when the person declines, the key is skipped; if no
 * other key works the error says to add it to ssh-agent with ssh-add.
 */

/** What a person is asked for a passphrase-protected key. */
export interface PassphraseRequest {
  keyPath: string;
  /** The machine being logged in to. */
  host: string;
  /** 1 for the first ask, 2 and 3 after a wrong passphrase. */
  attempt: number;
}

export interface SshSettingsOptions {
  homeDir: string;
  env: Record<string, string | undefined>;
  /** Default ~/.ssh/config. A missing file is an empty config. */
  configPath?: string;
  /** Default ~/.ssh/known_hosts. */
  knownHostsPath?: string;
  /** Keys the person picked (the CLI's --identity, the app's key list): tried before the config's IdentityFile entries. */
  identityFiles?: readonly string[];
  /**
   * Whether ~/.ssh/id_ed25519, id_ecdsa and id_rsa are tried when neither identityFiles nor the config name a key,
   * as ssh does. Default true; false when the person picked their keys in the app, so unpicking a key means it is
   * not offered.
   */
  defaultKeys?: boolean;
  /** Asks for a key's passphrase; resolves null when the person skips the key. `signal` aborts when the login is abandoned. */
  askPassphrase?: (request: PassphraseRequest, signal: AbortSignal) => Promise<string | null>;
  /** The remote user when neither the request nor the config names one. Default: the local user, as ssh does. */
  defaultUser?: string;
  /** The local user name (%u, Match localuser). Default: $USER, $LOGNAME or the system's. */
  localUser?: string;
  /** Technical log for the main-process log; gets paths and reasons, never keys or passphrases. */
  log?: (message: string) => void;
}

/** A machine as the design (or a command line) names it. */
export interface TargetRequest {
  /** An address, or an alias from ~/.ssh/config. */
  host: string;
  /** Wins over the config's Port, like `ssh -p`. */
  port?: number;
  /** Wins over the config's User, like `ssh user@host`. */
  user?: string;
}

/** The key files OpenSSH tries, in its order, when no IdentityFile is configured. */
export const defaultKeyNames = ['id_ed25519', 'id_ecdsa', 'id_rsa'] as const;
const maxPassphraseTries = 3;

type LockedReason = Extract<UnlockOutcome, { ok: false }>['reason'];

/** The public key blob an OpenSSH private key file carries in clear, even when the private part is encrypted. */
export function publicBlobOfOpenSshKey(text: string): Buffer | undefined {
  const match = /-----BEGIN OPENSSH PRIVATE KEY-----\s*([\s\S]+?)\s*-----END OPENSSH PRIVATE KEY-----/.exec(text);
  if (match === null) return undefined;
  const data = Buffer.from(match[1]!.replace(/\s+/g, ''), 'base64');
  const magic = 'openssh-key-v1\0';
  if (data.subarray(0, magic.length).toString('latin1') !== magic) return undefined;
  let at = magic.length;
  const readString = (): Buffer | undefined => {
    if (at + 4 > data.length) return undefined;
    const length = data.readUInt32BE(at);
    if (at + 4 + length > data.length) return undefined;
    const value = data.subarray(at + 4, at + 4 + length);
    at += 4 + length;
    return value;
  };
  // cipher name, kdf name, kdf options, number of keys, then the first public key.
  if (readString() === undefined || readString() === undefined || readString() === undefined) return undefined;
  if (at + 4 > data.length || data.readUInt32BE(at) < 1) return undefined;
  at += 4;
  return readString();
}

/** The key blob and comment of `<key>.pub`, when it lies next to the key. */
export async function readPublicKeyFile(path: string): Promise<{ blob: Buffer; comment: string } | undefined> {
  try {
    const fields = (await readFile(`${path}.pub`, 'utf8')).trim().split(/\s+/);
    return fields[1] === undefined ? undefined : { blob: Buffer.from(fields[1], 'base64'), comment: fields.slice(2).join(' ') };
  } catch {
    return undefined;
  }
}

function digestOf(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}


/** The person's SSH configuration, agent and keys, turned into SshTargets. */
export class SshSettings {
  /** The known_hosts file host keys are checked against and recorded in. */
  readonly knownHostsPath: string;
  /** The ssh config file read (it need not exist). */
  readonly configPath: string;
  private readonly options: SshSettingsOptions;
  private readonly localUser: string;
  private config: Promise<Result<SshConfigFile, AppError>> | undefined;
  /** Decrypted keys by path, with the digest of the file they came from (a changed file is asked about again). */
  private readonly unlocked = new Map<string, { digest: string; key: ParsedKey }>();
  private readonly unlocking = new Map<string, Promise<UnlockOutcome>>();
  /** Keys the person declined or got wrong three times: not asked about again by this object. */
  private readonly refused = new Map<string, { digest: string; reason: LockedReason }>();

  constructor(options: SshSettingsOptions) {
    this.options = options;
    this.configPath = options.configPath ?? join(options.homeDir, '.ssh', 'config');
    this.knownHostsPath = options.knownHostsPath ?? join(options.homeDir, '.ssh', 'known_hosts');
    this.localUser = options.localUser ?? options.env.USER ?? options.env.LOGNAME ?? SshSettings.systemUser();
  }

  private static systemUser(): string {
    try {
      return userInfo().username;
    } catch {
      return 'root';
    }
  }

  /** Reads the config file (once; later calls share the result). A missing file is fine; a broken one is sshConfigInvalid. */
  loadConfig(): Promise<Result<SshConfigFile, AppError>> {
    this.config ??= SshConfigFile.load(this.configPath, { homeDir: this.options.homeDir, env: this.options.env, localUser: this.localUser, defaultUser: this.options.defaultUser });
    return this.config;
  }

  /**
   * The SshTarget for a machine: the config applied to its address or alias, the ProxyJump chain as `jump`, and
   * the ways to log in. Fails with sshConfigInvalid for a broken config and sshNoIdentity when there is neither an
   * agent nor a usable key file; a wrong or missing passphrase only shows when logging in.
   */
  async resolveTarget(input: TargetRequest, signal?: AbortSignal): Promise<Result<SshTarget, AppError>> {
    if (signal?.aborted === true) return err(appError('sshCancelled', { host: input.host, port: input.port ?? 22 }));
    const config = await this.loadConfig();
    if (!config.ok) return config;
    const chain = config.value.resolveChain(input.host, { user: input.user, port: input.port });
    if (!chain.ok) return chain;
    return this.toTarget(chain.value);
  }

  /** Drops every decrypted key from memory (the next login asks again). */
  forgetKeys(): void {
    this.unlocked.clear();
    this.refused.clear();
  }

  private async toTarget(chain: ResolvedChain): Promise<Result<SshTarget, AppError>> {
    const auth = await this.authFor(chain);
    if (!auth.ok) return auth;
    let jump: SshTarget | undefined;
    if (chain.jump !== undefined) {
      const resolved = await this.toTarget(chain.jump);
      if (!resolved.ok) return resolved;
      jump = resolved.value;
    }
    return ok({ host: chain.hostName, port: chain.port, username: chain.user, auth: auth.value, ...(jump === undefined ? {} : { jump }) });
  }

  /** The ways to log in to one host, in OpenSSH's order: the agent, then the key files. */
  private async authFor(host: ResolvedHost): Promise<Result<SshAuthMethod[], AppError>> {
    const named = [...(this.options.identityFiles ?? []).map((p) => this.expandHome(p)), ...host.identityFiles];
    const files = [...new Set(named)];
    const usingDefaults = files.length === 0 && this.options.defaultKeys !== false;
    const candidates = usingDefaults ? defaultKeyNames.map((name) => join(this.options.homeDir, '.ssh', name)) : files;
    const methods: SshAuthMethod[] = [];
    const publicBlobs: Buffer[] = [];
    const problems: string[] = [];
    for (const path of candidates) {
      let data: Buffer;
      try {
        data = await readFile(path);
      } catch (cause) {
        const errno = errnoOf(cause) ?? 'unknown';
        if (errno === 'ENOENT' && usingDefaults) continue;
        problems.push(errno === 'ENOENT' ? `${path} does not exist` : `${path} could not be read (${errno})`);
        continue;
      }
      const parsed = parseOneKey(data);
      if (parsed instanceof Error) {
        if (/no passphrase given/i.test(parsed.message)) {
          const publicKey = publicBlobOfOpenSshKey(data.toString('latin1')) ?? (await readPublicKeyFile(path))?.blob;
          if (publicKey !== undefined) publicBlobs.push(publicKey);
          methods.push({ type: 'lockedKey', label: path, ...(publicKey === undefined ? {} : { publicKey }), unlock: (signal) => this.unlock(path, data, host.hostName, signal) });
        } else {
          problems.push(`${path} is not a private key the app can read (${parsed.message})`);
          this.options.log?.(`ssh: skipping ${path}: ${parsed.message}`);
        }
        continue;
      }
      if (!parsed.isPrivateKey()) {
        problems.push(`${path} is a public key; name the private key file instead`);
        continue;
      }
      publicBlobs.push(parsed.getPublicSSH());
      methods.push({ type: 'key', label: path, privateKey: parsed });
    }

    let agent: 'notSet' | 'disabled' | 'missing' | 'ok' = 'notSet';
    const socket = host.agentSocket;
    if (socket !== null) {
      try {
        await stat(socket);
        agent = 'ok';
        methods.unshift({ type: 'agent', socket, ...(host.identitiesOnly ? { onlyKeys: publicBlobs } : {}) });
      } catch {
        agent = 'missing';
      }
    } else if (this.options.env.SSH_AUTH_SOCK !== undefined && this.options.env.SSH_AUTH_SOCK !== '') agent = 'disabled';
    if (methods.length === 0) {
      return err(appError('sshNoIdentity', { host: host.hostName, port: host.port, username: host.user, agent, ...(socket === null ? {} : { agentSocket: socket }), keyFiles: candidates, problems }));
    }
    for (const problem of problems) this.options.log?.(`ssh ${host.hostName}: ${problem}`);
    return ok(methods);
  }

  private expandHome(path: string): string {
    if (path === '~' || path.startsWith('~/')) return join(this.options.homeDir, path.slice(1));
    return resolve(path);
  }

  /** Unlocks a key file: from memory, or by asking (one question per key at a time, however many logins wait for it). */
  private async unlock(path: string, data: Buffer, host: string, signal: AbortSignal): Promise<UnlockOutcome> {
    const digest = digestOf(data);
    const known = this.unlocked.get(path);
    if (known?.digest === digest) return { ok: true, key: known.key };
    const refused = this.refused.get(path);
    if (refused?.digest === digest) return { ok: false, reason: refused.reason };
    const ask = this.options.askPassphrase;
    if (ask === undefined) return { ok: false, reason: 'noPrompt' };
    const running = this.unlocking.get(path);
    if (running !== undefined) {
      const outcome = await running;
      // The login that asked was abandoned; this one still wants the key, so it asks itself.
      if (!outcome.ok && outcome.reason === 'cancelled' && !signal.aborted) return this.unlock(path, data, host, signal);
      return outcome;
    }
    const asking = this.askUntilUnlocked(ask, path, data, digest, host, signal).finally(() => this.unlocking.delete(path));
    this.unlocking.set(path, asking);
    return asking;
  }

  private async askUntilUnlocked(ask: NonNullable<SshSettingsOptions['askPassphrase']>, path: string, data: Buffer, digest: string, host: string, signal: AbortSignal): Promise<UnlockOutcome> {
    for (let attempt = 1; attempt <= maxPassphraseTries; attempt += 1) {
      if (signal.aborted) return { ok: false, reason: 'cancelled' };
      let answer: string | null;
      try {
        answer = await ask({ keyPath: path, host, attempt }, signal);
      } catch (cause) {
        this.options.log?.(`ssh: asking for the passphrase of ${path} failed: ${(cause as Error).message}`);
        answer = null;
      }
      if (signal.aborted) return { ok: false, reason: 'cancelled' };
      if (answer === null) {
        this.refused.set(path, { digest, reason: 'declined' });
        return { ok: false, reason: 'declined' };
      }
      const parsed = parseOneKey(data, answer);
      if (!(parsed instanceof Error)) {
        this.unlocked.set(path, { digest, key: parsed });
        return { ok: true, key: parsed };
      }
      if (!/bad passphrase|bad decrypt|integrity/i.test(parsed.message)) {
        this.options.log?.(`ssh: ${path} could not be decrypted: ${parsed.message}`);
        return { ok: false, reason: 'unusable' };
      }
      this.options.log?.(`ssh: wrong passphrase for ${path} (try ${attempt} of ${maxPassphraseTries})`);
    }
    this.refused.set(path, { digest, reason: 'wrongPassphrase' });
    return { ok: false, reason: 'wrongPassphrase' };
  }
}
