import { describe, expect, test } from 'vitest';
import { vpnCatalog } from './catalog';
import { filterVpns, getVpnKind, isNoVpnFilter, matchesVpnFilter, noVpnFilter, vpnKinds } from './filters';
import { vpnIds } from './ids';

describe('the VPN filters', () => {
  test('let all ten through by default', () => {
    expect(filterVpns(noVpnFilter)).toEqual([...vpnIds]);
    expect(isNoVpnFilter(noVpnFilter)).toBe(true);
  });

  test('self-hosted only drops every VPN with third-party infrastructure, by the catalog', () => {
    const shown = filterVpns({ ...noVpnFilter, selfHostedOnly: true });
    expect(shown).toEqual(['easytier', 'nebula', 'tinc', 'vpncloud', 'wireguard', 'yggdrasil']);
    for (const vpn of vpnIds) expect(shown.includes(vpn)).toBe(!vpnCatalog[vpn].thirdPartyInfra.value);
  });

  test('Clan-native only keeps the clan-core services; with self-hosted only, WireGuard and Yggdrasil', () => {
    expect(filterVpns({ ...noVpnFilter, clanNativeOnly: true })).toEqual(['mycelium', 'wireguard', 'yggdrasil', 'zerotier']);
    expect(filterVpns({ kind: 'all', selfHostedOnly: true, clanNativeOnly: true })).toEqual(['wireguard', 'yggdrasil']);
  });

  test('each VPN has exactly one kind, and the kinds split the ten', () => {
    expect(filterVpns({ ...noVpnFilter, kind: 'hubAndSpoke' })).toEqual(['wireguard']);
    expect(filterVpns({ ...noVpnFilter, kind: 'overlay' })).toEqual(['mycelium', 'yggdrasil']);
    const counted = vpnKinds.flatMap((k) => filterVpns({ ...noVpnFilter, kind: k.id }));
    expect([...counted].sort()).toEqual([...vpnIds]);
    for (const vpn of vpnIds) expect(matchesVpnFilter(vpn, { ...noVpnFilter, kind: getVpnKind(vpnCatalog[vpn]) })).toBe(true);
  });
});
