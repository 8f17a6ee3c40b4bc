import { formatValue } from '../bench/leaderboard';
import { matchPairs, type ChangesText } from '../runChanges';
import { listText } from '../text';
import { hasFigures, type LinkFigures, type MeasureChange, type MeasuredPair } from './report';

// What changed between two measurements of a design, link by link, so a run reads against the one before: each pair
// measured in both with its throughput, round trip and loss then and now ("laptop → nas: 41.2 Mbit/s, was 88.0
// (−53 %)"), the pairs measured this time only, and those measured the time before only.

/**
 * How far a figure has to move, in percent, to call a link slower or faster: the same link gives figures a few
 * percent apart from one run to the next (other traffic, CPU frequency), and that is not worth a person's attention.
 */
export const NOTICEABLE_PERCENT = 10;

/** How a pair changed: its throughput (or, without throughput in both runs, its round trip) fell or rose noticeably, or it is only in one run. */
export type MeasureTrend = 'slower' | 'faster' | 'same' | 'new' | 'gone';

function figuresOf(pair: MeasuredPair | undefined): LinkFigures | null {
  if (pair === undefined || pair.link === null || !hasFigures(pair)) return null;
  const { forwardMbps, reverseMbps, rttAvgMs, lossPercent } = pair.link;
  return { forwardMbps, reverseMbps, rttAvgMs, lossPercent };
}

/** Every pair with figures in either run: this run's in its order, then those only the run before measured. */
export function compareMeasureRuns(previous: readonly MeasuredPair[], current: readonly MeasuredPair[]): MeasureChange[] {
  const changes: MeasureChange[] = [];
  for (const { before, after } of matchPairs(previous, current)) {
    const was = figuresOf(before);
    const now = figuresOf(after);
    const pair = (after ?? before)!;
    if (was !== null || now !== null) changes.push({ from: pair.from, to: pair.to, fromName: pair.fromName, toName: pair.toName, before: was, after: now });
  }
  return changes;
}

/** The change from `was` to `now` in whole percent of `was`; null without two figures or with nothing to divide by. */
function percentOf(was: number | null, now: number | null): number | null {
  return was === null || now === null || was === 0 ? null : Math.round(((now - was) / was) * 100);
}

/** A change in percent as people write it: "−53 %", "+8 %", "±0 %". */
function percentText(percent: number): string {
  return percent === 0 ? '±0 %' : `${percent > 0 ? '+' : '−'}${Math.abs(percent)} %`;
}

/** Whether a pair got slower, faster or stayed about the same (see MeasureTrend). */
export function trendOf(change: MeasureChange): MeasureTrend {
  const { before, after } = change;
  if (before === null) return 'new';
  if (after === null) return 'gone';
  const rates = [percentOf(before.forwardMbps, after.forwardMbps), percentOf(before.reverseMbps, after.reverseMbps)].filter((p) => p !== null);
  if (rates.some((p) => p <= -NOTICEABLE_PERCENT)) return 'slower';
  if (rates.some((p) => p >= NOTICEABLE_PERCENT)) return 'faster';
  if (rates.length > 0) return 'same';
  // No throughput in both runs: the round trip tells, and a longer one is slower.
  const rtt = percentOf(before.rttAvgMs, after.rttAvgMs);
  return rtt === null || Math.abs(rtt) < NOTICEABLE_PERCENT ? 'same' : rtt > 0 ? 'slower' : 'faster';
}

const pairText = (c: MeasureChange) => `${c.fromName} → ${c.toName}`;

/** One sentence about the links since the run before ("Since the run before: tablet → nas slower; vps → nas about the same."). */
export function measureChangesSentence(changes: readonly MeasureChange[]): string {
  if (changes.length === 0) return 'Since the run before, no link was measured in either run.';
  const groups: [MeasureTrend, string][] = [
    ['slower', 'slower'],
    ['faster', 'faster'],
    ['same', 'about the same'],
    ['new', 'measured this time only'],
    ['gone', 'not measured this time'],
  ];
  const parts = groups.flatMap(([trend, words]) => {
    const list = changes.filter((c) => trendOf(c) === trend).map(pairText);
    return list.length === 0 ? [] : [`${listText(list, 5)} ${words}`];
  });
  return `Since the run before: ${parts.join('; ')}.`;
}

/** The figures of one side, each with its unit: what a pair measured in one run only is said with. */
const figureParts: [keyof LinkFigures, string, string][] = [
  ['forwardMbps', '', 'Mbit/s'],
  ['reverseMbps', 'back ', 'Mbit/s'],
  ['rttAvgMs', 'round trip ', 'ms'],
  ['lossPercent', 'loss ', '%'],
];

/** One figure then and now: "41.2 Mbit/s, was 88.0 (−53 %)", "back 9.1 Mbit/s, not measured before"; null when neither run has it. */
function figureChange(was: number | null, now: number | null, label: string, unit: string): string | null {
  if (was === null && now === null) return null;
  if (was === null) return `${label}${formatValue(now!)} ${unit}, not measured before`;
  if (now === null) return `${label}not measured this time, was ${formatValue(was)} ${unit}`;
  // Loss is already a percentage: its change in percent of itself would only confuse.
  const percent = unit === '%' ? null : percentOf(was, now);
  return `${label}${formatValue(now)} ${unit}, was ${formatValue(was)}${unit === '%' ? ' %' : ''}${percent === null ? '' : ` (${percentText(percent)})`}`;
}

/** One pair since the run before, in a line: "laptop → nas: 41.2 Mbit/s, was 88.0 (−53 %); back 9.1 Mbit/s, was 9.0 (+1 %); …". */
export function measureChangeLine(change: MeasureChange): string {
  const { before, after } = change;
  const side = (figures: LinkFigures) =>
    figureParts
      .filter(([key]) => figures[key] !== null)
      .map(([key, label, unit]) => `${label}${formatValue(figures[key]!)} ${unit}`)
      .join(', ');
  if (before === null) return `${pairText(change)}: measured this time only: ${side(after!)}.`;
  if (after === null) return `${pairText(change)}: not measured this time; the run before had ${side(before)}.`;
  const parts = figureParts.map(([key, label, unit]) => figureChange(before[key], after[key], label, unit)).filter((p) => p !== null);
  return `${pairText(change)}: ${parts.join('; ')}.`;
}

/** The changes since the run before as the Measure tab and `clan-designer measure` say them: the sentence, then a line per pair. */
export function measureChangesText(changes: readonly MeasureChange[]): ChangesText {
  return { sentence: measureChangesSentence(changes), lines: changes.map(measureChangeLine) };
}
