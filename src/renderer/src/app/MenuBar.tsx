import { useEffect, useRef, useState } from 'react';
import { commands, executeCommand, isEnabled } from '../commands/registry';
import type { CommandGroup } from '../commands/types';
import { useDesign, useHistoryState } from '../stores/designStore';
import { useSelectionStore } from '../stores/selectionStore';
import { appContext } from './appContext';

const menus: { group: CommandGroup; label: string }[] = [
  { group: 'file', label: 'File' },
  { group: 'edit', label: 'Edit' },
  { group: 'insert', label: 'Insert' },
  { group: 'view', label: 'View' },
  { group: 'network', label: 'Network' },
  { group: 'deploy', label: 'Deploy' },
];

/** The menu bar of the Design area, built from the command registry. */
export function MenuBar() {
  const [open, setOpen] = useState<CommandGroup | null>(null);
  const ref = useRef<HTMLDivElement>(null);
  // Re-render when enablement may change.
  useDesign((s) => s.design);
  useSelectionStore((s) => s.selectedIds);
  useHistoryState();

  useEffect(() => {
    if (open === null) return;
    const close = (e: MouseEvent) => {
      if (!ref.current?.contains(e.target as Node)) setOpen(null);
    };
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(null);
    window.addEventListener('mousedown', close);
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('mousedown', close);
      window.removeEventListener('keydown', onKey);
    };
  }, [open]);

  return (
    <div className="menu-bar" role="menubar" ref={ref}>
      {menus.map((menu) => (
        <div key={menu.group} className="menu">
          <button type="button" role="menuitem" aria-haspopup="menu" aria-expanded={open === menu.group} onClick={() => setOpen(open === menu.group ? null : menu.group)}>
            {menu.label}
          </button>
          {open === menu.group && (
            <div className="menu-popup" role="menu">
              {commands
                .filter((c) => c.group === menu.group && c.gesture === undefined)
                .map((c) => (
                  <button
                    key={c.id}
                    type="button"
                    role="menuitem"
                    disabled={!isEnabled(c, appContext)}
                    onClick={() => {
                      setOpen(null);
                      void executeCommand(appContext, c.id);
                    }}
                  >
                    <span>{c.label}</span>
                    {c.shortcut !== undefined && <kbd>{c.shortcut}</kbd>}
                  </button>
                ))}
            </div>
          )}
        </div>
      ))}
    </div>
  );
}
