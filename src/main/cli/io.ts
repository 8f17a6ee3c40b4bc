import { readFile } from 'node:fs/promises';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { describeError } from '../../shared/errors';
import type { Design } from '../../shared/model/types';
import type { RepairReport } from '../../shared/schema/restore';
import { loadDesignFile } from '../../shared/schema/load';
import { errnoOf } from '../errno';

// What every command shares with the dispatcher in run.ts: where it writes, the exit codes it returns, how it reads
// its options and its design file, and how it reports a failure. Kept apart from run.ts, which imports every
// command, so that the commands never import run.ts back.

/** Exit codes of every command. */
export const ExitCode = {
  /** Everything is fine. */
  ok: 0,
  /** The input was read but has problems (for example validation errors). */
  problems: 1,
  /** The input or the arguments could not be used at all. */
  usage: 2,
  /** The operation itself failed (network, SSH, disk). */
  failed: 3,
} as const;

/** Where a command writes; a process in production, buffers in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

/** Why a command could not do its work: a code for scripts (--json) and a sentence for people. */
export interface CliFailure {
  code: string;
  message: string;
  /** Structured details for --json (conflicts, problems, ...). */
  details?: unknown;
}

/**
 * Reports a failure and returns the exit code: with --json one JSON object on stdout (`ok: false`, the file it is
 * about, and the error), else the sentence on stderr, followed by the usage text when the arguments were wrong.
 */
export function fail(io: CliIo, json: boolean, exit: number, failure: CliFailure, context: { file?: string; usage?: string } = {}): number {
  if (json) {
    io.stdout(`${JSON.stringify({ ok: false, ...(context.file === undefined ? {} : { file: context.file }), error: failure })}\n`);
  } else {
    io.stderr(`${failure.message}\n${context.usage === undefined ? '' : `\n${context.usage}`}`);
  }
  return exit;
}

/** Why a file could not be read, as the end of "Could not read X: ..." */
export function readFailureReason(cause: unknown): string {
  const code = errnoOf(cause);
  if (code === 'ENOENT') return 'it does not exist';
  if (code === 'EACCES' || code === 'EPERM') return 'permission was denied';
  if (code === 'EISDIR') return 'it is a folder';
  return `the system said ${code ?? String(cause)}`;
}

/** Reads a text file named on the command line; the failure says which file and why. */
export async function readTextFile(path: string, what = ''): Promise<{ ok: true; text: string } | { ok: false; failure: CliFailure }> {
  try {
    return { ok: true, text: await readFile(path, 'utf8') };
  } catch (cause) {
    return { ok: false, failure: { code: 'fileAccessFailed', message: `Could not read ${what === '' ? '' : `${what} `}${path}: ${readFailureReason(cause)}. Check the path and try again.` } };
  }
}

/** A design file read from the command line, after the same load pipeline the app uses. */
export interface LoadedDesignFile {
  file: string;
  design: Design;
  repairs: RepairReport;
  migratedFrom?: number;
}

/** The one way every command reads its design file: read, load (migrations, repairs), or a failure to report. */
export async function readDesignFile(file: string): Promise<{ ok: true; value: LoadedDesignFile } | { ok: false; failure: CliFailure }> {
  const read = await readTextFile(file);
  if (!read.ok) return read;
  const loaded = loadDesignFile(read.text);
  if (!loaded.ok) return { ok: false, failure: { code: loaded.error.code, message: describeError(loaded.error) } };
  const value: LoadedDesignFile = { file, design: loaded.value.design, repairs: loaded.value.repairs };
  if (loaded.value.migratedFrom !== undefined) value.migratedFrom = loaded.value.migratedFrom;
  return { ok: true, value };
}

/** What a command's own options look like (node:util parseArgs options). */
export type CommandOptions = NonNullable<ParseArgsConfig['options']>;

/** The parsed arguments of a command, with --json folded in from wherever it stood. */
export interface CommandArgs {
  values: Record<string, string | boolean | string[] | boolean[] | undefined>;
  positionals: string[];
  json: boolean;
}

/**
 * Parses a command's arguments the same way for every command: its own options anywhere on the line (before or
 * after the file), plus --help and --json. Returns the arguments, or the exit code after printing the help (0) or
 * a usage error (2; as JSON when --json was given anywhere).
 */
export function parseCommand(argv: string[], options: CommandOptions, context: { io: CliIo; usage: string; files: 'one' | 'none'; name: string }): CommandArgs | number {
  const { io, usage } = context;
  const wantsJson = argv.includes('--json');
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: { ...options, help: { type: 'boolean', short: 'h' }, json: { type: 'boolean' } } });
  } catch (cause) {
    return fail(io, wantsJson, ExitCode.usage, { code: 'usage', message: (cause as Error).message }, { usage });
  }
  if (parsed.values.help === true) {
    io.stdout(usage);
    return ExitCode.ok;
  }
  const json = parsed.values.json === true;
  if (context.files === 'one' && parsed.positionals.length !== 1) {
    return fail(io, json, ExitCode.usage, { code: 'usage', message: `${context.name} takes exactly one design file.` }, { usage });
  }
  if (context.files === 'none' && parsed.positionals.length > 0) {
    return fail(io, json, ExitCode.usage, { code: 'usage', message: `${context.name} takes no file, but got "${parsed.positionals[0]}".` }, { usage });
  }
  return { values: parsed.values as CommandArgs['values'], positionals: parsed.positionals, json };
}
