import { getPublicAnchorRole, vpnCatalog, type VpnSpec } from '../vpn/catalog';
import type { Design, Machine, MachineId, NatType, SiteId } from './types';
import { compareText, quote } from '../text';

// Predicts how the chosen VPN will carry traffic between two machines, and derives the site-level mesh the canvas
// draws. Everything here is a heuristic from the catalog and the sites' NAT types, not a measurement: the reasons
// say so in plain words, and the UI shows them as explanations.
//
// Cost: one O(machines + links) index per design, then O(1) per pair. The site-level overlay does work per site pair,
// never per machine pair, so a 1,000-machine / 50-site design stays far below a frame.

/** How traffic between two machines travels once the VPN is up. */
export type OverlayPath = 'lan' | 'direct' | 'holePunched' | 'relayed' | 'unreachable';

/** What relays the traffic: machines of ours, someone else's servers, or nothing (direct, LAN, or cut off). */
export type OverlayVia = MachineId[] | 'thirdParty' | null;

/** A predicted path between two machines (or two sites), with a plain-language reason. */
export interface PairPrediction {
  path: OverlayPath;
  via: OverlayVia;
  reason: string;
}

/**
 * One derived overlay edge between two sites. kind 'mesh': traffic between ordinary members of the two sites;
 * kind 'hub' (hub-and-spoke VPNs only): traffic to and from the hubs (WireGuard controllers) in one of the sites.
 */
export interface OverlayEdge {
  /** Stable: `ov:<siteA>:<siteB>` or `ov:hub:<siteA>:<siteB>` with the two site ids sorted. */
  id: string;
  kind: 'mesh' | 'hub';
  a: SiteId;
  b: SiteId;
  path: OverlayPath;
  via: OverlayVia;
  reason: string;
  /** How many machine pairs this edge stands for. */
  pairs: number;
}

// Object.values/keys on a large record is surprisingly slow in V8 (dictionary-mode objects must sort their keys
// into insertion order on every call), and validation asks several times per edit. Records are immutable (STYLE.md
// section 2: every edit makes a new object), so the arrays can be cached per record object; after a one-machine
// edit only `machines` is new and the 1,500 links are not enumerated again.
const valuesCache = new WeakMap<object, readonly unknown[]>();

/** Object.values of an immutable design record, cached per record object. Never mutate a record after reading it. */
export function recordValues<T>(record: Readonly<Record<string, T>>): readonly T[] {
  let values = valuesCache.get(record) as readonly T[] | undefined;
  if (values === undefined) {
    values = Object.values(record);
    valuesCache.set(record, values);
  }
  return values;
}

const rolesCache = new WeakMap<object, ReadonlyMap<string, readonly string[]>>();

/**
 * design.vpn.roles as a Map, cached per roles record. Most edits leave the roles alone, and Map lookups stay fast
 * where keyed lookups into a large, freshly copied record do not.
 */
export function rolesByMachine(design: Design): ReadonlyMap<string, readonly string[]> {
  let map = rolesCache.get(design.vpn.roles);
  if (map === undefined) {
    map = new Map(Object.entries(design.vpn.roles));
    rolesCache.set(design.vpn.roles, map);
  }
  return map;
}

/** A VPN member with its roles. */
export interface MemberEntry {
  readonly machine: Machine;
  readonly roles: readonly string[];
}

/** Whether a site's machines accept incoming connections (a public address or a port forward). */
export function isOpenNat(nat: NatType): boolean {
  return nat === 'public' || nat === 'portForward';
}

