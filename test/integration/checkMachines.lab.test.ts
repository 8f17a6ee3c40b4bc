import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkMachines, type MachineCheckResult } from '../../src/main/services/checkMachines';
import { SshClientPool, type HostKeyPrompt } from '../../src/main/ssh/sshClient';
import { designBuilder } from '../../src/shared/model/designBuilder';
import { ok } from '../../src/shared/result';
import type { Machine } from '../../src/shared/model/types';
import { nixPlatformOf } from '../../src/shared/check';
import { shouldRunLab } from '../lab/lab';
import { useLab } from '../lab/suite';

// "Check machines" against the real lab (test/lab/lab.ts): six Debian hosts in two sites, a public office (bastion, alpha,
// beta) and a NATed home (gamma, delta, epsilon). The design draws jump host links from the bastion to the three
// NATed hosts, so computeDeployReach says 'jumpHost' and the check reaches them through the pool's jump host support.
// The admin's computer (the test runner) is in a third site of its own.
const runLab = await shouldRunLab();

const arch = nixPlatformOf(process.arch === 'arm64' ? 'aarch64' : process.arch === 'x64' ? 'x86_64' : process.arch) as Machine['arch'];

describe.skipIf(!runLab)('check machines against the lab', () => {
  const suite = useLab('check');

  const natted = ['gamma', 'delta', 'epsilon'];
  const all = ['bastion', 'alpha', 'beta', ...natted];

  /** alpha logs in as the sudo user, every other host as the plain user; the NATed hosts are behind the bastion. */
  function labDesign() {
    const b = designBuilder();
    const laptop = b.site('Laptop', 'nat');
    const office = b.site('office', 'public');
    const home = b.site('home', 'nat');
    const machine = (name: string, site: typeof office, user: string) => {
      const host = suite.lab.host(name);
      return b.machine(name, site, 'server', { arch, ssh: { host: host.address, port: host.port, user } });
    };
    const bastion = machine('bastion', office, suite.lab.users.plain.name);
    machine('alpha', office, suite.lab.users.sudo.name);
    machine('beta', office, suite.lab.users.plain.name);
    for (const name of natted) b.link('jumpHost', bastion, machine(name, home, suite.lab.users.plain.name));
    b.admin(laptop);
    return b.design;
  }

  function tofuPool(prompts: HostKeyPrompt[], connectTimeoutMs: number): SshClientPool {
    const pool = new SshClientPool({
      knownHostsPath: join(suite.work, `known_hosts_${suite.pools.length}`),
      connectTimeoutMs,
      hostKeyPolicy: { mode: 'tofu', confirm: async (prompt) => (prompts.push(prompt), true) },
    });
    suite.track(pool);
    return pool;
  }
  const identityFor = (m: Machine) => ({ privateKey: m.ssh!.user === suite.lab.users.sudo.name ? suite.lab.users.sudo.privateKey : suite.lab.users.plain.privateKey });
  const statuses = (r: MachineCheckResult) => Object.fromEntries(r.findings.map((f) => [f.id, f.status]));

  test('parallel check of 6 hosts across 2 sites with NAT: the NATed ones through the bastion, Debian reported with the install hint, sudo user ok, plain user not', async () => {
    const prompts: HostKeyPrompt[] = [];
    const progress: string[] = [];
    let running = 0;
    let peak = 0;
    const started = Date.now();
    const results = await checkMachines(labDesign(), {
      pool: tofuPool(prompts, 5_000),
      identityFor,
      concurrency: 6,
      timeoutMs: 10_000,
      onProgress: (id, f) => progress.push(`${id}:${f.id}`),
      onMachineStart: () => (peak = Math.max(peak, (running += 1))),
      onMachineDone: () => (running -= 1),
    });
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(peak).toBe(6);
    expect(results.map((r) => [r.name, r.via])).toEqual([
      ['bastion', null],
      ['alpha', null],
      ['beta', null],
      ['gamma', 'bastion'],
      ['delta', 'bastion'],
      ['epsilon', 'bastion'],
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
    expect(byName.beta!.findings.find((f) => f.id === 'root')!.message).toContain(`${suite.lab.users.plain.name} ALL=(ALL) NOPASSWD: ALL`);
    for (const name of natted) expect(statuses(byName[name]!).root).toBe('error');
    // Every hop had its host key checked, the NATed hosts' through the tunnel; each host was asked about once.
    expect(prompts.map((p) => p.fingerprint).sort()).toEqual(all.map((n) => suite.lab.host(n).hostKeyFingerprint).sort());
    expect(progress.filter((p) => p.endsWith(':clock'))).toHaveLength(6);
    // The keys were only just trusted, and the report says so rather than that they matched.
    for (const r of results) {
      expect(r.findings.find((f) => f.id === 'hostKey')!.message).toBe(`The host key (ssh-ed25519 ${suite.lab.host(r.name).hostKeyFingerprint}) was seen for the first time and trusted, and is now recorded in known_hosts; from now on it must match.`);
    }
    // Checked again with what was recorded: now they match.
    const again = await checkMachines(labDesign(), {
      pool: suite.track(new SshClientPool({ knownHostsPath: join(suite.work, `known_hosts_${suite.pools.length - 1}`), connectTimeoutMs: 5_000, hostKeyPolicy: { mode: 'strict' } })),
      identityFor,
      concurrency: 6,
      timeoutMs: 10_000,
    });
    expect(again.map((r) => r.findings.find((f) => f.id === 'hostKey')!.message)).toEqual(all.map(() => 'The host key matches known_hosts.'));
  });

  test('a host whose link is down is reported unreachable within its time limit while the others finish', async () => {
    const beta = suite.lab.host('beta');
    await beta.linkDown();
    try {
      const started = Date.now();
      const results = await checkMachines(labDesign(), { pool: tofuPool([], 1_500), identityFor, concurrency: 6, timeoutMs: 1_500 });
      expect(Date.now() - started).toBeLessThan(1_500 + 1_000);
      const byName = Object.fromEntries(results.map((r) => [r.name, r]));
      const down = byName.beta!.findings;
      expect(down[0]).toMatchObject({ id: 'reachable', status: 'error' });
      expect(down[0]!.message).toContain(`Couldn't reach machine “${beta.address}”`);
      expect(down.slice(1).every((f) => f.status === 'skipped')).toBe(true);
      for (const name of all.filter((n) => n !== 'beta')) expect(statuses(byName[name]!).reachable).toBe('ok');
      expect(statuses(byName.gamma!).clock).toBe('ok');
    } finally {
      await beta.linkUp();
    }
  });

  test('sshd stopped mid-run: that host is reported unreachable with a clear message, the others finish', async () => {
    const epsilon = suite.lab.host('epsilon');
    // Two at a time; as soon as the first machine is done, epsilon's sshd (checked last) is stopped. Its check waits
    // for the stop, so the order does not depend on timing.
    let stopping: Promise<void> | undefined;
    const done: string[] = [];
    const design = labDesign();
    try {
      const results = await checkMachines(design, {
        pool: tofuPool([], 3_000),
        resolveTarget: async (m) => {
          if (m.name === 'epsilon') await stopping;
          return ok({ host: m.ssh!.host, port: m.ssh!.port, username: m.ssh!.user, ...identityFor(m) });
        },
        concurrency: 2,
        timeoutMs: 5_000,
        onMachineDone: (r) => {
          done.push(r.name);
          if (done.length === 1) stopping = epsilon.stopSshd();
        },
      });
      expect(stopping).toBeDefined();
      expect(done.indexOf('epsilon')).toBeGreaterThan(0);
      const byName = Object.fromEntries(results.map((r) => [r.name, r]));
      const stopped = byName.epsilon!.findings;
      expect(stopped[0]).toMatchObject({ id: 'reachable', status: 'error' });
      expect(stopped[0]!.message).toContain(`Couldn't reach machine “${epsilon.address}” (through jump host “${suite.lab.host('bastion').address}”): the jump host could not open a connection to it.`);
      expect(stopped.slice(1).every((f) => f.status === 'skipped')).toBe(true);
      for (const name of all.filter((n) => n !== 'epsilon')) expect([name, statuses(byName[name]!).reachable, statuses(byName[name]!).clock]).toEqual([name, 'ok', 'ok']);
    } finally {
      await epsilon.startSshd();
    }
  });
});
