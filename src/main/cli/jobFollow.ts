import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeError, type AppError, type AppErrorCode } from '../../shared/errors';
import type { JobEventOf, JobKind } from '../../shared/ipc/contract';
import type { JobOutcome, JobPrompt } from '../../shared/ipc/jobs';
import type { Design } from '../../shared/model/types';
import type { Result } from '../../shared/result';
import type { ChangesText } from '../../shared/runChanges';
import { vpnDisplayNames, type VpnId } from '../../shared/vpn/ids';
import type { MachineSshHooks } from '../services/checkJobs';
import type { DeploySsh } from '../services/deployService';
import { designStem } from '../services/projectFiles';
import { cliDataDir, cliMachineSsh, createCliDeployBackend, locateDesign, type CliDeployBackend, type CliDeployBackendOptions, type DesignLocation } from './deployBackend';
import { machineSelection } from './deployText';
import { ExitCode, fail, parseCommand, readDesignFile, type CliFailure, type CliIo, type CommandOptions } from './io';
import { loadSshSettings, sshCommandOptions, type SshEnvironment, type SshOptionValues } from './sshOptions';
import { answerJobPrompt, confirmationNeeded, confirmOnTerminal, processInterrupts, stamp, type AskLine, type Confirmation, type InterruptSource } from './terminal';

// What the commands that run the app's back end on a design file share (plan, deploy, install, verify, measure):
// reading their options, the design file and the SSH settings into the back end that does the work, and asking first
// where the command changes machines (openJobCommand); following a job on the terminal (followJobCommand): it starts
// the job, hands each of its events to the command, answers its questions the way the command line does
// (answerJobPrompt: a new host key is trusted only with --accept-new, a key with a passphrase is used through
// ssh-agent only), and turns Ctrl+C into a cancel of the job (a second one quits at once where the command allows
// it); and printing how it ended (printJobEnd), with the lines every run's text has.

/** Errors of a job's start that mean the input cannot be used (exit 2); every other one means it could not run (3). */
export const usageErrors: readonly AppErrorCode[] = ['invalidDesign', 'invalidFileName', 'invalidRequest'];

/** The same for a job that writes the configuration beside the design first (deploy, install): it may not generate. */
export const configurationErrors: readonly AppErrorCode[] = [...usageErrors, 'generateFailed', 'generatedFilesChanged'];

/** A whole number option within a range, or why not. */
export function wholeNumber(value: string | undefined, name: string, min: number, max: number): { ok: true; value: number | undefined } | { ok: false; failure: CliFailure } {
  if (value === undefined) return { ok: true, value: undefined };
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) return { ok: false, failure: { code: 'usage', message: `${name} must be a whole number from ${min} to ${max}, not "${value}".` } };
  return { ok: true, value: n };
}

/** An error of the back end as a command reports it: its code, the app's sentence for it, and its details. */
export function failureOf(error: AppError): CliFailure {
  return { code: error.code, message: describeError(error), ...(error.details === undefined ? {} : { details: error.details }) };
}

// ---------------------------------------------------------------- reading the command line

/** Test seams of a job command: the SSH side, Ctrl+C, the clock, and the terminal a confirmation is asked on. */
export interface JobCommandDeps extends SshEnvironment {
  createSsh?: (hooks: MachineSshHooks) => DeploySsh;
  interrupts?: InterruptSource;
  now?: () => number;
  /** Whether standard input is a terminal to ask on (default: process.stdin.isTTY); read only by commands that ask first. */
  terminal?: { stdin: boolean };
  /** Asks the confirmation on the terminal (default: askLineOnTerminal, the question on standard error). */
  askLine?: AskLine;
}

