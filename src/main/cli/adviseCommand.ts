import { basename, dirname, resolve } from 'node:path';
import { advise, MAX_PRIORITY, priorityIds, priorityTexts, raisePriorities, type Advice, type AdviceEntry, type PriorityId } from '../../shared/bench/advisor';
import type { BenchDataset } from '../../shared/bench/schema';
import { getMeasuredAdvice, type MeasuredAdvice } from '../../shared/measure/advice';
import type { Design } from '../../shared/model/types';
import { ConfinedFolder } from '../fs/confinedFolder';
import { readLastRun } from '../jobs/runHistory';
import { measureHistory } from '../measure/history';
import { DESIGN_FILE_SUFFIX, designStem } from '../services/projectFiles';
import { vpnCatalog } from '../../shared/vpn/catalog';
import { findDatasetFile, readDataset } from './leaderboardCommand';
import { ExitCode, fail, parseCommand, readDesignFile, type CliIo } from './io';

/** How many recommended VPNs are shown with all their reasons unless --top or --all says otherwise. */
const DEFAULT_DETAILED = 3;

const usage = `Usage: clan-designer advise <design-file> [--priority NAME ...] [--top N | --all] [--json]

Ranks the ten VPNs for a design from the benchmark data: which fit the sites' NAT types and link quality, the
phones and the priorities, with the figures behind each score, the roles each VPN would assign and its caveats.
When the design's links were measured ("clan-designer measure", kept in NAME.measures/ beside the file), the
figures come from the impairment profile the worst measured link points to instead of the drawn link quality.

Options:
  --priority NAME  make NAME a top priority (repeatable): ${priorityIds.join(', ')}.
                   The other priorities keep the design's settings. A top selfHosted priority excludes VPNs
                   that use third-party servers.
  --top N          show the reasons, roles and caveats of the first N VPNs (default ${DEFAULT_DETAILED}); the rest get one line
  --all            show them for every VPN
  --json           print the advice as JSON (always every VPN)
Exit codes: 0 ok, 2 the file cannot be read as a design or bad arguments, 3 the benchmark data is missing or damaged.
`;

function isPriority(value: string): value is PriorityId {
  return (priorityIds as readonly string[]).includes(value);
}

/** `advise <design-file>`: the VPN advisor on the command line. */
export async function runAdvise(argv: string[], io: CliIo, datasetFile = findDatasetFile()): Promise<number> {
  const args = parseCommand(argv, { priority: { type: 'string', multiple: true }, top: { type: 'string' }, all: { type: 'boolean' } }, { io, usage, files: 'one', name: 'advise' });
  if (typeof args === 'number') return args;
  const file = args.positionals[0]!;
  const { values } = args as { values: { priority?: string[]; top?: string; all?: boolean } };
  const usageError = (message: string) => fail(io, args.json, ExitCode.usage, { code: 'usage', message }, { usage });
  // Accept "selfHosted,latency" as well as repeated options.
  const requested = (values.priority ?? []).flatMap((p) => p.split(',')).map((p) => p.trim()).filter((p) => p !== '');
  const unknown = requested.filter((p) => !isPriority(p));
  if (unknown.length > 0) return usageError(`Unknown priority "${unknown[0]}". Use one of: ${priorityIds.join(', ')}.`);
  const top = values.all === true ? Number.POSITIVE_INFINITY : values.top === undefined ? DEFAULT_DETAILED : Number(values.top);
  if (!(Number.isInteger(top) && top >= 0) && top !== Number.POSITIVE_INFINITY) return usageError(`--top takes a whole number, not "${values.top}".`);

  const loaded = await readDesignFile(file);
  if (!loaded.ok) return fail(io, args.json, ExitCode.usage, loaded.failure, { file });
  const data = await readDataset(datasetFile);
  if (!data.ok) return fail(io, args.json, ExitCode.failed, data.failure);
  const { design, repairs } = loaded.value;
  const priorities = raisePriorities(design.comparison.priorities, requested as PriorityId[]);
  const measured = await lastMeasuredAdvice(file, design, data.dataset);
  const advice = advise(design, data.dataset, priorities, 'main', measured?.profile);
  if (args.json) {
    io.stdout(`${JSON.stringify({ ok: true, file, repairs, advice, measured })}\n`);
    return ExitCode.ok;
  }
  const measuredLines = measured === null ? [] : [`Measured ${new Date(measured.measuredAt).toISOString().slice(0, 16).replace('T', ' ')} UTC: ${measured.line}`];
  io.stdout(formatAdvice(design, advice, [...repairs.map((r) => `repaired: ${r.message}`), ...measuredLines], top));
  return ExitCode.ok;
}

