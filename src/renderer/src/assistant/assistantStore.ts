import { create } from 'zustand';
import type { AttachedItem, ChatMessage, Conversation, Proposal } from '../../../shared/assistant/schema';
import { appError, describeError, type AppError } from '../../../shared/errors';
import type { ApiTransport } from '../../../shared/ipc/api';
import type { AssistantAskRequest, AssistantProgress } from '../../../shared/ipc/contract';
import type { Design } from '../../../shared/model/types';
import { onJobEvent, useJobsStore } from '../stores/jobsStore';

// The assistant's conversations as this window shows them (issue 16): those kept with the design file on screen,
// the question being written with what is attached to it, and the answer streaming in. An answer is a job of kind
// `assistant`; its events are applied here. Nothing here changes the design: a proposal is applied by the registry
// command assistant.applyProposal, on the person's click.

/** The answer being written: into which message, by which job (null until assistant:ask answered). */
export interface AnswerInProgress {
  conversationId: string;
  messageId: string;
  jobId: string | null;
  /** Stop was pressed before the job's id was known: it is cancelled as soon as it is. */
  stopRequested: boolean;
}

/** The question being written and the items attached to it with "Explain with the assistant". */
export interface Draft {
  text: string;
  attachments: readonly AttachedItem[];
  /** Counts requests for the ask box to take the focus (an item was attached from elsewhere in the app). */
  focusRequest: number;
}

/** Where a question is asked from: the back end, and the design on screen with its file name (null: unsaved). */
export interface AskContext {
  backend: ApiTransport;
  design: Design;
  fileName: string | null;
}

/** Which proposal card: its conversation, its message and its id. */
export interface ProposalRef {
  conversationId: string;
  messageId: string;
  proposalId: string;
}

/** The design before and after a proposal this window applied: the card's Undo works while the design is `after`. */
export interface AppliedDesigns {
  before: Design;
  after: Design;
}

export interface AssistantState {
  /** The design file the conversations belong to; null for an unsaved design (kept in memory until its first save). */
  forFile: string | null;
  /** Oldest first. */
  conversations: readonly Conversation[];
  /** The conversation shown; null: a new one, started by the next question. */
  activeId: string | null;
  loading: boolean;
  /** Why the conversations of the file could not be read, as a sentence. */
  loadError: string | null;
  /** Changed since they were read or saved. */
  unsaved: boolean;
  /** Why the last save failed, as a sentence. */
  saveError: string | null;
  draft: Draft;
  answer: AnswerInProgress | null;
  /** Proposals applied in this window, by proposal id (not saved: the undo history is not either). */
  applied: Readonly<Record<string, AppliedDesigns>>;
  /** Reads the conversations kept with a design file (none for an unsaved design). */
  load: (backend: ApiTransport | null, fileName: string | null) => Promise<void>;
  /** The design on screen was saved under a new name: its conversations go with it (and are saved there). */
  followFile: (fileName: string) => void;
  /** Shows a blank conversation; the next question starts it. */
  newConversation: () => void;
  pickConversation: (id: string) => void;
  deleteConversation: (id: string) => void;
  setDraftText: (text: string) => void;
  /** Attaches an item to the question and, when nothing is written yet, fills in a question about it. */
  attach: (item: AttachedItem, question: string) => void;
  removeAttachment: (index: number) => void;
  /** Asks the ask box to take the focus (the chat was just opened from elsewhere). */
  requestFocus: () => void;
  /** Sends the question being written, in the conversation shown. */
  ask: (context: AskContext) => Promise<void>;
  /** Asks the last question of the conversation shown again, replacing its answer. */
  retry: (context: AskContext) => Promise<void>;
  /** Stops the answer being written; what arrived so far stays, marked as stopped. */
  stop: (backend: ApiTransport) => Promise<void>;
  /** Applies one event of the answer's job. */
  applyEvent: (event: AssistantProgress) => void;
  /** Marks a proposal applied or dismissed (or open again, after the card's Undo). */
  setProposalState: (ref: ProposalRef, state: Proposal['state'], applied?: AppliedDesigns) => void;
  /** Records that `conversations` were saved (changes made meanwhile stay unsaved), or why not. */
  savedAs: (conversations: readonly Conversation[], error: AppError | null) => void;
}

