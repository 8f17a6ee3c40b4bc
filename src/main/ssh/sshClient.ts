import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import ssh2, { BaseAgent, Client, type AnyAuthMethod, type AuthenticationType, type ClientChannel, type ConnectConfig, type NextAuthHandler, type ParsedKey, type ServerHostKeyAlgorithm, type SFTPWrapper, type SignCallback, type SigningRequestOptions } from 'ssh2';

// ssh2 is CommonJS: Node's ESM loader only finds some of its exports by name (OpenSSHAgent is not among them), so
// the built bundle takes them from the default export.
const { OpenSSHAgent, utils } = ssh2;
import { appError, type AppError } from '../../shared/errors';
import { err, ok, type Result } from '../../shared/result';
import { addKnownHost, checkHostKey, fingerprintOf, keyTypeOf, knownKeyTypes, readKnownHosts } from './knownHosts';
import { buildKillGroupCommand, buildRemoteCommand } from './quote';
import { errnoOf } from '../errno';

/**
 * SSH to the machines of a design, on ssh2 (pure JS). One connection per machine is opened on first use and reused
 * for every command; keepalives notice a dead link; connects and commands have time limits; an AbortSignal cancels a
 * connect or a command at once. Host keys are checked against known_hosts in OpenSSH's format: a new key is shown to
 * the person (trust on first use) or refused (strict), and a changed key is always refused. Jump hosts (ProxyJump)
 * are reached by opening a direct-tcpip channel over the jump host's own pooled connection.
 *
 * Logging in walks the endpoint's ways to log in (SshAuthMethod: ssh-agent, key files, passphrase-protected key
 * files) on one connection through ssh2's authHandler, in OpenSSH's order; SshSettings builds that list from the
 * person's ~/.ssh/config. SFTP sessions for uploads run on the same pooled connections (sftp()).
 *
 * Expected failures come back as Result values with the codes in shared/errors.ts; nothing here throws for them.
 */

/** A machine to log in to. */
export interface SshEndpoint {
  /** Address or name, exactly as it is written to known_hosts. */
  host: string;
  port?: number;
  username: string;
  /** An OpenSSH or PEM private key, tried first. Kept in main; never sent to the renderer. */
  privateKey?: string | Buffer;
  passphrase?: string;
  /** Further ways to log in, tried in this order on the same connection after `privateKey` (see SshSettings). */
  auth?: readonly SshAuthMethod[];
}

/** What unlocking a passphrase-protected key came to. */
export type UnlockOutcome =
  | { ok: true; key: ParsedKey }
  | {
      ok: false;
      /** noPrompt: nobody can be asked; declined: the person gave none; wrongPassphrase: three wrong tries; unusable: not a key ssh2 reads. */
      reason: 'noPrompt' | 'declined' | 'wrongPassphrase' | 'cancelled' | 'unusable';
    };

/**
 * One way to log in. A connection tries them in order, like OpenSSH: ssh-agent keys first, then key files the
 * agent does not hold. Keys the agent already offered are not offered again (each refused offer counts against the
 * server's MaxAuthTries).
 */
export type SshAuthMethod =
  | {
      type: 'agent';
      /** The ssh-agent's socket. */
      socket: string;
      /** IdentitiesOnly: offer only the agent keys with these public key blobs. */
      onlyKeys?: readonly Buffer[];
    }
  | {
      type: 'key';
      /** Where the key came from (a path), for messages and logs; never the key itself. */
      label: string;
      /** An unencrypted private key, or a key ssh2 parsed (and decrypted). */
      privateKey: string | Buffer | ParsedKey;
      passphrase?: string;
    }
  | {
      type: 'lockedKey';
      /** The key file's path. */
      label: string;
      /**
       * The public key blob when it is known without the passphrase (OpenSSH keys carry it in clear, or a .pub file
       * lies next to the key). Then the passphrase is asked only once the machine has said it accepts this key, as
       * OpenSSH does; without it, it is asked when the key's turn comes.
       */
      publicKey?: Buffer;
      /** Decrypts the key, asking for its passphrase. The connect time limit does not run meanwhile. */
      unlock(signal: AbortSignal): Promise<UnlockOutcome>;
    };

/** A machine, optionally reached through a jump host (which may itself have one, like ProxyJump a,b). */
export interface SshTarget extends SshEndpoint {
  jump?: SshTarget;
}

/** What a person is asked when a machine presents a key known_hosts does not hold. */
export interface HostKeyPrompt {
  host: string;
  port: number;
  keyType: string;
  /** `SHA256:...`, as `ssh-keygen -lf` prints it on the machine. */
  fingerprint: string;
  /** Key types known_hosts does hold for this host (a different type is not proof of a change, but worth a look). */
  otherKeyTypes: string[];
}

