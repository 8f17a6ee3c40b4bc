import { Chat } from './Chat';
import { ConversationList } from './ConversationList';
import { EndpointBadge } from './EndpointBadge';

/** The Assistant area: the conversations kept with the design on the left, the chat on the right. */
export function AssistantArea() {
  return (
    <div className="assistant-area" data-testid="assistant-area">
      <h2 className="visually-hidden">Ask the assistant</h2>
      <ConversationList />
      <section className="assistant-main" aria-label="Chat">
        <header className="assistant-header">
          <strong>Assistant</strong>
          <span className="hint">Answers from your design, its problems, the benchmark and your last checks and deploys.</span>
          <span className="toolbar-spacer" />
          <EndpointBadge />
        </header>
        <Chat />
      </section>
    </div>
  );
}
