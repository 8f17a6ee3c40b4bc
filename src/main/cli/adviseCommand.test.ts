import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Advice } from '../../shared/bench/advisor';
import { loadDataset } from '../../shared/bench/load';
import { compareMeasurement } from '../../shared/measure/compare';
import { describeMeasureRun, measureReportSchema } from '../../shared/measure/report';
import type { LinkMeasurement } from '../../shared/measure/schema';
import { loadDesignFile } from '../../shared/schema/load';
import { runAdvise } from './adviseCommand';
import { runCli } from './run';

const examples = resolve(import.meta.dirname, '../../../resources/examples');
const households = join(examples, 'three-households.clan-design.json');
const homeAndVps = join(examples, 'home-and-vps.clan-design.json');

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('clan-designer advise', () => {
  test('prints the profile, the ranking with reasons citing figures, the roles and the caveats', async () => {
    const result = await cli('advise', households);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const out = result.stdout;
    expect(out).toContain('VPN advice for clan "family": 4 sites, 6 machines');
    expect(out).toContain('"Sister\'s flat" has a poor link, which matches the medium impairment profile');
    expect(out).toMatch(/^1\. WireGuard: score \d+ of 100 \(Throughput [\d.]+ \+ Latency/m);
    expect(out).toContain('   - WireGuard: 8.8 Mbit/s single TCP at medium impairment, 29.6 % of the no-VPN link.');
    expect(out).toContain('   Roles:\n     Controller (hub): vps\n     Peer: home-server, desktop, parents-pi, parents-laptop, sister-nas');
    expect(out).toContain("     ! Third-party infrastructure: ZeroTier uses ZeroTier's public root servers by default.");
    // Only the first three in detail by default; the rest in one line each.
    expect(out).toContain('Also possible (run with --all for their reasons):');
    expect(out).toMatch(/^10\. Hyprspace: score \d+ of 100\. Hyprspace: 2\.0 Mbit\/s/m);
  });

  test('lists the excluded VPNs with the reason', async () => {
    const result = await cli('advise', homeAndVps, '--top', '1');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Excluded (they do not fit this design):');
    expect(result.stdout).toContain('   x Hyprspace has no app for phones, and the design has a phone ("phone").');
    expect(result.stdout).toContain('   - WireGuard: 864 Mbit/s single TCP at baseline, 92.5 % of the no-VPN link.');
  });

  test('--priority raises priorities; a top selfHosted excludes third-party VPNs', async () => {
    const result = await cli('advise', homeAndVps, '--priority', 'selfHosted', '--priority', 'resilience', '--all');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Resilience on bad links 3, Fully self-hosted 3');
    expect(result.stdout).toContain("   x You asked for a fully self-hosted network, and ZeroTier relies on ZeroTier's public root servers.");
    const commaSeparated = await cli('--json', 'advise', homeAndVps, '--priority', 'selfHosted,decentralised');
    expect((JSON.parse(commaSeparated.stdout) as { advice: Advice }).advice.priorities).toMatchObject({ selfHosted: 3, decentralised: 3 });
  });

  test('--json prints the whole advice', async () => {
    const result = await cli('advise', households, '--json');
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { ok: boolean; file: string; advice: Advice };
    expect(parsed.ok).toBe(true);
    expect(parsed.advice.entries).toHaveLength(10);
    expect(parsed.advice.profile.profile).toBe('medium');
    expect(parsed.advice.entries[0]!.roles.length).toBeGreaterThan(0);
  });

  test('an unreadable file or a file that is not a design exits 2 with a reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'advise-'));
    const missing = await cli('advise', join(dir, 'missing.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('it does not exist');
    writeFileSync(join(dir, 'other.json'), '{"kind":"something-else"}');
    const other = await cli('advise', join(dir, 'other.json'));
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('not a Clan Network Designer design');
    const json = await cli('--json', 'advise', join(dir, 'other.json'));
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout).error.code).toBe('notADesignFile');
  });

  test('reads an old (version 1) file and advises with the default priorities', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'advise-'));
    const v1 = readFileSync(resolve(import.meta.dirname, '../../shared/schema/fixtures/design-v1.json'), 'utf8');
    writeFileSync(join(dir, 'old.clan-design.json'), v1);
    const result = await cli('advise', join(dir, 'old.clan-design.json'), '--top', '0');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Ranking (run with --top N or --all for the reasons):');
    expect(result.stdout).toMatch(/^1\. /m);
  });

  test('bad arguments exit 2', async () => {
    expect((await cli('advise')).stderr).toContain('exactly one design file');
    const unknown = await cli('advise', households, '--priority', 'speed');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown priority "speed". Use one of: throughput, latency, resilience, selfHosted, clanNative, decentralised.');
    expect((await cli('advise', households, '--top', 'many')).code).toBe(2);
    expect((await cli('advise', households, households)).code).toBe(2);
  });

  test('a missing dataset exits 3', async () => {
    let stderr = '';
    const code = await runAdvise([households], { stdout: () => undefined, stderr: (t) => (stderr += t) }, '/nonexistent/vpn-bench.json');
    expect(code).toBe(3);
    expect(stderr).toContain('Could not read the benchmark data');
  });

  test('with a measurement kept beside the design, the figures come from the profile the worst measured link points to', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'advise-measured-'));
    const file = join(dir, 'family.clan-design.json');
    writeFileSync(file, readFileSync(households));
    const loaded = loadDesignFile(readFileSync(file, 'utf8'));
    if (!loaded.ok) throw new Error(loaded.error.code);
    const design = loaded.value.design;
    const dataset = loadDataset(JSON.parse(readFileSync(resolve(import.meta.dirname, '../../../resources/bench/vpn-bench.json'), 'utf8')));
    if (!dataset.ok) throw new Error(dataset.error.code);
    const id = (name: string) => Object.values(design.machines).find((m) => m.name === name)!.id;
    const link: LinkMeasurement = { from: id('parents-pi'), to: id('home-server'), address: '10.1.0.2', measuredAt: 1, seconds: 10, forwardMbps: 4, reverseMbps: 3, forwardRetransmits: 0, reverseRetransmits: 0, rttMinMs: 20, rttAvgMs: 21, rttMaxMs: 40, lossPercent: 6, pingsSent: 100, iperfProblem: null, pingProblem: null };
    const comparison = compareMeasurement(design, dataset.value, link);
    if (!comparison.ok) throw new Error(comparison.error.code);
    const pairs = [{ pairId: 'p', from: link.from, to: link.to, fromName: 'parents-pi', toName: 'home-server', address: link.address, addressSource: 'discovery' as const, link, comparison: comparison.value, problems: [], message: comparison.value.summary }];
    const report = measureReportSchema.parse({ kind: 'clan-designer-measure', version: 1, runId: '2026-12-07t10-00-00-000z-aaa111', startedAt: Date.UTC(2026, 11, 7, 10), finishedAt: Date.UTC(2026, 11, 7, 10, 1), outcome: 'finished', vpn: design.vpn.id, port: 5201, seconds: 10, pings: { count: 100, intervalSeconds: 0.2 }, pairs, summary: describeMeasureRun(pairs, 'finished') });
    mkdirSync(join(dir, 'family.measures', report.runId), { recursive: true });
    writeFileSync(join(dir, 'family.measures', report.runId, 'measure.json'), JSON.stringify(report));

    const result = await cli('advise', file);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`Measured 2026-12-07 10:00 UTC: ${comparison.value.summary}`);
    expect(result.stdout).toContain('Measured: the link from "parents-pi" to "home-server" is closest to the high impairment profile (6.0 % ping loss), the one measured link, so the figures are from that profile.');
    expect(result.stdout).not.toContain('which matches the medium impairment profile');
    const json = JSON.parse((await cli('advise', file, '--json')).stdout) as { advice: Advice; measured: { profile: { profile: string } } };
    expect([json.advice.profile.profile, json.measured.profile.profile]).toEqual(['high', 'high']);
  });
});
