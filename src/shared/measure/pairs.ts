import type { DeployReachKind } from '../model/reachability';
import type { Design, Machine, MachineId, Site, SiteId } from '../model/types';
import { alwaysOnRank, hasPublicAddress } from '../model/varsHelper';
import { createGenerateContext, type GenerateContext } from '../nix/context';
import { err, ok, type Result } from '../result';
import { compareText, listText, plural, quote } from '../text';
import type { VpnId } from '../vpn/ids';
import type { MeasureError, PairRefusal, RefusedPair } from './errors';

// Which links "Measure my network" (issue 15) measures: by default each site's best machine to the admin's
// machine, or pairs the user picks. A pair is ordered: `from` runs the iperf3 client and the pings, `to` the one-off
// iperf3 server. Both must be managed VPN members the app can log in to (it runs commands on both).
//
// "Best" machine of a site, decided from the design:
//   1. it can be measured at all: managed, a member of the VPN (it has an overlay address), and the app has an SSH
//      way to it (an SSH address, and a deploy reach that is not 'unreachable'; over the overlay is fine, since the
//      VPN is up when the network is measured);
//   2. the most server-like kind first (model/varsHelper alwaysOnRank: VPS, server, NAS, router, board, desktop,
//      laptop): the measurement is about the site's internet link, and an always-on, usually wired machine measures
//      that link, where a laptop would measure its Wi-Fi (and may be asleep);
//   3. then the shortest SSH way in (direct, through a jump host, over the overlay): fewer hops that can fail while
//      the test runs; then by name and id, so the choice never depends on the order records are stored in.
// The admin's machine is not a record of the design (the admin's computer runs the app): it is the best machine of
// the admin's site by the same rule. When that site has none, every link is measured to the best machine of all,
// a machine with a public address first (normally the cloud server the others already reach), as the vars helper
// is chosen (model/varsHelper suggestVarsHelper).

/** At most this many pairs in one measurement: each takes a few seconds and they run one after the other. */
export const MAX_MEASURE_PAIRS = 64;

/** One ordered pair: `from` measures towards `to`. */
export interface MeasurePair {
  from: MachineId;
  to: MachineId;
}

/** A default pair and why it was chosen. */
export interface PlannedMeasurePair extends MeasurePair {
  /** The site whose link this pair measures (the site of `from`). */
  siteId: SiteId;
  why: string;
}

/** A site with VPN members whose link is not measured by default, and why. */
export interface LeftOutSite {
  siteId: SiteId;
  site: string;
  reason: string;
}

/** The default pairs of a design. */
export interface MeasurePlan {
  vpn: VpnId | null;
  /** The machine every default pair measures to (the admin's machine); null when there is none. */
  hub: { machineId: MachineId; name: string; why: string } | null;
  /** One per other site, sites by name. */
  pairs: PlannedMeasurePair[];
  leftOut: LeftOutSite[];
  /** What was chosen, in a sentence. */
  description: string;
}

const reachRank: Readonly<Record<DeployReachKind, number>> = { direct: 0, jumpHost: 1, overlayOnly: 2, unreachable: 3, unmanaged: 4 };

function siteName(site: Site): string {
  return quote(site.name.trim() === '' ? 'unnamed site' : site.name);
}

/** Why a machine cannot be an end of a measured pair, or null when it can. */
function unfit(ctx: GenerateContext, members: ReadonlySet<MachineId>, machine: Machine | undefined): PairRefusal | null {
  if (machine === undefined) return 'unknownMachine';
  if (!machine.managed) return 'unmanaged';
  if (!members.has(machine.id)) return 'notMember';
  if ((machine.ssh?.host.trim() ?? '') === '') return 'noSshWay';
  const reach = ctx.reach.get(machine.id)?.reach ?? 'unreachable';
  return reach === 'unreachable' || reach === 'unmanaged' ? 'noSshWay' : null;
}

