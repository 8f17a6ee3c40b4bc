import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseKnownHosts } from '../../src/main/ssh/knownHosts';
import { SshClientPool, type HostKeyPrompt, type SshTarget } from '../../src/main/ssh/sshClient';
import { shouldRunLab, type LabHost } from '../lab/lab';
import { useLab } from '../lab/suite';

// Against real OpenSSH servers in network namespaces (test/lab/lab.ts): host key trust, unreachable hosts, command
// time limits, cancellation, jump hosts and the exact argv hostile strings arrive with.
const runLab = await shouldRunLab();

describe.skipIf(!runLab)('SSH against the lab', () => {
  const suite = useLab('ssh');

  function target(host: LabHost, jump?: LabHost): SshTarget {
    const user = suite.lab.users.plain;
    const self = { host: host.address, port: host.port, username: user.name, privateKey: user.privateKey };
    return jump === undefined ? self : { ...self, jump: target(jump) };
  }
  let n = 0;
  function pool(options: { strict?: boolean; answer?: boolean; prompts?: HostKeyPrompt[]; knownHostsPath?: string; connectTimeoutMs?: number } = {}): { pool: SshClientPool; knownHostsPath: string } {
    const knownHostsPath = options.knownHostsPath ?? join(suite.work, `known_hosts_${(n += 1)}`);
    const created = new SshClientPool({
      knownHostsPath,
      connectTimeoutMs: options.connectTimeoutMs ?? 5_000,
      hostKeyPolicy:
        options.strict === true
          ? { mode: 'strict' }
          : {
              mode: 'tofu',
              confirm: async (prompt) => {
                options.prompts?.push(prompt);
                return options.answer ?? true;
              },
            },
    });
    suite.track(created);
    return { pool: created, knownHostsPath };
  }

  test('an unknown host key is shown with its SHA256 fingerprint, recorded when accepted, and not asked again', async () => {
    const prompts: HostKeyPrompt[] = [];
    const alpha = suite.lab.host('alpha');
    const { pool: first, knownHostsPath } = pool({ prompts });
    const result = await first.exec(target(alpha), ['hostname'], { timeoutMs: 5_000 });
    expect(result).toEqual({ ok: true, value: { code: 0, signal: null, stdout: 'alpha\n', stderr: '' } });
    expect(prompts).toEqual([{ host: alpha.address, port: 22, keyType: 'ssh-ed25519', fingerprint: alpha.hostKeyFingerprint, otherKeyTypes: [] }]);
    // Written hashed, in a form OpenSSH itself finds.
    const entries = parseKnownHosts(readFileSync(knownHostsPath, 'utf8'));
    expect(entries).toHaveLength(1);
    expect(entries[0]!.hosts).toMatch(/^\|1\|/);
    expect(execFileSync('ssh-keygen', ['-F', alpha.address, '-f', knownHostsPath]).toString()).toContain(alpha.hostKeyBase64);
    // A second pool with the same file trusts the key without asking.
    const again: HostKeyPrompt[] = [];
    const { pool: second } = pool({ prompts: again, knownHostsPath });
    expect((await second.exec(target(alpha), ['true'])).ok).toBe(true);
    expect(again).toEqual([]);
  });

  test('strict mode refuses an unknown host key, and a declined key is not recorded', async () => {
    const { pool: strict, knownHostsPath } = pool({ strict: true });
    const refused = await strict.exec(target(suite.lab.host('beta')), ['true']);
    expect(refused).toMatchObject({ ok: false, error: { code: 'sshHostKeyUnknown', details: { host: suite.lab.host('beta').address, fingerprint: suite.lab.host('beta').hostKeyFingerprint } } });
    const { pool: declining } = pool({ answer: false, knownHostsPath });
    expect(await declining.exec(target(suite.lab.host('beta')), ['true'])).toMatchObject({ ok: false, error: { code: 'sshHostKeyRejected' } });
    expect(() => readFileSync(knownHostsPath)).toThrow();
  });

  test('a changed host key is refused with the old and new fingerprints, even in trust-on-first-use mode', async () => {
    const beta = suite.lab.host('beta');
    const prompts: HostKeyPrompt[] = [];
    const { pool: first, knownHostsPath } = pool({ prompts });
    expect((await first.exec(target(beta), ['true'])).ok).toBe(true);
    first.closeAll();
    const oldFingerprint = beta.hostKeyFingerprint;
    const newFingerprint = await beta.replaceHostKey();
    expect(newFingerprint).not.toBe(oldFingerprint);
    const result = await first.exec(target(beta), ['true']);
    expect(result).toMatchObject({
      ok: false,
      error: { code: 'sshHostKeyChanged', details: { fingerprint: newFingerprint, knownFingerprint: oldFingerprint, knownHostsFile: knownHostsPath, line: 1 } },
    });
    expect(prompts).toHaveLength(1); // asked once for the first key, never for the changed one
  });

  test('a host whose link is down is reported unreachable within its connect timeout', async () => {
    const alpha = suite.lab.host('alpha');
    const { pool: p } = pool({ connectTimeoutMs: 1_500 });
    await alpha.linkDown();
    try {
      const started = Date.now();
      const result = await p.exec(target(alpha), ['true']);
      const elapsed = Date.now() - started;
      expect(result).toMatchObject({ ok: false, error: { code: 'sshHostUnreachable', details: { host: alpha.address } } });
      expect(elapsed).toBeLessThan(1_500 + 500);
    } finally {
      await alpha.linkUp();
    }
  });

  test('a stopped sshd is reported unreachable at once (connection refused)', async () => {
    const alpha = suite.lab.host('alpha');
    const { pool: p } = pool();
    await alpha.stopSshd();
    try {
      expect(await p.exec(target(alpha), ['true'])).toMatchObject({ ok: false, error: { code: 'sshHostUnreachable', details: { reason: 'ECONNREFUSED' } } });
    } finally {
      await alpha.startSshd();
    }
  });

  test('an open session whose sshd dies mid-command gives sshConnectionLost promptly', async () => {
    const delta = suite.lab.host('delta');
    const bastion = suite.lab.host('bastion');
    const { pool: p } = pool();
    const marker = `3600.${Date.now()}3`;
    const running = p.exec(target(delta, bastion), [delta.hangCommand, marker], { timeoutMs: 20_000 });
    for (let i = 0; i < 100 && remoteSleepers(marker) === ''; i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(remoteSleepers(marker)).not.toBe('');
    try {
      const killedAt = Date.now();
      await delta.stopSshd({ killSessions: true });
      expect(await running).toMatchObject({ ok: false, error: { code: 'sshConnectionLost', details: { host: delta.address } } });
      expect(Date.now() - killedAt).toBeLessThan(1_000);
      // The jump host's own connection is untouched and a fresh connect to delta is refused, not hung.
      expect(await p.exec(target(bastion), ['hostname'])).toMatchObject({ ok: true, value: { stdout: 'bastion\n' } });
      expect(await p.exec(target(delta, bastion), ['true'])).toMatchObject({ ok: false, error: { code: 'sshHostUnreachable', details: { reason: 'forwardRefused' } } });
    } finally {
      await delta.startSshd();
    }
    expect(await p.exec(target(delta, bastion), ['hostname'])).toMatchObject({ ok: true, value: { stdout: 'delta\n' } });
  });

  function remoteSleepers(marker: string): string {
    try {
      return execFileSync('pgrep', ['-af', `sleep ${marker}`]).toString();
    } catch {
      return ''; // pgrep exits 1 when nothing matches
    }
  }
  async function waitUntilGone(marker: string): Promise<string> {
    for (let i = 0; i < 40 && remoteSleepers(marker) !== ''; i += 1) await new Promise((r) => setTimeout(r, 50));
    return remoteSleepers(marker);
  }

  test('a hanging command is cut at its timeout and its remote processes are killed; the connection stays usable', async () => {
    const alpha = suite.lab.host('alpha');
    const { pool: p } = pool();
    expect((await p.connect(target(alpha))).ok).toBe(true);
    const marker = `3600.${Date.now()}1`;
    const started = Date.now();
    const result = await p.exec(target(alpha), [alpha.hangCommand, marker], { timeoutMs: 800 });
    const elapsed = Date.now() - started;
    expect(result).toMatchObject({ ok: false, error: { code: 'sshCommandTimeout', details: { program: alpha.hangCommand, timeoutMs: 800 } } });
    expect(elapsed).toBeGreaterThanOrEqual(790);
    expect(elapsed).toBeLessThan(1_300);
    expect(await waitUntilGone(marker)).toBe('');
    expect(await p.exec(target(alpha), ['hostname'])).toMatchObject({ ok: true, value: { stdout: 'alpha\n' } });
  });

  test('cancelling a running command returns within a fraction of a second and stops it remotely', async () => {
    const beta = suite.lab.host('beta');
    const { pool: p } = pool();
    const controller = new AbortController();
    const marker = `3600.${Date.now()}2`;
    const running = p.exec(target(beta), [beta.hangCommand, marker], { timeoutMs: 20_000, signal: controller.signal });
    for (let i = 0; i < 100 && remoteSleepers(marker) === ''; i += 1) await new Promise((r) => setTimeout(r, 50));
    expect(remoteSleepers(marker)).not.toBe('');
    const cancelledAt = Date.now();
    controller.abort();
    expect(await running).toMatchObject({ ok: false, error: { code: 'sshCancelled' } });
    expect(Date.now() - cancelledAt).toBeLessThan(200);
    expect(await waitUntilGone(marker)).toBe('');
  });

  test('cancelling while a host key question is open ends the connect as cancelled, and the late answer changes nothing', async () => {
    // The question is answered only after the connection was given up (as when a person answers a dialog that was
    // already withdrawn): ssh2 must not be told the verdict of a connection it has torn down.
    for (const lateAnswer of [false, true]) {
      const asked: HostKeyPrompt[] = [];
      const knownHostsPath = join(suite.work, `known_hosts_late_${String(lateAnswer)}`);
      let answer: ((trust: boolean) => void) | undefined;
      const p = new SshClientPool({
        knownHostsPath,
        connectTimeoutMs: 5_000,
        hostKeyPolicy: {
          mode: 'tofu',
          confirm: (prompt) => {
            asked.push(prompt);
            return new Promise<boolean>((resolve) => (answer = resolve));
          },
        },
      });
      suite.track(p);
      const controller = new AbortController();
      const connecting = p.exec(target(suite.lab.host('alpha')), ['true'], { signal: controller.signal });
      for (let i = 0; i < 100 && answer === undefined; i += 1) await new Promise((r) => setTimeout(r, 20));
      expect(asked).toHaveLength(1);
      controller.abort();
      expect(await connecting).toMatchObject({ ok: false, error: { code: 'sshCancelled' } });
      // Answered once the connection is fully closed.
      await new Promise((r) => setTimeout(r, 200));
      answer!(lateAnswer);
      await new Promise((r) => setTimeout(r, 200));
      // Nothing is recorded for a connection that no longer exists.
      expect(() => readFileSync(knownHostsPath)).toThrow();
    }
  });

  test('cancelling a connect to an unreachable host returns at once', async () => {
    const alpha = suite.lab.host('alpha');
    const { pool: p } = pool({ connectTimeoutMs: 10_000 });
    await alpha.linkDown();
    try {
      const controller = new AbortController();
      const connecting = p.exec(target(alpha), ['true'], { signal: controller.signal });
      await new Promise((r) => setTimeout(r, 300));
      const cancelledAt = Date.now();
      controller.abort();
      expect(await connecting).toMatchObject({ ok: false, error: { code: 'sshCancelled' } });
      expect(Date.now() - cancelledAt).toBeLessThan(200);
    } finally {
      await alpha.linkUp();
    }
  });

  test('a host behind NAT is unreachable directly but reachable through the bastion as a jump host', async () => {
    const gamma = suite.lab.host('gamma');
    const bastion = suite.lab.host('bastion');
    const prompts: HostKeyPrompt[] = [];
    const { pool: p } = pool({ prompts, connectTimeoutMs: 1_500 });
    expect(await p.exec(target(gamma), ['true'])).toMatchObject({ ok: false, error: { code: 'sshHostUnreachable', details: { reason: 'timeout' } } });
    const result = await p.exec(target(gamma, bastion), ['hostname'], { timeoutMs: 5_000 });
    expect(result).toMatchObject({ ok: true, value: { code: 0, stdout: 'gamma\n' } });
    // Both host keys were checked: the bastion's and, through the tunnel, the target's own.
    expect(prompts.map((q) => q.fingerprint)).toEqual([bastion.hostKeyFingerprint, gamma.hostKeyFingerprint]);
    // One connection per host, reused: many commands in parallel, no new prompts.
    const many = await Promise.all(Array.from({ length: 8 }, (_, i) => p.exec(target(gamma, bastion), ['echo', String(i)])));
    expect(many.map((r) => (r.ok ? r.value.stdout : r.error.code))).toEqual(Array.from({ length: 8 }, (_, i) => `${i}\n`));
    expect(prompts).toHaveLength(2);
  });

  test('hostile machine names, usernames and paths reach the remote program as exactly the argv that was sent', async () => {
    const alpha = suite.lab.host('alpha');
    const { pool: p } = pool();
    const hostile = [
      '',
      ' ',
      "it's",
      '"quoted"',
      '$(touch /tmp/cnd-pwned)',
      '`touch /tmp/cnd-pwned`',
      '; touch /tmp/cnd-pwned',
      '&& touch /tmp/cnd-pwned',
      '| touch /tmp/cnd-pwned',
      '> /tmp/cnd-pwned',
      '$HOME',
      '${IFS}',
      '~root',
      '*',
      '/etc/*',
      '?',
      '[a-z]',
      '{a,b}',
      '-rf',
      '--',
      'FOO=bar',
      'a\nb',
      'tab\there',
      '\r',
      '\\',
      "'\\''",
      '!',
      '#comment',
      '%1',
      'naïve-Ünïcødé-機械',
      'emoji 🔥 name',
      '../../etc/passwd',
      '/home/user/My Documents/it\'s "here"',
      'x'.repeat(2000),
    ];
    rmSync('/tmp/cnd-pwned', { force: true });
    const result = await p.exec(target(alpha), [alpha.argvCommand, ...hostile]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.stdout.split('\0')).toEqual([...hostile, '']);
    expect(() => readFileSync('/tmp/cnd-pwned')).toThrow();
    // A hostile program name is one word too: it is looked up as a file, never run as shell text.
    const asProgram = await p.exec(target(alpha), ['echo hi; touch /tmp/cnd-pwned']);
    expect(asProgram).toMatchObject({ ok: true, value: { code: 127, stdout: '' } });
    expect(() => readFileSync('/tmp/cnd-pwned')).toThrow();
  });

  test('the sudo user runs commands as root without a password, the plain user cannot', async () => {
    const alpha = suite.lab.host('alpha');
    const { pool: p } = pool();
    const sudoUser = { host: alpha.address, username: suite.lab.users.sudo.name, privateKey: suite.lab.users.sudo.privateKey };
    expect(await p.exec(sudoUser, ['sudo', '-n', 'id', '-u'])).toMatchObject({ ok: true, value: { code: 0, stdout: '0\n' } });
    const plain = await p.exec(target(alpha), ['sudo', '-n', 'id', '-u']);
    expect(plain.ok && plain.value.code).not.toBe(0);
  });

  test('a key the machine does not accept is reported as an authentication failure', async () => {
    const alpha = suite.lab.host('alpha');
    const { pool: p } = pool();
    const wrongKey = { host: alpha.address, username: suite.lab.users.plain.name, privateKey: suite.lab.users.sudo.privateKey };
    expect(await p.exec(wrongKey, ['true'])).toMatchObject({ ok: false, error: { code: 'sshAuthFailed', details: { username: suite.lab.users.plain.name } } });
  });
});
