import type { Edge, Node } from '@xyflow/react';
import type { Machine, Site } from '../../../shared/model/types';

/** What a machine node shows. */
export interface MachineNodeData extends Record<string, unknown> {
  machine: Machine;
  roles: readonly string[];
  /** The worst problem on this machine, for the badge. */
  severity: 'error' | 'warning' | null;
  /** Its place in the suggested deploy order; null for unmanaged machines. */
  wave: WaveBadge | null;
  /** Whether it is the design's vars helper (it makes the keys and certificates when the admin has no Nix). */
  varsHelper: boolean;
}

/**
 * A machine's place in the suggested deploy order, as its canvas badge. The projector reuses the object while
 * text, hint and tone stay the same, so an edit elsewhere does not hand the node a new data object.
 */
export interface WaveBadge {
  /** "wave 2", "after VPN" or "no way in". */
  text: string;
  /** The full sentence for the tooltip and screen readers. */
  hint: string;
  tone: 'wave' | 'afterVpn' | 'notDeployable';
}

/** What a site node shows. */
export interface SiteNodeData extends Record<string, unknown> {
  site: Site;
  isAdmin: boolean;
  machineCount: number;
  severity: 'error' | 'warning' | null;
}

/** A drawn link's data. */
export interface LinkEdgeData extends Record<string, unknown> {
  kind: 'cable' | 'portForward' | 'jumpHost';
  label: string;
}

/** A derived overlay edge's data: the predicted path between two sites. */
export interface OverlayEdgeData extends Record<string, unknown> {
  path: string;
  reason: string;
  pairs: number;
}

/** A line of the last verify between two machines: how the pair did (both directions) and what happened, in words. */
export interface VerifyEdgeData extends Record<string, unknown> {
  look: 'reached' | 'partly' | 'notReached' | 'untested';
  /** Both directions by machine name: status, why, and the predicted and observed path (tooltip and accessible name). */
  label: string;
}

/** A machine node. */
export type MachineFlowNode = Node<MachineNodeData, 'machine'>;
/** A site node. */
export type SiteFlowNode = Node<SiteNodeData, 'site'>;
/** Any node on the canvas. */
export type FlowNode = MachineFlowNode | SiteFlowNode;
/** A drawn link edge. */
export type LinkFlowEdge = Edge<LinkEdgeData, 'link'>;
/** A derived overlay edge. */
export type OverlayFlowEdge = Edge<OverlayEdgeData, 'overlay'>;
/** A line of the last verify between two machines. */
export type VerifyFlowEdge = Edge<VerifyEdgeData, 'verify'>;
/** Any edge on the canvas. */
export type FlowEdge = LinkFlowEdge | OverlayFlowEdge | VerifyFlowEdge;
