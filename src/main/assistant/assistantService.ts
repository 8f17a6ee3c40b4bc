import { randomBytes } from 'node:crypto';
import type OpenAI from 'openai';
import type { ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import type { BenchDataset } from '../../shared/bench/schema';
import { workloadDefinitions } from '../../shared/bench/definitions';
import { getSeriesName } from '../../shared/bench/query';
import { lowerFirst } from '../../shared/text';
import { checkChanges, describeChange } from '../../shared/assistant/changes';
import type { GroundingResults } from '../../shared/assistant/grounding';
import { prepareAssistantRequest, type PreparedRequest } from '../../shared/assistant/prompt';
import type { Redactor } from '../../shared/assistant/redaction';
import type { AssistantPresetId, AssistantSettings, AssistantSettingsChange, ChatMessage, Conversation, DesignChange, OutgoingMessage, Proposal, ToolCallNote } from '../../shared/assistant/schema';
import { parseToolCall, runReadTool, type ReadToolCall } from '../../shared/assistant/tools';
import { appError, type AppError } from '../../shared/errors';
import type { AssistantAskRequest, ResponseOf } from '../../shared/ipc/contract';
import type { Design } from '../../shared/model/types';
import { err, ok, type Result } from '../../shared/result';
import { listDeployHistory, readDeployHistoryEntry } from '../deploy/history';
import { ConfinedFolder } from '../fs/confinedFolder';
import type { JobContext, JobEngine, JobKindDefinition } from '../jobs/jobEngine';
import { readLastRun } from '../jobs/runHistory';
import { measureHistory } from '../measure/history';
import { loadBundledDataset } from '../services/benchData';
import { checkJobKind } from '../services/checkJobs';
import { designStem, normalizeDesignFileName, validateDesign } from '../services/projectFiles';
import { verifyHistory } from '../verify/history';
import { ConversationStore } from './conversations';
import { createModelClient, defaultModelTimeouts, listEndpointModels, streamTurn, type ModelTimeouts, type StreamedToolCall } from './modelClient';
import type { AssistantEndpoint, AssistantSettingsStore } from './settings';

// The assistant (issue 16) as a service of main: a question about the person's network is answered by a model at an
// OpenAI-compatible endpoint, as a job of the job engine (kind `assistant`, no machines) whose events stream the
// answer. What the model knows is what prepareAssistantRequest (shared/assistant/prompt.ts) builds: the design as
// it is on screen, the Problems panel, the advisor's ranking with the benchmark's figures, and the results kept
// with the design file (last check, deploy with its logs, verify, measure); redacted when the endpoint is not on
// this computer (or the settings say so), and mapped back in everything the person sees.
//
// What the model can do is answer in text, call the four read-only tools (answered here, from the same data), and
// propose changes, which become `proposal` events: cards the person applies or dismisses in the renderer. Nothing
// here changes the design, a file, a setting or a machine; there is no tool that could, and a call to any other
// name is refused and answered with the list of what exists, as are calls with wrong arguments, so the model can
// correct itself. The loop of tool rounds is bounded; after the last one the model is asked without tools.

/** Tool rounds per answer; the request after the last one offers no tools, so the model has to answer. */
export const MAX_TOOL_ROUNDS = 6;
/** Tool calls answered per round; more are refused (a model looping on calls must not flood the person). */
const MAX_CALLS_PER_ROUND = 8;
const MAX_PROPOSALS = 20;
const MAX_NOTES = 50;
const MAX_TEXT = 100_000;

/** The assistant for the job engine: answers run side by side (each window may ask); nothing is kept by the engine. */
export const assistantJobKind: JobKindDefinition<'assistant'> = { kind: 'assistant' };

export interface AssistantServiceOptions {
  jobs: JobEngine;
  workspaceDir: string;
  settings: AssistantSettingsStore;
  /** The benchmark data (default: the bundled file). */
  dataset?: () => Promise<Result<BenchDataset, AppError>>;
  timeouts?: Partial<ModelTimeouts>;
  maxToolRounds?: number;
  /** The HTTP client of the SDK (tests only; default: Node's fetch). */
  fetch?: typeof fetch;
  now?: () => number;
  log?: (message: string, details?: unknown) => void;
}

/** A question ready to go: the design as checked, where it goes, and the request as built (and as the preview shows it). */
interface Prepared {
  design: Design;
  forFile: string | null;
  endpoint: AssistantEndpoint;
  dataset: BenchDataset | null;
  results: GroundingResults;
  request: PreparedRequest;
  messages: OutgoingMessage[];
}

const newId = () => randomBytes(6).toString('hex');

/** The key must never leave in a message, whatever the person pasted into a question or a note. */
function withoutKey(messages: readonly OutgoingMessage[], key: string | null): OutgoingMessage[] {
  if (key === null || key.length < 4) return [...messages];
  return messages.map((m) => (m.content.includes(key) ? { ...m, content: m.content.split(key).join('[API key]') } : m));
}

const cut = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

/** The line a tool call shows in the conversation, in the person's names. */
function summaryOf(call: ReadToolCall): string {
  switch (call.tool) {
    case 'get_design':
      return 'Read the whole design';
    case 'get_problems':
      return 'Read the Problems panel';
    case 'get_benchmark_figure':
      return `Looked up ${getSeriesName(call.vpn)}'s ${lowerFirst(workloadDefinitions.find((w) => w.id === call.workload)?.label ?? call.workload)} figure at the ${call.profile} profile`;
    case 'get_last_deploy_log':
      return call.machine === undefined ? "Read the last deploy's result" : `Read the last deploy log of ${call.machine}`;
  }
}

export class AssistantService {
  private readonly workspace: ConfinedFolder;
  private readonly conversations: ConversationStore;
  private readonly timeouts: ModelTimeouts;
  private readonly now: () => number;

  constructor(private readonly options: AssistantServiceOptions) {
    this.workspace = new ConfinedFolder(options.workspaceDir, 'workspace');
    this.conversations = new ConversationStore(this.workspace);
    this.timeouts = { ...defaultModelTimeouts, ...options.timeouts };
    this.now = options.now ?? Date.now;
  }

  /** The settings without the key (only whether one is stored). */
  getSettings(): Promise<Result<AssistantSettings, AppError>> {
    return this.options.settings.get();
  }

  /** Changes the settings; a key given is stored encrypted (or private to this user) and never sent back. */
  setSettings(change: AssistantSettingsChange): Promise<Result<AssistantSettings, AppError>> {
    return this.options.settings.set(change);
  }

  /** The models the endpoint offers, of the stored settings or of settings being edited. */
  async listModels(request: { preset?: AssistantPresetId; baseUrl?: string }): Promise<Result<{ models: string[] }, AppError>> {
    const endpoint = await this.options.settings.endpoint(request);
    if (!endpoint.ok) return endpoint;
    const models = await listEndpointModels(endpoint.value, this.timeouts, undefined, this.options.fetch);
    return models.ok ? ok({ models: models.value }) : models;
  }

  /** Exactly what a question would send: the messages after redaction, the tools, and where it goes. */
  async preview(request: AssistantAskRequest): Promise<Result<ResponseOf<'assistant:preview'>, AppError>> {
    const prepared = await this.prepare(request);
    if (!prepared.ok) return prepared;
    const { endpoint, messages, request: built } = prepared.value;
    return ok({
      messages,
      tools: built.tools.map((t) => t.function.name),
      redacted: built.redactor !== null,
      groundingTokens: built.grounding.tokens,
      endpoint: { baseUrl: endpoint.baseUrl, model: endpoint.model, local: endpoint.local },
    });
  }

  /** Asks the model; the answer streams as job events (delta, tool, proposal) and ends with the whole message. */
  async ask(request: AssistantAskRequest): Promise<Result<{ jobId: string }, AppError>> {
    const prepared = await this.prepare(request);
    if (!prepared.ok) return prepared;
    const p = prepared.value;
    const answer: ChatMessage = { id: newId(), role: 'assistant', text: '', at: this.now() };
    return this.options.jobs.start(assistantJobKind, {
      forFile: p.forFile,
      machines: [],
      report: () => ({ message: { ...answer, at: this.now() } }),
      run: async (job) => {
        try {
          await this.converse(job, p, answer);
        } catch (cause) {
          // A bug, not an endpoint's failure: the answer says something went wrong, the cause goes to the log.
          this.options.log?.('the assistant answer failed', cause);
          answer.error = appError('internalError', { reason: 'assistant' });
        }
      },
    });
  }

  /** The conversations kept with a design file. */
  loadConversations(designFile: string): Promise<Result<{ conversations: Conversation[] }, AppError>> {
    return this.conversations.load(designFile);
  }

  /** Keeps a design's conversations beside it; an unreadable file there is never overwritten. */
  saveConversations(designFile: string, conversations: readonly Conversation[]): Promise<Result<{ saved: boolean }, AppError>> {
    return this.conversations.save(designFile, conversations);
  }

  /** Checks the design, finds the endpoint, reads the kept results and builds the request as it will be sent. */
  private async prepare(request: AssistantAskRequest): Promise<Result<Prepared, AppError>> {
    // The design comes from the renderer: it is checked against the same schema as a design file.
    const design = validateDesign(request.design);
    if (!design.ok) return design;
    let forFile: string | null = null;
    if (request.name !== undefined) {
      const name = normalizeDesignFileName(request.name);
      if (!name.ok) return name;
      forFile = name.value;
    }
    const endpoint = await this.options.settings.endpoint();
    if (!endpoint.ok) return endpoint;
    const dataset = await (this.options.dataset ?? loadBundledDataset)();
    if (!dataset.ok) this.options.log?.('the assistant answers without benchmark data', dataset.error);
    const results = forFile === null ? {} : await this.readKeptResults(forFile);
    const built = prepareAssistantRequest({
      design: design.value,
      dataset: dataset.ok ? dataset.value : null,
      results,
      history: request.history,
      question: request.question,
      ...(request.attachments === undefined ? {} : { attachments: request.attachments }),
      redact: endpoint.value.redact,
    });
    return ok({
      design: design.value,
      forFile,
      endpoint: endpoint.value,
      dataset: dataset.ok ? dataset.value : null,
      results,
      request: built,
      messages: withoutKey(built.messages, endpoint.value.apiKey),
    });
  }

  /** The newest check, deploy (with its logs), verify and measure kept with a design file; what cannot be read is left out. */
  private async readKeptResults(designFile: string): Promise<GroundingResults> {
    const stem = designStem(designFile);
    const results: GroundingResults = {};
    const check = await this.options.jobs.readKept(checkJobKind, designFile);
    if (check.ok) results.check = check.value;
    const deploys = await listDeployHistory(this.workspace, stem);
    const newest = deploys.ok ? deploys.value[0] : undefined;
    if (newest !== undefined) {
      const entry = await readDeployHistoryEntry(this.workspace, stem, newest.runId);
      if (entry.ok && entry.value.report !== null) results.deploy = { report: entry.value.report, logs: entry.value.logs };
    }
    const verify = await readLastRun(this.workspace, verifyHistory, stem);
    if (verify.ok) results.verify = verify.value;
    const measure = await readLastRun(this.workspace, measureHistory, stem);
    if (measure.ok) results.measure = measure.value;
    return results;
  }

  /** The model to ask: the one chosen, else the first the endpoint lists. */
  private async modelFor(endpoint: AssistantEndpoint, signal: AbortSignal): Promise<Result<string, AppError>> {
    if (endpoint.model !== '') return ok(endpoint.model);
    const listed = await listEndpointModels(endpoint, this.timeouts, signal, this.options.fetch);
    if (!listed.ok) return listed;
    const first = listed.value[0];
    return first === undefined ? err(appError('assistantNotConfigured', { missing: 'model', preset: endpoint.preset })) : ok(first);
  }

  /** The conversation with the model: rounds of streamed answers and tool calls until it answers without calling one. */
  private async converse(job: JobContext<'assistant'>, p: Prepared, answer: ChatMessage): Promise<void> {
    const { endpoint, request } = p;
    const redactor = request.redactor;
    const model = await this.modelFor(endpoint, job.signal);
    if (!model.ok) {
      if (job.signal.aborted) answer.stopped = true;
      else answer.error = model.error;
      return;
    }
    const client: OpenAI = createModelClient(endpoint, this.timeouts, this.options.fetch);
    const messages: ChatCompletionMessageParam[] = p.messages.map((m) => ({ role: m.role, content: m.content }) as ChatCompletionMessageParam);
    const tools = request.tools as readonly ChatCompletionTool[];
    const rounds = this.options.maxToolRounds ?? MAX_TOOL_ROUNDS;
    for (let round = 0; ; round += 1) {
      const offerTools = round < rounds;
      const restorer = redactor?.createStreamRestorer();
      let shownThisRound = '';
      const show = (text: string) => {
        if (text === '' || answer.text.length >= MAX_TEXT) return;
        // What the model says after its tool calls is a new paragraph of the one answer.
        const gap = shownThisRound === '' && answer.text !== '' && !/\s$/.test(answer.text) && !/^\s/.test(text) ? '\n\n' : '';
        const piece = `${gap}${text}`.slice(0, MAX_TEXT - answer.text.length);
        answer.text += piece;
        shownThisRound += piece;
        job.emit({ type: 'delta', text: piece });
      };
      const turn = await streamTurn(client, endpoint, { model: model.value, messages, ...(offerTools ? { tools } : {}) }, {
        signal: job.signal,
        timeouts: this.timeouts,
        onText: (text) => show(restorer === undefined ? text : restorer.push(text)),
        ...(this.options.fetch === undefined ? {} : { fetch: this.options.fetch }),
      });
      if (restorer !== undefined) show(restorer.flush());
      if (!turn.ok) {
        if (turn.error.stopped) answer.stopped = true;
        else answer.error = turn.error.error;
        return;
      }
      const { text, toolCalls } = turn.value;
      if (toolCalls.length === 0) return;
      messages.push({
        role: 'assistant',
        content: text === '' ? null : text,
        tool_calls: toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: c.arguments } })),
      });
      const calls = new RoundOfCalls(p, answer, job, redactor, shownThisRound);
      for (const [index, call] of toolCalls.entries()) {
        const content = !offerTools
          ? calls.refuse(call, 'no more tool calls in this answer', 'No more tool calls: answer the person now with what you have.')
          : index >= MAX_CALLS_PER_ROUND
            ? calls.refuse(call, 'too many tool calls at once', `Too many tool calls at once; at most ${MAX_CALLS_PER_ROUND} per answer are taken. Use what you have.`)
            : calls.answer(call);
        messages.push({ role: 'tool', tool_call_id: call.id, content });
      }
      calls.finish();
      if (job.signal.aborted) {
        answer.stopped = true;
        return;
      }
      // A model that calls tools when none are offered is not asked again: the answer ends with what it said.
      if (!offerTools) return;
    }
  }
}

