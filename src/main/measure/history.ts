import { measureReportSchema, measureRunIdSchema, type MeasureHistoryEntry, type MeasureReport } from '../../shared/measure/report';
import { runHistoryFolderOf, type RunHistoryKind } from '../jobs/runHistory';

// Every "Measure my network" run kept next to the design, in `<name>.measures/<run id>/`: measure.json (the report:
// each pair's figures and their comparison with the benchmark) and measure.log (every command run on each machine,
// and what it printed), beside the deploy history (`<name>.deploys/`) and the verify runs (`<name>.verifies/`), with
// the same helpers as verify's (jobs/runHistory.ts).

/** The history of measure runs: `<name>.measures/<run id>/measure.json` and `measure.log`. */
export const measureHistory: RunHistoryKind<MeasureReport, MeasureHistoryEntry> = {
  folderSuffix: '.measures',
  fileName: 'measure',
  schema: measureReportSchema,
  runIdSchema: measureRunIdSchema,
  entryOf: (report, runId) => ({
    runId,
    startedAt: report.startedAt,
    finishedAt: report.finishedAt,
    outcome: report.outcome,
    summary: report.summary,
    counts: { pairs: report.pairs.length, measured: report.pairs.filter((p) => p.link !== null).length },
  }),
};

/** The history folder of a design ("home.clan-design.json" -> "home.measures"). */
export function measureFolderOf(stem: string): string {
  return runHistoryFolderOf(measureHistory, stem);
}
