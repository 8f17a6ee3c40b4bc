import { useMemo, useState, type KeyboardEvent } from 'react';
import { appContext } from '../app/appContext';
import { commands, executeCommand, isEnabled } from '../commands/registry';
import type { Command, CommandGroup } from '../commands/types';
import { useUiStore } from '../stores/uiStore';
import { Modal } from './Modal';

/** The menu each group's commands are in; typing it finds them ("deploy", "choose vpn"). */
const groupNames: Record<CommandGroup, string> = {
  file: 'File',
  edit: 'Edit',
  insert: 'Insert',
  view: 'View',
  network: 'Network',
  compare: 'Choose VPN',
  deploy: 'Deploy',
  help: 'Help',
};

/** Whether every word of the query appears in the command's label, keywords or group. */
function matches(query: string, command: Command): boolean {
  const haystack = `${command.label} ${(command.keywords ?? []).join(' ')} ${groupNames[command.group]}`.toLowerCase();
  return query
    .toLowerCase()
    .split(/\s+/)
    .filter((w) => w !== '')
    .every((w) => haystack.includes(w));
}

/**
 * Ctrl/Cmd+K: find and run any command by typing part of its name. Every command of every area is listed: the ones
 * that can run now first, then the others dimmed, with how to do them when they are done on screen (a drag, a
 * slider, an inspector field).
 */
export function CommandPalette() {
  const setDialog = useUiStore((s) => s.setDialog);
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  const { runnable, other } = useMemo(() => {
    const found = commands.filter((c) => matches(query, c));
    return { runnable: found.filter((c) => isEnabled(c, appContext)), other: found.filter((c) => !isEnabled(c, appContext)) };
  }, [query]);
  const close = () => setDialog(null);
  const run = (id: string) => {
    close();
    void executeCommand(appContext, id);
  };
  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') setActive((a) => Math.min(runnable.length - 1, a + 1));
    else if (e.key === 'ArrowUp') setActive((a) => Math.max(0, a - 1));
    else if (e.key === 'Enter' && runnable[active] !== undefined) run(runnable[active].id);
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
        {runnable.map((c, i) => (
          <li key={c.id} role="option" aria-selected={i === active} className={i === active ? 'active' : ''} onMouseEnter={() => setActive(i)} onClick={() => run(c.id)} data-command={c.id}>
            <span>{c.label}</span>
            {c.shortcut !== undefined && <kbd>{c.shortcut}</kbd>}
          </li>
        ))}
        {other.map((c) => (
          <li key={c.id} role="option" aria-selected={false} aria-disabled="true" className="palette-unavailable" data-command={c.id}>
            <span>{c.label}</span>
            <span className="palette-hint">{c.gesture ?? 'Not available now'}</span>
            {c.shortcut !== undefined && <kbd>{c.shortcut}</kbd>}
          </li>
        ))}
        {runnable.length === 0 && other.length === 0 && <li className="palette-none">No command matches “{query}”.</li>}
      </ul>
    </Modal>
  );
}
