import { describeError, type AppError } from '../errors';
import { createOverlayIndex, predictPathWith, type OverlayPath } from '../model/overlay';
import type { Design, MachineId } from '../model/types';
import { createGenerateContext, type GenerateContext } from '../nix/context';
import { byNameThenId, plural, quote, quoteList } from '../text';
import { mapMachineName, vpnCatalog } from '../vpn/catalog';
import { vpnDisplayNames, type VpnId } from '../vpn/ids';
import { probeAddress, type ConfiguredAddress, type ObservedPath, type OverlayDiscovery, type PeerView } from './discovery';
import { cidrContains } from './ip';
import type { PingResult, ProbeReport } from './probe';

// The reachability matrix (issue 15, "Verify and measure"): which ordered pairs of machines to test, and what the
// discoveries and probes of a verify run say about each pair: reached, partly or not, why not (a machine that SSH
// could not reach is kept apart from a failure of the overlay), the path the VPN reports next to the path the
// design predicts (model/overlay.ts, the same prediction the canvas draws), and a summary sentence.

// ---------------------------------------------------------------- which pairs

/** Why a pair is tested: every pair of a small network, a key machine of the VPN, or a random peer of a sample. */
export type PairReason = 'all' | 'anchor' | 'random';

/** One ordered pair: `from` pings `to`. */
export interface PlannedPair {
  from: MachineId;
  to: MachineId;
  why: PairReason;
}

/** The pairs of a verify run. */
export interface PairPlan {
  vpn: VpnId | null;
  /** The machines that are verified: managed VPN members, by name. */
  machines: { id: MachineId; name: string }[];
  /** Machines every other machine pings in a sample: the VPN's controllers, lighthouses, relays, bootstrap nodes. */
  anchors: MachineId[];
  /** Members that are not verified, with why (devices the app does not manage). */
  leftOut: { id: MachineId; name: string; reason: string }[];
  /** Whether the pairs are a sample rather than every ordered pair. */
  sampled: boolean;
  seed: number;
  /** Random peers per machine in a sample. */
  peersPerMachine: number;
  /** Every ordered pair there is: N × (N − 1). */
  totalPairs: number;
  pairs: PlannedPair[];
  /** What was chosen, in a sentence. */
  description: string;
}

/** What `planPairs` may be told. */
export interface PairPlanOptions {
  /** Up to this many machines every ordered pair is tested; default 32. */
  fullUpTo?: number;
  /** Random peers per machine in a sample; default 4. */
  peersPerMachine?: number;
  /** Seed of the sample; the same design and seed give the same pairs. Default 1. */
  seed?: number;
}

// mulberry32: tiny, fast and the same in every JavaScript engine, so a sample is reproducible anywhere.
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The machines a sample always includes as targets. The VPN's key role holders (every role but the default
 * one, as the deploy plan's dependencies: controllers, lighthouses, moons, bootstrap nodes, seeds); for a VPN
 * whose nodes are all equal (Yggdrasil, Mycelium, Hyprspace), the members in public sites the path prediction
 * routes through (OverlayIndex.openMembers).
 */
function anchorsOf(design: Design, ctx: GenerateContext | null, members: ReadonlySet<MachineId>): MachineId[] {
  if (ctx === null || ctx.spec === null) return [];
  const holders = ctx.spec.roles.filter((r) => !r.isDefault).flatMap((r) => ctx.holders(r.id).map((m) => m.id));
  const anchors = holders.length > 0 ? holders : [...createOverlayIndex(design).openMembers];
  return [...new Set(anchors)].filter((id) => members.has(id));
}

