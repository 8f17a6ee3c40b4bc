import { z } from 'zod';
import { appErrorSchema } from '../errors';
import type { Design } from '../model/types';
import { checkReportSchema, machineCheckResultSchema, checkFindingSchema } from '../schema/checkReport';
import { designSchema } from '../schema/design';
import { vpnIds } from '../vpn/ids';
import { repairReportSchema } from '../schema/restore';
import type { EventChannel, RequestChannel } from './channels';
import { jobAnswerSchema, jobEventBaseOf, jobEventOptionsOf, jobIdSchema, jobPromptSchema } from './jobs';
import { deployPlanSchema } from '../deploy/plan';
import { deployHistoryEntrySchema, deployMachineResultSchema, deployReportSchema, deployVarsResultSchema } from '../deploy/report';
import { installConfirmationSchema, installMachineResultSchema, installReportSchema, machineDiskSchema } from '../deploy/install';
import { verifyHistoryEntrySchema, verifyMachineResultSchema, verifyReportSchema, verifyRunIdSchema } from '../verify/schema';
import {
  assistantPresetIds,
  assistantReportSchema,
  assistantSettingsChangeSchema,
  assistantSettingsSchema,
  attachedItemSchema,
  chatMessageSchema,
  conversationSchema,
  outgoingMessageSchema,
  proposalSchema,
  toolCallNoteSchema,
} from '../assistant/schema';
import { measuredPairSchema, measureHistoryEntrySchema, measureReportSchema, measureRunIdSchema } from '../measure/report';

/** Where the app is running: the desktop shell or the browser served by `npm run serve`. */
export const runModeSchema = z.enum(['electron', 'serve']);

/** Version and environment of the running back end. */
export const appInfoSchema = z.object({
  name: z.string(),
  version: z.string(),
  mode: runModeSchema,
  platform: z.string(),
  /** Versions of the runtimes the back end runs on, for the About dialog and bug reports. */
  runtimes: z.record(z.string(), z.string()),
});

/** A notification pushed from the back end to every open window. */
export const notificationSchema = z.object({
  level: z.enum(['info', 'warning', 'error']),
  /** A stable key the renderer turns into a sentence; never prose from main. */
  code: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
});

/**
 * A design file name or an autosave key as sent by the renderer. Bounded here; its rules (suffix, characters) are
 * checked by the project files service, which answers with invalidFileName instead of a bare invalidRequest.
 */
const fileNameSchema = z.string().max(1000);

/** A design in a request: typed as a Design, but checked by the service, which answers invalidDesign with the issues. */
const designInRequestSchema = z.custom<Design>((value) => typeof value === 'object' && value !== null && !Array.isArray(value), { message: 'expected a design object' });

/** A content hash of a design file (sha256, hex) that a save can be checked against. */
const revisionSchema = z.string().regex(/^[0-9a-f]{64}$/);

/** A design file in the workspace folder. */
export const designFileEntrySchema = z.object({ name: z.string(), size: z.number(), modifiedAt: z.number() });

/** An autosave that can be recovered. */
export const recoveryEntrySchema = z.object({
  /** The design file name it belongs to, or 'untitled'. */
  key: z.string(),
  savedAt: z.number(),
  /** When its saved file last changed, or null when it has none. */
  fileModifiedAt: z.number().nullable(),
});

/** How a check treats host keys known_hosts does not hold: ask the person (trust on first use) or refuse. */
export const hostKeyModeSchema = z.enum(['ask', 'strict']);

/** A key file the person picked, named by its file name in ~/.ssh (the renderer never sends paths). */
export const sshKeyFileNameSchema = z
  .string()
  .min(1)
  .max(255)
  .refine((name) => name !== '.' && name !== '..' && !/[/\\\0]/.test(name), 'a file name in ~/.ssh, without folders');