/** Precomputed facts about a design's VPN, shared by every pair prediction (build once per design). */
export interface OverlayIndex {
  readonly design: Design;
  readonly spec: VpnSpec | null;
  /** Existing machines with at least one role. */
  readonly members: ReadonlySet<MachineId>;
  /** The same members with their roles, in machine order. */
  readonly memberEntries: readonly MemberEntry[];
  /** Hub-and-spoke only: members holding the hub role (WireGuard controllers), best first. */
  readonly hubs: readonly Machine[];
  /** The same hubs, for membership tests. */
  readonly hubIds: ReadonlySet<MachineId>;
  /** Hubs in a public or port-forwarded site. */
  readonly openHubs: readonly MachineId[];
  /** The best few members holding a relaying role (lighthouse, bootstrap, moon) in a public or port-forwarded site. */
  readonly ownRelays: readonly MachineId[];
  /** The best few members in a public or port-forwarded site, relaying-role holders first. */
  readonly openMembers: readonly MachineId[];
  /** Whether a cable link joins two machines (the cable index is built on first use: most callers never ask). */
  hasCable(a: MachineId, b: MachineId): boolean;
}

// A relay list longer than this says nothing more to a person, and copying it per edge would cost memory.
const viaLimit = 3;
const natOrder: Record<NatType, number> = { public: 0, portForward: 1, nat: 2, cgnat: 3, symmetric: 4 };

/** Builds the per-design index used by predictions (O(machines + links)). */
export function createOverlayIndex(design: Design): OverlayIndex {
  const spec = design.vpn.id === null ? null : vpnCatalog[design.vpn.id];
  const members = new Set<MachineId>();
  const hubs: Machine[] = [];
  // Only the best few open members are ever shown (via lists are capped), so keep a bounded top list instead of
  // sorting every open member on every call.
  const best: { machine: Machine; relays: boolean; nat: NatType }[] = [];
  const bestRelays: MachineId[] = [];
  const better = (x: (typeof best)[number], y: (typeof best)[number]): number =>
    Number(y.relays) - Number(x.relays) || natOrder[x.nat] - natOrder[y.nat] || compareText(x.machine.name, y.machine.name);
  const relayIds = new Set(spec?.roles.filter((r) => r.relays).map((r) => r.id) ?? []);
  const hubAndSpoke = spec?.natTraversal.value === 'hubAndSpoke';
  const memberEntries: MemberEntry[] = [];
  const roleMap = rolesByMachine(design);
  for (const machine of recordValues(design.machines)) {
    const roles = roleMap.get(machine.id);
    if (roles === undefined || roles.length === 0) continue;
    const id = machine.id;
    members.add(id);
    memberEntries.push({ machine, roles });
    const relays = relayIds.size > 0 && roles.some((r) => relayIds.has(r));
    if (hubAndSpoke && relays) hubs.push(machine);
    const nat = siteNat(design, machine);
    if (nat === null || !isOpenNat(nat)) continue;
    const entry = { machine, relays, nat };
    if (best.length < viaLimit || better(entry, best[best.length - 1]!) < 0) {
      best.push(entry);
      best.sort(better);
      if (best.length > viaLimit) best.pop();
    }
  }
  for (const b of best) if (b.relays) bestRelays.push(b.machine.id);
  hubs.sort((x, y) => natOrder[siteNat(design, x) ?? 'nat'] - natOrder[siteNat(design, y) ?? 'nat'] || compareText(x.name, y.name));
  let cables: Map<MachineId, Set<MachineId>> | undefined;
  const hasCable = (a: MachineId, b: MachineId): boolean => {
    if (cables === undefined) {
      cables = new Map();
      for (const link of recordValues(design.links)) {
        if (link.kind !== 'cable') continue;
        const x = link.source as MachineId;
        const y = link.target as MachineId;
        if (!cables.has(x)) cables.set(x, new Set());
        if (!cables.has(y)) cables.set(y, new Set());
        cables.get(x)!.add(y);
        cables.get(y)!.add(x);
      }
    }
    return cables.get(a)?.has(b) === true;
  };
  return {
    design,
    spec,
    members,
    memberEntries,
    hubs,
    hubIds: new Set(hubs.map((h) => h.id)),
    openHubs: hubs.filter((h) => isOpenNat(siteNat(design, h) ?? 'nat')).map((h) => h.id),
    ownRelays: bestRelays,
    openMembers: best.map((b) => b.machine.id),
    hasCable,
  };
}

