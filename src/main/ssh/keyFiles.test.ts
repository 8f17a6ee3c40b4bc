import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { keyFilePath, listKeyFiles } from './keyFiles';
import { fingerprintOf } from './knownHosts';
import { generateTestKeyPair } from './testKeys';

function newHome(): { home: string; ssh: string } {
  const home = mkdtempSync(join(tmpdir(), 'cnd-keyfiles-'));
  const ssh = join(home, '.ssh');
  mkdirSync(ssh, { mode: 0o700 });
  return { home, ssh };
}

function fingerprintOfPublic(line: string): string {
  return fingerprintOf(Buffer.from(line.split(' ')[1]!, 'base64'));
}

const agents: ChildProcess[] = [];
afterAll(() => {
  for (const agent of agents) agent.kill('SIGKILL');
});

/** A real ssh-agent on its own socket, as a child of this process. */
async function startAgent(dir: string): Promise<string> {
  const socket = join(dir, 'agent.sock');
  agents.push(spawn('ssh-agent', ['-D', '-a', socket], { stdio: 'ignore' }));
  for (let i = 0; i < 100 && !existsSync(socket); i += 1) await new Promise((r) => setTimeout(r, 20));
  return socket;
}

describe('listKeyFiles', () => {
  test('lists the private keys of ~/.ssh with type, fingerprint and comment, default names first, and skips everything else', async () => {
    const { home, ssh } = newHome();
    const plain = generateTestKeyPair();
    const locked = generateTestKeyPair('secret');
    const other = generateTestKeyPair();
    writeFileSync(join(ssh, 'id_ed25519'), plain.private, { mode: 0o600 });
    writeFileSync(join(ssh, 'homelab'), locked.private, { mode: 0o600 });
    writeFileSync(join(ssh, 'homelab.pub'), `${locked.public} me@laptop\n`);
    writeFileSync(join(ssh, 'another'), other.private, { mode: 0o600 });
    writeFileSync(join(ssh, 'config'), 'Host *\n  User me\n');
    writeFileSync(join(ssh, 'known_hosts'), '');
    writeFileSync(join(ssh, 'notes.txt'), 'not a key\n');
    writeFileSync(join(ssh, 'broken'), '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n');
    mkdirSync(join(ssh, 'sockets'));

    const list = await listKeyFiles(home, {});
    expect(list.folder).toBe(ssh);
    expect(list.agent).toEqual({ status: 'notSet', keyCount: 0 });
    expect(list.keys.map((k) => k.name)).toEqual(['id_ed25519', 'another', 'broken', 'homelab']);
    const [idEd25519, another, broken, homelab] = list.keys;
    expect(idEd25519).toMatchObject({ type: 'ED25519', fingerprint: fingerprintOfPublic(plain.public), isDefault: true, encrypted: false, inAgent: false, problem: null });
    expect(another).toMatchObject({ isDefault: false, encrypted: false, fingerprint: fingerprintOfPublic(other.public) });
    expect(homelab).toMatchObject({ type: 'ED25519', fingerprint: fingerprintOfPublic(locked.public), encrypted: true, comment: 'me@laptop', problem: null });
    expect(broken).toMatchObject({ type: null, fingerprint: null });
    expect(broken!.problem).toMatch(/cannot read this key/);
  });

  test('says how many keys the agent holds and which files it holds', async () => {
    const { home, ssh } = newHome();
    const inAgent = generateTestKeyPair();
    const notInAgent = generateTestKeyPair();
    // ssh-add wants an OpenSSH key file with strict permissions.
    writeFileSync(join(ssh, 'id_ed25519'), inAgent.private, { mode: 0o600 });
    writeFileSync(join(ssh, 'spare'), notInAgent.private, { mode: 0o600 });
    const socket = await startAgent(home);
    execFileSync('ssh-add', ['-q', join(ssh, 'id_ed25519')], { env: { ...process.env, SSH_AUTH_SOCK: socket }, stdio: 'ignore' });

    const list = await listKeyFiles(home, { SSH_AUTH_SOCK: socket });
    expect(list.agent).toEqual({ status: 'ok', keyCount: 1 });
    expect(list.keys.map((k) => [k.name, k.inAgent])).toEqual([
      ['id_ed25519', true],
      ['spare', false],
    ]);
    const gone = await listKeyFiles(home, { SSH_AUTH_SOCK: join(home, 'no-such.sock') });
    expect(gone.agent).toEqual({ status: 'unreachable', keyCount: 0 });
  });

  test('a home without ~/.ssh has no keys', async () => {
    const home = mkdtempSync(join(tmpdir(), 'cnd-keyfiles-'));
    expect(await listKeyFiles(home, {})).toMatchObject({ keys: [], agent: { status: 'notSet' } });
  });
});

describe('keyFilePath', () => {
  test('turns a picked name into a path inside ~/.ssh and refuses anything that could leave it', () => {
    expect(keyFilePath('/home/me', 'homelab')).toEqual({ ok: true, value: '/home/me/.ssh/homelab' });
    for (const name of ['../.bashrc', '/etc/shadow', '..', '.', '', 'a\\b', 'a\0b']) expect(keyFilePath('/home/me', name).ok).toBe(false);
  });
});
