import type { AppError, AppErrorCode } from '../../shared/errors';
import type { JobEventOf, JobKind } from '../../shared/ipc/contract';
import type { JobPrompt } from '../../shared/ipc/jobs';
import type { Result } from '../../shared/result';
import { listText } from '../../shared/text';
import type { JobEngine } from '../jobs/jobEngine';
import type { EventHub } from '../rpc/eventHub';
import type { InterruptSource } from './deployCommand';
import type { CliFailure } from './io';

// How a command that runs one job of the app's back end (verify, measure) follows it on the terminal: it starts the
// job, hands each of its events to the command, answers its questions the way the command line does (a new host key
// is trusted only with --accept-new, printed as it is; a key with a passphrase is used through ssh-agent only, so
// nothing is asked), and turns Ctrl+C into a cancel of the job.

/** Ctrl+C as a signal; the listener also stops Node's default of ending the process at once. */
export const processInterrupts: InterruptSource = {
  onInterrupt: (listener) => {
    process.on('SIGINT', listener);
    return () => process.off('SIGINT', listener);
  },
};

/** Errors of a job's start that mean the input cannot be used (exit 2); every other one means it could not run (3). */
export const usageErrors: readonly AppErrorCode[] = ['invalidDesign', 'invalidFileName', 'invalidRequest'];

/** A moment as the progress lines print it: 2026-12-07T10:05:00Z. */
export const stamp = (ms: number) => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/** A whole number option within a range, or why not. */
export function wholeNumber(value: string | undefined, name: string, min: number, max: number): { ok: true; value: number | undefined } | { ok: false; failure: CliFailure } {
  if (value === undefined) return { ok: true, value: undefined };
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < min || n > max) return { ok: false, failure: { code: 'usage', message: `${name} must be a whole number from ${min} to ${max}, not "${value}".` } };
  return { ok: true, value: n };
}

/** How a job ended for the command, or why it did not start. */
export type FollowedJob<K extends JobKind> = { started: false; error: AppError } | { started: true; done: Extract<JobEventOf<K>, { type: 'done' }> | null };

/** Starts one job and follows it to its end; see the module comment. */
export async function followJob<K extends JobKind>(
  backend: { events: EventHub; jobs: JobEngine },
  kind: K,
  start: () => Promise<Result<{ jobId: string }, AppError>>,
  options: {
    acceptNew: boolean;
    /** Prints a line of what happens (a host key trusted, the cancel). */
    note: (text: string) => void;
    /** What the job is called in the cancel line ("the verify"). */
    what: string;
    onEvent: (event: JobEventOf<K>) => void;
    interrupts?: InterruptSource;
  },
): Promise<FollowedJob<K>> {
  let jobId: string | null = null;
  let interrupted = false;
  let settle: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (settle = resolve));
  let done: Extract<JobEventOf<K>, { type: 'done' }> | null = null;
  const disconnect = backend.events.connect((channel, payload) => {
    if (channel === 'job:onDidProgress') {
      const event = payload as JobEventOf<JobKind>;
      if (event.kind !== kind) return;
      jobId ??= event.jobId;
      options.onEvent(event as JobEventOf<K>);
      if (event.type === 'done') {
        done = event as Extract<JobEventOf<K>, { type: 'done' }>;
        settle();
      }
    }
    if (channel === 'job:onDidPrompt') {
      const prompt = payload as JobPrompt;
      if (prompt.type === 'hostKey') {
        queueMicrotask(() => {
          if (options.acceptNew) options.note(`Trusting the new ${prompt.keyType} host key of ${prompt.machines.length === 0 ? prompt.host : listText(prompt.machines)} (${prompt.host}${prompt.port === 22 ? '' : `:${prompt.port}`}, ${prompt.fingerprint}) and recording it in ${prompt.knownHostsFile}.`);
          backend.jobs.answer({ promptId: prompt.promptId, trust: options.acceptNew });
        });
      } else if (prompt.type === 'passphrase') {
        // Keys with a passphrase are used through ssh-agent only: nothing is asked on the terminal.
        queueMicrotask(() => backend.jobs.answer({ promptId: prompt.promptId, passphrase: null }));
      }
    }
  });
  const stopInterrupts = (options.interrupts ?? processInterrupts).onInterrupt(() => {
    if (interrupted) return;
    interrupted = true;
    options.note(`Cancelling ${options.what}: commands running on the machines are stopped.`);
    if (jobId !== null) backend.jobs.cancel(jobId);
  });
  try {
    const started = await start();
    if (!started.ok) return { started: false, error: started.error };
    jobId = started.value.jobId;
    if (interrupted) backend.jobs.cancel(jobId);
    await finished;
  } finally {
    stopInterrupts();
    disconnect();
  }
  return { started: true, done };
}
