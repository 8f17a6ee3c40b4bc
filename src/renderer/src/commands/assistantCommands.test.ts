// @vitest-environment happy-dom
import { beforeEach, describe, expect, test } from 'vitest';
import type { Conversation, Proposal } from '../../../shared/assistant/schema';
import { sequentialIds } from '../../../shared/model/ids';
import { buildDesignFromAnswers, templates } from '../../../shared/model/templates';
import type { Design } from '../../../shared/model/types';
import { initialAssistantState, useAssistantStore, type ProposalRef } from '../assistant/assistantStore';
import { proposal } from '../assistant/testAssistant';
import { commands, executeCommand, getCommand, isEnabled } from './registry';
import { createTestApp } from './testApp';

// The assistant's commands, headless: a proposal reaches the design only through assistant.applyProposal, as one undo
// step that one Undo takes back exactly; Dismiss changes nothing; a proposal that no longer fits cannot be applied.

const template = (): Design => buildDesignFromAnswers(templates[0]!.answers, sequentialIds());
const machineNamed = (design: Design, name: string) => Object.values(design.machines).find((m) => m.name === name);

const ref: ProposalRef = { conversationId: 'c-1', messageId: 'm-2', proposalId: 'p-1' };

/** A conversation whose answer carries one proposal card. */
function withProposal(card: Proposal): void {
  const conversation: Conversation = {
    id: ref.conversationId,
    title: 'Where should grandma’s Pi go?',
    createdAt: 1,
    messages: [
      { id: 'm-1', role: 'user', text: 'Add a Pi for grandma', at: 1 },
      { id: ref.messageId, role: 'assistant', text: 'Here is a proposal.', at: 2, proposals: [card] },
    ],
  };
  useAssistantStore.setState({ ...initialAssistantState, conversations: [conversation], activeId: conversation.id });
}

const shownProposal = () => useAssistantStore.getState().conversations[0]!.messages[1]!.proposals![0]!;
const enabled = (app: ReturnType<typeof createTestApp>, id: string, args?: unknown) => isEnabled(getCommand(id)!, app.ctx, args);

const addPi = proposal(ref.proposalId, [
  { tool: 'add_machine', name: 'grandma-pi', kind: 'sbc', site: 'Home' },
  { tool: 'change_machine', machine: 'grandma-pi', changes: { sshHost: '192.168.1.50' } },
]);

beforeEach(() => withProposal(addPi));

describe('assistant.applyProposal', () => {
  test('applies every change of the card as one undo step; one Undo restores the design exactly', async () => {
    const app = createTestApp(template());
    const before = app.design;
    expect(await executeCommand(app.ctx, 'assistant.applyProposal', ref)).toBe(true);
    const pi = machineNamed(app.design, 'grandma-pi')!;
    expect(pi.siteId).toBe(Object.values(app.design.sites).find((s) => s.name === 'Home')!.id);
    expect(pi.ssh?.host).toBe('192.168.1.50');
    expect([app.undoDepth, app.edited]).toEqual([1, true]);
    expect(shownProposal().state).toBe('applied');
    expect(app.notices.at(-1)).toMatch(/^Applied the assistant’s proposal\. (Ctrl\+|⌘)Z undoes it\.$/);

    expect(await executeCommand(app.ctx, 'undo')).toBe(true);
    expect(app.design).toBe(before);
    expect(app.undoDepth).toBe(0);
  });

  test('cannot run twice, nor without a card, nor from the palette without one', async () => {
    const app = createTestApp(template());
    expect(enabled(app, 'assistant.applyProposal')).toBe(false);
    expect(enabled(app, 'assistant.applyProposal', { ...ref, proposalId: 'p-404' })).toBe(false);
    await executeCommand(app.ctx, 'assistant.applyProposal', ref);
    expect(await executeCommand(app.ctx, 'assistant.applyProposal', ref)).toBe(false);
    expect(app.undoDepth).toBe(1);
    expect(getCommand('assistant.applyProposal')!.gesture).toMatch(/Apply/);
  });

  test('a proposal that no longer fits the design (its machine was deleted) cannot be applied', async () => {
    withProposal(proposal(ref.proposalId, [{ tool: 'change_machine', machine: 'nas', changes: { sshHost: '192.168.1.20' } }]));
    const app = createTestApp(template());
    expect(enabled(app, 'assistant.applyProposal', ref)).toBe(true);
    app.select([machineNamed(app.design, 'nas')!.id]);
    expect(await executeCommand(app.ctx, 'deleteSelection')).toBe(true);
    const before = app.design;
    expect(enabled(app, 'assistant.applyProposal', ref)).toBe(false);
    expect(await executeCommand(app.ctx, 'assistant.applyProposal', ref)).toBe(false);
    expect(app.design).toBe(before);
    expect(shownProposal().state).toBe('open');
  });

  test('the card’s Undo takes the proposal back and opens the card again, only while its step is the last one', async () => {
    const app = createTestApp(template());
    const before = app.design;
    await executeCommand(app.ctx, 'assistant.applyProposal', ref);
    expect(enabled(app, 'assistant.undoProposal', ref)).toBe(true);
    expect(await executeCommand(app.ctx, 'assistant.undoProposal', ref)).toBe(true);
    expect(app.design).toBe(before);
    expect(shownProposal().state).toBe('open');
    // Applied again, then another edit: Undo on the card would undo that edit instead, so it is off.
    await executeCommand(app.ctx, 'assistant.applyProposal', ref);
    await executeCommand(app.ctx, 'addSite', { kind: 'home', at: { x: 900, y: 900 } });
    expect(enabled(app, 'assistant.undoProposal', ref)).toBe(false);
  });
});