/** The private keys in ~/.ssh and the ssh-agent's state, as "Check machines" can use them. */
export const sshKeyListSchema = z.object({
  /** The folder listed, for display. */
  folder: z.string(),
  agent: z.object({ status: z.enum(['ok', 'notSet', 'unreachable']), keyCount: z.number().int().min(0) }),
  keys: z.array(
    z.object({
      name: z.string(),
      /** ED25519, ECDSA, RSA, ...; null when the file could not be read. */
      type: z.string().nullable(),
      /** SHA256:..., as `ssh-keygen -lf` prints it; null when unknown. */
      fingerprint: z.string().nullable(),
      comment: z.string(),
      /** Protected by a passphrase (asked when the key is used). */
      encrypted: z.boolean(),
      /** One of the names ssh tries when nothing else is configured (id_ed25519, id_ecdsa, id_rsa). */
      isDefault: z.boolean(),
      /** The ssh-agent holds this key. */
      inAgent: z.boolean(),
      /** Why the app cannot use this key, or null. */
      problem: z.string().nullable(),
    }),
  ),
});
export type SshKeyList = z.infer<typeof sshKeyListSchema>;

/**
 * Progress of a "Check machines" job: the events every job has (jobs.ts), with a machine's result and the check
 * report, plus `local`: the checks of this computer (the clan CLI).
 */
export const checkJobEventSchema = z.discriminatedUnion('type', [
  ...jobEventOptionsOf('check', { machineResult: machineCheckResultSchema, report: checkReportSchema }),
  z.object({ ...jobEventBaseOf('check'), type: z.literal('local'), findings: z.array(checkFindingSchema) }),
]);

/**
 * Progress of a deploy: the events every job has, with a machine's deploy result and the deploy report, plus
 * `plan` (the plan the run follows, sent first) and `vars` (the vars made before the machines).
 */
export const deployJobEventSchema = z.discriminatedUnion('type', [
  ...jobEventOptionsOf('deploy', { machineResult: deployMachineResultSchema, report: deployReportSchema }),
  z.object({ ...jobEventBaseOf('deploy'), type: z.literal('plan'), plan: deployPlanSchema, runId: z.string() }),
  z.object({ ...jobEventBaseOf('deploy'), type: z.literal('vars'), vars: deployVarsResultSchema }),
]);

/**
 * Progress of an install of NixOS on one machine (shared/deploy/install.ts): the events every job has, with the
 * install's result for its machine and its report. Never part of a deploy: it erases a disk.
 */
export const installJobEventSchema = z.discriminatedUnion('type', [...jobEventOptionsOf('install', { machineResult: installMachineResultSchema, report: installReportSchema })]);

/**
 * Progress of a verify run (issue 15): the events every job has, with what the run found on each machine and the
 * verify report (its reachability matrix). Each machine goes through the steps log in, read the overlay state, ping
 * the other machines, read the paths; it is done after its paths were read, or at once when the app could not log in
 * to it (`ssh` says why). The matrix, built after every machine is done, arrives in the report.
 */
export const verifyJobEventSchema = z.discriminatedUnion('type', [...jobEventOptionsOf('verify', { machineResult: verifyMachineResultSchema, report: verifyReportSchema })]);

/**
 * Progress of a "Measure my network" run (issue 15): the events every job has, with one "machine" per measured pair
 * (its id `<from>><to>`, its name "from → to"), which goes through the steps log in, find the address, throughput
 * and ping, one pair after the other, and is done with its figures and their comparison with the benchmark. The
 * report holds every pair.
 */
export const measureJobEventSchema = z.discriminatedUnion('type', [...jobEventOptionsOf('measure', { machineResult: measuredPairSchema, report: measureReportSchema })]);

/**
 * Progress of an assistant answer (issue 16): `started` (with no machines), then, interleaved as the model streams,
 * `delta` (text to append to the answer, names already mapped back), `tool` (a read-only tool the model called, or
 * a call that was refused, as the conversation shows it), `proposal` (a change card waiting for the person's click),
 * and `done` with the whole answer.
 */
