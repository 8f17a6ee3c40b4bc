import { describe, expect, test } from 'vitest';
import { designBuilder } from '../model/designBuilder';
import { assignDefaultRoles, findRole, getDefaultRole, getPublicAnchorRole, hasClientFor, mapMachineName, rankHubCandidates, vpnCatalog, type Fact, type VpnSpec } from './catalog';
import { vpnDisplayNames, vpnIds, type VpnId } from './ids';

const specs = Object.values(vpnCatalog) as VpnSpec[];


function homeAndVps() {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  const cloud = b.site('Cloud', 'public');
  const nas = b.machine('nas', home, 'nas');
  const laptop = b.machine('laptop', home, 'laptop');
  const vps = b.machine('vps', cloud, 'vps');
  const phone = b.machine('phone', home, 'phone');
  return { design: b.design, nas, laptop, vps, phone };
}

describe('VPN catalog', () => {
  test('has an entry for each of the ten VPN ids, with its display name and an https homepage', () => {
    expect(Object.keys(vpnCatalog).sort()).toEqual([...vpnIds].sort());
    for (const id of vpnIds) {
      const spec = vpnCatalog[id];
      expect(spec.id).toBe(id);
      expect(spec.name).toBe(vpnDisplayNames[id]);
      expect(new URL(spec.homepage).protocol).toBe('https:');
    }
  });

  test.each<[VpnId, string[]]>([
    ['zerotier', ['controller', 'moon', 'peer']],
    ['wireguard', ['controller', 'peer']],
    ['mycelium', ['peer']],
    ['yggdrasil', ['default']],
    ['nebula', ['lighthouse', 'peer']],
    ['headscale', ['controller', 'peer']],
    ['easytier', ['bootstrap', 'peer']],
    ['tinc', ['bootstrap', 'peer']],
    ['vpncloud', ['seed', 'peer']],
    ['hyprspace', ['server']],
  ])('%s has exactly the roles %j', (id, roles) => {
    expect(vpnCatalog[id].roles.map((r) => r.id)).toEqual(roles);
  });

  test('every VPN has exactly one default role, and every role has a label and a description', () => {
    for (const spec of specs) {
      expect(spec.roles.filter((r) => r.isDefault)).toHaveLength(1);
      for (const role of spec.roles) {
        expect(role.label.length).toBeGreaterThan(2);
        expect(role.description.endsWith('.')).toBe(true);
        expect(role.max === null || role.max >= role.min).toBe(true);
      }
    }
  });

  test('role counts and public needs follow Clan and our modules', () => {
    const role = (vpn: VpnId, id: string) => findRole(vpnCatalog[vpn], id)!;
    expect(role('zerotier', 'controller')).toMatchObject({ min: 1, max: 1, needsPublic: false });
    expect(role('zerotier', 'moon')).toMatchObject({ min: 0, max: 4, needsPublic: true });
    expect(role('wireguard', 'controller')).toMatchObject({ min: 1, max: null, needsPublic: true, exclusiveWith: ['peer'] });
    expect(role('nebula', 'lighthouse')).toMatchObject({ min: 1, needsPublic: true });
    expect(role('headscale', 'controller')).toMatchObject({ min: 1, max: 1, needsPublic: true });
    expect(role('easytier', 'bootstrap')).toMatchObject({ min: 1, needsPublic: true });
    expect(role('tinc', 'bootstrap')).toMatchObject({ min: 1, needsPublic: true });
    expect(role('vpncloud', 'seed')).toMatchObject({ min: 0, needsPublic: true });
    expect(role('hyprspace', 'server')).toMatchObject({ isDefault: true, needsPublic: false });
  });

  test('exactly ZeroTier, WireGuard, Mycelium and Yggdrasil are clan-core services', () => {
    expect(specs.filter((s) => s.clanNative).map((s) => s.id).sort()).toEqual(['mycelium', 'wireguard', 'yggdrasil', 'zerotier']);
  });

  test('interface name limits match CLAN.md 5.2', () => {
    const limit = (id: VpnId) => vpnCatalog[id].interfaceName.value;
    expect(limit('wireguard')).toEqual({ template: '<instance>', maxInstanceLength: 15, truncates: false });
    expect(limit('nebula')).toMatchObject({ maxInstanceLength: 8, truncates: false });
    expect(limit('tinc')).toMatchObject({ maxInstanceLength: 10, truncates: false });
    expect(limit('headscale')).toMatchObject({ template: 'ts-<instance>', truncates: true });
    expect(limit('easytier')).toMatchObject({ maxInstanceLength: 15, truncates: true });
    expect(limit('zerotier')).toBeNull();
  });

  test('only EasyTier is predicted to punch through symmetric NAT, and that claim is marked unconfirmed', () => {
    expect(specs.filter((s) => s.symmetricNat.value).map((s) => s.id)).toEqual(['easytier']);
    expect(vpnCatalog.easytier.symmetricNat.confirmed).toBe(false);
  });

  test('traversal and relay facts separate the archetypes the overlay relies on', () => {
    expect(vpnCatalog.wireguard.natTraversal.value).toBe('hubAndSpoke');
    expect(vpnCatalog.zerotier.relay.value).toBe('thirdPartyRelay');
    expect(vpnCatalog.vpncloud.relay.value).toBe('none');
    expect(vpnCatalog.yggdrasil.relay.value).toBe('routesThroughPeers');
    expect(vpnCatalog.nebula.relay.value).toBe('selfHostedRelay');
    expect(specs.filter((s) => s.thirdPartyInfra.value).map((s) => s.id).sort()).toEqual(['headscale', 'hyprspace', 'mycelium', 'zerotier']);
    for (const s of specs) expect(s.thirdPartyDescription === null).toBe(!s.thirdPartyInfra.value);
  });

  test('every unconfirmed fact and role carries a note saying why', () => {
    for (const spec of specs) {
      const facts: Fact<unknown>[] = [spec.natTraversal, spec.symmetricNat, spec.relay, spec.needsOwnPublicNode, spec.thirdPartyInfra, spec.mobileClients, spec.interfaceName, spec.machineNameMapping];
      for (const fact of [...facts, ...spec.roles]) if (!fact.confirmed) expect(fact.note?.length ?? 0).toBeGreaterThan(10);
    }
  });

  test('Tinc maps "-" to "_" in machine names and the others keep names as they are', () => {
    expect(mapMachineName(vpnCatalog.tinc, 'home-pc')).toBe('home_pc');
    expect(mapMachineName(vpnCatalog.zerotier, 'home-pc')).toBe('home-pc');
  });

  test('phones have a client only where the VPN has a mobile app', () => {
    expect(hasClientFor(vpnCatalog.zerotier, { kind: 'phone' })).toBe(true);
    expect(hasClientFor(vpnCatalog.hyprspace, { kind: 'phone' })).toBe(false);
    expect(hasClientFor(vpnCatalog.hyprspace, { kind: 'desktop' })).toBe(true);
  });

  test('the catalog is frozen, so nobody edits reference data at run time', () => {
    expect(Object.isFrozen(vpnCatalog.zerotier.roles[0])).toBe(true);
    expect(() => {
      (vpnCatalog.zerotier as { name: string }).name = 'x';
    }).toThrow();
  });

  test('the public anchor role is the required public role, or the seed for VpnCloud, and none for mesh-only VPNs', () => {
    expect(getPublicAnchorRole(vpnCatalog.nebula)?.id).toBe('lighthouse');
    expect(getPublicAnchorRole(vpnCatalog.vpncloud)?.id).toBe('seed');
    expect(getPublicAnchorRole(vpnCatalog.zerotier)).toBeUndefined();
    expect(getDefaultRole(vpnCatalog.yggdrasil).id).toBe('default');
  });
});

