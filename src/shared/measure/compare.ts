import { lowerFirst } from '../text';
import { getDesignProfile, type DesignProfile } from '../bench/advisor';
import {
  computeFactor,
  computeLeaderboard,
  describeProfile,
  directionLabels,
  FACTOR_CAP,
  formatFactor,
  formatFigure,
  formatValue,
  LOWER_IS_BETTER_FLOORS,
  weightPresets,
  type LeaderboardCell,
} from '../bench/leaderboard';
import { getSeriesName, getWorkload, listProfiles } from '../bench/query';
import { profileIds, type BenchDataset, type Profile, type ProfileId, type RunId, type SeriesId, type Unit, type Workload } from '../bench/schema';
import type { Design, MachineId, Site } from '../model/types';
import { err, ok, type Result } from '../result';
import { plural, quote } from '../text';
import type { MeasureError } from './errors';
import type { LinkMeasurement } from './schema';

// "Measure my network" (issue 15), the comparison: a measured link next to the benchmark figures of the same VPN
// in the impairment profile closest to that link, with the leaderboard's own numbers (the cell it shows: value,
// pair spread, slowdown factor against the best VPN of the column, flags), units and caveats, plus the user's value,
// how it compares, and a sentence. Pure: the dataset is the app's imported one (resources/bench/vpn-bench.json).
//
// The closest profile. The profiles (SCHEMA §4.1, the dataset's `profiles`) add loss, delay, jitter and reordering
// to a 1 Gbit/s data-centre link and cap no bandwidth. Two of those a measurement sees in the same form:
//   - loss: the share of pings without a reply, against the profile's end-to-end loss (0, 0.5, 2, 5 %);
//   - delay: how far the mean round trip lies above the fastest reply (avg − min), against the profile's added
//     delay (0, 4, 8, 12 ms). Not the round trip itself: the profiles add their delay as netem delay and jitter on
//     top of a 0.6 ms link, which raises the mean above the fastest reply by about that much (the no-VPN ping goes
//     0.60 → 4.82 → 9.38 → 15.49 ms). A real internet path adds distance too (10 to 30 ms between two homes in one
//     country), which is in every reply, the fastest included; comparing the whole round trip would put almost
//     every real link in the high profile whatever its quality.
// For each of the two, the profile whose value is nearest (a tie goes to the milder one). The link's profile is the
// more impaired of the two: the profiles impair both at once, so a link as bad as a profile in one respect is
// compared with that profile (the advisor's rule too: the worst link decides). Throughput does not choose the
// profile: no profile caps bandwidth, and choosing by the figure being compared would make every link "as fast as
// the benchmark". Without any ping result, the profile is the one the design's link quality stands for.
//
// The user's figure is what arrived (iperf3's receiver side); the benchmark's headline is the sender side (SCHEMA
// §3.1). Over the benchmark's 30 s they differ by under 0.1 % (934.10 vs 933.33 Mbit/s, SCHEMA §7); over a short
// run through a rate limit the sender side also counts data still queued at the end, so the receiver side is the
// honest figure here.

/** What chooses the closest profile. */
export type ProfileDimension = 'loss' | 'delay';

/** One dimension of the closest-profile choice. */
export interface DimensionMatch {
  readonly dimension: ProfileDimension;
  /** The measured value: loss in %, delay in ms (mean round trip minus the fastest reply). */
  readonly measured: number;
  /** The profile whose value is nearest. */
  readonly nearest: ProfileId;
  /** That profile's value (end-to-end loss %, or added delay in ms). */
  readonly profileValue: number;
  /** Worse than the most impaired profile by more than half its step from the one before. */
  readonly beyond: boolean;
}

/** The profile a link is compared with, and why. */
export interface ProfileMatch {
  readonly profile: ProfileId;
  /** measured: from the link's pings; design: no ping result, so the design's link quality decided. */
  readonly source: 'measured' | 'design';
  readonly dimensions: readonly DimensionMatch[];
  /** The dimension that decided (the more impaired); null when the design did. */
  readonly decidedBy: ProfileDimension | null;
  /** The deciding dimension is beyond every profile. */
  readonly beyond: boolean;
  /** The choice in words. */
  readonly reason: string;
}

