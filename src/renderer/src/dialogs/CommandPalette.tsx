import { useMemo, useState, type KeyboardEvent } from 'react';
import { appContext } from '../app/appContext';
import { commands, executeCommand, isEnabled } from '../commands/registry';
import { useUiStore } from '../stores/uiStore';
import { Modal } from './Modal';

/** Scores how well a command matches the query: every word must appear in the label or keywords. */
function matches(query: string, label: string, keywords: readonly string[]): boolean {
  const haystack = `${label} ${keywords.join(' ')}`.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '')
    .every((w) => haystack.includes(w));
}

/** Ctrl/Cmd+K: find and run any command by typing part of its name. */
export function CommandPalette() {
  const setDialog = useUiStore((s) => s.setDialog);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const list = useMemo(() => commands.filter((c) => c.id !== 'commandPalette' && isEnabled(c, appContext) && matches(query, c.label, c.keywords ?? [])), [query]);
  const close = () => setDialog(null);
  const run = (id: string) => {
    close();
    void executeCommand(appContext, id);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') setActive((a) => Math.min(list.length - 1, a + 1));
    else if (e.key === 'ArrowUp') setActive((a) => Math.max(0, a - 1));
    else if (e.key === 'Enter' && list[active] !== undefined) run(list[active].id);
    else return;
    e.preventDefault();
  };
  return (
    <Modal title="Command palette" onClose={close} className="palette-dialog" testId="command-palette">
      <input
        autoFocus
        className="palette-input"
        placeholder="Type a command…"
        aria-label="Command"
        role="combobox"
        aria-expanded="true"
        aria-controls="palette-list"
        value={query}
        onChange={(e) => {
          setQuery(e.currentTarget.value);
          setActive(0);
        }}
        onKeyDown={onKeyDown}
      />
      <ul id="palette-list" role="listbox" className="palette-list">
        {list.map((c, i) => (
          <li key={c.id} role="option" aria-selected={i === active} className={i === active ? 'active' : ''} onMouseEnter={() => setActive(i)} onClick={() => run(c.id)}>
            <span>{c.label}</span>
            {c.shortcut !== undefined && <kbd>{c.shortcut}</kbd>}
          </li>
        ))}
        {list.length === 0 && <li className="palette-none">No command matches “{query}”.</li>}
      </ul>
    </Modal>
  );
}
