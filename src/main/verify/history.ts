import type { AppError } from '../../shared/errors';
import { ok, type Result } from '../../shared/result';
import { verifyReportSchema, verifyRunIdSchema, type VerifyHistoryEntry, type VerifyReport } from '../../shared/verify/schema';
import type { ConfinedFolder } from '../fs/confinedFolder';

// Every verify run kept next to the design, in `<name>.verifies/<run id>/`: verify.json (the report with its
// reachability matrix) and verify.log (what was run on each machine, and what it answered). Written through the
// workspace's ConfinedFolder like every file of the app, so a link planted under these names is refused.

const decoder = new TextDecoder();

/** The history folder of a design ("home.clan-design.json" -> "home.verifies"). */
export function verifyFolderOf(stem: string): string {
  return `${stem}.verifies`;
}

/** One verify run's files, written at its end. */
export class VerifyHistoryWriter {
  private readonly lines: string[] = [];
  private readonly folder: string;

  constructor(
    private readonly workspace: ConfinedFolder,
    stem: string,
    readonly runId: string,
    /** Lines kept; a long run keeps its end. */
    private readonly maxLines = 50_000,
  ) {
    this.folder = `${verifyFolderOf(stem)}/${runId}`;
  }

  /** A log line; `machine` names the machine it is about (null: the run's own). */
  log(machine: string | null, line: string): void {
    this.lines.push(`${new Date().toISOString()} ${machine === null ? '' : `[${machine}] `}${line}`);
    if (this.lines.length > this.maxLines) this.lines.splice(0, this.lines.length - this.maxLines);
  }

  /** Writes the report and the log; the first failure is returned, the other still tried. */
  async write(report: VerifyReport): Promise<Result<void, AppError>> {
    const kept = await this.workspace.writeFile(`${this.folder}/verify.json`, `${JSON.stringify(report, null, 2)}\n`);
    const logged = await this.workspace.writeFile(`${this.folder}/verify.log`, `${this.lines.join('\n')}\n`);
    return kept.ok ? logged : kept;
  }
}

async function readReport(workspace: ConfinedFolder, path: string): Promise<VerifyReport | null> {
  const read = await workspace.readFile(path, { maxBytes: 64 * 1024 * 1024 });
  if (!read.ok || read.value === undefined) return null;
  try {
    const parsed = verifyReportSchema.safeParse(JSON.parse(decoder.decode(read.value.bytes)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** The run ids kept for a design, newest first (run ids sort by time). */
async function runIds(workspace: ConfinedFolder, stem: string): Promise<Result<string[], AppError>> {
  const runs = await workspace.list(verifyFolderOf(stem));
  if (!runs.ok) return runs;
  return ok(runs.value.filter((r) => verifyRunIdSchema.safeParse(r).success).sort().reverse());
}

/** The sentence a history entry shows. */
function summaryOf(report: VerifyReport): string {
  if (report.matrix !== null) return report.matrix.summary;
  switch (report.outcome) {
    case 'cancelled':
      return 'Cancelled before the matrix was built.';
    case 'timedOut':
      return 'Stopped at its time limit before the matrix was built.';
    case 'failed':
      return 'The run stopped on an error in the app before the matrix was built; its log says where.';
    case 'finished':
      return 'No matrix was built.';
  }
}

/** The verify runs of a design, newest first; runs whose report cannot be read are left out. */
export async function listVerifyHistory(workspace: ConfinedFolder, stem: string): Promise<Result<VerifyHistoryEntry[], AppError>> {
  const ids = await runIds(workspace, stem);
  if (!ids.ok) return ids;
  const entries: VerifyHistoryEntry[] = [];
  for (const runId of ids.value) {
    const report = await readReport(workspace, `${verifyFolderOf(stem)}/${runId}/verify.json`);
    if (report === null) continue;
    const c = report.matrix?.counts;
    entries.push({
      runId,
      startedAt: report.startedAt,
      finishedAt: report.finishedAt,
      outcome: report.outcome,
      summary: summaryOf(report),
      counts: { pairs: c?.pairs ?? 0, reached: c?.reached ?? 0, partly: c?.partly ?? 0, notReached: c?.notReached ?? 0, sshUntested: c?.sshUntested ?? 0 },
    });
  }
  return ok(entries);
}

/** One verify run: its report (null when it cannot be read) and its log ('' when there is none). */
export async function readVerifyHistoryEntry(workspace: ConfinedFolder, stem: string, runId: string): Promise<Result<{ report: VerifyReport | null; log: string }, AppError>> {
  const base = `${verifyFolderOf(stem)}/${runId}`;
  const report = await readReport(workspace, `${base}/verify.json`);
  const log = await workspace.readFile(`${base}/verify.log`, { maxBytes: 32 * 1024 * 1024 });
  return ok({ report, log: log.ok && log.value !== undefined ? decoder.decode(log.value.bytes) : '' });
}

/** The newest readable verify report of a design, or null. */
export async function readLastVerify(workspace: ConfinedFolder, stem: string): Promise<Result<VerifyReport | null, AppError>> {
  const ids = await runIds(workspace, stem);
  if (!ids.ok) return ids;
  for (const runId of ids.value) {
    const report = await readReport(workspace, `${verifyFolderOf(stem)}/${runId}/verify.json`);
    if (report !== null) return ok(report);
  }
  return ok(null);
}
