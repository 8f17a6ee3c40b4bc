import { createOverlayIndex, predictPathWith, recordValues, type OverlayIndex } from './overlay';
import type { Design, Link, Machine, MachineId, Site } from './types';
import { quote } from '../text';

// How the admin's computer reaches each machine with SSH for deploy. The first deploy has to work before any VPN
// exists, so the overlay only counts as a second-best answer ('overlayOnly'): fine for later updates, useless for
// installing the VPN itself.

/**
 * direct: SSH straight from the admin's computer (same network, public site, or a port forward);
 * jumpHost: through a drawn jump host that is itself directly reachable;
 * overlayOnly: only over the VPN, once it is up (so not for the first deploy);
 * unreachable: no known way in;
 * unmanaged: never deployed to (phones, appliances).
 */
export type DeployReachKind = 'direct' | 'jumpHost' | 'overlayOnly' | 'unreachable' | 'unmanaged';

/** How the admin reaches one machine, with the machine that carries the connection and a plain reason. */
export interface DeployReach {
  reach: DeployReachKind;
  /** The jump host (jumpHost) or the VPN machine the admin enters through (overlayOnly); null otherwise. */
  via: MachineId | null;
  reason: string;
}

function siteLabel(site: Site): string {
  return quote(site.name.trim() === '' ? 'unnamed site' : site.name);
}

/** Port-forward and jump-host links by target machine; depends on the links record only, so it is cached per record. */
interface LinkIndex {
  forwardsTo: Map<string, Link[]>;
  jumpsTo: Map<string, Link[]>;
  cables: Link[];
}
const linkIndexCache = new WeakMap<object, LinkIndex>();

function indexLinks(design: Design): LinkIndex {
  let index = linkIndexCache.get(design.links);
  if (index === undefined) {
    index = { forwardsTo: new Map(), jumpsTo: new Map(), cables: [] };
    for (const link of recordValues(design.links)) {
      if (link.kind === 'cable') {
        index.cables.push(link);
        continue;
      }
      const map = link.kind === 'portForward' ? index.forwardsTo : index.jumpsTo;
      const list = map.get(link.target);
      if (list === undefined) map.set(link.target, [link]);
      else list.push(link);
    }
    linkIndexCache.set(design.links, index);
  }
  return index;
}

/** Why a machine is directly reachable, decided without building any text. */
type DirectKind = 'admin' | 'public' | 'forward' | null;

/**
 * The last answer per machine record. A reach depends only on the machine, its site, the admin's site, the machine
 * it goes through and the VPN; when all of those are the same objects as last time, the same answer (and its text)
 * is reused. After a one-machine edit, only that machine's text is rebuilt.
 */
interface ReachMemo {
  kind: DeployReachKind | DirectKind;
  site: Site | undefined;
  admin: Site | undefined;
  through: Machine | undefined;
  vpnName: string | undefined;
  value: DeployReach;
}
const reachMemo = new WeakMap<Machine, ReachMemo>();

/**
 * Computes deploy reachability for every machine from the admin's site, keyed by machine id in machine order.
 * Pass an overlay index when one is at hand (validation shares it); otherwise one is built.
 */
