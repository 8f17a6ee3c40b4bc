import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';
import { computeOverlay } from '../../src/shared/model/overlay';
import { updateMachine } from '../../src/shared/model/ops';
import { validateDesign } from '../../src/shared/validation/validate';
import { generateDesign, machineAt } from './generateDesign';
import { writeReadmeTable } from './readme';
import { percentile, roundMs } from './stats';

// Validation runs on every edit, so its budget is a fraction of a frame: 5 ms for a 1,000-machine, 1,500-link
// design. The predicted VPN paths between sites (computeOverlay) are recomputed on every site change and have the
// same budget. The 5,000-machine design shows how it scales; its target is the same budget per machine (5 ms per 1,000
// machines), because at that size even listing the machines of a freshly copied record costs about 1 ms.
// Run with: npm run bench:validate

interface BenchResult {
  /** What was timed: validation after an edit, or the predicted VPN paths. */
  what: 'validation' | 'overlay';
  machines: number;
  links: number;
  sites: number;
  runs: number;
  medianMs: number;
  p95Ms: number;
  targetMs: number;
  pass: boolean;
}

const scenarios = [
  { machines: 1000, links: 1500, sites: 50, targetMs: 5 },
  { machines: 5000, links: 7500, sites: 100, targetMs: 25 },
];
const warmupRuns = 50;
const measuredRuns = 300;
const resultFile = fileURLToPath(new URL('../../bench-results/validate.json', import.meta.url));

describe('validateDesign benchmark', () => {
  test('measures validation after a one-machine rename and writes bench-results/validate.json', () => {
    const results: BenchResult[] = [];
    for (const scenario of scenarios) {
      let design = generateDesign({ ...scenario, seed: 42 });
      const id = machineAt(design, 17);
      // Warm up so the JIT has compiled the rules before timing starts.
      for (let i = 0; i < warmupRuns; i += 1) {
        design = updateMachine(design, id, { name: `warmup-${i}` });
        validateDesign(design);
      }
      const times: number[] = [];
      for (let i = 0; i < measuredRuns; i += 1) {
        // The edit happens outside the timed part: only validation of the edited design is measured.
        design = updateMachine(design, id, { name: `renamed-${i}` });
        const start = performance.now();
        const problems = validateDesign(design);
        times.push(performance.now() - start);
        if (problems.some((p) => p.code === 'machineNameInvalid')) throw new Error('the rename produced an invalid name; the benchmark would measure the wrong thing');
      }
      times.sort((a, b) => a - b);
      const medianMs = roundMs(percentile(times, 0.5));
      const p95Ms = roundMs(percentile(times, 0.95));
      results.push({
        what: 'validation',
        machines: scenario.machines,
        links: Object.keys(design.links).length,
        sites: scenario.sites,
        runs: measuredRuns,
        medianMs,
        p95Ms,
        targetMs: scenario.targetMs,
        pass: medianMs <= scenario.targetMs,
      });
      const overlayTimes: number[] = [];
      for (let i = 0; i < warmupRuns + measuredRuns; i += 1) {
        // A fresh sites record each time defeats the memo, so this measures the real computation.
        const fresh = { ...design, sites: { ...design.sites } };
        const start = performance.now();
        const edges = computeOverlay(fresh);
        if (i >= warmupRuns) overlayTimes.push(performance.now() - start);
        if (edges.length === 0) throw new Error('no predicted paths; the benchmark would measure the wrong thing');
      }
      overlayTimes.sort((a, b) => a - b);
      const overlayMedian = roundMs(percentile(overlayTimes, 0.5));
      results.push({
        what: 'overlay',
        machines: scenario.machines,
        links: Object.keys(design.links).length,
        sites: scenario.sites,
        runs: measuredRuns,
        medianMs: overlayMedian,
        p95Ms: roundMs(percentile(overlayTimes, 0.95)),
        targetMs: scenario.targetMs,
        pass: overlayMedian <= scenario.targetMs,
      });
    }
    const report = {
      date: new Date().toISOString(),
      node: process.version,
      cpu: cpus()[0]?.model ?? 'unknown',
      cpuCount: cpus().length,
      results,
    };
    mkdirSync(fileURLToPath(new URL('../../bench-results/', import.meta.url)), { recursive: true });
    writeFileSync(resultFile, `${JSON.stringify(report, null, 2)}\n`);
    writeReadmeTable(
      'validate',
      [
        `Validation after a one-machine edit, and the predicted VPN paths between sites (${report.cpu}, ${report.cpuCount} cores, Node ${report.node}, ${report.date.slice(0, 10)}):`,
        '',
        '| what | machines | links | median | p95 | target | |',
        '|---|---:|---:|---:|---:|---:|---|',
        ...results.map((r) => `| ${r.what === 'validation' ? 'validation' : 'VPN paths'} | ${r.machines} | ${r.links} | ${r.medianMs} ms | ${r.p95Ms} ms | ≤ ${r.targetMs} ms | ${r.pass ? 'pass' : 'FAIL'} |`),
      ].join('\n'),
    );
    for (const r of results) console.log(`${r.what} ${r.machines} machines / ${r.links} links: median ${r.medianMs} ms, p95 ${r.p95Ms} ms (target ${r.targetMs} ms: ${r.pass ? 'pass' : 'FAIL'})`);

    expect(existsSync(resultFile)).toBe(true);
    const written = JSON.parse(readFileSync(resultFile, 'utf8')) as typeof report;
    expect(written.results).toHaveLength(scenarios.length * 2);
    expect(written.results[0]).toMatchObject({ what: 'validation', machines: 1000, links: 1500, targetMs: 5 });
    expect(written.results[1]).toMatchObject({ what: 'overlay', machines: 1000, targetMs: 5 });
  });
});
