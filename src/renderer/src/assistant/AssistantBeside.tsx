import { appContext } from '../app/appContext';
import { executeCommand, getCommand } from '../commands/registry';
import { useAssistantStore } from './assistantStore';
import { Chat } from './Chat';
import { useConversationTitles } from './ConversationList';
import { EndpointBadge } from './EndpointBadge';

/** Picks the conversation shown beside (the Assistant area has the full list). */
function ConversationPicker() {
  const options = useConversationTitles();
  const activeId = useAssistantStore((s) => s.activeId);
  return (
    <select
      className="beside-conversation"
      aria-label="Conversation"
      value={activeId ?? ''}
      onChange={(e) => (e.currentTarget.value === '' ? useAssistantStore.getState().newConversation() : useAssistantStore.getState().pickConversation(e.currentTarget.value))}
      data-testid="assistant-beside-conversation"
    >
      <option value="">New conversation</option>
      {options.map((o) => (
        <option key={o.id} value={o.id}>
          {o.title}
        </option>
      ))}
    </select>
  );
}

/** The chat as a panel on the right of the Design, Choose VPN and Deploy areas; the same conversations as the Assistant area. */
export function AssistantBeside() {
  return (
    <aside className="assistant-beside" aria-label="Assistant" data-testid="assistant-beside">
      <header className="assistant-beside-header">
        <h2>Assistant</h2>
        <button type="button" className="link-button" onClick={() => void executeCommand(appContext, 'showAssistantArea')} title="Show the conversations in the Assistant area">
          Open area
        </button>
        <span className="toolbar-spacer" />
        <button type="button" aria-label="Close the assistant" title={`Close (${getCommand('closeAssistantBeside')?.shortcut ?? ''})`} onClick={() => void executeCommand(appContext, 'closeAssistantBeside')} data-testid="assistant-beside-close">
          ×
        </button>
      </header>
      <div className="assistant-beside-tools">
        <ConversationPicker />
        <EndpointBadge />
      </div>
      <Chat autoFocus />
    </aside>
  );
}
