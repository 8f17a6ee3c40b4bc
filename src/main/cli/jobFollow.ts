import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeError, type AppError, type AppErrorCode } from '../../shared/errors';
import type { JobEventOf, JobKind } from '../../shared/ipc/contract';
import type { JobOutcome, JobPrompt } from '../../shared/ipc/jobs';
import type { Design } from '../../shared/model/types';
import type { Result } from '../../shared/result';
import type { ChangesText } from '../../shared/runChanges';
import { listText } from '../../shared/text';
import { vpnDisplayNames, type VpnId } from '../../shared/vpn/ids';
import type { JobEngine } from '../jobs/jobEngine';
import type { EventHub } from '../rpc/eventHub';
import type { MachineSshHooks } from '../services/checkJobs';
import type { DeploySsh } from '../services/deployService';
import { designStem } from '../services/projectFiles';
import type { InterruptSource } from './deployCommand';
import { cliDataDir, cliMachineSsh, createCliDeployBackend, locateDesign, type CliDeployBackend, type CliDeployBackendOptions, type DesignLocation } from './deployBackend';
import { ExitCode, fail, parseCommand, readDesignFile, type CliFailure, type CliIo } from './io';
import { loadSshSettings, sshCommandOptions, type SshEnvironment, type SshOptionValues } from './sshOptions';

// What the commands that run one job of the app's back end (verify, measure) share: reading their options, the design
// file and the SSH settings into the back end that runs the job (openJobCommand); following the job on the terminal
// (followJob): it starts the job, hands each of its events to the command, answers its questions the way the command
// line does (a new host key is trusted only with --accept-new, printed as it is; a key with a passphrase is used
// through ssh-agent only, so nothing is asked), and turns Ctrl+C into a cancel of the job; and printing how it ended
// (printJobEnd), with the lines every run's text has.

/** Ctrl+C as a signal; the listener also stops Node's default of ending the process at once. */
export const processInterrupts: InterruptSource = {
  onInterrupt: (listener) => {
    process.on('SIGINT', listener);
    return () => process.off('SIGINT', listener);
  },
};

/** Errors of a job's start that mean the input cannot be used (exit 2); every other one means it could not run (3). */
export const usageErrors: readonly AppErrorCode[] = ['invalidDesign', 'invalidFileName', 'invalidRequest'];

/** A moment as the progress lines print it: 2026-12-07T10:05:00Z. */
export const stamp = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** A whole number option within a range, or why not. */
export function wholeNumber(value: string | undefined, name: string, min: number, max: number): { ok: true; value: number | undefined } | { ok: false; failure: CliFailure } {
  if (value === undefined) return { ok: true, value: undefined };
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) return { ok: false, failure: { code: 'usage', message: `${name} must be a whole number from ${min} to ${max}, not "${value}".` } };
  return { ok: true, value: n };
}

/** How a job ended for the command, or why it did not start. */
export type FollowedJob<K extends JobKind> = { started: false; error: AppError } | { started: true; done: Extract<JobEventOf<K>, { type: 'done' }> | null };