/** Up to this many characters of the first question name a conversation. */
const TITLE_LENGTH = 60;

/** A new id for a conversation or message: time, then randomness (the schema allows [0-9a-z-]). */
export function newChatId(): string {
  const bytes = new Uint8Array(6);
  crypto.getRandomValues(bytes);
  return `${Date.now().toString(36)}-${[...bytes].map((b) => (b % 36).toString(36)).join('')}`;
}

/** A conversation's title from its first question: the first line, shortened. */
export function titleOf(question: string): string {
  const line = question.trim().split('\n')[0]!.trim();
  return line.length <= TITLE_LENGTH ? line : `${line.slice(0, TITLE_LENGTH - 1).trimEnd()}…`;
}

/** The conversations with one message changed. */
function withMessage(conversations: readonly Conversation[], conversationId: string, messageId: string, change: (message: ChatMessage) => ChatMessage): readonly Conversation[] {
  return conversations.map((c) => (c.id !== conversationId ? c : { ...c, messages: c.messages.map((m) => (m.id === messageId ? change(m) : m)) }));
}

/** A proposal as it arrives, keeping the state the person gave it meanwhile (the final report repeats it as open). */
function mergeProposals(local: readonly Proposal[] | undefined, incoming: readonly Proposal[]): Proposal[] {
  const states = new Map((local ?? []).map((p) => [p.id, p.state]));
  const merged = incoming.map((p) => ({ ...p, state: states.get(p.id) ?? p.state }));
  // A proposal streamed but missing from the report is kept: the person may have acted on it.
  const ids = new Set(incoming.map((p) => p.id));
  return [...(local ?? []).filter((p) => !ids.has(p.id)), ...merged];
}

/** The finished answer: the report's message in the place of the one streamed, with the proposals' states kept. */
function finishedMessage(streamed: ChatMessage, event: Extract<AssistantProgress, { type: 'done' }>): ChatMessage {
  const reported = event.report.message;
  const proposals = mergeProposals(streamed.proposals, reported.proposals ?? []);
  const message: ChatMessage = {
    ...reported,
    id: streamed.id,
    role: 'assistant',
    at: streamed.at,
    // The report has the whole answer; a stopped one may have less than what was shown.
    text: reported.text.length >= streamed.text.length ? reported.text : streamed.text,
    ...(proposals.length > 0 ? { proposals } : {}),
    ...(reported.tools === undefined && streamed.tools !== undefined ? { tools: streamed.tools } : {}),
  };
  if (event.outcome === 'cancelled') return { ...message, stopped: true };
  if ((event.outcome === 'failed' || event.outcome === 'timedOut') && message.error === undefined) {
    return { ...message, stopped: true, error: appError('internalError', { reason: event.outcome === 'timedOut' ? 'the answer took too long' : 'the answer broke off' }) };
  }
  return message;
}

/** The request for a question, as assistant:ask and assistant:preview take it. */
export function askRequest(context: Pick<AskContext, 'design' | 'fileName'>, history: readonly ChatMessage[], question: string, attachments: readonly AttachedItem[]): AssistantAskRequest {
  return {
    ...(context.fileName === null ? {} : { name: context.fileName }),
    design: context.design,
    // Answers that brought nothing (an endpoint that failed at once) tell the model nothing.
    history: history.filter((m) => m.text.trim() !== ''),
    question,
    ...(attachments.length === 0 ? {} : { attachments: [...attachments] }),
  };
}

/** Events of an assistant job that arrived before assistant:ask told this window its id. */
let pendingEvents: AssistantProgress[] = [];
/** Asks in flight, so a late answer of an older load is not taken for the current file. */
let loadRequest = 0;

const emptyDraft: Draft = { text: '', attachments: [], focusRequest: 0 };

/** The state a store starts with (also what tests reset it to). */
export const initialAssistantState = { forFile: null, conversations: [], activeId: null, loading: false, loadError: null, unsaved: false, saveError: null, draft: emptyDraft, answer: null, applied: {} } as const;

