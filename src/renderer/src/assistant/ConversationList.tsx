import { useShallow } from 'zustand/react/shallow';
import { dayFormat } from '../dates';
import { appContext } from '../app/appContext';
import { useAssistantStore, type AssistantState } from './assistantStore';

/** The conversations newest first as id, title, id, title, …: plain strings, so useShallow sees when nothing changed. */
const listed = (s: AssistantState) =>
  [...s.conversations]
    .sort((a, b) => b.createdAt - a.createdAt)
    .flatMap((c) => [c.id, c.title]);

/** The conversations newest first, by id and title (an answer streaming into one does not re-render a list of them). */
export function useConversationTitles(): { id: string; title: string }[] {
  const flat = useAssistantStore(useShallow(listed));
  const items: { id: string; title: string }[] = [];
  for (let i = 0; i < flat.length; i += 2) items.push({ id: flat[i]!, title: flat[i + 1]! });
  return items;
}


function ConversationItem({ id, title }: { id: string; title: string }) {
  const active = useAssistantStore((s) => s.activeId === id);
  const createdAt = useAssistantStore((s) => s.conversations.find((c) => c.id === id)?.createdAt ?? 0);
  const answering = useAssistantStore((s) => s.answer?.conversationId === id);
  const remove = async () => {
    if (await appContext.confirm('Delete this conversation?', `“${title}” and its answers are deleted from this design. Changes you applied from it stay in the design.`)) useAssistantStore.getState().deleteConversation(id);
  };
  return (
    <li className={`conversation-item${active ? ' active' : ''}`} data-testid="assistant-conversation">
      <button type="button" className="conversation-pick" aria-current={active ? 'true' : undefined} onClick={() => useAssistantStore.getState().pickConversation(id)}>
        <span className="conversation-title">{title}</span>
        <span className="hint conversation-date">{answering ? 'answering…' : dayFormat.format(createdAt)}</span>
      </button>
      <button type="button" className="conversation-delete" disabled={answering} aria-label={`Delete the conversation “${title}”`} title="Delete" onClick={() => void remove()} data-testid="assistant-delete-conversation">
        ×
      </button>
    </li>
  );
}

/** The conversations kept with the design: start a new one, pick one, delete one. */
export function ConversationList() {
  const items = useConversationTitles();
  const blank = useAssistantStore((s) => s.activeId === null);
  return (
    <nav className="conversation-list" aria-label="Conversations">
      <button type="button" className={blank ? 'primary' : undefined} aria-pressed={blank} onClick={() => useAssistantStore.getState().newConversation()} data-testid="assistant-new-conversation">
        New conversation
      </button>
      {items.length === 0 ? (
        <p className="hint">No conversations with this design yet. They are kept with the design file.</p>
      ) : (
        <ul>
          {items.map((item) => (
            <ConversationItem key={item.id} id={item.id} title={item.title} />
          ))}
        </ul>
      )}
    </nav>
  );
}
