import { randomBytes } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { Client, type ClientChannel, type ConnectConfig, type ServerHostKeyAlgorithm } from 'ssh2';
import { appError, type AppError } from '../../shared/errors';
import { err, ok, type Result } from '../../shared/result';
import { addKnownHost, checkHostKey, fingerprintOf, keyTypeOf, knownKeyTypes, readKnownHosts } from './knownHosts';
import { buildKillGroupCommand, buildRemoteCommand } from './quote';

/**
 * SSH to the machines of a design, on ssh2 (pure JS). One connection per machine is opened on first use and reused
 * for every command; keepalives notice a dead link; connects and commands have time limits; an AbortSignal cancels a
 * connect or a command at once. Host keys are checked against known_hosts in OpenSSH's format: a new key is shown to
 * the person (trust on first use) or refused (strict), and a changed key is always refused. Jump hosts (ProxyJump)
 * are reached by opening a direct-tcpip channel over the jump host's own pooled connection.
 *
 * Expected failures come back as Result values with the codes in shared/errors.ts; nothing here throws for them.
 */

/** A machine to log in to. */
export interface SshEndpoint {
  /** Address or name, exactly as it is written to known_hosts. */
  host: string;
  port?: number;
  username: string;
  /** An OpenSSH or PEM private key. Kept in main; never sent to the renderer. */
  privateKey: string | Buffer;
  passphrase?: string;
}

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
  async exec(target: SshTarget, argv: readonly string[], options: ExecOptions = {}): Promise<Result<ExecResult, AppError>> {
    const connection = await this.getConnection(target, options.signal);
    if (!connection.ok) return connection;
    return this.execOn(connection.value, argv, options);
  }

  /** Closes every connection and abandons connects in progress; the pool can still be used afterwards. */
  closeAll(): void {
    for (const pending of this.pending.values()) pending.controller.abort();
    this.pending.clear();
    for (const connection of this.connections.values()) connection.client.destroy();
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
      return err(appError('knownHostsAccessFailed', { ...details, path: this.options.knownHostsPath, errno: (error as NodeJS.ErrnoException).code ?? 'unknown' }));
    }

    return new Promise((resolve) => {
      const client = new Client();
      let settled = false;
      let hostKeyError: AppError | undefined;
      let timer: NodeJS.Timeout | undefined;
      let remainingMs = this.options.connectTimeoutMs;
      let startedAt = Date.now();
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
        startedAt = Date.now();
        timer = setTimeout(() => finish(err(appError('sshHostUnreachable', { ...details, reason: 'timeout', timeoutMs: this.options.connectTimeoutMs }))), remainingMs);
      };
      // The time limit does not run while a person looks at a fingerprint.
      const pauseTimer = () => {
        clearTimeout(timer);
        remainingMs = Math.max(0, remainingMs - (Date.now() - startedAt));
      };
      const onAbort = () => finish(err(appError('sshCancelled', details)));
      signal.addEventListener('abort', onAbort, { once: true });

      const hostVerifier = (keyBlob: Buffer, verify: (valid: boolean) => void) => {
        void this.verifyHostKey(target, keyBlob, signal, pauseTimer, startTimer).then((outcome) => {
          if (outcome !== undefined) hostKeyError = outcome;
          verify(outcome === undefined);
        });
      };

      client.on('ready', () => finish(ok({ client, target, closed: false })));
      client.on('error', (error: Error & { level?: string; code?: string }) => {
        this.options.log?.(`ssh ${target.host}:${port}: ${error.level ?? ''} ${error.message}`);
        if (hostKeyError !== undefined) finish(err(hostKeyError));
        else if (error.level === 'client-authentication') finish(err(appError('sshAuthFailed', { ...details, username: target.username })));
        else if (error.level === 'client-socket' || typeof error.code === 'string') {
          finish(err(appError('sshHostUnreachable', { ...details, reason: error.code ?? 'ECONNRESET', timeoutMs: this.options.connectTimeoutMs })));
        } else finish(err(appError('sshFailed', { ...details, message: error.message })));
      });
      client.on('close', () => finish(err(hostKeyError ?? appError('sshHostUnreachable', { ...details, reason: 'ECONNRESET', timeoutMs: this.options.connectTimeoutMs }))));

      const config: ConnectConfig = {
        host: target.host,
        port,
        username: target.username,
        privateKey: target.privateKey,
        passphrase: target.passphrase,
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
      try {
        client.connect(config);
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
          resumeTimer();
          return undefined;
        }
      }
    } catch (error) {
      return appError('knownHostsAccessFailed', { ...hostDetails(target), path, errno: (error as NodeJS.ErrnoException).code ?? 'unknown' });
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
      const stop = (error: AppError) => {
        if (settled) return;
        settle(err(error));
        if (channel === undefined) return;
        try {
          channel.signal('KILL');
        } catch {
          // The channel is already gone.
        }
        if (remotePid !== undefined) this.killRemoteGroup(connection, remotePid);
        channel.close();
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
            opened.close();
            return;
          }
          opened.end(); // no input: a program that reads stdin sees end of file instead of waiting
          opened.on('data', (chunk: Buffer) => stdout.push(chunk));
          opened.stderr.on('data', (chunk: Buffer) => {
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
  private killRemoteGroup(connection: Connection, pid: number): void {
    if (connection.closed) return;
    try {
      connection.client.exec(buildKillGroupCommand(pid), (error, channel) => {
        if (error !== undefined && error !== null) return;
        const timer = setTimeout(() => channel.close(), 3_000);
        channel.on('close', () => clearTimeout(timer));
        channel.resume();
        channel.stderr.resume();
        channel.end();
      });
    } catch (error) {
      this.options.log?.(`ssh ${connection.target.host}: could not kill remote process group ${pid}: ${(error as Error).message}`);
    }
  }
}

/** ssh2's host key algorithms with the known types first (rsa keys are offered as rsa-sha2-* signatures). */
function preferKeyTypes(knownTypes: string[]): ServerHostKeyAlgorithm[] {
  const all: ServerHostKeyAlgorithm[] = ['ssh-ed25519', 'ecdsa-sha2-nistp256', 'ecdsa-sha2-nistp384', 'ecdsa-sha2-nistp521', 'rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'];
  const wanted = new Set<string>(knownTypes.flatMap((type) => (type === 'ssh-rsa' ? ['rsa-sha2-512', 'rsa-sha2-256', 'ssh-rsa'] : [type])));
  return [...all.filter((a) => wanted.has(a)), ...all.filter((a) => !wanted.has(a))];
}
