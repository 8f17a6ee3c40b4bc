import { natLabels, qualityLabels } from '../model/labels';
import { computeOverlay } from '../model/overlay';
import type { Design, LinkQuality, Machine, MachineId, Site, SiteId } from '../model/types';
import { defaultPriorities as savedDefaultPriorities, MAX_PRIORITY, priorityIds, type PriorityId } from '../schema/comparisonIds';
import { assignDefaultRoles, findRole, getPublicAnchorRole, rankHubCandidates, vpnCatalog, type Fact, type VpnSpec } from '../vpn/catalog';
import { noVpnId, vpnIds, type VpnId } from '../vpn/ids';
import { computeScore, describeProfile, formatFactor, formatFigure, formatMeasuredFactor, formatValue, getColumnFactors, weightPresets, type Score, type WorkloadWeights } from './leaderboard';
import { getCell, getFailureCategory, getFlag, getHeadline, getProfile, getShareOfReference, getWorkload } from './query';
import type { BenchCell, BenchDataset, FailureCategory, ProfileId, RunId, WorkloadId } from './schema';
import { byNameThenId, compareText, listText, quote } from '../text';

// The VPN advisor: reads the design (sites' NAT types and link quality, machines and their kinds, unmanaged devices,
// the admin's site) and the user's priorities, and ranks the ten VPNs from the benchmark data. Pure and
// deterministic: the same design and priorities always give the same advice, whatever order records are stored in.
//
// 1. Profile. Each site's link quality maps to an impairment profile (good→baseline, fair→low, poor→medium,
//    bad→high). Traffic between sites crosses the worst of their links, so the figures come from the worst profile
//    among the sites with VPN members (machines, or the admin's computer).
// 2. Hard constraints exclude a VPN, with the reason: it needs a public machine of ours and no site with a public
//    address or port forward holds a managed machine; the design has phones and the VPN has no phone app; the user
//    made "fully self-hosted" a must (top priority) and the VPN uses third-party servers.
// 3. Score, 0..100: a weighted mean of criteria worth 0..1 points, weighted by the priority levels.
//    throughput, latency: the weighted geometric-mean slowdown factor in the design's profile (from the leaderboard),
//      as points relative to the best of the ten VPNs on that criterion: best factor / this VPN's factor, so the
//      leader gets 1 and a VPN twice as far behind gets 0.5;
//    resilience: the same over the medium and high profiles with the flaky-links weights;
//    selfHosted: 1 without third-party infrastructure, else 0;
//    clanNative: 1 for a clan-core service, else 0;
//    decentralised: 1 with no special node, down to 0 when all traffic goes through a hub (getCentralisation).
//    Excluded VPNs are scored too (so the user sees what they miss) but always rank after the others.

// What the user can weigh and the top level (MAX_PRIORITY) are stored in design files, so they are defined with the
// file format. At the top level, selfHosted is a requirement: VPNs with third-party infrastructure are excluded.
export { MAX_PRIORITY, priorityIds, type PriorityId };

/** How much each priority counts: 0 ignore, 1 a little, 2 normal, 3 top priority (whole numbers). */
export type Priorities = Readonly<Record<PriorityId, number>>;

/** Performance matters most; a little preference for self-hosted and Clan-native VPNs; no view on controllers. */
export const defaultPriorities: Priorities = savedDefaultPriorities;

/** Labels and explanations of the priorities, for the UI and the CLI. */
export const priorityTexts: Readonly<Record<PriorityId, { label: string; description: string }>> = {
  throughput: { label: 'Throughput', description: 'Fast transfers: single and parallel TCP, QUIC and the Nix cache download.' },
  latency: { label: 'Latency', description: 'Quick, clean round trips: ping time, ping loss and the video stream.' },
  resilience: { label: 'Resilience on bad links', description: 'What still works at medium and high impairment (the flaky-links weights).' },
  selfHosted: {
    label: 'Fully self-hosted',
    description: 'No third-party servers (public relays, roots or bootstrap nodes). As top priority, VPNs that use them are excluded.',
  },
  clanNative: { label: 'Clan-native', description: 'A service maintained in clan-core rather than a module of this app.' },
  decentralised: { label: 'Decentralised', description: 'No controller, hub or lighthouse the network depends on.' },
};

