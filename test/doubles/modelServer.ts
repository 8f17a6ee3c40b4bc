import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

// TEST DOUBLE OF A MODEL: a real HTTP server on 127.0.0.1 speaking the OpenAI chat-completions API as Ollama,
// llama.cpp, LM Studio and vLLM do (GET /v1/models; POST /v1/chat/completions with real SSE streaming: `data: {...}`
// events, tool calls streamed in pieces with their arguments split across chunks, `data: [DONE]`). It is not a
// model and knows nothing: what it answers is scripted per test (a function of the request), or comes from
// `groundedModel`, a deterministic script that reads the facts the app sent and answers from them, so that the
// plumbing (streaming, tools, redaction, proposals) can be tested end to end without any LLM. It records every
// request it receives, so tests can check what left the app (redaction, the key, prompt-injection text).
//
// Failure modes, as real endpoints fail: 401 (a key is required and the request's is wrong or missing), 404 (a
// model it does not have, answered as Ollama answers it), a hang before any byte (for time limits), a hang in the
// middle of a stream, a stream that is not JSON, a connection closed mid-answer, and a 500.

/** A message of a chat request as the app sends it. */
export interface ChatMessageIn {
  role: 'system' | 'user' | 'assistant' | 'tool';
  content: string | null;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
  tool_call_id?: string;
}

/** A chat-completions request body. */
export interface ChatRequest {
  model: string;
  messages: ChatMessageIn[];
  tools?: { type: 'function'; function: { name: string; description?: string; parameters?: unknown } }[];
  stream?: boolean;
  [key: string]: unknown;
}

/** A request the double received, as it arrived. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** Header names in lowercase. */
  headers: Record<string, string | string[] | undefined>;
  /** The body exactly as sent ('' for GET). */
  raw: string;
  /** The parsed chat request, for POST /v1/chat/completions. */
  chat?: ChatRequest;
}

/** A tool call the scripted model makes; `arguments` as an object is sent as JSON, a string as it is (to send broken JSON). */
export interface ScriptedToolCall {
  name: string;
  arguments: string | Record<string, unknown>;
  id?: string;
}

/** What the scripted model answers to one request. */
export type ModelReply =
  | {
      /** Text, sent one piece per chunk, in order. */
      pieces?: readonly string[];
      toolCalls?: readonly ScriptedToolCall[];
      /** Pause between chunks (ms), so a test can act mid-stream. */
      delayMs?: number;
    }
  | {
      fail:
        | 'unauthorized'
        | 'forbidden'
        | 'notFound'
        | 'serverError'
        /** Accepts the request and never answers. */
        | 'hang'
        /** Sends `pieces` (or one), then nothing more, with the connection open. */
        | 'hangMidStream'
        /** 200 and text/event-stream, then a `data:` line that is not JSON. */
        | 'malformed'
        /** 200 with an HTML page, as a web server that is not an API answers. */
        | 'notAnApi'
        /** Sends `pieces` (or one), then closes the connection without [DONE]. */
        | 'abruptClose';
      pieces?: readonly string[];
    };

/** The model's behaviour: a function of the request (and how many chat requests came before it in this server). */
export type ModelScript = (request: ChatRequest, info: { index: number }) => ModelReply | Promise<ModelReply>;

export interface ModelServerOptions {
  script?: ModelScript;
  /** The models GET /v1/models lists; a chat request for another model gets a 404. Default ['test-model']. */
  models?: readonly string[];
  /** When set, requests without `Authorization: Bearer <apiKey>` get a 401. */
  apiKey?: string;
}

export interface ModelServer {
  /** The base URL to configure ("http://127.0.0.1:<port>/v1"). */
  readonly baseUrl: string;
  readonly requests: RecordedRequest[];
  /** The chat requests only, in order. */
  chatRequests(): ChatRequest[];
  setScript(script: ModelScript): void;
  /** How many connections are open now. */
  openConnections(): number;
  /** How many streamed answers the client closed before their end (a cancelled answer must close its stream). */
  cutByClient(): number;
  close(): Promise<void>;
}

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Splits a string into pieces of at most `size` characters, as servers split tool arguments across chunks. */
export function splitIntoPieces(text: string, size: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length; i += size) out.push(text.slice(i, i + size));
  return out.length === 0 ? [''] : out;
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

