import { describe, expect, test } from 'vitest';
import { allocateOverlayAddresses, bracketHost, checkSshPublicKey, formatProxyJump, formatTargetHost, hostWithPort, overlayNetwork } from './addresses';
import { referenceAdminKey } from './referenceDesigns';
import { stableJson } from './json';

describe('deploy targets and endpoints', () => {
  test('brackets IPv6 literals wherever a port follows, and only those', () => {
    expect(bracketHost('2001:db8::5')).toBe('[2001:db8::5]');
    expect(bracketHost('203.0.113.10')).toBe('203.0.113.10');
    expect(bracketHost('vpn.example.org')).toBe('vpn.example.org');
    expect(hostWithPort('2001:db8::5', 9651)).toBe('[2001:db8::5]:9651');
  });

  test('writes targetHost as user@host with the port only when it is not 22', () => {
    expect(formatTargetHost({ host: '192.168.1.10', port: 22, user: 'root' })).toBe('root@192.168.1.10');
    expect(formatTargetHost({ host: 'nas.local', port: 2222, user: 'admin' })).toBe('admin@nas.local:2222');
    expect(formatTargetHost({ host: '2001:db8::5', port: 22, user: 'root' })).toBe('root@[2001:db8::5]');
    expect(formatTargetHost({ host: '', port: 22, user: 'root' })).toBeNull();
    expect(formatTargetHost(null)).toBeNull();
  });

  test('writes a jump host as ProxyJump takes it, and refuses anything but a plain host, user and port', () => {
    expect(formatProxyJump({ host: 'bastion.example.org', port: 22, user: 'admin' })).toBe('admin@bastion.example.org');
    expect(formatProxyJump({ host: '2001:db8::7', port: 2200, user: 'root' })).toBe('root@[2001:db8::7]:2200');
    expect(formatProxyJump({ host: '203.0.113.5', port: 22, user: '' })).toBe('203.0.113.5');
    // These would break clan-cli's reading of deploy.targetHost ('&', '=', '?', a second '@') or ssh's.
    for (const ssh of [
      { host: '', port: 22, user: 'root' },
      { host: 'a b', port: 22, user: 'root' },
      { host: 'x&IdentityFile=/k', port: 22, user: 'root' },
      { host: 'x?y', port: 22, user: 'root' },
      { host: 'bastion', port: 22, user: 'a@b' },
      { host: 'bastion', port: 22, user: 'Root User' },
    ]) {
      expect(formatProxyJump(ssh), JSON.stringify(ssh)).toBeNull();
    }
    expect(formatProxyJump(null)).toBeNull();
  });
});

describe('overlay addresses', () => {
  test('are unique, inside the instance network, and independent of the order of names', () => {
    const names = Array.from({ length: 2000 }, (_, i) => `machine-${i}`);
    const a = allocateOverlayAddresses('mesh', names);
    const b = allocateOverlayAddresses('mesh', [...names].reverse());
    expect([...a.entries()].sort()).toEqual([...b.entries()].sort());
    expect(new Set(a.values()).size).toBe(names.length);
    const { network, base } = overlayNetwork('mesh');
    expect(network).toBe(`${base}.0.0/16`);
    for (const address of a.values()) {
      expect(address.startsWith(`${base}.`)).toBe(true);
      expect(address).not.toBe(`${base}.0.0`);
      expect(address).not.toBe(`${base}.255.255`);
    }
  });

  test('adding a machine leaves the others where they were unless it collides', () => {
    const before = allocateOverlayAddresses('mesh', ['nas', 'desktop', 'vps']);
    const after = allocateOverlayAddresses('mesh', ['nas', 'desktop', 'vps', 'laptop']);
    for (const [name, address] of before) expect(after.get(name)).toBe(address);
  });
});

describe('OpenSSH public keys', () => {
  test('accepts a real key line and says what is wrong with others', () => {
    expect(checkSshPublicKey(referenceAdminKey)).toBeNull();
    expect(checkSshPublicKey(`${referenceAdminKey.split(' ').slice(0, 2).join(' ')}`)).toBeNull();
    expect(checkSshPublicKey('')).toBe('empty');
    expect(checkSshPublicKey('ssh-ed25519')).toBe('format');
    expect(checkSshPublicKey(`${referenceAdminKey}\nsecond line`)).toBe('format');
    expect(checkSshPublicKey(referenceAdminKey.replace('ssh-ed25519', 'ssh-dss'))).toBe('type');
    expect(checkSshPublicKey(referenceAdminKey.replace('ssh-ed25519', 'ssh-rsa'))).toBe('blob');
    expect(checkSshPublicKey('ssh-ed25519 AAAA')).toBe('blob');
    expect(checkSshPublicKey(`${referenceAdminKey.split(' ').slice(0, 2).join(' ')} comment with \u00e9`)).toBe('format');
  });
});

describe('stableJson', () => {
  test('sorts keys by code unit, numeric-looking ones included, and ends with a newline', () => {
    expect(stableJson({ b: 1, a: [3, { z: true, '10': null, '9': 'x' }], '2': {} })).toBe(
      '{\n  "2": {},\n  "a": [\n    3,\n    {\n      "10": null,\n      "9": "x",\n      "z": true\n    }\n  ],\n  "b": 1\n}\n',
    );
    expect(stableJson([])).toBe('[]\n');
  });
});
