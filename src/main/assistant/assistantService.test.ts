import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { describeError, type AppError } from '../../shared/errors';
import type { AssistantAskRequest, AssistantProgress } from '../../shared/ipc/contract';
import { familyNetwork } from '../../shared/model/designBuilder';
import type { Design } from '../../shared/model/types';
import { askAndWait, keepResults, saveDesign, startAssistantHarness, waitForDone, type AssistantHarness } from '../../../test/doubles/assistantHarness';
import { lastQuestion, lastUserMessage, startModelServer, type ChatRequest, type ModelReply, type ModelScript } from '../../../test/doubles/modelServer';

// The assistant service through the app's own back end (dispatch, job engine, settings, the openai SDK) against the
// TEST DOUBLE of a model (test/doubles/modelServer.ts): a real HTTP server on 127.0.0.1 streaming real SSE. What is
// proved: the answer streams in order and is the whole message at the end; a proposal becomes a card and changes
// nothing; wrong tool calls are answered to the model, which goes on; the tool rounds are bounded; each way an
// endpoint fails gives its own coded error and sentence; cancel stops the HTTP stream; the kept results of a saved
// design reach the model.

let harness: AssistantHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

function design(): Design {
  const f = familyNetwork();
  f.b.machine('grandma-pi', f.grandma, 'sbc', { notes: 'Under the TV.' });
  return f.b.vpn('nebula');
}

const question = (text: string, d: Design = design()): AssistantAskRequest => ({ design: d, history: [], question: text });

async function withScript(script: ModelScript, options: Parameters<typeof startAssistantHarness>[0] = {}): Promise<AssistantHarness> {
  harness = await startAssistantHarness({ ...options, server: { ...options.server, script } });
  return harness;
}

/** Sets the assistant's settings through dispatch; a refusal fails the test. */
async function setSettings(h: AssistantHarness, change: Record<string, unknown>): Promise<void> {
  const set = await h.backend.dispatch('assistant:settings.set', { preset: 'custom', baseUrl: h.server.baseUrl, model: '', redaction: 'auto', ...change });
  if (!set.ok) throw new Error(`settings.set: ${JSON.stringify(set.error)}`);
}

const toolMessages = (request: ChatRequest | undefined) => (request?.messages ?? []).filter((m) => m.role === 'tool');
const ofType = <T extends AssistantProgress['type']>(events: AssistantProgress[], type: T) => events.filter((e): e is Extract<AssistantProgress, { type: T }> => e.type === type);

describe('streaming answers', () => {
  test('the deltas arrive in order and together are the answer the done event carries', async () => {
    const h = await withScript(() => ({ pieces: ['Nebula ', 'fits ', 'your ', 'network.'] }));
    const answer = await askAndWait(h, question('Which VPN?'));
    const deltas = ofType(answer.events, 'delta').map((e) => e.text);
    expect(deltas).toEqual(['Nebula ', 'fits ', 'your ', 'network.']);
    expect(answer.done.outcome).toBe('finished');
    expect(answer.done.report.message).toMatchObject({ role: 'assistant', text: 'Nebula fits your network.' });
    expect(answer.done.report.message.error).toBeUndefined();
    expect(answer.events[0]).toMatchObject({ type: 'started', machines: [], forFile: null });
    expect(answer.events.map((e) => e.seq)).toEqual(answer.events.map((_, i) => i));
  });

  test('the request streams and carries the system prompt, the grounding, the question and only the offered tools', async () => {
    const h = await withScript(() => ({ pieces: ['ok'] }));
    await askAndWait(h, question('Why is grandma-pi unreachable?'));
    const [sent] = h.server.chatRequests();
    expect(sent?.stream).toBe(true);
    expect(sent?.model).toBe('test-model');
    expect(sent?.messages[0]?.role).toBe('system');
    expect(lastQuestion(sent!)).toBe('Why is grandma-pi unreachable?');
    expect(lastUserMessage(sent!)).toContain('VPN advisor ranking');
    const names = sent?.tools?.map((t) => t.function.name) ?? [];
    expect(names.sort()).toEqual(['add_machine', 'add_site', 'change_machine', 'choose_vpn', 'connect', 'get_benchmark_figure', 'get_design', 'get_last_deploy_log', 'get_problems', 'set_role']);
  });

  test('the chosen model is asked; with none chosen, the first the endpoint lists', async () => {
    const h = await withScript(() => ({ pieces: ['ok'] }), { server: { models: ['zeta', 'alpha'] } });
    await askAndWait(h, question('Hi'));
    expect(h.server.chatRequests()[0]?.model).toBe('alpha');
    await setSettings(h, { model: 'zeta' });
    await askAndWait(h, question('Hi'));
    expect(h.server.chatRequests()[1]?.model).toBe('zeta');
  });

  test('a saved design is grounded on the results kept beside it: the failed deploy with its log lines', async () => {
    const h = await withScript(() => ({ pieces: ['ok'] }));
    const evalDir = join(import.meta.dirname, '../../../resources/assistant-eval');
    const file = JSON.parse(readFileSync(join(evalDir, 'designs/grandma-cgnat.json'), 'utf8')) as { design: Design };
    const results = JSON.parse(readFileSync(join(evalDir, 'results/grandma-deploy-failed.json'), 'utf8')) as Parameters<typeof keepResults>[2];
    const name = await saveDesign(h, 'grandma.clan-design.json', file.design);
    keepResults(h, name, results);
    const failed = results.deploy!.report.machines.find((m) => m.status !== 'deployed' && m.status !== 'skipped')!;
    const answer = await askAndWait(h, { name, design: file.design, history: [], question: `Why did ${failed.name} fail?` });
    expect(answer.events[0]).toMatchObject({ type: 'started', forFile: name });
    const grounding = lastUserMessage(h.server.chatRequests()[0]!);
    expect(grounding).toContain('Last deploy:');
    expect(grounding).toContain(JSON.stringify(failed.name));
  });
});