/** Priorities with the given ones raised to the top level (what `advise --priority X` does). */
export function raisePriorities(base: Priorities, ids: readonly PriorityId[]): Priorities {
  const next: Record<PriorityId, number> = { ...base };
  for (const id of ids) next[id] = MAX_PRIORITY;
  return next;
}

/** The impairment profile a site's link quality stands for. */
export const qualityProfiles: Readonly<Record<LinkQuality, ProfileId>> = { good: 'baseline', fair: 'low', poor: 'medium', bad: 'high' };

const profileOrder: Readonly<Record<ProfileId, number>> = { baseline: 0, low: 1, medium: 2, high: 3 };

/** The profile the advice reads its figures from, with the site that decided it and why. */
export interface DesignProfile {
  readonly profile: ProfileId;
  /** The site with the worst link among those with VPN members; null when no site has members. */
  readonly siteId: SiteId | null;
  readonly reason: string;
}

function siteName(site: Site): string {
  return quote(site.name.trim() === '' ? 'unnamed site' : site.name);
}

function describeImpairment(dataset: BenchDataset, profile: ProfileId): string {
  const impairment = getProfile(dataset, profile)?.impairment;
  if (impairment === null || impairment === undefined) return 'a clean link';
  return `${formatValue(impairment.latencyMs)} ms added delay, ${formatValue(impairment.jitterMs)} ms jitter, ${formatValue(impairment.lossPercent)} % loss`;
}

/**
 * The worst profile among the sites with VPN members (a machine in the site, or the admin's computer), since
 * traffic between sites crosses each of their links. Baseline when no site has members.
 */
export function getDesignProfile(design: Design, dataset: BenchDataset): DesignProfile {
  const withMembers = new Set<SiteId>();
  for (const machine of Object.values(design.machines)) if (machine.siteId !== null && design.sites[machine.siteId] !== undefined) withMembers.add(machine.siteId);
  if (design.admin.siteId !== null && design.sites[design.admin.siteId] !== undefined) withMembers.add(design.admin.siteId);
  const sites = [...withMembers].map((id) => design.sites[id]!);
  if (sites.length === 0) {
    return { profile: 'baseline', siteId: null, reason: 'No machine is in a site yet, so the figures are from the baseline profile (a clean link).' };
  }
  // Worst quality first; ties by name, then id, so the answer never depends on the order sites are stored in.
  sites.sort((a, b) => profileOrder[qualityProfiles[b.quality]] - profileOrder[qualityProfiles[a.quality]] || compareText(a.name, b.name) || compareText(a.id, b.id));
  const worst = sites[0]!;
  const profile = qualityProfiles[worst.quality];
  const link = `${qualityLabels[worst.quality].short.toLowerCase()} link`;
  const figures = `the ${describeProfile(dataset, profile)} profile (${describeImpairment(dataset, profile)})`;
  if (sites.length === 1) {
    return { profile, siteId: worst.id, reason: `All VPN members are in ${siteName(worst)}, which has a ${link}, so the figures are from ${figures}.` };
  }
  if (sites.every((s) => qualityProfiles[s.quality] === profile)) {
    return { profile, siteId: worst.id, reason: `All ${sites.length} sites with VPN members have a ${link}, so the figures are from ${figures}.` };
  }
  return {
    profile,
    siteId: worst.id,
    reason: `Traffic between your sites crosses each site's internet link, so the figures are from the worst of the ${sites.length} sites with VPN members: ${siteName(worst)} has a ${link}, which matches ${figures}.`,
  };
}

