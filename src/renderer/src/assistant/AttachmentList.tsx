import type { AttachedItem } from '../../../shared/assistant/schema';

const kindLabel: Record<AttachedItem['kind'], string> = {
  problem: 'Problem',
  preflight: 'Check finding',
  deploy: 'Deploy result',
  verify: 'Verify result',
  measure: 'Measurement',
};

/**
 * Items attached to a question with "Explain with the assistant": their kind and title, with the app's own
 * explanation one click away. `onRemove`: the question is still being written and an item can be taken off.
 */
export function AttachmentList({ items, onRemove }: { items: readonly AttachedItem[]; onRemove?: (index: number) => void }) {
  return (
    <ul className="chat-attachments" aria-label="Attached">
      {items.map((item, index) => (
        <li key={`${item.kind}-${index}`} className="chat-attachment" data-testid="assistant-attachment">
          <details>
            <summary>
              <span className="attachment-kind">{kindLabel[item.kind]}:</span> {item.title}
            </summary>
            <p className="attachment-text">{item.text}</p>
          </details>
          {onRemove !== undefined && (
            <button type="button" className="link-button" aria-label={`Remove “${item.title}” from the question`} onClick={() => onRemove(index)}>
              Remove
            </button>
          )}
        </li>
      ))}
    </ul>
  );
}