function siteNat(design: Design, machine: Machine): NatType | null {
  if (machine.siteId === null) return null;
  return design.sites[machine.siteId]?.nat ?? null;
}

/** One side of a pair: a site, or a machine in no site (then assumed behind a home NAT). */
interface End {
  siteId: SiteId | null;
  /** Quoted, ready for a sentence. */
  label: string;
  nat: NatType;
}

function siteEnd(design: Design, siteId: SiteId): End {
  const site = design.sites[siteId]!;
  return { siteId, label: quote(site.name.trim() === '' ? 'unnamed site' : site.name), nat: site.nat };
}

function machineEnd(design: Design, machine: Machine): End {
  const site = machine.siteId === null ? undefined : design.sites[machine.siteId];
  if (site === undefined) return { siteId: null, label: `${quote(machine.name)} (in no site, so assumed behind a home router)`, nat: 'nat' };
  return siteEnd(design, site.id);
}

const natPhrase: Record<NatType, string> = {
  public: 'has a public address',
  portForward: 'forwards ports from its router',
  nat: 'is behind a home router (NAT)',
  cgnat: 'is behind carrier-grade NAT',
  symmetric: 'is behind strict (symmetric) NAT',
};

const natPlural: Record<NatType, string> = {
  public: 'have public addresses',
  portForward: 'forward ports from their routers',
  nat: 'are behind home routers (NAT)',
  cgnat: 'are behind carrier-grade NAT',
  symmetric: 'are behind strict (symmetric) NAT',
};

function describePair(a: End, b: End): string {
  if (a.nat === b.nat) return `Both ${a.label} and ${b.label} ${natPlural[a.nat]}`;
  return `${a.label} ${natPhrase[a.nat]} and ${b.label} ${natPhrase[b.nat]}`;
}

function listMachines(design: Design, ids: readonly MachineId[]): string {
  const names = ids.map((id) => quote(design.machines[id]?.name ?? id));
  if (names.length === 1) return names[0]!;
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}

const addVps = 'Add a VPS (a cloud site with a public address)';

function anchorHint(spec: VpnSpec): string {
  const anchor = getPublicAnchorRole(spec);
  return anchor === undefined ? '' : ` and give it the ${anchor.label.toLowerCase()} role`;
}

/** Mesh VPNs: NAT types decide between direct, punched, relayed and cut off. */
function predictMesh(ix: OverlayIndex, spec: VpnSpec, a: End, b: End): PairPrediction {
  if (a.siteId !== null && a.siteId === b.siteId) {
    return { path: 'lan', via: null, reason: `Both machines are in ${a.label}, so ${spec.name} traffic stays on the local network.` };
  }
  const openA = isOpenNat(a.nat);
  if (openA || isOpenNat(b.nat)) {
    const [open, other] = openA ? [a, b] : [b, a];
    return { path: 'direct', via: null, reason: `${open.label} ${natPhrase[open.nat]}, so ${spec.name} connects ${other.label} to it directly.` };
  }
  const pair = describePair(a, b);
  if (spec.needsOwnPublicNode.value && ix.openMembers.length === 0) {
    return {
      path: 'unreachable',
      via: null,
      reason: `${pair}, and ${spec.name} needs a machine of yours that every site can reach, but no VPN machine is in a site with a public address or port forward. ${addVps}${anchorHint(spec)}.`,
    };
  }
  const symA = a.nat === 'symmetric';
  const symB = b.nat === 'symmetric';
  if (spec.natTraversal.value === 'holePunch') {
    if (!symA && !symB) return { path: 'holePunched', via: null, reason: `${pair}; ${spec.name} hole-punches through them.` };
    if (symA !== symB && spec.symmetricNat.value) {
      return { path: 'holePunched', via: null, reason: `${pair}; ${spec.name} can punch through strict NAT on one side.` };
    }
  }
  const why =
    spec.natTraversal.value === 'none'
      ? `${spec.name} does not hole-punch`
      : symA && symB && spec.symmetricNat.value
        ? `${spec.name} cannot punch through strict NAT on both sides`
        : `${spec.name} cannot punch through strict NAT`;
  return relay(ix, spec, pair, why);
}