const assistantEventBase = jobEventBaseOf('assistant');
export const assistantJobEventSchema = z.discriminatedUnion('type', [
  ...jobEventOptionsOf('assistant', { machineResult: z.never(), report: assistantReportSchema }),
  z.object({ ...assistantEventBase, type: z.literal('delta'), text: z.string().max(100_000) }),
  z.object({ ...assistantEventBase, type: z.literal('tool'), note: toolCallNoteSchema }),
  z.object({ ...assistantEventBase, type: z.literal('proposal'), proposal: proposalSchema }),
]);

/** Progress of any job, told apart by `kind`; a new job kind adds its event schema here. */
export const jobProgressSchema = z.discriminatedUnion('kind', [checkJobEventSchema, deployJobEventSchema, installJobEventSchema, verifyJobEventSchema, measureJobEventSchema, assistantJobEventSchema]);

/** The job kinds main runs. */
export const jobKinds = ['check', 'deploy', 'install', 'verify', 'measure', 'assistant'] as const;

/**
 * A question to the assistant. `name`: the saved design file whose kept results (last check, deploy, verify,
 * measure) ground the answer; omitted for an unsaved design. `design`: the design as it is on screen. `history`: the
 * conversation so far (its last messages are sent, oldest dropped first). `attachments`: items the person attached
 * with "Explain with the assistant".
 */
export const assistantAskRequestSchema = z
  .object({
    name: fileNameSchema.optional(),
    design: designInRequestSchema,
    history: z.array(chatMessageSchema).max(2000),
    question: z.string().min(1).max(20_000),
    attachments: z.array(attachedItemSchema).max(20).optional(),
  })
  .strict();

/** A running job as a window that opens late catches up on it: its events so far (old log lines left out) and open questions. */
export const jobSnapshotSchema = z.object({
  jobId: jobIdSchema,
  kind: z.enum(jobKinds),
  events: z.array(jobProgressSchema),
  prompts: z.array(jobPromptSchema),
});

/**
 * The one RPC contract: each request channel with its request and response schema. Preload, main handlers,
 * the serve-mode HTTP server and the renderer client are all typed from this object.
 */
