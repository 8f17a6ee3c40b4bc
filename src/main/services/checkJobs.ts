import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appError, type AppError } from '../../shared/errors';
import type { CheckPrompt, HostKeyMode } from '../../shared/ipc/contract';
import { recordValues } from '../../shared/model/overlay';
import type { Design } from '../../shared/model/types';
import type { MachinePreflight, PreflightFinding } from '../../shared/preflight';
import { checkReportSchema, type CheckReport } from '../../shared/schema/checkReport';
import { err, ok, type Result } from '../../shared/result';
import { ConfinedFolder, type FileOps } from '../fs/confinedFolder';
import type { EventHub } from '../rpc/eventHub';
import type { HostKeyPrompt } from '../ssh/sshClient';
import { runPreflight, type PreflightOptions, type PreflightPool } from './preflight';
import { designStem, normalizeDesignFileName, validateDesign } from './projectFiles';

/**
 * "Check machines": preflight as a job the renderer starts and watches. One check runs at a time. Progress goes out
 * as check:onDidProgress events, and questions for the person (a host key seen for the first time, a key's passphrase)
 * as check:onDidPrompt events that check:answer resolves; whichever window answers first wins. The finished report is
 * kept next to the design file as `<design>.check.json`, so the last check time and findings stay with the project;
 * it is read and written through the workspace's ConfinedFolder, so a link planted under that name is refused.
 */

/** What a check asks of the person, given to the SSH side of a job. */
export interface CheckSshHooks {
  hostKeyMode: HostKeyMode;
  /** Key files the person picked in ~/.ssh, by file name; undefined: the keys ssh would try. */
  keyFiles?: readonly string[];
  /** Shows a new host key's fingerprint and resolves true when the person trusts it. */
  confirmHostKey(prompt: HostKeyPrompt, signal: AbortSignal): Promise<boolean>;
  /** Asks for a private key's passphrase; null when the person skips the key. */
  askPassphrase(request: { keyPath: string; host: string; attempt?: number }, signal: AbortSignal): Promise<string | null>;
}

/** The SSH side of one job: its connection pool and how a machine of the design is logged in to. */
export interface CheckSsh {
  pool: PreflightPool & { dispose(): void };
  knownHostsPath: string;
  resolveTarget?: PreflightOptions['resolveTarget'];
  identityFor?: PreflightOptions['identityFor'];
}

export interface CheckJobsOptions {
  events: EventHub;
  workspaceDir: string;
  /** The file-system calls in the workspace; tests wrap them. */
  fileOps?: FileOps;
  createSsh: (hooks: CheckSshHooks) => CheckSsh;
  /** Checks of this computer; default: whether the clan CLI is installed. */
  localChecks?: () => Promise<PreflightFinding[]>;
  now?: () => number;
  log?: (message: string, details?: unknown) => void;
}

interface OpenPrompt {
  type: 'hostKey' | 'passphrase';
  resolve: (answer: boolean | string | null) => void;
}

interface RunningJob {
  jobId: string;
  forFile: string | null;
  controller: AbortController;
  prompts: Map<string, OpenPrompt>;
}

/** The file a design's last check is kept in: "home.clan-design.json" -> "home.check.json". */
export function checkReportFileOf(designFile: string): string {
  return `${designStem(designFile)}.check.json`;
}

const newId = () => randomBytes(8).toString('hex');

/** Largest check report that is read back; one for thousands of machines is a few megabytes. */
const MAX_CHECK_REPORT_BYTES = 64 * 1024 * 1024;

export class CheckJobsService {
  private running: RunningJob | null = null;
  private readonly workspace: ConfinedFolder;

  constructor(private readonly options: CheckJobsOptions) {
    this.workspace = new ConfinedFolder(options.workspaceDir, 'workspace', options.fileOps);
  }

  /** Starts a check of the design's managed machines; progress follows as events. */
  start(request: { name?: string; design: unknown; hostKeys: HostKeyMode; keys?: readonly string[]; concurrency?: number; timeoutSeconds?: number }): Result<{ jobId: string }, AppError> {
    if (this.running !== null) return err(appError('checkAlreadyRunning', { jobId: this.running.jobId }));
    let forFile: string | null = null;
    if (request.name !== undefined) {
      const name = normalizeDesignFileName(request.name);
      if (!name.ok) return name;
      forFile = name.value;
    }
    // The design comes from the renderer: it is checked against the same schema as a design file.
    const parsed = validateDesign(request.design);
    if (!parsed.ok) return parsed;
    const job: RunningJob = { jobId: newId(), forFile, controller: new AbortController(), prompts: new Map() };
    this.running = job;
    void this.run(job, parsed.value, request).finally(() => {
      if (this.running === job) this.running = null;
    });
    return ok({ jobId: job.jobId });
  }

  /** Cancels the running check; false when no check with that id runs. */
  cancel(jobId: string): Result<{ cancelled: boolean }, AppError> {
    const job = this.running;
    if (job === null || job.jobId !== jobId) return ok({ cancelled: false });
    job.controller.abort();
    return ok({ cancelled: true });
  }

