import { useState } from 'react';
import { appContext } from '../app/appContext';
import { displayName, saveAs, toFileName } from '../commands/fileActions';
import { getDocument } from '../stores/designStore';
import { useUiStore } from '../stores/uiStore';
import { Modal } from './Modal';

const invalidName = /[/\\]|^\./;

/** Asks for a file name and saves the design under it in the workspace folder. */
export function SaveAsDialog() {
  const setDialog = useUiStore((s) => s.setDialog);
  const current = getDocument().file.name;
  const [name, setName] = useState(current === null ? getDocument().design.meta.clanName || 'my-network' : displayName(current));
  const [confirmOverwrite, setConfirmOverwrite] = useState(false);
  const [busy, setBusy] = useState(false);
  const problem = name.trim() === '' ? 'Give the design a name.' : invalidName.test(name) || name.includes('\0') ? 'A name cannot contain / or \\ or start with a dot.' : name.length > 100 ? 'That name is too long (at most 100 characters).' : null;

  const save = async (overwrite: boolean) => {
    if (problem !== null) return;
    setBusy(true);
    const fileName = toFileName(name);
    const sameFile = fileName === current;
    const { design, file } = getDocument();
    const ok = await saveAs(appContext, fileName, design, { overwrite: overwrite || sameFile, expectedRevision: sameFile ? (file.revision ?? undefined) : undefined });
    setBusy(false);
    if (ok) setDialog(null);
    else if (!overwrite && !sameFile) setConfirmOverwrite(true);
  };

  return (
    <Modal title="Save design as" onClose={() => setDialog(null)} testId="save-dialog">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save(false);
        }}
      >
        <div className="field">
          <label htmlFor="save-name">Name</label>
          <input id="save-name" autoFocus value={name} aria-invalid={problem !== null} onChange={(e) => { setName(e.currentTarget.value); setConfirmOverwrite(false); }} />
          {problem !== null && <span className="error-text">{problem}</span>}
        </div>
        {confirmOverwrite && (
          <p role="alert">
            “{name}” could not be saved as a new file (see the status bar). If a design with that name exists and you want to replace it, choose Replace.
          </p>
        )}
        <div className="button-row">
          <button type="button" onClick={() => setDialog(null)}>
            Cancel
          </button>
          {confirmOverwrite && (
            <button type="button" disabled={busy} onClick={() => void save(true)}>
              Replace
            </button>
          )}
          <button type="submit" className="primary" disabled={busy || problem !== null}>
            Save
          </button>
        </div>
      </form>
    </Modal>
  );
}