/** 9900 as "9,900": the same on every computer, whatever its language settings. */
function thousands(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/**
 * The ordered pairs to test. Up to `fullUpTo` machines: all N × (N − 1). Above: every machine to every anchor,
 * plus `peersPerMachine` random other machines each, drawn with a seeded generator, so the number of pairs grows
 * with N, not N², and the same design and seed always give the same sample.
 */
export function planPairs(design: Design, options: PairPlanOptions = {}): PairPlan {
  const fullUpTo = options.fullUpTo ?? 32;
  const perMachine = Math.max(0, Math.floor(options.peersPerMachine ?? 4));
  const seed = Math.floor(options.seed ?? 1);
  const vpn = design.vpn.id;
  const ctx = vpn === null ? null : createGenerateContext(design);
  const machines = (ctx?.members ?? []).map((m) => m.machine).sort(byNameThenId);
  const ids = machines.map((m) => m.id);
  const leftOut = (ctx?.unmanagedMembers ?? []).map((m) => ({
    id: m.id,
    name: m.name,
    reason: `${quote(m.name)} is not managed by the app, so it cannot be logged in to; ping it by hand from another member.`,
  }));
  const anchors = anchorsOf(design, ctx, new Set(ids));
  const n = ids.length;
  const totalPairs = n * (n - 1);
  const pairs: PlannedPair[] = [];
  const vpnName = vpn === null ? '' : vpnDisplayNames[vpn];
  if (n <= fullUpTo) {
    for (const from of ids) for (const to of ids) if (from !== to) pairs.push({ from, to, why: 'all' });
    const description =
      vpn === null
        ? 'No VPN is chosen, so there is no overlay to verify.'
        : n < 2
          ? `${vpnName} has ${n === 0 ? 'no managed members' : 'one managed member'}, so there is no pair to test.`
          : `Every ordered pair of the ${n} machines: ${totalPairs} pairs.`;
    return { vpn, machines: machines.map((m) => ({ id: m.id, name: m.name })), anchors, leftOut, sampled: false, seed, peersPerMachine: perMachine, totalPairs, pairs, description };
  }
  const anchorSet = new Set(anchors);
  const others = ids.filter((id) => !anchorSet.has(id));
  const next = random(seed);
  for (const from of ids) {
    for (const to of anchors) if (to !== from) pairs.push({ from, to, why: 'anchor' });
    const candidates = others.filter((id) => id !== from);
    const want = Math.min(perMachine, candidates.length);
    const chosen = new Set<MachineId>();
    // Rejection sampling: want is small next to the candidates, so a few draws suffice; the cap keeps it bounded.
    for (let tries = 0; chosen.size < want && tries < want * 50; tries += 1) chosen.add(candidates[Math.floor(next() * candidates.length)]!);
    for (const to of candidates) if (chosen.size < want) chosen.add(to);
    for (const to of [...chosen].sort((a, b) => ids.indexOf(a) - ids.indexOf(b))) pairs.push({ from, to, why: 'random' });
  }
  const anchorNames = quoteList(anchors.map((id) => design.machines[id]!.name), 3);
  const description = `A sample of ${pairs.length} of the ${thousands(totalPairs)} ordered pairs of the ${n} machines: every machine to ${anchors.length === 0 ? 'no fixed machine' : anchorNames}, plus ${perMachine} random ${plural(perMachine, 'peer', 'peers')} each (seed ${seed}).`;
  return { vpn, machines: machines.map((m) => ({ id: m.id, name: m.name })), anchors, leftOut, sampled: true, seed, peersPerMachine: perMachine, totalPairs, pairs, description };
}

/** The probe of each machine: whom it pings, at which address; a target without an address is listed apart. */
export interface ProbeTargets {
  from: MachineId;
  targets: { to: MachineId; address: string }[];
  /** Targets with no known overlay address: not pinged. */
  withoutAddress: MachineId[];
}

/**
 * Groups the plan's pairs by the machine that pings, with the address of each target (`addressOf`, usually
 * discovery.probeAddress of the target's discovery and configured address). One probe per machine.
 */
export function probeTargets(plan: PairPlan, addressOf: (machine: MachineId) => string | null): ProbeTargets[] {
  const bySource = new Map<MachineId, ProbeTargets>();
  for (const { from, to } of plan.pairs) {
    let entry = bySource.get(from);
    if (entry === undefined) bySource.set(from, (entry = { from, targets: [], withoutAddress: [] }));
    const address = addressOf(to);
    if (address === null) entry.withoutAddress.push(to);
    else entry.targets.push({ to, address });
  }
  return [...bySource.values()];
}

// ---------------------------------------------------------------- what each pair shows

/** What a verify run found on one machine. */
export interface MachineFindings {
  /** The SSH failure when the app could not log in to the machine; null when it could. */
  sshError: AppError | null;
  /** Its overlay discovery, when it ran. */
  discovery: OverlayDiscovery | null;
  /** Its probe's results, when the probe ran. */
  probe: ProbeReport | null;
}

/** Everything the matrix is built from. */
export interface MatrixInput {
  design: Design;
  plan: PairPlan;
  /** By machine id; a machine without an entry was not visited. */
  findings: ReadonlyMap<string, MachineFindings>;
  /** The address the configuration gives each member, by machine name (discovery.configuredOverlayAddresses). */
  configured?: ReadonlyMap<string, ConfiguredAddress>;
}

export type CellStatus = 'reached' | 'partly' | 'notReached';

/**
 * Why a pair was not reached (or only partly). sshUnreachable is about the app's own way in, not the overlay:
 * it is counted apart. The rest are overlay failures.
 */
export type CellCause = 'sshUnreachable' | 'notConfigured' | 'daemonNotRunning' | 'noAddress' | 'notProbed' | 'probeFailed' | 'unreachable' | 'noReply' | 'someLost';

/** The path of a pair: as the VPN reports it and as the design predicts it. */
export interface PairPath {
  observed: ObservedPath;
  predicted: OverlayPath | null;
  /**
   * The path to show: the observed one, made precise by the prediction where the VPN cannot tell (a direct path
   * the design predicts as hole-punched or on the local network is shown as such); 'unknown' when the VPN does
   * not tell.
   */
  shown: OverlayPath | 'unknown';
  /** What relays the traffic, in words, when the VPN tells. */
  via: string | null;
  /** Whether what the VPN reports agrees with the prediction; null when either is unknown. */
  matchesPrediction: boolean | null;
  /** The VPN's own words for the path, or why it is unknown. */
  detail: string;
  /** Why the design predicts its path. */
  predictedReason: string | null;
}

/** One tested pair. */
export interface MatrixCell {
  from: MachineId;
  to: MachineId;
  fromName: string;
  toName: string;
  why: PairReason;
  /** The address pinged, or null when none was known. */
  address: string | null;
  status: CellStatus;
  cause: CellCause | null;
  /** One sentence: what happened and, when it failed, why. */
  reason: string;
  ping: PingResult | null;
  path: PairPath;
}

/** One machine's line in the report. */
export interface MachineSummary {
  id: MachineId;
  name: string;
  /** Why the app could not log in, as the app says it elsewhere; null when it could. */
  ssh: string | null;
  /** The discovery's sentence, or why there is none. */
  overlay: string;
  addresses: string[];
  notes: string[];
}

/** The whole matrix. */
export interface VerifyMatrix {
  vpn: VpnId | null;
  sampled: boolean;
  planDescription: string;
  machines: MachineSummary[];
  cells: MatrixCell[];
  counts: {
    pairs: number;
    reached: number;
    partly: number;
    notReached: number;
    /** Pairs not tested because the app could not log in to a machine (a subset of notReached). */
    sshUntested: number;
    direct: number;
    relayed: number;
    unknownPath: number;
    /** Pairs whose reported path disagrees with the prediction. */
    mismatches: number;
  };
  summary: string;
}

/** How traffic to a member that is not in a machine's peer list goes, per VPN, when the VPN's design tells. */
const unlistedPath: Partial<Record<VpnId, { path: ObservedPath; via: string; detail: string }>> = {
  // Yggdrasil lists only its direct peers (getpeers); every other node is reached through the tree of nodes.
  yggdrasil: { path: 'relayed', via: 'other Yggdrasil nodes', detail: 'not a direct peer: routed through other Yggdrasil nodes' },
};

/** Finds how `from` reaches `to` from from's peer list. */
function observePath(vpn: VpnId, from: OverlayDiscovery | null, to: OverlayDiscovery | null, toName: string, toAddress: string | null, nameOfIdentity: (id: string) => string | null): { observed: ObservedPath; via: string | null; detail: string } {
  if (from === null) return { observed: 'unknown', via: null, detail: 'the machine that pings could not be asked' };
  if (from.peers === null) {
    const why = from.notes.find((n) => /path/.test(n));
    return { observed: 'unknown', via: null, detail: why ?? `${vpnDisplayNames[vpn]} did not tell its peers` };
  }
  const toAddresses = new Set([...(to?.addresses ?? []), ...(toAddress === null ? [] : [toAddress])]);
  const names = new Set([toName, mapMachineName(vpnCatalog[vpn], toName)]);
  const toIdentity = to?.identity ?? null;
  const peer = from.peers.find((p) => (toIdentity !== null && p.identity === toIdentity) || (p.name !== null && names.has(p.name)) || p.addresses.some((a) => toAddresses.has(a)));
  const viaText = (p: PeerView): string | null => {
    if (p.via === null) return null;
    const machine = nameOfIdentity(p.via);
    return machine === null ? p.via : quote(machine);
  };
  if (peer !== undefined) return { observed: peer.path, via: viaText(peer), detail: peer.detail };
  // Not a peer itself: a network routed to another peer holds it (a WireGuard controller's subnet).
  if (toAddress !== null) {
    const hub = from.peers.find((p) => p.networks.some((net) => cidrContains(net, toAddress)));
    if (hub !== undefined) {
      const hubName = hub.identity === null ? null : nameOfIdentity(hub.identity);
      return { observed: 'relayed', via: hubName === null ? 'another peer' : quote(hubName), detail: `routed through ${hubName === null ? 'another peer' : quote(hubName)}, whose allowed IPs hold it` };
    }
  }
  const fallback = unlistedPath[vpn];
  if (fallback !== undefined) return { observed: fallback.path, via: fallback.via, detail: fallback.detail };
  return { observed: 'unknown', via: null, detail: `${quote(toName)} is not in the peer list of ${quote(from.machine)}` };
}

function refine(observed: ObservedPath, predicted: OverlayPath | null): { shown: OverlayPath | 'unknown'; matches: boolean | null } {
  if (observed === 'unknown') return { shown: 'unknown', matches: null };
  if (observed === 'relayed') return { shown: 'relayed', matches: predicted === null ? null : predicted === 'relayed' };
  // Direct: no VPN tells a punched hole from a plain direct path; the prediction knows which the NATs need.
  const shown = predicted === 'holePunched' || predicted === 'lan' ? predicted : 'direct';
  return { shown, matches: predicted === null ? null : predicted === 'lan' || predicted === 'direct' || predicted === 'holePunched' };
}

function pingsLost(ping: PingResult): string {
  const lost = ping.sent - ping.received;
  return `${lost} of ${ping.sent} ${plural(ping.sent, 'ping', 'pings')} lost`;
}

function ms(x: number): string {
  return x >= 10 ? x.toFixed(0) : x.toFixed(1);
}

/** The cause and sentence for a pair that was not reached, from the most basic reason on. */
function failure(
  vpnName: string,
  from: { name: string; f: MachineFindings | undefined },
  to: { name: string; f: MachineFindings | undefined },
  address: string | null,
  ping: PingResult | null,
): { cause: CellCause; reason: string } {
  const a = quote(from.name);
  const b = quote(to.name);
  if (from.f === undefined) return { cause: 'notProbed', reason: `${a} was not visited in this run, so its pings to ${b} were not run.` };
  if (from.f.sshError !== null) return { cause: 'sshUnreachable', reason: `${a} could not be reached over SSH, so its pings to ${b} were not run; this says nothing about the VPN.` };
  const fromState = from.f.discovery?.state;
  if (fromState === 'notConfigured') return { cause: 'notConfigured', reason: `${vpnName} is not set up on ${a}, so it cannot reach ${b} over the overlay.` };
  if (fromState === 'notRunning') return { cause: 'daemonNotRunning', reason: `The ${vpnName} daemon on ${a} is not running, so it cannot reach ${b}.` };
  const toState = to.f?.discovery?.state;
  if (toState === 'notConfigured') return { cause: 'notConfigured', reason: `${vpnName} is not set up on ${b}, so ${a} cannot reach it.` };
  if (toState === 'notRunning') return { cause: 'daemonNotRunning', reason: `The ${vpnName} daemon on ${b} is not running, so ${a} cannot reach it.` };
  if (address === null) {
    if (to.f?.sshError != null) return { cause: 'sshUnreachable', reason: `${b} could not be reached over SSH, and ${vpnName} assigns its overlay address only at run time, so ${a} had no address to ping.` };
    return { cause: 'noAddress', reason: `${b} has no overlay address, so ${a} had nothing to ping.` };
  }
  if (fromState === 'noAddress') return { cause: 'noAddress', reason: `${a} has no overlay address, so it cannot reach ${b}.` };
  if (from.f.probe === null || ping === null) return { cause: 'notProbed', reason: `The probe did not run on ${a}, so ${b} was not pinged from it.` };
  switch (ping.problem) {
    case 'pingMissing':
      return { cause: 'probeFailed', reason: `${a} has no ping command, so ${b} could not be pinged from it. NixOS always has one; install iputils-ping elsewhere.` };
    case 'permission':
      return { cause: 'probeFailed', reason: `ping on ${a} may not send pings (${ping.detail}). Give ping the cap_net_raw capability, or verify as root.` };
    case 'badOptions':
      return { cause: 'probeFailed', reason: `ping on ${a} did not accept the probe's options (${ping.detail || 'no output'}); it may be an old BusyBox. Install iputils-ping.` };
    case 'timeout':
    case 'noResult':
    case 'refused':
      return { cause: 'notProbed', reason: `The ping from ${a} to ${b} did not finish${ping.detail === '' ? '' : ` (${ping.detail})`}; the probe may have been cut off. Verify again.` };
    case 'unreachable':
      return { cause: 'unreachable', reason: `${a} has no way to ${b} over the overlay: ping says "${ping.detail || 'unreachable'}".` };
    default:
      break;
  }
  if (toState === 'noAddress' && to.f?.discovery?.source !== 'configuration') return { cause: 'noAddress', reason: `${b} has no overlay address, so ${a} cannot reach it.` };
  return { cause: 'noReply', reason: `${b} did not answer the pings from ${a} over the overlay (${pingsLost(ping)}).` };
}

/**
 * Builds the matrix from a run's findings. Pure: the same input gives the same matrix, cells in the plan's order.
 */
export function buildMatrix(input: MatrixInput): VerifyMatrix {
  const { design, plan, findings } = input;
  const vpn = design.vpn.id;
  const vpnName = vpn === null ? 'VPN' : vpnDisplayNames[vpn];
  const nameOf = (id: MachineId) => design.machines[id]?.name ?? id;
  const configured = input.configured ?? new Map<string, ConfiguredAddress>();
  const ix = vpn === null ? null : createOverlayIndex(design);

  // Identities (keys, node ids, node names) to machine names, to name the machine a relay is.
  const byIdentity = new Map<string, string>();
  for (const m of plan.machines) {
    const d = findings.get(m.id)?.discovery;
    if (d?.identity != null) byIdentity.set(d.identity, m.name);
    if (vpn !== null) byIdentity.set(mapMachineName(vpnCatalog[vpn], m.name), m.name);
    byIdentity.set(m.name, m.name);
  }
  const nameOfIdentity = (id: string) => byIdentity.get(id) ?? null;

  const addressOf = (id: MachineId): string | null => probeAddress(findings.get(id)?.discovery ?? undefined, configured.get(nameOf(id)));

  const cells: MatrixCell[] = plan.pairs.map(({ from, to, why }) => {
    const fromName = nameOf(from);
    const toName = nameOf(to);
    const ff = findings.get(from);
    const tf = findings.get(to);
    const address = addressOf(to);
    const ping = address === null || ff?.probe == null ? null : (ff.probe.results.find((r) => r.address === address) ?? null);
    const prediction = ix === null ? null : predictPathWith(ix, from, to);
    const seen = vpn === null ? { observed: 'unknown' as const, via: null, detail: 'no VPN' } : observePath(vpn, ff?.discovery ?? null, tf?.discovery ?? null, toName, address, nameOfIdentity);
    const refined = refine(seen.observed, prediction?.path ?? null);
    const path: PairPath = {
      observed: seen.observed,
      predicted: prediction?.path ?? null,
      shown: refined.shown,
      via: seen.via,
      matchesPrediction: refined.matches,
      detail: seen.detail,
      predictedReason: prediction?.reason ?? null,
    };
    const base = { from, to, fromName, toName, why, address, ping, path };
    if (ping !== null && ping.problem === null && ping.sent > 0 && ping.received >= ping.sent) {
      const rtt = ping.rttAvgMs === null ? '' : ` (average ${ms(ping.rttAvgMs)} ms)`;
      return { ...base, status: 'reached', cause: null, reason: `${quote(toName)} answered all ${ping.sent} pings from ${quote(fromName)}${rtt}.` };
    }
    if (ping !== null && ping.received > 0) {
      return { ...base, status: 'partly', cause: 'someLost', reason: `${quote(toName)} answered ${ping.received} of ${ping.sent} pings from ${quote(fromName)} (${ping.lossPercent} % lost): the path works but loses packets.` };
    }
    const { cause, reason } = failure(vpnName, { name: fromName, f: ff }, { name: toName, f: tf }, address, ping);
    return { ...base, status: 'notReached', cause, reason };
  });

  const machines: MachineSummary[] = plan.machines.map(({ id, name }) => {
    const f = findings.get(id);
    const d = f?.discovery ?? null;
    const overlay = d?.message ?? (f === undefined ? `${quote(name)} was not visited in this run.` : f.sshError !== null ? `The overlay state of ${quote(name)} is unknown: the app could not log in to it.` : `The overlay state of ${quote(name)} was not read.`);
    return { id, name, ssh: f?.sshError == null ? null : describeError(f.sshError), overlay, addresses: d?.addresses ?? [], notes: d?.notes ?? [] };
  });

  const answered = cells.filter((c) => c.status !== 'notReached');
  const counts = {
    pairs: cells.length,
    reached: cells.filter((c) => c.status === 'reached').length,
    partly: cells.filter((c) => c.status === 'partly').length,
    notReached: cells.filter((c) => c.status === 'notReached').length,
    sshUntested: cells.filter((c) => c.cause === 'sshUnreachable').length,
    direct: answered.filter((c) => c.path.observed === 'direct').length,
    relayed: answered.filter((c) => c.path.observed === 'relayed').length,
    unknownPath: answered.filter((c) => c.path.observed === 'unknown').length,
    mismatches: answered.filter((c) => c.path.matchesPrediction === false).length,
  };
  const involved = new Set(cells.filter((c) => c.cause === 'sshUnreachable').flatMap((c) => [c.from, c.to]));
  const sshNames = plan.machines.filter((m) => involved.has(m.id) && findings.get(m.id)?.sshError != null).map((m) => m.name);
  return { vpn, sampled: plan.sampled, planDescription: plan.description, machines, cells, counts, summary: summarize(vpn, plan, cells, counts, sshNames) };
}

function summarize(vpn: VpnId | null, plan: PairPlan, cells: readonly MatrixCell[], counts: VerifyMatrix['counts'], sshNames: readonly string[]): string {
  if (cells.length === 0) return plan.description;
  const pairs = (n: number) => `${n} ${plural(n, 'pair', 'pairs')}`;
  const first = [`${counts.reached} of ${pairs(counts.pairs)} reached`];
  if (counts.partly > 0) first.push(`${counts.partly} partly`);
  const overlayFailures = counts.notReached - counts.sshUntested;
  if (overlayFailures > 0) first.push(`${overlayFailures} not reached`);
  if (counts.sshUntested > 0) {
    first.push(`${counts.sshUntested} not tested because ${quoteList(sshNames, 3)} could not be reached over SSH`);
  }
  const second: string[] = [];
  const answered = counts.reached + counts.partly;
  if (answered > 0) {
    if (counts.relayed > 0) second.push(`${pairs(counts.relayed)} relayed`);
    else if (counts.direct > 0) second.push('no pair relayed');
    if (counts.unknownPath === answered && vpn !== null) second.push(`${vpnDisplayNames[vpn]} does not tell the path`);
    else if (counts.unknownPath > 0) second.push(`path unknown for ${counts.unknownPath}`);
    if (counts.mismatches > 0) second.push(`${counts.mismatches} ${plural(counts.mismatches, 'path differs', 'paths differ')} from the prediction`);
  }
  const sentence = `${first.join(', ')}${second.length === 0 ? '' : `; ${second.join(', ')}`}.`;
  return plan.sampled ? `${sentence} ${plan.description}` : sentence;
}
