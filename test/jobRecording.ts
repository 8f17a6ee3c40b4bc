import type { Backend } from '../src/main/rpc/createBackend';
import type { JobEventOf, JobKind, JobProgress, JobReportOf } from '../src/shared/ipc/contract';

/** A job's events as they arrive, each with when (ms since `begin()`), until its done event. */
export interface JobRecording<K extends JobKind> {
  events: { at: number; event: JobEventOf<K> }[];
  /** Where `at` counts from: call it just before starting the job. */
  begin(): void;
  /** ms since begin(). */
  elapsed(): number;
  /** The report of the done event. */
  done: Promise<JobReportOf<K>>;
  /** Stops recording. */
  stop(): void;
}

/** Records the events of the next job of `kind` on the back end (its progress channel); see JobRecording. */
export function recordJob<K extends JobKind>(backend: Backend, kind: K): JobRecording<K> {
  const events: JobRecording<K>['events'] = [];
  // Typed loosely inside: TypeScript cannot relate a promise of JobReportOf<K> to its resolver while K is open.
  let resolveDone: (report: unknown) => void = () => undefined;
  const done = new Promise<unknown>((resolve) => {
    resolveDone = resolve;
  }) as Promise<JobReportOf<K>>;
  let t0 = performance.now();
  const stop = backend.services.events.connect((channel, payload) => {
    if (channel !== 'job:onDidProgress') return;
    const event = payload as JobProgress;
    if (event.kind !== kind) return;
    events.push({ at: performance.now() - t0, event: event as JobEventOf<K> });
    if (event.type === 'done') resolveDone((event as { report: unknown }).report);
  });
  return {
    events,
    begin: () => {
      t0 = performance.now();
    },
    elapsed: () => performance.now() - t0,
    done,
    stop,
  };
}

/**
 * Runs one job of `kind` to its end: records its events, calls `start` (which starts the job, and throws when it
 * could not), waits for the done event, and returns its report with every event the job sent.
 */
export async function runJob<K extends JobKind>(backend: Backend, kind: K, start: () => Promise<unknown>): Promise<{ report: JobReportOf<K>; events: JobEventOf<K>[] }> {
  const recording = recordJob(backend, kind);
  try {
    await start();
    const report = await recording.done;
    return { report, events: recording.events.map((e) => e.event) };
  } finally {
    recording.stop();
  }
}
