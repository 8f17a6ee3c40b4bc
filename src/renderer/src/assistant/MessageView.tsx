import { memo } from 'react';
import type { ChatMessage, ToolCallNote } from '../../../shared/assistant/schema';
import { describeError } from '../../../shared/errors';
import { AnswerMarkdown } from './AnswerMarkdown';
import { AttachmentList } from './AttachmentList';
import { useAssistantStore, type AssistantState } from './assistantStore';
import { askContext } from './askContext';
import { ProposalCard } from './ProposalCard';

/** The message `messageId` of a conversation; the same object until it changes, so a message re-renders alone. */
const messageOf = (conversationId: string, messageId: string) => (s: AssistantState) => s.conversations.find((c) => c.id === conversationId)?.messages.find((m) => m.id === messageId);

function ToolNote({ note }: { note: ToolCallNote }) {
  return (
    <li className={`tool-note${note.ok ? '' : ' tool-note-refused'}`} data-testid="assistant-tool-note">
      {note.summary}
    </li>
  );
}

/** Retry: asks the conversation's last question again. */
function RetryButton() {
  return (
    <button
      type="button"
      className="link-button"
      onClick={() => {
        const context = askContext();
        if (context !== null) void useAssistantStore.getState().retry(context);
      }}
      data-testid="assistant-retry"
    >
      Retry
    </button>
  );
}

function AssistantMessage({ conversationId, message, writing, last }: { conversationId: string; message: ChatMessage; writing: boolean; last: boolean }) {
  const thinking = writing && message.text === '';
  return (
    <>
      {(message.tools?.length ?? 0) > 0 && (
        <ul className="tool-notes" aria-label="What the assistant looked up">
          {message.tools!.map((note, index) => (
            <ToolNote key={index} note={note} />
          ))}
        </ul>
      )}
      {thinking ? (
        <p className="assistant-thinking" role="status" data-testid="assistant-thinking">
          Thinking…
        </p>
      ) : (
        message.text !== '' && <AnswerMarkdown text={message.text} />
      )}
      {(message.proposals ?? []).map((proposal) => (
        <ProposalCard key={proposal.id} proposalRef={{ conversationId, messageId: message.id, proposalId: proposal.id }} proposal={proposal} />
      ))}
      {message.error !== undefined && (
        <p className="error-text assistant-error" role="alert" data-testid="assistant-error">
          {describeError(message.error)}
        </p>
      )}
      {message.stopped === true && message.error === undefined && <p className="hint assistant-stopped">Stopped before the answer was complete.</p>}
      {last && !writing && (
        <p className="assistant-message-actions">
          <RetryButton />
        </p>
      )}
    </>
  );
}

/** One message of a conversation: the person's question with what it attached, or an answer as it streams in. */
export const MessageView = memo(function MessageView({ conversationId, messageId, last }: { conversationId: string; messageId: string; last: boolean }) {
  const message = useAssistantStore(messageOf(conversationId, messageId));
  const writing = useAssistantStore((s) => s.answer?.messageId === messageId);
  const idle = useAssistantStore((s) => s.answer === null);
  if (message === undefined) return null;
  const fromPerson = message.role === 'user';
  return (
    <li className={`chat-message chat-${message.role}`} data-testid="assistant-message" data-role={message.role} aria-busy={writing || undefined}>
      <span className="visually-hidden">{fromPerson ? 'You:' : 'Assistant:'}</span>
      {fromPerson ? (
        <>
          <p className="chat-question">{message.text}</p>
          {(message.attachments?.length ?? 0) > 0 && <AttachmentList items={message.attachments!} />}
        </>
      ) : (
        <AssistantMessage conversationId={conversationId} message={message} writing={writing} last={last && idle} />
      )}
    </li>
  );
});
