import { verifyReportSchema, verifyRunIdSchema, type VerifyHistoryEntry, type VerifyReport } from '../../shared/verify/schema';
import { runHistoryFolderOf, type RunHistoryKind } from '../jobs/runHistory';

// Every verify run kept next to the design, in `<name>.verifies/<run id>/`: verify.json (the report with its
// reachability matrix) and verify.log (what was run on each machine, and what it answered); the files are written
// and read by the job history helpers (jobs/runHistory.ts), which "Measure my network" uses too.

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

/** Verify's history: `<name>.verifies/<run id>/verify.json` and `verify.log`. */
export const verifyHistory: RunHistoryKind<VerifyReport, VerifyHistoryEntry> = {
  folderSuffix: '.verifies',
  fileName: 'verify',
  schema: verifyReportSchema,
  runIdSchema: verifyRunIdSchema,
  entryOf: (report, runId) => {
    const c = report.matrix?.counts;
    return {
      runId,
      startedAt: report.startedAt,
      finishedAt: report.finishedAt,
      outcome: report.outcome,
      summary: summaryOf(report),
      counts: { pairs: c?.pairs ?? 0, reached: c?.reached ?? 0, partly: c?.partly ?? 0, notReached: c?.notReached ?? 0, sshUntested: c?.sshUntested ?? 0 },
    };
  },
};

/** The history folder of a design ("home.clan-design.json" -> "home.verifies"). */
export function verifyFolderOf(stem: string): string {
  return runHistoryFolderOf(verifyHistory, stem);
}
