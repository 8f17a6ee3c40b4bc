import { diffLines } from 'diff';
import { getPathCounts, getRoleMoves, switchVpn, type PathCounts, type RoleMove } from '../model/vpnSwitch';
import type { Design } from '../model/types';
import { generateClan } from '../nix/generate';
import type { GenerateError } from '../nix/errors';
import { vpnCatalog } from '../vpn/catalog';
import { getFeatureMatrix, type FeatureCell } from '../vpn/features';
import type { VpnId } from '../vpn/ids';
import { behindBest, criterionWeights, getDesignProfile, type DesignProfile } from './advisor';
import { computeScore, describeProfile, formatFigure, formatMeasuredFactor, formatValue, getColumnFactors, type LeaderboardWorkloadId } from './leaderboard';
import type { BenchDataset, Direction, Unit } from './schema';

// "What if": everything a VPN switch would change, worked out before anything changes, so switching is never a
// surprise (issue 17). The roles machine by machine, the generated files before and after, the measured figures of
// both VPNs in the profile the design's links stand for, the features gained and lost, and the predicted paths
// between sites. Pure: the panel shows it, the chooseVpn command applies the very same switchVpn, and the tests
// check it without a window.


/** Whether a figure gets better, worse or stays about the same; unknown without both figures. */
export type Verdict = 'better' | 'worse' | 'same' | 'unknown';

/** One workload's measured figure with each VPN, in the design's profile. */
export interface FigureChange {
  readonly workload: LeaderboardWorkloadId;
  readonly label: string;
  readonly unit: Unit;
  readonly direction: Direction;
  readonly criterion: 'throughput' | 'latency';
  /** Null without a VPN before, or when the test produced no figure. */
  readonly before: number | null;
  readonly after: number | null;
  readonly verdict: Verdict;
  /** "+12 %", "−0.8 points", "about the same", or "" when one side has no figure. */
  readonly change: string;
}

/** One performance criterion (the advisor's) before and after: the geometric-mean slowdown against the best VPN. */
export interface CriterionChange {
  readonly criterion: 'throughput' | 'latency';
  readonly before: number | null;
  readonly after: number | null;
  readonly verdict: Verdict;
  /** The sentence the panel leads with, figures included. */
  readonly sentence: string;
}

/** A feature row whose cell differs between the two VPNs. */
export interface FeatureChange {
  readonly id: string;
  readonly label: string;
  readonly before: string;
  readonly after: string;
}

/** One generated file before and after, with its changed line counts. */
export interface FileChange {
  readonly path: string;
  readonly status: 'added' | 'removed' | 'changed' | 'same';
  readonly before: string | null;
  readonly after: string | null;
  readonly addedLines: number;
  readonly removedLines: number;
}

/** The configuration before and after, or why one side cannot be generated (then the panel says so). */
export type FilesChange = { readonly ok: true; readonly files: readonly FileChange[] } | { readonly ok: false; readonly side: 'before' | 'after'; readonly error: GenerateError };


/** Everything a switch would change. */
export interface WhatIf {
  readonly from: VpnId | null;
  readonly to: VpnId | null;
  /** The design after the switch (switchVpn). */
  readonly after: Design;
  /** Every machine of the design, by name. */
  readonly roles: readonly RoleMove[];
  /** The profile the figures are read from (the advisor's). */
  readonly profile: DesignProfile;
  readonly criteria: readonly CriterionChange[];
  readonly figures: readonly FigureChange[];
  readonly gained: readonly FeatureChange[];
  readonly lost: readonly FeatureChange[];
  /** Cells that differ without one being better. */
  readonly changed: readonly FeatureChange[];
  readonly files: FilesChange;
  readonly paths: { readonly before: PathCounts; readonly after: PathCounts };
}