/** Whether each machine of the design can be an end of a measured pair: null when it can, else why not. */
export function getMeasureFitness(design: Design): Map<MachineId, PairRefusal | null> {
  const ctx = createGenerateContext(design);
  const members = new Set(ctx.members.map((m) => m.machine.id));
  return new Map(Object.values(design.machines).map((m) => [m.id, unfit(ctx, members, m)] as const));
}

/** Orders machines best first by a key of numbers, then name, then id. */
function bestBy(machines: readonly Machine[], key: (m: Machine) => readonly number[]): Machine | undefined {
  let best: { machine: Machine; key: readonly number[] } | undefined;
  for (const machine of machines) {
    const k = key(machine);
    if (best === undefined) {
      best = { machine, key: k };
      continue;
    }
    let order = 0;
    for (let i = 0; i < k.length && order === 0; i += 1) order = k[i]! - best.key[i]!;
    if (order === 0) order = compareText(machine.name, best.machine.name) || compareText(machine.id, best.machine.id);
    if (order < 0) best = { machine, key: k };
  }
  return best?.machine;
}

/** "a NAS", "a VPS", "a server": the kind as it reads in a sentence. */
function kindWords(machine: Machine): string {
  const words: Readonly<Record<Machine['kind'], string>> = {
    vps: 'a VPS',
    server: 'a server',
    nas: 'a NAS',
    router: 'a router',
    sbc: 'a small board',
    desktop: 'a desktop',
    laptop: 'a laptop',
    phone: 'a phone',
  };
  return words[machine.kind];
}

/** The default pairs: each other site's best machine to the admin's machine (see the rules at the top). */
export function planDefaultPairs(design: Design): MeasurePlan {
  const vpn = design.vpn.id;
  if (vpn === null) return { vpn, hub: null, pairs: [], leftOut: [], description: 'No VPN is chosen, so there is no overlay to measure.' };
  const ctx = createGenerateContext(design);
  const members = new Set(ctx.members.map((m) => m.machine.id));
  const fit = ctx.members.map((m) => m.machine).filter((m) => unfit(ctx, members, m) === null);
  const reachKey = (m: Machine) => reachRank[ctx.reach.get(m.id)?.reach ?? 'unreachable'];
  const siteKey = (m: Machine) => [alwaysOnRank[m.kind], reachKey(m)];
  const bySite = new Map<SiteId, Machine[]>();
  for (const m of fit) if (m.siteId !== null && design.sites[m.siteId] !== undefined) (bySite.get(m.siteId) ?? bySite.set(m.siteId, []).get(m.siteId)!).push(m);

  const adminSite = design.admin.siteId === null ? undefined : design.sites[design.admin.siteId];
  let hubMachine = adminSite === undefined ? undefined : bestBy(bySite.get(adminSite.id) ?? [], siteKey);
  let hubWhy = '';
  if (hubMachine !== undefined) {
    hubWhy = `${quote(hubMachine.name)} stands for your computer: it is ${kindWords(hubMachine)} in your site, ${siteName(adminSite!)}, the best placed of its VPN machines there to measure from.`;
  } else {
    hubMachine = bestBy(fit, (m) => [hasPublicAddress(design, m) ? 0 : 1, ...siteKey(m)]);
    if (hubMachine !== undefined) {
      const where = adminSite === undefined ? 'The design does not say where you sit' : `Your site, ${siteName(adminSite)}, has no VPN machine the app can log in to`;
      const whyThis = hasPublicAddress(design, hubMachine) ? 'it has a public address' : `it is ${kindWords(hubMachine)}`;
      hubWhy = `${where}, so the links are measured to ${quote(hubMachine.name)}: ${whyThis}.`;
    }
  }

  // Sites with VPN members, the unmanaged ones (phones) included, so a site of phones only is named as left out.
  const memberSites = [...ctx.members.map((m) => m.machine.siteId), ...ctx.unmanagedMembers.map((m) => m.siteId)];
  const sitesWithMembers = [...new Set(memberSites.filter((id): id is SiteId => id !== null && design.sites[id] !== undefined))]
    .map((id) => design.sites[id]!)
    .sort((a, b) => compareText(a.name, b.name) || compareText(a.id, b.id));
  const pairs: PlannedMeasurePair[] = [];
  const leftOut: LeftOutSite[] = [];
  for (const site of sitesWithMembers) {
    if (hubMachine !== undefined && site.id === hubMachine.siteId) continue;
    const best = bestBy(bySite.get(site.id) ?? [], siteKey);
    if (best === undefined) {
      leftOut.push({ siteId: site.id, site: site.name, reason: `${siteName(site)} has no VPN machine the app can log in to (managed, with an SSH way in), so its link is not measured.` });
      continue;
    }
    if (hubMachine === undefined) {
      leftOut.push({ siteId: site.id, site: site.name, reason: `There is no machine to measure ${siteName(site)}'s link to.` });
      continue;
    }
    const others = (bySite.get(site.id)?.length ?? 1) - 1;
    const choice = others === 0 ? 'the one VPN machine there the app can log in to' : `the most server-like of its ${others + 1} VPN machines`;
    pairs.push({ from: best.id, to: hubMachine.id, siteId: site.id, why: `${quote(best.name)} measures ${siteName(site)}'s link: it is ${kindWords(best)}, ${choice}.` });
  }
  const hub = hubMachine === undefined ? null : { machineId: hubMachine.id, name: hubMachine.name, why: hubWhy };
  const description =
    hub === null
      ? 'No VPN machine can be logged in to, so there is nothing to measure.'
      : pairs.length === 0
        ? `Only ${quote(hub.name)}'s site has VPN machines the app can log in to, so there is no link between sites to measure. Pick a pair by hand to measure within a site.`
        : `${pairs.length} ${plural(pairs.length, 'link', 'links')}: the best machine of ${plural(pairs.length, 'the other site', `each of the ${pairs.length} other sites`)} to ${quote(hub.name)} (${listText(pairs.map((p) => quote(design.machines[p.from]!.name)), 5)}).`;
  return { vpn, hub, pairs, leftOut, description };
}