export const useAssistantStore = create<AssistantState>()((set, get) => {
  /** Starts the answer to `question` after `history` in a conversation: a message that fills as the job streams. */
  const startAnswer = async (context: AskContext, conversationId: string, history: readonly ChatMessage[], question: string, attachments: readonly AttachedItem[]) => {
    const messageId = newChatId();
    set((s) => ({
      conversations: s.conversations.map((c) => (c.id === conversationId ? { ...c, messages: [...c.messages, { id: messageId, role: 'assistant' as const, text: '', at: Date.now() }] } : c)),
      answer: { conversationId, messageId, jobId: null, stopRequested: false },
      unsaved: true,
    }));
    pendingEvents = [];
    const result = await context.backend.invoke('assistant:ask', askRequest(context, history, question, attachments));
    const answer = get().answer;
    if (answer === null || answer.messageId !== messageId) return;
    if (!result.ok) {
      pendingEvents = [];
      set((s) => ({ conversations: withMessage(s.conversations, conversationId, messageId, (m) => ({ ...m, error: result.error })), answer: null }));
      return;
    }
    const { jobId } = result.value;
    set({ answer: { ...answer, jobId } });
    useJobsStore.getState().expectJob({ jobId, kind: 'assistant', forFile: context.fileName, machines: [] });
    // Events that came before the answer to the request (main starts streaming at once).
    const early = pendingEvents.filter((e) => e.jobId === jobId);
    pendingEvents = [];
    for (const event of early) get().applyEvent(event);
    if (answer.stopRequested && get().answer?.jobId === jobId) await useJobsStore.getState().cancel(context.backend, jobId);
  };

  return {
    ...initialAssistantState,
    load: async (backend, fileName) => {
      const request = (loadRequest += 1);
      set({ forFile: fileName, conversations: [], activeId: null, loading: fileName !== null && backend !== null, loadError: null, unsaved: false, saveError: null, answer: null, applied: {} });
      if (fileName === null || backend === null) return;
      const result = await backend.invoke('assistant:conversations.load', { name: fileName });
      if (request !== loadRequest) return;
      if (!result.ok) {
        set({ loading: false, loadError: `The conversations kept with this design could not be read. ${describeError(result.error)}` });
        return;
      }
      const conversations = result.value.conversations;
      const newest = [...conversations].sort((a, b) => b.createdAt - a.createdAt)[0];
      set({ loading: false, conversations, activeId: newest?.id ?? null });
    },
    followFile: (fileName) => set((s) => ({ forFile: fileName, unsaved: s.unsaved || s.conversations.length > 0 })),
    newConversation: () => set({ activeId: null }),
    pickConversation: (id) => set((s) => (s.conversations.some((c) => c.id === id) ? { activeId: id } : {})),
    deleteConversation: (id) =>
      set((s) => {
        if (s.answer?.conversationId === id) return {};
        return { conversations: s.conversations.filter((c) => c.id !== id), activeId: s.activeId === id ? null : s.activeId, unsaved: true };
      }),
    setDraftText: (text) => set((s) => ({ draft: { ...s.draft, text } })),
    attach: (item, question) =>
      set((s) => {
        const already = s.draft.attachments.some((a) => a.kind === item.kind && a.title === item.title && a.text === item.text);
        return { draft: { text: s.draft.text.trim() === '' ? question : s.draft.text, attachments: already ? s.draft.attachments : [...s.draft.attachments, item], focusRequest: s.draft.focusRequest + 1 } };
      }),
    removeAttachment: (index) => set((s) => ({ draft: { ...s.draft, attachments: s.draft.attachments.filter((_, i) => i !== index) } })),
    requestFocus: () => set((s) => ({ draft: { ...s.draft, focusRequest: s.draft.focusRequest + 1 } })),
    ask: async (context) => {
      const { draft, answer, activeId, conversations } = get();
      const question = draft.text.trim();
      if (question === '' || answer !== null) return;
      const now = Date.now();
      const userMessage: ChatMessage = { id: newChatId(), role: 'user', text: question, at: now, ...(draft.attachments.length > 0 ? { attachments: [...draft.attachments] } : {}) };
      const existing = conversations.find((c) => c.id === activeId);
      const conversation: Conversation = existing ?? { id: newChatId(), title: titleOf(question), createdAt: now, messages: [] };
      const history = conversation.messages;
      set((s) => ({
        conversations: existing === undefined ? [...s.conversations, { ...conversation, messages: [userMessage] }] : s.conversations.map((c) => (c.id === conversation.id ? { ...c, messages: [...c.messages, userMessage] } : c)),
        activeId: conversation.id,
        draft: { ...emptyDraft, focusRequest: s.draft.focusRequest },
      }));
      await startAnswer(context, conversation.id, history, question, draft.attachments);
    },
    retry: async (context) => {
      const { answer, activeId, conversations } = get();
      const conversation = conversations.find((c) => c.id === activeId);
      if (answer !== null || conversation === undefined) return;
      const lastQuestion = conversation.messages.findLastIndex((m) => m.role === 'user');
      if (lastQuestion === -1) return;
      const question = conversation.messages[lastQuestion]!;
      // The answer that failed or was stopped goes; the question stays and is asked again.
      set((s) => ({ conversations: s.conversations.map((c) => (c.id === conversation.id ? { ...c, messages: c.messages.slice(0, lastQuestion + 1) } : c)) }));
      await startAnswer(context, conversation.id, conversation.messages.slice(0, lastQuestion), question.text, question.attachments ?? []);
    },
    stop: async (backend) => {
      const answer = get().answer;
      if (answer === null) return;
      if (answer.jobId === null) {
        set({ answer: { ...answer, stopRequested: true } });
        return;
      }
      const result = await useJobsStore.getState().cancel(backend, answer.jobId);
      // The job had already ended, or main no longer knows it: the answer stops here.
      if (!result.ok || !result.value.cancelled) {
        if (get().answer?.jobId !== answer.jobId) return;
        set((s) => ({ conversations: withMessage(s.conversations, answer.conversationId, answer.messageId, (m) => ({ ...m, stopped: true, ...(result.ok ? {} : { error: result.error }) })), answer: null }));
      }
    },
    applyEvent: (event) => {
      const answer = get().answer;
      if (answer === null) return;
      if (answer.jobId === null) {
        // Before assistant:ask answered: kept until the job's id is known (only while one is awaited).
        pendingEvents.push(event);
        return;
      }
      if (event.jobId !== answer.jobId) return;
      const change = (update: (m: ChatMessage) => ChatMessage) => withMessage(get().conversations, answer.conversationId, answer.messageId, update);
      switch (event.type) {
        case 'delta':
          set({ conversations: change((m) => ({ ...m, text: m.text + event.text })) });
          return;
        case 'tool':
          set({ conversations: change((m) => ({ ...m, tools: [...(m.tools ?? []), event.note] })) });
          return;
        case 'proposal':
          set({ conversations: change((m) => ({ ...m, proposals: mergeProposals(m.proposals, [event.proposal]) })) });
          return;
        case 'done':
          set({ conversations: change((m) => finishedMessage(m, event)), answer: null, unsaved: true });
          return;
        default:
          return;
      }
    },
    setProposalState: (ref, state, applied) =>
      set((s) => {
        const conversations = withMessage(s.conversations, ref.conversationId, ref.messageId, (m) => ({ ...m, proposals: (m.proposals ?? []).map((p) => (p.id === ref.proposalId ? { ...p, state } : p)) }));
        const rest = Object.fromEntries(Object.entries(s.applied).filter(([id]) => id !== ref.proposalId));
        return { conversations, unsaved: true, applied: applied === undefined ? rest : { ...rest, [ref.proposalId]: applied } };
      }),
    savedAs: (conversations, error) =>
      set((s) => {
        if (error !== null) return { saveError: `The conversations could not be kept with the design. ${describeError(error)}` };
        return { saveError: null, unsaved: s.conversations !== conversations };
      }),
  };
});

/** The proposal a card shows, or undefined when its conversation or message is gone. */
export function findProposal(state: Pick<AssistantState, 'conversations'>, ref: ProposalRef): Proposal | undefined {
  return state.conversations
    .find((c) => c.id === ref.conversationId)
    ?.messages.find((m) => m.id === ref.messageId)
    ?.proposals?.find((p) => p.id === ref.proposalId);
}

// The answer follows its job's events; the store ignores those of jobs it did not start (another window's question).
onJobEvent('assistant', (event) => useAssistantStore.getState().applyEvent(event));