/** The workloads the panel shows, throughput first; UDP is left out as the advisor leaves it out (the test tool broke down). */
const shownWorkloads: readonly { workload: LeaderboardWorkloadId; criterion: 'throughput' | 'latency' }[] = [
  { workload: 'tcp', criterion: 'throughput' },
  { workload: 'parallelTcp', criterion: 'throughput' },
  { workload: 'quic', criterion: 'throughput' },
  { workload: 'nixCache', criterion: 'throughput' },
  { workload: 'pingRtt', criterion: 'latency' },
  { workload: 'pingLoss', criterion: 'latency' },
  { workload: 'video', criterion: 'latency' },
];

/** Below this relative change (2 %) a figure is "about the same": the pairs of one VPN differ more than that. */
const SAME_SHARE = 0.02;
/** Below this difference a percentage or a 0..100 score is "about the same" (0.5 points). */
const SAME_POINTS = 0.5;



/** Better, worse or about the same, for a change from `before` to `after` in a workload's direction. */
function judge(before: number, after: number, direction: Direction, unit: Unit): Verdict {
  const absolute = unit === '%' || unit === 'score';
  const tiny = absolute ? Math.abs(after - before) < SAME_POINTS : Math.abs(after - before) <= SAME_SHARE * Math.max(Math.abs(before), Math.abs(after));
  if (tiny) return 'same';
  return (after > before) === (direction === 'higherIsBetter') ? 'better' : 'worse';
}

/** "+12 %" for most units; "−0.8 points" for percentages and scores, where a percentage of a percentage misleads. */
function describeChange(before: number, after: number, unit: Unit, verdict: Verdict): string {
  if (verdict === 'same') return 'about the same';
  const sign = (n: number) => (n > 0 ? '+' : '−');
  if (unit === '%' || unit === 'score' || before === 0) {
    const difference = after - before;
    return `${sign(difference)}${formatValue(Math.abs(difference))} ${unit === 'score' || unit === '%' ? 'points' : unit}`;
  }
  const share = (after - before) / before;
  return `${sign(share)}${Math.round(Math.abs(share) * 100)} %`;
}

function figureChanges(dataset: BenchDataset, from: VpnId | null, to: VpnId | null, profile: DesignProfile['profile']): FigureChange[] {
  const result: FigureChange[] = [];
  for (const { workload, criterion } of shownWorkloads) {
    const column = getColumnFactors(dataset, profile, workload);
    if (column === null) continue;
    const valueOf = (vpn: VpnId | null) => (vpn === null ? null : (column.entries.get(vpn)?.value ?? null));
    const before = valueOf(from);
    const after = valueOf(to);
    const { unit, direction, label } = column.definition;
    const verdict = before === null || after === null ? 'unknown' : judge(before, after, direction, unit);
    const change = before === null || after === null ? '' : describeChange(before, after, unit, verdict);
    result.push({ workload, label, unit, direction, criterion, before, after, verdict, change });
  }
  return result;
}

function vpnName(vpn: VpnId | null): string {
  return vpn === null ? 'no VPN' : vpnCatalog[vpn].name;
}

function criterionChanges(dataset: BenchDataset, from: VpnId | null, to: VpnId | null, profile: DesignProfile['profile']): CriterionChange[] {
  const at = describeProfile(dataset, profile);
  return (['throughput', 'latency'] as const).map((criterion) => {
    const scoreOf = (vpn: VpnId | null) => (vpn === null ? null : computeScore(dataset, vpn, criterionWeights[criterion], [profile]).score);
    const before = scoreOf(from);
    const after = scoreOf(to);
    const name = criterion === 'throughput' ? 'Throughput' : 'Latency';
    if (after === null) return { criterion, before, after, verdict: 'unknown' as const, sentence: `${name} at ${at}: no figures for ${vpnName(to)}.` };
    if (before === null) return { criterion, before, after, verdict: 'unknown' as const, sentence: `${name} at ${at}: ${vpnName(to)} is ${behindBest(after)}.` };
    // Slowdown factors: lower is better; a ratio within 2 % is noise between runs.
    const verdict: Verdict = Math.abs(after - before) <= SAME_SHARE * before ? 'same' : after < before ? 'better' : 'worse';
    const outcome = verdict === 'same' ? 'about the same' : verdict === 'better' ? `${formatMeasuredFactor(before / after)} better` : `${formatMeasuredFactor(after / before)} worse`;
    const factors = `on average ${formatMeasuredFactor(before)} behind the best figure in each test with ${vpnName(from)}, ${formatMeasuredFactor(after)} with ${vpnName(to)}`;
    return { criterion, before, after, verdict, sentence: `${name} at ${at}: ${outcome} (${factors}).` };
  });
}

