import type { ElkNode } from 'elkjs/lib/elk-api';
import { machinesInSite, putMachine, putSite } from '../../../shared/model/ops';
import { MACHINE_NODE_SIZE } from '../../../shared/model/templates';
import type { Design, MachineId, SiteId } from '../../../shared/model/types';

/**
 * Runs ELK on a graph and returns it with positions and sizes. The app runs ELK in a Web Worker loaded on first
 * use (elkLayout.ts); tests and other Node callers pass ELK in-process. Both run the same ELK build.
 */
export type LayoutEngine = (graph: ElkNode) => Promise<ElkNode>;

/** The smallest a site is laid out: one machine's room inside the site's padding. */
export const EMPTY_SITE_SIZE = { width: MACHINE_NODE_SIZE.width + 48, height: MACHINE_NODE_SIZE.height + 76 } as const;

/**
 * The ELK graph of a design: ELK's layered algorithm over the site hierarchy, machines inside their sites, sites
 * and free machines around them, drawn links pulling connected machines together. Unconnected items are packed
 * too (ELK places every component), which plain force layouts get wrong.
 */
export function buildLayoutGraph(design: Design): ElkNode {
  const children: ElkNode[] = [];
  for (const site of Object.values(design.sites)) {
    children.push({
      id: site.id,
      layoutOptions: {
        'elk.padding': '[top=52,left=24,bottom=24,right=24]',
        'elk.algorithm': 'rectpacking',
        'elk.spacing.nodeNode': '20',
        // An empty site keeps room for its name and badges instead of shrinking to its padding.
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${EMPTY_SITE_SIZE.width}, ${EMPTY_SITE_SIZE.height})`,
      },
      children: machinesInSite(design, site.id).map((m) => ({ id: m.id, width: MACHINE_NODE_SIZE.width, height: MACHINE_NODE_SIZE.height })),
    });
  }
  for (const machine of Object.values(design.machines)) {
    if (machine.siteId === null || design.sites[machine.siteId] === undefined) children.push({ id: machine.id, width: MACHINE_NODE_SIZE.width, height: MACHINE_NODE_SIZE.height });
  }
  // Links between top-level items shape the outer layout; links inside one site are left to the packing.
  const topLevelOf = (id: string): string => {
    const machine = design.machines[id as MachineId];
    return machine?.siteId != null && design.sites[machine.siteId] !== undefined ? machine.siteId : id;
  };
  const edges = Object.values(design.links)
    .map((l) => ({ id: l.id, sources: [topLevelOf(l.source)], targets: [topLevelOf(l.target)] }))
    .filter((e) => e.sources[0] !== e.targets[0]);
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.spacing.nodeNode': '60',
      'elk.layered.spacing.nodeNodeBetweenLayers': '80',
      'elk.separateConnectedComponents': 'true',
      'elk.spacing.componentComponent': '60',
    },
    children,
    edges,
  };
}

/** Puts the positions and sizes of a laid-out graph into the design; everything else stays as it was. */
export function applyLayout(design: Design, result: ElkNode): Design {
  let next = design;
  for (const node of result.children ?? []) {
    const site = design.sites[node.id as SiteId];
    if (site !== undefined) {
      next = putSite(next, { ...site, position: { x: Math.round(node.x ?? 0), y: Math.round(node.y ?? 0) }, size: { width: Math.round(node.width ?? site.size.width), height: Math.round(node.height ?? site.size.height) } });
      for (const child of node.children ?? []) {
        const machine = next.machines[child.id as MachineId];
        if (machine !== undefined) next = putMachine(next, { ...machine, position: { x: Math.round(child.x ?? 0), y: Math.round(child.y ?? 0) } });
      }
    } else {
      const machine = next.machines[node.id as MachineId];
      if (machine !== undefined) next = putMachine(next, { ...machine, position: { x: Math.round(node.x ?? 0), y: Math.round(node.y ?? 0) } });
    }
  }
  return next;
}

/** Lays the whole design out with the given ELK engine ("Tidy up layout"). */
export async function computeAutoLayout(design: Design, layout: LayoutEngine): Promise<Design> {
  return applyLayout(design, await layout(buildLayoutGraph(design)));
}
