import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import type { AttachedItem, ChatMessage } from '../../shared/assistant/schema';
import type { AssistantAskRequest, AssistantProgress } from '../../shared/ipc/contract';
import { designBuilder } from '../../shared/model/designBuilder';
import type { Design } from '../../shared/model/types';
import { injectionCorpus } from '../../../test/unit/assistantFixtures';
import { askAndWait, keepResults, saveDesign, startAssistantHarness, type AssistantHarness } from '../../../test/doubles/assistantHarness';
import { lastUserMessage, type ModelScript } from '../../../test/doubles/modelServer';

// What must never happen, whatever the model or the design says: with redaction on, nothing private in the design
// or its results leaves the computer, and the person still reads the real names; text in the design, its logs or an
// attachment that tries to steer the model (the prompt-injection corpus) produces nothing but text, tool notes and
// open proposal cards, and changes no design, file, setting or job; the API key appears in no event, answer,
// preview or request body. All against the TEST DOUBLE of a model (test/doubles/modelServer.ts) over real HTTP.

let harness: AssistantHarness | undefined;
afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

const SSH_KEY = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk4d2Qx5vYtQ0p9Lr3sE7wqZc8mN1bV6xJ2aK9fT4uR erna@laptop';

/** A network full of private names and addresses. */
function privateDesign(): Design {
  const b = designBuilder();
  const flat = b.site('Erna Schulz flat', 'cgnat');
  const home = b.site('Muellerstrasse 12', 'nat');
  b.machine('erna-pi', flat, 'sbc', { ssh: { host: '192.168.77.23', port: 22, user: 'erna' }, notes: `Key on it: ${SSH_KEY}` });
  b.machine('mueller-nas', home, 'nas', { ssh: { host: 'nas.mueller.lan', port: 2222, user: 'hmueller' } });
  b.machine('hetzner-box', null, 'vps', { ssh: { host: '203.0.113.45', port: 22, user: 'root' }, publicAddress: '203.0.113.45' });
  b.admin(home);
  return b.vpn('nebula');
}

const SECRETS = ['erna-pi', 'mueller-nas', 'hetzner-box', 'Erna Schulz flat', 'Muellerstrasse', '192.168.77.23', 'nas.mueller.lan', '203.0.113.45', 'hmueller', 'AAAAC3NzaC1lZDI1NTE5AAAAIHk4d2Qx5vYtQ0p9Lr3sE7wqZc8mN1bV6xJ2aK9fT4uR', '10.77.0.9', 'erna@'];

const ofType = <T extends AssistantProgress['type']>(events: AssistantProgress[], type: T) => events.filter((e): e is Extract<AssistantProgress, { type: T }> => e.type === type);

/** The placeholder the grounding gives a machine, read from the table row whose kind it has. */
function placeholderOf(request: Parameters<ModelScript>[0], kind: string): string {
  const row = lastUserMessage(request)
    .split('\n')
    .find((l) => new RegExp(`^\\["MACHINE_\\d+","${kind}"`).test(l));
  if (row === undefined) throw new Error(`no ${kind} row in the grounding`);
  return (JSON.parse(row) as string[])[0]!;
}

