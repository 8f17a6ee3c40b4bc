import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { failureCategoryDefinitions, flagDefinitions, workloadDefinitions } from './definitions';
import { loadDataset, type BenchLoadError } from './load';
import { BENCH_FORMAT_VERSION, failureCategoryIds, flagIds, metricIds, workloadIds, type BenchDataset } from './schema';

const committed = (): unknown => JSON.parse(readFileSync(new URL('../../../resources/bench/vpn-bench.json', import.meta.url), 'utf8'));

function loaded(): BenchDataset {
  const result = loadDataset(committed());
  if (!result.ok) throw new Error(`expected the dataset to load, got ${JSON.stringify(result.error)}`);
  return result.value;
}

function errorOf(value: unknown): BenchLoadError {
  const result = loadDataset(value);
  if (result.ok) throw new Error('expected the dataset to be refused');
  return result.error;
}

/** The committed dataset with one change made by `edit`. */
function damaged(edit: (d: BenchDataset) => void): unknown {
  const copy = committed() as BenchDataset;
  edit(copy);
  return copy;
}

const firstCell = (d: BenchDataset) => d.runs[0]!.cells[0]!;

describe('loadDataset', () => {
  test('accepts the committed dataset', () => {
    const dataset = loaded();
    expect(dataset.formatVersion).toBe(BENCH_FORMAT_VERSION);
    expect(dataset.runs.map((r) => r.id)).toEqual(['main', 'optimized']);
  });

  test('returns notABenchDataset for values that are not a dataset object', () => {
    expect(errorOf(null)).toEqual({ code: 'notABenchDataset', details: { reason: 'notAnObject' } });
    expect(errorOf([1, 2])).toEqual({ code: 'notABenchDataset', details: { reason: 'notAnObject' } });
    expect(errorOf({ format: 'clan-designer-design', formatVersion: 1 })).toEqual({ code: 'notABenchDataset', details: { reason: 'wrongFormat' } });
    expect(errorOf({ format: 'clan-designer-vpn-bench', formatVersion: '1' })).toEqual({
      code: 'notABenchDataset',
      details: { reason: 'badFormatVersion' },
    });
  });

  test('returns benchFormatTooNew when the file is from a newer format', () => {
    const error = errorOf(damaged((d) => Object.assign(d, { formatVersion: BENCH_FORMAT_VERSION + 1 })));
    expect(error).toEqual({ code: 'benchFormatTooNew', details: { fileVersion: BENCH_FORMAT_VERSION + 1, supportedVersion: BENCH_FORMAT_VERSION } });
  });

  test('returns invalidBenchDataset with the path of a schema violation', () => {
    const error = errorOf(damaged((d) => Object.assign(firstCell(d), { vpn: 'openvpn' })));
    expect(error.code).toBe('invalidBenchDataset');
    if (error.code !== 'invalidBenchDataset') return;
    expect(error.details.issues[0]!.path).toBe('runs.0.cells.0.vpn');
  });

  test('refuses pair labels that are not machine names, such as addresses', () => {
    const error = errorOf(damaged((d) => Object.assign(firstCell(d).pairs[0]!, { pair: '138.201.1.1→yuki' })));
    expect(error.code).toBe('invalidBenchDataset');
  });

  test('refuses a pair with both a value and a failure', () => {
    const error = errorOf(damaged((d) => Object.assign(firstCell(d).pairs[0]!, { failure: 'timeout' })));
    expect(error.code).toBe('invalidBenchDataset');
  });

  test('refuses cells whose counts or statistics do not match their pairs', () => {
    for (const edit of [
      (d: BenchDataset) => Object.assign(firstCell(d), { okPairs: 2 }),
      (d: BenchDataset) => Object.assign(firstCell(d), { totalPairs: 4 }),
      (d: BenchDataset) => Object.assign(firstCell(d), { mean: 1 }),
      (d: BenchDataset) => Object.assign(firstCell(d), { max: 5000 }),
      (d: BenchDataset) => Object.assign(firstCell(d), { failures: { timeout: 1 } }),
    ]) {
      const error = errorOf(damaged(edit));
      expect(error.code).toBe('invalidBenchDataset');
      if (error.code === 'invalidBenchDataset') expect(error.details.issues[0]!.path).toBe('runs.0.cells.0');
    }
  });

  test('refuses a cell that appears twice in a run', () => {
    const error = errorOf(damaged((d) => d.runs[0]!.cells.push(structuredClone(firstCell(d)))));
    expect(error.code).toBe('invalidBenchDataset');
    if (error.code === 'invalidBenchDataset') expect(error.details.issues.some((i) => i.message.includes('appears twice'))).toBe(true);
  });

  test('refuses a cell for a series the run does not list', () => {
    const error = errorOf(damaged((d) => d.runs[1]!.cells.push({ ...structuredClone(firstCell(d)), vpn: 'tinc' })));
    expect(error.code).toBe('invalidBenchDataset');
  });

  test('caps the issues it reports and counts them all', () => {
    const error = errorOf(damaged((d) => d.runs[0]!.cells.forEach((c) => Object.assign(c, { okPairs: 9 }))));
    expect(error.code).toBe('invalidBenchDataset');
    if (error.code !== 'invalidBenchDataset') return;
    expect(error.details.issues).toHaveLength(10);
    expect(error.details.issueCount).toBeGreaterThan(300);
  });
});

describe('definitions', () => {
  test('define every workload, failure category and flag once, in schema order', () => {
    expect(workloadDefinitions.map((w) => w.id)).toEqual([...workloadIds]);
    expect(failureCategoryDefinitions.map((c) => c.id)).toEqual([...failureCategoryIds]);
    expect(flagDefinitions.map((f) => f.id)).toEqual([...flagIds]);
  });

  test('use every secondary metric in some workload', () => {
    const used = new Set(workloadDefinitions.flatMap((w) => w.metrics.map((m) => m.id)));
    expect([...used].sort()).toEqual([...metricIds].sort());
  });

  test('explain the UDP drop figure wherever it is shown', () => {
    const udp = workloadDefinitions.find((w) => w.id === 'udp')!;
    expect(udp.metrics.find((m) => m.id === 'overloadDropPercent')?.caveat).toMatch(/not network loss/);
  });
});
