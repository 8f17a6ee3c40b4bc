import type { AppError } from '../../shared/errors';
import { ok, type Result } from '../../shared/result';
import type { ConfinedFolder } from '../fs/confinedFolder';
import { listRunHistory, readLastRun, readRunHistoryEntry, type RunHistoryKind, type RunReportBase } from '../jobs/runHistory';
import { designStem, normalizeDesignFileName } from './projectFiles';

/**
 * The read side of a kind's run history (jobs/runHistory.ts) by design file, as the `<kind>:history`,
 * `<kind>:historyEntry` and `<kind>:last` channels answer it: verify and measure both serve it through this.
 */
export class DesignRunHistory<R extends RunReportBase, E> {
  constructor(
    private readonly workspace: ConfinedFolder,
    private readonly kind: RunHistoryKind<R, E>,
    /** The running job of this kind, if any. */
    private readonly running: () => { jobId: string; forFile: string | null } | null,
  ) {}

  /** The runs of a design, newest first, and the running one when it is for that file. */
  async list(designFile: string): Promise<Result<{ entries: E[]; running: { jobId: string } | null }, AppError>> {
    const name = normalizeDesignFileName(designFile);
    if (!name.ok) return name;
    const job = this.running();
    const entries = await listRunHistory(this.workspace, this.kind, designStem(name.value));
    if (!entries.ok) return entries;
    return ok({ entries: entries.value, running: job !== null && job.forFile === name.value ? { jobId: job.jobId } : null });
  }

  /** One run of a design's history. */
  async entry(designFile: string, runId: string): Promise<Result<{ report: R | null; log: string }, AppError>> {
    const name = normalizeDesignFileName(designFile);
    if (!name.ok) return name;
    return readRunHistoryEntry(this.workspace, this.kind, designStem(name.value), runId);
  }

  /** The newest report kept with a design file, or null. */
  async last(designFile: string): Promise<Result<{ report: R | null }, AppError>> {
    const name = normalizeDesignFileName(designFile);
    if (!name.ok) return name;
    const report = await readLastRun(this.workspace, this.kind, designStem(name.value));
    return report.ok ? ok({ report: report.value }) : report;
  }
}