/**
 * Checks pairs the user picked: both ends exist, differ, are managed VPN members the app can log in to, and no
 * ordered pair twice. Refused as a whole (nothing runs) with every refused pair and its reason.
 */
export function validatePairs(design: Design, pairs: readonly MeasurePair[]): Result<MeasurePair[], MeasureError> {
  if (design.vpn.id === null) return err({ code: 'noVpn', details: {} });
  if (pairs.length === 0) return err({ code: 'noPairs', details: { why: 'no pair was picked.' } });
  if (pairs.length > MAX_MEASURE_PAIRS) return err({ code: 'tooManyPairs', details: { count: pairs.length, limit: MAX_MEASURE_PAIRS } });
  const ctx = createGenerateContext(design);
  const members = new Set(ctx.members.map((m) => m.machine.id));
  const name = (id: MachineId) => design.machines[id]?.name ?? id;
  const refused: RefusedPair[] = [];
  const seen = new Set<string>();
  for (const pair of pairs) {
    const base = { from: name(pair.from), to: name(pair.to) };
    const key = `${pair.from}>${pair.to}`;
    const fromWhy = unfit(ctx, members, design.machines[pair.from]);
    const toWhy = unfit(ctx, members, design.machines[pair.to]);
    if (pair.from === pair.to) refused.push({ ...base, reason: 'sameMachine', machine: base.from });
    else if (fromWhy !== null) refused.push({ ...base, reason: fromWhy, machine: base.from });
    else if (toWhy !== null) refused.push({ ...base, reason: toWhy, machine: base.to });
    else if (seen.has(key)) refused.push({ ...base, reason: 'duplicate', machine: base.from });
    seen.add(key);
  }
  if (refused.length > 0) return err({ code: 'pairsRefused', details: { pairs: refused } });
  return ok(pairs.map((p) => ({ from: p.from, to: p.to })));
}
