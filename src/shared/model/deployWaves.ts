import { vpnDisplayNames } from '../vpn/ids';
import { recordValues, rolesByMachine } from './overlay';
import { computeDeployReach, type DeployReach } from './reachability';
import type { Design, Machine, MachineId } from './types';
import { byNameThenId, compareText, quote, quoteList } from '../text';

/*
 * The order in which to deploy the managed machines so the admin never cuts off their own way in.
 *
 * The one invariant: a machine the admin reaches *through* another machine is deployed before that machine. While
 * a machine waits its turn it still runs the configuration the admin knows works, so whatever carries the admin's
 * path to others (a jump host, the VPN entry, the admin's own network) goes after everything that depends on it.
 * If its new configuration then breaks SSH or the VPN, nothing is left stranded and the admin can still fix it.
 *
 * Waves, in this order (empty ones are dropped, the rest numbered 1..n):
 *   1. behindJumpHost: machines reached through a jump host. First, while their jump host is untouched.
 *   2. direct: machines reached directly (same network, public address, SSH port forward) that carry nobody's path.
 *   3. jumpHost: directly reached machines that are the jump host of a machine in wave 1.
 *   4. vpnEntry: the VPN entry (the `via` of overlay-only machines) when it is not on the admin's own network.
 *   5. ownVpn: managed VPN members in the admin's own site (the entry usually is one; the admin's own computer may be
 *      one). Last, but safe: they are on the admin's LAN, so they stay reachable without the VPN if a change to it
 *      goes wrong, and everything else is already done by then. A jump host that is one of them is placed here too,
 *      which still keeps it after the machines behind it.
 * Then two groups outside the waves:
 *   - afterVpn: overlay-only machines. Updates only; the first install needs another way in. For updates they go
 *     before the wave holding their entry (the group says which), for the same invariant.
 *   - notDeployable: unreachable machines, each with the reason from reachability.
 * Unmanaged machines are left out. Within a wave and group machines are ordered by name (then id), so the same
 * design always gives the same order.
 *
 * Jump chains need no topological sort: reachability only accepts a jump host the admin reaches directly, so every
 * dependency points from wave 1 (or the afterVpn group) to a later wave.
 */

/** Which rule put a wave's machines together; see the module comment for the order. */
export type DeployWaveKind = 'behindJumpHost' | 'direct' | 'jumpHost' | 'vpnEntry' | 'ownVpn';

/** One machine in the deploy plan, with how the admin reaches it. */
export interface DeployPlanMachine {
  id: MachineId;
  name: string;
  reach: DeployReach;
  /** How the admin reaches it, in a few words: "directly, on your network", `through the jump host "bastion"`. */
  how: string;
}

/** One wave: machines that can be deployed together, after every earlier wave. */
export interface DeployWave {
  /** 1..n, in deploy order. */
  number: number;
  kind: DeployWaveKind;
  /** Sentence-case heading, without the number. */
  title: string;
  /** Why these machines go here, in plain words. */
  reason: string;
  machines: readonly DeployPlanMachine[];
}

/** A group outside the waves (overlay-only or not deployable); empty when no machine falls in it. */
export interface DeployGroup {
  title: string;
  reason: string;
  machines: readonly DeployPlanMachine[];
}

/** Where a managed machine falls: its wave number, the after-VPN group, or not deployable. */
export type DeployPlace = number | 'afterVpn' | 'notDeployable';

/** The suggested deploy order of a design. */
export interface DeployWaves {
  waves: readonly DeployWave[];
  /** Reachable only over the VPN: updates only, before the wave of their entry. */
  afterVpn: DeployGroup;
  /** No known way in. */
  notDeployable: DeployGroup;
  /** Every managed machine's place, for canvas badges; unmanaged machines are absent. */
  placeById: ReadonlyMap<MachineId, DeployPlace>;
}

const waveOrder: readonly DeployWaveKind[] = ['behindJumpHost', 'direct', 'jumpHost', 'vpnEntry', 'ownVpn'];

const waveTitles: Record<DeployWaveKind, string> = {
  behindJumpHost: 'Behind a jump host',
  direct: 'Reached directly',
  jumpHost: 'Jump hosts',
  vpnEntry: 'VPN entry',
  ownVpn: 'VPN machines on your network',
};

/** Title of the overlay-only group. */
export const AFTER_VPN_TITLE = 'After the VPN is up (updates only; first install needs another way in)';
/** Title of the group of machines with no way in. */
export const NOT_DEPLOYABLE_TITLE = 'Not deployable';

