import { z } from 'zod';
import { appErrorSchema } from '../errors';
import { cpuArchs, linkQualities, machineKinds, natTypes, siteKinds, vpnRoleSchema } from '../schema/design';
import { vpnIds } from '../vpn/ids';

/**
 * The assistant's data on the wire and on disk (issue 16): its settings (never its API key), the conversations kept
 * with a design, the changes the model may propose, and what an answer reports. The model speaks to main only; the
 * renderer sees text, proposals and what was sent, never a key.
 */

/** The kinds of endpoint the settings offer; each preset fills a base URL and says whether it runs on this computer. */
export const assistantPresetIds = ['ollama', 'llamacpp', 'lmstudio', 'vllm', 'openai', 'openrouter', 'custom'] as const;
export type AssistantPresetId = (typeof assistantPresetIds)[number];

/**
 * Whether names, addresses, keys and user names are replaced by placeholders before a request leaves the computer.
 * `auto`: on for an endpoint that is not on this computer (loopback), off for a local one.
 */
export const redactionModes = ['auto', 'on', 'off'] as const;
export type RedactionMode = (typeof redactionModes)[number];

/** The settings as the renderer sees them: whether a key is stored, never the key. */
export const assistantSettingsSchema = z.object({
  preset: z.enum(assistantPresetIds),
  baseUrl: z.string().max(2000),
  model: z.string().max(300),
  redaction: z.enum(redactionModes),
  /** A key is stored (encrypted) for this endpoint. */
  hasApiKey: z.boolean(),
  /** OPENAI_API_KEY / OPENAI_BASE_URL are set in the app's environment and used where the settings leave them empty. */
  fromEnvironment: z.object({ apiKey: z.boolean(), baseUrl: z.boolean() }),
  /** Whether requests go to this computer only (loopback base URL), which `auto` redaction reads. */
  local: z.boolean(),
});
export type AssistantSettings = z.infer<typeof assistantSettingsSchema>;

/** A change of settings. `apiKey`: a new key; null removes the stored one; omitted keeps it. */
export const assistantSettingsChangeSchema = z
  .object({
    preset: z.enum(assistantPresetIds),
    baseUrl: z.string().max(2000),
    model: z.string().max(300),
    redaction: z.enum(redactionModes),
    apiKey: z.string().max(4000).nullable().optional(),
  })
  .strict();
export type AssistantSettingsChange = z.infer<typeof assistantSettingsChangeSchema>;

/**
 * One change the model may propose. Machines and sites are named by their names in the design (what the model
 * sees), resolved to ids when the change is checked against the design and again when it is applied.
 */
export const designChangeSchema = z.discriminatedUnion('tool', [
  z.object({ tool: z.literal('add_site'), name: z.string().min(1).max(200), kind: z.enum(siteKinds), nat: z.enum(natTypes).optional(), quality: z.enum(linkQualities).optional() }).strict(),
  z
    .object({
      tool: z.literal('add_machine'),
      name: z.string().min(1).max(63),
      kind: z.enum(machineKinds),
      /** The site's name; omitted: in no site. */
      site: z.string().max(200).optional(),
      arch: z.enum(cpuArchs).optional(),
      managed: z.boolean().optional(),
    })
    .strict(),
  /** A drawn link: a cable (same LAN) or a jump host (`from` is reached through `to`). */
  z.object({ tool: z.literal('connect'), from: z.string().min(1).max(63), to: z.string().min(1).max(63), kind: z.enum(['cable', 'jumpHost']) }).strict(),
  /** Gives a machine a role of the chosen VPN (replacing its roles), e.g. lighthouse, relay, controller. */
  z.object({ tool: z.literal('set_role'), machine: z.string().min(1).max(63), roles: z.array(vpnRoleSchema).min(1).max(8) }).strict(),
  /** Chooses the VPN; roles are assigned as the Choose VPN area does. */
  z.object({ tool: z.literal('choose_vpn'), vpn: z.enum(vpnIds) }).strict(),
  /** Changes fields of a machine; only the fields given. `site`: the site's name, null for no site. */
  z
    .object({
      tool: z.literal('change_machine'),
      machine: z.string().min(1).max(63),
      changes: z
        .object({
          name: z.string().min(1).max(63).optional(),
          kind: z.enum(machineKinds).optional(),
          arch: z.enum(cpuArchs).optional(),
          managed: z.boolean().optional(),
          site: z.string().max(200).nullable().optional(),
          sshHost: z.string().max(255).optional(),
          sshUser: z.string().max(64).optional(),
          sshPort: z.number().int().min(1).max(65535).optional(),
          publicAddress: z.string().max(255).nullable().optional(),
          notes: z.string().max(10_000).optional(),
        })
        .strict(),
    })
    .strict(),
]);
export type DesignChange = z.infer<typeof designChangeSchema>;
export type DesignChangeTool = DesignChange['tool'];

