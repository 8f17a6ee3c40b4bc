import { create } from 'zustand';
import type { MachinePreflight, PreflightStatus } from '../../../shared/preflight';
import type { CheckReport } from '../../../shared/schema/checkReport';

/** Where one machine is in a check: waiting its turn, being checked, or done with its worst status. */
export type MachineCheckStatus = 'pending' | 'checking' | PreflightStatus;

export interface CheckState {
  /** The design file the results belong to (null for an unsaved design). */
  forFile: string | null;
  /** The check running now, if any. */
  running: { jobId: string; startedAt: number } | null;
  /** Per machine id: status and findings of the running check, or of the last one. */
  machines: Readonly<Record<string, { status: MachineCheckStatus; result: MachinePreflight | null }>>;
  /** The last finished (or cancelled) check, as kept with the project. */
  report: CheckReport | null;
}

export const useCheckStore = create<CheckState>()(() => ({ forFile: null, running: null, machines: {}, report: null }));

/** The check status of one machine for canvas badges, or undefined when it was never checked. */
export function useMachineCheckStatus(machineId: string): MachineCheckStatus | undefined {
  return useCheckStore((s) => s.machines[machineId]?.status);
}