/** The workloads a measurement is compared on: the leaderboard columns a ping and a TCP test can reproduce. */
export const comparedWorkloads = ['tcp', 'pingRtt', 'pingLoss'] as const;

/** One compared workload. */
export type ComparedWorkload = (typeof comparedWorkloads)[number];

/** How the user's value compares with the benchmark's: within its pair spread (widened by SIMILAR_MARGIN), or outside. */
export type Verdict = 'better' | 'similar' | 'worse';

/** The benchmark's pair spread is widened by this share on each side before a value counts as better or worse (a short run on one pair is noisier than a mean over three). */
export const SIMILAR_MARGIN = 0.1;

/** A user's value at or above this share of the drawn uplink counts as limited by that uplink. */
export const UPLINK_LIMITED_SHARE = 0.7;

/** Why a real link's round trip is longer than the benchmark's in every profile. */
export const ROUND_TRIP_CAVEAT =
  "The benchmark's machines were 0.6 ms apart; a real link's round trip also holds the distance between the sites (10 to 30 ms between two homes in one country), which no profile adds. Compare the loss and the throughput first.";

/** One row: a workload (for TCP: one direction), the benchmark's cell and the user's value. */
export interface ComparisonRow {
  readonly workload: ComparedWorkload;
  /** TCP: forward (from → to) or reverse (to → from); null for the ping rows. */
  readonly direction: 'forward' | 'reverse' | null;
  /** The workload's label with the direction: 'Single-stream TCP, "pi" → "nas"'. */
  readonly label: string;
  readonly unit: Unit;
  /** "higher is better" / "lower is better", as the leaderboard's column heading. */
  readonly directionLabel: string;
  /** The leaderboard's cell of the VPN in the closest profile; null when the dataset lacks the column. */
  readonly benchmark: LeaderboardCell | null;
  /** The cell's value with its unit ("54.7 Mbit/s"); null without a value. */
  readonly benchmarkText: string | null;
  /** The pair spread ("53.0 to 56.2 Mbit/s"); null without one. */
  readonly spreadText: string | null;
  /** The leaderboard's factor as it shows it ("1.2x"); null without one. */
  readonly factorText: string | null;
  /** The user's value, in the unit; null when not measured. */
  readonly yours: number | null;
  readonly yoursText: string | null;
  /** The user's value against the benchmark's, the leaderboard's way (1.0x as good, 2x half as good, below 1 better); capped at FACTOR_CAP. */
  readonly yourFactor: number | null;
  readonly verdict: Verdict | null;
  readonly sentence: string;
  /** The workload's caveat and every flag of the cell, as the leaderboard's hover shows them. */
  readonly caveats: readonly string[];
}

/** A measured link compared with the benchmark. */
export interface LinkComparison {
  readonly from: MachineId;
  readonly to: MachineId;
  readonly fromName: string;
  readonly toName: string;
  readonly vpn: SeriesId;
  readonly vpnName: string;
  readonly profile: ProfileMatch;
  /** TCP forward, TCP reverse, ping round trip, ping loss. */
  readonly rows: readonly ComparisonRow[];
  /** The one sentence to show first: the slower TCP direction, else the first row with a value. */
  readonly summary: string;
  /** About the comparison as a whole (how the benchmark differs from this measurement, a limiting uplink). */
  readonly caveats: readonly string[];
}

/** What `compareMeasurement` may be told. */
export interface CompareOptions {
  /** Compare with this series instead of the design's VPN (the no-VPN reference for a measurement of the plain network). */
  readonly vpn?: SeriesId;
  /** The profile when the link has no ping result; default: the one the design's link quality stands for (getDesignProfile). */
  readonly fallbackProfile?: ProfileId;
  readonly run?: RunId;
}

