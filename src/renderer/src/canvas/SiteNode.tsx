import { Handle, NodeResizer, Position, useStore as useFlowStore, type NodeProps } from '@xyflow/react';
import { memo } from 'react';
import { natLabels, qualityLabels, siteKindLabels } from '../../../shared/model/labels';
import { useSelection } from '../stores/selectionStore';
import { commitSiteResize, renameItem } from './canvasActions';
import { DETAIL_ZOOM } from './MachineNode';
import type { SiteFlowNode } from './types';

const zoomedOutSelector = (s: { transform: [number, number, number] }) => s.transform[2] < DETAIL_ZOOM;

/** A site drawn as an area, with its NAT badge, link quality and the admin marker. */
function SiteNodeView({ id, data, selected }: NodeProps<SiteFlowNode>) {
  const zoomedOut = useFlowStore(zoomedOutSelector);
  const editing = useSelection((s) => s.editingId === id);
  const { site, isAdmin, machineCount, severity } = data;
  return (
    <div className={`site-node site-${site.kind} nat-${site.nat}${selected ? ' selected' : ''}${editing ? ' editing' : ''}`} data-testid={`site-${site.name}`}>
      <NodeResizer isVisible={selected} minWidth={200} minHeight={120} onResizeEnd={(_e, p) => commitSiteResize(id, p)} />
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
              if (e.key === 'Enter') renameItem(id, e.currentTarget.value);
              if (e.key === 'Escape') renameItem(id, null);
            }}
            onBlur={(e) => renameItem(id, e.currentTarget.value)}
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
