import { useLayoutEffect, useState } from 'react';
import { dateTimeFormat } from '../dates';
import { displayName, recoverAutosave } from '../commands/fileActions';
import { getDocument } from '../stores/designStore';
import { useUiStore } from '../stores/uiStore';
import { appContext } from './appContext';

interface RecoveryEntry {
  key: string;
  savedAt: number;
}

/**
 * After a crash or a closed window with unsaved changes, offers the autosaved design once at start. Recovering
 * opens it as unsaved changes to that file; discarding deletes the autosave.
 */
export function RecoveryBanner() {
  const [entries, setEntries] = useState<RecoveryEntry[]>([]);
  const [checked, setChecked] = useState(false);

  // A layout effect, so the question goes to the server before the browser paints the window for the first time
  // rather than after: on a first start the wizard waits for its answer.
  useLayoutEffect(() => {
    const api = appContext.backend;
    if (api === null) return;
    void api.invoke('project:recovery.list', {}).then((r) => {
      setChecked(true);
      if (r.ok) setEntries(r.value.entries);
      const ui = useUiStore.getState();
      const state = getDocument();
      const empty = Object.keys(state.design.sites).length === 0 && Object.keys(state.design.machines).length === 0;
      // First run: no recovery to offer, an empty canvas and the wizard never seen -> offer the wizard.
      if ((!r.ok || r.value.entries.length === 0) && empty && !ui.wizardSeen && ui.dialog === null) ui.setDialog('wizard');
    });
  }, []);

  if (!checked || entries.length === 0) return null;
  const entry = entries[0]!;
  const label = entry.key === 'untitled' ? 'an unsaved design' : `“${displayName(entry.key)}”`;

  const recover = async () => {
    if (!(await recoverAutosave(appContext, entry.key))) {
      appContext.notify('The recovered copy could not be read; it was left in place.');
      return;
    }
    setEntries(entries.slice(1));
    appContext.notify(`Recovered ${label}. Save it to keep the changes.`);
  };
  const discard = async () => {
    await appContext.backend?.invoke('project:recovery.discard', { key: entry.key });
    setEntries(entries.slice(1));
  };

  return (
    <div className="banner" role="alert" data-testid="recovery-banner">
      <p>
        Unsaved changes to {label} from {dateTimeFormat.format(entry.savedAt)} were kept when the app last closed.
      </p>
      <button type="button" className="primary" onClick={() => void recover()}>
        Recover
      </button>
      <button type="button" onClick={() => void discard()}>
        Discard
      </button>
    </div>
  );
}
