import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import { runCli } from './run';

const examples = resolve(import.meta.dirname, '../../../resources/examples');

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('clan-designer validate', () => {
  test('an example design with only warnings exits 0 and lists them with their codes', async () => {
    const result = await cli('validate', join(examples, 'three-households.clan-design.json'));
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('clan "family", 4 sites, 6 machines');
    expect(result.stdout).toContain('[adminCannotReach]');
    expect(result.stdout).toMatch(/0 errors, \d+ warnings/);
  });

  test('a design with errors exits 1 and says what to do', async () => {
    const design = JSON.parse(readFileSync(join(examples, 'home-and-vps.clan-design.json'), 'utf8'));
    const first = Object.keys(design.design.machines)[0]!;
    design.design.machines[first].name = 'Living Room PC';
    const file = join(mkdtempSync(join(tmpdir(), 'validate-')), 'bad.clan-design.json');
    writeFileSync(file, JSON.stringify(design));
    const result = await cli('validate', file);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Living Room PC');
    expect(result.stdout).toContain('[machineNameInvalid]');
    const json = await cli('--json', 'validate', file);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.ok).toBe(false);
    expect(parsed.counts.error).toBeGreaterThan(0);
    expect(parsed.problems.some((p: { code: string }) => p.code === 'machineNameInvalid')).toBe(true);
  });

  test('a file that is not a design, or does not exist, exits 2 with a reason', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'validate-'));
    writeFileSync(join(dir, 'other.json'), '{"kind":"something-else"}');
    const other = await cli('validate', join(dir, 'other.json'));
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('not a Clan Network Designer design');
    const missing = await cli('validate', join(dir, 'missing.json'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('it does not exist');
    const json = await cli('--json', 'validate', join(dir, 'other.json'));
    expect(JSON.parse(json.stdout).error.code).toBe('notADesignFile');
  });

  test('validate without a file is a usage error', async () => {
    const result = await cli('validate');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('exactly one design file');
  });
});
