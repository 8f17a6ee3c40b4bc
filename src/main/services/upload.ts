import { createHash, randomBytes } from 'node:crypto';
import { posix } from 'node:path';
import { appError, type AppError } from '../../shared/errors';
import { err, ok, type Result } from '../../shared/result';
import type { ExecOptions, ExecResult, SshTarget } from '../ssh/sshClient';

/**
 * Uploads a set of files (a generated flake, for example) into a folder on a machine over SFTP, on the machine's
 * pooled SSH connection. Each file is written under a temporary name in its own folder and then renamed into place,
 * so a reader never sees half a file and an interrupted upload leaves the previous version whole. Afterwards the
 * machine's own `sha256sum` (run by argv, through the quoting helper) must report for every file the checksum of
 * what was sent; a difference is uploadChecksumMismatch naming the file.
 *
 * File names are passed to SFTP as they are and to sha256sum after `--`, so spaces, quotes, `$(...)`, leading
 * dashes and any Unicode arrive unchanged. Names with line breaks or other control characters are refused up front:
 * sha256sum's listing cannot show them unambiguously, and no generated file needs them.
 */

/** What upload needs of an SFTP session (ssh2's SFTPWrapper). */
export interface UploadSftp {
  stat(path: string, callback: (error: Error | undefined, stats: { isDirectory(): boolean }) => void): void;
  mkdir(path: string, callback: (error?: Error | null) => void): void;
  writeFile(path: string, data: Buffer, options: { mode: number; flag: string }, callback: (error?: Error | null) => void): void;
  rename(from: string, to: string, callback: (error?: Error | null) => void): void;
  /** POSIX rename (replaces the target in one step); throws when the server lacks the extension. */
  ext_openssh_rename?(from: string, to: string, callback: (error?: Error | null) => void): void;
  unlink(path: string, callback: (error?: Error | null) => void): void;
  end(): void;
}

/** What upload needs of SshClientPool. */
export interface UploadPool {
  sftp(target: SshTarget, signal?: AbortSignal): Promise<Result<UploadSftp, AppError>>;
  exec(target: SshTarget, argv: readonly string[], options?: ExecOptions): Promise<Result<ExecResult, AppError>>;
}

/** The files to upload: paths relative to `remoteDir` ('/'-separated) and their contents. */
export interface UploadRequest {
  /** The folder on the machine; absolute, or relative to the login user's home folder. Created when missing. */
  remoteDir: string;
  files: Readonly<Record<string, string | Uint8Array>>;
  /** Permission bits of the files written. Default 0o644. */
  mode?: number;
}

/** Where an upload stands, reported after each file is in place. */
export interface UploadProgress {
  path: string;
  filesDone: number;
  filesTotal: number;
  bytesDone: number;
  bytesTotal: number;
}

export interface UploadOptions {
  signal?: AbortSignal;
  onProgress?: (progress: UploadProgress) => void;
  /** Limit for each SFTP step and for the checksum command. Default 60 s. */
  stepTimeoutMs?: number;
  /**
   * Files the machine already has with the same content (its own sha256sum, asked first) are not sent again, as
   * rsync does; only the files that differ or are missing are written and then verified. Default false.
   */
  skipUnchanged?: boolean;
}

export interface UploadResult {
  remoteDir: string;
  files: number;
  bytes: number;
  /** SHA-256 (hex) of every file, as the machine reported it (equal to what was sent). */
  sha256: Record<string, string>;
  /** Files not sent because the machine had them already (skipUnchanged). */
  unchanged: number;
}

const checksumBatch = 64;

/** Checks an upload path; the refusal reason (see uploadPathRefused) or undefined. */
export function uploadPathProblem(path: string): string | undefined {
  if (path === '') return 'empty';
  // eslint-disable-next-line no-control-regex
  if (/[\u0000-\u001f\u007f]/.test(path)) return 'controlCharacter';
  if (path.startsWith('/')) return 'absolute';
  if (path.split('/').some((part) => part === '' || part === '.' || part === '..')) return 'dotSegment';
  return undefined;
}

/** Parses `sha256sum` output into name -> checksum, undoing its escaping of backslashes (and line breaks). */
export function parseSha256sum(stdout: string): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of stdout.split('\n')) {
    if (line === '') continue;
    const escaped = line.startsWith('\\');
    const match = /^([0-9a-f]{64}) [ *](.*)$/s.exec(escaped ? line.slice(1) : line);
    if (match === null) continue;
    const name = escaped ? match[2]!.replace(/\\(\\|n|r)/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : '\\')) : match[2]!;
    sums.set(name, match[1]!);
  }
  return sums;
}