/**
 * What the advice takes from the newest measurement kept beside the design file, as the app's advisor does; null
 * when there is none (or the file is not named NAME.clan-design.json, so it has no history beside it).
 */
async function lastMeasuredAdvice(file: string, design: Design, dataset: BenchDataset): Promise<MeasuredAdvice | null> {
  const name = basename(file);
  if (!name.endsWith(DESIGN_FILE_SUFFIX)) return null;
  const last = await readLastRun(new ConfinedFolder(dirname(resolve(file)), 'workspace'), measureHistory, designStem(name));
  return last.ok && last.value !== null ? getMeasuredAdvice(design, dataset, last.value) : null;
}

function breakdownLine(entry: AdviceEntry): string {
  return entry.breakdown
    .filter((b) => b.weight > 0)
    .map((b) => `${priorityTexts[b.criterion].label} ${b.contribution.toFixed(1)}`)
    .join(' + ');
}

function rolesLines(entry: AdviceEntry): string[] {
  // Group machines by their role labels, so "Peer" lists every peer once; the special roles (controller,
  // lighthouse, ...) come first because they are the ones to check.
  const groups = new Map<string, string[]>();
  for (const r of entry.roles) {
    const key = r.labels.join(' + ');
    groups.set(key, [...(groups.get(key) ?? []), r.machine]);
  }
  const plain = vpnCatalog[entry.vpn].roles.find((r) => r.isDefault)?.label;
  const sorted = [...groups].sort(([a], [b]) => Number(a === plain) - Number(b === plain));
  return sorted.map(([labels, machines]) => `${labels}: ${machines.join(', ')}`);
}

/**
 * The advice as text: the profile and priorities, then the recommended VPNs (the first `detailed` with their
 * reasons, roles and caveats, the rest in one line each), then the excluded ones with the reasons.
 */
export function formatAdvice(design: Design, advice: Advice, notes: readonly string[] = [], detailed = Number.POSITIVE_INFINITY): string {
  const levels = priorityIds.map((id) => `${priorityTexts[id].label} ${advice.priorities[id]}`).join(', ');
  const out = [
    `VPN advice for clan "${design.meta.clanName}": ${Object.keys(design.sites).length} sites, ${Object.keys(design.machines).length} machines`,
    ...notes,
    ...advice.reasons,
    `Priorities (0 ignore to ${MAX_PRIORITY} top): ${levels}.`,
    '',
  ];
  const included = advice.entries.filter((e) => !e.excluded);
  const excluded = advice.entries.filter((e) => e.excluded);
  if (included.length === 0) out.push('No VPN fits this design as it is; the reasons are listed below.', '');
  included.forEach((entry, index) => {
    if (index >= detailed) {
      if (index === detailed) out.push(index === 0 ? 'Ranking (run with --top N or --all for the reasons):' : 'Also possible (run with --all for their reasons):');
      out.push(`${entry.rank}. ${entry.name}: score ${Math.round(entry.score)} of 100. ${entry.reasons[0] ?? ''}`);
      if (index === included.length - 1) out.push('');
      return;
    }
    out.push(`${entry.rank}. ${entry.name}: score ${Math.round(entry.score)} of 100 (${breakdownLine(entry)})`);
    for (const reason of entry.reasons) out.push(`   - ${reason}`);
    if (entry.roles.length > 0) out.push('   Roles:', ...rolesLines(entry).map((l) => `     ${l}`));
    if (entry.caveats.length > 0) out.push('   Caveats:', ...entry.caveats.map((c) => `     ! ${c}`));
    out.push('');
  });
  if (excluded.length > 0) {
    out.push('Excluded (they do not fit this design):');
    for (const entry of excluded) {
      out.push(`${entry.rank}. ${entry.name} (would score ${Math.round(entry.score)} of 100)`);
      for (const reason of entry.exclusionReasons) out.push(`   x ${reason}`);
    }
    out.push('');
  }
  return `${out.join('\n')}`;
}