export function computeDeployReach(design: Design, index?: OverlayIndex): Map<MachineId, DeployReach> {
  // A Map, not a record: thousands of keys make a plain object slow to fill and to enumerate.
  const result = new Map<MachineId, DeployReach>();
  const admin = design.admin.siteId === null ? undefined : design.sites[design.admin.siteId];
  const machines = recordValues(design.machines);
  const links = indexLinks(design);

  // Port forwards count for SSH only when they forward the machine's SSH port (or say no port at all: benefit of
  // the doubt, the portForwardWithoutPorts rule asks for the ports). A forward of the VPN port does not let SSH in.
  const isForwarded = (m: Machine): boolean =>
    links.forwardsTo.get(m.id)?.some((l) => l.source === m.siteId && (l.ports === null || l.ports.internal === (m.ssh?.port ?? 22))) === true;
  const directKind = (m: Machine): DirectKind => {
    const site = m.siteId === null || admin === undefined ? undefined : design.sites[m.siteId];
    if (site === undefined) return null;
    if (site === admin) return 'admin';
    if (site.nat === 'public') return 'public';
    if (site.nat === 'portForward' && isForwarded(m)) return 'forward';
    return null;
  };
  const direct = new Map<MachineId, DirectKind>();
  const directOf = (m: Machine): DirectKind => {
    let kind = direct.get(m.id);
    if (kind === undefined) {
      kind = directKind(m);
      direct.set(m.id, kind);
    }
    return kind;
  };

  // The VPN entry: a member the admin reaches directly, preferably in the admin's own site (the admin's laptop).
  const ix = design.vpn.id === null || admin === undefined ? undefined : (index ?? createOverlayIndex(design));
  const vpnName = ix?.spec?.name;
  let entry: Machine | undefined;
  if (ix !== undefined) {
    for (const { machine: m } of ix.memberEntries) {
      if (directOf(m) === null) continue;
      const better = entry === undefined || (m.siteId === admin!.id && entry.siteId !== admin!.id) || ((m.siteId === admin!.id) === (entry.siteId === admin!.id) && m.name < entry.name);
      if (better) entry = m;
    }
  }
  // The entry's cable neighbours, so predictions need no cable index.
  const entryCables = new Set<string>();
  if (entry !== undefined) {
    for (const link of links.cables) {
      if (link.source === entry.id) entryCables.add(link.target);
      else if (link.target === entry.id) entryCables.add(link.source);
    }
  }
  // For one entry, the overlay path depends only on the target's site and whether it is a hub (or cabled to the
  // entry), so predict once per such class instead of once per machine.
  const reachableBySite = new Map<string, [boolean | undefined, boolean | undefined]>();
  const overlayReaches = (m: Machine): boolean => {
    if (ix === undefined || entry === undefined || !ix.members.has(m.id)) return false;
    const cabled = entryCables.has(m.id);
    const hub = ix.hubIds.has(m.id) ? 1 : 0;
    const slot = m.siteId === null || cabled ? undefined : (reachableBySite.get(m.siteId) ?? reachableBySite.set(m.siteId, [undefined, undefined]).get(m.siteId)!);
    const known = slot?.[hub];
    if (known !== undefined) return known;
    const path = predictPathWith(ix, entry.id, m.id, cabled)?.path;
    const ok = path !== undefined && path !== 'unreachable';
    if (slot !== undefined) slot[hub] = ok;
    return ok;
  };

  for (const m of machines) {
    const site = m.siteId === null ? undefined : design.sites[m.siteId];
    let kind: ReachMemo['kind'];
    let through: Machine | undefined;
    if (!m.managed) kind = 'unmanaged';
    else if (admin === undefined) kind = 'unreachable';
    else if ((kind = directOf(m)) !== null) through = undefined;
    else if ((through = firstDirectJump(links.jumpsTo.get(m.id), m, design, directOf)) !== undefined) kind = 'jumpHost';
    else if (overlayReaches(m)) {
      kind = 'overlayOnly';
      through = entry;
    } else kind = 'unreachable';
    const memo = reachMemo.get(m);
    if (memo !== undefined && memo.kind === kind && memo.site === site && memo.admin === admin && memo.through === through && memo.vpnName === vpnName) {
      result.set(m.id, memo.value);
      continue;
    }
    const value = describeReach(design, m, site, admin, kind, through, vpnName);
    reachMemo.set(m, { kind, site, admin, through, vpnName, value });
    result.set(m.id, value);
  }
  return result;
}

const howToGetIn = 'Deploy it while your computer is on that network, forward SSH on its router, or add a jump host link from a machine you can reach.';

function describeReach(design: Design, m: Machine, site: Site | undefined, admin: Site | undefined, kind: ReachMemo['kind'], through: Machine | undefined, vpnName: string | undefined): DeployReach {
  const name = quote(m.name);
  switch (kind) {
    case 'unmanaged':
      return unmanaged(m);
    case 'admin':
      return { reach: 'direct', via: null, reason: `${name} is in ${siteLabel(site!)}, the same network as your computer.` };
    case 'public':
      return { reach: 'direct', via: null, reason: `${name} is in ${siteLabel(site!)}, which has a public address.` };
    case 'forward':
      return { reach: 'direct', via: null, reason: `The router of ${siteLabel(site!)} forwards SSH to ${name}.` };
    case 'jumpHost':
      return { reach: 'jumpHost', via: through!.id, reason: `The app reaches ${name} through the jump host ${quote(through!.name)}, which it reaches directly.` };
    default:
      break;
  }
  if (admin === undefined) {
    return { reach: 'unreachable', via: null, reason: `The app does not know where your computer is, so it cannot tell how to reach ${name}. Mark the site your computer is in as the admin location.` };
  }
  const noWayIn = `${name} ${describeWhere(design, m)}, and there is no port forward or jump host to it.`;
  if (kind === 'overlayOnly') {
    return {
      reach: 'overlayOnly',
      via: through!.id,
      reason: `${noWayIn} Once ${vpnName ?? 'the VPN'} is up the app can reach it through ${quote(through!.name)}, but the first deploy needs another way in. ${howToGetIn}`,
    };
  }
  return { reach: 'unreachable', via: null, reason: `${noWayIn} ${howToGetIn}` };
}

function firstDirectJump(links: Link[] | undefined, m: Machine, design: Design, directOf: (m: Machine) => DirectKind): Machine | undefined {
  if (links === undefined) return undefined;
  for (const link of links) {
    const jump = design.machines[link.source as MachineId];
    if (jump !== undefined && jump.id !== m.id && directOf(jump) !== null) return jump;
  }
  return undefined;
}

function unmanaged(m: Machine): DeployReach {
  return { reach: 'unmanaged', via: null, reason: `${quote(m.name)} is not managed by the app, so it is never deployed to.` };
}

const natWhere: Record<string, string> = {
  portForward: 'behind a router without a port forward for it',
  nat: 'behind a home router (NAT)',
  cgnat: 'behind carrier-grade NAT',
  symmetric: 'behind strict (symmetric) NAT',
};

function describeWhere(design: Design, m: Machine): string {
  const site = m.siteId === null ? undefined : design.sites[m.siteId];
  if (site === undefined) return 'is in no site, so the app cannot tell how to reach it';
  return `is in ${siteLabel(site)}, ${natWhere[site.nat] ?? 'away from your computer'}`;
}
