import type { DragEvent } from 'react';
import { appContext } from '../app/appContext';
import { PALETTE_MIME } from '../canvas/Canvas';
import { MachineIcon } from '../canvas/icons';
import { executeCommand, machinePaletteItems, sitePaletteItems } from '../commands/registry';

function startDrag(event: DragEvent, payload: { type: 'site' | 'machine'; kind: string }): void {
  event.dataTransfer.setData(PALETTE_MIME, JSON.stringify(payload));
  event.dataTransfer.effectAllowed = 'copy';
}

/** Site and device kinds to drag onto the canvas; a click (or Enter) adds one in the middle of the view. */
export function Palette() {
  return (
    <aside className="palette" aria-label="Palette">
      <h3>Sites</h3>
      <ul>
        {sitePaletteItems.map((item) => (
          <li key={item.kind}>
            <button
              type="button"
              className="palette-item palette-site"
              draggable
              data-testid={`palette-site-${item.kind}`}
              onDragStart={(e) => startDrag(e, { type: 'site', kind: item.kind })}
              onClick={() => void executeCommand(appContext, 'addSite', { kind: item.kind })}
              title={`Drag onto the canvas, or click to add a ${item.label.toLowerCase()} site`}
            >
              <span className="palette-swatch" aria-hidden="true" />
              {item.label}
            </button>
          </li>
        ))}
      </ul>
      <h3>Machines</h3>
      <ul>
        {machinePaletteItems.map((item) => (
          <li key={item.kind}>
            <button
              type="button"
              className="palette-item"
              draggable
              data-testid={`palette-machine-${item.kind}`}
              onDragStart={(e) => startDrag(e, { type: 'machine', kind: item.kind })}
              onClick={() => void executeCommand(appContext, 'addMachine', { kind: item.kind })}
              title={`Drag into a site, or click to add a ${item.label.toLowerCase()}`}
            >
              <MachineIcon kind={item.kind} size={16} />
              {item.label}
            </button>
          </li>
        ))}
      </ul>
    </aside>
  );
}
