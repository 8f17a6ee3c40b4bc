import { useConfirmStore } from '../stores/confirmStore';
import { Modal } from './Modal';

/** Answers the pending "are you sure?" question of a command. */
export function ConfirmDialog() {
  const request = useConfirmStore((s) => s.request);
  const answer = useConfirmStore((s) => s.answer);
  if (request === null) return null;
  return (
    <Modal title={request.title} onClose={() => answer(false)} testId="confirm-dialog">
      <p className="confirm-message">{request.message}</p>
      <div className="button-row">
        <button type="button" onClick={() => answer(false)}>
          Cancel
        </button>
        <button type="button" className="primary" autoFocus onClick={() => answer(true)}>
          Continue
        </button>
      </div>
    </Modal>
  );
}
