import type { z } from 'zod';
import type { AppError } from '../../shared/errors';
import type { JobOutcome } from '../../shared/ipc/jobs';
import { ok, type Result } from '../../shared/result';
import type { PreviousRun } from '../../shared/runChanges';
import type { ConfinedFolder } from '../fs/confinedFolder';

// The runs of a job kind kept next to the design, one folder per run: `<name><folder suffix>/<run id>/` with
// `<file>.json` (the report) and `<file>.log` (what was run on each machine, and what it answered). Verify keeps its
// runs this way (`<name>.verifies/<run id>/verify.json`), and so does "Measure my network" (`<name>.measures/…`).
// Written through the workspace's ConfinedFolder like every file of the app, so a link planted under these names is
// refused. Run ids sort by time (deploy/history.ts newRunId), so the newest is the last in name order.

/** What a kept report has in common: its run id, when it ran and how it ended. */
export interface RunReportBase {
  runId: string;
  startedAt: number;
  finishedAt: number;
  outcome: JobOutcome;
}

/** A job kind whose runs are kept as a history. */
export interface RunHistoryKind<R extends RunReportBase, E> {
  /** The history folder's ending after the design's stem ("home" + ".verifies"). */
  readonly folderSuffix: string;
  /** The base name of a run's two files ("verify": verify.json, verify.log). */
  readonly fileName: string;
  readonly schema: z.ZodType<R>;
  readonly runIdSchema: z.ZodType<string>;
  /** The entry the history list shows for a readable report kept in the folder `runId`. */
  entryOf(report: R, runId: string): E;
}

const decoder = new TextDecoder();

/** The history folder of a design for a kind ("home" -> "home.verifies"). */
export function runHistoryFolderOf(kind: Pick<RunHistoryKind<RunReportBase, unknown>, 'folderSuffix'>, stem: string): string {
  return `${stem}${kind.folderSuffix}`;
}

/** One run's files, written at its end. */
export class RunHistoryWriter<R extends RunReportBase> {
  private readonly lines: string[] = [];
  private readonly folder: string;

  constructor(
    private readonly workspace: ConfinedFolder,
    private readonly kind: RunHistoryKind<R, unknown>,
    stem: string,
    readonly runId: string,
    /** Lines kept; a long run keeps its end. */
    private readonly maxLines = 50_000,
  ) {
    this.folder = `${runHistoryFolderOf(kind, stem)}/${runId}`;
  }

  /** A log line; `machine` names the machine (or pair) it is about (null: the run's own). */
  log(machine: string | null, line: string): void {
    this.lines.push(`${new Date().toISOString()} ${machine === null ? '' : `[${machine}] `}${line}`);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
  }

  /** Writes the report and the log; the first failure is returned, the other still tried. */
  async write(report: R): Promise<Result<void, AppError>> {
    const kept = await this.workspace.writeFile(`${this.folder}/${this.kind.fileName}.json`, `${JSON.stringify(report, null, 2)}\n`);
    const logged = await this.workspace.writeFile(`${this.folder}/${this.kind.fileName}.log`, `${this.lines.join('\n')}\n`);
    return kept.ok ? logged : kept;
  }
}

async function readReport<R extends RunReportBase>(workspace: ConfinedFolder, kind: RunHistoryKind<R, unknown>, path: string): Promise<R | null> {
  const read = await workspace.readFile(path, { maxBytes: 64 * 1024 * 1024 });
  if (!read.ok || read.value === undefined) return null;
  try {
    const parsed = kind.schema.safeParse(JSON.parse(decoder.decode(read.value.bytes)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The run ids kept for a design, newest first. */
async function runIds(workspace: ConfinedFolder, kind: RunHistoryKind<RunReportBase, unknown>, stem: string): Promise<Result<string[], AppError>> {
  const runs = await workspace.list(runHistoryFolderOf(kind, stem));
  if (!runs.ok) return runs;
  return ok(runs.value.filter((r) => kind.runIdSchema.safeParse(r).success).sort().reverse());
}

const reportPath = (kind: RunHistoryKind<RunReportBase, unknown>, stem: string, runId: string) => `${runHistoryFolderOf(kind, stem)}/${runId}/${kind.fileName}.json`;

/** The runs of a design, newest first; runs whose report cannot be read are left out. */
export async function listRunHistory<R extends RunReportBase, E>(workspace: ConfinedFolder, kind: RunHistoryKind<R, E>, stem: string): Promise<Result<E[], AppError>> {
  const ids = await runIds(workspace, kind, stem);
  if (!ids.ok) return ids;
  const entries: E[] = [];
  for (const runId of ids.value) {
    const report = await readReport(workspace, kind, reportPath(kind, stem, runId));
    if (report !== null) entries.push(kind.entryOf(report, runId));
  }
  return ok(entries);
}

/** One run: its report (null when it cannot be read) and its log ('' when there is none). */
export async function readRunHistoryEntry<R extends RunReportBase>(workspace: ConfinedFolder, kind: RunHistoryKind<R, unknown>, stem: string, runId: string): Promise<Result<{ report: R | null; log: string }, AppError>> {
  const report = await readReport(workspace, kind, reportPath(kind, stem, runId));
  const log = await workspace.readFile(`${runHistoryFolderOf(kind, stem)}/${runId}/${kind.fileName}.log`, { maxBytes: 32 * 1024 * 1024 });
  return ok({ report, log: log.ok && log.value !== undefined ? decoder.decode(log.value.bytes) : '' });
}

/** The newest readable report of a design that `accept` takes (default: any), or null. */
export async function readLastRun<R extends RunReportBase>(workspace: ConfinedFolder, kind: RunHistoryKind<R, unknown>, stem: string, accept: (report: R) => boolean = () => true): Promise<Result<R | null, AppError>> {
  const ids = await runIds(workspace, kind, stem);
  if (!ids.ok) return ids;
  for (const runId of ids.value) {
    const report = await readReport(workspace, kind, reportPath(kind, stem, runId));
    if (report !== null && accept(report)) return ok(report);
  }
  return ok(null);
}

/**
 * The run a new run is compared with, read as the new one starts: the newest kept report that `accept` takes (one
 * with a result to compare). The answer turns what `compare` finds into the new report's `previous`: null when there
 * was no such run, or when `compare` returns null (the new run has nothing to compare, such as no result).
 */
export async function readRunBefore<R extends RunReportBase>(
  workspace: ConfinedFolder,
  kind: RunHistoryKind<R, unknown>,
  stem: string,
  accept: (report: R) => boolean,
): Promise<<C>(compare: (before: R) => C[] | null) => PreviousRun<C> | null> {
  const read = await readLastRun(workspace, kind, stem, accept);
  const before = read.ok ? read.value : null;
  return (compare) => {
    const changes = before === null ? null : compare(before);
    return before === null || changes === null ? null : { runId: before.runId, startedAt: before.startedAt, changes };
  };
}
