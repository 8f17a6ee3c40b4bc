import { describe, expect, test } from 'vitest';
import { canonicalIp, cidrContains, isLocalOnlyIp, parseCidr, sameIp } from './ip';

describe('overlay addresses in one spelling', () => {
  test('IPv6 addresses come out as RFC 5952 writes them, whatever the VPN printed', () => {
    expect(canonicalIp('FD5D:BA3C:5C13:8E27:3B99:93A1:B2C3:D4E5')).toBe('fd5d:ba3c:5c13:8e27:3b99:93a1:b2c3:d4e5');
    expect(canonicalIp('fd51:19c1:3b:f700:8750:a09b:0000:0001')).toBe('fd51:19c1:3b:f700:8750:a09b:0:1');
    expect(canonicalIp('fd51:19c1:3b:f700::1')).toBe('fd51:19c1:3b:f700::1');
    expect(canonicalIp('2001:db8:0:0:1:0:0:1')).toBe('2001:db8::1:0:0:1');
    expect(canonicalIp('::ffff:10.1.2.3')).toBe('::ffff:a01:203');
    expect(canonicalIp('0:0:0:0:0:0:0:0')).toBe('::');
    expect(canonicalIp('10.142.3.7')).toBe('10.142.3.7');
    expect(sameIp('fd7a:115c:a1e0:0::1', 'fd7a:115c:a1e0::1')).toBe(true);
  });

  test('anything that is not a bare address is refused, never guessed', () => {
    for (const text of ['', '-c', '$(x)', '10.1.2.3\n', '10.1.2', '[fd00::1]', 'fe80::1%eth0', 'host.lan', '010.1.2.3']) expect(canonicalIp(text), JSON.stringify(text)).toBeNull();
  });

  test('networks hold the addresses inside them', () => {
    expect(parseCidr('10.142.3.7/16')).toEqual({ address: '10.142.3.7', prefix: 16, family: 4 });
    expect(parseCidr('10.1.2.3/33')).toBeNull();
    expect(cidrContains('fd51:19c1:3b:f700::/56', 'fd51:19c1:3b:f700:8750:a09b:0:1')).toBe(true);
    expect(cidrContains('fd51:19c1:3b:f700::/56', 'fd51:19c1:3b:f800::1')).toBe(false);
    expect(cidrContains('10.142.0.0/16', '10.142.255.1')).toBe(true);
    expect(cidrContains('10.142.0.0/16', 'fd00::1')).toBe(false);
    expect(isLocalOnlyIp('fe80::a00:27ff:fe4e:66a1')).toBe(true);
    expect(isLocalOnlyIp('200:c149:c7e5:7755:bd2b:99c4:3f5e:8a1f')).toBe(false);
  });
});
