import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';
import pkg from '../../../package.json';
import { runCli } from './run';

async function cli(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) });
  return { code, stdout, stderr };
}

describe('clan-designer CLI', () => {
  test('--version prints the package version and exits 0', async () => {
    const result = await cli('--version');
    expect(result).toEqual({ code: 0, stdout: `${pkg.version}\n`, stderr: '' });
  });

  test('--json --version prints JSON', async () => {
    const result = await cli('--json', '--version');
    expect(JSON.parse(result.stdout)).toEqual({ name: 'Clan Network Designer', version: pkg.version });
  });

  test('--help lists the usage and the exit codes', async () => {
    const result = await cli('--help');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: clan-designer');
    expect(result.stdout).toContain('Exit codes: 0 ok, 1 the input has problems, 2 unusable input or arguments, 3 the operation failed.');
  });

  test('an unknown command or option exits 2 and says what to do', async () => {
    const command = await cli('frobnicate');
    expect(command.code).toBe(2);
    expect(command.stderr).toContain('Unknown command "frobnicate"');
    expect(command.stderr).toContain('clan-designer --help');
    const option = await cli('--frobnicate');
    expect(option.code).toBe(2);
    const json = await cli('--json', 'frobnicate');
    expect(JSON.parse(json.stdout).error.code).toBe('usage');
  });

  test('no command at all prints the help and exits 2', async () => {
    const result = await cli();
    expect(result.code).toBe(2);
    expect(result.stdout).toContain('Commands:');
  });

  const example = resolve(import.meta.dirname, '../../../resources/examples/three-households.clan-design.json');

  test('every command takes its options anywhere: --json before the command, after it, or after the file', async () => {
    for (const argv of [
      ['--json', 'validate', example],
      ['validate', '--json', example],
      ['validate', example, '--json'],
    ]) {
      const result = await cli(...argv);
      expect(JSON.parse(result.stdout)).toMatchObject({ file: example, counts: expect.any(Object) });
    }
    const board = await cli('leaderboard', '--json', '--profile', 'medium');
    expect(JSON.parse(board.stdout).profile).toBe('medium');
    const before = await cli('--profile', 'medium', 'leaderboard', '--json');
    expect(JSON.parse(before.stdout).profile).toBe('medium');
  });

  test('every command has --help, and every one that prints results accepts --json, also for its errors', async () => {
    for (const command of ['validate', 'advise', 'leaderboard', 'generate', 'check', 'serve']) {
      const help = await cli(command, '--help');
      expect(help.code, command).toBe(0);
      expect(help.stdout, command).toMatch(/^Usage: /);
    }
    for (const command of ['validate', 'advise', 'generate', 'check']) {
      const missing = await cli(command, '/nonexistent/design.clan-design.json', '--json', ...(command === 'generate' ? ['--out', '/nonexistent/out'] : []));
      expect(missing.code, command).toBe(2);
      expect(JSON.parse(missing.stdout), command).toMatchObject({ ok: false, file: '/nonexistent/design.clan-design.json', error: { code: 'fileAccessFailed', message: expect.stringContaining('it does not exist') } });
      const badOption = await cli(command, example, '--json', '--no-such-option');
      expect(badOption.code, command).toBe(2);
      expect(JSON.parse(badOption.stdout).error.code, command).toBe('usage');
    }
  });

  const bin = resolve(import.meta.dirname, '../../../bin/clan-designer.js');
  const built = existsSync(join(resolve(import.meta.dirname, '../../..'), 'out/main/cli.js'));
  test.runIf(built)('the installed bin runs as a real process and prints its version', () => {
    const result = spawnSync(process.execPath, [bin, '--version'], { encoding: 'utf8' });
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toBe(pkg.version);
  });
});
