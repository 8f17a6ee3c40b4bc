/** The row at the foot of an assistant dialog that only closes it (Escape does too). */
export function CloseRow({ onClose }: { onClose: () => void }) {
  return (
    <div className="button-row">
      <button type="button" onClick={onClose}>
        Close
      </button>
    </div>
  );
}
