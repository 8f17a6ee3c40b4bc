import type { ElkNode } from 'elkjs/lib/elk-api';
import { machinesInSite, putMachine, putSite } from '../../../shared/model/ops';
import { PLACEMENT_GAP, SITE_INSETS, siteHeaderWidth, standardSize, type SizeOf } from '../../../shared/model/placement';
import { MACHINE_NODE_SIZE } from '../../../shared/model/templates';
import type { Design, MachineId, SiteId } from '../../../shared/model/types';

/**
 * Runs ELK on a graph and returns it with positions and sizes. The app runs ELK in a Web Worker loaded on first
 * use (elkLayout.ts); tests and other Node callers pass ELK in-process. Both run the same ELK build.
 */
export type LayoutEngine = (graph: ElkNode) => Promise<ElkNode>;

/** The smallest a site is laid out: one machine's room inside the site's padding. */
export const EMPTY_SITE_SIZE = { width: MACHINE_NODE_SIZE.width + SITE_INSETS.left + SITE_INSETS.right, height: MACHINE_NODE_SIZE.height + SITE_INSETS.top + SITE_INSETS.bottom } as const;

const sitePadding = `[top=${SITE_INSETS.top},left=${SITE_INSETS.left},bottom=${SITE_INSETS.bottom},right=${SITE_INSETS.right}]`;

/**
 * The ELK graph of a design: ELK's layered algorithm over the site hierarchy, machines inside their sites, sites
 * and free machines around them, drawn links pulling connected machines together. Unconnected items are packed
 * too (ELK places every component), which plain force layouts get wrong. Machines are laid out at the size they are
 * drawn (`sizeOf`: badges make them taller), and every site at least as wide as its header, so the header stays on
 * one line above the machines instead of wrapping under them (issue 17).
 */
export function buildLayoutGraph(design: Design, sizeOf: SizeOf = standardSize): ElkNode {
  const node = (id: MachineId): ElkNode => ({ id, ...sizeOf(id) });
  const children: ElkNode[] = [];
  for (const site of Object.values(design.sites)) {
    const minWidth = Math.max(EMPTY_SITE_SIZE.width, siteHeaderWidth(site, design.admin.siteId === site.id));
    children.push({
      id: site.id,
      layoutOptions: {
        'elk.padding': sitePadding,
        'elk.algorithm': 'rectpacking',
        'elk.spacing.nodeNode': String(PLACEMENT_GAP),
        // An empty site keeps room for its name and badges instead of shrinking to its padding.
        'elk.nodeSize.constraints': 'MINIMUM_SIZE',
        'elk.nodeSize.minimum': `(${minWidth}, ${EMPTY_SITE_SIZE.height})`,
        // Rows as wide as the header allows, rather than one tall column.
        'elk.aspectRatio': String(Math.max(1.3, minWidth / EMPTY_SITE_SIZE.height)),
      },
      children: machinesInSite(design, site.id).map((m) => node(m.id)),
    });
  }
  for (const machine of Object.values(design.machines)) {
    if (machine.siteId === null || design.sites[machine.siteId] === undefined) children.push(node(machine.id));
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
      // Unlinked sites are packed in rows aiming at twice as wide as tall (ELK's default 1.6 stacks sites as wide as
      // their headers in one tall column, which a wide canvas can only show small).
      'elk.aspectRatio': '2',
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

/** Lays the whole design out with the given ELK engine ("Tidy up layout"), machines at the sizes they are drawn. */
export async function computeAutoLayout(design: Design, layout: LayoutEngine, sizeOf: SizeOf = standardSize): Promise<Design> {
  return applyLayout(design, await layout(buildLayoutGraph(design, sizeOf)));
}