describe('tools', () => {
  test('a proposal becomes a proposal card and changes nothing: not the design sent, not a file', async () => {
    const script: ModelScript = (request) =>
      toolMessages(request).length === 0
        ? { pieces: ['Nebula suits your CGNAT site.'], toolCalls: [{ name: 'choose_vpn', arguments: { vpn: 'zerotier' } }, { name: 'add_machine', arguments: { name: 'grandma-nas', kind: 'nas', site: 'Grandma' } }] }
        : { pieces: ['Apply the card if you agree.'] };
    const h = await withScript(script);
    const d = design();
    const name = await saveDesign(h, 'home.clan-design.json', d);
    const before = readdirSync(h.workspaceDir, { recursive: true }).sort();
    const saved = readFileSync(join(h.workspaceDir, name), 'utf8');
    const sent = structuredClone(d);
    const answer = await askAndWait(h, { name, design: sent, history: [], question: 'Should I switch?' });
    const proposals = ofType(answer.events, 'proposal');
    expect(proposals).toHaveLength(1);
    expect(proposals[0]?.proposal).toMatchObject({ state: 'open', reason: 'Nebula suits your CGNAT site.', changes: [{ tool: 'choose_vpn', vpn: 'zerotier' }, { tool: 'add_machine', name: 'grandma-nas', kind: 'nas', site: 'Grandma' }] });
    expect(answer.done.report.message.proposals).toEqual([proposals[0]?.proposal]);
    expect(answer.done.report.message.text).toBe('Nebula suits your CGNAT site.\n\nApply the card if you agree.');
    // The model is told that nothing happened yet.
    expect(toolMessages(h.server.chatRequests()[1]).map((m) => m.content)).toEqual([expect.stringContaining('Nothing has changed'), expect.stringContaining('Nothing has changed')]);
    expect(sent).toEqual(d);
    expect(readFileSync(join(h.workspaceDir, name), 'utf8')).toBe(saved);
    expect(readdirSync(h.workspaceDir, { recursive: true }).sort()).toEqual(before);
  });

  test('a read-only tool is answered from the data and noted; its answer goes back to the model', async () => {
    const script: ModelScript = (request) =>
      toolMessages(request).length === 0
        ? { toolCalls: [{ name: 'get_benchmark_figure', arguments: { vpn: 'nebula', workload: 'tcp', profile: 'baseline' } }] }
        : { pieces: [`Figure: ${toolMessages(request)[0]?.content?.split('\n')[0]}`] };
    const h = await withScript(script);
    const answer = await askAndWait(h, question('How fast is Nebula?'));
    expect(ofType(answer.events, 'tool').map((e) => e.note)).toEqual([{ name: 'get_benchmark_figure', summary: "Looked up Nebula's single-stream TCP figure at the baseline profile", ok: true }]);
    const [result] = toolMessages(h.server.chatRequests()[1]);
    expect(result?.content).toMatch(/Mbit\/s/);
    expect(result?.tool_call_id).toBe(h.server.chatRequests()[1]?.messages.find((m) => m.role === 'assistant')?.tool_calls?.[0]?.id);
    expect(answer.done.report.message.text).toContain('Mbit/s');
  });

  test('unknown tools (deploy), wrong arguments and broken JSON are refused, told to the model, and the answer goes on', async () => {
    const script: ModelScript = (request) =>
      toolMessages(request).length === 0
        ? {
            toolCalls: [
              { name: 'deploy', arguments: { machine: 'nas' } },
              { name: 'choose_vpn', arguments: { vpn: 'not-a-vpn' } },
              { name: 'set_role', arguments: '{"machine": "nas", ' },
              { name: 'set_role', arguments: { machine: 'ghost', roles: ['peer'] } },
            ],
          }
        : { pieces: ['I cannot deploy; do it from the Deploy tab.'] };
    const h = await withScript(script);
    const answer = await askAndWait(h, question('Deploy everything now'));
    const notes = ofType(answer.events, 'tool').map((e) => e.note);
    expect(notes.map((n) => [n.name, n.ok])).toEqual([
      ['deploy', false],
      ['choose_vpn', false],
      ['set_role', false],
      ['set_role', false],
    ]);
    expect(ofType(answer.events, 'proposal')).toEqual([]);
    const answers = toolMessages(h.server.chatRequests()[1]).map((m) => m.content ?? '');
    expect(answers[0]).toMatch(/There is no tool "deploy"\..*Nothing can deploy/);
    expect(answers[1]).toMatch(/arguments of choose_vpn are not valid: vpn:/);
    expect(answers[2]).toMatch(/not valid JSON/);
    expect(answers[3]).toMatch(/cannot be proposed: .*ghost/);
    expect(answer.done.outcome).toBe('finished');
    expect(answer.done.report.message.text).toBe('I cannot deploy; do it from the Deploy tab.');
    expect(answer.done.report.message.error).toBeUndefined();
  });

  test('a model that calls tools even when none are offered is not asked again', async () => {
    const h = await withScript(() => ({ pieces: ['Still looking. '], toolCalls: [{ name: 'get_problems', arguments: {} }] }), { assistant: { maxToolRounds: 1 } });
    const answer = await askAndWait(h, question('Look at everything'));
    expect(h.server.chatRequests()).toHaveLength(2);
    expect(ofType(answer.events, 'tool').map((e) => e.note)).toEqual([
      { name: 'get_problems', summary: 'Read the Problems panel', ok: true },
      { name: 'get_problems', summary: 'Refused: no more tool calls in this answer', ok: false },
    ]);
    expect(answer.done.outcome).toBe('finished');
  });

  test(`the tool rounds are bounded: after the last one the model is asked without tools and has to answer`, async () => {
    const script: ModelScript = (request) => (request.tools === undefined ? { pieces: ['Done looking.'] } : { toolCalls: [{ name: 'get_problems', arguments: {} }] });
    const h = await withScript(script, { assistant: { maxToolRounds: 3 } });
    const answer = await askAndWait(h, question('Look at everything'));
    const requests = h.server.chatRequests();
    expect(requests.map((r) => r.tools !== undefined)).toEqual([true, true, true, false]);
    expect(ofType(answer.events, 'tool')).toHaveLength(3);
    expect(answer.done.report.message.text).toBe('Done looking.');
  });
});