/** How much a VPN depends on special nodes: 1 all members equal, 0 all traffic through a hub; with the words. */
export function getCentralisation(spec: VpnSpec): { points: number; detail: string } {
  const required = spec.roles.find((r) => r.min >= 1 && !r.isDefault);
  if (spec.natTraversal.value === 'hubAndSpoke') {
    const hub = spec.roles.find((r) => r.relays)?.label ?? 'hub';
    return { points: 0, detail: `all traffic between machines goes through the ${hub.toLowerCase()}` };
  }
  if (required !== undefined && required.max === 1) return { points: 0.25, detail: `one ${required.label.toLowerCase()} runs the network` };
  if (required !== undefined) return { points: 0.5, detail: `needs at least one ${required.label.toLowerCase()} that the others dial first` };
  if (spec.needsOwnPublicNode.value) return { points: 0.75, detail: 'no special role, but machines behind NAT need a public peer' };
  return { points: 1, detail: 'no controller: every member is equal' };
}

/** One criterion's part of a score. */
export interface CriterionScore {
  readonly criterion: PriorityId;
  /** The priority level used as the weight. */
  readonly weight: number;
  /** 0..1: how well the VPN does on this criterion (performance: relative to the best of the ten). */
  readonly points: number;
  /** Its share of the 0..100 score: 100 · weight · points / total weight. */
  readonly contribution: number;
  /** What the points rest on, in words ("1.3x the best VPN", "no third-party servers"). */
  readonly detail: string;
}

/** A machine and the roles it would get. */
export interface MachineRoles {
  readonly machineId: MachineId;
  readonly machine: string;
  /** Role ids as in inventory.json. */
  readonly roles: readonly string[];
  /** The same roles as people read them. */
  readonly labels: readonly string[];
}

/** One VPN in the advice. */
export interface AdviceEntry {
  readonly vpn: VpnId;
  readonly name: string;
  /** 1 = recommended first; excluded VPNs come after every other. */
  readonly rank: number;
  /** 0..100, higher is better. */
  readonly score: number;
  readonly excluded: boolean;
  readonly exclusionReasons: readonly string[];
  /** One entry per priority, in priorityIds order. */
  readonly breakdown: readonly CriterionScore[];
  /** Sentences that cite the figures behind the score. */
  readonly reasons: readonly string[];
  /** The default role assignment (assignDefaultRoles), machines in design order. */
  readonly roles: readonly MachineRoles[];
  /** The roles in one sentence ('"vps" → Controller (hub); the other 5 machines → Peer'); empty for excluded VPNs. */
  readonly rolesSummary: string;
  /** Unconfirmed catalog facts, third-party dependencies, predicted problems and flags on the cells cited. */
  readonly caveats: readonly string[];
}

/** The advisor's answer. */
export interface Advice {
  readonly profile: DesignProfile;
  readonly priorities: Priorities;
  /** Sentences about the design as a whole (which profile and why). */
  readonly reasons: readonly string[];
  /** Ranked, best first. */
  readonly entries: readonly AdviceEntry[];
}

/** The workload weights of the two performance criteria measured in one profile (resilience uses the flaky-links preset). */
export const criterionWeights: Readonly<Record<'throughput' | 'latency', WorkloadWeights>> = {
  throughput: { tcp: 1, parallelTcp: 1, udp: 0, pingRtt: 0, pingLoss: 0, quic: 1, video: 0, nixCache: 1 },
  latency: { tcp: 0, parallelTcp: 0, udp: 0, pingRtt: 2, pingLoss: 1, video: 1, quic: 0, nixCache: 0 },
};

function isPhone(machine: Machine): boolean {
  return machine.kind === 'phone' && !machine.managed;
}

function ordinal(n: number): string {
  const suffix = n % 10 === 1 && n % 100 !== 11 ? 'st' : n % 10 === 2 && n % 100 !== 12 ? 'nd' : n % 10 === 3 && n % 100 !== 13 ? 'rd' : 'th';
  return `${n}${suffix}`;
}

function percent(share: number): string {
  return `${(share * 100).toFixed(1)} %`;
}

