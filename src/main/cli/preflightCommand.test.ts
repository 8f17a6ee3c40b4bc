import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { appError } from '../../shared/errors';
import { designBuilder } from '../../shared/model/designBuilder';
import { err, ok } from '../../shared/result';
import { serializeDesign } from '../../shared/schema/envelope';
import type { HostKeyPolicy } from '../ssh/sshClient';
import { runPreflightCommand } from './preflightCommand';
import { runCli } from './run';

const nixos = (date: number) =>
  `os_id=nixos\nos_version=24.11\nuname_m=x86_64\nnixos_marker=1\nnix_version=nix (Nix) 2.24.0\nnix_features=nix-command flakes\nmem_kb=8000000\ndisk_root_kb=50000000\ntun=1\nuid=0\nsudo=0\nsystemd_run=1\ndate=${date}\nend=1\n`;

function files(withDebian: boolean) {
  const dir = mkdtempSync(join(tmpdir(), 'preflight-cli-'));
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  b.machine('nas', home);
  if (withDebian) b.machine('old', home);
  b.admin(home);
  const design = join(dir, 'd.clan-design.json');
  writeFileSync(design, serializeDesign(b.design, '0.0.0'));
  const key = join(dir, 'id_test');
  writeFileSync(key, 'not really a key');
  return { dir, design, key };
}

async function run(argv: string[], json = false) {
  let stdout = '';
  let stderr = '';
  const policies: HostKeyPolicy[] = [];
  const code = await runPreflightCommand(argv, { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) }, json, {
    createPool: (options) => {
      policies.push(options.hostKeyPolicy);
      return {
        dispose: () => undefined,
        exec: (target) => {
          const now = Math.round(Date.now() / 1000);
          if (target.host === 'old.lan') return Promise.resolve(ok({ code: 0, signal: null, stdout: nixos(now).replace('os_id=nixos', 'os_id=debian').replace('nixos_marker=1', 'nixos_marker=0'), stderr: '' }));
          if (target.host === 'gone.lan') return Promise.resolve(err(appError('sshHostUnreachable', { host: target.host, port: 22, reason: 'ECONNREFUSED' })));
          return Promise.resolve(ok({ code: 0, signal: null, stdout: nixos(now), stderr: '' }));
        },
      };
    },
  });
  return { code, stdout, stderr, policies };
}

describe('clan-designer preflight', () => {
  test('all machines ready exits 0 and prints each finding', async () => {
    const f = files(false);
    const result = await run([f.design, '--identity', f.key]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('nas (root@nas.lan): ok');
    expect(result.stdout).toMatch(/ok {7}nixos/);
    expect(result.policies).toEqual([{ mode: 'strict' }]);
  });

  test('a machine with errors exits 1 and shows the command to copy; --json has the findings', async () => {
    const f = files(true);
    const result = await run([f.design, '--identity', f.key, '--accept-new']);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('old (root@old.lan): error');
    expect(result.stdout).toContain('to copy: clan machines install old --target-host root@old.lan');
    expect(result.policies[0]!.mode).toBe('tofu');
    const json = await run([f.design, '--identity', f.key], true);
    expect(json.code).toBe(1);
    const parsed = JSON.parse(json.stdout);
    expect(parsed.ok).toBe(false);
    expect(parsed.machines.map((m: { name: string; status: string }) => [m.name, m.status])).toEqual([
      ['nas', 'ok'],
      ['old', 'error'],
    ]);
  });

  test('unusable input exits 2', async () => {
    const f = files(false);
    expect((await run([])).code).toBe(2);
    expect((await run([f.design, '--strict', '--accept-new', '--identity', f.key])).stderr).toContain('contradict');
    expect((await run([f.design, '--concurrency', '0', '--identity', f.key])).code).toBe(2);
    expect((await run([f.design, '--timeout', 'soon', '--identity', f.key])).code).toBe(2);
    expect((await run([join(f.dir, 'missing.json'), '--identity', f.key])).stderr).toContain('it does not exist');
    expect((await run([f.design, '--identity', join(f.dir, 'nokey')])).stderr).toContain('Could not read the identity');
    writeFileSync(join(f.dir, 'other.json'), '{"kind":"something-else"}');
    expect((await run([join(f.dir, 'other.json'), '--identity', f.key])).code).toBe(2);
  });

  test('it is registered in the main CLI with its help', async () => {
    let stdout = '';
    const code = await runCli(['preflight', '--help'], { stdout: (t) => (stdout += t), stderr: () => undefined });
    expect(code).toBe(0);
    expect(stdout).toContain('--accept-new');
    let help = '';
    await runCli(['--help'], { stdout: (t) => (help += t), stderr: () => undefined });
    expect(help).toContain('preflight FILE');
  });
});