/** What a job command reads before anything runs; see openJobCommand. */
export interface JobCommandSpec<N extends string, S, F extends string> {
  /** The command's name ("verify"). */
  name: string;
  usage: string;
  /** Its own text options besides the numbers (--machines, --pairs). */
  options: readonly string[];
  /** Its own on/off options (--yes, --files), by name without the dashes, with their one-letter form if any. */
  flags?: Readonly<Record<F, { short?: string }>>;
  /** Its whole-number options, by name without the dashes, with their range. */
  numbers?: Readonly<Record<N, { min: number; max: number }>>;
  /**
   * A dry run (plan): it has no --strict, --accept-new or --data-dir, trusts no host key, and what the services log is
   * printed on standard error as it comes (no job's failure reports it later). The data folder is named for the back
   * end's wiring only: a dry run never reads or writes it.
   */
  dryRun?: boolean;
  /** Why its own options cannot be used as given, before the design is read (the usage is printed too); null if they can. */
  check?: (values: Readonly<Record<string, string | undefined>>) => CliFailure | null;
  /** What it reads from the design and its own options (the machines or pairs to run on), or why that cannot be used. */
  select: (design: Design, values: Readonly<Record<string, string | undefined>>) => { ok: true; value: S } | { ok: false; failure: CliFailure };
  /**
   * Whether it asks on the terminal before it changes anything: why it asks, and how to confirm without a terminal
   * (which it then says instead of starting); null when it goes ahead without asking (--yes).
   */
  askFirst?: (selection: S, given: { file: string; flags: Readonly<Record<F, boolean>> }) => { why: string; instead: string } | null;
  /** Its own settings of the back end (the clan CLI, time limits). */
  backend?: Omit<CliDeployBackendOptions, 'workspaceDir' | 'dataDir' | 'createSsh' | 'log' | 'now'>;
}

/** The `select` of a command run on the design's machines or some of them (--machines): their ids, undefined for all. */
export function selectMachines(design: Design, values: Readonly<Record<string, string | undefined>>): { ok: true; value: string[] | undefined } | { ok: false; failure: CliFailure } {
  const selection = machineSelection(design, values.machines);
  return selection.ok ? { ok: true, value: selection.ids } : selection;
}

/** A job command ready to start its job: what it was given, read and checked, and the back end that runs it. */
export interface JobCommand<N extends string = string, S = unknown, F extends string = string> {
  io: CliIo;
  asJson: boolean;
  /** The design file as given. */
  file: string;
  location: DesignLocation;
  design: Design;
  acceptNew: boolean;
  numbers: Readonly<Record<N, number | undefined>>;
  flags: Readonly<Record<F, boolean>>;
  selection: S;
  backend: CliDeployBackend;
  /** What the services logged for a person (a job that failed as a whole). */
  logged: readonly string[];
  /** Whether it must ask on the terminal before it starts (askFirst); standard input is a terminal then. */
  asks: boolean;
  /** Asks on the terminal: null to go ahead, else the exit code to stop with (see confirmOnTerminal). */
  confirm: (confirmation: Confirmation) => Promise<number | null>;
  /** Prints a message for the person that is not the report: on standard error with --json, else on standard output. */
  tell: (text: string) => void;
  /** Prints a progress line: stamped on standard output, or on standard error with --json. */
  note: (text: string) => void;
  now: () => number;
  interrupts: InterruptSource | undefined;
}

/**
 * Reads a job command's options (its own, --strict or --accept-new, the SSH ones, --data-dir), its design file and
 * the SSH settings, refuses off a terminal when it must ask first, and makes the app's back end to run the job on:
 * the command, or the exit code after saying why the input cannot be used (2).
 */
