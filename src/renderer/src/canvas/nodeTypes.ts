import { LinkEdge, OverlayEdge, VerifyEdge } from './edges';
import { MachineNode } from './MachineNode';
import { SiteNode } from './SiteNode';

// Defined once at module scope: React Flow warns (error002) and re-mounts nodes if it sees new objects.

/** The node types of the canvas. */
export const nodeTypes = { machine: MachineNode, site: SiteNode };
/** The edge types of the canvas. */
export const edgeTypes = { link: LinkEdge, overlay: OverlayEdge, verify: VerifyEdge };
