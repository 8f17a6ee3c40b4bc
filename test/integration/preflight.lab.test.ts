import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { runPreflight, type MachinePreflight } from '../../src/main/services/preflight';
import { SshClientPool, type HostKeyPrompt } from '../../src/main/ssh/sshClient';
import { designBuilder } from '../../src/shared/model/designBuilder';
import type { Machine } from '../../src/shared/model/types';
import { nixPlatformOf } from '../../src/shared/preflight';
import { createLab, defaultLabSpec, destroyLeftovers, shouldRunLab, type Lab } from '../lab/lab';

// Preflight against the real lab (test/lab/lab.ts): four Debian hosts in two sites, gamma behind NAT. The design
// draws a jump host link bastion -> gamma, so computeDeployReach says 'jumpHost' and preflight reaches gamma through
// the pool's jump host support. The admin's computer (the test runner) is in a third site of its own.
const runLab = await shouldRunLab();

const arch = nixPlatformOf(process.arch === 'arm64' ? 'aarch64' : process.arch === 'x64' ? 'x86_64' : process.arch) as Machine['arch'];

describe.skipIf(!runLab)('preflight against the lab', () => {
  let lab: Lab;
  let work: string;
  const pools: SshClientPool[] = [];

  beforeAll(async () => {
    await destroyLeftovers();
    lab = await createLab(defaultLabSpec);
    work = mkdtempSync(join(tmpdir(), 'cnd-preflight-lab-'));
  });
  afterAll(async () => {
    for (const pool of pools) pool.dispose();
    await lab?.destroy();
    if (work !== undefined) rmSync(work, { recursive: true, force: true });
  });

  /** bastion, beta and gamma log in as the plain user, alpha as the sudo user. */
  function labDesign() {
    const b = designBuilder();
    const laptop = b.site('Laptop', 'nat');
    const office = b.site('office', 'public');
    const home = b.site('home', 'nat');
    const machine = (name: string, site: typeof office, user: string) => {
      const host = lab.host(name);
      return b.machine(name, site, 'server', { arch, ssh: { host: host.address, port: host.port, user } });
    };
    const bastion = machine('bastion', office, lab.users.plain.name);
    machine('alpha', office, lab.users.sudo.name);
    machine('beta', office, lab.users.plain.name);
    const gamma = machine('gamma', home, lab.users.plain.name);
    b.link('jumpHost', bastion, gamma);
    b.admin(laptop);
    return b.design;
  }

  function tofuPool(prompts: HostKeyPrompt[], connectTimeoutMs: number): SshClientPool {
    const pool = new SshClientPool({
      knownHostsPath: join(work, `known_hosts_${pools.length}`),
      connectTimeoutMs,
      hostKeyPolicy: { mode: 'tofu', confirm: async (prompt) => (prompts.push(prompt), true) },
    });
    pools.push(pool);
    return pool;
  }
  const identityFor = (m: Machine) => ({ privateKey: m.ssh!.user === lab.users.sudo.name ? lab.users.sudo.privateKey : lab.users.plain.privateKey });
  const statuses = (r: MachinePreflight) => Object.fromEntries(r.findings.map((f) => [f.id, f.status]));

  test('every host in parallel, gamma through the bastion: Debian is reported with the install hint, sudo user ok, plain user not', async () => {
    const prompts: HostKeyPrompt[] = [];
    const progress: string[] = [];
    const results = await runPreflight(labDesign(), { pool: tofuPool(prompts, 5_000), identityFor, concurrency: 4, timeoutMs: 10_000, onProgress: (id, f) => progress.push(`${id}:${f.id}`) });
    expect(results.map((r) => [r.name, r.via])).toEqual([
      ['bastion', null],
      ['alpha', null],
      ['beta', null],
      ['gamma', 'bastion'],
    ]);
    for (const r of results) {
      const s = statuses(r);
      expect([r.name, s.reachable, s.auth, s.hostKey, s.arch, s.systemdRun, s.clock]).toEqual([r.name, 'ok', 'ok', 'ok', 'ok', 'ok', 'ok']);
      const nixos = r.findings.find((f) => f.id === 'nixos')!;
      expect(nixos.status).toBe('error');
      expect(nixos.message).toContain('is not NixOS (it runs Debian');
      expect(nixos.command).toContain(`clan machines install ${r.name} --target-host`);
      expect(r.status).toBe('error');
    }
    const byName = Object.fromEntries(results.map((r) => [r.name, r]));
    expect(statuses(byName.alpha!).root).toBe('ok');
    expect(byName.alpha!.findings.find((f) => f.id === 'root')!.message).toContain('without a password');
    expect(statuses(byName.beta!).root).toBe('error');
    expect(byName.beta!.findings.find((f) => f.id === 'root')!.message).toContain(`${lab.users.plain.name} ALL=(ALL) NOPASSWD: ALL`);
    expect(statuses(byName.gamma!).root).toBe('error');
    // Both of gamma's hops had their host keys checked; each host was asked about once.
    expect(new Set(prompts.map((p) => p.fingerprint))).toEqual(new Set(['bastion', 'alpha', 'beta', 'gamma'].map((n) => lab.host(n).hostKeyFingerprint)));
    expect(progress.filter((p) => p.endsWith(':clock'))).toHaveLength(4);
  });

  test('a host whose link is down is reported unreachable within its time limit while the others finish', async () => {
    const beta = lab.host('beta');
    await beta.linkDown();
    try {
      const started = Date.now();
      const results = await runPreflight(labDesign(), { pool: tofuPool([], 1_500), identityFor, concurrency: 4, timeoutMs: 1_500 });
      expect(Date.now() - started).toBeLessThan(1_500 + 1_000);
      const byName = Object.fromEntries(results.map((r) => [r.name, r]));
      const down = byName.beta!.findings;
      expect(down[0]).toMatchObject({ id: 'reachable', status: 'error' });
      expect(down[0]!.message).toContain(`Couldn't reach machine “${beta.address}”`);
      expect(down.slice(1).every((f) => f.status === 'skipped')).toBe(true);
      for (const name of ['bastion', 'alpha', 'gamma']) expect(statuses(byName[name]!).reachable).toBe('ok');
      expect(statuses(byName.gamma!).clock).toBe('ok');
    } finally {
      await beta.linkUp();
    }
  });
});