describe('assignDefaultRoles', () => {
  test('on a Home+VPS design puts the WireGuard controller on the VPS and makes the home machines peers', () => {
    const { design, nas, laptop, vps } = homeAndVps();
    const roles = assignDefaultRoles(design, 'wireguard');
    expect(roles[vps]).toEqual(['controller']);
    expect(roles[nas]).toEqual(['peer']);
    expect(roles[laptop]).toEqual(['peer']);
  });

  test('puts the ZeroTier controller on the VPS as a peer too, and gives the phone the peer role because ZeroTier has an app', () => {
    const { design, vps, phone } = homeAndVps();
    const roles = assignDefaultRoles(design, 'zerotier');
    expect(roles[vps]).toEqual(['controller', 'peer']);
    expect(roles[phone]).toEqual(['peer']);
  });

  test('leaves a phone out when the VPN has no mobile client', () => {
    const { design, phone, vps } = homeAndVps();
    const roles = assignDefaultRoles(design, 'hyprspace');
    expect(roles[phone]).toBeUndefined();
    expect(roles[vps]).toEqual(['server']);
  });

  test('on a design without a public site leaves the public-requiring role unassigned', () => {
    const b = designBuilder();
    const home = b.site('Home', 'cgnat');
    const nas = b.machine('nas', home, 'nas');
    const laptop = b.machine('laptop', home, 'laptop');
    for (const vpn of ['wireguard', 'nebula', 'headscale', 'easytier', 'tinc', 'vpncloud'] as const) {
      const roles = assignDefaultRoles(b.design, vpn);
      const anchor = getPublicAnchorRole(vpnCatalog[vpn])!.id;
      expect(Object.values(roles).flat()).not.toContain(anchor);
      expect(roles[nas]).toEqual(['peer']);
      expect(roles[laptop]).toEqual(['peer']);
    }
  });

  test('without a public site still gives the ZeroTier controller (which needs no public address) to the most always-on machine', () => {
    const b = designBuilder();
    const home = b.site('Home', 'nat');
    b.machine('laptop', home, 'laptop');
    const nas = b.machine('nas', home, 'nas');
    expect(assignDefaultRoles(b.design, 'zerotier')[nas]).toEqual(['controller', 'peer']);
  });

  test('prefers a public site over a port-forwarded one, and in a port-forwarded site the machine with the forward', () => {
    const b = designBuilder();
    const home = b.site('Home', 'portForward');
    const desktop = b.machine('desktop', home, 'desktop');
    const server = b.machine('server', home, 'server');
    b.link('portForward', home, desktop, { external: 22, internal: 22 });
    expect(rankHubCandidates(b.design, true).map((m) => m.id)).toEqual([desktop, server]);
    expect(assignDefaultRoles(b.design, 'nebula')[desktop]).toEqual(['lighthouse']);
    const cloud = b.site('Cloud', 'public');
    const vps = b.machine('vps', cloud, 'vps');
    expect(assignDefaultRoles(b.design, 'nebula')[vps]).toEqual(['lighthouse']);
  });

  test('never gives a role to an unmanaged machine as hub', () => {
    const b = designBuilder();
    const cloud = b.site('Cloud', 'public');
    const box = b.machine('box', cloud, 'vps', { managed: false });
    const roles = assignDefaultRoles(b.design, 'wireguard');
    expect(roles[box]).toEqual(['peer']);
  });
});