/** The tools that only read; the model's call is answered in main from the request's design and the kept results. */
export const readToolNames = ['get_design', 'get_benchmark_figure', 'get_problems', 'get_last_deploy_log'] as const;
export type ReadToolName = (typeof readToolNames)[number];

/** Proposal states: shown and waiting for the person, applied (one undo step), or dismissed. */
export const proposalStates = ['open', 'applied', 'dismissed'] as const;

/** A card under an answer: one or more changes applied together as one undo step, with the model's one-line reason. */
export const proposalSchema = z.object({
  id: z.string().regex(/^[0-9a-z-]{1,40}$/),
  /** The model's reason, as plain text (shown, never executed). */
  reason: z.string().max(2000),
  changes: z.array(designChangeSchema).min(1).max(50),
  state: z.enum(proposalStates),
});
export type Proposal = z.infer<typeof proposalSchema>;

/**
 * Something the person attached with "Explain with the assistant": a problem of the design, a preflight finding, a
 * deploy failure or a verify pair, with the explanation the app already gives.
 */
export const attachedItemSchema = z.object({
  kind: z.enum(['problem', 'preflight', 'deploy', 'verify', 'measure']),
  title: z.string().max(500),
  text: z.string().max(8000),
});
export type AttachedItem = z.infer<typeof attachedItemSchema>;

/** A tool call the model made, as the conversation shows it ("Looked up WireGuard's throughput at high impairment"). */
export const toolCallNoteSchema = z.object({ name: z.string().max(100), summary: z.string().max(500), ok: z.boolean() });
export type ToolCallNote = z.infer<typeof toolCallNoteSchema>;

/** One message of a conversation. Assistant text is markdown, rendered without raw HTML. */
export const chatMessageSchema = z.object({
  id: z.string().regex(/^[0-9a-z-]{1,40}$/),
  role: z.enum(['user', 'assistant']),
  text: z.string().max(100_000),
  at: z.number(),
  attachments: z.array(attachedItemSchema).max(20).optional(),
  proposals: z.array(proposalSchema).max(20).optional(),
  tools: z.array(toolCallNoteSchema).max(50).optional(),
  /** The answer ended early: stopped by the person, or the endpoint failed (the error says why and what to do). */
  stopped: z.boolean().optional(),
  error: appErrorSchema.optional(),
});
export type ChatMessage = z.infer<typeof chatMessageSchema>;

/** A conversation kept with a design (in `<design>.assistant.json`). */
export const conversationSchema = z.object({
  id: z.string().regex(/^[0-9a-z-]{1,40}$/),
  title: z.string().max(200),
  createdAt: z.number(),
  messages: z.array(chatMessageSchema).max(2000),
});
export type Conversation = z.infer<typeof conversationSchema>;

/** The file of a design's conversations. */
export const conversationFileSchema = z.object({ format: z.literal('clan-designer-assistant'), version: z.literal(1), conversations: z.array(conversationSchema).max(500) });
export type ConversationFile = z.infer<typeof conversationFileSchema>;

/** A message exactly as it leaves the computer (after redaction), for the "What will be sent" view. */
export const outgoingMessageSchema = z.object({ role: z.enum(['system', 'user', 'assistant', 'tool']), content: z.string() });
export type OutgoingMessage = z.infer<typeof outgoingMessageSchema>;

/** What an assistant job reports when it ends: the answer as the person sees it (names mapped back). */
export const assistantReportSchema = z.object({ message: chatMessageSchema });
export type AssistantReport = z.infer<typeof assistantReportSchema>;