function relay(ix: OverlayIndex, spec: VpnSpec, pair: string, why: string): PairPrediction {
  const design = ix.design;
  const viaOwn = (ids: readonly MachineId[], verb: string): PairPrediction => {
    const via = ids.slice(0, viaLimit);
    return { path: 'relayed', via, reason: `${pair}; ${why}, so traffic is ${verb} through ${listMachines(design, via)}.` };
  };
  switch (spec.relay.value) {
    case 'selfHostedRelay': {
      if (ix.ownRelays.length > 0) return viaOwn(ix.ownRelays, 'relayed');
      const relayRole = spec.roles.find((r) => r.relays);
      return {
        path: 'unreachable',
        via: null,
        reason: `${pair}; ${why} and needs a relay of yours, but no ${relayRole?.label.toLowerCase() ?? 'relay'} is in a site with a public address. ${addVps}${anchorHint(spec)}.`,
      };
    }
    case 'thirdPartyRelay':
      if (ix.ownRelays.length > 0) return viaOwn(ix.ownRelays, 'relayed');
      return { path: 'relayed', via: 'thirdParty', reason: `${pair}; ${why}, so traffic is relayed by ${spec.thirdPartyDescription ?? 'third-party servers'}.` };
    case 'routesThroughPeers':
      if (ix.openMembers.length > 0) return viaOwn(ix.openMembers, 'routed');
      if (spec.thirdPartyInfra.value) {
        return { path: 'relayed', via: 'thirdParty', reason: `${pair}; ${why}, so traffic is routed through ${spec.thirdPartyDescription ?? 'third-party servers'}.` };
      }
      return {
        path: 'unreachable',
        via: null,
        reason: `${pair}; ${why} and routes such traffic through a machine with a public address, but none is in the VPN. ${addVps}${anchorHint(spec)}.`,
      };
    case 'none':
      return {
        path: 'unreachable',
        via: null,
        reason: `${pair}; ${why} and does not relay traffic, so they cannot reach each other. Give one of the sites a public address or a port forward, or choose a VPN that relays.`,
      };
  }
}

type HubCase = 'peerToHub' | 'hubToHub' | 'peerToPeer';

/** Hub-and-spoke VPNs (Clan's WireGuard): peers talk only to hubs, so peer-to-peer traffic always crosses a hub. */
function predictHub(ix: OverlayIndex, spec: VpnSpec, kind: HubCase, a: End, b: End, sameMachineSite = false): PairPrediction {
  const hubRole = spec.roles.find((r) => r.relays);
  const hubName = `${spec.name} ${hubRole?.label.toLowerCase() ?? 'hub'}`;
  if (kind === 'peerToPeer') {
    if (ix.openHubs.length > 0) {
      const via = ix.openHubs.slice(0, viaLimit);
      const sameSite = a.siteId !== null && a.siteId === b.siteId ? `, even inside ${a.label}` : '';
      return { path: 'relayed', via, reason: `${spec.name} in Clan sends all traffic between peers through the controller ${listMachines(ix.design, via)}${sameSite}.` };
    }
    const local = a.siteId !== null && a.siteId === b.siteId ? ix.hubs.filter((h) => h.siteId === a.siteId).map((h) => h.id) : [];
    if (local.length > 0) {
      const via = local.slice(0, viaLimit);
      return { path: 'relayed', via, reason: `${spec.name} in Clan sends all traffic between peers through the controller ${listMachines(ix.design, via)}, which is in the same site.` };
    }
    if (ix.hubs.length === 0) {
      return { path: 'unreachable', via: null, reason: `${spec.name} in Clan sends all traffic between peers through a controller, but no machine has that role. ${addVps} and make it the controller.` };
    }
    return {
      path: 'unreachable',
      via: null,
      reason: `${spec.name} in Clan sends all traffic between peers through a controller, but no controller is in a site with a public address, so ${a.label} and ${b.label} cannot both reach one. Move the controller role to a machine in a public site.`,
    };
  }
  // a is the hub side for peerToHub.
  if (isOpenNat(a.nat)) return { path: 'direct', via: null, reason: `The ${hubName} in ${a.label} ${natPhrase[a.nat]}, so ${b.label} connects to it directly.` };
  if (kind === 'hubToHub' && isOpenNat(b.nat)) return { path: 'direct', via: null, reason: `The ${hubName} in ${b.label} ${natPhrase[b.nat]}, so ${a.label} connects to it directly.` };
  if (sameMachineSite || (a.siteId !== null && a.siteId === b.siteId)) {
    return { path: 'direct', via: null, reason: `The ${hubName} is in ${a.label} too, so they connect over the local network.` };
  }
  return {
    path: 'unreachable',
    via: null,
    reason: `The ${hubName} in ${a.label} ${natPhrase[a.nat]}, so ${b.label} cannot connect to it. Move the role to a machine in a site with a public address.`,
  };
}

