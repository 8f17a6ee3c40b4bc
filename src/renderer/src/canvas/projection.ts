import { Position, type NodeHandle } from '@xyflow/react';
import { computeDeployWaves, type DeployPlanMachine, type DeployWaves } from '../../../shared/model/deployWaves';
import { MACHINE_NODE_SIZE } from '../../../shared/model/templates';
import { linkKindLabels } from '../../../shared/model/labels';
import type { OverlayPath } from '../../../shared/model/overlay';
import type { Design, Link, Machine, Site } from '../../../shared/model/types';
import type { Derived } from '../stores/derived';
import type { FlowEdge, FlowNode, LinkFlowEdge, MachineFlowNode, OverlayFlowEdge, SiteFlowNode, VerifyFlowEdge, WaveBadge } from './types';
import type { VerifyPair } from './verifyPairs';

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
  private readonly sizes = new Map<string, { width: number; height: number }>();
  private readonly waves = new WaveBadges();

  /** Sizes React Flow measured, by node id (machines grow with their badges). */
  get measured(): ReadonlyMap<string, { width: number; height: number }> {
    return this.sizes;
  }

  /**
   * Records a size React Flow measured. New node objects carry it (as React Flow's own applyNodeChanges would),
   * so a node that changes keeps its size and handle positions instead of being measured again from scratch.
   */
  recordMeasured(id: string, size: { width: number; height: number }): void {
    const known = this.sizes.get(id);
    if (known === undefined || known.width !== size.width || known.height !== size.height) this.sizes.set(id, { width: size.width, height: size.height });
  }

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
    const waveBadges = this.waves.update(computeDeployWaves(design));
    for (const machine of Object.values(design.machines)) {
      const t = transient.get(machine.id);
      const parentExists = machine.siteId !== null && design.sites[machine.siteId] !== undefined;
      const inputs = [
        machine,
        selected.has(machine.id),
        design.vpn.roles[machine.id],
        derived.severityById.get(machine.id) ?? null,
        t,
        parentExists,
        waveBadges.get(machine.id) ?? null,
        design.deploy.varsHelper === machine.id,
      ];
      const cached = this.machineCache.get(machine.id);
      const node = cached !== undefined && sameInputs(cached.inputs, inputs) ? cached.node : machineNode(machine, inputs, t, parentExists, this.sizes.get(machine.id));
      nextMachines.set(machine.id, { inputs, node });
      nodes.push(node);
    }
    this.siteCache = nextSites;
    this.machineCache = nextMachines;
    for (const id of this.sizes.keys()) if (!nextSites.has(id) && !nextMachines.has(id)) this.sizes.delete(id);
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
    handles: siteHandles(width),
    data: { site, isAdmin: inputs[2] as boolean, machineCount: inputs[3] as number, severity: inputs[4] as SiteFlowNode['data']['severity'] },
  };
}

/** Handle size in CSS (.node-handle): React Flow centres handles on the node's border. */
const HANDLE = 8;

/**
 * Where a machine's two handles are (top centre: target, bottom centre: source), relative to the node. Declaring
 * them lets React Flow cull and connect a machine it has not rendered yet; without them it renders every
 * unmeasured node once, which for a large design means thousands of nodes when zooming in. React Flow replaces
 * them with measured positions as soon as the node is on screen.
 */
export function machineHandles(width: number, height: number): NodeHandle[] {
  const x = width / 2 - HANDLE / 2;
  return [
    { id: null, type: 'target', position: Position.Top, x, y: -HANDLE / 2, width: HANDLE, height: HANDLE },
    { id: null, type: 'source', position: Position.Bottom, x, y: height - HANDLE / 2, width: HANDLE, height: HANDLE },
  ];
}

/** A site's anchor handle (invisible, not connectable): React Flow draws an edge only between handles. */
function siteHandles(width: number): NodeHandle[] {
  return [{ id: null, type: 'source', position: Position.Top, x: width / 2 - 1, y: -1, width: 2, height: 2 }];
}

const estimatedHandles = machineHandles(MACHINE_NODE_SIZE.width, MACHINE_NODE_SIZE.height);

function machineNode(
  machine: Machine,
  inputs: readonly unknown[],
  t: { position?: { x: number; y: number } } | undefined,
  parentExists: boolean,
  measured: { width: number; height: number } | undefined,
): MachineFlowNode {
  const node: MachineFlowNode = {
    id: machine.id,
    type: 'machine',
    position: t?.position ?? machine.position,
    zIndex: 1,
    selected: inputs[1] as boolean,
    ...(measured === undefined
      ? { initialWidth: MACHINE_NODE_SIZE.width, initialHeight: MACHINE_NODE_SIZE.height, handles: estimatedHandles }
      : { measured: { width: measured.width, height: measured.height }, handles: machineHandles(measured.width, measured.height) }),
    data: {
      machine,
      roles: (inputs[2] as readonly string[] | undefined) ?? emptyRoles,
      severity: inputs[3] as MachineFlowNode['data']['severity'],
      wave: inputs[6] as WaveBadge | null,
      varsHelper: inputs[7] as boolean,
    },
  };
  if (parentExists) node.parentId = machine.siteId!;
  return node;
}

const emptyRoles: readonly string[] = [];

/**
 * Deploy-order badges per machine id, rebuilt once per plan (the plan is cached per design). A badge whose text,
 * hint and tone did not change keeps its object, so moving or renaming one machine re-projects only that machine
 * even though every edit makes a new plan; only a change of the order itself (a new wave, a jump host link) touches
 * the machines it moves.
 */
export class WaveBadges {
  private plan: DeployWaves | undefined;
  private badges: ReadonlyMap<string, WaveBadge> = new Map();

