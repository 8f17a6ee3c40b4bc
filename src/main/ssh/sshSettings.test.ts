import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { describeError } from '../../shared/errors';
import type { SshAuthMethod, SshTarget } from './sshClient';
import { generateTestKeyPair } from './testKeys';
import { publicBlobOfOpenSshKey, SshSettings, type PassphraseRequest, type SshSettingsOptions } from './sshSettings';

function newHome(files: Record<string, string> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'cnd-sshsettings-'));
  mkdirSync(join(dir, '.ssh'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

/** A fresh ed25519 key pair with its public blob. */
function keyPair(passphrase?: string) {
  const pair = generateTestKeyPair(passphrase);
  const blob = Buffer.from(pair.public.split(' ')[1]!, 'base64');
  return { ...pair, blob };
}

function settings(homeDir: string, options: Partial<SshSettingsOptions> = {}) {
  return new SshSettings({ homeDir, env: {}, localUser: 'me', ...options });
}

async function target(s: SshSettings, host: string, request: { port?: number; user?: string } = {}): Promise<SshTarget> {
  const result = await s.resolveTarget({ host, ...request });
  if (!result.ok) throw new Error(`unexpected: ${describeError(result.error)}`);
  return result.value;
}

/** The auth methods as readable labels: "agent <socket>", "key <path>", "lockedKey <path>". */
function labels(auth: readonly SshAuthMethod[] | undefined): string[] {
  return (auth ?? []).map((m) => (m.type === 'agent' ? `agent ${m.socket}${m.onlyKeys === undefined ? '' : ` only ${m.onlyKeys.length}`}` : `${m.type} ${m.label}`));
}

function lockedKey(auth: readonly SshAuthMethod[] | undefined) {
  const found = auth?.find((m) => m.type === 'lockedKey');
  if (found?.type !== 'lockedKey') throw new Error('no locked key');
  return found;
}

describe('SshSettings.resolveTarget', () => {
  test('without a config: the address as given, port 22, the default user, and the default keys that exist', async () => {
    const home = newHome({ '.ssh/id_ecdsa': keyPair().private, '.ssh/id_rsa': keyPair().private });
    const t = await target(settings(home, { defaultUser: 'root' }), 'nas.lan');
    expect(t).toMatchObject({ host: 'nas.lan', port: 22, username: 'root' });
    expect(labels(t.auth)).toEqual([`key ${home}/.ssh/id_ecdsa`, `key ${home}/.ssh/id_rsa`]);
    expect(t.jump).toBeUndefined();
  });

  test('the ssh-agent comes first, then key files; IdentitiesOnly limits the agent to those keys', async () => {
    const home = newHome({ '.ssh/id_ed25519': keyPair().private, 'agent.sock': '' });
    const socket = join(home, 'agent.sock');
    const plain = await target(settings(home, { env: { SSH_AUTH_SOCK: socket } }), 'nas.lan');
    expect(labels(plain.auth)).toEqual([`agent ${socket}`, `key ${home}/.ssh/id_ed25519`]);
    writeFileSync(join(home, '.ssh/config'), 'Host nas.lan\n  IdentitiesOnly yes\n');
    const only = await target(settings(home, { env: { SSH_AUTH_SOCK: socket } }), 'nas.lan');
    expect(labels(only.auth)).toEqual([`agent ${socket} only 1`, `key ${home}/.ssh/id_ed25519`]);
  });

  test('keys picked in the app replace the default key files, and picking none leaves only the agent', async () => {
    const home = newHome({ '.ssh/id_ed25519': keyPair().private, '.ssh/homelab': keyPair().private, 'agent.sock': '' });
    const picked = await target(settings(home, { identityFiles: [join(home, '.ssh/homelab')], defaultKeys: false }), 'nas.lan');
    expect(labels(picked.auth)).toEqual([`key ${home}/.ssh/homelab`]);
    const socket = join(home, 'agent.sock');
    const agentOnly = await target(settings(home, { identityFiles: [], defaultKeys: false, env: { SSH_AUTH_SOCK: socket } }), 'nas.lan');
    expect(labels(agentOnly.auth)).toEqual([`agent ${socket}`]);
    const nothing = await settings(home, { identityFiles: [], defaultKeys: false }).resolveTarget({ host: 'nas.lan' });
    expect(nothing).toMatchObject({ ok: false, error: { code: 'sshNoIdentity' } });
  });

  test('keys named by the caller come before the config IdentityFile, and the defaults are then not used', async () => {
    const home = newHome({ '.ssh/id_ed25519': keyPair().private, 'picked': keyPair().private, '.ssh/configured': keyPair().private });
    writeFileSync(join(home, '.ssh/config'), 'Host *\n  IdentityFile ~/.ssh/configured\n');
    const t = await target(settings(home, { identityFiles: [join(home, 'picked')] }), 'nas.lan');
    expect(labels(t.auth)).toEqual([`key ${home}/picked`, `key ${home}/.ssh/configured`]);
  });

  test('an alias resolves through the config, with its ProxyJump chain as jump targets that log in the same way', async () => {
    const home = newHome({ '.ssh/id_ed25519': keyPair().private });
    writeFileSync(join(home, '.ssh/config'), ['Host nas', '  HostName 10.1.0.5', '  User admin', '  Port 2222', '  ProxyJump gate', 'Host gate', '  HostName 203.0.113.7', '  User jump'].join('\n'));
    const t = await target(settings(home), 'nas');
    expect(t).toMatchObject({ host: '10.1.0.5', port: 2222, username: 'admin', jump: { host: '203.0.113.7', port: 22, username: 'jump' } });
    expect(labels(t.jump!.auth)).toEqual([`key ${home}/.ssh/id_ed25519`]);
  });

  test('no agent and no key file: sshNoIdentity says what was looked for and what to do', async () => {
    const home = newHome({ '.ssh/id_rsa': 'not a key at all' });
    const result = await settings(home, { defaultUser: 'root' }).resolveTarget({ host: 'nas.lan' });
    expect(result).toMatchObject({ ok: false, error: { code: 'sshNoIdentity', details: { host: 'nas.lan', username: 'root', agent: 'notSet' } } });
    const message = !result.ok ? describeError(result.error) : '';
    expect(message).toContain('No SSH key could be offered to machine “nas.lan” for user “root”: no ssh-agent is running (SSH_AUTH_SOCK is not set)');
    expect(message).toContain(`${home}/.ssh/id_rsa is not a private key the app can read`);
    expect(message).toContain('ssh-add');
    const gone = await settings(newHome(), { env: { SSH_AUTH_SOCK: '/nonexistent/agent.sock' } }).resolveTarget({ host: 'x' });
    expect(!gone.ok && describeError(gone.error)).toContain('the ssh-agent socket /nonexistent/agent.sock is not there');
  });

  test('a broken config is sshConfigInvalid, not an exception', async () => {
    const home = newHome();
    writeFileSync(join(home, '.ssh/config'), 'Host nas\n  Port many\n');
    const result = await settings(home).resolveTarget({ host: 'nas' });
    expect(result).toMatchObject({ ok: false, error: { code: 'sshConfigInvalid', details: { line: 2 } } });
  });
});

describe('SshSettings: passphrase-protected keys', () => {
  test('the public key is read without the passphrase, so it can be offered before asking', async () => {
    const pair = keyPair('secret');
    expect(publicBlobOfOpenSshKey(pair.private)?.equals(pair.blob)).toBe(true);
    const home = newHome({ '.ssh/id_ed25519': pair.private });
    const key = lockedKey((await target(settings(home), 'nas.lan')).auth);
    expect(key.label).toBe(`${home}/.ssh/id_ed25519`);
    expect(key.publicKey?.equals(pair.blob)).toBe(true);
  });

  test('asks again after a wrong passphrase, then keeps the key in memory: later logins do not ask', async () => {
    const pair = keyPair('right one');
    const home = newHome({ '.ssh/id_ed25519': pair.private });
    const asked: PassphraseRequest[] = [];
    const answers = ['wrong', 'right one'];
    const s = settings(home, { askPassphrase: async (request) => (asked.push(request), answers.shift() ?? null) });
    const key = lockedKey((await target(s, 'nas.lan')).auth);
    const outcome = await key.unlock(new AbortController().signal);
    expect(outcome.ok && outcome.key.getPublicSSH().equals(pair.blob)).toBe(true);
    expect(asked).toEqual([
      { keyPath: `${home}/.ssh/id_ed25519`, host: 'nas.lan', attempt: 1 },
      { keyPath: `${home}/.ssh/id_ed25519`, host: 'nas.lan', attempt: 2 },
    ]);
    const again = lockedKey((await target(s, 'other.lan')).auth);
    expect((await again.unlock(new AbortController().signal)).ok).toBe(true);
    expect(asked).toHaveLength(2);
    s.forgetKeys();
    answers.push('right one');
    expect((await again.unlock(new AbortController().signal)).ok).toBe(true);
    expect(asked).toHaveLength(3);
  });

  test('three wrong passphrases give up, and the key is not asked about again by the same settings', async () => {
    const home = newHome({ '.ssh/id_ed25519': keyPair('secret').private });
    let asks = 0;
    const s = settings(home, { askPassphrase: async () => ((asks += 1), 'nope') });
    const key = lockedKey((await target(s, 'nas.lan')).auth);
    expect(await key.unlock(new AbortController().signal)).toEqual({ ok: false, reason: 'wrongPassphrase' });
    expect(asks).toBe(3);
    expect(await key.unlock(new AbortController().signal)).toEqual({ ok: false, reason: 'wrongPassphrase' });
    expect(asks).toBe(3);
  });

  test('a declined key is skipped and not asked about again; without askPassphrase nothing is asked', async () => {
    const home = newHome({ '.ssh/id_ed25519': keyPair('secret').private });
    let asks = 0;
    const declining = settings(home, { askPassphrase: async () => ((asks += 1), null) });
    const key = lockedKey((await target(declining, 'nas.lan')).auth);
    expect(await key.unlock(new AbortController().signal)).toEqual({ ok: false, reason: 'declined' });
    expect(await key.unlock(new AbortController().signal)).toEqual({ ok: false, reason: 'declined' });
    expect(asks).toBe(1);
    const silent = lockedKey((await target(settings(home), 'nas.lan')).auth);
    expect(await silent.unlock(new AbortController().signal)).toEqual({ ok: false, reason: 'noPrompt' });
  });

  test('logins waiting for the same key at once share one question', async () => {
    const home = newHome({ '.ssh/id_ed25519': keyPair('secret').private });
    let asks = 0;
    let answer: (value: string) => void = () => undefined;
    const s = settings(home, { askPassphrase: () => ((asks += 1), new Promise<string>((r) => (answer = r))) });
    const keys = await Promise.all(['a.lan', 'b.lan', 'c.lan'].map(async (host) => lockedKey((await target(s, host)).auth)));
    const waiting = keys.map((k) => k.unlock(new AbortController().signal));
    await new Promise((r) => setTimeout(r, 10));
    answer('secret');
    expect((await Promise.all(waiting)).map((o) => o.ok)).toEqual([true, true, true]);
    expect(asks).toBe(1);
  });

  test('an abandoned login stops waiting for the passphrase at once', async () => {
    const home = newHome({ '.ssh/id_ed25519': keyPair('secret').private });
    const s = settings(home, { askPassphrase: (_request, signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve(null))) });
    const key = lockedKey((await target(s, 'nas.lan')).auth);
    const controller = new AbortController();
    const pending = key.unlock(controller.signal);
    controller.abort();
    expect(await pending).toEqual({ ok: false, reason: 'cancelled' });
  });
});
