import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Advice } from '../../shared/bench/advisor';
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
});
