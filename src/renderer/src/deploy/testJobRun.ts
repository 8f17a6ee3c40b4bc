import { jobProgressSchema, type JobProgress } from '../../../shared/ipc/contract';

/** A job's events as main sends them: numbered in order and checked against the contract's schema. */
export function recordJob<P extends JobProgress>(jobId: string, kind: P['kind']): { events: P[]; push: (event: Record<string, unknown>) => void } {
  const events: P[] = [];
  let seq = 0;
  return { events, push: (event) => events.push(jobProgressSchema.parse({ jobId, kind, seq: seq++, ...event }) as P) };
}