/**
 * The tool calls of one answer of the model: each read-only call answered from the request's data; each proposal
 * checked against the design (after the ones before it in the same answer) and, when it holds, gathered into the one
 * card of this answer (changes the model proposes together are applied together); everything else refused, with
 * what is wrong, in words the model can act on.
 */
class RoundOfCalls {
  private readonly changes: DesignChange[] = [];

  constructor(
    private readonly p: Prepared,
    private readonly answerMessage: ChatMessage,
    private readonly job: JobContext<'assistant'>,
    private readonly redactor: Redactor | null,
    /** What the model said in this answer before its calls: the card's reason. */
    private readonly said: string,
  ) {}

  /** The tool message for one call (what the model reads back); notes and proposals go to the person. */
  answer(call: StreamedToolCall): string {
    const forModel = (text: string) => (this.redactor === null ? text : this.redactor.redact(text));
    const parsed = parseToolCall(call.name, call.arguments, this.redactor);
    if (!parsed.ok) {
      this.note({ name: call.name, summary: `Refused: ${this.restore(parsed.error)}`, ok: false });
      return forModel(parsed.error);
    }
    if (parsed.value.kind === 'read') {
      const { design, dataset, results } = this.p;
      const text = runReadTool(parsed.value.call, { design, dataset, deploy: results.deploy ?? null, redactor: this.redactor });
      this.note({ name: call.name, summary: summaryOf(parsed.value.call), ok: true });
      return text;
    }
    const change = parsed.value.change;
    const [check] = checkChanges(this.p.design, [...this.changes, change]).slice(-1);
    if (check === undefined || !check.ok) {
      const why = check === undefined || check.ok ? 'it does not fit the design' : check.error;
      this.note({ name: call.name, summary: `Refused: ${describeChange(change)}: ${why}`, ok: false });
      return forModel(`This change cannot be proposed: ${why} Fix it and call ${call.name} again, or explain to the person instead.`);
    }
    if ((this.answerMessage.proposals?.length ?? 0) >= MAX_PROPOSALS) return 'No more proposals can be shown in this answer.';
    this.changes.push(change);
    return 'Shown to the person as a proposal card. Nothing has changed: the person decides with Apply or Dismiss. Do not claim it is done.';
  }