export const requestContract = {
  'app:info.get': { request: z.object({}).strict(), response: appInfoSchema },
  'app:openExternal': {
    request: z.object({ url: z.string().max(2048) }).strict(),
    response: z.object({ opened: z.boolean() }),
  },
  /** The design files in the workspace folder, most recently changed first, and the folder to show people. */
  'project:list': { request: z.object({}).strict(), response: z.object({ workspace: z.string(), files: z.array(designFileEntrySchema) }) },
  /** Opens a file by name; `revision` goes back with the next save so changes made by others are noticed. */
  'project:open': {
    request: z.object({ name: fileNameSchema }).strict(),
    response: z.object({ name: z.string(), design: designSchema, repairs: repairReportSchema, migratedFrom: z.number().int().optional(), revision: revisionSchema }),
  },
  /**
   * Saves atomically. Save of an opened file: { expectedRevision }. Save as: {} (refuses an existing file), then
   * { overwrite: true } once the user confirms. autosaveKey: the autosave to clear, when it was not the name
   * ('untitled' before the first save). A file that is not a readable design is never overwritten.
   */
  'project:save': {
    request: z.object({ name: fileNameSchema, design: designInRequestSchema, expectedRevision: revisionSchema.optional(), overwrite: z.boolean().optional(), autosaveKey: fileNameSchema.optional() }).strict(),
    response: z.object({ name: z.string(), revision: revisionSchema }),
  },
  /** Up to 10 recently opened or saved file names that still exist, newest first. */
  'project:recent': { request: z.object({}).strict(), response: z.object({ names: z.array(z.string()) }) },
  /** Keeps a copy of unsaved changes under the file name or 'untitled'; `revision` is the one the design was opened from. */
  'project:autosave': {
    request: z.object({ key: fileNameSchema, design: designInRequestSchema, revision: revisionSchema.optional() }).strict(),
    response: z.object({ key: z.string(), savedAt: z.number() }),
  },
  /** Autosaves newer than their saved file (or without one), newest first, to offer at start. */
  'project:recovery.list': { request: z.object({}).strict(), response: z.object({ entries: z.array(recoveryEntrySchema) }) },
  /** Reads an autosave back; `revision` is the saved file's revision the changes were based on, when known. */
  'project:recovery.open': {
    request: z.object({ key: fileNameSchema }).strict(),
    response: z.object({ key: z.string(), design: designSchema, repairs: repairReportSchema, migratedFrom: z.number().int().optional(), savedAt: z.number(), revision: revisionSchema.optional() }),
  },
  /** Deletes an autosave; `discarded` is false when it was already gone. */
  'project:recovery.discard': { request: z.object({ key: fileNameSchema }).strict(), response: z.object({ discarded: z.boolean() }) },
  /** What the last generation wrote into the design's folder (path -> content), to diff the preview against. */
  'generate:readLast': {
    request: z.object({ name: fileNameSchema }).strict(),
    response: z.object({ folder: z.string(), files: z.record(z.string(), z.string()).nullable() }),
  },
  /** Generates the design's Clan configuration in main and writes it next to the design file. */
  'generate:write': {
    request: z.object({ name: fileNameSchema, design: designInRequestSchema, vpn: z.enum(vpnIds).optional(), force: z.boolean().optional() }).strict(),
    response: z.object({
      folder: z.string(),
      report: z.object({
        written: z.array(z.string()),
        unchanged: z.array(z.string()),
        keptEdits: z.array(z.string()),
        removed: z.array(z.string()),
        forced: z.array(z.string()),
        keptFolders: z.array(z.string()),
      }),
    }),
  },
  /**
   * Starts "Check machines" on the design as it is on screen. `name`: the saved design file the results are kept
   * with (omit for an unsaved design). `keys`: key files picked in ~/.ssh, tried after the ssh-agent instead of the
   * default id_ed25519, id_ecdsa and id_rsa (omit to log in as the ssh command would). Progress and questions arrive
   * as job:onDidProgress and job:onDidPrompt events.
   */
  'check:start': {
    request: z.object({ name: fileNameSchema.optional(), design: designInRequestSchema, hostKeys: hostKeyModeSchema, keys: z.array(sshKeyFileNameSchema).max(64).optional(), concurrency: z.number().int().min(1).max(64).optional(), timeoutSeconds: z.number().min(1).max(600).optional() }).strict(),
    response: z.object({ jobId: jobIdSchema }),
  },
  /** Stops a running job of any kind: connections in progress are abandoned and remote commands killed. */
  'job:cancel': { request: z.object({ jobId: jobIdSchema }).strict(), response: z.object({ cancelled: z.boolean() }) },
  /**
   * Answers a job's question: trust a host key or not, or give a key's passphrase (null: skip the key). The first
   * window to answer wins; the others see the question closed.
   */
  'job:answer': { request: jobAnswerSchema, response: z.object({ accepted: z.boolean() }) },
  /** The jobs running now, for a window that opens while they run. */
  'job:list': { request: z.object({}).strict(), response: z.object({ jobs: z.array(jobSnapshotSchema) }) },
  /** The private keys in ~/.ssh the person can pick for "Check machines", and what the ssh-agent holds. */
  'ssh:keys.list': { request: z.object({}).strict(), response: sshKeyListSchema },
  /** The last check kept with a design file, or null when it was never checked. */
  'check:last': { request: z.object({ name: fileNameSchema }).strict(), response: z.object({ report: checkReportSchema.nullable(), running: z.object({ jobId: jobIdSchema }).nullable() }) },
  /**
   * The deploy plan of a saved design (a dry run: it reads the machines without changing anything, and never asks
   * about host keys; an unknown key leaves that machine unread). `machines`: only these (by id); all when omitted.
   */
  'deploy:plan': {
    request: z.object({ name: fileNameSchema, design: designInRequestSchema, machines: z.array(z.string().max(60)).max(10_000).optional() }).strict(),
    response: z.object({ plan: deployPlanSchema }),
  },
  /**
   * Deploys a saved design: writes its configuration, plans, then runs the plan as a job (deploy progress and
   * questions as job:onDidProgress and job:onDidPrompt events). `machines`: only these, by id.
   */
  'deploy:start': {
    request: z.object({ name: fileNameSchema, design: designInRequestSchema, hostKeys: hostKeyModeSchema, keys: z.array(sshKeyFileNameSchema).max(64).optional(), machines: z.array(z.string().max(60)).max(10_000).optional() }).strict(),
    response: z.object({ jobId: jobIdSchema }),
  },
  /** The deploys of a design, newest first, and the one running now. */
  'deploy:history': { request: z.object({ name: fileNameSchema }).strict(), response: z.object({ entries: z.array(deployHistoryEntrySchema), running: z.object({ jobId: jobIdSchema }).nullable() }) },
  /** One deploy of the history: its plan, its report, and each machine's log. */
  'deploy:historyEntry': {
    request: z.object({ name: fileNameSchema, runId: z.string().regex(/^[0-9a-z-]{1,80}$/) }).strict(),
    response: z.object({ plan: deployPlanSchema.nullable(), report: deployReportSchema.nullable(), logs: z.record(z.string(), z.string()) }),
  },
  /**
   * The disks of a machine of the design, read over SSH (lsblk and /dev/disk/by-id), changing nothing, so the person
   * picks the disk to install on from a list. Host keys are checked strictly (never asked): the machine was checked
   * before, which recorded its key.
   */
  'deploy:disks': {
    request: z.object({ design: designInRequestSchema, machineId: z.string().max(60), keys: z.array(sshKeyFileNameSchema).max(64).optional() }).strict(),
    response: z.object({ machine: z.string(), target: z.string(), disks: z.array(machineDiskSchema).max(256) }),
  },
  /**
   * Installs NixOS on one machine of a saved design, erasing `disk`: writes the configuration, then runs Clan's install
   * (hardware report, disk layout, clan machines install) as a job of kind `install`. Refused unless `confirm` names
   * the machine and the disk exactly, the clan CLI is on this computer, and no deploy or install runs.
   */
  'deploy:install': {
    request: z
      .object({ name: fileNameSchema, design: designInRequestSchema, machineId: z.string().max(60), disk: z.string().max(300), confirm: installConfirmationSchema, hostKeys: hostKeyModeSchema, keys: z.array(sshKeyFileNameSchema).max(64).optional() })
      .strict(),
    response: z.object({ jobId: jobIdSchema }),
  },
  /**
   * Verifies a saved, deployed design (issue 15): logs in to its machines, reads each one's overlay state, has each
   * ping the others over the VPN and builds the reachability matrix, as a job of kind `verify` (progress and
   * questions as job:onDidProgress and job:onDidPrompt events). Refused while a deploy or an install runs.
   * `machines`: only these (by id); every managed member when omitted. `tcpPort`: also try a TCP connection to this
   * port after the pings. `count`: pings per address (default 5).
   */
  'verify:start': {
    request: z
      .object({
        name: fileNameSchema,
        design: designInRequestSchema,
        hostKeys: hostKeyModeSchema,
        keys: z.array(sshKeyFileNameSchema).max(64).optional(),
        machines: z.array(z.string().max(60)).max(10_000).optional(),
        tcpPort: z.number().int().min(1).max(65535).optional(),
        count: z.number().int().min(1).max(20).optional(),
      })
      .strict(),
    response: z.object({ jobId: jobIdSchema }),
  },
  /** The verify runs of a design, newest first, and the one running now. */
  'verify:history': { request: z.object({ name: fileNameSchema }).strict(), response: z.object({ entries: z.array(verifyHistoryEntrySchema), running: z.object({ jobId: jobIdSchema }).nullable() }) },
  /** One verify run of the history: its report and its log. */
  'verify:historyEntry': {
    request: z.object({ name: fileNameSchema, runId: verifyRunIdSchema }).strict(),
    response: z.object({ report: verifyReportSchema.nullable(), log: z.string() }),
  },
  /** The newest verify run's report kept with a design file, or null when it was never verified. */
  'verify:last': { request: z.object({ name: fileNameSchema }).strict(), response: z.object({ report: verifyReportSchema.nullable() }) },
  /**
   * Measures a saved, deployed design's links over the VPN (issue 15, "Measure my network"): for each pair, one after
   * the other, a one-off iperf3 server on `to` bound to its overlay address, the iperf3 client on `from` (both
   * directions at once), then pings, each figure next to the benchmark's for the same VPN at the closest impairment
   * profile; a job of kind `measure`. `pairs`: machine ids, `from` runs the client and the pings (default: each
   * site's best machine to the admin's, planDefaultPairs). `seconds`: of the throughput test (default 10). `port`:
   * the server's TCP port (default 5201, the one the generated configuration opens on the VPN's interface). `pings`:
   * how many, how far apart (default 100, 0.2 s). Refused while a deploy, an install, a verify or another measure runs.
   */
  'measure:start': {
    request: z
      .object({
        name: fileNameSchema,
        design: designInRequestSchema,
        hostKeys: hostKeyModeSchema,
        keys: z.array(sshKeyFileNameSchema).max(64).optional(),
        pairs: z.array(z.object({ from: z.string().max(60), to: z.string().max(60) }).strict()).max(1000).optional(),
        seconds: z.number().int().min(1).max(60).optional(),
        port: z.number().int().min(1).max(65535).optional(),
        pings: z.object({ count: z.number().int().min(1).max(2000), intervalSeconds: z.number().min(0.01).max(2) }).strict().optional(),
      })
      .strict(),
    response: z.object({ jobId: jobIdSchema }),
  },
  /** The measure runs of a design, newest first, and the one running now. */
  'measure:history': { request: z.object({ name: fileNameSchema }).strict(), response: z.object({ entries: z.array(measureHistoryEntrySchema), running: z.object({ jobId: jobIdSchema }).nullable() }) },
  /** One measure run of the history: its report and its log. */
  'measure:historyEntry': {
    request: z.object({ name: fileNameSchema, runId: measureRunIdSchema }).strict(),
    response: z.object({ report: measureReportSchema.nullable(), log: z.string() }),
  },
  /** The newest measure run's report kept with a design file (the one the advisor reads), or null when it was never measured. */
  'measure:last': { request: z.object({ name: fileNameSchema }).strict(), response: z.object({ report: measureReportSchema.nullable() }) },
  /** The assistant's settings (issue 16), without the API key: only whether one is stored or set in the environment. */
  'assistant:settings.get': { request: z.object({}).strict(), response: assistantSettingsSchema },
  /** Changes the assistant's settings; a key given is stored encrypted in main and never sent back. */
  'assistant:settings.set': { request: assistantSettingsChangeSchema, response: assistantSettingsSchema },
  /**
   * The models the endpoint offers (GET /models), which also tells whether it answers. `baseUrl`/`preset`: of settings
   * being edited and not saved yet (the stored key is used only when the base URL is the stored one).
   */
  'assistant:models.list': {
    request: z.object({ preset: z.enum(assistantPresetIds).optional(), baseUrl: z.string().max(2000).optional() }).strict(),
    response: z.object({ models: z.array(z.string().max(300)).max(2000) }),
  },
  /**
   * Exactly what a question would send (the "What will be sent" view): the messages after redaction, the tools
   * offered, the grounding's token estimate, and where it goes.
   */
  'assistant:preview': {
    request: assistantAskRequestSchema,
    response: z.object({ messages: z.array(outgoingMessageSchema), tools: z.array(z.string()), redacted: z.boolean(), groundingTokens: z.number().int(), endpoint: z.object({ baseUrl: z.string(), model: z.string(), local: z.boolean() }) }),
  },
  /**
   * Asks the model, as a job of kind `assistant` (answer streamed as job:onDidProgress events). The model may call
   * the read-only tools and propose changes; it can never change the design, a file, a setting or a machine.
   */
  'assistant:ask': { request: assistantAskRequestSchema, response: z.object({ jobId: jobIdSchema }) },
  /** The conversations kept with a design file (none when there is no file yet). */
  'assistant:conversations.load': { request: z.object({ name: fileNameSchema }).strict(), response: z.object({ conversations: z.array(conversationSchema) }) },
  /** Keeps a design's conversations beside it (`<design>.assistant.json`). */
  'assistant:conversations.save': { request: z.object({ name: fileNameSchema, conversations: z.array(conversationSchema).max(500) }).strict(), response: z.object({ saved: z.boolean() }) },
} satisfies Record<RequestChannel, { request: z.ZodType; response: z.ZodType }>;

