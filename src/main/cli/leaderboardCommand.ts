import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  computeLeaderboard,
  formatFactor,
  formatValue,
  sortColumnIds,
  weightPresetIds,
  weightPresets,
  workloadShortLabels,
  type Leaderboard,
  type LeaderboardRow,
  type WeightPresetId,
} from '../../shared/bench/leaderboard';
import { loadDataset } from '../../shared/bench/load';
import { getProfile } from '../../shared/bench/query';
import { profileIds, type BenchDataset, type ProfileId } from '../../shared/bench/schema';
import { ExitCode, fail, parseCommand, readTextFile, type CliFailure, type CliIo } from './io';

const usage = `Usage: clan-designer leaderboard [--profile P] [--preset NAME] [--sort COLUMN] [--worst-first] [--json]

Prints the VPN leaderboard from the bundled benchmark data: one row per VPN plus the no-VPN reference, one column
per workload. Each cell shows the value and the slowdown factor against the best VPN in that column (1.0x = best);
the score is the weighted geometric mean of the factors (lower is better).

Options:
  --profile P      ${profileIds.join(' | ')} (default baseline)
  --preset NAME    ${weightPresetIds.join(' | ')} (default balanced); flakyLinks scores the medium
                   and high profiles whatever profile is shown
  --sort COLUMN    ${sortColumnIds.join(' | ')} (default score)
  --worst-first    reverse the order
  --json           print the computed table (columns, rows with cells, factors, flags and scores)
Exit codes: 0 ok, 2 bad arguments, 3 the benchmark data is missing or damaged.
`;

/** The benchmark file is copied nowhere: it sits in resources/bench of the app folder, two or three levels above the bundle (out/main, or a chunk folder below it) or this source file. */
export function findDatasetFile(from = import.meta.dirname): string {
  const candidates = [join(from, '../../resources/bench/vpn-bench.json'), join(from, '../../../resources/bench/vpn-bench.json')];
  return candidates.find((file) => existsSync(file)) ?? candidates[0]!;
}

/** Reads and validates the benchmark dataset; a failure a person can act on when it cannot be used. */
export async function readDataset(file: string): Promise<{ ok: true; dataset: BenchDataset } | { ok: false; failure: CliFailure }> {
  const broken = (message: string) => ({ ok: false as const, failure: { code: 'benchDataUnusable', message } });
  const read = await readTextFile(file, 'the benchmark data at');
  if (!read.ok) return broken(`${read.failure.message.replace(/ Check the path and try again\.$/, '')}. Reinstall the app, or run "npm run build" in a source checkout.`);
  let json: unknown;
  try {
    json = JSON.parse(read.text);
  } catch {
    return broken(`The benchmark data at ${file} is not valid JSON, so the app cannot compare VPNs. Restore it with "git checkout resources/bench" or reinstall.`);
  }
  const loaded = loadDataset(json);
  if (!loaded.ok) {
    const detail = loaded.error.code === 'invalidBenchDataset' ? ` (first problem at ${loaded.error.details.issues[0]?.path ?? '?'}: ${loaded.error.details.issues[0]?.message ?? '?'})` : '';
    return broken(`The benchmark data at ${file} cannot be used: ${loaded.error.code}${detail}. Restore it with "npm run data:import" or reinstall.`);
  }
  return { ok: true, dataset: loaded.value };
}

function isOneOf<T extends string>(list: readonly T[], value: string): value is T {
  return (list as readonly string[]).includes(value);
}

/** `leaderboard`: the VPN table on the command line. */
export async function runLeaderboard(argv: string[], io: CliIo, datasetFile = findDatasetFile()): Promise<number> {
  const args = parseCommand(argv, { profile: { type: 'string' }, preset: { type: 'string' }, sort: { type: 'string' }, 'worst-first': { type: 'boolean' } }, { io, usage, files: 'none', name: 'leaderboard' });
  if (typeof args === 'number') return args;
  const values = args.values as { profile?: string; preset?: string; sort?: string; 'worst-first'?: boolean };
  const usageError = (message: string) => fail(io, args.json, ExitCode.usage, { code: 'usage', message }, { usage });
  const profile = values.profile ?? 'baseline';
  const preset = values.preset ?? 'balanced';
  const sort = values.sort ?? 'score';
  if (!isOneOf(profileIds, profile)) return usageError(`There is no profile "${profile}". Use one of: ${profileIds.join(', ')}.`);
  if (!isOneOf(weightPresetIds, preset)) return usageError(`There is no preset "${preset}". Use one of: ${weightPresetIds.join(', ')}.`);
  if (!isOneOf(sortColumnIds, sort)) return usageError(`Cannot sort by "${sort}". Use one of: ${sortColumnIds.join(', ')}.`);

  const data = await readDataset(datasetFile);
  if (!data.ok) return fail(io, args.json, ExitCode.failed, data.failure);
  const chosen = weightPresets[preset];
  const table = computeLeaderboard(data.dataset, {
    profile,
    weights: chosen.weights,
    scoreProfiles: chosen.scoreProfiles,
    sort: { column: sort, direction: values['worst-first'] === true ? 'worstFirst' : 'bestFirst' },
  });
  if (args.json) {
    io.stdout(`${JSON.stringify(table)}\n`);
    return ExitCode.ok;
  }
  io.stdout(formatLeaderboard(data.dataset, table, preset));
  return ExitCode.ok;
}