function failureSummary(dataset: BenchDataset, cell: BenchCell): string {
  return Object.entries(cell.failures)
    .map(([category, count]) => `${count} ${(getFailureCategory(dataset, category as FailureCategory)?.label ?? category).toLowerCase()}`)
    .join(', ');
}

/** Design facts every VPN is judged against; computed once per advice. */
interface DesignFacts {
  readonly phones: readonly Machine[];
  readonly hasPublicCandidate: boolean;
  readonly sites: readonly Site[];
  readonly hasClosedNat: boolean;
  readonly hasSymmetric: boolean;
}

function getDesignFacts(design: Design): DesignFacts {
  const sites = Object.values(design.sites).sort(byNameThenId);
  return {
    phones: Object.values(design.machines)
      .filter(isPhone)
      .sort((a, b) => compareText(a.name, b.name)),
    hasPublicCandidate: rankHubCandidates(design, true).length > 0,
    sites,
    hasClosedNat: sites.some((s) => s.nat !== 'public' && s.nat !== 'portForward'),
    hasSymmetric: sites.some((s) => s.nat === 'symmetric'),
  };
}

function exclusionReasons(spec: VpnSpec, facts: DesignFacts, priorities: Priorities): string[] {
  const reasons: string[] = [];
  if (spec.needsOwnPublicNode.value && !facts.hasPublicCandidate) {
    const anchor = getPublicAnchorRole(spec);
    const what = anchor === undefined ? 'a machine of yours that the internet can reach' : `a machine of yours that the internet can reach (the ${anchor.label.toLowerCase()})`;
    const where = facts.sites.length === 0 ? 'the design has no sites yet' : `no site with a public address or a port forward holds one of your machines (${listText(facts.sites.map((s) => `${siteName(s)}: ${natLabels[s.nat].short}`))})`;
    reasons.push(`${spec.name} needs ${what}, but ${where}. Add a VPS or a port forward to use it.`);
  }
  if (facts.phones.length > 0 && spec.mobileClients.value.length === 0) {
    const names = listText(facts.phones.map((p) => quote(p.name)));
    reasons.push(`${spec.name} has no app for phones, and the design has ${facts.phones.length === 1 ? `a phone (${names})` : `${facts.phones.length} phones (${names})`}.`);
  }
  if (priorities.selfHosted >= MAX_PRIORITY && spec.thirdPartyInfra.value) {
    reasons.push(`You asked for a fully self-hosted network, and ${spec.name} relies on ${spec.thirdPartyDescription ?? 'third-party servers'}.`);
  }
  return reasons;
}

function describeRoles(design: Design, spec: VpnSpec, vpn: VpnId): MachineRoles[] {
  const assigned = assignDefaultRoles(design, vpn);
  const result: MachineRoles[] = [];
  for (const machine of Object.values(design.machines)) {
    const roles = assigned[machine.id];
    if (roles === undefined || roles.length === 0) continue;
    result.push({ machineId: machine.id, machine: machine.name, roles, labels: roles.map((r) => findRole(spec, r)?.label ?? r) });
  }
  return result;
}

function rolesSentence(design: Design, spec: VpnSpec, roles: readonly MachineRoles[]): string {
  if (roles.length === 0) return `no machine would join ${spec.name}`;
  const special = roles.filter((r) => r.roles.some((id) => !findRole(spec, id)?.isDefault));
  const plain = roles.length - special.length;
  const parts = special.map((r) => `${quote(r.machine)} → ${listText(r.labels)}`);
  const defaultLabel = spec.roles.find((r) => r.isDefault)?.label ?? 'member';
  if (plain > 0) parts.push(`${special.length === 0 ? (plain === 1 ? 'the machine' : `all ${plain} machines`) : `the other ${plain === 1 ? 'machine' : `${plain} machines`}`} → ${defaultLabel}`);
  const left = Object.values(design.machines).filter((m) => !roles.some((r) => r.machineId === m.id));
  const leftText = left.length === 0 ? '' : `; ${listText(left.map((m) => quote(m.name)))} would stay outside (no client)`;
  return `${parts.join('; ')}${leftText}`;
}

