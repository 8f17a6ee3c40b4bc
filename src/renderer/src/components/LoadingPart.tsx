/**
 * Shown while a part of the app downloads on first use (a Suspense fallback). It takes the place the part will
 * fill, so nothing moves when the part arrives, and it fades in only after a moment: on a fast connection the
 * part is there before anything flashes. `floating` is for dialogs: a small note above the window instead.
 */
export function LoadingPart({ label, floating = false, className = '' }: { label: string; floating?: boolean; className?: string }) {
  return (
    <div className={`loading-part${floating ? ' floating' : ''} ${className}`} role="status" aria-live="polite" data-testid="loading-part">
      <span className="loading-spinner" aria-hidden="true" />
      <span>{label}</span>
    </div>
  );
}
