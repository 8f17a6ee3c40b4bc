import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { DATASET_PATH, DEFAULT_SOURCE, importBench, type ImportOutcome } from '../../scripts/data/importBench';
import { getCell, getShareOfReference } from '../../src/shared/bench/query';

// The importer against the real vpn-bench data in ../shared (present in CI): it must reproduce the thesis
// figures and the committed dataset byte for byte. Without the data folder the suite is skipped, and says so.

const root = resolve(import.meta.dirname, '../..');
const source = resolve(root, DEFAULT_SOURCE);
const present = existsSync(resolve(source, 'SOURCE.md'));

if (!present) {
  console.warn(`benchImport.test.ts: skipped, no benchmark data at ${source}. Put the vpn-bench data there to check the importer against it.`);
}

describe.skipIf(!present)('importing ../shared/vpn-bench-data', () => {
  let outcome: ImportOutcome;

  beforeAll(async () => {
    outcome = await importBench(source);
  }, 60_000);

  const mean = (vpn: 'none' | 'wireguard' | 'mycelium', workload: 'tcp' | 'pingRtt') => getCell(outcome.dataset, vpn, 'baseline', workload)?.mean;

  test('reproduces the thesis: no VPN at 934.1 Mbit/s single-stream TCP and 0.60 ms at baseline', () => {
    expect(mean('none', 'tcp')).toBe(934.1);
    expect(mean('none', 'pingRtt')?.toFixed(2)).toBe('0.60');
  });

  test('reproduces the thesis: WireGuard at 92.5 % of the bare-network throughput', () => {
    expect((getShareOfReference(outcome.dataset, 'wireguard', 'baseline', 'tcp')! * 100).toFixed(1)).toBe('92.5');
  });

  test('reproduces the thesis: Mycelium at 34.9 ms', () => {
    expect(mean('mycelium', 'pingRtt')).toBe(34.9);
  });

  test('imports without warnings', () => {
    expect(outcome.warnings).toEqual([]);
  });

  test('matches the committed dataset byte for byte', () => {
    const committed = readFileSync(resolve(root, DATASET_PATH), 'utf8');
    expect(outcome.text === committed, 'resources/bench/vpn-bench.json is out of date: run npm run data:import').toBe(true);
  });

  test('gives the same bytes when run again', async () => {
    const again = await importBench(source);
    expect(again.text === outcome.text).toBe(true);
  }, 60_000);

  test('stays well under 300 KB', () => {
    expect(Buffer.byteLength(outcome.text)).toBeLessThan(250_000);
  });
});
