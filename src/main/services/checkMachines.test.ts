import { describe, expect, test } from 'vitest';
import { appError } from '../../shared/errors';
import { designBuilder } from '../../shared/model/designBuilder';
import { CHECK_SCRIPT } from '../../shared/check';
import { err, ok } from '../../shared/result';
import type { SshTarget } from '../ssh/sshClient';
import { checkMachines, targetRequestOf, type CheckPool } from './checkMachines';

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

describe('checkMachines', () => {
  test('runs the fixed script once per managed machine, through the jump host, within the concurrency limit', async () => {
    const fx = fixture();
    const calls: { target: SshTarget; argv: readonly string[] }[] = [];
    let running = 0;
    let peak = 0;
    const pool: CheckPool = {
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
    const results = await checkMachines(fx.design, { pool, identityFor: () => ({ privateKey: 'KEY' }), concurrency: 2, now: () => now, onProgress: (id, f) => progress.push(`${id}:${f.id}`) });
    expect(peak).toBe(2);
    expect(calls.every((c) => c.argv.length === 3 && c.argv[0] === 'sh' && c.argv[1] === '-c' && c.argv[2] === CHECK_SCRIPT)).toBe(true);
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
    const pool: CheckPool = {
      exec(target, _argv, options) {
        if (target.host === 'bastion.lan') return Promise.resolve(err(appError('sshHostKeyUnknown', { host: target.host, port: 22, fingerprint: 'SHA256:abc' })));
        return new Promise((resolve) => options?.signal?.addEventListener('abort', () => resolve(err(appError('sshCancelled', { host: target.host, port: 22 })))));
      },
    };
    const started = Date.now();
    const results = await checkMachines(fx.design, { pool, identityFor: () => ({ privateKey: 'KEY' }), timeoutMs: 200 });
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

describe('checkMachines with resolveTarget (the person’s ~/.ssh/config, agent and keys)', () => {
  const okPool = (calls: SshTarget[]): CheckPool => ({
    exec: async (target) => {
      calls.push(target);
      return ok({ code: 0, signal: null, stdout: healthy, stderr: '' });
    },
  });

  test('the target comes from resolveTarget: an alias, its ProxyJump shown as "via"; a drawn jump host link wins over ProxyJump', async () => {
    const fx = fixture();
    const calls: SshTarget[] = [];
    const asked: string[] = [];
    const configured: Record<string, SshTarget> = {
      'bastion.lan': { host: '203.0.113.7', username: 'ops', auth: [] },
      'denied.lan': { host: '10.0.0.9', port: 2222, username: 'admin', auth: [], jump: { host: 'gate.example.org', username: 'jump', auth: [] } },
      'gamma.lan': { host: '10.0.1.5', username: 'root', auth: [], jump: { host: 'config-jump', username: 'x', auth: [] } },
    };
    const results = await checkMachines(fx.design, {
      pool: okPool(calls),
      resolveTarget: async (machine) => {
        asked.push(machine.name);
        return ok(configured[machine.ssh!.host]!);
      },
      now: () => now,
    });
    expect(results.map((r) => [r.name, r.status, r.target, r.via])).toEqual([
      ['bastion', 'ok', 'ops@203.0.113.7', null],
      ['denied', 'ok', 'admin@10.0.0.9:2222', 'gate.example.org'],
      ['gamma', 'ok', 'root@10.0.1.5', 'bastion'],
      ['nowhere', 'error', null, null],
    ]);
    // gamma: the design's jump host link (bastion) replaced the config's ProxyJump.
    expect(calls.find((t) => t.host === '10.0.1.5')!.jump).toEqual(configured['bastion.lan']);
    expect(results[1]!.findings[0]!.message).toContain('through the jump host "gate.example.org"');
    expect(asked).not.toContain('nowhere');
  });

  test('a broken config becomes the reachable finding and a missing key the auth finding, with the error’s message; nothing throws', async () => {
    const fx = fixture();
    const calls: SshTarget[] = [];
    const results = await checkMachines(fx.design, {
      pool: okPool(calls),
      resolveTarget: async (machine) => {
        if (machine.name === 'bastion') return err(appError('sshConfigInvalid', { path: '/home/me/.ssh/config', line: 4, reason: 'Port "x" is not a number from 1 to 65535' }));
        if (machine.name === 'denied') return err(appError('sshNoIdentity', { host: 'denied.lan', port: 22, username: 'root', agent: 'notSet', keyFiles: ['/home/me/.ssh/id_ed25519'] }));
        throw new Error('a bug in the resolver');
      },
      now: () => now,
    });
    expect(calls).toEqual([]);
    const [bastion, denied, gamma] = results;
    expect(bastion!.findings[0]).toMatchObject({ id: 'reachable', status: 'error' });
    expect(bastion!.findings[0]!.message).toContain('/home/me/.ssh/config (line 4) could not be used: Port "x" is not a number');
    expect(bastion!.findings.slice(1).every((f) => f.status === 'skipped')).toBe(true);
    expect(denied!.findings.slice(0, 2).map((f) => [f.id, f.status])).toEqual([
      ['reachable', 'skipped'],
      ['auth', 'error'],
    ]);
    expect(denied!.findings[1]!.message).toContain('No SSH key could be offered');
    expect(gamma!.status).toBe('error');
    expect(gamma!.findings[0]!.message).toContain('Something went wrong inside the app');
  });

  test('a jump host that cannot be resolved is named in the machine’s finding', async () => {
    const fx = fixture();
    const results = await checkMachines(fx.design, {
      pool: okPool([]),
      resolveTarget: async (machine) =>
        machine.name === 'bastion' ? err(appError('sshConfigInvalid', { path: '/c', errno: 'EACCES' })) : ok({ host: machine.ssh!.host, username: 'root', auth: [] }),
      now: () => now,
    });
    const gamma = results.find((r) => r.name === 'gamma')!;
    expect(gamma.via).toBe('bastion');
    expect(gamma.findings[0]!.message).toMatch(/^For the jump host "bastion": The SSH configuration \/c could not be used: it could not be read because permission was denied/);
  });

  test('a key whose passphrase was not given is an auth error that says to use ssh-add', async () => {
    const fx = fixture();
    const pool: CheckPool = {
      exec: async (target) => err(appError('sshKeyPassphraseNeeded', { host: target.host, port: 22, username: 'root', keyPaths: ['/home/me/.ssh/id_ed25519'], reason: 'noPrompt' })),
    };
    const results = await checkMachines(fx.design, { pool, resolveTarget: async (m) => ok({ host: m.ssh!.host, username: 'root', auth: [] }), now: () => now });
    expect(results[0]!.findings.slice(0, 3).map((f) => [f.id, f.status])).toEqual([
      ['reachable', 'ok'],
      ['auth', 'error'],
      ['hostKey', 'ok'],
    ]);
    expect(results[0]!.findings[1]!.message).toContain('ssh-add /home/me/.ssh/id_ed25519');
  });

  test('the time limit stands still while a person is being asked, and each machine reports its start and result', async () => {
    const fx = fixture();
    let waiting = true;
    // Each check takes 400 ms and gives up when its signal aborts; the limit is 200 ms. The first machine waits for a
    // person the whole time, so it must finish; the second does not, so it is cut at its limit.
    const pool: CheckPool = {
      exec: (target, _argv, options) =>
        new Promise((resolve) => {
          const timer = setTimeout(() => {
            waiting = false;
            resolve(ok({ code: 0, signal: null, stdout: healthy, stderr: '' }));
          }, 400);
          options?.signal?.addEventListener('abort', () => {
            clearTimeout(timer);
            resolve(err(appError('sshCancelled', { host: target.host, port: 22 })));
          });
        }),
    };
    const events: string[] = [];
    const results = await checkMachines(fx.design, {
      pool,
      identityFor: () => ({ privateKey: 'KEY' }),
      timeoutMs: 200,
      concurrency: 1,
      isWaitingForPerson: () => waiting,
      onMachineStart: (id) => events.push(`start ${id}`),
      onMachineDone: (r) => events.push(`done ${r.machineId} ${r.status}`),
      now: () => now,
    });
    expect(results[0]!.status).toBe('ok');
    expect(events.slice(0, 4)).toEqual([`start ${fx.bastion}`, `done ${fx.bastion} ok`, `start ${fx.denied}`, `done ${fx.denied} error`]);
    expect(results[1]!.findings[0]!.message).toContain('there was no answer within');
  });

  test('targetRequestOf leaves an empty user and port 22 to the SSH configuration', () => {
    const b = designBuilder();
    const site = b.site('s', 'public');
    const plainId = b.machine('a', site, 'server', { ssh: { host: ' nas ', port: 22, user: '' } });
    const explicitId = b.machine('b', site, 'server', { ssh: { host: 'nas', port: 2222, user: 'admin' } });
    const plain = b.design.machines[plainId]!;
    const explicit = b.design.machines[explicitId]!;
    expect(targetRequestOf(plain)).toEqual({ host: 'nas' });
    expect(targetRequestOf(explicit)).toEqual({ host: 'nas', port: 2222, user: 'admin' });
  });
});
