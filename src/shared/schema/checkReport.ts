import { z } from 'zod';
import { localCheckIds, machineCheckIds, checkStatuses } from '../check';

/**
 * The result of "Check machines" as it is kept with the project (next to the design file) and sent between main
 * and the renderer: when it ran, how it ended, this computer's own checks, and every machine's findings.
 */

export const checkFindingSchema = z.object({
  id: z.enum([...machineCheckIds, ...localCheckIds]),
  status: z.enum(checkStatuses),
  message: z.string().max(4000),
  command: z.string().max(4000).optional(),
});

export const machineCheckResultSchema = z.object({
  machineId: z.string().max(200),
  name: z.string().max(500),
  target: z.string().max(1000).nullable(),
  via: z.string().max(500).nullable(),
  status: z.enum(checkStatuses),
  findings: z.array(checkFindingSchema).max(64),
});

export const checkOutcomes = ['finished', 'cancelled', 'failed'] as const;

export const checkReportSchema = z.object({
  kind: z.literal('clan-designer-check'),
  version: z.literal(1),
  /** When the check started and ended (ms since the epoch). */
  startedAt: z.number(),
  finishedAt: z.number(),
  outcome: z.enum(checkOutcomes),
  /** Checks of the computer the app runs on (the clan CLI). */
  local: z.array(checkFindingSchema).max(16),
  machines: z.array(machineCheckResultSchema).max(100_000),
});

export type CheckReport = z.infer<typeof checkReportSchema>;
export type CheckOutcome = (typeof checkOutcomes)[number];
