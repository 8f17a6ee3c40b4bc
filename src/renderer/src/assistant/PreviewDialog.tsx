import { useEffect, useState } from 'react';
import { describeError } from '../../../shared/errors';
import type { ResponseOf } from '../../../shared/ipc/contract';
import { Modal } from '../dialogs/Modal';
import { askContext } from './askContext';
import { askRequest, useAssistantStore } from './assistantStore';
import { CloseRow } from './CloseRow';

type Preview = ResponseOf<'assistant:preview'>;

/** Reads what the question being written would send, exactly as the back end would send it. */
function usePreview(): { preview: Preview | null; error: string | null } {
  const [state, setState] = useState<{ preview: Preview | null; error: string | null }>({ preview: null, error: null });
  useEffect(() => {
    const context = askContext();
    if (context === null) return;
    const { draft, conversations, activeId } = useAssistantStore.getState();
    const history = conversations.find((c) => c.id === activeId)?.messages ?? [];
    let cancelled = false;
    void context.backend.invoke('assistant:preview', askRequest(context, history, draft.text.trim(), draft.attachments)).then((result) => {
      if (cancelled) return;
      setState(result.ok ? { preview: result.value, error: null } : { preview: null, error: `What would be sent could not be worked out. ${describeError(result.error)}` });
    });
    return () => {
      cancelled = true;
    };
  }, []);
  return state;
}

/**
 * "What will be sent": the messages the question would send, after redaction, exactly as they would leave (role and
 * content), with where they go, whether names and addresses are replaced, and how big the grounding is.
 */
export function PreviewDialog({ onClose }: { onClose: () => void }) {
  const { preview, error } = usePreview();
  return (
    <Modal title="What will be sent" onClose={onClose} className="assistant-preview-dialog" testId="assistant-preview-dialog">
      {error !== null && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      {preview === null && error === null && <p role="status">Working out what would be sent…</p>}
      {preview !== null && (
        <>
          <dl className="preview-facts">
            <dt>Sent to</dt>
            <dd data-testid="assistant-preview-endpoint">
              <code>{preview.endpoint.baseUrl}</code>, model <code>{preview.endpoint.model === '' ? '(none chosen)' : preview.endpoint.model}</code>
              {preview.endpoint.local ? ' — on this computer' : ' — leaves this computer'}
            </dd>
            <dt>Redaction</dt>
            <dd data-testid="assistant-preview-redaction">
              {preview.redacted ? 'On: names, addresses, keys and user names are replaced by placeholders below.' : 'Off: the real names and addresses are sent.'}
            </dd>
            <dt>Size of what the assistant is told about your network</dt>
            <dd data-testid="assistant-preview-tokens">about {preview.groundingTokens.toLocaleString()} tokens</dd>
            <dt>Tools the model may call</dt>
            <dd>{preview.tools.length === 0 ? 'none' : <code>{preview.tools.join(', ')}</code>}</dd>
          </dl>
          <ol className="preview-messages" aria-label="Messages">
            {preview.messages.map((message, index) => (
              <li key={index} className={`preview-message preview-${message.role}`} data-testid="assistant-preview-message" data-role={message.role}>
                <span className="preview-role">{message.role}</span>
                <pre className="preview-content" tabIndex={0}>
                  {message.content}
                </pre>
              </li>
            ))}
          </ol>
        </>
      )}
      <CloseRow onClose={onClose} />
    </Modal>
  );
}