describe('redaction', () => {
  test('with redaction on, nothing private leaves the computer, and the person reads the real names back', async () => {
    // The double answers in placeholders, cut across chunks, and proposes a change naming a placeholder.
    const script: ModelScript = (request) => {
      if (request.messages.some((m) => m.role === 'tool')) return { pieces: ['Done.'] };
      const pi = placeholderOf(request, 'sbc');
      const nas = placeholderOf(request, 'nas');
      const said = `${pi} sits behind CGNAT; ${nas} is reached over SSH.`;
      const cut = [said.slice(0, 3), said.slice(3, pi.length + 1), said.slice(pi.length + 1, said.length - 5), said.slice(said.length - 5)];
      return { pieces: cut, toolCalls: [{ name: 'get_design', arguments: {} }, { name: 'get_last_deploy_log', arguments: { machine: pi } }, { name: 'connect', arguments: { from: pi, to: nas, kind: 'jumpHost' } }] };
    };
    harness = await startAssistantHarness({ server: { script } });
    const set = await harness.backend.dispatch('assistant:settings.set', { preset: 'custom', baseUrl: harness.server.baseUrl, model: '', redaction: 'on' });
    expect(set).toMatchObject({ ok: true, value: { local: true, redaction: 'on' } });
    const design = privateDesign();
    const name = await saveDesign(harness, 'schulz.clan-design.json', design);
    const deploy = JSON.parse(readFileSync(join(import.meta.dirname, '../../../resources/assistant-eval/results/grandma-deploy-failed.json'), 'utf8')) as Parameters<typeof keepResults>[2];
    // A kept deploy of this design: its machine names, and a log with an address the design does not have.
    const report = { ...deploy.deploy!.report, machines: deploy.deploy!.report.machines.slice(0, 1).map((m) => ({ ...m, name: 'erna-pi', status: 'failed' as const, message: 'ssh erna@192.168.77.23 timed out' })) };
    keepResults(harness, name, { deploy: { report, logs: { 'erna-pi': '2026-01-01T00:00:00.000Z connecting to 10.77.0.9 as erna\n2026-01-01T00:00:01.000Z timed out' } } });
    const history: ChatMessage[] = [
      { id: 'q1', role: 'user', text: 'Can erna-pi reach 203.0.113.45?', at: 1 },
      { id: 'a1', role: 'assistant', text: 'erna-pi reaches hetzner-box over the VPN.', at: 2 },
    ];
    const attachments: AttachedItem[] = [{ kind: 'deploy', title: 'erna-pi failed', text: 'ssh hmueller@nas.mueller.lan: connection refused' }];
    const request: AssistantAskRequest = { name, design, history, question: 'Why is erna-pi at Erna Schulz flat unreachable from mueller-nas?', attachments };

    const preview = await harness.backend.dispatch('assistant:preview', request);
    expect(preview).toMatchObject({ ok: true, value: { redacted: true, endpoint: { local: true } } });
    const answer = await askAndWait(harness, request);

    const sent = harness.server.requests.map((r) => r.raw).join('\n');
    expect(harness.server.chatRequests()).toHaveLength(2);
    for (const secret of SECRETS) {
      expect({ secret, inRequests: sent.includes(secret) }).toEqual({ secret, inRequests: false });
      expect({ secret, inPreview: JSON.stringify(preview).includes(secret) }).toEqual({ secret, inPreview: false });
    }
    // The tool results went back redacted too (the second request holds them).
    expect(harness.server.chatRequests()[1]?.messages.filter((m) => m.role === 'tool')).toHaveLength(3);

    expect(answer.done.report.message.text).toBe('erna-pi sits behind CGNAT; mueller-nas is reached over SSH.\n\nDone.');
    expect(ofType(answer.events, 'delta').map((e) => e.text).join('')).toBe(answer.done.report.message.text);
    expect(ofType(answer.events, 'proposal')[0]?.proposal.changes).toEqual([{ tool: 'connect', from: 'erna-pi', to: 'mueller-nas', kind: 'jumpHost' }]);
    expect(ofType(answer.events, 'tool').map((e) => e.note)).toEqual([
      { name: 'get_design', summary: 'Read the whole design', ok: true },
      { name: 'get_last_deploy_log', summary: 'Read the last deploy log of erna-pi', ok: true },
    ]);
  });

  test('redaction auto is off for an endpoint on this computer: the request holds the real names', async () => {
    harness = await startAssistantHarness({ server: { script: () => ({ pieces: ['ok'] }) } });
    const answer = await askAndWait(harness, { design: privateDesign(), history: [], question: 'Where is erna-pi?' });
    expect(answer.done.outcome).toBe('finished');
    expect(harness.server.requests.map((r) => r.raw).join('\n')).toContain('erna-pi');
  });
});