/**
 * Predicts how traffic between two machines travels once the VPN is up. Null when no VPN is chosen or a machine
 * does not exist. A machine without a role is not in the VPN: 'unreachable'.
 */
export function predictPath(design: Design, a: MachineId, b: MachineId): PairPrediction | null {
  return predictPathWith(createOverlayIndex(design), a, b);
}

/**
 * predictPath with a prebuilt index, for callers that predict many pairs of one design. `cabled` overrides the
 * cable lookup when the caller already knows (saves building the cable index).
 */
export function predictPathWith(ix: OverlayIndex, a: MachineId, b: MachineId, cabled?: boolean): PairPrediction | null {
  const spec = ix.spec;
  const ma = ix.design.machines[a];
  const mb = ix.design.machines[b];
  if (spec === null || ma === undefined || mb === undefined) return null;
  if (a === b) return { path: 'lan', via: null, reason: `${quote(ma.name)} talks to itself.` };
  for (const m of [ma, mb]) {
    if (!ix.members.has(m.id)) {
      return { path: 'unreachable', via: null, reason: `${quote(m.name)} has no role in the ${spec.name} network, so it is not part of it. Give it a role to add it.` };
    }
  }
  const ea = machineEnd(ix.design, ma);
  const eb = machineEnd(ix.design, mb);
  if (spec.natTraversal.value === 'hubAndSpoke') {
    const hubA = ix.hubIds.has(a);
    const hubB = ix.hubIds.has(b);
    const sameSite = ma.siteId !== null && ma.siteId === mb.siteId;
    if (hubA && hubB) return predictHub(ix, spec, 'hubToHub', ea, eb, sameSite);
    if (hubA) return predictHub(ix, spec, 'peerToHub', ea, eb, sameSite);
    if (hubB) return predictHub(ix, spec, 'peerToHub', eb, ea, sameSite);
    return predictHub(ix, spec, 'peerToPeer', ea, eb);
  }
  if (cabled ?? ix.hasCable(a, b)) {
    return { path: 'lan', via: null, reason: `${quote(ma.name)} and ${quote(mb.name)} are connected by a cable, so ${spec.name} traffic stays local.` };
  }
  return predictMesh(ix, spec, ea, eb);
}

/** The derived site-level mesh for drawing: one edge per pair of sites with VPN members (plus hub edges). */
export function computeOverlay(design: Design): OverlayEdge[] {
  return computeOverlayWith(createOverlayIndex(design));
}

const pathBadness: Record<OverlayPath, number> = { lan: 0, direct: 1, holePunched: 2, relayed: 3, unreachable: 4 };

// The overlay changes only when sites, the VPN, site membership or the relays change; a rename or an SSH edit
// changes none of them. The last result is kept with a compact signature of its inputs and returned as is when
// they match, which also hands the canvas the same edge objects, so it can skip re-rendering them.
let lastOverlay: { sites: object; spec: VpnSpec; signature: string; edges: OverlayEdge[] } | undefined;