export async function openJobCommand<N extends string = never, S = unknown, F extends string = never>(argv: string[], io: CliIo, deps: JobCommandDeps, spec: JobCommandSpec<N, S, F>): Promise<JobCommand<N, S, F> | number> {
  const ranges = (spec.numbers ?? {}) as Readonly<Record<N, { min: number; max: number }>>;
  const names = Object.keys(ranges) as N[];
  const flagSpecs = (spec.flags ?? {}) as Readonly<Record<F, { short?: string }>>;
  const flagNames = Object.keys(flagSpecs) as F[];
  const hostKeyOptions: CommandOptions = spec.dryRun === true ? {} : { strict: { type: 'boolean' }, 'accept-new': { type: 'boolean' }, 'data-dir': { type: 'string' } };
  const options: CommandOptions = {
    ...Object.fromEntries([...spec.options, ...names].map((name) => [name, { type: 'string' as const }])),
    ...Object.fromEntries(flagNames.map((name) => [name, { type: 'boolean' as const, ...flagSpecs[name] }])),
    ...hostKeyOptions,
    ...sshCommandOptions,
  };
  const parsed = parseCommand(argv, options, { io, usage: spec.usage, files: 'one', name: spec.name });
  if (typeof parsed === 'number') return parsed;
  // The text options; the on/off ones are read apart.
  const values = parsed.values as Readonly<Record<string, string | undefined>>;
  const flags = Object.fromEntries(flagNames.map((name) => [name, parsed.values[name] === true])) as Record<F, boolean>;
  const acceptNew = parsed.values['accept-new'] === true;
  const asJson = parsed.json;
  const file = parsed.positionals[0]!;
  const unusable = (failure: CliFailure, withUsage = false) => fail(io, asJson, ExitCode.usage, failure, { file, ...(withUsage ? { usage: spec.usage } : {}) });
  if (parsed.values.strict === true && acceptNew) return unusable({ code: 'usage', message: '--strict and --accept-new contradict each other; give one of them.' }, true);
  const numbers = {} as Record<N, number | undefined>;
  for (const name of names) {
    const number = wholeNumber(values[name], `--${name}`, ranges[name].min, ranges[name].max);
    if (!number.ok) return unusable(number.failure);
    numbers[name] = number.value;
  }
  const wrong = spec.check?.(values) ?? null;
  if (wrong !== null) return unusable(wrong, true);

  const location = locateDesign(file);
  if (!location.ok) return unusable(location.failure);
  const loaded = await readDesignFile(file);
  if (!loaded.ok) return unusable(loaded.failure);
  const selection = spec.select(loaded.value.design, values);
  if (!selection.ok) return unusable(selection.failure);
  const asking = spec.askFirst?.(selection.value, { file, flags }) ?? null;
  if (asking !== null && !(deps.terminal?.stdin ?? process.stdin.isTTY === true)) return unusable(confirmationNeeded(asking.why, asking.instead));
  const ssh = await loadSshSettings(parsed.values as SshOptionValues, deps);
  if (!ssh.ok) return unusable(ssh.failure);

  const logged: string[] = [];
  const backend = createCliDeployBackend({
    workspaceDir: location.value.workspaceDir,
    dataDir: cliDataDir(deps, values['data-dir']),
    createSsh: deps.createSsh ?? cliMachineSsh(ssh.settings),
    log: (message, details) => {
      const line = `${message}${details instanceof Error ? `: ${details.message}` : ''}`;
      if (spec.dryRun === true) io.stderr(`${line}\n`);
      else logged.push(line);
    },
    ...spec.backend,
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  const now = deps.now ?? Date.now;
  const tell = (text: string) => (asJson ? io.stderr(text) : io.stdout(text));
  return {
    io,
    asJson,
    file,
    location: location.value,
    design: loaded.value.design,
    acceptNew,
    numbers,
    flags,
    selection: selection.value,
    backend,
    logged,
    asks: asking !== null,
    confirm: (confirmation) => confirmOnTerminal(confirmation, tell, deps.askLine),
    tell,
    note: (text) => (asJson ? io.stderr(`${text}\n`) : io.stdout(`${stamp(now())} ${text}\n`)),
    now,
    interrupts: deps.interrupts,
  };
}

/** Reports an error of the back end and returns the exit code: 2 for one of `usage` (the input cannot be used), else 3. */
export function failWithError(command: Pick<JobCommand, 'io' | 'asJson' | 'file'>, error: AppError, usage: readonly string[] = usageErrors): number {
  return fail(command.io, command.asJson, usage.includes(error.code) ? ExitCode.usage : ExitCode.failed, failureOf(error), { file: command.file });
}

// ---------------------------------------------------------------- running the job

/** The job kinds a command runs and keeps a history of. */
type RunKind = 'deploy' | 'install' | 'verify' | 'measure';
/** The `done` event of a job kind, and the result one of its machines (or pairs) reports. */
type DoneOf<K extends JobKind> = Extract<JobEventOf<K>, { type: 'done' }>;
type ResultOf<K extends JobKind> = Extract<JobEventOf<K>, { type: 'machineDone' }>['result'];

/** How a command follows its job on the terminal; see followJobCommand. */
export interface JobFollowing<K extends RunKind> {
  /** Each progress event of the job, `done` included. */
  onEvent: (event: JobEventOf<K>) => void;
  /** Where the lines of what happens go (a host key trusted, the cancel; default: the command's note). */
  note?: (text: string) => void;
  /** The line said at the first Ctrl+C, which cancels the job. */
  cancelling: string;
  /** What else the first Ctrl+C does, after the cancel (the live view shows it). */
  onCancel?: () => void;
  /**
   * A second Ctrl+C quits at once with exit code 130, after `warning` on standard error (`before` runs first: the live
   * view gives the terminal back); without it a second Ctrl+C changes nothing.
   */
  quitAtOnce?: { warning: string; before?: () => void; exitNow?: ((code: number) => void) | undefined };
  /** The errors of the job's start that mean the input cannot be used (exit 2; default usageErrors); any other exits 3. */
  usageErrors?: readonly AppErrorCode[];
  /** The history folder of a design's runs of this kind ("home" -> "home.verifies"). */
  folderOf: (stem: string) => string;
}

/**
 * Starts a command's job and follows it to its end; see the module comment. The job's end and the folder its run is
 * kept in, or the exit code: 130 after quitting at once, else after saying why the job did not start (2 for input the
 * back end refused, else 3).
 */
export async function followJobCommand<K extends RunKind>(
  command: JobCommand,
  kind: K,
  start: (request: { name: string; design: Design; hostKeys: 'ask' | 'strict' }) => Promise<Result<{ jobId: string }, AppError>>,
  following: JobFollowing<K>,
): Promise<{ end: DoneOf<K>; historyDir: string | null } | number> {
  const { backend, location } = command;
  const note = following.note ?? command.note;
  let jobId: string | null = null;
  let interrupts = 0;
  let settle: (quit: boolean) => void = () => undefined;
  const finished = new Promise<boolean>((resolve) => (settle = resolve));
  const ended: { done: DoneOf<K> | null } = { done: null };
  const disconnect = backend.events.connect((channel, payload) => {
    if (channel === 'job:onDidProgress') {
      const event = payload as JobEventOf<JobKind>;
      if (event.kind !== kind) return;
      jobId ??= event.jobId;
      following.onEvent(event as JobEventOf<K>);
      if (event.type === 'done') {
        ended.done = event as DoneOf<K>;
        settle(false);
      }
    }
    if (channel === 'job:onDidPrompt') answerJobPrompt(backend.jobs, payload as JobPrompt, { acceptNew: command.acceptNew, note });
  });
  const stopInterrupts = (command.interrupts ?? processInterrupts).onInterrupt(() => {
    interrupts += 1;
    if (interrupts === 1) {
      note(following.cancelling);
      if (jobId !== null) backend.jobs.cancel(jobId);
      following.onCancel?.();
      return;
    }
    const quit = following.quitAtOnce;
    if (quit === undefined) return;
    quit.before?.();
    command.io.stderr(quit.warning);
    settle(true);
    (quit.exitNow ?? ((code: number) => process.exit(code)))(130);
  });
  try {
    const started = await start({ name: location.name, design: command.design, hostKeys: command.acceptNew ? 'ask' : 'strict' });
    if (!started.ok) return failWithError(command, started.error, following.usageErrors);
    jobId = started.value.jobId;
    // Ctrl+C before the job had its id: cancel it now, before any machine starts.
    if (interrupts > 0) backend.jobs.cancel(jobId);
    if (await finished) return 130;
  } finally {
    stopInterrupts();
    disconnect();
  }
  const end = ended.done;
  if (end === null) return ExitCode.failed;
  const folder = join(location.workspaceDir, following.folderOf(designStem(location.name)), (end as DoneOf<RunKind>).report.runId);
  return { end, historyDir: existsSync(folder) ? `${folder}/` : null };
}

/**
 * Follows a verify or a measurement (followJobCommand), printing its progress (without --json): what `started` says,
 * each machine's steps, and what `machineDone` says of each result.
 */
export async function runJobCommand<K extends 'verify' | 'measure'>(
  command: JobCommand,
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
  const { asJson, note } = command;
  const names = new Map<string, string>();
  const nameOf = (id: string) => names.get(id) ?? id;
  return followJobCommand(command, kind, start, {
    cancelling: `Cancelling ${options.what}: commands running on the machines are stopped.`,
    folderOf: options.folderOf,
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
}

/**
 * What a job that failed as a whole says, with what the services logged about it; `rest` ends the sentence (by
 * default, to report it).
 */
export function jobFailedMessage(what: string, logged: readonly string[], rest = '. Report it if it keeps happening.'): string {
  return `${what} itself failed${logged.length === 0 ? '' : ` (${logged.join('; ')})`}${rest}`;
}

/**
 * Prints how a job command ended and returns its exit code: with --json one object (`ok`, the file, the command's own
 * fields, and the error when it could not do its work), else the failure on standard error and the run's text.
 */
export function printJobEnd(command: Pick<JobCommand, 'io' | 'asJson' | 'file'>, end: { exit: number; failure: CliFailure | null; json: Record<string, unknown>; text: () => string }): number {
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
