import { createHash } from 'node:crypto';
import { posix } from 'node:path';
import { appError, type AppError } from '../../shared/errors';
import { parseSurvey, surveyArgv, type SurveyFacts } from '../../shared/deploy/commands';
import { err, ok, type Result } from '../../shared/result';
import { uploadFiles, type UploadPool, type UploadProgress } from '../services/upload';
import type { ExecOptions, ExecResult, SftpSession, SshTarget } from '../ssh/sshClient';

// One machine as deploy sees it: commands by argv (through the one quoting helper of the SSH client), the survey,
// files up and down over SFTP. Every failure is a coded error naming the machine; nothing here throws for the
// network's sake.

/** What deploy needs of SshClientPool. */
export interface DeployPool extends UploadPool {
  sftp(target: SshTarget, signal?: AbortSignal): Promise<Result<SftpSession, AppError>>;
  /** Closes the pooled connection to a machine, so the next call opens a new one. */
  close(target: SshTarget): void;
}

/** Where the deploy keeps, on the machine, the checksums of what it uploaded (the plan's "files that change"). */
export const DEPLOYED_LIST = '.clan-designer/deployed.json';

/** A command's output line by line, as it arrives. */
export type LogSink = (text: string, stream: 'stdout' | 'stderr') => void;

const sha256 = (data: Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** Splits streamed output into whole lines for the log; the rest waits for the next chunk. */
function lineSplitter(sink: (line: string) => void): { push(text: string): void; flush(): void } {
  let pending = '';
  return {
    push: (text) => {
      pending += text;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') sink(line.replace(/\r$/, ''));
    },
    flush: () => {
      if (pending.trim() !== '') sink(pending);
      pending = '';
    },
  };
}

export class MachineRemote {
  constructor(
    readonly pool: DeployPool,
    readonly target: SshTarget,
  ) {}

  private details(): Record<string, unknown> {
    return { host: this.target.host, port: this.target.port ?? 22 };
  }

  /** Runs a command; its output goes to `log` line by line as it arrives. A non-zero exit is an error value too. */
  async run(argv: readonly string[], options: ExecOptions & { log?: LogSink; what?: string } = {}): Promise<Result<ExecResult, AppError>> {
    const out = options.log === undefined ? undefined : lineSplitter((line) => options.log!(line, 'stdout'));
    const errOut = options.log === undefined ? undefined : lineSplitter((line) => options.log!(line, 'stderr'));
    const result = await this.pool.exec(this.target, argv, {
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
      ...(options.input === undefined ? {} : { input: options.input }),
      privileged: argv[0] === 'sudo',
      ...(out === undefined ? {} : { onStdout: (t: string) => out.push(t), onStderr: (t: string) => errOut!.push(t) }),
    });
    out?.flush();
    errOut?.flush();
    if (!result.ok) return result;
    if (result.value.code !== 0) {
      const tail = result.value.stderr.trim().split('\n').slice(-6).join('\n');
      return err(appError('deployCommandFailed', { ...this.details(), program: argv.find((a) => a !== 'sudo' && a !== '-n' && a !== 'env' && !a.includes('=')) ?? argv[0], what: options.what ?? 'a command', code: result.value.code, signal: result.value.signal, output: tail.slice(-2000) }));
    }
    return result;
  }

  /** What the machine runs and where its home is, changing nothing. */
  async survey(options: ExecOptions = {}): Promise<Result<SurveyFacts, AppError>> {
    const result = await this.run(surveyArgv(), { ...options, what: 'the survey' });
    if (!result.ok) return result;
    const facts = parseSurvey(result.value.stdout);
    if (facts === null) return err(appError('deployCommandFailed', { ...this.details(), program: 'sh', what: 'the survey', code: result.value.code, output: 'its output was incomplete' }));
    return ok(facts);
  }

  /** Runs one SFTP call with a signal; a cancelled call leaves the session to be ended by the caller. */
  private async withSftp<T>(signal: AbortSignal | undefined, work: (sftp: SftpSession) => Promise<Result<T, AppError>>): Promise<Result<T, AppError>> {
    const opened = await this.pool.sftp(this.target, signal);
    if (!opened.ok) return opened;
    try {
      return await work(opened.value);
    } finally {
      opened.value.end();
    }
  }

  /** The checksums of what the last deploy uploaded into `flakeDir`; null when there is none (first deploy). */
  async readDeployed(flakeDir: string, signal?: AbortSignal): Promise<Result<Record<string, string> | null, AppError>> {
    return this.withSftp(signal, (sftp) =>
      new Promise((resolve) => {
        sftp.readFile(posix.join(flakeDir, DEPLOYED_LIST), (error, data) => {
          if (error !== undefined && error !== null) {
            // No such file: never deployed here (or by hand); anything else is reported as unknown, not a failure.
            resolve(ok(null));
            return;
          }
          try {
            const parsed = JSON.parse(data.toString('utf8')) as { files?: unknown };
            const files = parsed.files;
            if (typeof files !== 'object' || files === null) return resolve(ok(null));
            const clean: Record<string, string> = {};
            for (const [path, sha] of Object.entries(files)) if (typeof sha === 'string' && /^[0-9a-f]{64}$/.test(sha)) clean[path] = sha;
            resolve(ok(clean));
          } catch {
            resolve(ok(null));
          }
        });
      }),
    );
  }

  /**
   * Uploads the flake into `flakeDir` (every file verified by checksum on the machine), removes the files the last
   * deploy put there that are gone now, and records what is there for the next plan.
   */
  async uploadFlake(flakeDir: string, files: Readonly<Record<string, Uint8Array>>, previous: Readonly<Record<string, string>> | null, options: { signal?: AbortSignal; onProgress?: (p: UploadProgress) => void; stepTimeoutMs?: number } = {}): Promise<Result<{ bytes: number; files: number; unchanged: number }, AppError>> {
    const list = { files: Object.fromEntries(Object.entries(files).map(([path, data]) => [path, sha256(data)])) };
    // Files the machine has with the same checksum are not sent again: a redeploy sends what changed.
    const uploaded = await uploadFiles(this.pool, this.target, { remoteDir: flakeDir, files: { ...files, [DEPLOYED_LIST]: `${JSON.stringify(list, null, 2)}\n` }, mode: 0o644 }, { ...options, skipUnchanged: true });
    if (!uploaded.ok) return uploaded;
    const stale = Object.keys(previous ?? {}).filter((path) => files[path] === undefined && !path.split('/').includes('..'));
    if (stale.length > 0) {
      const removed = await this.withSftp(options.signal, async (sftp) => {
        for (const path of stale) {
          await new Promise<void>((resolve) => sftp.unlink(posix.join(flakeDir, path), () => resolve()));
        }
        return ok(undefined);
      });
      if (!removed.ok) return removed;
    }
    return ok({ bytes: uploaded.value.bytes, files: uploaded.value.files, unchanged: uploaded.value.unchanged });
  }

  /** Writes one file readable by the login user only (the age key on the vars helper). */
  async writePrivate(dir: string, name: string, content: string, signal?: AbortSignal): Promise<Result<string, AppError>> {
    const written = await uploadFiles(this.pool, this.target, { remoteDir: dir, files: { [name]: content }, mode: 0o600 }, signal === undefined ? {} : { signal });
    return written.ok ? ok(posix.join(dir, name)) : written;
  }

  /** Every file below `dir/sub` for each of `subs`, as relative paths from `dir` ('/'-separated) to content. */
  async downloadTrees(dir: string, subs: readonly string[], signal?: AbortSignal): Promise<Result<Record<string, Buffer>, AppError>> {
    return this.withSftp(signal, async (sftp) => {
      const files: Record<string, Buffer> = {};
      const visit = async (relative: string, depth: number): Promise<Result<void, AppError>> => {
        if (depth > 12) return ok(undefined);
        const entries = await new Promise<{ filename: string; attrs: { isDirectory(): boolean; isFile(): boolean } }[] | null>((resolve) => sftp.readdir(posix.join(dir, relative), (error, list) => resolve(error !== undefined && error !== null ? null : (list as never))));
        if (entries === null) return ok(undefined);
        for (const entry of entries) {
          if (entry.filename === '.' || entry.filename === '..' || entry.filename.includes('/')) continue;
          const path = `${relative}/${entry.filename}`;
          if (entry.attrs.isDirectory()) {
            const inner = await visit(path, depth + 1);
            if (!inner.ok) return inner;
          } else if (entry.attrs.isFile()) {
            const data = await new Promise<Buffer | Error>((resolve) => sftp.readFile(posix.join(dir, path), (error, content) => resolve(error !== undefined && error !== null ? error : content)));
            if (data instanceof Error) return err(appError('uploadFailed', { ...this.details(), operation: 'download', path, message: data.message }));
            files[path] = data;
          }
        }
        return ok(undefined);
      };
      for (const sub of subs) {
        const visited = await visit(sub, 0);
        if (!visited.ok) return visited;
      }
      return ok(files);
    });
  }
}
