import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { appContext } from '../app/appContext';
import { AttachmentList } from './AttachmentList';
import { askContext } from './askContext';
import { useAssistantStore } from './assistantStore';
import { PreviewDialog } from './PreviewDialog';

const send = () => {
  const context = askContext();
  if (context !== null) void useAssistantStore.getState().ask(context);
};

/**
 * Where a question is written: the ask box with what is attached to it, "What will be sent", and Send, or Stop while
 * an answer is being written. Enter sends, Shift+Enter starts a new line.
 */
export function Composer({ autoFocus = false }: { autoFocus?: boolean }) {
  const text = useAssistantStore((s) => s.draft.text);
  const attachments = useAssistantStore((s) => s.draft.attachments);
  const focusRequest = useAssistantStore((s) => s.draft.focusRequest);
  const answering = useAssistantStore((s) => s.answer !== null);
  const { setDraftText, removeAttachment } = useAssistantStore.getState();
  const [previewOpen, setPreviewOpen] = useState(false);
  const box = useRef<HTMLTextAreaElement>(null);
  const hintId = useId();
  const seenFocusRequest = useRef(focusRequest);
  const empty = text.trim() === '';
  const connected = appContext.backend !== null;

  // Something was attached from elsewhere in the app (or the panel was opened with its shortcut): the ask box takes
  // the focus, so the person reads the question filled in and presses Send.
  useEffect(() => {
    if (focusRequest === seenFocusRequest.current && !autoFocus) return;
    seenFocusRequest.current = focusRequest;
    box.current?.focus();
  }, [focusRequest, autoFocus]);

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key !== 'Enter' || event.shiftKey || event.nativeEvent.isComposing) return;
    event.preventDefault();
    if (!empty && !answering) send();
  };

  return (
    <>
      <form
        className="chat-composer"
        aria-label="Ask the assistant"
        onSubmit={(event) => {
          event.preventDefault();
          send();
        }}
      >
        {attachments.length > 0 && <AttachmentList items={attachments} onRemove={removeAttachment} />}
        <textarea
          ref={box}
          className="chat-ask"
          rows={3}
          value={text}
          placeholder="Ask about your network: which VPN fits it, why a machine is unreachable, what an error means…"
          aria-label="Your question"
          aria-describedby={hintId}
          onChange={(event) => setDraftText(event.currentTarget.value)}
          onKeyDown={onKeyDown}
          data-testid="assistant-ask"
        />
        <div className="chat-composer-actions">
          <span id={hintId} className="hint chat-hint">
            Enter sends, Shift+Enter starts a new line. The assistant only proposes changes; you apply them.
          </span>
          <button type="button" disabled={empty || !connected} onClick={() => setPreviewOpen(true)} data-testid="assistant-preview">
            What will be sent
          </button>
          {answering ? (
            <button type="button" onClick={() => appContext.backend !== null && void useAssistantStore.getState().stop(appContext.backend)} data-testid="assistant-stop">
              Stop
            </button>
          ) : (
            <button type="submit" className="primary" disabled={empty || !connected} data-testid="assistant-send">
              Send
            </button>
          )}
        </div>
      </form>
      {previewOpen && <PreviewDialog onClose={() => setPreviewOpen(false)} />}
    </>
  );
}