  /** Answers an open question; false when it was already answered or withdrawn, or the answer is of the wrong kind. */
  answer(request: { promptId: string; trust: boolean } | { promptId: string; passphrase: string | null }): Result<{ accepted: boolean }, AppError> {
    const job = this.running;
    const prompt = job?.prompts.get(request.promptId);
    if (job === null || prompt === undefined) return ok({ accepted: false });
    if ('trust' in request) {
      if (prompt.type !== 'hostKey') return ok({ accepted: false });
      prompt.resolve(request.trust);
    } else {
      if (prompt.type !== 'passphrase') return ok({ accepted: false });
      prompt.resolve(request.passphrase);
    }
    return ok({ accepted: true });
  }

  /**
   * The last check kept with a design file, and the running check when it is for that file. A link under the
   * report's name is refused (notARegularFile), so what it points to is never read and shown.
   */
  async last(designFile: string): Promise<Result<{ report: CheckReport | null; running: { jobId: string } | null }, AppError>> {
    const name = normalizeDesignFileName(designFile);
    if (!name.ok) return name;
    const running = this.running !== null && this.running.forFile === name.value ? { jobId: this.running.jobId } : null;
    const read = await this.workspace.readFile(checkReportFileOf(name.value), { maxBytes: MAX_CHECK_REPORT_BYTES });
    if (!read.ok) {
      if (read.error.code === 'notARegularFile' || read.error.code === 'pathOutsideFolder') return read;
      // Unreadable or too large counts as "never checked"; the next check replaces it.
      this.options.log?.(`could not read the last check of ${name.value}: ${read.error.code}`, read.error.details);
      return ok({ report: null, running });
    }
    if (read.value === undefined) return ok({ report: null, running });
    // A damaged or foreign file counts as "never checked"; the next check replaces it.
    let json: unknown;
    try {
      json = JSON.parse(new TextDecoder().decode(read.value.bytes));
    } catch {
      return ok({ report: null, running });
    }
    const report = checkReportSchema.safeParse(json);
    return ok({ report: report.success ? report.data : null, running });
  }

  /** Stops the running check (the app is closing). */
  dispose(): void {
    this.running?.controller.abort();
  }

  /** Asks the person; resolves with the answer, or null when the check is cancelled or the question abandoned. */
  private ask(job: RunningJob, question: DistributiveOmit<Exclude<CheckPrompt, { type: 'closed' }>, 'jobId' | 'promptId'>, signal: AbortSignal): Promise<boolean | string | null> {
    const promptId = newId();
    return new Promise((resolveAnswer) => {
      const close = (answer: boolean | string | null) => {
        if (!job.prompts.delete(promptId)) return;
        signal.removeEventListener('abort', onAbort);
        this.options.events.emit('check:onDidPrompt', { jobId: job.jobId, promptId, type: 'closed' });
        resolveAnswer(answer);
      };
      const onAbort = () => close(null);
      job.prompts.set(promptId, { type: question.type, resolve: close });
      signal.addEventListener('abort', onAbort, { once: true });
      this.options.events.emit('check:onDidPrompt', { ...question, jobId: job.jobId, promptId } as CheckPrompt);
      if (signal.aborted) close(null);
    });
  }

