import { useEffect, useRef, type RefObject } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { appContext } from '../app/appContext';
import { useAssistantStore, type AssistantState } from './assistantStore';
import { Composer } from './Composer';
import { useEndpointStore } from './endpointStore';
import { MessageView } from './MessageView';
import { SetupHelp } from './SetupHelp';
import './assistant.css';

const noIds: readonly string[] = [];
/** The ids of the shown conversation's messages (each message subscribes to itself). */
const messageIds = (s: AssistantState) => s.conversations.find((c) => c.id === s.activeId)?.messages.map((m) => m.id) ?? noIds;
/** How much of the answer being written has arrived, to keep it in view. */
const answerProgress = (s: AssistantState) => {
  if (s.answer === null) return -1;
  const { conversationId, messageId } = s.answer;
  const message = s.conversations.find((c) => c.id === conversationId)?.messages.find((m) => m.id === messageId);
  return (message?.text.length ?? 0) + (message?.proposals?.length ?? 0) + (message?.tools?.length ?? 0);
};

/** Keeps the newest message in view as it grows, unless the person scrolled up to read; returns the list's ref. */
function useFollowBottom(count: number, progress: number): RefObject<HTMLDivElement | null> {
  const list = useRef<HTMLDivElement>(null);
  const atBottom = useRef(true);
  useEffect(() => {
    const el = list.current;
    if (el === null) return undefined;
    const onScroll = () => {
      atBottom.current = el.scrollHeight - el.scrollTop - el.clientHeight < 40;
    };
    el.addEventListener('scroll', onScroll);
    return () => el.removeEventListener('scroll', onScroll);
  }, []);
  useEffect(() => {
    const el = list.current;
    if (el !== null && atBottom.current) el.scrollTop = el.scrollHeight;
  }, [count, progress]);
  return list;
}

/** The messages of the conversation shown, oldest first. */
function MessageList() {
  const conversationId = useAssistantStore((s) => s.activeId);
  const ids = useAssistantStore(useShallow(messageIds));
  const progress = useAssistantStore(answerProgress);
  const list = useFollowBottom(ids.length, progress);
  return (
    <div className="chat-scroll" ref={list}>
      {conversationId === null || ids.length === 0 ? (
        <div className="chat-empty">
          <p>
            Ask about your network: which VPN fits it, why a machine is unreachable, what a check or a deploy error means. The assistant knows your design, its
            problems, the benchmark and your last checks and deploys.
          </p>
          <p className="hint">It only proposes changes; each one waits for you to apply it, and one Undo takes it back.</p>
        </div>
      ) : (
        <ol className="chat-messages" aria-label="Conversation">
          {ids.map((id, index) => (
            <MessageView key={id} conversationId={conversationId} messageId={id} last={index === ids.length - 1} />
          ))}
        </ol>
      )}
    </div>
  );
}

/** Says that an answer is being written, and why the conversations could not be read or kept, when that happened. */
function ConversationErrors() {
  const loadError = useAssistantStore((s) => s.loadError);
  const saveError = useAssistantStore((s) => s.saveError);
  const loading = useAssistantStore((s) => s.loading);
  const answering = useAssistantStore((s) => s.answer !== null);
  return (
    <>
      {/* Said once per answer, rather than every piece of text as it streams in. */}
      <p className="visually-hidden" role="status">
        {answering ? 'The assistant is answering…' : ''}
      </p>
      {loading && (
        <p className="hint chat-note" role="status">
          Reading the conversations kept with this design…
        </p>
      )}
      {[loadError, saveError].map(
        (error) =>
          error !== null && (
            <p key={error} className="error-text chat-note" role="alert">
              {error}
            </p>
          ),
      )}
    </>
  );
}

/**
 * The chat, shared by the Assistant area and the panel beside the other areas (one store, so both show the same
 * conversation): the messages, how to set up an endpoint while none answers, and the ask box.
 */
export function Chat({ autoFocus = false }: { autoFocus?: boolean }) {
  useEffect(() => {
    if (appContext.backend !== null) void useEndpointStore.getState().refresh(appContext.backend);
  }, []);
  return (
    <div className="chat" data-testid="assistant-chat">
      <ConversationErrors />
      <MessageList />
      <SetupHelp />
      <Composer autoFocus={autoFocus} />
    </div>
  );
}