function unconfirmed(label: string, fact: Fact<unknown>): string[] {
  return fact.confirmed || fact.note === undefined ? [] : [`Unconfirmed (${label}): ${fact.note}`];
}

interface Criteria {
  throughput: Score;
  latency: Score;
  resilience: Score;
}

function criterionScores(dataset: BenchDataset, profile: ProfileId, run: RunId): Map<VpnId, Criteria> {
  const flaky = weightPresets.flakyLinks;
  return new Map(
    vpnIds.map((vpn) => [
      vpn,
      {
        throughput: computeScore(dataset, vpn, criterionWeights.throughput, [profile], run),
        latency: computeScore(dataset, vpn, criterionWeights.latency, [profile], run),
        resilience: computeScore(dataset, vpn, flaky.weights, flaky.scoreProfiles, run),
      },
    ]),
  );
}

/** 1-based place of a VPN among the ten by one criterion's factor score (ties share a place). */
function placeOf(all: ReadonlyMap<VpnId, Criteria>, vpn: VpnId, key: keyof Criteria): number | null {
  const own = all.get(vpn)?.[key].score ?? null;
  if (own === null) return null;
  let place = 1;
  for (const [, c] of all) if (c[key].score !== null && c[key].score < own - 1e-9) place += 1;
  return place;
}

function headline(dataset: BenchDataset, vpn: VpnId | typeof noVpnId, profile: ProfileId, workload: WorkloadId, run: RunId): { value: number | null; cell: BenchCell | undefined } {
  const def = getWorkload(dataset, workload);
  const cell = getCell(dataset, vpn, profile, workload, run);
  return { value: def === undefined || cell === undefined ? null : getHeadline(cell, def), cell };
}

/** " The best of the ten." or " That is 0.94x the best VPN (WireGuard, 864 Mbit/s).": the ratio as measured, never rounded to a tie. */
function againstBestTcp(dataset: BenchDataset, spec: VpnSpec, value: number, profile: ProfileId, run: RunId): string {
  const best = getColumnFactors(dataset, profile, 'tcp', run)?.best ?? null;
  if (best === null || best.value <= 0) return '';
  if (best.vpn === spec.id) return ' The best single TCP figure of the ten.';
  return ` That is ${formatMeasuredFactor(value / best.value)} the best VPN (${vpnCatalog[best.vpn].name}, ${formatFigure(best.value, 'Mbit/s')}).`;
}

function figureReasons(dataset: BenchDataset, spec: VpnSpec, profile: ProfileId, run: RunId): string[] {
  const at = `at ${describeProfile(dataset, profile)}`;
  const reasons: string[] = [];
  const tcp = headline(dataset, spec.id, profile, 'tcp', run);
  if (tcp.value !== null) {
    const share = getShareOfReference(dataset, spec.id, profile, 'tcp', run);
    reasons.push(`${spec.name}: ${formatFigure(tcp.value, 'Mbit/s')} single TCP ${at}${share === null ? '' : `, ${percent(share)} of the no-VPN link`}.${againstBestTcp(dataset, spec, tcp.value, profile, run)}`);
  } else {
    reasons.push(`${spec.name}: no single TCP result ${at}${tcp.cell === undefined ? '' : ` (${failureSummary(dataset, tcp.cell)})`}.`);
  }
  const nix = headline(dataset, spec.id, profile, 'nixCache', run);
  const nixRef = headline(dataset, noVpnId, profile, 'nixCache', run);
  const refText = nixRef.value === null ? '' : ` (no VPN: ${formatFigure(nixRef.value, 's')})`;
  if (nix.value !== null) reasons.push(`The Nix cache download took ${formatFigure(nix.value, 's')} ${at}${refText}.`);
  else if (nix.cell !== undefined) {
    const limit = nix.cell.pairs.find((p) => p.limitSeconds !== undefined)?.limitSeconds;
    const noVpn = nixRef.value === null ? '' : `; no VPN: ${formatFigure(nixRef.value, 's')}`;
    reasons.push(`The Nix cache download did not finish ${at} (${failureSummary(dataset, nix.cell)}${limit === undefined ? '' : ` at the ${formatFigure(limit, 's')} limit`}${noVpn}).`);
  }
  const ping = headline(dataset, spec.id, profile, 'pingRtt', run);
  const pingRef = headline(dataset, noVpnId, profile, 'pingRtt', run);
  const video = headline(dataset, spec.id, profile, 'video', run);
  const parts: string[] = [];
  if (ping.value !== null) parts.push(`ping round trip ${formatFigure(ping.value, 'ms')}${pingRef.value === null ? '' : ` (no VPN: ${formatFigure(pingRef.value, 'ms')})`}`);
  if (video.value !== null) parts.push(`video stream quality ${formatFigure(video.value, 'score')}`);
  if (parts.length > 0) reasons.push(`${parts.join(' and ').replace(/^./, (c) => c.toUpperCase())} ${at}.`);
  return reasons;
}