function profileLabel(dataset: BenchDataset, profile: ProfileId): string {
  return (getProfile(dataset, profile)?.label ?? profile).toLowerCase();
}

function cellText(row: LeaderboardRow, index: number): string {
  const cell = row.cells[index]!;
  const value = cell.value === null ? '—' : formatValue(cell.value);
  const factor = cell.factor === null ? '' : ` ${formatFactor(cell.factor)}`;
  return `${value}${factor}${cell.flags.length > 0 ? '*' : ' '}`;
}

/** The table as aligned text, with what the numbers mean and which cells are flagged. */
export function formatLeaderboard(dataset: BenchDataset, table: Leaderboard, preset: WeightPresetId | 'custom'): string {
  const header = ['VPN', ...table.columns.map((c) => c.shortLabel), 'Score', '#'];
  const units = ['', ...table.columns.map((c) => `${c.unit} ${c.direction === 'higherIsBetter' ? '↑' : '↓'}`), 'lower ↓', ''];
  const body = table.rows.map((row) => [
    row.isReference ? `${row.name} (reference)` : row.name,
    ...table.columns.map((_, i) => cellText(row, i)),
    row.score === null ? '—' : row.score.toFixed(2),
    row.scoreRank === null ? '' : String(row.scoreRank),
  ]);
  const all = [header, units, ...body];
  const widths = header.map((_, i) => Math.max(...all.map((r) => [...r[i]!].length)));
  const pad = (text: string, i: number) => (i === 0 ? text.padEnd(widths[i]!) : text.padStart(widths[i]!));
  const lines = all.map((r) => r.map(pad).join('  ').trimEnd());

  const shown = profileLabel(dataset, table.profile);
  const scored = table.scoreProfiles.map((p) => profileLabel(dataset, p)).join(' and ');
  const weights = table.columns.map((c) => `${workloadShortLabels[c.workload]} ${c.weight}`).join(', ');
  const out = [
    `VPN leaderboard: ${shown} profile, ${preset === 'custom' ? 'custom weights' : `preset "${preset}"`}, sorted by ${table.sort.column}${table.sort.direction === 'worstFirst' ? ' (worst first)' : ''}`,
    'Each cell: the value, then the slowdown against the best VPN in that column (1.0x = best; green 1x, yellow 2x, red 4x+ in the app).',
    '',
    ...lines,
    '',
    `Score: weighted geometric mean of the factors over the ${scored} profile${table.scoreProfiles.length === 1 ? '' : 's'} (weights ${weights}).`,
    '— no value: counted as the worst VPN in its column (at least 2x), or as the median when the test tool failed, not the VPN.',
  ];
  const flagged = describeFlags(table);
  if (flagged.length > 0) out.push('* flagged cells (run with --json for the explanations):', ...flagged.map((l) => `  ${l}`));
  return `${out.join('\n')}\n`;
}

/** One line per flag: which rows and columns carry it. */
function describeFlags(table: Leaderboard): string[] {
  const byFlag = new Map<string, Map<string, string[]>>();
  for (const row of table.rows) {
    row.cells.forEach((cell, i) => {
      for (const flag of cell.flags) {
        const rows = byFlag.get(flag.title) ?? new Map<string, string[]>();
        byFlag.set(flag.title, rows);
        const columns = rows.get(row.name) ?? [];
        rows.set(row.name, columns);
        columns.push(table.columns[i]!.shortLabel);
      }
    });
  }
  return [...byFlag].map(([title, rows]) => `${title}: ${[...rows].map(([name, columns]) => `${name} (${columns.length === table.columns.length ? 'every column' : columns.join(', ')})`).join('; ')}`);
}