const toneRank: Readonly<Record<FeatureCell['tone'], number>> = { absent: 0, limited: 1, info: 2, good: 3 };

function featureChanges(from: VpnId | null, to: VpnId | null): { gained: FeatureChange[]; lost: FeatureChange[]; changed: FeatureChange[] } {
  const gained: FeatureChange[] = [];
  const lost: FeatureChange[] = [];
  const changed: FeatureChange[] = [];
  if (to === null) return { gained, lost, changed };
  for (const row of getFeatureMatrix()) {
    const after = row.cells[to];
    if (from === null) {
      if (after.tone === 'good') gained.push({ id: row.id, label: row.label, before: '', after: after.text });
      continue;
    }
    const before = row.cells[from];
    if (before.text === after.text) continue;
    const change = { id: row.id, label: row.label, before: before.text, after: after.text };
    const delta = toneRank[after.tone] - toneRank[before.tone];
    (delta > 0 ? gained : delta < 0 ? lost : changed).push(change);
  }
  return { gained, lost, changed };
}

/** The generated files of both designs side by side, paths sorted, with line counts of what changed. */
export function compareGeneratedFiles(before: Readonly<Record<string, string>>, after: Readonly<Record<string, string>>): FileChange[] {
  const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return paths.map((path) => {
    const old = before[path] ?? null;
    const next = after[path] ?? null;
    if (old === next) return { path, status: 'same' as const, before: old, after: next, addedLines: 0, removedLines: 0 };
    let addedLines = 0;
    let removedLines = 0;
    for (const part of diffLines(old ?? '', next ?? '')) {
      if (part.added) addedLines += part.count ?? 0;
      else if (part.removed) removedLines += part.count ?? 0;
    }
    const status = old === null ? ('added' as const) : next === null ? ('removed' as const) : ('changed' as const);
    return { path, status, before: old, after: next, addedLines, removedLines };
  });
}

function filesChange(design: Design, after: Design): FilesChange {
  const old = generateClan(design);
  if (!old.ok) return { ok: false, side: 'before', error: old.error };
  const next = generateClan(after);
  if (!next.ok) return { ok: false, side: 'after', error: next.error };
  return { ok: true, files: compareGeneratedFiles(old.value.files, next.value.files) };
}


/**
 * What switching the design to `to` would change, from the profile the advisor reads (getDesignProfile, or a
 * measured one when the links were measured). Generates the configuration twice: call it for the VPN the user
 * looks at, not for all ten on every render.
 */
export function computeWhatIf(design: Design, dataset: BenchDataset, to: VpnId | null, profile: DesignProfile = getDesignProfile(design, dataset)): WhatIf {
  const from = design.vpn.id;
  const after = switchVpn(design, to);
  return {
    from,
    to,
    after,
    roles: getRoleMoves(design, after),
    profile,
    criteria: criterionChanges(dataset, from, to, profile.profile),
    figures: figureChanges(dataset, from, to, profile.profile),
    ...featureChanges(from, to),
    files: filesChange(design, after),
    paths: { before: getPathCounts(design), after: getPathCounts(after) },
  };
}


/** A figure or a dash, for the panel's table. */
export function formatWhatIfFigure(value: number | null, unit: Unit): string {
  return value === null ? '—' : formatFigure(value, unit);
}
