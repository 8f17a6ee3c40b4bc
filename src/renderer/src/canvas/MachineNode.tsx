import { Handle, Position, useStore as useFlowStore, type NodeProps } from '@xyflow/react';
import { memo, useId, useState, type KeyboardEvent } from 'react';
import { machineKindLabels } from '../../../shared/model/labels';
import { checkMachineName, machineNamesInUse } from '../../../shared/model/machineNames';
import type { MachineId } from '../../../shared/model/types';
import { CheckStatusBadge } from '../deploy/CheckStatusBadge';
import { appContext } from '../app/appContext';
import type { RenameArgs } from '../commands/designCommands';
import { executeCommand } from '../commands/registry';
import { NameHint } from '../components/NameHint';
import { getDocument } from '../stores/designStore';
import { useSelectionStore } from '../stores/selectionStore';
import { MachineIcon } from './icons';
import type { MachineFlowNode } from './types';

/** Below this zoom level nodes are drawn as plain boxes: text is unreadable there and costs frames. */
export const DETAIL_ZOOM = 0.45;
const zoomedOutSelector = (s: { transform: [number, number, number] }) => s.transform[2] < DETAIL_ZOOM;

function RenameInput({ id, initial }: { id: string; initial: string }) {
  const [value, setValue] = useState(initial);
  const hintId = useId();
  const finish = (commit: boolean) => void executeCommand(appContext, 'rename', { id, name: commit ? value : null } satisfies RenameArgs);
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    event.stopPropagation();
    if (event.key === 'Enter') finish(true);
    if (event.key === 'Escape') finish(false);
  };
  // Read once per keystroke, not subscribed: the other machines' names do not change while this one is renamed.
  const check = checkMachineName(value, machineNamesInUse(getDocument().design, id as MachineId));
  return (
    <>
      <input
        className="node-rename nodrag nokey"
        aria-label="New name"
        aria-describedby={check.change === 'none' ? undefined : hintId}
        autoFocus
        value={value}
        onFocus={(e) => e.currentTarget.select()}
        onChange={(e) => setValue(e.currentTarget.value)}
        onKeyDown={onKeyDown}
        onBlur={() => finish(true)}
      />
      <NameHint check={check} id={hintId} className="node-rename-hint" />
    </>
  );
}

/** What the vars helper marker means, for its tooltip and screen readers. */
const varsHelperHint = "Vars helper: makes the network's keys and certificates (Clan's vars) when the computer you deploy from has no Nix.";

/**
 * A machine on the canvas: kind icon, name, problem badge and check status, then role badges, the vars helper
 * marker and its place in the deploy order. The check status is its own subscribed component, rendered only in the
 * detailed view, so a running check neither re-renders whole nodes nor subscribes the zoomed-out boxes.
 */
function MachineNodeView({ id, data, selected }: NodeProps<MachineFlowNode>) {
  const zoomedOut = useFlowStore(zoomedOutSelector);
  const editing = useSelectionStore((s) => s.editingId === id);
  const { machine, roles, severity, wave, varsHelper } = data;
  const className = `machine-node${selected ? ' selected' : ''}${machine.managed ? '' : ' unmanaged'}${severity ? ` has-${severity}` : ''}`;
  // Zoomed out, a plain box; it keeps its handles, so its edges stay drawn and connections can start or end here.
  if (zoomedOut && !selected) {
    return (
      <div className={`${className} simple`} data-name={machine.name} title={machine.name}>
        {/* Drawn at a fixed size on screen (--label-scale), so a design fitted small still shows its names. */}
        <span className="simple-name">{machine.name}</span>
        <Handle type="target" position={Position.Top} className="node-handle" />
        <Handle type="source" position={Position.Bottom} className="node-handle" />
      </div>
    );
  }
  return (
    <div className={className} data-testid={`machine-${machine.name}`} title={`${machineKindLabels[machine.kind]}${machine.managed ? '' : ' (not managed)'}`}>
      <Handle type="target" position={Position.Top} className="node-handle" />
      <div className="machine-row">
        <span className="machine-icon">
          <MachineIcon kind={machine.kind} />
        </span>
        {editing ? <RenameInput id={id} initial={machine.name} /> : <span className="machine-name">{machine.name}</span>}
        {severity !== null && <span className={`badge badge-${severity}`} aria-label={severity === 'error' ? 'has errors' : 'has warnings'}>{severity === 'error' ? '!' : '?'}</span>}
        {machine.managed && <CheckStatusBadge machineId={id} />}
      </div>
      <div className="machine-badges">
        {roles.map((role) => (
          <span key={role} className="badge badge-role">
            {role}
          </span>
        ))}
        {!machine.managed && <span className="badge badge-muted">unmanaged</span>}
        {varsHelper && (
          <span className="badge badge-vars" role="img" aria-label={varsHelperHint} title={varsHelperHint} data-testid="vars-helper-badge">
            vars helper
          </span>
        )}
        {/* The deploy-order badge; its tooltip says how the machine is reached. */}
        {wave !== null && machine.managed && (
          <span className={`badge badge-wave badge-wave-${wave.tone}`} role="img" aria-label={wave.hint} title={wave.hint} data-testid="wave-badge">
            {wave.text}
          </span>
        )}
      </div>
      <Handle type="source" position={Position.Bottom} className="node-handle" />
    </div>
  );
}

/** Memoised: React Flow re-renders a node only when its node object changes. */
export const MachineNode = memo(MachineNodeView);