function sha256Of(data: Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Uploads files into a folder on a machine and verifies them there; see the module comment. */
export async function uploadFiles(pool: UploadPool, target: SshTarget, request: UploadRequest, options: UploadOptions = {}): Promise<Result<UploadResult, AppError>> {
  const details = { host: target.host, port: target.port ?? 22 };
  const signal = options.signal;
  const stepTimeoutMs = options.stepTimeoutMs ?? 60_000;
  const remoteDir = request.remoteDir.length > 1 ? request.remoteDir.replace(/\/+$/, '') : request.remoteDir;

  // Everything is checked before anything is sent.
  const dirProblem = remoteDir === '' ? 'empty' : /[\u0000-\u001f\u007f]/.test(remoteDir) ? 'controlCharacter' : undefined; // eslint-disable-line no-control-regex
  if (dirProblem !== undefined) return err(appError('uploadPathRefused', { path: remoteDir, reason: dirProblem }));
  const entries = Object.entries(request.files).map(([path, content]) => ({ path, data: typeof content === 'string' ? Buffer.from(content, 'utf8') : Buffer.from(content) }));
  const seen = new Set<string>();
  for (const { path } of entries) {
    const reason = uploadPathProblem(path) ?? (seen.has(path) ? 'duplicate' : undefined);
    if (reason !== undefined) return err(appError('uploadPathRefused', { path, reason }));
    seen.add(path);
  }
  for (const { path } of entries) {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i += 1) {
      if (seen.has(parts.slice(0, i).join('/'))) return err(appError('uploadPathRefused', { path, reason: 'conflict' }));
    }
  }
  const remotePathOf = (path: string) => posix.join(remoteDir, path);
  if (signal?.aborted === true) return err(appError('sshCancelled', details));

  /** The machine's own sha256sum of the given files, a batch per command; files it cannot read are left out. */
  const remoteSums = async (batchEntries: readonly { path: string }[]): Promise<Result<Map<string, string>, AppError>> => {
    const sums = new Map<string, string>();
    for (let start = 0; start < batchEntries.length; start += checksumBatch) {
      const batch = batchEntries.slice(start, start + checksumBatch);
      const run = await pool.exec(target, ['sha256sum', '--', ...batch.map((e) => remotePathOf(e.path))], { signal, timeoutMs: stepTimeoutMs });
      if (!run.ok) return run;
      if (run.value.code === 127) return err(appError('uploadFailed', { ...details, operation: 'verify', path: remoteDir, message: 'sha256sum is not installed on the machine' }));
      for (const [path, sum] of parseSha256sum(run.value.stdout)) sums.set(path, sum);
    }
    return ok(sums);
  };

  // With skipUnchanged, what the machine has already is asked first (missing files simply have no line).
  const sha256: Record<string, string> = {};
  let toSend = entries;
  if (options.skipUnchanged === true && entries.length > 0) {
    const present = await remoteSums(entries);
    if (!present.ok) return present;
    toSend = entries.filter(({ path, data }) => {
      const same = present.value.get(remotePathOf(path)) === sha256Of(data);
      if (same) sha256[path] = sha256Of(data);
      return !same;
    });
  }
  if (toSend.length === 0) return ok({ remoteDir, files: entries.length, bytes: 0, sha256, unchanged: entries.length });

  const opened = await pool.sftp(target, signal);
  if (!opened.ok) return opened;
  const sftp = opened.value;
  const cancelled = () => appError('sshCancelled', details);
  const isAborted = () => signal?.aborted === true;

  /** One SFTP step, with its time limit; cancelling ends the session, which fails whatever step is pending. */
  const step = <T = void>(operation: string, path: string, run: (done: (error?: Error | null, value?: T) => void) => void): Promise<Result<T, AppError>> =>
    new Promise((resolve) => {
      if (isAborted()) return resolve(err(cancelled()));
      let settled = false;
      const settle = (result: Result<T, AppError>) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        resolve(result);
      };
      const onAbort = () => settle(err(cancelled()));
      signal?.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => {
        settle(err(appError('uploadFailed', { ...details, operation, path, message: `the machine did not answer within ${Math.round(stepTimeoutMs / 1000)} seconds` })));
        sftp.end();
      }, stepTimeoutMs);
      try {
        run((error, value) => {
          if (error !== undefined && error !== null) settle(err(isAborted() ? cancelled() : appError('uploadFailed', { ...details, operation, path, message: error.message })));
          else settle(ok(value as T));
        });
      } catch (error) {
        settle(err(appError('uploadFailed', { ...details, operation, path, message: (error as Error).message })));
      }
    });

  const folders = new Set<string>();
  const ensureFolder = async (folder: string): Promise<Result<void, AppError>> => {
    if (folder === '' || folder === '.' || folder === '/' || folders.has(folder)) return ok(undefined);
    const parent = posix.dirname(folder);
    if (parent !== folder) {
      const made = await ensureFolder(parent);
      if (!made.ok) return made;
    }
    const existing = await step<{ isDirectory(): boolean }>('createFolder', folder, (done) => sftp.stat(folder, (error, stats) => done(error, stats)));
    if (existing.ok) {
      if (!existing.value.isDirectory()) return err(appError('uploadFailed', { ...details, operation: 'createFolder', path: folder, message: 'a file with that name is in the way' }));
    } else {
      if (existing.error.code !== 'uploadFailed') return existing;
      const made = await step('createFolder', folder, (done) => sftp.mkdir(folder, done));
      if (!made.ok) {
        // Another upload may have made it meanwhile.
        const again = await step<{ isDirectory(): boolean }>('createFolder', folder, (done) => sftp.stat(folder, (error, stats) => done(error, stats)));
        if (!again.ok || !again.value.isDirectory()) return made;
      }
    }
    folders.add(folder);
    return ok(undefined);
  };

  /** Renames the temporary file over the target: POSIX rename when the server has it, else remove and rename. */
  const moveIntoPlace = async (from: string, to: string): Promise<Result<void, AppError>> => {
    if (sftp.ext_openssh_rename !== undefined) {
      const renamed = await step('rename', to, (done) => {
        try {
          sftp.ext_openssh_rename!(from, to, done);
        } catch {
          done(new Error('no-posix-rename'));
        }
      });
      if (renamed.ok || renamed.error.code !== 'uploadFailed' || renamed.error.details?.message !== 'no-posix-rename') return renamed;
    }
    // Plain SFTP rename refuses to replace a file: remove the old one first (not atomic, but only without the extension).
    await step('rename', to, (done) => sftp.unlink(to, () => done()));
    return step('rename', to, (done) => sftp.rename(from, to, done));
  };

  const total = toSend.reduce((sum, e) => sum + e.data.length, 0);
  let bytesDone = 0;
  const onAbort = () => sftp.end();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const root = await ensureFolder(remoteDir);
    if (!root.ok) return root;
    for (const [index, { path, data }] of toSend.entries()) {
      const remote = remotePathOf(path);
      const folder = posix.dirname(remote);
      const made = await ensureFolder(folder);
      if (!made.ok) return made;
      const temporary = posix.join(folder, `.cnd-upload-${randomBytes(6).toString('hex')}.tmp`);
      const written = await step('write', path, (done) => sftp.writeFile(temporary, data, { mode: request.mode ?? 0o644, flag: 'wx' }, done));
      const placed = written.ok ? await moveIntoPlace(temporary, remote) : written;
      if (!placed.ok) {
        if (!isAborted()) await step('cleanUp', temporary, (done) => sftp.unlink(temporary, () => done()));
        return placed.error.code === 'uploadFailed' ? err(appError('uploadFailed', { ...placed.error.details, path })) : placed;
      }
      bytesDone += data.length;
      options.onProgress?.({ path, filesDone: index + 1, filesTotal: toSend.length, bytesDone, bytesTotal: total });
    }
  } finally {
    signal?.removeEventListener('abort', onAbort);
    sftp.end();
  }

  // Verify what was sent with the machine's own sha256sum.
  const sums = await remoteSums(toSend);
  if (!sums.ok) return sums;
  for (const { path, data } of toSend) {
    const expected = sha256Of(data);
    const actual = sums.value.get(remotePathOf(path));
    if (actual !== expected) return err(appError('uploadChecksumMismatch', { ...details, path, expected, actual: actual ?? 'missing' }));
    sha256[path] = actual;
  }
  return ok({ remoteDir, files: entries.length, bytes: total, sha256, unchanged: entries.length - toSend.length });
}