describe('failures of the endpoint', () => {
  /** Asks once with a scripted reply and returns the error the answer ended with. */
  async function failureOf(reply: ModelReply | ModelScript, options: Parameters<typeof startAssistantHarness>[0] = {}): Promise<{ error: AppError; text: string }> {
    const h = await withScript(typeof reply === 'function' ? reply : () => reply, options);
    const answer = await askAndWait(h, question('Which VPN?'));
    expect(answer.done.outcome).toBe('finished');
    const { error, text } = answer.done.report.message;
    if (error === undefined) throw new Error('the answer ended without an error');
    return { error, text };
  }

  test('401: the key is wrong or missing, and the sentence says to set it in the settings', async () => {
    const { error } = await failureOf({ pieces: ['never'] }, { server: { apiKey: 'the-right-key' }, env: { OPENAI_API_KEY: 'a-wrong-key' } });
    expect(error).toMatchObject({ code: 'assistantAuthFailed', details: { status: 401, keySource: 'environment' } });
    expect(describeError(error)).toMatch(/did not accept the key from OPENAI_API_KEY \(401\).*set a new one in the assistant's settings\.$/);
    const missing = await failureOf({ fail: 'unauthorized' });
    expect(missing.error).toMatchObject({ code: 'assistantAuthFailed', details: { status: 401, keySource: 'none' } });
    expect(describeError(missing.error)).toMatch(/It needs an API key: set it in the assistant's settings\./);
  });

  test('403: the key may not use the model', async () => {
    const { error } = await failureOf({ fail: 'forbidden' });
    expect(error).toMatchObject({ code: 'assistantAuthFailed', details: { status: 403 } });
    expect(describeError(error)).toMatch(/refused the request \(403 forbidden\)/);
  });

  test('no answer within the time limit: a timeout, in seconds', async () => {
    const { error } = await failureOf({ fail: 'hang' }, { assistant: { timeouts: { answerMs: 600 } } });
    expect(error).toMatchObject({ code: 'assistantTimeout', details: { phase: 'answer', seconds: 1 } });
    expect(describeError(error)).toMatch(/did not answer within 1 seconds.*ask again/);
  });

  test('a stream that stops in the middle: a timeout of the stream, and the text so far is kept', async () => {
    const { error, text } = await failureOf({ fail: 'hangMidStream', pieces: ['Nebula is'] }, { assistant: { timeouts: { idleMs: 400 } } });
    expect(error).toMatchObject({ code: 'assistantTimeout', details: { phase: 'stream' } });
    expect(describeError(error)).toMatch(/stopped sending in the middle of the answer/);
    expect(text).toBe('Nebula is');
  });

  test('a stream that is not JSON, or a page that is not an API: a malformed stream', async () => {
    const { error } = await failureOf({ fail: 'malformed' });
    expect(error).toMatchObject({ code: 'assistantMalformedStream', details: { reason: 'notJson' } });
    expect(describeError(error)).toMatch(/sent something that is not an OpenAI chat stream.*usually ending in \/v1/);
    await harness?.close();
    const html = await failureOf({ fail: 'notAnApi' });
    expect(html.error).toMatchObject({ code: 'assistantMalformedStream', details: { reason: 'empty' } });
  });

  test('a connection closed mid-answer: the answer is cut short and says so', async () => {
    const { error, text } = await failureOf({ fail: 'abruptClose', pieces: ['Half an '] });
    expect(error.code).toBe('assistantConnectionLost');
    expect(describeError(error)).toMatch(/closed before the answer ended/);
    expect(text).toBe('Half an ');
  });

  test('an endpoint that is down: nothing answered, and for Ollama the sentence says how to start it', async () => {
    const down = await startModelServer();
    const url = down.baseUrl;
    await down.close();
    harness = await startAssistantHarness({ env: { OPENAI_BASE_URL: url } });
    const answer = await askAndWait(harness, question('Which VPN?'));
    expect(answer.done.report.message.error).toMatchObject({ code: 'assistantEndpointUnreachable', details: { baseUrl: url, reason: 'ECONNREFUSED', local: true } });
    await setSettings(harness, { preset: 'ollama', baseUrl: url });
    const ollama = await askAndWait(harness, question('Which VPN?'));
    const error = ollama.done.report.message.error!;
    expect(describeError(error)).toMatch(/^Nothing answered at http:\/\/127\.0\.0\.1:\d+\/v1 \(ECONNREFUSED\).*Is Ollama running\? Start it with “ollama serve”, then fetch a model with “ollama pull/);
  });

  test('a model the endpoint does not have (404): named, with the models it has', async () => {
    harness = await startAssistantHarness({ server: { models: ['llama3.1', 'qwen2.5'] } });
    await setSettings(harness, { preset: 'ollama', model: 'mistral' });
    const answer = await askAndWait(harness, question('Which VPN?'));
    const error = answer.done.report.message.error!;
    expect(error).toMatchObject({ code: 'assistantModelNotFound', details: { model: 'mistral', models: ['llama3.1', 'qwen2.5'] } });
    expect(describeError(error)).toBe('The endpoint has no model “mistral”, so nothing was answered. Fetch it with “ollama pull mistral”, or pick one it has in the assistant\'s settings (it has llama3.1, qwen2.5).');
  });

  test('another error of the endpoint (500) is shown with its own message', async () => {
    const { error } = await failureOf({ fail: 'serverError' });
    expect(error).toMatchObject({ code: 'assistantEndpointFailed', details: { status: 500, message: 'the model crashed' } });
    expect(describeError(error)).toMatch(/answered with an error \(500\): “the model crashed”/);
  });

  test('no endpoint configured: refused before a job starts, with what to set', async () => {
    harness = await startAssistantHarness({ env: { OPENAI_BASE_URL: undefined } });
    await setSettings(harness, { preset: 'custom', baseUrl: '' });
    const asked = await harness.backend.dispatch('assistant:ask', question('Hi'));
    expect(asked).toMatchObject({ ok: false, error: { code: 'assistantNotConfigured', details: { missing: 'baseUrl' } } });
    expect(describeError((asked as { error: AppError }).error)).toMatch(/no base URL is set.*OPENAI_BASE_URL/);
    expect(harness.events).toEqual([]);
  });
});

describe('cancel', () => {
  test('job:cancel stops the answer and closes its HTTP stream; the text so far is kept as stopped', async () => {
    const pieces = Array.from({ length: 100 }, (_, i) => `word${i} `);
    const h = await withScript(() => ({ pieces, delayMs: 30 }));
    const started = await h.backend.dispatch('assistant:ask', question('Tell me everything'));
    if (!started.ok) throw new Error('refused');
    const { jobId } = started.value as { jobId: string };
    while (!h.events.some((e) => e.jobId === jobId && e.type === 'delta')) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(await h.backend.dispatch('job:cancel', { jobId })).toEqual({ ok: true, value: { cancelled: true } });
    const answer = await waitForDone(h, jobId);
    expect(answer.done.outcome).toBe('cancelled');
    expect(answer.done.report.message.stopped).toBe(true);
    expect(answer.done.report.message.error).toBeUndefined();
    expect(answer.done.report.message.text.length).toBeGreaterThan(0);
    expect(answer.done.report.message.text.length).toBeLessThan(pieces.join('').length);
    for (let i = 0; i < 100 && h.server.cutByClient() === 0; i += 1) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(h.server.cutByClient()).toBe(1);
  });
});

describe('preview, models and refusals', () => {
  test('the preview is exactly what the question then sends, with where it goes', async () => {
    const h = await withScript(() => ({ pieces: ['ok'] }));
    const request = question('Which VPN?');
    const preview = await h.backend.dispatch('assistant:preview', request);
    if (!preview.ok) throw new Error(JSON.stringify(preview.error));
    const value = preview.value as { messages: { role: string; content: string }[]; tools: string[]; redacted: boolean; groundingTokens: number; endpoint: unknown };
    expect(value).toMatchObject({ redacted: false, endpoint: { baseUrl: h.server.baseUrl, model: '', local: true } });
    expect(value.groundingTokens).toBeGreaterThan(100);
    expect(value.tools).toContain('choose_vpn');
    expect(h.server.chatRequests()).toEqual([]);
    await askAndWait(h, request);
    expect(h.server.chatRequests()[0]?.messages.map((m) => ({ role: m.role, content: m.content }))).toEqual(value.messages);
  });

  test('models.list lists the endpoint’s models, also of settings being edited; an endpoint that is down says so', async () => {
    const h = await withScript(() => ({ pieces: ['ok'] }), { server: { models: ['qwen2.5', 'llama3.1'] } });
    expect(await h.backend.dispatch('assistant:models.list', {})).toEqual({ ok: true, value: { models: ['llama3.1', 'qwen2.5'] } });
    const other = await startModelServer({ models: ['mistral'] });
    try {
      expect(await h.backend.dispatch('assistant:models.list', { preset: 'custom', baseUrl: other.baseUrl })).toEqual({ ok: true, value: { models: ['mistral'] } });
    } finally {
      await other.close();
    }
    expect(await h.backend.dispatch('assistant:models.list', { preset: 'custom', baseUrl: other.baseUrl })).toMatchObject({ ok: false, error: { code: 'assistantEndpointUnreachable', details: { reason: 'ECONNREFUSED' } } });
    expect(await h.backend.dispatch('assistant:models.list', { baseUrl: 'file:///etc/passwd' })).toMatchObject({ ok: false, error: { code: 'assistantBaseUrlInvalid' } });
  });

  test('a design that is not a valid design is refused before anything is sent', async () => {
    const h = await withScript(() => ({ pieces: ['ok'] }));
    const broken = { ...design(), machines: { x: { id: 'x' } } } as unknown as Design;
    expect(await h.backend.dispatch('assistant:ask', question('Hi', broken))).toMatchObject({ ok: false, error: { code: 'invalidDesign' } });
    expect(await h.backend.dispatch('assistant:preview', question('Hi', broken))).toMatchObject({ ok: false, error: { code: 'invalidDesign' } });
    expect(h.server.requests).toEqual([]);
  });
});