describe('assistant.dismissProposal', () => {
  test('marks the card dismissed and changes nothing in the design or its history', async () => {
    const app = createTestApp(template());
    const before = app.design;
    expect(await executeCommand(app.ctx, 'assistant.dismissProposal', ref)).toBe(true);
    expect(shownProposal().state).toBe('dismissed');
    expect([app.design, app.undoDepth, app.edited]).toEqual([before, 0, false]);
    expect(enabled(app, 'assistant.applyProposal', ref)).toBe(false);
  });
});

describe('the chat beside the other areas', () => {
  const key = (init: KeyboardEventInit) => new KeyboardEvent('keydown', init);

  test('Ctrl+Shift+A opens it beside the area, and closes it again; Ctrl+A still selects everything', async () => {
    const app = createTestApp(template());
    const shortcut = key({ key: 'A', ctrlKey: true, shiftKey: true });
    expect(commands.filter((c) => c.keyTest?.(shortcut) === true && isEnabled(c, app.ctx)).map((c) => c.id)).toEqual(['openAssistantBeside']);
    await executeCommand(app.ctx, 'openAssistantBeside');
    expect(app.ui.assistantBeside).toBe(true);
    expect(commands.filter((c) => c.keyTest?.(shortcut) === true && isEnabled(c, app.ctx)).map((c) => c.id)).toEqual(['closeAssistantBeside']);
    await executeCommand(app.ctx, 'closeAssistantBeside');
    expect(app.ui.assistantBeside).toBe(false);
    expect(commands.filter((c) => c.keyTest?.(key({ key: 'a', ctrlKey: true }))).map((c) => c.id)).toEqual(['selectAll']);
    expect(getCommand('openAssistantBeside')!.shortcut).toMatch(/Shift\+A$/);
  });

  test('not in the Assistant area, which is the chat itself', () => {
    const app = createTestApp(template());
    app.ctx.ui.getState().setActiveArea('assistant');
    expect(enabled(app, 'openAssistantBeside')).toBe(false);
  });

  test('Explain with the assistant attaches the item, fills in the question and opens the chat beside; nothing is sent', async () => {
    const app = createTestApp(template());
    const item = { kind: 'problem' as const, title: 'Error: nas has no SSH address', text: 'The app cannot reach nas. Give it an SSH address in the inspector.' };
    expect(enabled(app, 'explainWithAssistant')).toBe(false);
    expect(await executeCommand(app.ctx, 'explainWithAssistant', { item, question: 'Why does this matter?' })).toBe(true);
    expect(useAssistantStore.getState().draft).toMatchObject({ text: 'Why does this matter?', attachments: [item] });
    expect(useAssistantStore.getState().answer).toBeNull();
    expect(app.ui.assistantBeside).toBe(true);
    expect(app.undoDepth).toBe(0);
  });
});
