import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool } from 'openai/resources/chat/completions';
import { appError, type AppError } from '../../shared/errors';
import { err, ok, type Result } from '../../shared/result';
import { errnoOf } from '../errno';
import type { AssistantEndpoint } from './settings';

// The one place the app talks to a model: the openai SDK against any OpenAI-compatible endpoint (Ollama, llama.cpp,
// LM Studio, vLLM, OpenAI, OpenRouter). Each request streams (chat.completions with stream: true), is stopped by an
// AbortSignal (job:cancel aborts the HTTP request, so the model stops generating), and is bounded by two time limits
// of its own: the first answer (a local model may be loading) and the silence between two chunks. The SDK's retries
// are off: an answer half shown cannot be retried, and a refused key is not refused less the second time. Every
// failure becomes one coded AppError; the key is never part of one (the endpoint's messages are scrubbed of it).

/** Time limits of a request, in ms. */
export interface ModelTimeouts {
  /** Until the first chunk of an answer arrives (headers included). */
  answerMs: number;
  /** Between two chunks of a streaming answer. */
  idleMs: number;
  /** For GET /models. */
  listMs: number;
}

export const defaultModelTimeouts: ModelTimeouts = { answerMs: 120_000, idleMs: 60_000, listMs: 10_000 };

/** One tool call of an answer, its arguments put together from the streamed pieces. */
export interface StreamedToolCall {
  id: string;
  name: string;
  arguments: string;
}

/** What one streamed answer held: its text (as the model wrote it) and the tool calls it made. */
export interface StreamedTurn {
  text: string;
  toolCalls: StreamedToolCall[];
  finishReason: string | null;
}

/** A request that ended without an answer: stopped by the person, or failed (with the error to show). */
export type TurnFailure = { stopped: true } | { stopped: false; error: AppError };

/** The SDK client for an endpoint. Without a key no Authorization header is sent at all (local servers need none). */
export function createModelClient(endpoint: AssistantEndpoint, timeouts: ModelTimeouts, fetchImpl?: typeof fetch): OpenAI {
  return new OpenAI({
    baseURL: endpoint.baseUrl,
    // The SDK insists on a key; with none, the placeholder is removed again by the null header below.
    apiKey: endpoint.apiKey ?? 'no-key',
    ...(endpoint.apiKey === null ? { defaultHeaders: { Authorization: null } } : {}),
    // OPENAI_ORG_ID and OPENAI_PROJECT_ID name an OpenAI account: sent to OpenAI only, never to another endpoint.
    ...(new URL(endpoint.baseUrl).origin === 'https://api.openai.com' ? {} : { organization: null, project: null }),
    maxRetries: 0,
    timeout: timeouts.answerMs,
    // The SDK would print requests and unparsable chunks to the console; what matters is logged by the service.
    logLevel: 'off',
    ...(fetchImpl === undefined ? {} : { fetch: fetchImpl }),
  });
}