  private async run(job: RunningJob, design: Design, request: { hostKeys: HostKeyMode; keys?: readonly string[]; concurrency?: number; timeoutSeconds?: number }): Promise<void> {
    const now = this.options.now ?? Date.now;
    const startedAt = now();
    const { events } = this.options;
    const managed = recordValues(design.machines).filter((m) => m.managed);
    events.emit('check:onDidProgress', { jobId: job.jobId, type: 'started', startedAt, forFile: job.forFile, machines: managed.map((m) => ({ machineId: m.id, name: m.name })) });

    // Which machines a host key belongs to: by the design's address, or by where ~/.ssh/config sent it (an alias).
    const resolvedAt = new Map<string, Set<string>>();
    const machinesAt = (host: string, port: number) => {
      const names = new Set(managed.filter((m) => m.ssh !== null && m.ssh.host === host && m.ssh.port === port).map((m) => m.name));
      for (const name of resolvedAt.get(`${host}:${port}`) ?? []) names.add(name);
      return [...names];
    };
    let ssh: CheckSsh | undefined;
    let results: MachinePreflight[] = [];
    let local: PreflightFinding[] = [];
    let outcome: CheckReport['outcome'] = 'finished';
    try {
      ssh = this.options.createSsh({
        hostKeyMode: request.hostKeys,
        ...(request.keys === undefined ? {} : { keyFiles: request.keys }),
        confirmHostKey: async (prompt, signal) => {
          const answer = await this.ask(job, { type: 'hostKey', machines: machinesAt(prompt.host, prompt.port), host: prompt.host, port: prompt.port, keyType: prompt.keyType, fingerprint: prompt.fingerprint, otherKeyTypes: prompt.otherKeyTypes, knownHostsFile: ssh?.knownHostsPath ?? 'known_hosts' }, AbortSignal.any([signal, job.controller.signal]));
          return answer === true;
        },
        askPassphrase: async (question, signal) => {
          const answer = await this.ask(job, { type: 'passphrase', keyPath: question.keyPath, host: question.host, attempt: question.attempt ?? 1 }, AbortSignal.any([signal, job.controller.signal]));
          return typeof answer === 'string' ? answer : null;
        },
      });
      const localChecks = (this.options.localChecks ?? (async () => [await checkLocalClanCli()]))().then((findings) => {
        local = findings;
        events.emit('check:onDidProgress', { jobId: job.jobId, type: 'local', findings });
      });
      results = await runPreflight(design, {
        pool: ssh.pool,
        ...(ssh.resolveTarget === undefined
          ? {}
          : {
              resolveTarget: async (machine, signal) => {
                const target = await ssh!.resolveTarget!(machine, signal);
                if (target.ok) {
                  const key = `${target.value.host}:${target.value.port ?? 22}`;
                  resolvedAt.set(key, (resolvedAt.get(key) ?? new Set()).add(machine.name));
                }
                return target;
              },
            }),
        identityFor: ssh.identityFor ?? (() => ({ privateKey: '' })),
        concurrency: request.concurrency ?? 8,
        timeoutMs: Math.round((request.timeoutSeconds ?? 30) * 1000),
        signal: job.controller.signal,
        isWaitingForPerson: () => job.prompts.size > 0,
        onMachineStart: (machineId) => events.emit('check:onDidProgress', { jobId: job.jobId, type: 'machineStarted', machineId }),
        onMachineDone: (result) => events.emit('check:onDidProgress', { jobId: job.jobId, type: 'machineDone', result }),
        now,
      });
      await localChecks;
      if (job.controller.signal.aborted) outcome = 'cancelled';
    } catch (cause) {
      outcome = 'failed';
      this.options.log?.('check machines failed', cause);
    } finally {
      ssh?.pool.dispose();
    }
    const report: CheckReport = { kind: 'clan-designer-check', version: 1, startedAt, finishedAt: now(), outcome, local, machines: results.filter((r) => r !== undefined) };
    let saved = false;
    let saveError: AppError | undefined;
    if (job.forFile !== null) {
      const file = checkReportFileOf(job.forFile);
      const written = await this.workspace.exclusive(file, () => this.workspace.writeFile(file, `${JSON.stringify(report, null, 2)}\n`));
      if (written.ok) saved = true;
      else {
        saveError = written.error;
        this.options.log?.(`could not keep the check report: ${written.error.code}`, written.error.details);
      }
    }
    if (this.running === job) this.running = null;
    const kept = saveError === undefined ? { saved } : { saved, saveError };
    try {
      events.emit('check:onDidProgress', { jobId: job.jobId, type: 'done', report, ...kept });
    } catch (cause) {
      // A report the contract refuses must still end the check in every window.
      this.options.log?.('check report refused by the contract', cause);
      events.emit('check:onDidProgress', { jobId: job.jobId, type: 'done', report: { ...report, outcome: 'failed', machines: [] }, ...kept });
    }
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;


/**
 * Whether the clan CLI is installed on this computer. The app does not need it (it deploys over SSH and builds on
 * the machines), so its absence is not a problem; people who have it can also run clan themselves.
 */
export function checkLocalClanCli(options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<PreflightFinding> {
  return new Promise((resolveFinding) => {
    execFile('clan', ['--version'], { env: options.env ?? process.env, timeout: options.timeoutMs ?? 10_000 }, (error, stdout, stderr) => {
      const code = (error as NodeJS.ErrnoException | null)?.code;
      if (error === null) {
        const version = `${stdout}`.trim().split('\n')[0] ?? '';
        resolveFinding({ id: 'clanCli', status: 'ok', message: `The clan CLI is installed on this computer${version === '' ? '' : ` (${version})`}. The app deploys without it; you can also use it yourself, for example "clan machines update".` });
      } else if (code === 'ENOENT') {
        resolveFinding({
          id: 'clanCli',
          status: 'skipped',
          message: 'The clan CLI is not installed on this computer. The app does not need it: it uploads the configuration and builds it on each machine over SSH. To use clan yourself, install Nix and run it with the command below.',
          command: 'nix run git+https://git.clan.lol/clan/clan-core#clan-cli -- --help',
        });
      } else {
        const why = error.killed ? 'it did not answer in time' : `${`${stderr}`.trim().split('\n')[0] || error.message}`;
        resolveFinding({ id: 'clanCli', status: 'warning', message: `A clan command is on this computer's PATH but "clan --version" failed (${why}). The app does not need it; if you use it yourself, reinstall it.` });
      }
    });
  });
}
