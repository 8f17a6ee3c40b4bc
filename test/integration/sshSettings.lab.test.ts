import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { checkMachines, targetRequestOf } from '../../src/main/services/checkMachines';
import { parseKnownHosts } from '../../src/main/ssh/knownHosts';
import { SshClientPool, type SshTarget } from '../../src/main/ssh/sshClient';
import { SshSettings, type PassphraseRequest, type SshSettingsOptions } from '../../src/main/ssh/sshSettings';
import { describeError } from '../../src/shared/errors';
import { designBuilder } from '../../src/shared/model/designBuilder';
import { shouldRunLab } from '../lab/lab';
import { useLab } from '../lab/suite';

// The person's own SSH setup against the lab's real sshd servers (test/lab/lab.ts): a ~/.ssh/config with aliases
// and ProxyJump, a real ssh-agent holding the key, and a key file protected by a passphrase.
const runLab = await shouldRunLab();

describe.skipIf(!runLab)('SSH settings (config, agent, passphrases) against the lab', () => {
  const suite = useLab('sshsettings');
  const agents: ChildProcess[] = [];
  suite.onTeardown(async () => {
    for (const agent of agents) agent.kill('SIGKILL');
    await Promise.all(agents.map((a) => (a.exitCode === null && a.signalCode === null ? new Promise((r) => a.once('exit', r)) : undefined)));
  });

  let n = 0;
  /** A fresh HOME with an empty ~/.ssh, and a trust-on-first-use pool recording into its known_hosts. */
  function home(): { homeDir: string; ssh: string; pool: SshClientPool; knownHostsPath: string } {
    const homeDir = join(suite.work, `home${(n += 1)}`);
    const ssh = join(homeDir, '.ssh');
    mkdirSync(ssh, { recursive: true, mode: 0o700 });
    const knownHostsPath = join(ssh, 'known_hosts');
    const pool = new SshClientPool({ knownHostsPath, connectTimeoutMs: 5_000, hostKeyPolicy: { mode: 'tofu', confirm: async () => true } });
    suite.track(pool);
    return { homeDir, ssh, pool, knownHostsPath };
  }
  function settings(homeDir: string, options: Partial<SshSettingsOptions> = {}): SshSettings {
    return new SshSettings({ homeDir, env: {}, localUser: 'nobody-local', ...options });
  }
  async function resolve(s: SshSettings, host: string, request: { port?: number; user?: string } = {}): Promise<SshTarget> {
    const result = await s.resolveTarget({ host, ...request });
    if (!result.ok) throw new Error(describeError(result.error));
    return result.value;
  }

  test('~/.ssh/config: an alias gives HostName, User, Port and IdentityFile, and ProxyJump through the bastion reaches a NATed host', async () => {
    const { homeDir, ssh, pool, knownHostsPath } = home();
    copyFileSync(suite.lab.users.plain.privateKeyPath, join(ssh, 'lab_key'));
    const alpha = suite.lab.host('alpha');
    writeFileSync(
      join(ssh, 'config'),
      [
        'Host office-alpha',
        `  HostName ${alpha.address}`,
        `  Port ${alpha.altPort}`,
        'Host jump',
        `  HostName ${suite.lab.host('bastion').address}`,
        'Host home-*',
        '  ProxyJump jump',
        'Host home-gamma',
        `  HostName ${suite.lab.host('gamma').address}`,
        'Host *',
        `  User ${suite.lab.users.plain.name}`,
        '  IdentityFile ~/.ssh/lab_key',
        '  IdentitiesOnly yes',
        '',
      ].join('\n'),
    );
    const s = settings(homeDir);
    const office = await resolve(s, 'office-alpha');
    expect(office).toMatchObject({ host: alpha.address, port: alpha.altPort, username: suite.lab.users.plain.name });
    expect(await pool.exec(office, ['hostname'])).toMatchObject({ ok: true, value: { stdout: 'alpha\n' } });
    // The key was recorded for the address and port actually used, as OpenSSH writes it.
    expect(execFileSync('ssh-keygen', ['-F', `[${alpha.address}]:${alpha.altPort}`, '-f', knownHostsPath]).toString()).toContain(alpha.hostKeyBase64);

    const natted = await resolve(s, 'home-gamma');
    expect(natted).toMatchObject({ host: suite.lab.host('gamma').address, jump: { host: suite.lab.host('bastion').address, username: suite.lab.users.plain.name } });
    expect(await pool.exec(natted, ['hostname'])).toMatchObject({ ok: true, value: { stdout: 'gamma\n' } });
    expect(parseKnownHosts(readFileSync(knownHostsPath, 'utf8'))).toHaveLength(3);

    // A check of design machines whose addresses are the aliases: no jump host link is drawn, ProxyJump does it.
    const b = designBuilder();
    const site = b.site('office', 'public');
    b.machine('a', site, 'server', { ssh: { host: 'office-alpha', port: 22, user: '' } });
    b.machine('g', b.site('home', 'nat'), 'server', { ssh: { host: 'home-gamma', port: 22, user: '' } });
    b.admin(b.site('laptop', 'nat'));
    const results = await checkMachines(b.design, { pool, resolveTarget: (m, signal) => s.resolveTarget(targetRequestOf(m), signal), timeoutMs: 10_000 });
    expect(results.map((r) => [r.name, r.target, r.via, r.findings[0]!.status, r.findings[1]!.status])).toEqual([
      ['a', `${suite.lab.users.plain.name}@${alpha.address}:${alpha.altPort}`, null, 'ok', 'ok'],
      ['g', `${suite.lab.users.plain.name}@${suite.lab.host('gamma').address}`, suite.lab.host('bastion').address, 'ok', 'ok'],
    ]);
  });

  /** Starts `ssh-agent -D` (in the foreground, as a child of this process) on a socket; resolves once it listens. */
  async function startAgent(): Promise<string> {
    const socket = join(suite.work, `agent${(n += 1)}.sock`);
    const agent = spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' });
    agents.push(agent);
    for (let i = 0; i < 100 && !existsSync(socket); i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(existsSync(socket)).toBe(true);
    return socket;
  }

  test('ssh-agent: logging in with the agent only, no key file anywhere; without it there is nothing to offer', async () => {
    const socket = await startAgent();
    const keyCopy = join(suite.work, `agent-key${n}`);
    copyFileSync(suite.lab.users.plain.privateKeyPath, keyCopy);
    chmodSync(keyCopy, 0o600);
    execFileSync('ssh-add', ['-q', keyCopy], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'pipe' });
    rmSync(keyCopy);
    const { homeDir, pool } = home();
    const beta = suite.lab.host('beta');
    const viaAgent = await resolve(settings(homeDir, { env: { SSH_AUTH_SOCK: socket } }), beta.address, { user: suite.lab.users.plain.name });
    expect(viaAgent.auth?.map((m) => m.type)).toEqual(['agent']);
    expect(await pool.exec(viaAgent, ['whoami'])).toMatchObject({ ok: true, value: { stdout: `${suite.lab.users.plain.name}\n` } });
    // The agent holds the plain user's key only: the sudo user is refused, as an authentication failure.
    const other = await resolve(settings(homeDir, { env: { SSH_AUTH_SOCK: socket } }), beta.address, { user: suite.lab.users.sudo.name });
    expect(await pool.exec(other, ['true'])).toMatchObject({ ok: false, error: { code: 'sshAuthFailed', details: { username: suite.lab.users.sudo.name } } });
    const none = await settings(homeDir).resolveTarget({ host: beta.address, user: suite.lab.users.plain.name });
    expect(none).toMatchObject({ ok: false, error: { code: 'sshNoIdentity', details: { agent: 'notSet' } } });
  });

  /** A copy of the plain user's lab key, protected by a passphrase with ssh-keygen -p. */
  function lockedKey(passphrase: string): string {
    const path = join(suite.work, `locked${(n += 1)}`);
    copyFileSync(suite.lab.users.plain.privateKeyPath, path);
    chmodSync(path, 0o600);
    execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', passphrase, '-f', path], { stdio: 'pipe' });
    expect(readFileSync(path, 'utf8')).not.toBe(suite.lab.users.plain.privateKey);
    return path;
  }

  test('a key with a passphrase: asked when the machine accepts the key, asked again after a wrong one, then kept in memory', async () => {
    const key = lockedKey('correct horse');
    const { homeDir, pool } = home();
    const asked: PassphraseRequest[] = [];
    const answers = ['wrong guess', 'correct horse'];
    const s = settings(homeDir, { identityFiles: [key], askPassphrase: async (request) => (asked.push(request), answers.shift() ?? null) });
    const alpha = suite.lab.host('alpha');
    const started = Date.now();
    expect(await pool.exec(await resolve(s, alpha.address, { user: suite.lab.users.plain.name }), ['whoami'])).toMatchObject({ ok: true, value: { stdout: `${suite.lab.users.plain.name}\n` } });
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(asked).toEqual([
      { keyPath: key, host: alpha.address, attempt: 1 },
      { keyPath: key, host: alpha.address, attempt: 2 },
    ]);
    // Another machine with the same settings: the key is already unlocked, nothing is asked.
    expect(await pool.exec(await resolve(s, suite.lab.host('beta').address, { user: suite.lab.users.plain.name }), ['hostname'])).toMatchObject({ ok: true, value: { stdout: 'beta\n' } });
    // A user whose authorized_keys lacks this key: the machine refuses the public key, so the passphrase is not asked.
    const fresh = settings(homeDir, { identityFiles: [key], askPassphrase: async (request) => (asked.push(request), 'correct horse') });
    expect(await pool.exec(await resolve(fresh, alpha.address, { user: suite.lab.users.sudo.name }), ['true'])).toMatchObject({ ok: false, error: { code: 'sshAuthFailed' } });
    expect(asked).toHaveLength(2);
  });

  test('a passphrase typed after the login was cancelled is not used, and nothing breaks', async () => {
    const key = lockedKey('late one');
    const { homeDir, pool } = home();
    let answer: ((passphrase: string | null) => void) | undefined;
    const s = settings(homeDir, { identityFiles: [key], askPassphrase: () => new Promise((r) => (answer = r)) });
    const controller = new AbortController();
    const beta = await resolve(s, suite.lab.host('beta').address, { user: suite.lab.users.plain.name });
    const login = pool.exec(beta, ['true'], { signal: controller.signal });
    for (let i = 0; i < 100 && answer === undefined; i += 1) await new Promise((r) => setTimeout(r, 20));
    expect(answer).toBeDefined();
    controller.abort();
    expect(await login).toMatchObject({ ok: false, error: { code: 'sshCancelled' } });
    // Typed once the connection is fully closed, as when the dialog was still open.
    await new Promise((r) => setTimeout(r, 200));
    answer!('late one');
    await new Promise((r) => setTimeout(r, 200));
  });

  test('a key with a passphrase and nobody to ask: skipped, with an error that says to use ssh-add; in the agent, it just works', async () => {
    const key = lockedKey('s3cret');
    const { homeDir, pool } = home();
    const bastion = await resolve(settings(homeDir, { identityFiles: [key] }), suite.lab.host('bastion').address, { user: suite.lab.users.plain.name });
    const refused = await pool.exec(bastion, ['true']);
    expect(refused).toMatchObject({ ok: false, error: { code: 'sshKeyPassphraseNeeded', details: { keyPaths: [key], reason: 'noPrompt', username: suite.lab.users.plain.name } } });
    expect(!refused.ok && describeError(refused.error)).toContain(`ssh-add ${key}`);

    // ssh-add asks for the passphrase once (here through an askpass program instead of a terminal).
    const socket = await startAgent();
    const askpass = join(suite.work, `askpass${n}`);
    writeFileSync(askpass, "#!/bin/sh\necho 's3cret'\n", { mode: 0o700 });
    execFileSync('ssh-add', ['-q', key], { env: { ...process.env, SSH_AUTH_SOCK: socket, SSH_ASKPASS: askpass, SSH_ASKPASS_REQUIRE: 'force' }, stdio: 'pipe', input: '' });
    let asks = 0;
    const withAgent = settings(homeDir, { env: { SSH_AUTH_SOCK: socket }, identityFiles: [key], askPassphrase: async () => ((asks += 1), null) });
    const delta = await resolve(withAgent, suite.lab.host('delta').address, { user: suite.lab.users.plain.name });
    expect(await pool.exec({ ...delta, jump: await resolve(withAgent, suite.lab.host('bastion').address, { user: suite.lab.users.plain.name }) }, ['hostname'])).toMatchObject({ ok: true, value: { stdout: 'delta\n' } });
    expect(asks).toBe(0);
  });
});