// ---------------------------------------------------------------------------------------------------------------
// The closest profile

const dimensionValue: Readonly<Record<ProfileDimension, (p: Profile) => number>> = {
  loss: (p) => p.impairment?.lossPercent ?? 0,
  delay: (p) => p.impairment?.latencyMs ?? 0,
};

const order = (id: ProfileId): number => profileIds.indexOf(id);

function sortedProfiles(dataset: BenchDataset): Profile[] {
  return [...listProfiles(dataset)].sort((a, b) => order(a.id) - order(b.id));
}

function matchDimension(profiles: readonly Profile[], dimension: ProfileDimension, measured: number): DimensionMatch {
  const value = dimensionValue[dimension];
  let nearest = profiles[0]!;
  for (const p of profiles) if (Math.abs(measured - value(p)) < Math.abs(measured - value(nearest))) nearest = p;
  const last = profiles[profiles.length - 1]!;
  const before = profiles[profiles.length - 2];
  const step = before === undefined ? 0 : value(last) - value(before);
  return { dimension, measured, nearest: nearest.id, profileValue: value(nearest), beyond: profiles.length > 1 && measured > value(last) + step / 2 };
}

function profileWords(dataset: BenchDataset, profile: ProfileId): string {
  return `the ${describeProfile(dataset, profile)} profile`;
}

function dimensionSentence(dataset: BenchDataset, m: DimensionMatch): string {
  const where = profileWords(dataset, m.nearest);
  if (m.dimension === 'loss') {
    return `${formatValue(m.measured)} % of the pings got no reply, nearest ${where} (${formatValue(m.profileValue)} % loss)${m.beyond ? ', and more than any profile has' : ''}`;
  }
  return `the mean round trip was ${formatValue(m.measured)} ms above the fastest reply, nearest ${where} (${formatValue(m.profileValue)} ms added delay)${m.beyond ? ', and more than any profile adds' : ''}`;
}

/**
 * The benchmark profile closest to a measured link (see the rules at the top of the file); `fallback` (the profile
 * the design's link quality stands for) when the link has no ping result. Null when the dataset has no profiles.
 */
export function findClosestProfile(dataset: BenchDataset, link: Pick<LinkMeasurement, 'lossPercent' | 'rttMinMs' | 'rttAvgMs'>, fallback: ProfileId = 'baseline'): ProfileMatch | null {
  const profiles = sortedProfiles(dataset);
  if (profiles.length === 0) return null;
  const dimensions: DimensionMatch[] = [];
  if (link.lossPercent !== null) dimensions.push(matchDimension(profiles, 'loss', link.lossPercent));
  if (link.rttAvgMs !== null && link.rttMinMs !== null) dimensions.push(matchDimension(profiles, 'delay', Math.max(0, link.rttAvgMs - link.rttMinMs)));
  if (dimensions.length === 0) {
    const profile = profiles.some((p) => p.id === fallback) ? fallback : profiles[0]!.id;
    return {
      profile,
      source: 'design',
      dimensions,
      decidedBy: null,
      beyond: false,
      reason: `No ping got through, so the link's loss and delay are unknown: it is compared with ${profileWords(dataset, profile)}, which the design's link quality stands for.`,
    };
  }
  // The more impaired dimension decides; on a tie, loss (listed first) names the reason.
  const deciding = dimensions.reduce((a, b) => (order(b.nearest) > order(a.nearest) ? b : a));
  const parts = dimensions.map((d) => dimensionSentence(dataset, d));
  const text = parts.join('; ');
  const differ = dimensions.length > 1 && dimensions.some((d) => d.nearest !== deciding.nearest);
  const reason = `Closest benchmark profile: ${describeProfile(dataset, deciding.nearest)}. ${text.charAt(0).toUpperCase()}${text.slice(1)}.${differ ? ' The more impaired of the two decides, because the profiles add loss and delay together.' : ''}`;
  return { profile: deciding.nearest, source: 'measured', dimensions, decidedBy: deciding.dimension, beyond: deciding.beyond, reason };
}