/** Starts the double on 127.0.0.1 with a free port. */
export async function startModelServer(options: ModelServerOptions = {}): Promise<ModelServer> {
  let script: ModelScript = options.script ?? (() => ({ pieces: ['Hello', ' from the test double.'] }));
  const models = options.models ?? ['test-model'];
  const requests: RecordedRequest[] = [];
  const sockets = new Set<Socket>();
  let chatIndex = 0;
  let counter = 0;
  let cut = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const path = (req.url ?? '/').split('?')[0]!;
    const recorded: RecordedRequest = { method: req.method ?? 'GET', path, headers: { ...req.headers }, raw };
    requests.push(recorded);
    if (options.apiKey !== undefined && req.headers.authorization !== `Bearer ${options.apiKey}`) {
      sendJson(res, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', param: null, code: 'invalid_api_key' } });
      return;
    }
    if (req.method === 'GET' && path === '/v1/models') {
      sendJson(res, 200, { object: 'list', data: models.map((id) => ({ id, object: 'model', created: 1_700_000_000, owned_by: 'test-double' })) });
      return;
    }
    if (req.method !== 'POST' || path !== '/v1/chat/completions') {
      sendJson(res, 404, { error: { message: `no route ${req.method} ${path}`, type: 'not_found' } });
      return;
    }
    let chat: ChatRequest;
    try {
      chat = JSON.parse(raw) as ChatRequest;
    } catch {
      sendJson(res, 400, { error: { message: 'the body is not JSON', type: 'invalid_request_error' } });
      return;
    }
    recorded.chat = chat;
    if (!models.includes(chat.model)) {
      sendJson(res, 404, { error: { message: `model "${chat.model}" not found, try pulling it first`, type: 'api_error', param: null, code: null } });
      return;
    }
    const index = chatIndex;
    chatIndex += 1;
    const reply = await script(chat, { index });
    counter += 1;
    const id = `chatcmpl-double-${counter}`;
    const chunk = (delta: Record<string, unknown>, finish: string | null = null) =>
      `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: 1_700_000_000, model: chat.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
    const startStream = () => {
      res.on('close', () => {
        if (!res.writableEnded) cut += 1;
      });
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    };

    if ('fail' in reply) {
      const pieces = reply.pieces ?? ['Partial answer'];
      switch (reply.fail) {
        case 'unauthorized':
          return sendJson(res, 401, { error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } });
        case 'forbidden':
          return sendJson(res, 403, { error: { message: 'This key may not use this model.', type: 'permission_error' } });
        case 'notFound':
          return sendJson(res, 404, { error: { message: `model "${chat.model}" not found, try pulling it first`, type: 'api_error' } });
        case 'serverError':
          return sendJson(res, 500, { error: { message: 'the model crashed', type: 'server_error' } });
        case 'hang':
          return; // The response stays open until the client gives up or the server closes.
        case 'notAnApi':
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end('<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>\n');
          return;
        case 'malformed':
          startStream();
          res.write(chunk({ role: 'assistant', content: '' }));
          res.write('data: {"choices": [ this is not JSON\n\n');
          res.end();
          return;
        case 'hangMidStream':
          startStream();
          res.write(chunk({ role: 'assistant', content: '' }));
          for (const p of pieces) res.write(chunk({ content: p }));
          return;
        case 'abruptClose':
          startStream();
          res.write(chunk({ role: 'assistant', content: '' }));
          for (const p of pieces) res.write(chunk({ content: p }));
          await wait(20);
          res.socket?.destroy();
          return;
      }
    }

    const pieces = reply.pieces ?? [];
    const toolCalls = reply.toolCalls ?? [];
    if (chat.stream !== true) {
      // Not used by the app, but an endpoint answers it: the whole message at once.
      sendJson(res, 200, {
        id,
        object: 'chat.completion',
        created: 1_700_000_000,
        model: chat.model,
        choices: [
          {
            index: 0,
            message: {
              role: 'assistant',
              content: pieces.join('') === '' ? null : pieces.join(''),
              ...(toolCalls.length === 0 ? {} : { tool_calls: toolCalls.map((c, i) => ({ id: c.id ?? `call_${counter}_${i}`, type: 'function', function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments) } })) }),
            },
            finish_reason: toolCalls.length === 0 ? 'stop' : 'tool_calls',
          },
        ],
      });
      return;
    }
    startStream();
    const pause = async () => {
      if (reply.delayMs !== undefined && reply.delayMs > 0) await wait(reply.delayMs);
    };
    const send = (text: string): boolean => {
      if (res.destroyed || res.writableEnded) return false;
      res.write(text);
      return true;
    };
    if (!send(chunk({ role: 'assistant', content: '' }))) return;
    for (const piece of pieces) {
      await pause();
      if (!send(chunk({ content: piece }))) return;
    }
    for (const [i, call] of toolCalls.entries()) {
      const args = typeof call.arguments === 'string' ? call.arguments : JSON.stringify(call.arguments);
      await pause();
      // The first chunk of a call carries its id and name; the arguments follow in pieces of 7 characters.
      if (!send(chunk({ tool_calls: [{ index: i, id: call.id ?? `call_${counter}_${i}`, type: 'function', function: { name: call.name, arguments: '' } }] }))) return;
      for (const part of splitIntoPieces(args, 7)) {
        if (!send(chunk({ tool_calls: [{ index: i, function: { arguments: part } }] }))) return;
      }
    }
    await pause();
    if (!send(chunk({}, toolCalls.length === 0 ? 'stop' : 'tool_calls'))) return;
    send('data: [DONE]\n\n');
    res.end();
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((cause: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: `test double failed: ${String(cause)}`, type: 'server_error' } });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    requests,
    chatRequests: () => requests.flatMap((r) => (r.chat === undefined ? [] : [r.chat])),
    setScript: (next) => {
      script = next;
    },
    openConnections: () => sockets.size,
    cutByClient: () => cut,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

// ---------------------------------------------------------------------------------------------- the grounded script

/** The text of every message the app sent, joined (the grounding is in one of them). */
function allText(request: ChatRequest): string {
  return request.messages.map((m) => m.content ?? '').join('\n');
}

/** The last user message as sent (the grounding, attached items and the question). */
export function lastUserMessage(request: ChatRequest): string {
  for (let i = request.messages.length - 1; i >= 0; i -= 1) {
    const m = request.messages[i]!;
    if (m.role === 'user') return m.content ?? '';
  }
  return '';
}

/** The person's own question: what follows "The person's question:" in the last user message (all of it without). */
export function lastQuestion(request: ChatRequest): string {
  const message = lastUserMessage(request);
  const marker = "The person's question:\n";
  const at = message.lastIndexOf(marker);
  return at < 0 ? message : message.slice(at + marker.length);
}

/** JSON rows of the grounding that follow a header line starting with `header`, until a line that is not a row. */
function rowsAfter(text: string, header: string | RegExp): unknown[][] {
  const lines = text.split('\n');
  const start = lines.findIndex((l) => (typeof header === 'string' ? l.startsWith(header) : header.test(l)));
  if (start < 0) return [];
  const rows: unknown[][] = [];
  for (const line of lines.slice(start + 1)) {
    if (!line.startsWith('[')) break;
    try {
      const parsed = JSON.parse(line) as unknown;
      if (Array.isArray(parsed)) rows.push(parsed);
    } catch {
      break;
    }
  }
  return rows;
}

/** The advisor's ranking in the grounding: its profile and the rows [rank, vpn, score, ...figures, excluded]. */
export function rankingOf(request: ChatRequest): { profile: string; rows: unknown[][] } | null {
  const text = allText(request);
  const head = /VPN advisor ranking, figures from the benchmark's "([a-z]+)" profile/.exec(text);
  if (head === null) return null;
  const rows = rowsAfter(text.slice(head.index), /^\[rank, vpn/);
  return { profile: head[1]!, rows };
}

/** The results of the tool calls since the last user message, by tool name. */
function toolResults(request: ChatRequest): { name: string; content: string }[] {
  const out: { name: string; content: string }[] = [];
  const names = new Map<string, string>();
  let lastUser = -1;
  request.messages.forEach((m, i) => {
    if (m.role === 'user') lastUser = i;
  });
  for (const m of request.messages.slice(lastUser + 1)) {
    for (const c of m.tool_calls ?? []) names.set(c.id, c.function.name);
    if (m.role === 'tool') out.push({ name: names.get(m.tool_call_id ?? '') ?? '?', content: m.content ?? '' });
  }
  return out;
}

const words = (text: string) => splitIntoPieces(text, 12);

/** The machine names of the grounding's tables (the rows under each "Machines in ..." line). */
function machineNames(request: ChatRequest): string[] {
  const names = new Set<string>();
  let inTable = false;
  for (const line of allText(request).split('\n')) {
    if (line.startsWith('Machines in ')) inTable = true;
    else if (!line.startsWith('[')) inTable = false;
    else if (inTable) {
      try {
        const row = JSON.parse(line) as unknown;
        if (Array.isArray(row) && typeof row[0] === 'string') names.add(row[0]);
      } catch {
        inTable = false;
      }
    }
  }
  return [...names];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** The machine a question is about: the longest machine name of the grounding that the question names. */
function machineIn(question: string, request: ChatRequest): string | null {
  const sorted = machineNames(request).sort((a, b) => b.length - a.length);
  return sorted.find((n) => new RegExp(`(?<![\\w-])${escapeRegExp(n)}(?![\\w-])`, 'i').test(question)) ?? null;
}

/** The lines of the grounding that mention a machine (its row, problems, results, notes), as evidence to cite. */
function linesAbout(request: ChatRequest, name: string): string[] {
  return allText(request)
    .split('\n')
    .filter((l) => l.includes(`"${name}"`));
}

/**
 * A deterministic model for the e2e and the evaluation runner: it answers from what the app sent, never from
 * knowledge of its own. "Which VPN" questions: it looks up the top-ranked VPN's single-TCP figure with
 * get_benchmark_figure, then answers citing that figure and the ranking, and proposes choose_vpn. "Why is X
 * unreachable / failing": it cites the grounding's lines about X (its reach, problems, check and deploy results).
 * Questions naming a VPN: it cites that VPN's facts row. Anything else: it cites the first problem, or the ranking.
 */
export const groundedModel: ModelScript = (request) => {
  const question = lastQuestion(request);
  const results = toolResults(request);
  const ranking = rankingOf(request);
  const top = ranking?.rows.find((r) => r[r.length - 1] === null) ?? ranking?.rows[0];
  const topVpn = typeof top?.[1] === 'string' ? top[1] : null;
  const asksWhichVpn = /\b(which|what|best|recommend|choose|pick)\b.*\bvpn\b|\bvpn\b.*\b(should|recommend|best)\b/i.test(question);

  if (asksWhichVpn && topVpn !== null && ranking !== null) {
    const figure = results.find((r) => r.name === 'get_benchmark_figure');
    if (figure === undefined) {
      return { pieces: words('Let me look up the figures. '), toolCalls: [{ name: 'get_benchmark_figure', arguments: { vpn: topVpn, workload: 'tcp', profile: ranking.profile } }] };
    }
    if (results.some((r) => r.name === 'choose_vpn')) return { pieces: words('Apply the proposed change below to switch, or dismiss it to keep your current choice.') };
    const cited = figure.content.split('\n')[0] ?? '';
    const figures = top === undefined ? [] : top.slice(3, 6).filter((f) => typeof f === 'string');
    const answer = `For your network I recommend ${topVpn}: the advisor ranks it first (score ${String(top?.[2])} of 100) at the "${ranking.profile}" profile. ${cited} Its figures in the ranking: ${figures.join(', ')}.`;
    return { pieces: words(answer), toolCalls: [{ name: 'choose_vpn', arguments: { vpn: topVpn } }] };
  }

  const machine = machineIn(question, request);
  if (machine !== null) {
    const evidence = linesAbout(request, machine).slice(0, 4);
    const answer =
      evidence.length === 0
        ? `I have no result or problem about ${machine} in what the app sent. Run "Check machines" and ask again.`
        : `About ${machine}, the app reports: ${evidence.join(' ')}`;
    return { pieces: words(answer) };
  }

  const text = allText(request);
  const vpnNamed = /\b(easytier|headscale|tailscale|hyprspace|mycelium|nebula|tinc|vpncloud|wireguard|yggdrasil|zerotier)\b/i.exec(question)?.[1]?.toLowerCase();
  if (vpnNamed !== undefined) {
    const facts = rowsAfter(text, 'VPN facts').find((r) => typeof r[0] === 'string' && r[0].toLowerCase().startsWith(vpnNamed));
    const rank = ranking?.rows.find((r) => typeof r[1] === 'string' && r[1].toLowerCase().startsWith(vpnNamed));
    const answer = `${vpnNamed}: ${facts === undefined ? 'the app sent no facts about it' : `NAT traversal ${String(facts[1])}, relay ${String(facts[2])}, needs a public machine: ${String(facts[3])}`}.${rank === undefined ? '' : ` The advisor ranks it ${String(rank[0])} with ${rank.slice(3, 6).filter((f) => typeof f === 'string').join(', ')}.`}`;
    return { pieces: words(answer) };
  }
  const problem = rowsAfter(text, 'Problems panel (')[0];
  if (problem !== undefined) return { pieces: words(`The first problem the app reports: ${String(problem[3])}`) };
  if (topVpn !== null && top !== undefined) return { pieces: words(`The advisor ranks ${topVpn} first with ${top.slice(3, 6).filter((f) => typeof f === 'string').join(', ')}.`) };
  return { pieces: words('The app sent no facts I could answer this from.') };
};
