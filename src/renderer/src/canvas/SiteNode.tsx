import { Handle, NodeResizer, Position, useStore as useFlowStore, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { natLabels, qualityLabels, siteKindLabels } from '../../../shared/model/labels';
import { appContext } from '../app/appContext';
import type { RenameArgs, ResizeArgs } from '../commands/designCommands';
import { executeCommand } from '../commands/registry';
import { useSelectionStore } from '../stores/selectionStore';
import { useTransientStore } from '../stores/transientStore';
import { DETAIL_ZOOM } from './MachineNode';
import type { SiteFlowNode } from './types';

const zoomedOutSelector = (s: { transform: [number, number, number] }) => s.transform[2] < DETAIL_ZOOM;

/** Ends the inline rename: a new name is one edit, null cancels. */
const finishRename = (id: string, name: string | null) => void executeCommand(appContext, 'rename', { id, name } satisfies RenameArgs);

/** A finished resize is one edit; the box shown while resizing is dropped once the design has it. */
async function resizeSite(id: string, box: ResizeArgs['box']): Promise<void> {
  await executeCommand(appContext, 'resizeSite', { id, box } satisfies ResizeArgs);
  useTransientStore.getState().clear([id]);
}

/** A site drawn as an area, with its NAT badge, link quality and the admin marker. */
function SiteNodeView({ id, data, selected }: NodeProps<SiteFlowNode>) {
  const zoomedOut = useFlowStore(zoomedOutSelector);
  const editing = useSelectionStore((s) => s.editingId === id);
  const { site, isAdmin, machineCount, severity } = data;
  return (
    <div className={`site-node site-${site.kind} nat-${site.nat}${selected ? ' selected' : ''}${editing ? ' editing' : ''}`} data-testid={`site-${site.name}`}>
      <NodeResizer isVisible={selected} minWidth={200} minHeight={120} onResizeEnd={(_e, box) => void resizeSite(id, box)} />
      {/* Port forwards start at the site: React Flow draws an edge only from a handle. Invisible, not connectable. */}
      <Handle type="source" position={Position.Top} className="site-anchor" isConnectable={false} />
      <div className="site-header">
        {editing ? (
          <input
            className="node-rename nodrag nokey"
            aria-label="New site name"
            autoFocus
            defaultValue={site.name}
            onKeyDown={(e) => {
              e.stopPropagation();
              if (e.key === 'Enter') finishRename(id, e.currentTarget.value);
              if (e.key === 'Escape') finishRename(id, null);
            }}
            onBlur={(e) => finishRename(id, e.currentTarget.value)}
          />
        ) : (
          <span className={zoomedOut ? 'site-name simple-name' : 'site-name'}>{site.name || 'Unnamed site'}</span>
        )}
        {!zoomedOut && (
          <>
            <span className="site-kind">{siteKindLabels[site.kind]}</span>
            <span className={`badge nat-badge nat-badge-${site.nat}`} title={natLabels[site.nat].long}>
              {natLabels[site.nat].short}
            </span>
            <span className={`badge quality-${site.quality}`} title={`Link quality: ${qualityLabels[site.quality].long}`}>
              {qualityLabels[site.quality].short} link
            </span>
            {isAdmin && (
              <span className="badge badge-admin" title="The admin's computer is on this site's network">
                admin here
              </span>
            )}
            {severity !== null && <span className={`badge badge-${severity}`}>{severity === 'error' ? '!' : '?'}</span>}
          </>
        )}
      </div>
      {machineCount === 0 && !zoomedOut && <div className="site-empty">Drag machines here from the palette</div>}
    </div>
  );
}

/** Memoised: React Flow re-renders a node only when its node object changes. */
export const SiteNode = memo(SiteNodeView);