// ---------------------------------------------------------------------------------------------------------------
// Rows

function spreadText(cell: LeaderboardCell, unit: Unit): string | null {
  if (cell.spread === null) return null;
  if (cell.spread.min === cell.spread.max) return formatFigure(cell.spread.min, unit);
  return `${formatValue(cell.spread.min)} to ${formatFigure(cell.spread.max, unit)}`;
}

/** better / similar / worse: outside or inside the benchmark's pair spread (and mean) widened by SIMILAR_MARGIN; lower-is-better values floored at the leaderboard's resolution first. */
export function compareWithCell(yours: number, cell: LeaderboardCell, definition: Pick<Workload, 'direction' | 'unit'>): Verdict | null {
  if (cell.value === null) return null;
  const lower = definition.direction === 'lowerIsBetter';
  const floor = lower ? (LOWER_IS_BETTER_FLOORS[definition.unit] ?? 0) : 0;
  const at = (x: number) => Math.max(x, floor);
  const min = at(Math.min(cell.value, cell.spread?.min ?? cell.value));
  const max = at(Math.max(cell.value, cell.spread?.max ?? cell.value));
  const y = at(yours);
  if (y < min * (1 - SIMILAR_MARGIN)) return lower ? 'better' : 'worse';
  if (y > max * (1 + SIMILAR_MARGIN)) return lower ? 'worse' : 'better';
  return 'similar';
}

const verbs: Readonly<Record<ComparedWorkload, Record<Verdict, string>>> = {
  tcp: { better: 'is faster than', similar: 'is about as fast as', worse: 'is slower than' },
  pingRtt: { better: 'is shorter than with', similar: 'is about the same as with', worse: 'is longer than with' },
  pingLoss: { better: 'loses fewer pings than', similar: 'loses about as many pings as', worse: 'loses more pings than' },
};

interface RowInput {
  workload: ComparedWorkload;
  direction: 'forward' | 'reverse' | null;
  yours: number | null;
  /** Who does what, to start the sentence: 'Your link from "a" to "b"'. */
  subject: string;
  /** For the label: '"a" → "b"'. */
  path: string;
}

function buildRow(dataset: BenchDataset, cell: LeaderboardCell | undefined, definition: Workload | undefined, input: RowInput, vpnName: string, profile: ProfileId): ComparisonRow | null {
  if (definition === undefined) return null;
  const { workload, direction, yours, subject, path } = input;
  const unit = definition.unit;
  const benchmark = cell ?? null;
  const benchmarkText = benchmark?.value == null ? null : formatFigure(benchmark.value, unit);
  const spread = benchmark === null ? null : spreadText(benchmark, unit);
  const yoursText = yours === null ? null : formatFigure(yours, unit);
  const verdict = yours === null || benchmark === null ? null : compareWithCell(yours, benchmark, definition);
  const yourFactor =
    yours === null || benchmark?.value == null ? null : Math.min(FACTOR_CAP, computeFactor(yours, benchmark.value, definition.direction, unit));
  const where = `${vpnName} in ${profileWords(dataset, profile)}`;
  let sentence: string;
  const label = lowerFirst(definition.label);
  if (yours === null) sentence = `No ${label} figure was measured for ${path}.`;
  else if (verdict === null || benchmarkText === null) sentence = `${vpnName} has no ${label} figure in ${profileWords(dataset, profile)}; ${lowerFirst(subject)}: ${yoursText}.`;
  else {
    const range = spread === null || spread === benchmarkText ? '' : ` (its pairs: ${spread})`;
    sentence = `${subject} ${verbs[workload][verdict]} ${where}: ${yoursText} against ${benchmarkText}${range}.`;
  }
  const caveats = [...(definition.caveat === undefined ? [] : [definition.caveat]), ...(benchmark?.flags ?? []).map((f) => `${f.title}: ${f.explanation}`)];
  if (workload === 'pingRtt') caveats.push(ROUND_TRIP_CAVEAT);
  return {
    workload,
    direction,
    label: `${definition.label}, ${path}`,
    unit,
    directionLabel: directionLabels[definition.direction],
    benchmark,
    benchmarkText,
    spreadText: spread,
    factorText: benchmark?.factor == null ? null : formatFactor(benchmark.factor),
    yours,
    yoursText,
    yourFactor,
    verdict,
    sentence,
    caveats,
  };
}

