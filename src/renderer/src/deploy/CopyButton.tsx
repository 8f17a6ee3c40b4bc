import { useState } from 'react';

/** Copies a text (a command to run by hand) to the clipboard, and says so. */
export function CopyButton({ text, label = 'Copy' }: { text: string; label?: string }) {
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  return (
    <button
      type="button"
      className="copy-button"
      aria-label={copied === null ? label : undefined}
      onClick={() => {
        // The clipboard needs a secure context (the desktop app, serve mode on loopback or HTTPS).
        const clipboard = typeof navigator === 'undefined' ? undefined : navigator.clipboard;
        if (clipboard === undefined) {
          setCopied('failed');
          return;
        }
        void clipboard.writeText(text).then(
          () => setCopied('yes'),
          () => setCopied('failed'),
        );
      }}
    >
      {copied === 'yes' ? 'Copied' : copied === 'failed' ? 'Select and copy by hand' : 'Copy'}
    </button>
  );
}
