import { useEffect, useRef, type ReactNode } from 'react';

/** A modal dialog on the native <dialog> element: focus trap, Escape and backdrop come from the browser. */
export function Modal({ title, onClose, children, className = '', testId }: { title: string; onClose: () => void; children: ReactNode; className?: string; testId?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog !== null && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} className={`modal ${className}`} aria-label={title} onClose={onClose} onCancel={(e) => { e.preventDefault(); onClose(); }} data-testid={testId}>
      <h2>{title}</h2>
      {children}
    </dialog>
  );
}
