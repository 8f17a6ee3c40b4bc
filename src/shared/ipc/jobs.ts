import { z } from 'zod';
import { appErrorSchema } from '../errors';

/**
 * The parts every job of the job engine (main/jobs) shares on the wire: ids, how a job ends, the events that report
 * its progress machine by machine, and the questions it asks the person. Each job kind ("check", later "deploy",
 * "verify", "measure", "assistant") instantiates the events with its own machine result and report schemas in
 * contract.ts; what is generic lives here so that a new kind adds schemas, not another protocol.
 */

/** A job's id: 16 hex digits, made by main. */
export const jobIdSchema = z.string().regex(/^[0-9a-f]{16}$/);
/** A question's id: 16 hex digits, made by main. */
export const promptIdSchema = z.string().regex(/^[0-9a-f]{16}$/);

/**
 * How a job ended. `finished`: it ran to its end (machines may still have failed; its report says how each did).
 * `cancelled`: the person cancelled it, or the app was closing. `failed`: the job itself broke (a bug or a broken
 * environment; the cause is in main's log). `timedOut`: it ran past the time limit it was started with.
 */
export const jobOutcomes = ['finished', 'cancelled', 'failed', 'timedOut'] as const;

/** Where one machine is in a step-by-step job: step `index` (from 1) of `total`, with what the step does. */
export const jobStepSchema = z.object({ index: z.number().int().min(1), total: z.number().int().min(1), label: z.string().max(500) });

/** Where a log line comes from: the app saying what it does (`info`), or a remote command's output. */
export const jobLogStreams = ['info', 'stdout', 'stderr'] as const;

/** The fields every progress event of a kind has. */
export function jobEventBaseOf<K extends string>(kind: K) {
  return { jobId: jobIdSchema, kind: z.literal(kind), seq: z.number().int().min(0) };
}

/**
 * The progress events every job kind has, in the order a job sends them: `started` once, then per machine
 * `machineStarted`, any `machineStep` and `log` lines and `machineDone`, interleaved across machines, and `done`
 * last. A kind adds its own events beside these (contract.ts). `seq` counts a job's events from 0, so a window that
 * catches up on a running job (job:list) can tell which live events it already has.
 */
export function jobEventOptionsOf<K extends string, M extends z.ZodType, R extends z.ZodType>(kind: K, parts: { machineResult: M; report: R }) {
  const base = jobEventBaseOf(kind);
  return [
    /** The job began; its machines are listed in the order it works on them. */
    z.object({ ...base, type: z.literal('started'), startedAt: z.number(), forFile: z.string().nullable(), machines: z.array(z.object({ machineId: z.string(), name: z.string() })) }),
    /** The job started working on a machine. */
    z.object({ ...base, type: z.literal('machineStarted'), machineId: z.string() }),
    /** A machine moved on to another step. */
    z.object({ ...base, type: z.literal('machineStep'), machineId: z.string(), step: jobStepSchema }),
    /** A log line, of a machine or of the whole job. */
    z.object({ ...base, type: z.literal('log'), machineId: z.string().nullable(), stream: z.enum(jobLogStreams), text: z.string().max(16_000) }),
    /** A machine is done, with the kind's result for it. */
    z.object({ ...base, type: z.literal('machineDone'), machineId: z.string(), result: parts.machineResult }),
    /**
     * The job ended. `report` is the kind's report; `saved` says whether it was kept with the design file, and
     * `saveError` why not when keeping it failed (a link under the report's name, a full disk).
     */
    z.object({ ...base, type: z.literal('done'), outcome: z.enum(jobOutcomes), report: parts.report, saved: z.boolean(), saveError: appErrorSchema.optional() }),
  ] as const;
}

/** The questions a job can ask the person, each with the answer it takes (see jobAnswerSchema). */
export const jobQuestionSchemas = [
  /**
   * A host key seen for the first time: trust it or not. `machines`: the design's machines at that address (may be
   * empty when reached under another name).
   */
  z.object({ type: z.literal('hostKey'), machines: z.array(z.string()), host: z.string(), port: z.number().int(), keyType: z.string(), fingerprint: z.string(), otherKeyTypes: z.array(z.string()), knownHostsFile: z.string() }),
  /** A private key's passphrase (null: skip the key); `attempt` counts from 1 after a wrong one. */
  z.object({ type: z.literal('passphrase'), keyPath: z.string(), host: z.string(), attempt: z.number().int() }),
] as const;

const promptIds = { jobId: jobIdSchema, promptId: promptIdSchema };

/** A question for the person, or `closed`, which withdraws it (answered in some window, cancelled, timed out). */
export const jobPromptSchema = z.discriminatedUnion('type', [
  jobQuestionSchemas[0].extend(promptIds),
  jobQuestionSchemas[1].extend(promptIds),
  z.object({ ...promptIds, type: z.literal('closed') }),
]);

/** The answer to a question, shaped by its kind: `trust` answers hostKey, `passphrase` answers passphrase. */
export const jobAnswerSchema = z.union([
  z.object({ promptId: promptIdSchema, trust: z.boolean() }).strict(),
  z.object({ promptId: promptIdSchema, passphrase: z.string().max(1024).nullable() }).strict(),
]);

/** How a job ended. */
export type JobOutcome = (typeof jobOutcomes)[number];
/** A step of a machine in a step-by-step job. */
export type JobStep = z.infer<typeof jobStepSchema>;
/** Where a log line came from. */
export type JobLogStream = (typeof jobLogStreams)[number];
/** A question for the person, without the job and prompt ids main adds. */
export type JobQuestion = z.infer<(typeof jobQuestionSchemas)[number]>;
/** A question event: an open question or `closed`. */
export type JobPrompt = z.infer<typeof jobPromptSchema>;
/** An answer sent by a window. */
export type JobAnswer = z.infer<typeof jobAnswerSchema>;
/** What the person answered, by question type: hostKey -> trusted or not; passphrase -> the passphrase, null to skip. */
export interface JobAnswerValues {
  hostKey: boolean;
  passphrase: string | null;
}
