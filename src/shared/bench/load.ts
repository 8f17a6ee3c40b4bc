import { err, ok, type Result } from '../result';
import { BENCH_FORMAT, BENCH_FORMAT_VERSION, benchDatasetSchema, type BenchCell, type BenchDataset } from './schema';

// Validation of a benchmark dataset (the bundled file, or one a user points the app at). Nothing throws: the
// result says whether the value is a dataset at all, one from a newer app, or a damaged one, with the issues.

/** The ways a value can fail to be a usable dataset. */
export const benchLoadErrorCodes = ['notABenchDataset', 'benchFormatTooNew', 'invalidBenchDataset'] as const;

/** A problem found in a dataset: where (dotted path) and what. */
export interface BenchIssue {
  path: string;
  message: string;
}

/** A load failure with details for the message and the log. */
export type BenchLoadError =
  | { code: 'notABenchDataset'; details: { reason: 'notAnObject' | 'wrongFormat' | 'badFormatVersion' } }
  | { code: 'benchFormatTooNew'; details: { fileVersion: number; supportedVersion: number } }
  | { code: 'invalidBenchDataset'; details: { issues: BenchIssue[]; issueCount: number } };

/** At most this many issues travel in an error; issueCount says how many there were. */
const MAX_ISSUES = 10;

/** Relative tolerance for checking stored means against stored pair values (both are rounded). */
const ROUNDING_TOLERANCE = 1e-3;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function near(a: number, b: number): boolean {
  return Math.abs(a - b) <= ROUNDING_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));
}

/** Checks one cell's numbers against its pairs; returns problems as messages. */
function checkCell(cell: BenchCell): string[] {
  const problems: string[] = [];
  const values = cell.pairs.flatMap((p) => (p.value === null ? [] : [p.value]));
  if (cell.totalPairs !== cell.pairs.length) problems.push(`totalPairs is ${cell.totalPairs} but there are ${cell.pairs.length} pairs`);
  if (cell.okPairs !== values.length) problems.push(`okPairs is ${cell.okPairs} but ${values.length} pairs have a value`);
  if (new Set(cell.pairs.map((p) => p.pair)).size !== cell.pairs.length) problems.push('a pair appears twice');
  if (values.length === 0) {
    if (cell.mean !== null || cell.min !== null || cell.max !== null) problems.push('a cell without values has a mean, min or max');
  } else if (cell.mean === null || cell.min === null || cell.max === null) {
    problems.push('a cell with values lacks its mean, min or max');
  } else {
    if (!near(cell.min, Math.min(...values)) || !near(cell.max, Math.max(...values))) problems.push('min or max does not match the pairs');
    if (!near(cell.mean, values.reduce((a, b) => a + b, 0) / values.length)) problems.push('mean does not match the pairs');
  }
  const failed = cell.pairs.length - values.length;
  const counted = Object.values(cell.failures).reduce((a, b) => a + (b ?? 0), 0);
  if (counted !== failed) problems.push(`failures count ${counted} pairs but ${failed} failed`);
  for (const p of cell.pairs) {
    if (p.failure !== undefined && (cell.failures[p.failure] ?? 0) === 0) problems.push(`failure ${p.failure} of ${p.pair} is not counted`);
  }
  return problems;
}

/** Cross-record checks zod cannot express: unique cells, known references, and cell arithmetic. */
function checkConsistency(dataset: BenchDataset): BenchIssue[] {
  const issues: BenchIssue[] = [];
  const workloads = new Map(dataset.workloads.map((w) => [w.id, w]));
  const profiles = new Set(dataset.profiles.map((p) => p.id));
  const flags = new Set<string>(dataset.flags.map((f) => f.id));
  const categories = new Set<string>(dataset.failureCategories.map((c) => c.id));
  const runIds = new Set<string>();
  dataset.runs.forEach((run, r) => {
    if (runIds.has(run.id)) issues.push({ path: `runs.${r}.id`, message: `run ${run.id} appears twice` });
    runIds.add(run.id);
    const keys = new Set<string>();
    run.cells.forEach((cell, c) => {
      const path = `runs.${r}.cells.${c}`;
      const key = `${cell.vpn}/${cell.profile}/${cell.workload}`;
      if (keys.has(key)) issues.push({ path, message: `cell ${key} appears twice` });
      keys.add(key);
      const workload = workloads.get(cell.workload);
      if (workload === undefined) issues.push({ path, message: `workload ${cell.workload} is not defined` });
      if (!profiles.has(cell.profile) || !run.profiles.includes(cell.profile)) issues.push({ path, message: `profile ${cell.profile} is not part of the run` });
      if (!run.series.includes(cell.vpn)) issues.push({ path, message: `series ${cell.vpn} is not part of the run` });
      for (const flag of cell.flags) if (!flags.has(flag)) issues.push({ path, message: `flag ${flag} is not defined` });
      for (const category of Object.keys(cell.failures)) {
        if (!categories.has(category)) issues.push({ path, message: `failure category ${category} is not defined` });
      }
      if (workload?.aggregate === 'sum' && cell.sum === undefined) issues.push({ path, message: 'a summed workload lacks its sum' });
      if (workload?.aggregate === 'mean' && cell.sum !== undefined) issues.push({ path, message: 'only summed workloads carry a sum' });
      for (const message of checkCell(cell)) issues.push({ path, message });
    });
  });
  return issues;
}

/** Validates a parsed JSON value as a benchmark dataset: format marker, version, schema, then consistency. */
export function loadDataset(json: unknown): Result<BenchDataset, BenchLoadError> {
  if (!isObject(json)) return err({ code: 'notABenchDataset', details: { reason: 'notAnObject' } });
  if (json.format !== BENCH_FORMAT) return err({ code: 'notABenchDataset', details: { reason: 'wrongFormat' } });
  const version = json.formatVersion;
  if (typeof version !== 'number' || !Number.isInteger(version) || version < 1) {
    return err({ code: 'notABenchDataset', details: { reason: 'badFormatVersion' } });
  }
  if (version > BENCH_FORMAT_VERSION) {
    return err({ code: 'benchFormatTooNew', details: { fileVersion: version, supportedVersion: BENCH_FORMAT_VERSION } });
  }
  const parsed = benchDatasetSchema.safeParse(json);
  const issues: BenchIssue[] = parsed.success
    ? checkConsistency(parsed.data)
    : parsed.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message }));
  if (issues.length > 0 || !parsed.success) {
    return err({ code: 'invalidBenchDataset', details: { issues: issues.slice(0, MAX_ISSUES), issueCount: issues.length } });
  }
  return ok(parsed.data);
}