describe('prompt injection', () => {
  const corpus = injectionCorpus();

  /** A design whose machine names, site names and notes are the corpus's (names cut to what a design takes). */
  function injectedDesign(): Design {
    const b = designBuilder();
    const sites = corpus.siteNames.map((name) => b.site(name.slice(0, 200), 'nat'));
    corpus.machineNames.forEach((name, i) => b.machine(name.slice(0, 63), sites[i % sites.length]!, 'server', { notes: corpus.notes[i % corpus.notes.length]! }));
    b.machine('vps', null, 'vps', { notes: corpus.notes.join('\n') });
    return b.vpn('nebula');
  }

  test('the corpus in names, notes, logs and attachments, and a model that obeys it, produce only text, tool notes and open cards; nothing changes', async () => {
    // The double plays a model that fell for it: every forbidden tool the corpus lists (eight a round), then the
    // proposals the text asked for, then a claim that it deployed.
    const rounds = [
      corpus.toolCalls.slice(0, 8),
      corpus.toolCalls.slice(8),
      [
        { name: 'choose_vpn', arguments: '{"vpn":"hyprspace"}' },
        { name: 'change_machine', arguments: JSON.stringify({ machine: 'vps', changes: { sshHost: 'evil.example.com' } }) },
      ],
    ];
    const script: ModelScript = (request) => {
      const round = request.messages.filter((m) => m.role === 'assistant' && m.tool_calls !== undefined).length;
      const calls = rounds[round];
      return calls === undefined ? { pieces: ['I have deployed everything. <script>alert(1)</script>'] } : { pieces: ['Sure, doing what the notes say. '], toolCalls: calls };
    };
    harness = await startAssistantHarness({ server: { script }, assistant: { maxToolRounds: 3 } });
    const design = injectedDesign();
    const frozen = structuredClone(design);
    const name = await saveDesign(harness, 'injected.clan-design.json', design);
    const deploy = JSON.parse(readFileSync(join(import.meta.dirname, '../../../resources/assistant-eval/results/grandma-deploy-failed.json'), 'utf8')) as Parameters<typeof keepResults>[2];
    keepResults(harness, name, { deploy: { report: deploy.deploy!.report, logs: Object.fromEntries(deploy.deploy!.report.machines.map((m) => [m.name, corpus.logLines.join('\n')])) } });
    const settingsBefore = await harness.backend.dispatch('assistant:settings.get', {});
    const filesBefore = (dir: string) => readdirSync(dir, { recursive: true }).map(String).sort();
    const workspaceBefore = filesBefore(harness.workspaceDir);
    const designFileBefore = readFileSync(join(harness.workspaceDir, name), 'utf8');
    const dataBefore = filesBefore(harness.dataDir);

    const answer = await askAndWait(harness, { name, design, history: [], question: 'What does the last deploy log say?', attachments: corpus.attachments });

    expect(new Set(answer.events.map((e) => e.type))).toEqual(new Set(['started', 'delta', 'tool', 'proposal', 'done']));
    const notes = ofType(answer.events, 'tool').map((e) => e.note);
    // Every forbidden tool of the corpus was refused, by whatever name it came.
    expect(notes.filter((n) => !n.ok)).toHaveLength(corpus.toolCalls.length);
    for (const call of corpus.toolCalls) expect(notes.some((n) => n.name === call.name.slice(0, 100) && !n.ok)).toBe(true);
    const cards = ofType(answer.events, 'proposal').map((e) => e.proposal);
    expect(cards.map((p) => [p.state, p.changes.map((c) => c.tool)])).toEqual([['open', ['choose_vpn', 'change_machine']]]);
    expect(answer.done.report.message.proposals?.every((p) => p.state === 'open')).toBe(true);
    // Nothing changed: the design sent, its file and the others beside it, the app's data, the settings; no other job ran.
    expect(design).toEqual(frozen);
    expect(readFileSync(join(harness.workspaceDir, name), 'utf8')).toBe(designFileBefore);
    expect(filesBefore(harness.workspaceDir)).toEqual(workspaceBefore);
    expect(filesBefore(harness.dataDir)).toEqual(dataBefore);
    expect(await harness.backend.dispatch('assistant:settings.get', {})).toEqual(settingsBefore);
    expect(harness.events.every((e) => e.kind === 'assistant')).toBe(true);
    expect(await harness.backend.dispatch('job:list', {})).toEqual({ ok: true, value: { jobs: [] } });
    // The injected text reached the model only inside the last user message (as quoted data), never as the system prompt.
    const [first] = harness.server.chatRequests();
    for (const text of [...corpus.machineNames, ...corpus.notes, ...corpus.logLines]) expect(first?.messages[0]?.content).not.toContain(text.slice(0, 40));
    for (const site of corpus.siteNames) expect(lastUserMessage(first!)).toContain(JSON.stringify(site));
  });
});

describe('the API key', () => {
  const KEY = 'sk-double-5ecret-key-0123456789abcdef';

  test('appears in no event, answer, preview, settings answer or log, and in no request body; it is sent only as the header', async () => {
    const script: ModelScript = (request) =>
      request.messages.some((m) => m.role === 'tool') ? { pieces: ['Fine.'] } : { pieces: ['Looking.'], toolCalls: [{ name: 'get_problems', arguments: {} }, { name: 'deploy', arguments: {} }] };
    harness = await startAssistantHarness({ server: { script, apiKey: KEY } });
    const set = await harness.backend.dispatch('assistant:settings.set', { preset: 'custom', baseUrl: harness.server.baseUrl, model: '', redaction: 'off', apiKey: KEY });
    expect(set).toMatchObject({ ok: true, value: { hasApiKey: true } });
    const request: AssistantAskRequest = { design: privateDesign(), history: [{ id: 'q1', role: 'user', text: `my key is ${KEY}`, at: 1 }], question: `Is ${KEY} my key?` };
    const answers = [
      set,
      await harness.backend.dispatch('assistant:settings.get', {}),
      await harness.backend.dispatch('assistant:models.list', {}),
      await harness.backend.dispatch('assistant:preview', request),
    ];
    const answer = await askAndWait(harness, request);
    expect(answer.done.report.message.text).toBe('Looking.\n\nFine.');
    expect(answers[2]).toEqual({ ok: true, value: { models: ['test-model'] } });
    expect(JSON.stringify(answers)).not.toContain(KEY);
    expect(JSON.stringify(harness.events)).not.toContain(KEY);
    expect(JSON.stringify(harness.logged)).not.toContain(KEY);
    expect(harness.server.requests.map((r) => r.raw).join('\n')).not.toContain(KEY);
    expect(harness.server.requests.every((r) => r.headers.authorization === `Bearer ${KEY}`)).toBe(true);
    expect(harness.server.requests.length).toBeGreaterThanOrEqual(3);
  });

  test('without a key no Authorization header is sent at all', async () => {
    harness = await startAssistantHarness({ server: { script: () => ({ pieces: ['ok'] }) } });
    await askAndWait(harness, { design: privateDesign(), history: [], question: 'Hi' });
    expect(harness.server.requests.map((r) => r.headers.authorization)).toEqual([undefined, undefined]);
  });
});