/** Each main -> renderer event channel with its payload schema. */
export const eventContract = {
  'app:onDidNotify': { payload: notificationSchema },
  'job:onDidProgress': { payload: jobProgressSchema },
  'job:onDidPrompt': { payload: jobPromptSchema },
} satisfies Record<EventChannel, { payload: z.ZodType }>;

/** The request type of a channel. */
export type RequestOf<C extends RequestChannel> = z.infer<(typeof requestContract)[C]['request']>;
/** The response value type of a channel. */
export type ResponseOf<C extends RequestChannel> = z.infer<(typeof requestContract)[C]['response']>;
/** The payload type of an event channel. */
export type EventPayloadOf<C extends EventChannel> = z.infer<(typeof eventContract)[C]['payload']>;

/** The wire shape of every response: a Result whose error is a coded AppError. */
export function resultSchemaOf<T extends z.ZodType>(value: T) {
  return z.discriminatedUnion('ok', [
    z.object({ ok: z.literal(true), value }),
    z.object({ ok: z.literal(false), error: appErrorSchema }),
  ]);
}

/** Version and environment of the running back end. */
export type AppInfo = z.infer<typeof appInfoSchema>;
/** A notification pushed from the back end. */
export type Notification = z.infer<typeof notificationSchema>;
/** A job kind. */
export type JobKind = (typeof jobKinds)[number];
/** A progress event of any job. */
export type JobProgress = z.infer<typeof jobProgressSchema>;
/** The progress events of one job kind. */
export type JobEventOf<K extends JobKind> = Extract<JobProgress, { kind: K }>;
/** The report a job kind ends with (and keeps beside the design). */
export type JobReportOf<K extends JobKind> = Extract<JobEventOf<K>, { type: 'done' }>['report'];
/** What a job kind reports for one machine. */
export type JobMachineResultOf<K extends JobKind> = Extract<JobEventOf<K>, { type: 'machineDone' }>['result'];
/** A running job as a late window catches up on it. */
export type JobSnapshot = z.infer<typeof jobSnapshotSchema>;
/** Progress of a "Check machines" job. */
export type CheckProgress = JobEventOf<'check'>;
/** Progress of a deploy. */
export type DeployProgress = JobEventOf<'deploy'>;
/** Progress of an install of NixOS. */
export type InstallProgress = JobEventOf<'install'>;
/** Progress of a verify run. */
export type VerifyProgress = JobEventOf<'verify'>;
/** Progress of a measure run. */
export type MeasureProgress = JobEventOf<'measure'>;
/** Progress of an assistant answer. */
export type AssistantProgress = JobEventOf<'assistant'>;
/** A question to the assistant with what it is grounded on. */
export type AssistantAskRequest = z.infer<typeof assistantAskRequestSchema>;
/** How unknown host keys are treated by a check. */
export type HostKeyMode = z.infer<typeof hostKeyModeSchema>;
/** A design file in the workspace folder. */
export type DesignFileEntry = z.infer<typeof designFileEntrySchema>;
/** An autosave that can be recovered. */
export type RecoveryEntryInfo = z.infer<typeof recoveryEntrySchema>;
