import { z } from 'zod';
import { jobOutcomes } from '../ipc/jobs';
import { deployStepIds, deployWays } from './plan';

// What a deploy did, machine by machine: the result of each (sent as it finishes), and the report of the whole run,
// kept in the deploy's history next to the design.

/**
 * How a machine ended. `deployed`: it runs the new system and the app confirmed it over a new connection.
 * `failed`: a step failed; the machine still runs what it ran before, unless the message says otherwise.
 * `rolledBack`: the switch happened, the app could not confirm it, and the machine's watchdog switched back.
 * `skipped`: never started (blocked in the plan, a machine it needs failed, or it was not selected).
 * `cancelled`: the deploy was cancelled before or while the machine ran (the message says how far it got).
 * `unknown`: the app lost the machine after the switch and could not find out what it runs.
 */
export const deployMachineStatuses = ['deployed', 'failed', 'rolledBack', 'skipped', 'cancelled', 'unknown'] as const;
export type DeployMachineStatus = (typeof deployMachineStatuses)[number];

export const deployMachineResultSchema = z.object({
  machineId: z.string(),
  name: z.string(),
  status: z.enum(deployMachineStatuses),
  /** The step it stopped at (failed, cancelled, rolled back), or null. */
  step: z.enum(deployStepIds).nullable(),
  /** What happened, in a sentence a person can act on. */
  message: z.string().max(4000),
  /** What to do next; null when nothing is needed. */
  whatToDo: z.string().max(2000).nullable(),
  /** The system it runs after the deploy (store path), when known. */
  system: z.string().nullable(),
  /** The system it ran before, when known. */
  previousSystem: z.string().nullable(),
  startedAt: z.number().nullable(),
  finishedAt: z.number().nullable(),
});
export type DeployMachineResult = z.infer<typeof deployMachineResultSchema>;

/** The vars made before the machines (the way without Nix here, or clan vars generate with the clan CLI). */
export const deployVarsResultSchema = z.object({
  status: z.enum(['made', 'failed', 'notNeeded', 'cancelled']),
  helper: z.string().nullable(),
  message: z.string().max(4000),
});

/** The report of one deploy, kept as `<name>.deploys/<id>/result.json`. */
export const deployReportSchema = z.object({
  kind: z.literal('clan-designer-deploy'),
  version: z.literal(1),
  /** The run's id: the history entry's folder name. */
  runId: z.string().regex(/^[0-9a-z-]{1,80}$/),
  startedAt: z.number(),
  finishedAt: z.number(),
  outcome: z.enum(jobOutcomes),
  way: z.enum(deployWays),
  vars: deployVarsResultSchema,
  machines: z.array(deployMachineResultSchema).max(100_000),
  /** What to do next, in a few sentences (the summary the Deploy area and the CLI show). */
  nextSteps: z.array(z.string().max(2000)).max(50),
});
export type DeployReport = z.infer<typeof deployReportSchema>;

/** Counts of a report's machines by status. */
export function countByStatus(report: Pick<DeployReport, 'machines'>): Record<DeployMachineStatus, number> {
  const counts = Object.fromEntries(deployMachineStatuses.map((s) => [s, 0])) as Record<DeployMachineStatus, number>;
  for (const m of report.machines) counts[m.status] += 1;
  return counts;
}

/** One entry of a design's deploy history, as listed. */
export const deployHistoryEntrySchema = z.object({
  runId: z.string(),
  startedAt: z.number(),
  finishedAt: z.number(),
  outcome: z.enum(jobOutcomes),
  way: z.enum(deployWays),
  counts: z.record(z.enum(deployMachineStatuses), z.number()),
  /** sha256 of every file of the flake that was deployed (path -> hex): what "changed since the last deploy" compares with. */
  flakeFiles: z.record(z.string(), z.string()),
});
export type DeployHistoryEntry = z.infer<typeof deployHistoryEntrySchema>;