/**
 * A row's yourFactor as the leaderboard writes factors ("1.0x" as good, "2.0x" half as good), with anything under
 * 0.1x (a link many times better than the benchmark's, such as a LAN against a rate-limited profile) as "<0.1x".
 */
export function formatYourFactor(factor: number): string {
  return factor < 0.1 ? '<0.1x' : formatFactor(factor);
}

function siteOf(design: Design, id: MachineId): Site | undefined {
  const siteId = design.machines[id]?.siteId;
  return siteId == null ? undefined : design.sites[siteId];
}

/** The drawn uplink limit of one direction: the sender site's upload and the receiver site's download, the smaller. */
function uplinkLimit(design: Design, sender: MachineId, receiver: MachineId): { mbit: number; site: Site; which: 'upload' | 'download' } | null {
  const out = siteOf(design, sender);
  const into = siteOf(design, receiver);
  if (out !== undefined && into !== undefined && out.id === into.id) return null;
  const candidates: { mbit: number; site: Site; which: 'upload' | 'download' }[] = [];
  if (out?.uplink.upMbps != null) candidates.push({ mbit: out.uplink.upMbps, site: out, which: 'upload' });
  if (into?.uplink.downMbps != null) candidates.push({ mbit: into.uplink.downMbps, site: into, which: 'download' });
  return candidates.length === 0 ? null : candidates.reduce((a, b) => (b.mbit < a.mbit ? b : a));
}

/**
 * Compares one measured link with the benchmark: the design's VPN (or `options.vpn`) in the profile closest to the
 * link, through the leaderboard's cells. Refused with noVpn when there is no VPN to compare with.
 */
