import { useEffect, useState } from 'react';
import { dateTimeFormat } from '../dates';
import { describeError } from '../../../shared/errors';
import { appContext } from '../app/appContext';
import { displayName, hasUnsavedChanges, openFile } from '../commands/fileActions';
import { useUiStore } from '../stores/uiStore';
import { Modal } from './Modal';

interface FileEntry {
  name: string;
  size: number;
  modifiedAt: number;
}

/** Lists the design files in the workspace folder, recent ones first, and opens the one picked. */
export function OpenDialog() {
  const setDialog = useUiStore((s) => s.setDialog);
  const [files, setFiles] = useState<FileEntry[] | null>(null);
  const [recent, setRecent] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const [folder, setFolder] = useState<string>('');

  useEffect(() => {
    const api = appContext.backend;
    if (api === null) return;
    void api.invoke('project:list', {}).then((r) => {
      if (r.ok) {
        setFiles(r.value.files);
        setFolder(r.value.workspace);
      } else setError(describeError(r.error));
    });
    void api.invoke('project:recent', {}).then((r) => r.ok && setRecent(r.value.names));
  }, []);

  const open = async (name: string) => {
    if (hasUnsavedChanges(appContext) && !(await appContext.confirm('Discard unsaved changes?', 'The open design has changes that are not saved. Open another design anyway?'))) return;
    const result = await openFile(appContext, name);
    if (result.ok) setDialog(null);
    else setError(result.message);
  };

  const sorted = files === null ? [] : [...files].sort((a, b) => (recent.indexOf(a.name) === -1 ? 1e9 : recent.indexOf(a.name)) - (recent.indexOf(b.name) === -1 ? 1e9 : recent.indexOf(b.name)) || b.modifiedAt - a.modifiedAt);
  return (
    <Modal title="Open a design" onClose={() => setDialog(null)} testId="open-dialog">
      {folder !== '' && <p className="field-hint">Designs in {folder}</p>}
      {files === null && error === null && <p>Loading…</p>}
      {files !== null && files.length === 0 && <p>No saved designs yet. Use File → Save as… to save one.</p>}
      {sorted.length > 0 && (
        <ul className="file-list">
          {sorted.map((f) => (
            <li key={f.name}>
              <button type="button" onClick={() => void open(f.name)} data-testid={`open-${displayName(f.name)}`}>
                <span>
                  {displayName(f.name)}
                  {recent.includes(f.name) && <span className="meta"> · recent</span>}
                </span>
                <span className="meta">{dateTimeFormat.format(f.modifiedAt)}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {error !== null && (
        <p className="error-text" role="alert">
          {error}
        </p>
      )}
      <div className="button-row">
        <button type="button" onClick={() => setDialog(null)}>
          Cancel
        </button>
      </div>
    </Modal>
  );
}
