import { execFile } from 'node:child_process';
import { appError, type AppError } from '../../shared/errors';
import type { HostKeyMode } from '../../shared/ipc/contract';
import { recordValues } from '../../shared/model/overlay';
import type { MachineCheckResult, CheckFinding } from '../../shared/check';
import { checkReportSchema, type CheckReport } from '../../shared/schema/checkReport';
import { ok, type Result } from '../../shared/result';
import type { JobEngine, JobKindDefinition } from '../jobs/jobEngine';
import type { HostKeyPrompt } from '../ssh/sshClient';
import { checkMachines, type CheckMachinesOptions, type CheckPool } from './checkMachines';
import { designStem, normalizeDesignFileName, validateDesign } from './projectFiles';
import { errnoOf } from '../errno';

/**
 * "Check machines" as a job of the job engine (main/jobs): the renderer starts it and watches it like any job. One
 * check runs at a time. Questions for the person (a host key seen for the first time, a key's passphrase) are the
 * engine's prompts. The finished report is kept next to the design file as `<design>.check.json`, so the last check
 * time and findings stay with the project.
 */

/** What a check asks of the person, given to the SSH side of a job. */
export interface MachineSshHooks {
  hostKeyMode: HostKeyMode;
  /** Key files the person picked in ~/.ssh, by file name; undefined: the keys ssh would try. */
  keyFiles?: readonly string[];
  /** Shows a new host key's fingerprint and resolves true when the person trusts it. */
  confirmHostKey(prompt: HostKeyPrompt, signal: AbortSignal): Promise<boolean>;
  /** Asks for a private key's passphrase; null when the person skips the key. */
  askPassphrase(request: { keyPath: string; host: string; attempt?: number }, signal: AbortSignal): Promise<string | null>;
}

/** The SSH side of one job: its connection pool and how a machine of the design is logged in to. */
export interface MachineSsh {
  pool: CheckPool & { dispose(): void };
  knownHostsPath: string;
  resolveTarget?: CheckMachinesOptions['resolveTarget'];
  identityFor?: CheckMachinesOptions['identityFor'];
}

export interface CheckJobsOptions {
  /** The engine the checks run on. */
  jobs: JobEngine;
  createSsh: (hooks: MachineSshHooks) => MachineSsh;
  /** Checks of this computer; default: whether the clan CLI is installed. */
  localChecks?: () => Promise<CheckFinding[]>;
}

/** The file a design's last check is kept in: "home.clan-design.json" -> "home.check.json". */
export function checkReportFileOf(designFile: string): string {
  return `${designStem(designFile)}.check.json`;
}

/** "Check machines" for the job engine: one at a time, its report kept as `<name>.check.json`. */
export const checkJobKind: JobKindDefinition<'check'> = {
  kind: 'check',
  oneAtATime: (running) => appError('checkAlreadyRunning', { jobId: running.jobId }),
  // One report for thousands of machines is a few megabytes.
  keep: { fileOf: checkReportFileOf, schema: checkReportSchema, maxBytes: 64 * 1024 * 1024 },
  slimReport: (report) => ({ ...report, outcome: 'failed', machines: [] }),
};

export class CheckJobsService {
  constructor(private readonly options: CheckJobsOptions) {}

  /** Starts a check of the design's managed machines; progress follows as job events. */
  start(request: { name?: string; design: unknown; hostKeys: HostKeyMode; keys?: readonly string[]; concurrency?: number; timeoutSeconds?: number }): Result<{ jobId: string }, AppError> {
    let forFile: string | null = null;
    if (request.name !== undefined) {
      const name = normalizeDesignFileName(request.name);
      if (!name.ok) return name;
      forFile = name.value;
    }
    // The design comes from the renderer: it is checked against the same schema as a design file.
    const parsed = validateDesign(request.design);
    if (!parsed.ok) return parsed;
    const design = parsed.value;
    const managed = recordValues(design.machines).filter((m) => m.managed);
    let results: MachineCheckResult[] = [];
    let local: CheckFinding[] = [];
    return this.options.jobs.start(checkJobKind, {
      forFile,
      machines: managed.map((m) => ({ machineId: m.id, name: m.name })),
      report: ({ outcome, startedAt, finishedAt }): CheckReport => ({
        kind: 'clan-designer-check',
        version: 1,
        startedAt,
        finishedAt,
        // The file format knows no time limit of the whole check (a check has none); it would count as failed.
        outcome: outcome === 'timedOut' ? 'failed' : outcome,
        local,
        machines: results.filter((r) => r !== undefined),
      }),
      run: async (job) => {
        // Which machines a host key belongs to: by the design's address, or by where ~/.ssh/config sent it (an alias).
        const resolvedAt = new Map<string, Set<string>>();
        const machinesAt = (host: string, port: number) => {
          const names = new Set(managed.filter((m) => m.ssh !== null && m.ssh.host === host && m.ssh.port === port).map((m) => m.name));
          for (const name of resolvedAt.get(`${host}:${port}`) ?? []) names.add(name);
          return [...names];
        };
        let ssh: MachineSsh | undefined;
        try {
          ssh = this.options.createSsh({
            hostKeyMode: request.hostKeys,
            ...(request.keys === undefined ? {} : { keyFiles: request.keys }),
            confirmHostKey: async (prompt, signal) => {
              const answer = await job.ask({ type: 'hostKey', machines: machinesAt(prompt.host, prompt.port), host: prompt.host, port: prompt.port, keyType: prompt.keyType, fingerprint: prompt.fingerprint, otherKeyTypes: prompt.otherKeyTypes, knownHostsFile: ssh?.knownHostsPath ?? 'known_hosts' }, signal);
              return answer === true;
            },
            askPassphrase: async (question, signal) => job.ask({ type: 'passphrase', keyPath: question.keyPath, host: question.host, attempt: question.attempt ?? 1 }, signal),
          });
          const localChecks = (this.options.localChecks ?? (async () => [await checkLocalClanCli()]))().then((findings) => {
            local = findings;
            job.emit({ type: 'local', findings });
          });
          results = await checkMachines(design, {
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
            signal: job.signal,
            isWaitingForPerson: job.isWaitingForPerson,
            onMachineStart: (machineId) => job.machineStarted(machineId),
            onMachineDone: (result) => job.machineDone(result.machineId, result),
            now: job.now,
          });
          await localChecks;
        } finally {
          ssh?.pool.dispose();
        }
      },
    });
  }

  /**
   * The last check kept with a design file, and the running check when it is for that file. A link under the
   * report's name is refused (notARegularFile), so what it points to is never read and shown.
   */
  async last(designFile: string): Promise<Result<{ report: CheckReport | null; running: { jobId: string } | null }, AppError>> {
    const name = normalizeDesignFileName(designFile);
    if (!name.ok) return name;
    const job = this.options.jobs.runningOf('check');
    const running = job !== null && job.forFile === name.value ? { jobId: job.jobId } : null;
    const report = await this.options.jobs.readKept(checkJobKind, name.value);
    if (!report.ok) return report;
    return ok({ report: report.value, running });
  }
}

/**
 * Whether the clan CLI is installed on this computer. The app does not need it (it deploys over SSH and builds on
 * the machines), so its absence is not a problem; people who have it can also run clan themselves.
 */
export function checkLocalClanCli(options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {}): Promise<CheckFinding> {
  return new Promise((resolveFinding) => {
    execFile('clan', ['--version'], { env: options.env ?? process.env, timeout: options.timeoutMs ?? 10_000 }, (error, stdout, stderr) => {
      const code = errnoOf(error);
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
