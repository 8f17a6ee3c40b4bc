import { describe, expect, test } from 'vitest';
import { generateDesign } from '../../../test/bench/generateDesign';
import { assignDefaultRoles } from '../vpn/catalog';
import type { VpnId } from '../vpn/ids';
import { designBuilder } from './designBuilder';
import { makeMachine, putMachine, putSite, setVpn, updateMachine } from './ops';
import { computeOverlay, predictPath, type OverlayPath } from './overlay';
import type { MachineId, NatType, SiteId } from './types';
import { natTypes } from '../schema/design';


/** Two home sites with the given NAT types and one machine each, plus a VPS in a public cloud site. */
function twoSites(vpn: VpnId, natA: NatType, natB: NatType) {
  const b = designBuilder();
  const siteA = b.site('Home', natA);
  const siteB = b.site('Grandma', natB);
  const cloud = b.site('Cloud', 'public');
  const a = b.machine('desktop', siteA);
  const bb = b.machine('laptop', siteB);
  const vps = b.machine('vps', cloud, 'vps');
  return { design: b.vpn(vpn), a, b: bb, vps, siteA, siteB, cloud };
}

const isOpen = (nat: NatType) => nat === 'public' || nat === 'portForward';
const noneSymmetric = (x: NatType, y: NatType) => x !== 'symmetric' && y !== 'symmetric';

// Expected paths per archetype; `via` says who carries relayed traffic.
const archetypes: Record<string, { vpn: VpnId; expect: (a: NatType, b: NatType) => OverlayPath; via: 'vps' | 'thirdParty' }> = {
  'hole-puncher (ZeroTier)': {
    vpn: 'zerotier',
    expect: (a, b) => (isOpen(a) || isOpen(b) ? 'direct' : noneSymmetric(a, b) ? 'holePunched' : 'relayed'),
    via: 'thirdParty',
  },
  'symmetric-capable (EasyTier)': {
    vpn: 'easytier',
    expect: (a, b) => (isOpen(a) || isOpen(b) ? 'direct' : a === 'symmetric' && b === 'symmetric' ? 'relayed' : 'holePunched'),
    via: 'vps',
  },
  'hub-and-spoke (WireGuard)': { vpn: 'wireguard', expect: () => 'relayed', via: 'vps' },
  'no relay (VpnCloud)': {
    vpn: 'vpncloud',
    expect: (a, b) => (isOpen(a) || isOpen(b) ? 'direct' : noneSymmetric(a, b) ? 'holePunched' : 'unreachable'),
    via: 'vps',
  },
  'routes through peers, no punching (Yggdrasil)': { vpn: 'yggdrasil', expect: (a, b) => (isOpen(a) || isOpen(b) ? 'direct' : 'relayed'), via: 'vps' },
};

const combos = Object.entries(archetypes).flatMap(([name, arch]) => natTypes.flatMap((a) => natTypes.map((b) => ({ name, arch, a, b, path: arch.expect(a, b) }))));

describe('predictPath across all NAT combinations', () => {
  test.each(combos)('$name: $a ↔ $b is $path', ({ arch, a, b, path }) => {
    const fx = twoSites(arch.vpn, a, b);
    const prediction = predictPath(fx.design, fx.a, fx.b)!;
    expect(prediction.path).toBe(path);
    expect(prediction.reason).toMatch(/\.$/);
    if (path === 'relayed') expect(prediction.via).toEqual(arch.via === 'vps' ? [fx.vps] : 'thirdParty');
    else expect(prediction.via).toBeNull();
    // The prediction does not depend on which side asks.
    expect(predictPath(fx.design, fx.b, fx.a)!.path).toBe(path);
  });
});

