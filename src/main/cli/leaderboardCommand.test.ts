import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Leaderboard } from '../../shared/bench/leaderboard';
import { findDatasetFile, runLeaderboard } from './leaderboardCommand';
import { runCli } from './run';

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('clan-designer leaderboard', () => {
  test('finds the bundled dataset next to the sources (and the built bundle)', () => {
    expect(findDatasetFile()).toBe(resolve(import.meta.dirname, '../../../resources/bench/vpn-bench.json'));
    expect(findDatasetFile(resolve(import.meta.dirname, '../../../out/main'))).toBe(resolve(import.meta.dirname, '../../../resources/bench/vpn-bench.json'));
  });

  test('prints an aligned table with value and factor per cell, the score and the rank', async () => {
    const result = await cli('leaderboard');
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    const lines = result.stdout.split('\n');
    expect(lines[0]).toBe('VPN leaderboard: baseline profile, preset "balanced", sorted by score');
    const header = lines.find((l) => l.startsWith('VPN  '))!;
    for (const heading of ['TCP', '3x TCP', 'UDP', 'Ping', 'Loss', 'QUIC', 'Video', 'Nix', 'Score', '#']) expect(header).toContain(heading);
    expect(lines).toContainEqual(expect.stringMatching(/^\s+Mbit\/s ↑\s+Mbit\/s ↑\s+Mbit\/s ↑\s+ms ↓\s+% ↓/));
    const wireguard = lines.find((l) => l.startsWith('WireGuard '))!;
    expect(wireguard).toMatch(/864 1\.0x/);
    expect(wireguard).toMatch(/\s1$/);
    expect(lines.find((l) => l.startsWith('No VPN (reference)'))).toMatch(/934 0\.9x/);
    // The columns line up: under each right-aligned heading, every row's factor ends ("x") in the same place,
    // followed by the flag mark or a space.
    const start = lines.indexOf(header);
    const rows = lines.slice(start + 2, start + 13);
    expect(rows).toHaveLength(11);
    let from = 'VPN'.length;
    for (const heading of ['TCP', '3x TCP', 'UDP', 'Ping', 'Loss', 'QUIC', 'Video', 'Nix']) {
      const end = header.indexOf(heading, from) + heading.length;
      from = end;
      for (const r of rows) {
        expect(r[end - 2]).toBe('x');
        expect([' ', '*']).toContain(r[end - 1]);
      }
    }
    expect(result.stdout).toContain('Stream essentially broken: Tailscale + Headscale (Video)');
  });

  test('--profile medium and --preset flakyLinks say what they show and score', async () => {
    const medium = await cli('leaderboard', '--profile', 'medium');
    expect(medium.code).toBe(0);
    expect(medium.stdout).toContain('medium impairment profile');
    expect(medium.stdout.split('\n').find((l) => l.startsWith('ZeroTier'))).toMatch(/12\.0 3\.5x/);
    const flaky = await cli('leaderboard', '--preset', 'flakyLinks');
    expect(flaky.stdout).toContain('over the medium impairment and high impairment profiles');
    expect(flaky.stdout.split('\n').find((l) => /\s1$/.test(l))).toMatch(/^ZeroTier/);
  });

  test('--json prints the computed rows, also as a global option', async () => {
    for (const argv of [['leaderboard', '--json', '--profile', 'low'], ['--json', 'leaderboard', '--profile', 'low']]) {
      const result = await cli(...argv);
      expect(result.code).toBe(0);
      const table = JSON.parse(result.stdout) as Leaderboard;
      expect(table.profile).toBe('low');
      expect(table.rows).toHaveLength(11);
      expect(table.rows.every((r) => r.cells.length === 8)).toBe(true);
    }
  });

  test('--sort and --worst-first order the rows', async () => {
    const result = await cli('--json', 'leaderboard', '--sort', 'nixCache', '--worst-first');
    const table = JSON.parse(result.stdout) as Leaderboard;
    const factors = table.rows.map((r) => r.cells[7]!.factor!);
    expect(factors).toEqual([...factors].sort((a, b) => b - a));
  });

  test('an unknown profile, preset or column exits 2 and lists the valid ones', async () => {
    const profile = await cli('leaderboard', '--profile', 'awful');
    expect(profile.code).toBe(2);
    expect(profile.stderr).toContain('There is no profile "awful". Use one of: baseline, low, medium, high.');
    expect((await cli('leaderboard', '--preset', 'gaming')).stderr).toContain('fileTransfer');
    expect((await cli('leaderboard', '--sort', 'price')).code).toBe(2);
    expect((await cli('leaderboard', '--frobnicate')).code).toBe(2);
  });

  test('a missing or damaged dataset exits 3 and says what to do', async () => {
    let stderr = '';
    const io = { stdout: () => undefined, stderr: (t: string) => (stderr += t) };
    const dir = mkdtempSync(join(tmpdir(), 'leaderboard-'));
    expect(await runLeaderboard([], io, join(dir, 'missing.json'))).toBe(3);
    expect(stderr).toContain('it does not exist');
    const damaged = JSON.parse(readFileSync(findDatasetFile(), 'utf8'));
    damaged.runs[0].cells[0].okPairs = 99;
    writeFileSync(join(dir, 'damaged.json'), JSON.stringify(damaged));
    stderr = '';
    expect(await runLeaderboard([], io, join(dir, 'damaged.json'))).toBe(3);
    expect(stderr).toContain('invalidBenchDataset');
  });

  test('the main help lists the new commands', async () => {
    const help = await cli('--help');
    expect(help.stdout).toMatch(/advise FILE/);
    expect(help.stdout).toMatch(/leaderboard {4}/);
    expect(JSON.parse((await cli('--json', '--help')).stdout).commands).toEqual(['validate', 'advise', 'leaderboard', 'generate', 'check', 'plan', 'deploy', 'install', 'verify', 'measure', 'serve']);
    expect((await cli('leaderboard', '--help')).stdout).toContain('Usage: clan-designer leaderboard');
  });
});