const criterionWords: Readonly<Record<'throughput' | 'latency' | 'resilience', string>> = {
  throughput: 'throughput (single and parallel TCP, QUIC, Nix cache)',
  latency: 'latency (ping round trip and loss, video)',
  resilience: 'flaky links (medium and high impairment)',
};

function performanceReason(key: keyof Criteria, score: Score, place: number | null, dataset: BenchDataset, profile: ProfileId): string | null {
  if (score.score === null) return null;
  const where = key === 'resilience' ? '' : ` at ${describeProfile(dataset, profile)}`;
  const placeText = place === null ? '' : `, ranking ${ordinal(place)} of the ten`;
  return `On ${criterionWords[key]}${where} it is ${behindBest(score.score)}${placeText}.`;
}

function flagCaveats(dataset: BenchDataset, vpn: VpnId, profile: ProfileId, run: RunId): string[] {
  const caveats: string[] = [];
  const at = describeProfile(dataset, profile);
  for (const workload of ['tcp', 'nixCache', 'pingRtt', 'video'] as const) {
    const cell = getCell(dataset, vpn, profile, workload, run);
    const label = getWorkload(dataset, workload)?.label ?? workload;
    if (cell === undefined) continue;
    for (const id of cell.flags) {
      const flag = getFlag(dataset, id);
      if (flag !== undefined) caveats.push(`${label} at ${at}: ${flag.title}. ${flag.explanation}`);
    }
    const column = getColumnFactors(dataset, profile, workload, run);
    const entry = column?.entries.get(vpn);
    if (cell.okPairs < cell.totalPairs && !cell.flags.includes('partialPairs')) {
      caveats.push(`${label} at ${at}: ${cell.okPairs} of ${cell.totalPairs} pairs succeeded (${failureSummary(dataset, cell)})${entry?.value === null ? `; counted as ${formatFactor(entry.factor)} in the score` : ''}.`);
    }
  }
  return caveats;
}

function overlayNotes(design: Design, vpn: VpnId, roles: Record<MachineId, string[]>): { reason: string | null; caveats: string[] } {
  const edges = computeOverlay({ ...design, vpn: { ...design.vpn, id: vpn, roles } });
  if (edges.length === 0) return { reason: null, caveats: [] };
  const counts = { lan: 0, direct: 0, holePunched: 0, relayed: 0, unreachable: 0 };
  const caveats: string[] = [];
  const relays = new Set<string>();
  for (const edge of edges) {
    counts[edge.path] += 1;
    if (edge.path === 'unreachable' || (edge.path === 'relayed' && edge.via === 'thirdParty')) caveats.push(edge.reason);
    if (edge.path === 'relayed') {
      if (edge.via === 'thirdParty') relays.add(vpnCatalog[vpn].thirdPartyDescription ?? 'third-party servers');
      else for (const id of edge.via ?? []) relays.add(quote(design.machines[id]?.name ?? id));
    }
  }
  const words: [keyof typeof counts, string][] = [
    ['direct', 'direct'],
    ['holePunched', 'hole-punched'],
    ['relayed', `relayed${relays.size === 0 ? '' : ` through ${listText([...relays].sort(compareText))}`}`],
    ['unreachable', 'cut off'],
  ];
  const parts = words.filter(([k]) => counts[k] > 0).map(([k, w]) => `${counts[k]} ${w}`);
  const total = edges.length;
  return { reason: parts.length === 0 ? null : `Predicted paths between sites (${total} ${total === 1 ? 'link' : 'links'}): ${parts.join(', ')}.`, caveats: [...new Set(caveats)] };
}

