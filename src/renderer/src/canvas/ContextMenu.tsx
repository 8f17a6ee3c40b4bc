import { useEffect, useRef } from 'react';
import { appContext } from '../app/appContext';
import type { InsertArgs } from '../commands/designCommands';
import { executeCommand, getCommand, isEnabled } from '../commands/registry';
import { useSelectionStore } from '../stores/selectionStore';

/** Where the context menu opened: screen coordinates, and the canvas point for inserting. */
export interface ContextMenuState {
  x: number;
  y: number;
  at: { x: number; y: number };
}

const itemCommands = ['rename', 'duplicate', 'copy', 'cut', 'deleteSelection', 'setAdminSite', 'useAsVarsHelper', 'connectMachines'];
const paneCommands = ['paste', 'addSite', 'addMachine', 'selectAll', 'autoLayout', 'fitView', 'writeConfiguration', 'checkMachines', 'planDeploy', 'deploy', 'verifyNetwork', 'measureNetwork'];
/** Commands that place something: they get the point that was right-clicked. */
const placing = new Set(['addSite', 'addMachine']);

/** The right-click menu: the same registry as menus, shortcuts and the palette. */
export function ContextMenu({ state, onClose }: { state: ContextMenuState; onClose: () => void }) {
  const selected = useSelectionStore((s) => s.selectedIds);
  const ref = useRef<HTMLDivElement>(null);
  const ids = selected.length > 0 ? itemCommands : paneCommands;
  const entries = ids.map(getCommand).filter((c) => c !== undefined && isEnabled(c, appContext));

  useEffect(() => {
    ref.current?.querySelector<HTMLButtonElement>('button')?.focus();
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && onClose();
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [onClose]);

  if (entries.length === 0) return null;
  return (
    <div className="context-menu" role="menu" ref={ref} style={{ left: state.x, top: state.y }} onMouseLeave={onClose}>
      {entries.map((command) => (
        <button
          key={command!.id}
          type="button"
          role="menuitem"
          onClick={() => {
            onClose();
            void executeCommand(appContext, command!.id, placing.has(command!.id) ? ({ at: state.at } satisfies InsertArgs) : undefined);
          }}
        >
          <span>{command!.label}</span>
          {command!.shortcut !== undefined && <kbd>{command!.shortcut}</kbd>}
        </button>
      ))}
    </div>
  );
}