// Designs are immutable, so the plan of one design object never changes; the canvas and the deploy list share it.
const cache = new WeakMap<Design, DeployWaves>();

/**
 * Suggests deploy waves for a design (rules in the module comment). Pass the reachability when it is at hand (for
 * example confirmed by a check); without it, it is computed and the result is cached per design object.
 */
export function computeDeployWaves(design: Design, reach?: ReadonlyMap<MachineId, DeployReach>): DeployWaves {
  if (reach !== undefined) return plan(design, reach);
  let result = cache.get(design);
  if (result === undefined) {
    result = plan(design, computeDeployReach(design));
    cache.set(design, result);
  }
  return result;
}

/** Every machine of a plan in list order: the waves, then the after-VPN and not-deployable groups. */
export function planMachines(plan: DeployWaves): DeployPlanMachine[] {
  return [...plan.waves.flatMap((w) => w.machines), ...plan.afterVpn.machines, ...plan.notDeployable.machines];
}

function plan(design: Design, reach: ReadonlyMap<MachineId, DeployReach>): DeployWaves {
  const machines = recordValues(design.machines);
  // Who carries someone else's path: jump hosts of jumpHost machines, entries of overlay-only machines.
  const jumpHosts = new Set<MachineId>();
  const entries = new Set<MachineId>();
  for (const r of reach.values()) {
    if (r.via === null) continue;
    if (r.reach === 'jumpHost') jumpHosts.add(r.via);
    else if (r.reach === 'overlayOnly') entries.add(r.via);
  }
  const adminSite = design.admin.siteId === null ? undefined : design.sites[design.admin.siteId];
  const roles = design.vpn.id === null || adminSite === undefined ? undefined : rolesByMachine(design);
  const vpnName = design.vpn.id === null ? 'the VPN' : vpnDisplayNames[design.vpn.id];

  const buckets = new Map<DeployWaveKind | 'afterVpn' | 'notDeployable', DeployPlanMachine[]>();
  const put = (key: DeployWaveKind | 'afterVpn' | 'notDeployable', item: DeployPlanMachine) => {
    const list = buckets.get(key);
    if (list === undefined) buckets.set(key, [item]);
    else list.push(item);
  };
  for (const m of machines) {
    const r = reach.get(m.id);
    if (!m.managed || r === undefined || r.reach === 'unmanaged') continue;
    const item: DeployPlanMachine = { id: m.id, name: m.name, reach: r, how: describeHow(design, m, r, vpnName) };
    if (r.reach === 'jumpHost') put('behindJumpHost', item);
    else if (r.reach === 'overlayOnly') put('afterVpn', item);
    else if (r.reach === 'unreachable') put('notDeployable', item);
    else if (roles !== undefined && m.siteId === adminSite!.id && (roles.get(m.id)?.length ?? 0) > 0) put('ownVpn', item);
    else if (entries.has(m.id)) put('vpnEntry', item);
    else if (jumpHosts.has(m.id)) put('jumpHost', item);
    else put('direct', item);
  }
  for (const list of buckets.values()) list.sort(byNameThenId);

  const placeById = new Map<MachineId, DeployPlace>();
  const numberOf = new Map<DeployWaveKind, number>();
  const kinds = waveOrder.filter((kind) => buckets.has(kind));
  kinds.forEach((kind, i) => numberOf.set(kind, i + 1));
  const nameOf = (id: MachineId) => design.machines[id]?.name ?? id;
  const waves = kinds.map((kind): DeployWave => {
    const list = buckets.get(kind)!;
    const number = numberOf.get(kind)!;
    for (const item of list) placeById.set(item.id, number);
    return { number, kind, title: waveTitles[kind], reason: waveReason(kind, list, { numberOf, nameOf, vpnName, adminSite: adminSite?.name, entries }), machines: list };
  });
  const afterVpn = buckets.get('afterVpn') ?? [];
  const notDeployable = buckets.get('notDeployable') ?? [];
  for (const item of afterVpn) placeById.set(item.id, 'afterVpn');
  for (const item of notDeployable) placeById.set(item.id, 'notDeployable');

  return {
    waves,
    afterVpn: { title: AFTER_VPN_TITLE, reason: afterVpnReason(afterVpn, placeById, nameOf, vpnName), machines: afterVpn },
    notDeployable: {
      title: NOT_DEPLOYABLE_TITLE,
      reason: notDeployable.length === 0 ? '' : 'The app knows no way to reach these machines from your computer. Each one says why and what would let you in.',
      machines: notDeployable,
    },
    placeById,
  };
}