/** How unknown host keys are treated. A changed or revoked key is refused under every policy. */
export type HostKeyPolicy =
  | { mode: 'strict' }
  | {
      mode: 'tofu';
      /** Asks the person; resolves true to trust and record the key. `signal` aborts when the connect is abandoned. */
      confirm(prompt: HostKeyPrompt, signal: AbortSignal): Promise<boolean>;
    };

/** An SFTP session on a pooled connection. End it when done; the connection stays open for other work. */
export type SftpSession = SFTPWrapper;

export interface SshClientOptions {
  knownHostsPath: string;
  hostKeyPolicy: HostKeyPolicy;
  /** Limit for TCP connect plus SSH handshake and login, not counting time spent waiting for a person. */
  connectTimeoutMs?: number;
  keepaliveIntervalMs?: number;
  /** Unanswered keepalives before the connection counts as lost. */
  keepaliveCountMax?: number;
  /** Write new known_hosts entries hashed (OpenSSH's HashKnownHosts). Default true. */
  hashKnownHosts?: boolean;
  /** Technical log for the main-process log (never shown as a message). */
  log?: (message: string) => void;
}

export interface ExecOptions {
  /** The command is stopped (channel closed, remote process group killed) after this long. Default 60 s. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Sent to the program's standard input (a secret that must not appear in its arguments); none by default. */
  input?: string | Buffer;
  /** Receives the program's output as it arrives (a build log); the result still carries all of stdout. */
  onStdout?: (text: string) => void;
  /**
   * Receives the program's error output as it arrives. With it, the result keeps only the last 64 KB of stderr, so a
   * long build log does not pile up in memory.
   */
  onStderr?: (text: string) => void;
  /** The command runs under `sudo -n`: stopping it kills its process group as root (see buildKillGroupCommand). */
  privileged?: boolean;
}

export interface ExecResult {
  /** Exit status; null when the process died from a signal. */
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

const defaults = { connectTimeoutMs: 10_000, keepaliveIntervalMs: 5_000, keepaliveCountMax: 3, execTimeoutMs: 60_000 };

/** A pooled connection and what went into it. */
interface Connection {
  client: Client;
  target: SshTarget;
  closed: boolean;
  /** Kills of stopped commands still on their way: closing waits for them (else the command would live on). */
  kills: Set<Promise<void>>;
}

/** Ends a connection once the kills sent over it are done (each gives up after a few seconds). */
function destroyAfterKills(connection: Connection): void {
  connection.closed = true;
  if (connection.kills.size === 0) {
    connection.client.destroy();
    return;
  }
  void Promise.allSettled([...connection.kills]).then(() => connection.client.destroy());
}

/** A connect in progress, shared by every caller asking for the same machine; abandoned when all of them cancel. */
interface PendingConnect {
  promise: Promise<Result<Connection, AppError>>;
  controller: AbortController;
  waiters: number;
}

function portOf(endpoint: SshEndpoint): number {
  return endpoint.port ?? 22;
}

/** The pool key: the whole hop chain, so the same machine reached two ways gets two connections. */
/** How much error output a streamed command keeps for its result (the rest went to onStderr). */
const STREAMED_STDERR_KEPT = 64 * 1024;

function keyOf(target: SshTarget): string {
  const self = `${target.username}@${target.host}:${portOf(target)}`;
  return target.jump === undefined ? self : `${keyOf(target.jump)}>${self}`;
}

function hostDetails(target: SshTarget): Record<string, unknown> {
  return { host: target.host, port: portOf(target), ...(target.jump === undefined ? {} : { via: target.jump.host }) };
}

/** A pool of SSH connections, one per machine, reused for every command. */
export class SshClientPool {
  private readonly options: Required<Omit<SshClientOptions, 'log'>> & Pick<SshClientOptions, 'log'>;
  private readonly connections = new Map<string, Connection>();
  /** Host keys seen for the first time and trusted by this pool ("host:port" -> the key), so a report can say so. */
  private readonly trustedNow = new Map<string, { keyType: string; fingerprint: string }>();
  private readonly pending = new Map<string, PendingConnect>();
  private closedForGood = false;

  constructor(options: SshClientOptions) {
    this.options = {
      connectTimeoutMs: defaults.connectTimeoutMs,
      keepaliveIntervalMs: defaults.keepaliveIntervalMs,
      keepaliveCountMax: defaults.keepaliveCountMax,
      hashKnownHosts: true,
      ...options,
    };
  }

  /** Opens (or reuses) the connection to a machine. */
  async connect(target: SshTarget, signal?: AbortSignal): Promise<Result<void, AppError>> {
    const result = await this.getConnection(target, signal);
    return result.ok ? ok(undefined) : result;
  }