/** The errno of a connection failure, looked for along the chain of causes (fetch wraps the system's error). */
function errnoInCauses(cause: unknown): string | undefined {
  let current: unknown = cause;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth += 1) {
    const code = errnoOf(current);
    if (code !== undefined && /^E[A-Z]+$|^UND_ERR/.test(code)) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** Text from the endpoint, shortened, with the key taken out should the endpoint repeat it. */
function scrub(text: string, endpoint: AssistantEndpoint): string {
  const short = text.replace(/\s+/g, ' ').trim().slice(0, 300);
  return endpoint.apiKey === null || endpoint.apiKey.length < 4 ? short : short.split(endpoint.apiKey).join('[API key]');
}

/** The endpoint's own message from an APIError (its JSON `error.message`), when it sent one. */
function messageOf(error: APIError): string {
  const body = error.error as { message?: unknown } | undefined;
  return typeof body?.message === 'string' ? body.message : '';
}

/** What the person needs to know of the endpoint in an error: where it is, which preset, whether it is local. */
function where(endpoint: AssistantEndpoint): Record<string, unknown> {
  return { baseUrl: endpoint.baseUrl, preset: endpoint.preset, local: endpoint.local };
}

/** A failure of a request to the endpoint (not of reading its stream) as the AppError to show. */
function requestFailure(cause: unknown, endpoint: AssistantEndpoint): AppError {
  if (cause instanceof APIConnectionTimeoutError) return appError('assistantTimeout', { ...where(endpoint), phase: 'answer' });
  if (cause instanceof APIConnectionError) return appError('assistantEndpointUnreachable', { ...where(endpoint), ...withReason(errnoInCauses(cause)) });
  if (cause instanceof APIError) {
    if (cause.status === 401 || cause.status === 403) return appError('assistantAuthFailed', { ...where(endpoint), status: cause.status, keySource: endpoint.keySource });
    return appError('assistantEndpointFailed', { ...where(endpoint), ...(cause.status === undefined ? {} : { status: cause.status }), message: scrub(messageOf(cause), endpoint) });
  }
  return appError('internalError', { reason: 'the request to the model failed unexpectedly' });
}

const withReason = (reason: string | undefined) => (reason === undefined ? {} : { reason });

/** The models the endpoint lists (GET /models), sorted; what it says when it cannot. */
export async function listEndpointModels(endpoint: AssistantEndpoint, timeouts: ModelTimeouts, signal?: AbortSignal, fetchImpl?: typeof fetch): Promise<Result<string[], AppError>> {
  const client = createModelClient(endpoint, timeouts, fetchImpl);
  try {
    const ids: string[] = [];
    for await (const model of client.models.list({ timeout: timeouts.listMs, maxRetries: 0, ...(signal === undefined ? {} : { signal }) })) {
      if (typeof model.id === 'string') ids.push(model.id);
      if (ids.length >= 2000) break;
    }
    return ok([...new Set(ids)].sort());
  } catch (cause) {
    if (cause instanceof APIError && cause.status === 404) return err(appError('assistantEndpointFailed', { ...where(endpoint), status: 404, reason: 'noApi' }));
    if (cause instanceof SyntaxError || (cause instanceof Error && !(cause instanceof APIError))) return err(appError('assistantMalformedStream', { ...where(endpoint), reason: 'models' }));
    return err(requestFailure(cause, endpoint));
  }
}

/** A 404 to a chat request: the model is missing, or nothing at that base URL speaks the API. */
async function notFound(endpoint: AssistantEndpoint, model: string, timeouts: ModelTimeouts, fetchImpl?: typeof fetch): Promise<AppError> {
  const listed = await listEndpointModels(endpoint, timeouts, undefined, fetchImpl);
  if (!listed.ok) return listed.error.code === 'assistantEndpointFailed' ? listed.error : appError('assistantModelNotFound', { ...where(endpoint), model });
  if (listed.value.includes(model)) return appError('assistantEndpointFailed', { ...where(endpoint), status: 404, message: '' });
  return appError('assistantModelNotFound', { ...where(endpoint), model, models: listed.value.slice(0, 20) });
}

/** Whether a streamed chunk has the shape of a chat-completion chunk. */
function isChunk(value: unknown): value is ChatCompletionChunk {
  return typeof value === 'object' && value !== null && Array.isArray((value as { choices?: unknown }).choices);
}

/**
 * Sends one request and reads its streamed answer to the end, handing each piece of text to `onText` as it comes
 * and putting the tool calls together (a call's id and name come first, its arguments in pieces by index).
 */
export async function streamTurn(
  client: OpenAI,
  endpoint: AssistantEndpoint,
  request: { model: string; messages: ChatCompletionMessageParam[]; tools?: readonly ChatCompletionTool[] },
  options: { signal: AbortSignal; timeouts: ModelTimeouts; onText: (text: string) => void; fetch?: typeof fetch },
): Promise<Result<StreamedTurn, TurnFailure>> {
  const { timeouts } = options;
  const limit = new AbortController();
  let timedOut: 'answer' | 'stream' | null = null;
  let phase: 'answer' | 'stream' = 'answer';
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = () => {
    clearTimeout(timer);
    const ms = phase === 'answer' ? timeouts.answerMs : timeouts.idleMs;
    timer = setTimeout(() => {
      timedOut = phase;
      limit.abort();
    }, ms);
  };
  const signal = AbortSignal.any([options.signal, limit.signal]);
  const seconds = () => Math.round((timedOut === 'stream' ? timeouts.idleMs : timeouts.answerMs) / 1000);
  const stoppedOr = (error: AppError): TurnFailure => {
    if (options.signal.aborted) return { stopped: true };
    if (timedOut !== null) return { stopped: false, error: appError('assistantTimeout', { ...where(endpoint), phase: timedOut, seconds: seconds() }) };
    return { stopped: false, error };
  };
  arm();
  let text = '';
  const calls = new Map<number, StreamedToolCall>();
  let finishReason: string | null = null;
  let chunks = 0;
  try {
    let stream: AsyncIterable<unknown>;
    try {
      stream = await client.chat.completions.create(
        { model: request.model, messages: request.messages, stream: true, ...(request.tools === undefined ? {} : { tools: [...request.tools] }) },
        { signal, maxRetries: 0, timeout: timeouts.answerMs },
      );
    } catch (cause) {
      if (cause instanceof APIUserAbortError || signal.aborted) return err(stoppedOr(appError('assistantTimeout', { ...where(endpoint), phase: 'answer', seconds: seconds() })));
      if (cause instanceof APIError && cause.status === 404) return err(stoppedOr(await notFound(endpoint, request.model, timeouts, options.fetch)));
      const failure = requestFailure(cause, endpoint);
      if (failure.code === 'assistantTimeout') return err(stoppedOr(appError('assistantTimeout', { ...where(endpoint), phase: 'answer', seconds: Math.round(timeouts.answerMs / 1000) })));
      return err(stoppedOr(failure));
    }
    try {
      for await (const chunk of stream) {
        if (!isChunk(chunk)) return err(stoppedOr(appError('assistantMalformedStream', { ...where(endpoint), reason: 'notAChunk' })));
        chunks += 1;
        if (phase === 'answer') phase = 'stream';
        arm();
        const choice = chunk.choices[0];
        if (choice === undefined) continue;
        if (choice.finish_reason !== null && choice.finish_reason !== undefined) finishReason = choice.finish_reason;
        const delta = choice.delta as ChatCompletionChunk.Choice.Delta | undefined;
        if (typeof delta?.content === 'string' && delta.content !== '') {
          text += delta.content;
          options.onText(delta.content);
        }
        for (const piece of delta?.tool_calls ?? []) {
          const index = typeof piece.index === 'number' ? piece.index : calls.size;
          const call = calls.get(index) ?? { id: '', name: '', arguments: '' };
          if (typeof piece.id === 'string' && piece.id !== '') call.id = piece.id;
          if (typeof piece.function?.name === 'string') call.name += piece.function.name;
          if (typeof piece.function?.arguments === 'string') call.arguments += piece.function.arguments;
          calls.set(index, call);
        }
      }
      // The SDK ends a stream quietly when its request is aborted (cancel, or a time limit here).
      if (signal.aborted) return err(stoppedOr(appError('assistantConnectionLost', where(endpoint))));
    } catch (cause) {
      if (cause instanceof APIUserAbortError || signal.aborted) return err(stoppedOr(appError('assistantConnectionLost', where(endpoint))));
      // The SDK parses each `data:` line as JSON; a line that is not fails here.
      if (cause instanceof SyntaxError) return err(stoppedOr(appError('assistantMalformedStream', { ...where(endpoint), reason: 'notJson' })));
      // An `error` event in the stream (a server that fails mid-answer says so this way).
      if (cause instanceof APIError) return err(stoppedOr(requestFailure(cause, endpoint)));
      return err(stoppedOr(appError('assistantConnectionLost', { ...where(endpoint), ...withReason(errnoInCauses(cause)) })));
    }
  } finally {
    clearTimeout(timer);
  }
  // A 200 that held no chunk at all is not a chat stream (an HTML page, a JSON answer to another API).
  if (chunks === 0) return err(stoppedOr(appError('assistantMalformedStream', { ...where(endpoint), reason: 'empty' })));
  const toolCalls = [...calls.entries()].sort(([a], [b]) => a - b).map(([index, call]) => ({ ...call, id: call.id === '' ? `call_${index}` : call.id }));
  return ok({ text, toolCalls, finishReason });
}
