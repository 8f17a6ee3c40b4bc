import { useMemo, useState } from 'react';
import { toMermaid } from '../../../shared/model/mermaid';
import { getDocument } from '../stores/designStore';
import { useUiStore } from '../stores/uiStore';
import { downloadDataUrl } from '../canvas/download';
import { Modal } from './Modal';

/** Shows the topology as Mermaid text to copy into documentation, or to download as a .mmd file. */
export function MermaidDialog() {
  const setDialog = useUiStore((s) => s.setDialog);
  const text = useMemo(() => toMermaid(getDocument().design), []);
  const [copied, setCopied] = useState(false);
  const name = (getDocument().file.name ?? 'design').replace(/\.clan-design\.json$/, '');
  return (
    <Modal title="Export as Mermaid" onClose={() => setDialog(null)} className="wide" testId="mermaid-dialog">
      <p>Paste this into a Markdown file (GitHub, GitLab, Obsidian and many wikis draw it as a diagram).</p>
      <textarea className="code-view" readOnly value={text} rows={16} aria-label="Mermaid text" />
      <div className="button-row">
        <button type="button" onClick={() => downloadDataUrl(`data:text/plain;charset=utf-8,${encodeURIComponent(text)}`, `${name}.mmd`)}>
          Download .mmd
        </button>
        <button
          type="button"
          onClick={() =>
            void navigator.clipboard
              ?.writeText(text)
              .then(() => setCopied(true))
              .catch(() => setCopied(false))
          }
        >
          {copied ? 'Copied' : 'Copy'}
        </button>
        <button type="button" className="primary" onClick={() => setDialog(null)}>
          Close
        </button>
      </div>
    </Modal>
  );
}