export function compareMeasurement(design: Design, dataset: BenchDataset, link: LinkMeasurement, options: CompareOptions = {}): Result<LinkComparison, MeasureError> {
  const vpn: SeriesId | null = options.vpn ?? design.vpn.id;
  if (vpn === null) return err({ code: 'noVpn', details: {} });
  const match = findClosestProfile(dataset, link, options.fallbackProfile ?? getDesignProfile(design, dataset).profile);
  if (match === null) return err({ code: 'noPairs', details: { why: 'the benchmark data has no profiles to compare with.' } });
  const vpnName = getSeriesName(vpn);
  const fromName = design.machines[link.from]?.name ?? link.from;
  const toName = design.machines[link.to]?.name ?? link.to;
  const table = computeLeaderboard(dataset, { profile: match.profile, weights: weightPresets.balanced.weights, run: options.run ?? 'main' });
  const cells = table.rows.find((r) => r.series === vpn)?.cells ?? [];
  const cellOf = (w: ComparedWorkload) => cells.find((c) => c.workload === w);
  const a = quote(fromName);
  const b = quote(toName);
  const inputs: RowInput[] = [
    { workload: 'tcp', direction: 'forward', yours: link.forwardMbps, subject: `Your link from ${a} to ${b}`, path: `${a} → ${b}` },
    { workload: 'tcp', direction: 'reverse', yours: link.reverseMbps, subject: `Your link from ${b} back to ${a}`, path: `${b} → ${a}` },
    { workload: 'pingRtt', direction: null, yours: link.rttAvgMs, subject: `The round trip from ${a} to ${b}`, path: `${a} → ${b}` },
    { workload: 'pingLoss', direction: null, yours: link.pingsSent > 0 ? link.lossPercent : null, subject: `Your link from ${a} to ${b}`, path: `${a} → ${b}` },
  ];
  const rows = inputs.flatMap((input) => buildRow(dataset, cellOf(input.workload), getWorkload(dataset, input.workload), input, vpnName, match.profile) ?? []);

  const tcpRows = rows.filter((r) => r.workload === 'tcp' && r.yours !== null);
  const slower = tcpRows.reduce<ComparisonRow | undefined>((s, r) => (s === undefined || r.yours! < s.yours! ? r : s), undefined);
  const summary = (slower ?? rows.find((r) => r.yours !== null))?.sentence ?? `Nothing was measured between ${a} and ${b}.`;

  const caveats: string[] = [];
  const seconds = link.seconds === null ? '' : ` over ${formatValue(link.seconds)} s`;
  caveats.push(
    `The benchmark measured three pairs of data-centre machines with 1 Gbit/s network cards; its profiles add loss, delay, jitter and reordering but cap no bandwidth, and its TCP figure is what the sender sent in 30 s with both directions at once. Yours is what arrived${seconds} on one link, so read this as a rough match, not a ranking.`,
  );
  for (const [direction, mbps, sender, receiver] of [
    ['forward', link.forwardMbps, link.from, link.to],
    ['reverse', link.reverseMbps, link.to, link.from],
  ] as const) {
    const limit = uplinkLimit(design, sender, receiver);
    if (mbps === null || limit === null || mbps < UPLINK_LIMITED_SHARE * limit.mbit) continue;
    const path = direction === 'forward' ? `${a} to ${b}` : `${b} to ${a}`;
    caveats.push(
      `Your ${formatFigure(mbps, 'Mbit/s')} from ${path} is close to the ${formatFigure(limit.mbit, 'Mbit/s')} ${limit.which} drawn for ${quote(limit.site.name)}: that internet link, not the VPN, sets the limit there, which the benchmark's uncapped profiles do not have.`,
    );
  }
  if (link.pingsSent > 0 && link.pingsSent < 100) {
    caveats.push(`With ${link.pingsSent} ${plural(link.pingsSent, 'ping', 'pings')}, loss shows in steps of ${formatValue(100 / link.pingsSent)} %: one lost ping more or less moves it by that much.`);
  }
  return ok({ from: link.from, to: link.to, fromName, toName, vpn, vpnName, profile: match, rows, summary, caveats });
}

// ---------------------------------------------------------------------------------------------------------------
// For the advisor

/**
 * The profile the measured links point to, for the advisor to read its figures from instead of the link quality
 * drawn in the design: the most impaired closest profile among the links with a ping result (the worst link
 * decides, as in getDesignProfile). Null when no link has one.
 */
export function getMeasuredProfile(design: Design, dataset: BenchDataset, links: readonly LinkMeasurement[]): DesignProfile | null {
  let worst: { link: LinkMeasurement; match: ProfileMatch } | undefined;
  let measured = 0;
  for (const link of links) {
    const match = findClosestProfile(dataset, link);
    if (match === null || match.source !== 'measured') continue;
    measured += 1;
    if (worst === undefined || order(match.profile) > order(worst.match.profile)) worst = { link, match };
  }
  if (worst === undefined) return null;
  const { link, match } = worst;
  const name = (id: MachineId) => quote(design.machines[id]?.name ?? id);
  const deciding = match.dimensions.find((d) => d.dimension === match.decidedBy)!;
  const what = deciding.dimension === 'loss' ? `${formatValue(deciding.measured)} % ping loss` : `${formatValue(deciding.measured)} ms of added delay`;
  const of = measured === 1 ? 'the one measured link' : `the worst of the ${measured} measured links`;
  return {
    profile: match.profile,
    siteId: siteOf(design, link.from)?.id ?? null,
    reason: `Measured: the link from ${name(link.from)} to ${name(link.to)} is closest to ${profileWords(dataset, match.profile)} (${what}), ${of}, so the figures are from that profile.`,
  };
}
