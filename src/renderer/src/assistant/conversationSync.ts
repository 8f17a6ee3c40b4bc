import { useEffect } from 'react';
import type { Conversation } from '../../../shared/assistant/schema';
import type { ApiTransport } from '../../../shared/ipc/api';
import { getDocument, subscribeDocument, type DocumentState } from '../stores/designStore';
import { useJobsStore } from '../stores/jobsStore';
import { useAssistantStore } from './assistantStore';

// The conversations are kept beside the design file (`<design>.assistant.json`): read when a file is opened, saved
// after each finished answer and each applied or dismissed proposal. An unsaved design keeps them in memory; its first
// save takes them along. Opening, recovering or starting another design replaces them with that design's.

/**
 * Keeps the assistant's conversations with the design on screen. Returns the function that stops it. A design
 * replaced (open, new, recover: the design and its saved state change together) brings its own conversations; the
 * same design saved under a new name (Save, Save As: only the saved state and the name change) keeps them.
 */
export function startConversationSync(backend: ApiTransport | null): () => void {
  let shown: Pick<DocumentState, 'design' | 'savedDesign'> & { name: string | null } = { ...getDocument(), name: getDocument().file.name };
  let saving: Promise<void> | null = null;
  /** Conversations whose save failed: not tried again until they change. */
  let failed: readonly Conversation[] | null = null;
  let stopped = false;

  const save = (): Promise<void> => {
    const state = useAssistantStore.getState();
    if (backend === null || stopped || saving !== null || !state.unsaved || state.forFile === null || state.answer !== null || state.conversations === failed) return saving ?? Promise.resolve();
    const name = state.forFile;
    const conversations = state.conversations;
    saving = backend.invoke('assistant:conversations.save', { name, conversations: [...conversations] }).then((result) => {
      saving = null;
      failed = result.ok ? null : conversations;
      if (useAssistantStore.getState().forFile === name) useAssistantStore.getState().savedAs(conversations, result.ok ? null : result.error);
      // Changes made while it was on its way.
      return save();
    });
    return saving;
  };

  const replaceWith = async (name: string | null) => {
    const { answer, load } = useAssistantStore.getState();
    // An answer about the design that went away is of no use: stopped, and what it wrote so far kept.
    if (answer?.jobId != null && backend !== null) await useJobsStore.getState().cancel(backend, answer.jobId);
    await saving;
    await save();
    if (!stopped) await load(backend, name);
  };

  const offDocument = subscribeDocument((state) => {
    const replaced = state.design !== shown.design && state.savedDesign !== shown.savedDesign;
    const previousName = shown.name;
    shown = { design: state.design, savedDesign: state.savedDesign, name: state.file.name };
    if (replaced) void replaceWith(state.file.name);
    else if (state.file.name !== previousName && state.file.name !== null) useAssistantStore.getState().followFile(state.file.name);
  });
  const offStore = useAssistantStore.subscribe(() => void save());
  if (useAssistantStore.getState().forFile !== shown.name) void useAssistantStore.getState().load(backend, shown.name);
  return () => {
    stopped = true;
    offDocument();
    offStore();
  };
}

/** Keeps the assistant's conversations with the open design for the life of the window. */
export function useConversationSync(backend: ApiTransport | null): void {
  useEffect(() => startConversationSync(backend), [backend]);
}
