import { describe, expect, test } from 'vitest';
import { canonicalOrigin, checkHostName, createAccessPolicy, isLoopbackHost, lanAddresses, localHostNames } from './access';

describe('which names and origins serve mode answers to', () => {
  test('on loopback: only loopback names with the port, and the page origin must match the Host', () => {
    const policy = createAccessPolicy({ scheme: 'http', bindHost: '127.0.0.1', port: 7420 });
    expect(policy.isAllowedHost('127.0.0.1:7420')).toBe(true);
    expect(policy.isAllowedHost('localhost:7420')).toBe(true);
    expect(policy.isAllowedHost('[::1]:7420')).toBe(true);
    expect(policy.isAllowedHost('127.0.0.1:7421')).toBe(false);
    expect(policy.isAllowedHost('evil.example:7420')).toBe(false);
    expect(policy.isAllowedHost(undefined)).toBe(false);
    expect(policy.isAllowedOrigin('http://127.0.0.1:7420', '127.0.0.1:7420')).toBe(true);
    expect(policy.isAllowedOrigin('http://localhost:7420', '127.0.0.1:7420')).toBe(false);
    expect(policy.isAllowedOrigin('https://127.0.0.1:7420', '127.0.0.1:7420')).toBe(false);
    expect(policy.openUrls).toEqual(['http://127.0.0.1:7420/']);
  });

  test('on every interface: the LAN addresses and the computer\'s names, never an unknown Host (DNS rebinding)', () => {
    const policy = createAccessPolicy({ scheme: 'https', bindHost: '0.0.0.0', port: 7420, lanAddresses: ['192.168.1.5', 'fd00::5'], hostNames: ['homeserver', 'homeserver.local'] });
    for (const host of ['192.168.1.5:7420', '[fd00::5]:7420', 'homeserver:7420', 'HomeServer.local:7420', '127.0.0.1:7420']) expect(policy.isAllowedHost(host)).toBe(true);
    expect(policy.isAllowedHost('rebind.attacker.example:7420')).toBe(false);
    expect(policy.isAllowedHost('192.168.1.5')).toBe(false);
    expect(policy.isAllowedOrigin('https://192.168.1.5:7420', '192.168.1.5:7420')).toBe(true);
    expect(policy.isAllowedOrigin('http://192.168.1.5:7420', '192.168.1.5:7420')).toBe(false);
    // The addresses printed are ones another machine can use: not 127.0.0.1.
    expect(policy.openUrls).toEqual(['https://192.168.1.5:7420/', 'https://[fd00::5]:7420/', 'https://homeserver.local:7420/']);
  });

  test('a reverse proxy: its origin is allowed when listed, and so is its name as Host with or without a port', () => {
    const policy = createAccessPolicy({ scheme: 'http', bindHost: '127.0.0.1', port: 7420, allowOrigins: ['https://Designer.Example.org'], allowHosts: ['homeserver.lan'] });
    expect(policy.isAllowedHost('designer.example.org')).toBe(true);
    expect(policy.isAllowedHost('homeserver.lan')).toBe(true);
    expect(policy.isAllowedHost('homeserver.lan:7420')).toBe(true);
    expect(policy.isAllowedOrigin('https://designer.example.org', '127.0.0.1:7420')).toBe(true);
    expect(policy.isAllowedOrigin('https://homeserver.lan', 'homeserver.lan')).toBe(true);
    expect(policy.isAllowedOrigin('https://designer.example.org.evil.example', '127.0.0.1:7420')).toBe(false);
    expect(policy.openUrls).toContain('https://designer.example.org/');
  });

  test('command-line names and origins are checked', () => {
    expect(checkHostName('HomeServer.local.')).toBe('homeserver.local');
    expect(checkHostName('10.0.0.5')).toBe('10.0.0.5');
    expect(() => checkHostName('http://x')).toThrow(/not a host name/);
    expect(() => checkHostName('a b')).toThrow();
    expect(canonicalOrigin('HTTPS://X.example:8443')).toBe('https://x.example:8443');
    expect(() => canonicalOrigin('https://x.example/app')).toThrow(/path/);
    expect(() => canonicalOrigin('https://user:pw@x.example')).toThrow(/password/);
    expect(() => canonicalOrigin('ftp://x.example')).toThrow();
  });

  test('LAN addresses skip loopback and link-local ones; host names add the mDNS name', () => {
    expect(
      lanAddresses({
        lo: [{ address: '127.0.0.1', family: 'IPv4', internal: true, netmask: '', mac: '', cidr: null }],
        eth0: [
          { address: 'fe80::1', family: 'IPv6', internal: false, netmask: '', mac: '', cidr: null, scopeid: 2 },
          { address: 'fd00::5', family: 'IPv6', internal: false, netmask: '', mac: '', cidr: null, scopeid: 0 },
          { address: '192.168.1.5', family: 'IPv4', internal: false, netmask: '', mac: '', cidr: null },
        ],
      }),
    ).toEqual(['192.168.1.5', 'fd00::5']);
    expect(localHostNames('HomeServer')).toEqual(['homeserver', 'homeserver.local']);
    expect(localHostNames('localhost')).toEqual([]);
    expect(isLoopbackHost('127.0.0.2')).toBe(true);
    expect(isLoopbackHost('0.0.0.0')).toBe(false);
  });
});