  update(plan: DeployWaves): ReadonlyMap<string, WaveBadge> {
    if (plan === this.plan) return this.badges;
    const previous = this.badges;
    const next = new Map<string, WaveBadge>();
    const put = (item: DeployPlanMachine, text: string, hint: string, tone: WaveBadge['tone']) => {
      const old = previous.get(item.id);
      next.set(item.id, old !== undefined && old.text === text && old.hint === hint && old.tone === tone ? old : { text, hint, tone });
    };
    const total = plan.waves.length;
    for (const wave of plan.waves) {
      for (const item of wave.machines) put(item, `wave ${wave.number}`, `Deploy order: wave ${wave.number} of ${total}, ${wave.title}. Reached ${item.how}.`, 'wave');
    }
    for (const item of plan.afterVpn.machines) put(item, 'after VPN', `Deploy order: after the VPN is up, for updates only. Reached ${item.how}; the first install needs another way in.`, 'afterVpn');
    for (const item of plan.notDeployable.machines) put(item, 'no way in', `Deploy order: not deployable. ${item.reach.reason}`, 'notDeployable');
    this.plan = plan;
    this.badges = next;
    return next;
  }
}

/** A machine's or site's name as screen readers hear it (never its internal id). */
function endName(design: Design, id: string): string {
  const item = design.machines[id as Machine['id']] ?? design.sites[id as Site['id']];
  return item === undefined ? 'a removed item' : item.name || 'an unnamed site';
}

/** How a link is named for screen readers: by its ends' names and what it stands for (issue 17). */
export function linkAriaLabel(link: Link, sourceName: string, targetName: string): string {
  return `Link from ${sourceName} to ${targetName} (${linkKindLabels[link.kind]}${link.label === '' ? '' : `, ${link.label}`})`;
}

const pathWords: Record<OverlayPath, string> = { lan: 'same network', direct: 'direct', holePunched: 'hole-punched', relayed: 'relayed', unreachable: 'unreachable' };

/** How a predicted VPN path between two sites is named for screen readers. */
export function overlayAriaLabel(path: OverlayPath, aName: string, bName: string): string {
  return `Predicted VPN path between ${aName} and ${bName}: ${pathWords[path]}`;
}

/**
 * Projects drawn links and, when shown, the derived overlay edges between sites and the lines of the last verify
 * between machines (`verify`: the pairs of the last result for the design on screen, null when there is none).
 */
export class EdgeProjector {
  private cache = new Map<string, CacheEntry<FlowEdge>>();

  project(design: Design, selected: ReadonlySet<string>, derived: Derived, overlayVisible: boolean, verify: readonly VerifyPair[] | null = null): FlowEdge[] {
    const edges: FlowEdge[] = [];
    const next = new Map<string, CacheEntry<FlowEdge>>();
    for (const link of Object.values(design.links)) {
      // The ends' names are inputs: renaming a machine renames its links for screen readers.
      const inputs = [link, selected.has(link.id), endName(design, link.source), endName(design, link.target)];
      const cached = this.cache.get(link.id);
      const edge: LinkFlowEdge =
        cached !== undefined && sameInputs(cached.inputs, inputs)
          ? (cached.node as LinkFlowEdge)
          : {
              id: link.id,
              type: 'link',
              source: link.source,
              target: link.target,
              selected: inputs[1] as boolean,
              zIndex: 2,
              ariaLabel: linkAriaLabel(link, inputs[2] as string, inputs[3] as string),
              data: { kind: link.kind, label: link.label },
            };
      next.set(link.id, { inputs, node: edge });
      edges.push(edge);
    }
    if (overlayVisible) {
      for (const overlay of derived.overlay) {
        const inputs = [overlay, endName(design, overlay.a), endName(design, overlay.b)];
        const cached = this.cache.get(overlay.id);
        const edge: OverlayFlowEdge =
          cached !== undefined && sameInputs(cached.inputs, inputs)
            ? (cached.node as OverlayFlowEdge)
            : {
                id: overlay.id,
                type: 'overlay',
                source: overlay.a,
                target: overlay.b,
                selectable: false,
                focusable: false,
                zIndex: 0,
                ariaLabel: overlayAriaLabel(overlay.path, inputs[1] as string, inputs[2] as string),
                data: { path: overlay.path, reason: overlay.reason, pairs: overlay.pairs },
              };
        next.set(overlay.id, { inputs, node: edge });
        edges.push(edge);
      }
    }
    if (overlayVisible && verify !== null) {
      for (const pair of verify) {
        // A machine deleted since the verify has no line; a renamed one is named in the label as it was when verified.
        if (design.machines[pair.a] === undefined || design.machines[pair.b] === undefined) continue;
        const inputs = [pair];
        const cached = this.cache.get(pair.id);
        const edge: VerifyFlowEdge =
          cached !== undefined && sameInputs(cached.inputs, inputs)
            ? (cached.node as VerifyFlowEdge)
            : {
                id: pair.id,
                type: 'verify',
                source: pair.a,
                target: pair.b,
                selectable: false,
                // Keyboard users reach the pairs that need attention; every line has its story as its accessible name.
                focusable: pair.look !== 'reached',
                ariaLabel: pair.label,
                zIndex: 1,
                data: { look: pair.look, label: pair.label },
              };
        next.set(pair.id, { inputs, node: edge });
        edges.push(edge);
      }
    }
    this.cache = next;
    return edges;
  }
}

/** Hands back the previous array while a new one holds the same objects in the same order (for memo keys). */
export class StableList<T> {
  private last: readonly T[] = [];

  update(next: readonly T[]): readonly T[] {
    const same = next.length === this.last.length && next.every((item, i) => item === this.last[i]);
    if (!same) this.last = next;
    return this.last;
  }
}