/** Starts one job and follows it to its end; see the module comment. */
export async function followJob<K extends JobKind>(
  backend: { events: EventHub; jobs: JobEngine },
  kind: K,
  start: () => Promise<Result<{ jobId: string }, AppError>>,
  options: {
    acceptNew: boolean;
    /** Prints a line of what happens (a host key trusted, the cancel). */
    note: (text: string) => void;
    /** What the job is called in the cancel line ("the verify"). */
    what: string;
    onEvent: (event: JobEventOf<K>) => void;
    interrupts?: InterruptSource;
  },
): Promise<FollowedJob<K>> {
  let jobId: string | null = null;
  let interrupted = false;
  let settle: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (settle = resolve));
  let done: Extract<JobEventOf<K>, { type: 'done' }> | null = null;
  const disconnect = backend.events.connect((channel, payload) => {
    if (channel === 'job:onDidProgress') {
      const event = payload as JobEventOf<JobKind>;
      if (event.kind !== kind) return;
      jobId ??= event.jobId;
      options.onEvent(event as JobEventOf<K>);
      if (event.type === 'done') {
        done = event as Extract<JobEventOf<K>, { type: 'done' }>;
        settle();
      }
    }
    if (channel === 'job:onDidPrompt') {
      const prompt = payload as JobPrompt;
      if (prompt.type === 'hostKey') {
        queueMicrotask(() => {
          if (options.acceptNew) options.note(`Trusting the new ${prompt.keyType} host key of ${prompt.machines.length === 0 ? prompt.host : listText(prompt.machines)} (${prompt.host}${prompt.port === 22 ? '' : `:${prompt.port}`}, ${prompt.fingerprint}) and recording it in ${prompt.knownHostsFile}.`);
          backend.jobs.answer({ promptId: prompt.promptId, trust: options.acceptNew });
        });
      } else if (prompt.type === 'passphrase') {
        // Keys with a passphrase are used through ssh-agent only: nothing is asked on the terminal.
        queueMicrotask(() => backend.jobs.answer({ promptId: prompt.promptId, passphrase: null }));
      }
    }
  });
  const stopInterrupts = (options.interrupts ?? processInterrupts).onInterrupt(() => {
    if (interrupted) return;
    interrupted = true;
    options.note(`Cancelling ${options.what}: commands running on the machines are stopped.`);
    if (jobId !== null) backend.jobs.cancel(jobId);
  });
  try {
    const started = await start();
    if (!started.ok) return { started: false, error: started.error };
    jobId = started.value.jobId;
    if (interrupted) backend.jobs.cancel(jobId);
    await finished;
  } finally {
    stopInterrupts();
    disconnect();
  }
  return { started: true, done };
}

// ---------------------------------------------------------------- reading the command line

/** Test seams of a job command: the SSH side, Ctrl+C, the clock. */
export interface JobCommandDeps extends SshEnvironment {
  createSsh?: (hooks: MachineSshHooks) => DeploySsh;
  interrupts?: InterruptSource;
  now?: () => number;
}

/** What a job command reads before anything runs; see openJobCommand. */
export interface JobCommandSpec<N extends string, S> {
  /** The command's name ("verify"). */
  name: string;
  usage: string;
  /** Its own text options besides the numbers (--machines, --pairs). */
  options: readonly string[];
  /** Its whole-number options, by name without the dashes, with their range. */
  numbers: Readonly<Record<N, { min: number; max: number }>>;
  /** What it reads from the design and its own options (the machines or pairs to run on), or why that cannot be used. */
  select: (design: Design, values: Readonly<Record<string, string | undefined>>) => { ok: true; value: S } | { ok: false; failure: CliFailure };
  /** Its time limits for the back end (tests). */
  backend?: Pick<CliDeployBackendOptions, 'verifyTimeouts' | 'measureTimeouts'>;
}

/** A job command ready to start its job: what it was given, read and checked, and the back end that runs it. */
export interface JobCommand<N extends string, S> {
  io: CliIo;
  asJson: boolean;
  /** The design file as given. */
  file: string;
  location: DesignLocation;
  design: Design;
  acceptNew: boolean;
  numbers: Readonly<Record<N, number | undefined>>;
  selection: S;
  backend: CliDeployBackend;
  /** What the services logged for a person (a job that failed as a whole). */
  logged: readonly string[];
  /** Prints a progress line: stamped on standard output, or on standard error with --json. */
  note: (text: string) => void;
  interrupts: InterruptSource | undefined;
}

/**
 * Reads a job command's options (its own, --strict or --accept-new, the SSH ones, --data-dir), its design file and
 * the SSH settings, and makes the app's back end to run the job on: the command, or the exit code after saying why
 * the input cannot be used (2).
 */
