import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import type { Conversation } from '../../../shared/assistant/schema';
import { appError } from '../../../shared/errors';
import { createEmptyDesign } from '../../../shared/model/ops';
import { err, ok } from '../../../shared/result';
import { useDesignStore } from '../stores/designStore';
import { useJobsStore } from '../stores/jobsStore';
import { initialAssistantState, useAssistantStore } from './assistantStore';
import { startConversationSync } from './conversationSync';
import { answerEvents, assistantBackend, play, proposal } from './testAssistant';

// The conversations live beside the design file: read when it opens, saved after each finished answer and each
// applied or dismissed proposal; an unsaved design keeps them in memory until its first save takes them along.

const fileName = 'family.clan-design.json';
const flush = () => new Promise((r) => setTimeout(r, 0));
let stop: () => void = () => undefined;
let jobCounter = 0;

const kept: Conversation = {
  id: 'c-old',
  title: 'Which VPN for my network?',
  createdAt: 5,
  messages: [
    { id: 'm-1', role: 'user', text: 'Which VPN for my network?', at: 5 },
    { id: 'm-2', role: 'assistant', text: 'WireGuard.', at: 6, proposals: [proposal('p-1', [{ tool: 'choose_vpn', vpn: 'wireguard' }])] },
  ],
};

/** Starts the sync on a design (saved as `name`, or unsaved) against a double, after a question was answered in full. */
async function answered(name: string | null, answers: Parameters<typeof assistantBackend>[0] = {}) {
  jobCounter += 1;
  const jobId = `5c00000000000${jobCounter.toString(16).padStart(3, '0')}`;
  const double = assistantBackend(answers, jobId);
  useDesignStore.getState().reset(createEmptyDesign(), { name, revision: name === null ? null : 'r1' });
  stop = startConversationSync(double.backend);
  await flush();
  useAssistantStore.getState().setDraftText('Why is grandma-pi unreachable?');
  const { design } = useDesignStore.getState();
  await useAssistantStore.getState().ask({ backend: double.backend, design, fileName: name });
  const events = answerEvents(jobId);
  play(events.started(), events.delta('It is behind'));
  await flush();
  // Nothing is saved while the answer streams.
  expect(double.requestsTo('assistant:conversations.save')).toEqual([]);
  play(events.done({ text: 'It is behind CGNAT.' }));
  await flush();
  return double;
}

beforeEach(() => {
  useJobsStore.setState({ jobs: {}, running: {}, prompts: [] });
  useAssistantStore.setState({ ...initialAssistantState });
});

afterEach(() => stop());

describe('conversations kept with the design file', () => {
  test('are read when the file is on screen, the newest shown', async () => {
    const double = assistantBackend({ 'assistant:conversations.load': () => ok({ conversations: [kept] }) });
    useDesignStore.getState().reset(createEmptyDesign(), { name: fileName, revision: 'r1' });
    stop = startConversationSync(double.backend);
    await flush();
    expect(double.requestsTo('assistant:conversations.load')).toEqual([{ name: fileName }]);
    expect(useAssistantStore.getState()).toMatchObject({ forFile: fileName, conversations: [kept], activeId: 'c-old', unsaved: false });
  });

  test('are saved after each finished answer', async () => {
    const double = await answered(fileName);
    const saves = double.requestsTo('assistant:conversations.save') as { name: string; conversations: Conversation[] }[];
    expect(saves).toHaveLength(1);
    expect(saves[0]!.name).toBe(fileName);
    expect(saves[0]!.conversations[0]!.messages.map((m) => [m.role, m.text])).toEqual([
      ['user', 'Why is grandma-pi unreachable?'],
      ['assistant', 'It is behind CGNAT.'],
    ]);
    expect(useAssistantStore.getState().unsaved).toBe(false);
  });

  test('are saved when a proposal is dismissed (or applied)', async () => {
    const double = assistantBackend({ 'assistant:conversations.load': () => ok({ conversations: [kept] }) });
    useDesignStore.getState().reset(createEmptyDesign(), { name: fileName, revision: 'r1' });
    stop = startConversationSync(double.backend);
    await flush();
    useAssistantStore.getState().setProposalState({ conversationId: 'c-old', messageId: 'm-2', proposalId: 'p-1' }, 'dismissed');
    await flush();
    const saves = double.requestsTo('assistant:conversations.save') as { conversations: Conversation[] }[];
    expect(saves.map((s) => s.conversations[0]!.messages[1]!.proposals![0]!.state)).toEqual(['dismissed']);
  });

  test('of an unsaved design stay in memory, and its first save takes them along', async () => {
    const double = await answered(null);
    expect(double.requestsTo('assistant:conversations.save')).toEqual([]);
    expect(useAssistantStore.getState().conversations).toHaveLength(1);
    // Save As: the same design, now with a name.
    const { design } = useDesignStore.getState();
    useDesignStore.getState().markSaved({ name: 'grandma.clan-design.json', revision: 'r2' }, design);
    await flush();
    const saves = double.requestsTo('assistant:conversations.save') as { name: string; conversations: Conversation[] }[];
    expect(saves.map((s) => [s.name, s.conversations.length])).toEqual([['grandma.clan-design.json', 1]]);
  });

  test('opening another design shows that design’s conversations instead', async () => {
    const double = await answered(fileName, { 'assistant:conversations.load': (request: { name: string }) => ok({ conversations: request.name === 'other.clan-design.json' ? [kept] : [] }) });
    useDesignStore.getState().reset(createEmptyDesign('other'), { name: 'other.clan-design.json', revision: 'r9' });
    await flush();
    await flush();
    expect(double.requestsTo('assistant:conversations.load').at(-1)).toEqual({ name: 'other.clan-design.json' });
    expect(useAssistantStore.getState().conversations).toEqual([kept]);
    // A new design starts with none.
    useDesignStore.getState().reset(createEmptyDesign(), { name: null, revision: null });
    await flush();
    expect(useAssistantStore.getState()).toMatchObject({ forFile: null, conversations: [] });
  });

  test('a save that fails says why, and is tried again only after the next change', async () => {
    const double = await answered(fileName, { 'assistant:conversations.save': () => err(appError('fileAccessFailed', { name: 'family.assistant.json', operation: 'write', errno: 'ENOSPC' })) });
    expect(double.requestsTo('assistant:conversations.save')).toHaveLength(1);
    expect(useAssistantStore.getState().saveError).toMatch(/^The conversations could not be kept with the design\. /);
    useAssistantStore.getState().newConversation();
    await flush();
    expect(double.requestsTo('assistant:conversations.save')).toHaveLength(1);
    useAssistantStore.getState().deleteConversation(useAssistantStore.getState().conversations[0]!.id);
    await flush();
    expect(double.requestsTo('assistant:conversations.save')).toHaveLength(2);
  });
});