/** "a", "a and b", "a, b and c", "a, b, c and 2 more": each name once, in the app's text order. */
function uniqueNameList(names: readonly string[]): string {
  return quoteList([...new Set(names)].sort(compareText), 3);
}

function describeHow(design: Design, m: Machine, r: DeployReach, vpnName: string): string {
  const viaName = r.via === null ? undefined : design.machines[r.via]?.name;
  switch (r.reach) {
    case 'direct': {
      const site = m.siteId === null ? undefined : design.sites[m.siteId];
      if (site === undefined) return 'directly';
      if (site.id === design.admin.siteId) return 'directly, on your network';
      if (site.nat === 'public') return 'directly, at a public address';
      if (site.nat === 'portForward') return 'directly, through a port forward';
      return 'directly';
    }
    case 'jumpHost':
      return viaName === undefined ? 'through a jump host' : `through the jump host ${quote(viaName)}`;
    case 'overlayOnly':
      return viaName === undefined ? `only over ${vpnName}` : `only over ${vpnName}, through ${quote(viaName)}`;
    case 'unreachable':
      return 'no way in';
    default:
      return 'not deployed';
  }
}

interface ReasonContext {
  numberOf: ReadonlyMap<DeployWaveKind, number>;
  nameOf: (id: MachineId) => string;
  vpnName: string;
  adminSite: string | undefined;
  entries: ReadonlySet<MachineId>;
}

function waveReason(kind: DeployWaveKind, list: readonly DeployPlanMachine[], ctx: ReasonContext): string {
  switch (kind) {
    case 'behindJumpHost': {
      const hosts = list.flatMap((item) => (item.reach.via === null ? [] : [ctx.nameOf(item.reach.via)]));
      const one = new Set(hosts).size === 1;
      return (
        `You reach these through ${one ? 'the jump host' : 'the jump hosts'} ${uniqueNameList(hosts)}. They go first, while ${one ? 'it still runs' : 'those still run'} ` +
        'the configuration you know works: if a new one broke SSH there, these machines would be cut off.'
      );
    }
    case 'direct':
      return 'Your computer reaches these directly and no other machine is reached through them, so a mistake here cuts off nothing else.';
    case 'jumpHost': {
      const before = ctx.numberOf.get('behindJumpHost');
      return (
        `Other machines are reached through these${before === undefined ? '' : ` (wave ${before})`}. They come after those machines, so a mistake in a jump ` +
        'host’s new configuration cannot strand anything still waiting; you still reach the jump hosts themselves directly to fix it.'
      );
    }
    case 'vpnEntry':
      return (
        `Machines you can reach only over ${ctx.vpnName} are reached through this one. It comes after the machines that do not need it, so a VPN change ` +
        'that goes wrong here strands nothing still waiting; you still reach it directly to fix it.'
      );
    case 'ownVpn': {
      const where = ctx.adminSite === undefined ? 'your own network' : `${quote(ctx.adminSite)}, the network your computer is on`;
      const entryNames = list.filter((item) => ctx.entries.has(item.id)).map((item) => item.name);
      const entry = entryNames.length === 0 ? '' : ` ${uniqueNameList(entryNames)} ${entryNames.length === 1 ? 'is' : 'are'} also your way into the VPN for machines reachable only over it.`;
      return (
        `These run ${ctx.vpnName} in ${where}.${entry} They go last: if a VPN change disturbs your own network, every other machine is already done, ` +
        'and you still reach these over the local network to fix it.'
      );
    }
  }
}

function afterVpnReason(list: readonly DeployPlanMachine[], placeById: ReadonlyMap<MachineId, DeployPlace>, nameOf: (id: MachineId) => string, vpnName: string): string {
  if (list.length === 0) return '';
  const entryIds = [...new Set(list.flatMap((item) => (item.reach.via === null ? [] : [item.reach.via])))];
  const entries = uniqueNameList(entryIds.map(nameOf));
  const waves = [...new Set(entryIds.map((id) => placeById.get(id)).filter((p): p is number => typeof p === 'number'))].sort((a, b) => a - b);
  const first =
    `You can reach these only over ${vpnName}${entryIds.length === 0 ? '' : `, through ${entries}`}, so they cannot get their first install that way: ` +
    'deploy them while your computer is on their network, forward SSH to them, or add a jump host.';
  const updates = waves.length === 0 ? '' : ` Once the VPN is up, update them before wave ${waves[0]}, so a change to ${entries} cannot cut them off.`;
  return first + updates;
}