function relaySignature(ix: OverlayIndex): string {
  const names = (ids: readonly MachineId[]): string => ids.map((id) => `${id}=${ix.design.machines[id]?.name ?? ''}`).join(',');
  return `${names(ix.ownRelays)}|${names(ix.openMembers)}|${ix.hubs.map((h) => `${h.id}=${h.name}@${h.siteId ?? ''}`).join(',')}`;
}

/** computeOverlay with a prebuilt index. */
export function computeOverlayWith(ix: OverlayIndex): OverlayEdge[] {
  const spec = ix.spec;
  if (spec === null) return [];
  const design = ix.design;
  // Members per site, split into hubs and the rest (only hub-and-spoke VPNs have hubs).
  const counts = new Map<SiteId, { hubs: number; others: number }>();
  for (const { machine } of ix.memberEntries) {
    const id = machine.id;
    const siteId = machine.siteId;
    if (siteId === null || design.sites[siteId] === undefined) continue;
    const entry = counts.get(siteId);
    if (entry === undefined) counts.set(siteId, ix.hubIds.has(id) ? { hubs: 1, others: 0 } : { hubs: 0, others: 1 });
    else if (ix.hubIds.has(id)) entry.hubs += 1;
    else entry.others += 1;
  }
  const siteIds = [...counts.keys()].sort(compareText);
  let signature = relaySignature(ix);
  for (const id of siteIds) {
    const c = counts.get(id)!;
    signature += `;${id}:${c.hubs}:${c.others}`;
  }
  if (lastOverlay !== undefined && lastOverlay.sites === design.sites && lastOverlay.spec === spec && lastOverlay.signature === signature) return lastOverlay.edges;
  const edges = buildOverlay(ix, spec, siteIds, counts);
  lastOverlay = { sites: design.sites, spec, signature, edges };
  return edges;
}

function buildOverlay(ix: OverlayIndex, spec: VpnSpec, siteIds: readonly SiteId[], counts: ReadonlyMap<SiteId, { hubs: number; others: number }>): OverlayEdge[] {
  const design = ix.design;
  const ends = siteIds.map((id) => siteEnd(design, id));
  const edges: OverlayEdge[] = [];
  const hubAndSpoke = spec.natTraversal.value === 'hubAndSpoke';
  for (let i = 0; i < siteIds.length; i += 1) {
    const x = counts.get(siteIds[i]!)!;
    for (let j = i + 1; j < siteIds.length; j += 1) {
      const y = counts.get(siteIds[j]!)!;
      const a = siteIds[i]!;
      const b = siteIds[j]!;
      const ea = ends[i]!;
      const eb = ends[j]!;
      if (!hubAndSpoke) {
        edges.push({ id: `ov:${a}:${b}`, kind: 'mesh', a, b, ...predictMesh(ix, spec, ea, eb), pairs: (x.hubs + x.others) * (y.hubs + y.others) });
        continue;
      }
      const hubPairs = x.hubs * (y.hubs + y.others) + x.others * y.hubs;
      if (hubPairs > 0) {
        // Several kinds of machine pair can share this edge; show the worst so a broken one is never hidden.
        const cases: PairPrediction[] = [];
        if (x.hubs > 0 && y.hubs > 0) cases.push(predictHub(ix, spec, 'hubToHub', ea, eb));
        if (x.hubs > 0 && y.others > 0) cases.push(predictHub(ix, spec, 'peerToHub', ea, eb));
        if (y.hubs > 0 && x.others > 0) cases.push(predictHub(ix, spec, 'peerToHub', eb, ea));
        const worst = cases.reduce((w, c) => (pathBadness[c.path] > pathBadness[w.path] ? c : w));
        edges.push({ id: `ov:hub:${a}:${b}`, kind: 'hub', a, b, ...worst, pairs: hubPairs });
      }
      if (x.others > 0 && y.others > 0) {
        edges.push({ id: `ov:${a}:${b}`, kind: 'mesh', a, b, ...predictHub(ix, spec, 'peerToPeer', ea, eb), pairs: x.others * y.others });
      }
    }
  }
  return edges;
}

