import { act, type ReactNode } from 'react';
import { createRoot, type Root } from 'react-dom/client';
import type { AssistantSettings, ChatMessage, DesignChange, Proposal, ToolCallNote } from '../../../shared/assistant/schema';
import { appError, type AppError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { AssistantProgress } from '../../../shared/ipc/contract';
import type { JobOutcome } from '../../../shared/ipc/jobs';
import { err, ok } from '../../../shared/result';
import { appContext } from '../app/appContext';
import { useJobsStore } from '../stores/jobsStore';

// Test doubles for the assistant's back end (assistant:* channels, job:cancel) and its job events, as main sends
// them. Tests play the events through the jobs store, the way job:onDidProgress delivers them.

/** The settings main reports for a local Ollama with a stored key (the key itself never crosses). */
export const sampleSettings: AssistantSettings = {
  preset: 'ollama',
  baseUrl: 'http://127.0.0.1:11434/v1',
  model: 'llama3.1',
  redaction: 'auto',
  hasApiKey: false,
  fromEnvironment: { apiKey: false, baseUrl: false },
  local: true,
};

/** One recorded call to the double. */
export interface RecordedCall {
  channel: string;
  request: Record<string, unknown>;
}

type Answer = (request: never) => unknown;

/**
 * A back end double: answers the assistant's channels as a reachable endpoint would (each can be replaced), records
 * every call, and refuses any other channel with unknownChannel.
 */
export function assistantBackend(answers: Record<string, Answer> = {}, jobId = 'a551574a17000001') {
  const calls: RecordedCall[] = [];
  const all: Record<string, Answer> = {
    'assistant:settings.get': () => ok(sampleSettings),
    'assistant:settings.set': (request: { preset: AssistantSettings['preset']; baseUrl: string; model: string; redaction: AssistantSettings['redaction']; apiKey?: string | null }) =>
      ok({ ...sampleSettings, preset: request.preset, baseUrl: request.baseUrl, model: request.model, redaction: request.redaction, hasApiKey: typeof request.apiKey === 'string' }),
    'assistant:models.list': () => ok({ models: ['llama3.1', 'qwen2.5:7b'] }),
    'assistant:ask': () => ok({ jobId }),
    'assistant:preview': () => ok({ messages: [{ role: 'system', content: 'You help with a Clan network.' }, { role: 'user', content: 'which VPN?' }], tools: ['get_design'], redacted: false, groundingTokens: 321, endpoint: { baseUrl: sampleSettings.baseUrl, model: 'llama3.1', local: true } }),
    'assistant:conversations.load': () => ok({ conversations: [] }),
    'assistant:conversations.save': () => ok({ saved: true }),
    'job:cancel': () => ok({ cancelled: true }),
    'app:openExternal': () => ok({ opened: true }),
    ...answers,
  };
  const backend: ApiTransport = {
    invoke: (async (channel: string, request: never) => {
      calls.push({ channel, request });
      const answer = all[channel];
      return answer === undefined ? err(appError('unknownChannel', { channel })) : answer(request);
    }) as ApiTransport['invoke'],
    subscribe: () => () => undefined,
  };
  return { backend, calls, channels: () => calls.map((c) => c.channel), requestsTo: (channel: string) => calls.filter((c) => c.channel === channel).map((c) => c.request) };
}

/** An endpoint that does not answer: models.list fails as an unreachable Ollama would. */
export const unreachable = (error: AppError = appError('internalError', { reason: 'connect ECONNREFUSED 127.0.0.1:11434' })) => ({ 'assistant:models.list': () => err(error) });

/** A proposal card as main sends it. */
export function proposal(id: string, changes: DesignChange[], reason = 'So the family can reach the NAS.'): Proposal {
  return { id, reason, changes, state: 'open' };
}

/** The events of one answer, numbered as main numbers them. */
export function answerEvents(jobId: string) {
  let seq = 0;
  const base = () => ({ jobId, kind: 'assistant' as const, seq: seq++ });
  return {
    started: (): AssistantProgress => ({ ...base(), type: 'started', startedAt: 1, forFile: null, machines: [] }),
    delta: (text: string): AssistantProgress => ({ ...base(), type: 'delta', text }),
    tool: (note: ToolCallNote): AssistantProgress => ({ ...base(), type: 'tool', note }),
    proposal: (p: Proposal): AssistantProgress => ({ ...base(), type: 'proposal', proposal: p }),
    done: (message: Partial<ChatMessage> & { text: string }, outcome: JobOutcome = 'finished'): AssistantProgress => ({
      ...base(),
      type: 'done',
      outcome,
      saved: false,
      report: { message: { id: 'from-main', role: 'assistant', at: 2, ...message } },
    }),
  };
}

/** Plays events as job:onDidProgress delivers them: through the jobs store, which hands them to the assistant. */
export function play(...events: AssistantProgress[]): void {
  for (const event of events) useJobsStore.getState().applyEvent(event);
}

/**
 * Where a component test renders: a fresh root in the document for each test (setUp in beforeEach, tearDown in
 * afterEach), which also puts back the back end the test replaced.
 */
export class TestRoot {
  container!: HTMLDivElement;
  private root!: Root;
  private backend: typeof appContext.backend = null;

  setUp(): void {
    this.backend = appContext.backend;
    this.container = document.createElement('div');
    document.body.append(this.container);
    this.root = createRoot(this.container);
  }

  async render(node: ReactNode): Promise<void> {
    await act(async () => this.root.render(node));
    await act(async () => await new Promise((r) => setTimeout(r, 0)));
  }

  /** Unmounts what was rendered and starts a new root, as closing and opening a view again does. */
  remount(): void {
    act(() => this.root.unmount());
    this.root = createRoot(this.container);
  }

  tearDown(): void {
    act(() => this.root.unmount());
    this.container.remove();
    appContext.backend = this.backend;
  }
}
