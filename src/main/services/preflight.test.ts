import { describe, expect, test } from 'vitest';
import { appError } from '../../shared/errors';
import { designBuilder } from '../../shared/model/designBuilder';
import { PREFLIGHT_SCRIPT } from '../../shared/preflight';
import { err, ok } from '../../shared/result';
import type { SshTarget } from '../ssh/sshClient';
import { runPreflight, type PreflightPool } from './preflight';

const now = 1_800_000_000_000;
const healthy = `os_id=nixos\nos_version=24.11\nuname_m=x86_64\nnixos_marker=1\nnix_version=nix (Nix) 2.24.0\nnix_features=nix-command flakes\nmem_kb=8000000\ndisk_root_kb=50000000\ntun=1\nuid=0\nsudo=0\nsystemd_run=1\ndate=${now / 1000}\nend=1\n`;

function fixture() {
  const b = designBuilder();
  const laptop = b.site('Laptop', 'nat');
  const office = b.site('Office', 'public');
  const home = b.site('Home', 'nat');
  const bastion = b.machine('bastion', office);
  const denied = b.machine('denied', office);
  const gamma = b.machine('gamma', home);
  const nowhere = b.machine('nowhere', office, 'server', { ssh: null });
  b.machine('phone', home, 'phone');
  b.link('jumpHost', bastion, gamma);
  b.admin(laptop);
  return { design: b.design, bastion, denied, gamma, nowhere };
}

describe('runPreflight', () => {
  test('runs the fixed script once per managed machine, through the jump host, within the concurrency limit', async () => {
    const fx = fixture();
    const calls: { target: SshTarget; argv: readonly string[] }[] = [];
    let running = 0;
    let peak = 0;
    const pool: PreflightPool = {
      async exec(target, argv) {
        calls.push({ target, argv });
        running += 1;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 10));
        running -= 1;
        if (target.host === 'denied.lan') return err(appError('sshAuthFailed', { host: target.host, port: 22, username: target.username }));
        return ok({ code: 0, signal: null, stdout: healthy, stderr: '' });
      },
    };
    const progress: string[] = [];
    const results = await runPreflight(fx.design, { pool, identityFor: () => ({ privateKey: 'KEY' }), concurrency: 2, now: () => now, onProgress: (id, f) => progress.push(`${id}:${f.id}`) });
    expect(peak).toBe(2);
    expect(calls.every((c) => c.argv.length === 3 && c.argv[0] === 'sh' && c.argv[1] === '-c' && c.argv[2] === PREFLIGHT_SCRIPT)).toBe(true);
    expect(calls.find((c) => c.target.host === 'gamma.lan')!.target).toMatchObject({ username: 'root', privateKey: 'KEY', jump: { host: 'bastion.lan', privateKey: 'KEY' } });
    expect(results.map((r) => [r.name, r.status, r.via])).toEqual([
      ['bastion', 'ok', null],
      ['denied', 'error', null],
      ['gamma', 'ok', 'bastion'],
      ['nowhere', 'error', null],
    ]);
    const denied = results[1]!.findings;
    expect(denied.slice(0, 3).map((f) => [f.id, f.status])).toEqual([
      ['reachable', 'ok'],
      ['auth', 'error'],
      ['hostKey', 'ok'],
    ]);
    expect(denied[1]!.message).toContain('refused the SSH key');
    expect(denied.slice(3).every((f) => f.status === 'skipped')).toBe(true);
    expect(results[3]!.findings[0]!.message).toContain('no SSH address');
    expect(progress).toContain(`${fx.gamma}:clock`);
  });

  test('a machine that does not answer is reported unreachable at its time limit; a host key refusal is a hostKey error', async () => {
    const fx = fixture();
    const pool: PreflightPool = {
      exec(target, _argv, options) {
        if (target.host === 'bastion.lan') return Promise.resolve(err(appError('sshHostKeyUnknown', { host: target.host, port: 22, fingerprint: 'SHA256:abc' })));
        return new Promise((resolve) => options?.signal?.addEventListener('abort', () => resolve(err(appError('sshCancelled', { host: target.host, port: 22 })))));
      },
    };
    const started = Date.now();
    const results = await runPreflight(fx.design, { pool, identityFor: () => ({ privateKey: 'KEY' }), timeoutMs: 200 });
    expect(Date.now() - started).toBeLessThan(1_000);
    expect(results[0]!.findings.slice(0, 3).map((f) => [f.id, f.status])).toEqual([
      ['reachable', 'ok'],
      ['auth', 'skipped'],
      ['hostKey', 'error'],
    ]);
    expect(results[0]!.findings[2]!.message).toContain('SHA256:abc');
    expect(results[1]!.findings[0]).toMatchObject({ id: 'reachable', status: 'error' });
    expect(results[1]!.findings[0]!.message).toContain('Couldn');
  });
});
