import type { Design, Machine, Site } from '../../../shared/model/types';
import type { Derived } from '../stores/derived';
import type { FlowEdge, FlowNode, LinkFlowEdge, MachineFlowNode, OverlayFlowEdge, SiteFlowNode } from './types';

/** Positions and sizes of items while they are dragged or resized; committed to the design once at the end. */
export type Transient = ReadonlyMap<string, { position?: { x: number; y: number }; width?: number; height?: number }>;

interface CacheEntry<N> {
  inputs: readonly unknown[];
  node: N;
}

/**
 * Projects the design onto React Flow nodes with a per-record cache: an unchanged record (same object, same
 * selection, same derived badges) yields the same node object, so React Flow and the memoised node components
 * skip it. This is what keeps a 1,000-machine canvas responsive while one machine changes.
 */
export class NodeProjector {
  private siteCache = new Map<string, CacheEntry<SiteFlowNode>>();
  private machineCache = new Map<string, CacheEntry<MachineFlowNode>>();

  project(design: Design, selected: ReadonlySet<string>, transient: Transient, derived: Derived): FlowNode[] {
    const nodes: FlowNode[] = [];
    const machineCounts = new Map<string, number>();
    for (const machine of Object.values(design.machines)) if (machine.siteId !== null) machineCounts.set(machine.siteId, (machineCounts.get(machine.siteId) ?? 0) + 1);
    const nextSites = new Map<string, CacheEntry<SiteFlowNode>>();
    // Parents must come before their children in React Flow's array.
    for (const site of Object.values(design.sites)) {
      const t = transient.get(site.id);
      const inputs = [site, selected.has(site.id), design.admin.siteId === site.id, machineCounts.get(site.id) ?? 0, derived.severityById.get(site.id) ?? null, t];
      const cached = this.siteCache.get(site.id);
      const node = cached !== undefined && sameInputs(cached.inputs, inputs) ? cached.node : siteNode(site, inputs, t);
      nextSites.set(site.id, { inputs, node });
      nodes.push(node);
    }
    const nextMachines = new Map<string, CacheEntry<MachineFlowNode>>();
    for (const machine of Object.values(design.machines)) {
      const t = transient.get(machine.id);
      const parentExists = machine.siteId !== null && design.sites[machine.siteId] !== undefined;
      const inputs = [machine, selected.has(machine.id), design.vpn.roles[machine.id], derived.severityById.get(machine.id) ?? null, derived.reachLabelById.get(machine.id) ?? null, t, parentExists];
      const cached = this.machineCache.get(machine.id);
      const node = cached !== undefined && sameInputs(cached.inputs, inputs) ? cached.node : machineNode(machine, inputs, t, parentExists);
      nextMachines.set(machine.id, { inputs, node });
      nodes.push(node);
    }
    this.siteCache = nextSites;
    this.machineCache = nextMachines;
    return nodes;
  }
}

function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((value, i) => Object.is(value, b[i]));
}

function siteNode(site: Site, inputs: readonly unknown[], t: { position?: { x: number; y: number }; width?: number; height?: number } | undefined): SiteFlowNode {
  const width = t?.width ?? site.size.width;
  const height = t?.height ?? site.size.height;
  return {
    id: site.id,
    type: 'site',
    position: t?.position ?? site.position,
    width,
    height,
    style: { width, height },
    zIndex: 0,
    selected: inputs[1] as boolean,
    data: { site, isAdmin: inputs[2] as boolean, machineCount: inputs[3] as number, severity: inputs[4] as SiteFlowNode['data']['severity'] },
  };
}

function machineNode(machine: Machine, inputs: readonly unknown[], t: { position?: { x: number; y: number } } | undefined, parentExists: boolean): MachineFlowNode {
  const node: MachineFlowNode = {
    id: machine.id,
    type: 'machine',
    position: t?.position ?? machine.position,
    zIndex: 1,
    selected: inputs[1] as boolean,
    data: {
      machine,
      roles: (inputs[2] as readonly string[] | undefined) ?? emptyRoles,
      severity: inputs[3] as MachineFlowNode['data']['severity'],
      reach: inputs[4] as string | null,
    },
  };
  if (parentExists) node.parentId = machine.siteId!;
  return node;
}

const emptyRoles: readonly string[] = [];

/** Projects drawn links and, when shown, the derived overlay edges between sites. */
export class EdgeProjector {
  private cache = new Map<string, CacheEntry<FlowEdge>>();

  project(design: Design, selected: ReadonlySet<string>, derived: Derived, overlayVisible: boolean): FlowEdge[] {
    const edges: FlowEdge[] = [];
    const next = new Map<string, CacheEntry<FlowEdge>>();
    for (const link of Object.values(design.links)) {
      const inputs = [link, selected.has(link.id)];
      const cached = this.cache.get(link.id);
      const edge: LinkFlowEdge =
        cached !== undefined && sameInputs(cached.inputs, inputs)
          ? (cached.node as LinkFlowEdge)
          : { id: link.id, type: 'link', source: link.source, target: link.target, selected: inputs[1] as boolean, zIndex: 2, data: { kind: link.kind, label: link.label } };
      next.set(link.id, { inputs, node: edge });
      edges.push(edge);
    }
    if (overlayVisible) {
      for (const overlay of derived.overlay) {
        const inputs = [overlay];
        const cached = this.cache.get(overlay.id);
        const edge: OverlayFlowEdge =
          cached !== undefined && sameInputs(cached.inputs, inputs)
            ? (cached.node as OverlayFlowEdge)
            : { id: overlay.id, type: 'overlay', source: overlay.a, target: overlay.b, selectable: false, focusable: false, zIndex: 0, data: { path: overlay.path, reason: overlay.reason, pairs: overlay.pairs } };
        next.set(overlay.id, { inputs, node: edge });
        edges.push(edge);
      }
    }
    this.cache = next;
    return edges;
  }
}