  /**
   * Runs one program on a machine. The command line is built from `argv` by the quoting helper only; the result
   * carries the exit status and output, or a coded error for timeouts, cancellation and lost connections.
   */
  /** The host key of `target` if this pool saw it for the first time and it was trusted (and recorded); else null. */
  trustedOnFirstUse(target: SshTarget): { keyType: string; fingerprint: string } | null {
    return this.trustedNow.get(`${target.host}:${portOf(target)}`) ?? null;
  }

  async exec(target: SshTarget, argv: readonly string[], options: ExecOptions = {}): Promise<Result<ExecResult, AppError>> {
    const connection = await this.getConnection(target, options.signal);
    if (!connection.ok) return connection;
    return this.execOn(connection.value, argv, options);
  }

  /**
   * Opens an SFTP session on the machine's pooled connection (opening the connection if needed). The caller ends
   * the session when done; that does not close the connection.
   */
  async sftp(target: SshTarget, signal?: AbortSignal): Promise<Result<SftpSession, AppError>> {
    const connection = await this.getConnection(target, signal);
    if (!connection.ok) return connection;
    const { client } = connection.value;
    const details = hostDetails(target);
    if (signal?.aborted === true) return err(appError('sshCancelled', details));
    return new Promise((resolve) => {
      let settled = false;
      const onAbort = () => {
        settled = true;
        resolve(err(appError('sshCancelled', details)));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      try {
        client.sftp((error, session) => {
          signal?.removeEventListener('abort', onAbort);
          if (settled) {
            session?.end();
            return;
          }
          settled = true;
          if (error !== undefined && error !== null) {
            this.options.log?.(`ssh ${target.host}: sftp: ${error.message}`);
            resolve(err(appError(connection.value.closed ? 'sshConnectionLost' : 'sshFailed', { ...details, message: `the SFTP subsystem could not be started (${error.message})` })));
          } else resolve(ok(session));
        });
      } catch (error) {
        signal?.removeEventListener('abort', onAbort);
        settled = true;
        resolve(err(appError('sshConnectionLost', { ...details, message: (error as Error).message })));
      }
    });
  }

  /**
   * Closes the pooled connection to one machine (and abandons a connect in progress), so the next call opens a new
   * one: the way to prove the machine still accepts new connections, not just the one already open.
   */
  close(target: SshTarget): void {
    const key = keyOf(target);
    this.pending.get(key)?.controller.abort();
    this.pending.delete(key);
    const connection = this.connections.get(key);
    if (connection !== undefined) destroyAfterKills(connection);
    this.connections.delete(key);
  }

  /** Closes every connection and abandons connects in progress; the pool can still be used afterwards. */
  closeAll(): void {
    for (const pending of this.pending.values()) pending.controller.abort();
    this.pending.clear();
    // A machine behind a jump host is reached through the jump host's connection: every connection waits for every
    // kill still on its way, so none is cut off under a kill that goes through it.
    const all = [...this.connections.values()];
    const kills = all.flatMap((connection) => [...connection.kills]);
    for (const connection of all) connection.kills = new Set(kills);
    for (const connection of all) destroyAfterKills(connection);
    this.connections.clear();
  }

  /** Closes everything; later calls fail with sshCancelled. */
  dispose(): void {
    this.closedForGood = true;
    this.closeAll();
  }

  private async getConnection(target: SshTarget, signal?: AbortSignal): Promise<Result<Connection, AppError>> {
    if (this.closedForGood || signal?.aborted === true) return err(appError('sshCancelled', hostDetails(target)));
    const key = keyOf(target);
    const existing = this.connections.get(key);
    if (existing !== undefined && !existing.closed) return ok(existing);
    let pending = this.pending.get(key);
    if (pending === undefined) {
      const controller = new AbortController();
      const promise = this.openConnection(target, controller.signal).then((result) => {
        if (this.pending.get(key) === created) this.pending.delete(key);
        if (result.ok) {
          this.connections.set(key, result.value);
          result.value.client.once('close', () => {
            result.value.closed = true;
            if (this.connections.get(key) === result.value) this.connections.delete(key);
          });
        }
        return result;
      });
      const created: PendingConnect = { promise, controller, waiters: 0 };
      pending = created;
      this.pending.set(key, created);
    }
    const shared = pending;
    shared.waiters += 1;
    if (signal === undefined) return shared.promise;
    return new Promise((resolve) => {
      const onAbort = () => {
        shared.waiters -= 1;
        if (shared.waiters === 0) shared.controller.abort();
        resolve(err(appError('sshCancelled', hostDetails(target))));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      void shared.promise.then((result) => {
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      });
    });
  }

  /** Opens the TCP (or jump-host) stream, checks the host key and logs in, within the connect time limit. */
  private async openConnection(target: SshTarget, signal: AbortSignal): Promise<Result<Connection, AppError>> {
    const details = hostDetails(target);
    const port = portOf(target);
    let sock: Duplex | undefined;
    if (target.jump !== undefined) {
      const jump = await this.getConnection(target.jump, signal);
      if (!jump.ok) return jump;
      const stream = await this.forward(jump.value, target, signal);
      if (!stream.ok) return stream;
      sock = stream.value;
    }
    let knownTypes: string[] = [];
    try {
      knownTypes = knownKeyTypes(await readKnownHosts(this.options.knownHostsPath), target.host, port);
    } catch (error) {
      return err(appError('knownHostsAccessFailed', { ...details, path: this.options.knownHostsPath, errno: errnoOf(error) ?? 'unknown' }));
    }

    return new Promise((resolve) => {
      const client = new Client();
      let settled = false;
      let hostKeyError: AppError | undefined;
      let timer: NodeJS.Timeout | undefined;
      let remainingMs = this.options.connectTimeoutMs;
      let startedAt = Date.now();
      let paused = false;
      const finish = (result: Result<Connection, AppError>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        if (!result.ok) {
          client.destroy();
          sock?.destroy();
        }
        resolve(result);
      };
      const startTimer = () => {
        paused = false;
        startedAt = Date.now();
        timer = setTimeout(() => finish(err(appError('sshHostUnreachable', { ...details, reason: 'timeout', timeoutMs: this.options.connectTimeoutMs }))), remainingMs);
      };
      // The time limit does not run while a person looks at a fingerprint or types a passphrase.
      const pauseTimer = () => {
        if (paused) return;
        paused = true;
        clearTimeout(timer);
        remainingMs = Math.max(0, remainingMs - (Date.now() - startedAt));
      };
      const auth = createAuthenticator(target, signal, { pause: pauseTimer, resume: () => !settled && startTimer(), isOpen: () => !settled }, this.options.log);
      const onAbort = () => finish(err(appError('sshCancelled', details)));
      signal.addEventListener('abort', onAbort, { once: true });

      const hostVerifier = (keyBlob: Buffer, verify: (valid: boolean) => void) => {
        void this.verifyHostKey(target, keyBlob, signal, pauseTimer, startTimer).then((outcome) => {
          if (outcome !== undefined) hostKeyError = outcome;
          // The connection may have ended while the key was being checked or a person looked at it (cancelled, out
          // of time, hung up): ssh2 has then torn down its protocol state, and a verdict given now throws inside it
          // (doFatalError calls the destroyed protocol), which would take the whole process down.
          if (settled) return;
          try {
            verify(outcome === undefined);
          } catch (error) {
            finish(err(hostKeyError ?? appError('sshFailed', { ...details, message: (error as Error).message })));
          }
        });
      };

      client.on('ready', () => finish(ok({ client, target, closed: false, kills: new Set() })));
      // The far end hung up. Over a jump host this is all that arrives: the direct-tcpip channel stays half-open (the
      // jump host's sshd waits for our side to close it), and ssh2 neither closes it nor lets client.destroy() do so
      // once its read side has ended. Nothing more can come in, so the channel is destroyed here; the connection then
      // closes and commands still running end with sshConnectionLost at once.
      client.on('end', () => sock?.destroy());
      client.on('error', (error: Error & { level?: string; code?: string }) => {
        this.options.log?.(`ssh ${target.host}:${port}: ${error.level ?? ''} ${error.message}`);
        if (hostKeyError !== undefined) finish(err(hostKeyError));
        // An agent that cannot be reached or will not sign, or a key that cannot sign: ssh2 goes on with the next key.
        else if (error.level === 'agent' || (error.level === 'client-authentication' && !auth.exhausted)) return;
        else if (error.level === 'client-authentication') finish(err(auth.failure(details)));
        else if (error.level === 'client-socket' || typeof error.code === 'string') {
          finish(err(appError('sshHostUnreachable', { ...details, reason: error.code ?? 'ECONNRESET', timeoutMs: this.options.connectTimeoutMs })));
        } else finish(err(appError('sshFailed', { ...details, message: error.message })));
      });
      client.on('close', () => finish(err(hostKeyError ?? appError('sshHostUnreachable', { ...details, reason: 'ECONNRESET', timeoutMs: this.options.connectTimeoutMs }))));

      const config: ConnectConfig = {
        host: target.host,
        port,
        username: target.username,
        authHandler: auth.handler,
        sock,
        readyTimeout: 0, // our own timer, which pauses while a person decides about a host key
        keepaliveInterval: this.options.keepaliveIntervalMs,
        keepaliveCountMax: this.options.keepaliveCountMax,
        hostVerifier,
        // As OpenSSH does: prefer the key types known_hosts already holds for this host, so a known host is checked
        // against the key it recorded rather than asked about a new type.
        ...(knownTypes.length > 0 ? { algorithms: { serverHostKey: preferKeyTypes(knownTypes) } } : {}),
      };
      startTimer();
      const keyProblem = auth.legacyKeyProblem();
      if (keyProblem !== undefined) {
        finish(err(appError('sshFailed', { ...details, message: keyProblem })));
        return;
      }
      try {
        client.connect(config);
        // SSH packets are small and answered one by one; with Nagle's algorithm on, each handshake step waits for
        // the delayed ACK (about 40 ms per connection here).
        client.setNoDelay(true);
      } catch (error) {
        finish(err(appError('sshFailed', { ...details, message: (error as Error).message })));
      }
    });
  }

  /** Checks a presented host key; undefined means trusted (now or after the person agreed), otherwise the refusal. */
  private async verifyHostKey(target: SshTarget, keyBlob: Buffer, signal: AbortSignal, pauseTimer: () => void, resumeTimer: () => void): Promise<AppError | undefined> {
    const port = portOf(target);
    const path = this.options.knownHostsPath;
    const fingerprint = fingerprintOf(keyBlob);
    const keyType = keyTypeOf(keyBlob);
    const details = { ...hostDetails(target), fingerprint, keyType };
    try {
      const status = checkHostKey(await readKnownHosts(path), target.host, port, keyBlob);
      switch (status.status) {
        case 'trusted':
          return undefined;
        case 'revoked':
          return appError('sshHostKeyRevoked', { ...details, knownHostsFile: path, line: status.line });
        case 'changed':
          return appError('sshHostKeyChanged', { ...details, knownFingerprint: status.knownFingerprint, knownHostsFile: path, line: status.line });
        case 'unknown': {
          const policy = this.options.hostKeyPolicy;
          if (policy.mode === 'strict') return appError('sshHostKeyUnknown', details);
          pauseTimer();
          const trusted = await policy.confirm({ host: target.host, port, keyType, fingerprint, otherKeyTypes: status.otherKeyTypes }, signal).catch(() => false);
          if (signal.aborted) return appError('sshCancelled', hostDetails(target));
          if (!trusted) return appError('sshHostKeyRejected', details);
          await addKnownHost(path, target.host, port, keyBlob, { hashed: this.options.hashKnownHosts });
          this.trustedNow.set(`${target.host}:${port}`, { keyType, fingerprint });
          resumeTimer();
          return undefined;
        }
      }
    } catch (error) {
      return appError('knownHostsAccessFailed', { ...hostDetails(target), path, errno: errnoOf(error) ?? 'unknown' });
    }
  }

  /** A direct-tcpip channel from the jump host to the target: the stream the target's SSH connection runs over. */
  private forward(jump: Connection, target: SshTarget, signal: AbortSignal): Promise<Result<Duplex, AppError>> {
    const details = hostDetails(target);
    return new Promise((resolve) => {
      let settled = false;
      const settle = (result: Result<Duplex, AppError>) => {
        if (settled) {
          if (result.ok) result.value.destroy();
          return;
        }
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const timer = setTimeout(() => settle(err(appError('sshHostUnreachable', { ...details, reason: 'timeout', timeoutMs: this.options.connectTimeoutMs }))), this.options.connectTimeoutMs);
      const onAbort = () => settle(err(appError('sshCancelled', details)));
      signal.addEventListener('abort', onAbort, { once: true });
      try {
        jump.client.forwardOut('127.0.0.1', 0, target.host, portOf(target), (error, stream) => {
          if (error !== undefined && error !== null) {
            this.options.log?.(`ssh forward via ${jump.target.host} to ${target.host}: ${error.message}`);
            settle(err(appError('sshHostUnreachable', { ...details, reason: 'forwardRefused', timeoutMs: this.options.connectTimeoutMs })));
          } else settle(ok(stream));
        });
      } catch (error) {
        settle(err(appError('sshConnectionLost', { ...hostDetails(jump.target), message: (error as Error).message })));
      }
    });
  }

  /** Runs one command on an open connection; see exec. */
  private execOn(connection: Connection, argv: readonly string[], options: ExecOptions): Promise<Result<ExecResult, AppError>> {
    const { client, target } = connection;
    const details = hostDetails(target);
    const timeoutMs = options.timeoutMs ?? defaults.execTimeoutMs;
    const marker = `cndpid${randomBytes(8).toString('hex')}`;
    const command = buildRemoteCommand(argv, marker);
    const signal = options.signal;
    if (signal?.aborted === true) return Promise.resolve(err(appError('sshCancelled', details)));

    return new Promise((resolve) => {
      let settled = false;
      let channel: ClientChannel | undefined;
      let remotePid: number | undefined;
      let exit: { code: number | null; signal: string | null } | undefined;
      const stdout: Buffer[] = [];
      let stderr = Buffer.alloc(0);
      let markerSeen = false;

      const settle = (result: Result<ExecResult, AppError>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      // Stops the command: a KILL signal request for the program, a kill of its whole process group over a second
      // channel (sshd made the command a process group leader; the signal request alone would leave its children),
      // then the channel is closed. The result is returned at once; the kill finishes in the background.
      let killWhenPidArrives: ReturnType<typeof setTimeout> | undefined;
      // The KILL signal request reaches only the program sshd started. Under sudo that is sudo itself, and killing it
      // first would orphan the root processes below it out of reach of the tree kill, so privileged commands are
      // stopped by the tree kill alone.
      const signalKill = (target: ClientChannel) => {
        if (options.privileged === true) return;
        try {
          target.signal('KILL');
        } catch {
          // The channel is already gone.
        }
      };
      const stop = (error: AppError) => {
        if (settled) return;
        settle(err(error));
        if (channel === undefined) return;
        signalKill(channel);
        if (remotePid !== undefined) {
          this.killRemoteGroup(connection, remotePid, options.privileged === true);
          channel.close();
          return;
        }
        // Stopped before the pid line arrived (a cancel right after the start): keep the channel open a moment for
        // it, so the program's children are killed with it instead of surviving the closed channel.
        const waiting = channel;
        killWhenPidArrives = setTimeout(() => waiting.close(), 2_000);
      };
      const onAbort = () => stop(appError('sshCancelled', details));
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => stop(appError('sshCommandTimeout', { ...details, program: argv[0], timeoutMs })), timeoutMs);

      try {
        client.exec(command, (error, opened) => {
          if (error !== undefined && error !== null) {
            settle(err(appError('sshConnectionLost', { ...details, message: error.message })));
            return;
          }
          channel = opened;
          if (settled) {
            // Cancelled (or timed out) before the channel was confirmed, but the command may already be running on
            // the machine: stop it as stop() would have, and kill its group once its pid line arrives.
            signalKill(opened);
            killWhenPidArrives = setTimeout(() => opened.close(), 2_000);
          }
          // Without input a program that reads stdin sees end of file instead of waiting.
          if (options.input === undefined) opened.end();
          else opened.end(options.input);
          opened.on('data', (chunk: Buffer) => {
            stdout.push(chunk);
            options.onStdout?.(chunk.toString('utf8'));
          });
          opened.stderr.on('data', (chunk: Buffer) => {
            if (markerSeen && options.onStderr !== undefined) {
              options.onStderr(chunk.toString('utf8'));
              stderr = Buffer.concat([stderr, chunk]);
              if (stderr.length > STREAMED_STDERR_KEPT) stderr = stderr.subarray(stderr.length - STREAMED_STDERR_KEPT);
              return;
            }
            stderr = Buffer.concat([stderr, chunk]);
            if (markerSeen) return;
            // The pid line may follow messages the login shell printed first (a missing home folder, a motd script).
            const text = stderr.toString('latin1');
            const match = new RegExp(`(^|\\n)${marker} (\\d+)\\n`).exec(text);
            if (match !== null) {
              remotePid = Number(match[2]);
              const start = match.index + match[1]!.length;
              stderr = Buffer.concat([stderr.subarray(0, start), stderr.subarray(start + match[0].length - match[1]!.length)]);
              markerSeen = true;
              if (options.onStderr !== undefined && stderr.length > 0) options.onStderr(stderr.toString('utf8'));
              if (killWhenPidArrives !== undefined) {
                clearTimeout(killWhenPidArrives);
                this.killRemoteGroup(connection, remotePid, options.privileged === true);
                opened.close();
              }
            } else if (stderr.length > 65_536) markerSeen = true;
          });
          opened.on('exit', (code: number | null, signalName?: string) => {
            exit = { code: typeof code === 'number' ? code : null, signal: signalName ?? null };
          });
          opened.on('close', () => {
            if (exit === undefined) {
              settle(err(appError('sshConnectionLost', { ...details, message: 'the channel closed without an exit status' })));
              return;
            }
            settle(ok({ code: exit.code, signal: exit.signal, stdout: Buffer.concat(stdout).toString('utf8'), stderr: stderr.toString('utf8') }));
          });
        });
      } catch (error) {
        settle(err(appError('sshConnectionLost', { ...details, message: (error as Error).message })));
      }
    });
  }

  /** Best effort: kills a remote process group over a fresh channel, giving up after a few seconds. */
  private killRemoteGroup(connection: Connection, pid: number, sudo = false): void {
    if (connection.closed) return;
    let done!: () => void;
    const kill = new Promise<void>((resolve) => (done = resolve));
    connection.kills.add(kill);
    const finished = () => {
      connection.kills.delete(kill);
      done();
    };
    try {
      connection.client.exec(buildKillGroupCommand(pid, { sudo }), (error, channel) => {
        if (error !== undefined && error !== null) {
          finished();
          return;
        }
        const timer = setTimeout(() => channel.close(), 3_000);
        channel.on('close', () => {
          clearTimeout(timer);
          finished();
        });
        channel.resume();
        channel.stderr.resume();
        channel.end();
      });
    } catch (error) {
      finished();
      this.options.log?.(`ssh ${connection.target.host}: could not kill remote process group ${pid}: ${(error as Error).message}`);
    }
    // A connection that drops never answers: do not hold its closing longer than the kill's own limit.
    setTimeout(finished, 4_000).unref();
  }
}

/** ssh2's host key algorithms with the known types first (rsa keys are offered as rsa-sha2-* signatures). */
function preferKeyTypes(knownTypes: string[]): ServerHostKeyAlgorithm[] {
  const all: ServerHostKeyAlgorithm[] = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  const wanted = new Set<string>(knownTypes.flatMap((type) => (type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type])));
  return [...all.filter((a) => wanted.has(a)), ...all.filter((a) => !wanted.has(a))];
}

/** An agent holding one passphrase-protected key: it offers the public key and unlocks the key only to sign. */
class LockedKeyAgent extends BaseAgent<ParsedKey> {
  constructor(
    private readonly publicKey: ParsedKey,
    private readonly unlock: () => Promise<ParsedKey | null>,
    private readonly isOpen: () => boolean,
  ) {
    super();
  }

  getIdentities(cb: (err?: Error | null, keys?: ParsedKey[]) => void): void {
    cb(null, [this.publicKey]);
  }

  sign(_pubKey: ParsedKey, data: Buffer, options: SigningRequestOptions | SignCallback, cb?: SignCallback): void {
    const callback = typeof options === 'function' ? options : cb;
    const hash = typeof options === 'function' ? undefined : options?.hash;
    void this.unlock().then((key) => {
      // The passphrase came after the connection was given up: there is nobody left to sign for.
      if (!this.isOpen()) return;
      try {
        if (key === null) return callback?.(new Error('the key stays locked'));
        const signature = key.sign(data, hash) as Buffer | Error;
        if (signature instanceof Error) callback?.(signature);
        else callback?.(null, signature);
      } catch {
        // ssh2 tore the connection down meanwhile; the connect has already ended with its own error.
      }
    });
  }
}

/** The user's ssh-agent, offering only some of its keys (IdentitiesOnly), and noting which keys it offered. */
class ListingAgent extends BaseAgent<ParsedKey> {
  private readonly agent: InstanceType<typeof OpenSSHAgent>;

  constructor(
    socket: string,
    private readonly onlyKeys: readonly Buffer[] | undefined,
    private readonly offered: Buffer[],
  ) {
    super();
    this.agent = new OpenSSHAgent(socket);
  }

  getIdentities(cb: (err?: Error | null, keys?: ParsedKey[]) => void): void {
    this.agent.getIdentities((error, keys) => {
      if (error !== undefined && error !== null) return cb(error);
      const parsed = (keys ?? []).flatMap((key) => {
        const one = parseOneKey(key as ParsedKey | Buffer | string);
        return one instanceof Error ? [] : [one];
      });
      const wanted = this.onlyKeys === undefined ? parsed : parsed.filter((k) => this.onlyKeys!.some((blob) => blob.equals(k.getPublicSSH())));
      this.offered.push(...wanted.map((k) => k.getPublicSSH()));
      cb(null, wanted);
    });
  }

  sign(pubKey: ParsedKey, data: Buffer, options: SigningRequestOptions | SignCallback, cb?: SignCallback): void {
    if (typeof options === 'function') this.agent.sign(pubKey, data, options);
    else this.agent.sign(pubKey, data, options, cb);
  }
}

/** The single parsed key of a key text or object, or the parser's error. */
export function parseOneKey(key: string | Buffer | ParsedKey, passphrase?: string): ParsedKey | Error {
  const parsed = utils.parseKey(key, passphrase);
  if (parsed instanceof Error) return parsed;
  return Array.isArray(parsed) ? ((parsed[0] as ParsedKey | undefined) ?? new Error('the key file holds no key')) : parsed;
}

function publicKeyFromBlob(blob: Buffer): ParsedKey | undefined {
  const parsed = parseOneKey(`${keyTypeOf(blob)} ${blob.toString('base64')}`);
  return parsed instanceof Error ? undefined : parsed;
}

/** When several locked keys were skipped for different reasons, the most telling one is reported. */
const lockedReasonOrder = ['wrongPassphrase', 'declined', 'noPrompt'] as const;

/**
 * The authHandler for one connection: walks the endpoint's ways to log in in order (ssh2 calls it again after each
 * refusal), and says afterwards why nothing worked.
 */
function createAuthenticator(target: SshTarget, signal: AbortSignal, timer: { pause(): void; resume(): void; isOpen(): boolean }, log?: (message: string) => void) {
  const methods: SshAuthMethod[] = [];
  const legacy = target.privateKey;
  let legacyProblem: string | undefined;
  if (legacy !== undefined && legacy.length > 0) {
    const parsed = parseOneKey(legacy, target.passphrase);
    // As before SshEndpoint.auth existed: a key given directly that cannot be read fails the connect.
    if (parsed instanceof Error) legacyProblem = `Cannot parse privateKey: ${parsed.message}`;
    else methods.push({ type: 'key', label: 'the given key', privateKey: parsed });
  }
  methods.push(...(target.auth ?? []));
  const offeredByAgent: Buffer[] = [];
  const locked: { label: string; reason: Extract<UnlockOutcome, { ok: false }>['reason'] }[] = [];
  const tried: string[] = [];
  let index = 0;
  const state = { exhausted: false };
  const username = target.username;
  const offeredAlready = (blob: Buffer | undefined) => blob !== undefined && offeredByAgent.some((b) => b.equals(blob));

  const unlock = async (method: Extract<SshAuthMethod, { type: 'lockedKey' }>): Promise<ParsedKey | null> => {
    timer.pause();
    let outcome: UnlockOutcome;
    try {
      outcome = await method.unlock(signal);
    } catch (error) {
      log?.(`ssh ${target.host}: unlocking ${method.label} failed: ${(error as Error).message}`);
      outcome = { ok: false, reason: 'unusable' };
    } finally {
      timer.resume();
    }
    if (outcome.ok) return outcome.key;
    if (outcome.reason !== 'cancelled' && outcome.reason !== 'unusable') locked.push({ label: method.label, reason: outcome.reason });
    return null;
  };

  const pick = async (): Promise<AnyAuthMethod | false> => {
    while (index < methods.length) {
      const method = methods[index]!;
      index += 1;
      switch (method.type) {
        case 'agent':
          tried.push(`ssh-agent (${method.socket})`);
          return { type: 'agent', username, agent: new ListingAgent(method.socket, method.onlyKeys, offeredByAgent) };
        case 'key': {
          const parsed = parseOneKey(method.privateKey, method.passphrase);
          if (parsed instanceof Error) {
            log?.(`ssh ${target.host}: skipping ${method.label}: ${parsed.message}`);
            continue;
          }
          if (offeredAlready(parsed.getPublicSSH())) continue;
          tried.push(method.label);
          return { type: 'publickey', username, key: parsed };
        }
        case 'lockedKey': {
          if (offeredAlready(method.publicKey)) continue;
          tried.push(method.label);
          const publicKey = method.publicKey === undefined ? undefined : publicKeyFromBlob(method.publicKey);
          if (publicKey !== undefined) return { type: 'agent', username, agent: new LockedKeyAgent(publicKey, () => unlock(method), timer.isOpen) };
          const key = await unlock(method);
          if (key === null) continue;
          return { type: 'publickey', username, key };
        }
      }
    }
    return false;
  };

  const handler = (methodsLeft: AuthenticationType[] | null, _partialSuccess: boolean | null, next: NextAuthHandler): void => {
    const done = () => {
      state.exhausted = true;
      next(false as unknown as AuthenticationType); // ssh2 takes false as "nothing more to try"
    };
    if (methodsLeft !== null && !methodsLeft.includes('publickey')) return done();
    void pick().then((method) => {
      // A passphrase may be typed after the connection was given up: ssh2 throws if asked to go on with it.
      if (!timer.isOpen()) return;
      try {
        if (method === false) done();
        else next(method);
      } catch (error) {
        log?.(`ssh ${target.host}: logging in stopped: ${(error as Error).message}`);
      }
    });
  };

  return {
    handler: handler as unknown as ConnectConfig['authHandler'],
    get exhausted() {
      return state.exhausted;
    },
    legacyKeyProblem: () => legacyProblem,
    /** Why logging in failed: locked keys that could have been used, or a plain refusal. */
    failure(details: Record<string, unknown>): AppError {
      if (locked.length > 0) {
        const reason = lockedReasonOrder.find((r) => locked.some((l) => l.reason === r)) ?? 'noPrompt';
        return appError('sshKeyPassphraseNeeded', { ...details, username, keyPaths: [...new Set(locked.map((l) => l.label))], reason });
      }
      return appError('sshAuthFailed', { ...details, username, tried });
    },
  };
}