describe('predictPath special cases', () => {
  test('returns null when no VPN is chosen or a machine does not exist', () => {
    const b = designBuilder();
    const home = b.site('Home', 'nat');
    const x = b.machine('x', home);
    const y = b.machine('y', home);
    expect(predictPath(b.design, x, y)).toBeNull();
    const design = b.vpn('zerotier');
    expect(predictPath(design, x, 'mach_missing' as MachineId)).toBeNull();
  });

  test('says in plain words why two CGNAT homes hole-punch', () => {
    const fx = twoSites('zerotier', 'cgnat', 'cgnat');
    expect(predictPath(fx.design, fx.a, fx.b)!.reason).toBe('Both "Home" and "Grandma" are behind carrier-grade NAT; ZeroTier hole-punches through them.');
  });

  test('machines in the same site talk over the LAN', () => {
    const b = designBuilder();
    const home = b.site('Home', 'symmetric');
    const x = b.machine('x', home);
    const y = b.machine('y', home);
    const prediction = predictPath(b.vpn('vpncloud'), x, y)!;
    expect(prediction.path).toBe('lan');
    expect(prediction.reason).toContain('"Home"');
  });

  test('WireGuard routes peers in the same home through the controller, but a peer reaches the controller directly', () => {
    const b = designBuilder();
    const home = b.site('Home', 'nat');
    const cloud = b.site('Cloud', 'public');
    const x = b.machine('x', home);
    const y = b.machine('y', home);
    const vps = b.machine('vps', cloud, 'vps');
    const design = b.vpn('wireguard');
    expect(predictPath(design, x, y)).toMatchObject({ path: 'relayed', via: [vps] });
    expect(predictPath(design, x, y)!.reason).toContain('even inside "Home"');
    expect(predictPath(design, x, vps)).toMatchObject({ path: 'direct', via: null });
  });

  test('WireGuard with its controller behind NAT cannot connect peers in other sites', () => {
    const b = designBuilder();
    const home = b.site('Home', 'nat');
    const away = b.site('Away', 'cgnat');
    const nas = b.machine('nas', home, 'nas');
    const laptop = b.machine('laptop', away);
    const design = setVpn(b.design, 'wireguard', { [nas]: ['controller'], [laptop]: ['peer'] });
    const prediction = predictPath(design, laptop, nas)!;
    expect(prediction.path).toBe('unreachable');
    expect(prediction.reason).toContain('public address');
  });

  test('a cable between machines in different sites is a LAN path', () => {
    const b = designBuilder();
    const x = b.machine('x', b.site('Shed', 'symmetric'));
    const y = b.machine('y', b.site('House', 'symmetric'));
    b.link('cable', x, y);
    expect(predictPath(b.vpn('vpncloud'), x, y)!.path).toBe('lan');
  });

  test('without any public site, a VPN that needs its own public node cannot connect two homes and says to add a VPS', () => {
    const b = designBuilder();
    const x = b.machine('x', b.site('Home', 'nat'));
    const y = b.machine('y', b.site('Grandma', 'nat'));
    const nebula = predictPath(b.vpn('nebula'), x, y)!;
    expect(nebula.path).toBe('unreachable');
    expect(nebula.reason).toContain('Add a VPS');
    expect(nebula.reason).toContain('lighthouse');
    // ZeroTier needs no node of ours: its public roots do the introductions.
    expect(predictPath(b.vpn('zerotier'), x, y)!.path).toBe('holePunched');
    // Mycelium routes through Threefold's hosted nodes instead.
    expect(predictPath(b.vpn('mycelium'), x, y)).toMatchObject({ path: 'relayed', via: 'thirdParty' });
  });

  test('Nebula relays symmetric NAT through the lighthouse', () => {
    const fx = twoSites('nebula', 'symmetric', 'nat');
    expect(predictPath(fx.design, fx.a, fx.b)).toMatchObject({ path: 'relayed', via: [fx.vps] });
  });

  test('a machine without a role is not in the VPN', () => {
    const fx = twoSites('zerotier', 'nat', 'nat');
    const design = setVpn(fx.design, 'zerotier', { ...fx.design.vpn.roles, [fx.b]: [] });
    const prediction = predictPath(design, fx.a, fx.b)!;
    expect(prediction.path).toBe('unreachable');
    expect(prediction.reason).toContain('"laptop" has no role');
  });
});

describe('computeOverlay', () => {
  test('is empty without a VPN', () => {
    const fx = twoSites('zerotier', 'nat', 'nat');
    expect(computeOverlay(setVpn(fx.design, null, {}))).toEqual([]);
  });

  test('draws one edge per pair of sites with members, with stable ids and pair counts', () => {
    const fx = twoSites('zerotier', 'cgnat', 'nat');
    const extra = putMachine(fx.design, makeMachine('mach_extra' as MachineId, { name: 'extra', siteId: fx.siteA }));
    const design = setVpn(extra, 'zerotier', assignDefaultRoles(extra, 'zerotier'));
    const edges = computeOverlay(design);
    const id = (x: SiteId, y: SiteId) => (x < y ? `ov:${x}:${y}` : `ov:${y}:${x}`);
    expect(edges.map((e) => e.id).sort()).toEqual([id(fx.siteA, fx.siteB), id(fx.siteA, fx.cloud), id(fx.siteB, fx.cloud)].sort());
    const homeToGrandma = edges.find((e) => e.id === id(fx.siteA, fx.siteB))!;
    expect(homeToGrandma).toMatchObject({ kind: 'mesh', path: 'holePunched', pairs: 2 });
    expect(homeToGrandma.a < homeToGrandma.b).toBe(true);
    expect(edges.find((e) => e.id === id(fx.siteA, fx.cloud))).toMatchObject({ path: 'direct', pairs: 2 });
  });

  test('leaves out sites without VPN members', () => {
    const fx = twoSites('zerotier', 'nat', 'nat');
    const design = setVpn(fx.design, 'zerotier', { [fx.a]: ['peer'], [fx.vps]: ['controller', 'peer'] });
    expect(computeOverlay(design).map((e) => [e.a, e.b].sort())).toEqual([[fx.siteA, fx.cloud].sort()]);
  });

  test('adds hub edges for WireGuard and marks peer-to-peer edges as relayed through the controller', () => {
    const fx = twoSites('wireguard', 'nat', 'cgnat');
    const edges = computeOverlay(fx.design);
    const hubs = edges.filter((e) => e.kind === 'hub');
    const mesh = edges.filter((e) => e.kind === 'mesh');
    expect(hubs).toHaveLength(2);
    expect(hubs.every((e) => e.path === 'direct' && e.id.startsWith('ov:hub:'))).toBe(true);
    expect(mesh).toHaveLength(1);
    expect(mesh[0]).toMatchObject({ path: 'relayed', via: [fx.vps], pairs: 1 });
  });

  test('returns the same edge objects after an edit that does not change the mesh (a rename)', () => {
    const fx = twoSites('zerotier', 'nat', 'nat');
    const first = computeOverlay(fx.design);
    const renamed = updateMachine(fx.design, fx.a, { name: 'renamed' });
    expect(computeOverlay(renamed)).toBe(first);
    // A NAT change does change it.
    const moved = putSite(renamed, { ...renamed.sites[fx.siteA]!, nat: 'symmetric' });
    const next = computeOverlay(moved);
    expect(next).not.toBe(first);
    expect(next.find((e) => e.a !== fx.cloud && e.b !== fx.cloud)!.path).toBe('relayed');
  });

  test('predicts a path for every pair of sites of a 1,000-machine, 50-site mesh (its time is measured by npm run bench:validate)', () => {
    const design = generateDesign({ machines: 1000, links: 1500, sites: 50, seed: 7 });
    const edges = computeOverlay(design);
    expect(edges.length).toBeGreaterThan(1000);
  });
});