export async function openJobCommand<N extends string, S>(argv: string[], io: CliIo, deps: JobCommandDeps, spec: JobCommandSpec<N, S>): Promise<JobCommand<N, S> | number> {
  const names = Object.keys(spec.numbers) as N[];
  const own = Object.fromEntries([...spec.options, ...names].map((name) => [name, { type: 'string' as const }]));
  const parsed = parseCommand(argv, { ...own, strict: { type: 'boolean' }, 'accept-new': { type: 'boolean' }, 'data-dir': { type: 'string' }, ...sshCommandOptions }, { io, usage: spec.usage, files: 'one', name: spec.name });
  if (typeof parsed === 'number') return parsed;
  const values = parsed.values as SshOptionValues & Record<string, string | undefined> & { strict?: boolean; 'accept-new'?: boolean };
  const asJson = parsed.json;
  const file = parsed.positionals[0]!;
  const unusable = (failure: CliFailure, withUsage = false) => fail(io, asJson, ExitCode.usage, failure, { file, ...(withUsage ? { usage: spec.usage } : {}) });
  if (values.strict === true && values['accept-new'] === true) return unusable({ code: 'usage', message: '--strict and --accept-new contradict each other; give one of them.' }, true);
  const numbers = {} as Record<N, number | undefined>;
  for (const name of names) {
    const number = wholeNumber(values[name], `--${name}`, spec.numbers[name].min, spec.numbers[name].max);
    if (!number.ok) return unusable(number.failure);
    numbers[name] = number.value;
  }

  const location = locateDesign(file);
  if (!location.ok) return unusable(location.failure);
  const loaded = await readDesignFile(file);
  if (!loaded.ok) return unusable(loaded.failure);
  const selection = spec.select(loaded.value.design, values);
  if (!selection.ok) return unusable(selection.failure);
  const ssh = await loadSshSettings(values, deps);
  if (!ssh.ok) return unusable(ssh.failure);

  const logged: string[] = [];
  const backend = createCliDeployBackend({
    workspaceDir: location.value.workspaceDir,
    dataDir: cliDataDir(deps, values['data-dir']),
    createSsh: deps.createSsh ?? cliMachineSsh(ssh.settings),
    log: (message, details) => logged.push(`${message}${details instanceof Error ? `: ${details.message}` : ''}`),
    ...spec.backend,
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  const now = deps.now ?? Date.now;
  return {
    io,
    asJson,
    file,
    location: location.value,
    design: loaded.value.design,
    acceptNew: values['accept-new'] === true,
    numbers,
    selection: selection.value,
    backend,
    logged,
    note: (text) => (asJson ? io.stderr(`${text}\n`) : io.stdout(`${stamp(now())} ${text}\n`)),
    interrupts: deps.interrupts,
  };
}

// ---------------------------------------------------------------- running the job

/** The `done` event of a job kind, and the result one of its machines (or pairs) reports. */
type DoneOf<K extends JobKind> = Extract<JobEventOf<K>, { type: 'done' }>;
type ResultOf<K extends JobKind> = Extract<JobEventOf<K>, { type: 'machineDone' }>['result'];

/**
 * Starts a command's job and follows it to its end, printing its progress (without --json): what `started` says, each
 * machine's steps, and what `machineDone` says of each result. The job's end and the folder its run is kept in, or
 * the exit code after saying why it did not start (2 for input the back end refused, else 3).
 */
export async function runJobCommand<K extends 'verify' | 'measure'>(
  command: JobCommand<string, unknown>,
  kind: K,
  start: (request: { name: string; design: Design; hostKeys: 'ask' | 'strict' }) => Promise<Result<{ jobId: string }, AppError>>,
  options: {
    /** What the job is called in the cancel line ("the verify"). */
    what: string;
    /** The progress line of the start, by how many machines (or pairs) the job has. */
    started: (count: number) => string;
    /** The progress line of a machine (or pair) done, with its name. */
    machineDone: (result: ResultOf<K>, name: string) => string;
    /** Every result as it comes, with or without --json. */
    onResult?: (result: ResultOf<K>) => void;
    /** The history folder of a design's runs of this kind ("home" -> "home.verifies"). */
    folderOf: (stem: string) => string;
  },
): Promise<{ end: DoneOf<K>; historyDir: string | null } | number> {
  const { io, asJson, file, location, note } = command;
  const names = new Map<string, string>();
  const nameOf = (id: string) => names.get(id) ?? id;
  const followed = await followJob(command.backend, kind, () => start({ name: location.name, design: command.design, hostKeys: command.acceptNew ? 'ask' : 'strict' }), {
    acceptNew: command.acceptNew,
    note,
    what: options.what,
    ...(command.interrupts === undefined ? {} : { interrupts: command.interrupts }),
    onEvent: (followed) => {
      // The events every kind has; a result is the kind's own.
      const event = followed as JobEventOf<'verify' | 'measure'>;
      if (event.type === 'started') {
        for (const m of event.machines) names.set(m.machineId, m.name);
        if (!asJson) note(options.started(event.machines.length));
      } else if (event.type === 'machineStep') {
        if (!asJson) note(`${nameOf(event.machineId)}: step ${event.step.index}/${event.step.total} ${event.step.label}`);
      } else if (event.type === 'machineDone') {
        const result = event.result as ResultOf<K>;
        options.onResult?.(result);
        if (!asJson) note(options.machineDone(result, nameOf(event.machineId)));
      }
    },
  });
  if (!followed.started) {
    const exit = usageErrors.includes(followed.error.code) ? ExitCode.usage : ExitCode.failed;
    return fail(io, asJson, exit, { code: followed.error.code, message: describeError(followed.error), ...(followed.error.details === undefined ? {} : { details: followed.error.details }) }, { file });
  }
  if (followed.done === null) return ExitCode.failed;
  const { runId } = (followed.done as DoneOf<'verify' | 'measure'>).report;
  const folder = join(location.workspaceDir, options.folderOf(designStem(location.name)), runId);
  return { end: followed.done, historyDir: existsSync(folder) ? `${folder}/` : null };
}

/** What a job that failed as a whole says, with what the services logged about it. */
export function jobFailedMessage(what: string, logged: readonly string[]): string {
  return `${what} itself failed${logged.length === 0 ? '' : ` (${logged.join('; ')})`}. Report it if it keeps happening.`;
}

/**
 * Prints how a job command ended and returns its exit code: with --json one object (`ok`, the file, the command's own
 * fields, and the error when it could not do its work), else the failure on standard error and the run's text.
 */
export function printJobEnd(command: Pick<JobCommand<string, unknown>, 'io' | 'asJson' | 'file'>, end: { exit: number; failure: CliFailure | null; json: Record<string, unknown>; text: () => string }): number {
  const { io, asJson, file } = command;
  const failure = end.exit === ExitCode.failed ? end.failure : null;
  if (asJson) {
    io.stdout(`${JSON.stringify({ ok: end.exit === ExitCode.ok, file, ...end.json, ...(failure === null ? {} : { error: failure }) })}\n`);
    return end.exit;
  }
  if (failure !== null) io.stderr(`${failure.message}\n`);
  io.stdout(`\n${end.text()}`);
  return end.exit;
}

// ---------------------------------------------------------------- the run's text

/** How a run ended, as the first line of its text says it. */
const outcomeWords: Record<JobOutcome, string> = { finished: 'finished', cancelled: 'was cancelled', timedOut: 'ran out of time', failed: 'failed' };

/** How long a run took, as m:ss. */
function duration(ms: number): string {
  const seconds = Math.max(0, Math.round(ms / 1000));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** The first line of a run's text: "Verify of home.clan-design.json over Nebula finished after 0:42 (…)." */
export function runHeadline(what: string, file: string, report: { vpn: VpnId | null; outcome: JobOutcome; startedAt: number; finishedAt: number }, details: string): string {
  const vpn = report.vpn === null ? 'the VPN' : vpnDisplayNames[report.vpn];
  return `${what} of ${file} over ${vpn} ${outcomeWords[report.outcome]} after ${duration(report.finishedAt - report.startedAt)} (${details}).`;
}

/** What changed since the run before: its sentence, then a line per pair; none when there was no run before. */
export function changesLines(changes: ChangesText | null): string[] {
  return changes === null ? [] : [changes.sentence, ...changes.lines.map((line) => `  ${line}`)];
}
