import { directionLabels } from '../../shared/bench/leaderboard';
import { measureChangesText } from '../../shared/measure/changes';
import { formatYourFactor, type ComparisonRow } from '../../shared/measure/compare';
import type { MeasuredPair, MeasureReport } from '../../shared/measure/report';
import { plural } from '../../shared/text';
import { changesLines, runHeadline } from './jobFollow';

// What `measure` prints: per measured pair a table of your value next to the benchmark's (the same VPN at the
// closest impairment profile, with the leaderboard's value, pair spread and slowdown factor, and its caveat flags),
// the verdict and the sentence; then the caveats, numbered once for the whole run, as the leaderboard's hover says
// them; the pairs that could not be measured with why; the summary and, per link, what changed since the run before
// (its figures then and now); and where the run is kept.

/** Where the address came from, in words. */
const sourceWords: Record<NonNullable<MeasuredPair['addressSource']>, string> = {
  verify: 'the address the last verify reached it at',
  discovery: 'the address its VPN reports',
  configuration: 'the address the configuration gives it',
};

/** Lines of a table with its columns padded to their widest cell. */
function table(rows: readonly (readonly string[])[]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return rows.map((r) => `  ${r.map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat(widths[i]! - [...cell].length))).join('  ')}`.trimEnd());
}

/** Numbers caveats once for the whole run, so each row can point at them. */
class Caveats {
  private readonly list: string[] = [];

  mark(texts: readonly string[]): string {
    const numbers = texts.map((text) => {
      const at = this.list.indexOf(text);
      if (at >= 0) return at + 1;
      this.list.push(text);
      return this.list.length;
    });
    return numbers.map((n) => `[${n}]`).join('');
  }

  lines(): string[] {
    return this.list.map((text, i) => `  [${i + 1}] ${text}`);
  }
}

/** The verdict column: better, similar or worse, with your factor against the benchmark's value the leaderboard's way. */
function verdictText(row: ComparisonRow): string {
  if (row.verdict === null) return '—';
  return row.yourFactor === null ? row.verdict : `${row.verdict} (${formatYourFactor(row.yourFactor)})`;
}

/** One measured pair: the table and its sentence. */
function pairLines(pair: MeasuredPair, caveats: Caveats): string[] {
  const title = `${pair.fromName} → ${pair.toName}`;
  const comparison = pair.comparison;
  if (pair.link === null || comparison === null) return [`${title}: not measured. ${pair.message}`];
  const where = pair.addressSource === null ? '' : ` (${sourceWords[pair.addressSource]})`;
  const lines = [`${title}, to ${pair.address}${where}:`, `  ${comparison.profile.reason}`];
  const head = ['measured', 'yours', `${comparison.vpnName}, ${comparison.profile.profile}`, 'its pairs', 'factor', 'verdict', 'notes'];
  const rows = comparison.rows.map((row) => [
    `${row.label} ${row.directionLabel === directionLabels.lowerIsBetter ? '↓' : '↑'}`,
    row.yoursText ?? '—',
    `${row.benchmarkText ?? '—'}${(row.benchmark?.flags.length ?? 0) > 0 ? ' ⚑' : ''}`,
    row.spreadText ?? '—',
    row.factorText ?? '—',
    verdictText(row),
    caveats.mark(row.caveats),
  ]);
  lines.push(...table([head, ...rows]).map((l) => `  ${l}`));
  lines.push(`  ${comparison.summary}`);
  const general = caveats.mark(comparison.caveats);
  if (general !== '') lines.push(`  About this comparison: ${general}`);
  for (const problem of pair.problems) lines.push(`  ! ${problem}`);
  return lines;
}

/** The whole text of a finished (or stopped) run. */
export function measureReportText(report: MeasureReport, context: { file: string; historyDir: string | null }): string {
  const caveats = new Caveats();
  const lines = [
    runHeadline('Measure', context.file, report, `${report.seconds} s of iperf3 in both directions at once on TCP port ${report.port}, then ${report.pings.count} ${plural(report.pings.count, 'ping', 'pings')} ${report.pings.intervalSeconds} s apart`),
    '',
  ];
  for (const pair of report.pairs) lines.push(...pairLines(pair, caveats), '');
  lines.push('↑ higher is better, ↓ lower is better. "its pairs": the slowest and fastest of the benchmark\'s three machine pairs; "factor": the benchmark\'s slowdown factor against the best VPN of that column; the verdict compares your value with the benchmark\'s, with your value\'s factor against it the leaderboard\'s way (1.0x as good, 2x half as good, below 1.0x better); ⚑ a flagged benchmark cell.');
  const notes = caveats.lines();
  if (notes.length > 0) lines.push('', 'Caveats:', ...notes);
  lines.push('', report.summary, ...changesLines(report.previous == null ? null : measureChangesText(report.previous.changes)));
  if (context.historyDir !== null) lines.push('', `Kept in ${context.historyDir} (measure.json, measure.log).`);
  return `${lines.join('\n')}\n`;
}