function entryFor(design: Design, dataset: BenchDataset, vpn: VpnId, priorities: Priorities, profile: ProfileId, facts: DesignFacts, all: ReadonlyMap<VpnId, Criteria>, run: RunId): Omit<AdviceEntry, 'rank'> {
  const spec = vpnCatalog[vpn];
  const criteria = all.get(vpn)!;
  const centralisation = getCentralisation(spec);
  const points: Record<PriorityId, { points: number; detail: string }> = {
    throughput: perf(criteria.throughput, bestOf(all, 'throughput')),
    latency: perf(criteria.latency, bestOf(all, 'latency')),
    resilience: perf(criteria.resilience, bestOf(all, 'resilience')),
    selfHosted: spec.thirdPartyInfra.value
      ? { points: 0, detail: `uses ${spec.thirdPartyDescription ?? 'third-party servers'}` }
      : { points: 1, detail: 'no third-party servers' },
    clanNative: spec.clanNative ? { points: 1, detail: 'a clan-core service' } : { points: 0, detail: "this app's own Clan module" },
    decentralised: centralisation,
  };
  const weights = priorityIds.map((id) => Math.max(0, Number.isFinite(priorities[id]) ? priorities[id] : 0));
  let total = weights.reduce((a, b) => a + b, 0);
  // Everything at 0: rank by performance alone rather than scoring every VPN 0.
  const effective = total > 0 ? weights : priorityIds.map((id) => (id === 'throughput' || id === 'latency' || id === 'resilience' ? 1 : 0));
  total = effective.reduce((a, b) => a + b, 0);
  const breakdown: CriterionScore[] = priorityIds.map((id, i) => ({
    criterion: id,
    weight: effective[i]!,
    points: points[id].points,
    contribution: (100 * effective[i]! * points[id].points) / total,
    detail: points[id].detail,
  }));
  const score = breakdown.reduce((a, b) => a + b.contribution, 0);

  const excludedBecause = exclusionReasons(spec, facts, priorities);
  const roles = describeRoles(design, spec, vpn);
  const reasons: string[] = [...figureReasons(dataset, spec, profile, run)];
  for (const key of ['throughput', 'latency', 'resilience'] as const) {
    const sentence = performanceReason(key, criteria[key], placeOf(all, vpn, key), dataset, profile);
    if (sentence !== null) reasons.push(sentence);
  }
  reasons.push(
    spec.thirdPartyInfra.value ? `It depends on ${spec.thirdPartyDescription ?? 'third-party servers'} by default.` : 'It needs no third-party servers: everything runs on your machines.',
  );
  reasons.push(spec.clanNative ? 'It is a clan-core service, maintained with Clan itself.' : "It is not in clan-core: this app deploys it with its own Clan module.");
  reasons.push(`Structure: ${centralisation.detail}.`);

  const caveats: string[] = [];
  let rolesSummary = '';
  if (excludedBecause.length === 0) {
    rolesSummary = rolesSentence(design, spec, roles);
    const assigned: Record<MachineId, string[]> = {};
    for (const r of roles) assigned[r.machineId] = [...r.roles];
    const overlay = overlayNotes(design, vpn, assigned);
    if (overlay.reason !== null) reasons.push(overlay.reason);
    caveats.push(...overlay.caveats);
    const anchor = getPublicAnchorRole(spec);
    if (anchor !== undefined && anchor.min > 0 && !roles.some((r) => r.roles.includes(anchor.id))) {
      caveats.push(`No machine can take the ${anchor.label.toLowerCase()} role yet: it needs a machine in a site with a public address or a port forward.`);
    }
  }
  if (spec.thirdPartyInfra.value && !excludedBecause.some((r) => r.startsWith('You asked'))) {
    caveats.push(`Third-party infrastructure: ${spec.name} uses ${spec.thirdPartyDescription ?? 'third-party servers'} by default.`);
  }
  caveats.push(...unconfirmed('needs a public node', spec.needsOwnPublicNode), ...unconfirmed('third-party infrastructure', spec.thirdPartyInfra));
  if (facts.hasClosedNat) caveats.push(...unconfirmed('NAT traversal', spec.natTraversal), ...unconfirmed('relaying', spec.relay));
  if (facts.hasSymmetric) caveats.push(...unconfirmed('strict NAT', spec.symmetricNat));
  if (facts.phones.length > 0 && spec.mobileClients.value.length > 0 && spec.mobileClients.note !== undefined) {
    caveats.push(`${spec.mobileClients.confirmed ? 'Phones' : 'Unconfirmed (phone apps)'}: ${spec.mobileClients.note}`);
  }
  for (const role of spec.roles) {
    if (!role.confirmed && role.note !== undefined && roles.some((r) => r.roles.includes(role.id))) caveats.push(`Unconfirmed (${role.label.toLowerCase()} role): ${role.note}`);
  }
  caveats.push(...flagCaveats(dataset, vpn, profile, run));

  return { vpn, name: spec.name, score, excluded: excludedBecause.length > 0, exclusionReasons: excludedBecause, breakdown, reasons, roles, rolesSummary, caveats };
}

