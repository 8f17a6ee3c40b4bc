import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { addKnownHost, checkHostKey, entryMatchesHost, fingerprintOf, formatKnownHostLine, hostKeyName, keyTypeOf, parseKnownHosts, readKnownHosts } from './knownHosts';

const dir = mkdtempSync(join(tmpdir(), 'cnd-known-hosts-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh ed25519 key from the real ssh-keygen: its blob and the fingerprint ssh-keygen prints. */
function newKey(name: string): { blob: Buffer; pubLine: string; fingerprint: string } {
  const path = join(dir, name);
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', path]);
  const pubLine = readFileSync(`${path}.pub`, 'utf8').trim();
  const fingerprint = execFileSync('ssh-keygen', ['-lf', `${path}.pub`]).toString().split(' ')[1]!;
  return { blob: Buffer.from(pubLine.split(' ')[1]!, 'base64'), pubLine, fingerprint };
}
const hasSshKeygen = (() => {
  try {
    execFileSync('ssh-keygen', ['-?'], { stdio: 'ignore' });
    return true;
  } catch (error) {
    return (error as { status?: number }).status !== undefined && (error as { status?: number }).status !== 127;
  }
})();

describe('known_hosts names and fingerprints', () => {
  test('port 22 is written bare, other ports as [host]:port', () => {
    expect(hostKeyName('db-1', 22)).toBe('db-1');
    expect(hostKeyName('10.0.0.1', 2222)).toBe('[10.0.0.1]:2222');
  });

  test.skipIf(!hasSshKeygen)('fingerprints and key types match ssh-keygen', () => {
    const key = newKey('fp');
    expect(fingerprintOf(key.blob)).toBe(key.fingerprint);
    expect(keyTypeOf(key.blob)).toBe('ssh-ed25519');
  });
});

describe('parsing and lookup', () => {
  test('skips comments, blank and malformed lines, and reads markers', () => {
    const entries = parseKnownHosts('# c\n\nbad\nhost ssh-ed25519 AAAA\n@revoked * ssh-ed25519 AAAB\n@weird h t AAAA\nx y not-base64!\n');
    expect(entries).toEqual([
      { line: 4, marker: undefined, hosts: 'host', keyType: 'ssh-ed25519', keyBase64: 'AAAA' },
      { line: 5, marker: 'revoked', hosts: '*', keyType: 'ssh-ed25519', keyBase64: 'AAAB' },
    ]);
  });

  test('patterns: lists, wildcards, negation, ports and case', () => {
    expect(entryMatchesHost('a,b,c', 'b', 22)).toBe(true);
    expect(entryMatchesHost('*.lan,!evil.lan', 'evil.lan', 22)).toBe(false);
    expect(entryMatchesHost('*.lan,!evil.lan', 'Good.LAN', 22)).toBe(true);
    expect(entryMatchesHost('db-?', 'db-1', 22)).toBe(true);
    expect(entryMatchesHost('[db]:2222', 'db', 2222)).toBe(true);
    expect(entryMatchesHost('db', 'db', 2222)).toBe(false);
    expect(entryMatchesHost('a.b', 'axb', 22)).toBe(false);
  });

  test.skipIf(!hasSshKeygen)('finds hosts hashed by the real ssh-keygen -H, including [host]:port', () => {
    const key = newKey('hashed');
    const [type, base64] = key.pubLine.split(' ');
    const file = join(dir, 'known_hosts_hashed');
    writeFileSync(file, `db-1 ${type} ${base64}\n[10.1.2.3]:2222 ${type} ${base64}\n`);
    execFileSync('ssh-keygen', ['-H', '-f', file], { stdio: 'ignore' });
    const entries = parseKnownHosts(readFileSync(file, 'utf8'));
    expect(entries.every((e) => e.hosts.startsWith('|1|'))).toBe(true);
    expect(checkHostKey(entries, 'db-1', 22, key.blob)).toEqual({ status: 'trusted', line: entries[0]!.line });
    expect(checkHostKey(entries, '10.1.2.3', 2222, key.blob).status).toBe('trusted');
    expect(checkHostKey(entries, '10.1.2.3', 22, key.blob).status).toBe('unknown');
  });

  test.skipIf(!hasSshKeygen)('a different key of the same type is "changed", a revoked key is "revoked"', () => {
    const old = newKey('old');
    const fresh = newKey('fresh');
    const entries = parseKnownHosts(`${formatKnownHostLine('db-1', 22, old.blob)}\n@revoked * ${fresh.pubLine}\n`);
    expect(checkHostKey(entries, 'db-1', 22, newKey('third').blob)).toEqual({ status: 'changed', line: 1, knownKeyType: 'ssh-ed25519', knownFingerprint: old.fingerprint });
    expect(checkHostKey(entries, 'db-1', 22, fresh.blob)).toEqual({ status: 'revoked', line: 2 });
    expect(checkHostKey(parseKnownHosts('db-1 ssh-rsa AAAA\n'), 'db-1', 22, old.blob)).toEqual({ status: 'unknown', otherKeyTypes: ['ssh-rsa'] });
  });
});

describe('writing', () => {
  test.skipIf(!hasSshKeygen)('entries added (hashed or not, in parallel) are found by the real ssh-keygen -F', async () => {
    const key = newKey('added');
    const file = join(dir, 'sub', 'known_hosts');
    await Promise.all([addKnownHost(file, 'db-1', 22, key.blob), addKnownHost(file, '10.9.9.9', 2200, key.blob, { hashed: false })]);
    expect(await readKnownHosts(file)).toHaveLength(2);
    expect(execFileSync('ssh-keygen', ['-F', 'db-1', '-f', file]).toString()).toContain(key.pubLine.split(' ')[1]);
    expect(execFileSync('ssh-keygen', ['-F', '[10.9.9.9]:2200', '-f', file]).toString()).toContain('[10.9.9.9]:2200 ssh-ed25519');
  });

  test('a missing file reads as empty', async () => {
    expect(await readKnownHosts(join(dir, 'nope'))).toEqual([]);
  });
});
