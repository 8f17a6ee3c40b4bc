import { BaseEdge, EdgeLabelRenderer, getStraightPath, useInternalNode, type EdgeProps, type InternalNode } from '@xyflow/react';
import { memo } from 'react';
import type { LinkFlowEdge, OverlayFlowEdge } from './types';

function center(node: InternalNode): { x: number; y: number } {
  const { x, y } = node.internals.positionAbsolute;
  return { x: x + (node.measured.width ?? 0) / 2, y: y + (node.measured.height ?? 0) / 2 };
}

/** Where the line from a node's centre towards a point leaves the node's box, so edges float on the border. */
function borderPoint(node: InternalNode, toward: { x: number; y: number }): { x: number; y: number } {
  const c = center(node);
  const w = (node.measured.width ?? 0) / 2;
  const h = (node.measured.height ?? 0) / 2;
  const dx = toward.x - c.x;
  const dy = toward.y - c.y;
  if (dx === 0 && dy === 0) return c;
  const scale = Math.min(w / Math.abs(dx || 1e-9), h / Math.abs(dy || 1e-9));
  return { x: c.x + dx * Math.min(scale, 1), y: c.y + dy * Math.min(scale, 1) };
}

function useFloatingPath(source: string, target: string): { path: string; labelX: number; labelY: number } | null {
  const s = useInternalNode(source);
  const t = useInternalNode(target);
  if (s === undefined || t === undefined) return null;
  const from = borderPoint(s, center(t));
  const to = borderPoint(t, center(s));
  const [path, labelX, labelY] = getStraightPath({ sourceX: from.x, sourceY: from.y, targetX: to.x, targetY: to.y });
  return { path, labelX, labelY };
}

const linkLabels = { cable: 'cable', portForward: 'port forward', jumpHost: 'SSH jump' } as const;

/** A drawn link between machines (cable, jump host) or from a site to a machine (port forward). */
function LinkEdgeView({ id, source, target, data, selected }: EdgeProps<LinkFlowEdge>) {
  const geometry = useFloatingPath(source, target);
  if (geometry === null || data === undefined) return null;
  return (
    <>
      <BaseEdge id={id} path={geometry.path} className={`link-edge link-${data.kind}${selected ? ' selected' : ''}`} interactionWidth={14} />
      {(selected || data.label !== '' || data.kind !== 'cable') && (
        <EdgeLabelRenderer>
          <div className="edge-label nodrag nopan" style={{ transform: `translate(-50%, -50%) translate(${geometry.labelX}px, ${geometry.labelY}px)` }}>
            {data.label !== '' ? data.label : linkLabels[data.kind]}
          </div>
        </EdgeLabelRenderer>
      )}
    </>
  );
}

/** The predicted VPN connection between two sites, styled by path: direct, hole-punched, relayed, unreachable. */
function OverlayEdgeView({ id, source, target, data }: EdgeProps<OverlayFlowEdge>) {
  const geometry = useFloatingPath(source, target);
  if (geometry === null || data === undefined) return null;
  return (
    <g className={`overlay-edge overlay-${data.path}`}>
      <title>{data.reason}</title>
      <BaseEdge id={id} path={geometry.path} interactionWidth={10} />
    </g>
  );
}

/** Memoised link edge. */
export const LinkEdge = memo(LinkEdgeView);
/** Memoised overlay edge. */
export const OverlayEdge = memo(OverlayEdgeView);