/**
 * "the best figure in every test (1.00x)" or "on average 1.04x behind the best figure in each test", for a
 * geometric-mean factor, said as measured: 1.04x is not level with the best, however close it rounds (issue 17).
 */
export function behindBest(factor: number): string {
  return factor <= 1 + 1e-9 ? `the best figure in every test (${formatMeasuredFactor(1)})` : `on average ${formatMeasuredFactor(factor)} behind the best figure in each test`;
}

/** The lowest (best) factor score among the ten VPNs on one criterion; null when none has one. */
function bestOf(all: ReadonlyMap<VpnId, Criteria>, key: keyof Criteria): number | null {
  let best: number | null = null;
  for (const [, c] of all) {
    const score = c[key].score;
    if (score !== null && (best === null || score < best)) best = score;
  }
  return best;
}

function perf(score: Score, best: number | null): { points: number; detail: string } {
  if (score.score === null || best === null) return { points: 0, detail: 'no data' };
  return { points: Math.min(1, best / score.score), detail: behindBest(score.score) };
}

/**
 * Ranks the ten VPNs for a design: hard constraints first (excluded VPNs last, with the reasons), then a 0..100
 * score from the benchmark data in the design's profile, weighted by the priorities (the design's own by default).
 * `profile`: where the figures come from instead of the link quality drawn in the design, when the links were
 * measured ("Measure my network": measure/compare.ts getMeasuredProfile); its reason becomes the advice's.
 */
export function advise(design: Design, dataset: BenchDataset, priorities: Priorities = design.comparison.priorities, run: RunId = 'main', profile: DesignProfile = getDesignProfile(design, dataset)): Advice {
  const facts = getDesignFacts(design);
  const all = criterionScores(dataset, profile.profile, run);
  const entries = vpnIds.map((vpn) => entryFor(design, dataset, vpn, priorities, profile.profile, facts, all, run));
  const order = new Map(vpnIds.map((v, i) => [v, i] as const));
  entries.sort((a, b) => Number(a.excluded) - Number(b.excluded) || b.score - a.score || order.get(a.vpn)! - order.get(b.vpn)!);
  return { profile, priorities, reasons: [profile.reason], entries: entries.map((e, i) => ({ ...e, rank: i + 1 })) };
}