  /** Refuses a call without looking at it (over a limit); noted for the person, `forModel` told to the model. */
  refuse(call: StreamedToolCall, why: string, forModel: string): string {
    this.note({ name: call.name, summary: `Refused: ${why}`, ok: false });
    return forModel;
  }

  /** The card of this answer, when the model proposed anything that holds. */
  finish(): void {
    if (this.changes.length === 0) return;
    // The card's reason: the first sentence of the model's last paragraph before its calls (where it says what it
    // proposes and why), short, since the whole answer is shown above the card; else the changes themselves.
    const lastParagraph = this.said.trim().split('\n').filter((l) => l.trim() !== '').at(-1) ?? '';
    const firstSentence = lastParagraph.split(/(?<=[.!?])\s+/)[0] ?? '';
    const reason = firstSentence !== '' ? cut(firstSentence, 300) : this.changes.map(describeChange).join('; ');
    const proposal: Proposal = { id: newId(), reason: cut(reason, 2000), changes: this.changes.slice(0, 50), state: 'open' };
    this.answerMessage.proposals = [...(this.answerMessage.proposals ?? []), proposal];
    this.job.emit({ type: 'proposal', proposal });
  }

  private restore(text: string): string {
    return this.redactor === null ? text : this.redactor.restore(text);
  }

  private note(note: ToolCallNote): void {
    if ((this.answerMessage.tools?.length ?? 0) >= MAX_NOTES) return;
    const shown: ToolCallNote = { name: cut(note.name, 100), summary: cut(note.summary, 500), ok: note.ok };
    this.answerMessage.tools = [...(this.answerMessage.tools ?? []), shown];
    this.job.emit({ type: 'tool', note: shown });
  }
}
