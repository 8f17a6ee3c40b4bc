import { BaseEdge, EdgeLabelRenderer, getStraightPath, useInternalNode, type EdgeProps, type InternalNode } from '@xyflow/react';
import { memo } from 'react';
import { floatingLine, offsetLine, type Box } from './geometry';
import type { LinkFlowEdge, OverlayFlowEdge, VerifyFlowEdge } from './types';

/** A node's box in flow coordinates; an unmeasured node counts with the size it declares. */
function nodeBox(node: InternalNode): Box {
  const { x, y } = node.internals.positionAbsolute;
  return { x, y, width: node.measured.width ?? node.width ?? node.initialWidth ?? 0, height: node.measured.height ?? node.height ?? node.initialHeight ?? 0 };
}

/**
 * `offset` moves the line sideways (to the left of source → target, in flow units), so two lines between the same
 * nodes can both be seen.
 */
function useFloatingPath(source: string, target: string, offset = 0): { path: string; labelX: number; labelY: number } | null {
  const s = useInternalNode(source);
  const t = useInternalNode(target);
  if (s === undefined || t === undefined) return null;
  // Edges float on the borders of their nodes: the same geometry the low-zoom layer draws.
  const { x1, y1, x2, y2 } = offsetLine(floatingLine(nodeBox(s), nodeBox(t)), offset);
  const [path, labelX, labelY] = getStraightPath({ sourceX: x1, sourceY: y1, targetX: x2, targetY: y2 });
  return { path, labelX, labelY };
}

const linkLabels = { cable: 'cable', portForward: 'port forward', jumpHost: 'SSH jump' } as const;

/**
 * The text a drawn link carries on the canvas (and in exports): its own label, or what kind it is when that is not
 * a plain cable; null for an unlabelled cable that is not selected.
 */
export function linkLabel(data: LinkFlowEdge['data'] & object, selected: boolean): string | null {
  if (data.label !== '') return data.label;
  return selected || data.kind !== 'cable' ? linkLabels[data.kind] : null;
}

/** A drawn link between machines (cable, jump host) or from a site to a machine (port forward). */
function LinkEdgeView({ id, source, target, data, selected }: EdgeProps<LinkFlowEdge>) {
  const geometry = useFloatingPath(source, target);
  if (geometry === null || data === undefined) return null;
  const label = linkLabel(data, selected === true);
  return (
    <>
      <BaseEdge id={id} path={geometry.path} className={`link-edge link-${data.kind}${selected ? ' selected' : ''}`} interactionWidth={14} />
      {label !== null && (
        <EdgeLabelRenderer>
          <div className="edge-label nodrag nopan" style={{ transform: `translate(-50%, -50%) translate(${geometry.labelX}px, ${geometry.labelY}px)` }}>
            {label}
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

/**
 * How far a verify line runs beside the straight line between its two machines: a drawn link between the same
 * machines (a jump host, a cable) is drawn above it and would hide it otherwise. Source and target are the pair's
 * sorted ids, so the side is always the same.
 */
export const VERIFY_LINE_OFFSET = 6;

/**
 * The last verify between two machines: coloured and dashed by how the pair did (reached, partly, not reached, not
 * tested), with both directions' reasons and paths as its tooltip (its accessible name is the same text).
 */
function VerifyEdgeView({ id, source, target, data }: EdgeProps<VerifyFlowEdge>) {
  const geometry = useFloatingPath(source, target, VERIFY_LINE_OFFSET);
  if (geometry === null || data === undefined) return null;
  return (
    <g className={`verify-edge verify-edge-${data.look}`}>
      <title>{data.label}</title>
      <BaseEdge id={id} path={geometry.path} interactionWidth={10} />
    </g>
  );
}

/** Memoised link edge. */
export const LinkEdge = memo(LinkEdgeView);
/** Memoised overlay edge. */
export const OverlayEdge = memo(OverlayEdgeView);
/** Memoised verify edge. */
export const VerifyEdge = memo(VerifyEdgeView);
