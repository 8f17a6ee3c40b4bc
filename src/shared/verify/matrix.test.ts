import { describe, expect, test } from 'vitest';
import { designBuilder } from '../model/designBuilder';
import { createOverlayIndex } from '../model/overlay';
import { appError } from '../errors';
import type { Design, MachineId, NatType } from '../model/types';
import type { VpnId } from '../vpn/ids';
import { configuredOverlayAddresses, parseDiscovery, probeAddress, type OverlayDiscovery, type PeerView } from './discovery';
import { buildMatrix, planPairs, probeTargets, type MachineFindings } from './matrix';
import { parseProbeOutput, type ProbeReport } from './probe';

// ---------------------------------------------------------------- designs

/** A family network: two machines at home behind NAT, a public VPS (with its address), grandma behind strict NAT, a phone. */
function family(vpn: VpnId, grandmaNat: NatType = 'symmetric') {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  const cloud = b.site('Cloud', 'public');
  const grandma = b.site('Grandma', grandmaNat);
  const ids = {
    nas: b.machine('nas', home, 'nas'),
    desktop: b.machine('desktop', home, 'desktop'),
    vps: b.machine('vps', cloud, 'vps', { publicAddress: '203.0.113.10' }),
    pi: b.machine('grandma-pi', grandma, 'sbc'),
    phone: b.machine('phone', home, 'phone'),
  };
  b.admin(home);
  return { design: b.vpn(vpn), ...ids };
}

/** N managed machines at five homes plus one public VPS. */
function bigNetwork(n: number, vpn: VpnId = 'nebula'): Design {
  const b = designBuilder();
  const cloud = b.site('Cloud', 'public');
  b.machine('vps', cloud, 'vps', { publicAddress: '203.0.113.10' });
  const homes = ['nat', 'cgnat', 'portForward', 'nat', 'symmetric'].map((nat, i) => b.site(`Home ${i}`, nat as 'nat'));
  for (let i = 1; i < n; i += 1) b.machine(`m${String(i).padStart(3, '0')}`, homes[i % homes.length]!, 'desktop');
  return b.vpn(vpn);
}

// ---------------------------------------------------------------- findings, built from real output formats

const unitActive = { stdout: 'LoadState=loaded\nActiveState=active\nSubState=running\n', stderr: '', exitCode: 0 };

/** A probe's output for these results, the way the fixed script prints it (iputils summaries). */
function probe(results: { address: string; received: number; sent?: number }[]): ProbeReport {
  const lines = ['cnd-probe start 1'];
  for (const { address, received, sent = 5 } of results) {
    lines.push(`ping ${address} | PING ${address} (${address}) 56(84) bytes of data.`, `ping ${address} | `, `ping ${address} | --- ${address} ping statistics ---`);
    lines.push(`ping ${address} | ${sent} packets transmitted, ${received} received, ${Math.round(((sent - received) / sent) * 100)}% packet loss, time 812ms`);
    if (received > 0) lines.push(`ping ${address} | rtt min/avg/max/mdev = 18.201/21.540/27.905/3.120 ms`);
    lines.push(`ping ${address} exit ${received > 0 ? 0 : 1}`);
  }
  lines.push('cnd-probe end');
  return parseProbeOutput(lines.join('\n'), results.map((r) => r.address));
}

/** A running machine's discovery with the given address and peer list. */
function running(vpn: VpnId, machine: string, address: string, identity: string | null, peers: PeerView[] | null): OverlayDiscovery {
  return { machine, vpn, state: 'running', addresses: [address], source: 'vpn', identity, peers, message: `runs on "${machine}"`, notes: [] };
}

const peer = (identity: string, path: PeerView['path'], extra: Partial<PeerView> = {}): PeerView => ({ identity, name: null, addresses: [], networks: [], path, via: null, connected: true, detail: path, ...extra });

describe('which pairs are tested', () => {
  test('a family network: every ordered pair of the managed members; the phone is left out and says why', () => {
    const { design, vps } = family('nebula');
    const plan = planPairs(design);
    expect(plan.sampled).toBe(false);
    expect(plan.machines.map((m) => m.name)).toEqual(['desktop', 'grandma-pi', 'nas', 'vps']);
    expect(plan.pairs).toHaveLength(12);
    expect(plan.totalPairs).toBe(12);
    expect(new Set(plan.pairs.map((p) => `${p.from}>${p.to}`)).size).toBe(12);
    expect(plan.anchors).toEqual([vps]);
    expect(plan.leftOut.map((m) => m.name)).toEqual(['phone']);
    expect(plan.leftOut[0]!.reason).toContain('not managed by the app');
    expect(plan.description).toBe('Every ordered pair of the 4 machines: 12 pairs.');
  });

  test('100 machines: a sample that grows with N, not N², with every machine pinging the lighthouse', () => {
    const design = bigNetwork(100);
    const plan = planPairs(design);
    const vps = plan.machines.find((m) => m.name === 'vps')!.id;
    expect(plan.sampled).toBe(true);
    expect(plan.totalPairs).toBe(9900);
    expect(plan.anchors).toEqual([vps]);
    // Every machine: the anchor (unless it is the anchor) plus 4 random peers.
    expect(plan.pairs.length).toBe(99 * 1 + 100 * 4);
    expect(plan.pairs.length).toBeLessThan(6 * 100);
    for (const m of plan.machines) {
      const mine = plan.pairs.filter((p) => p.from === m.id);
      if (m.id !== vps) expect(mine.some((p) => p.to === vps && p.why === 'anchor')).toBe(true);
      const random = mine.filter((p) => p.why === 'random');
      expect(random).toHaveLength(4);
      expect(new Set(random.map((p) => p.to)).size).toBe(4);
      expect(random.every((p) => p.to !== m.id && p.to !== vps)).toBe(true);
    }
    expect(plan.description).toMatch(/^A sample of 499 of the 9,900 ordered pairs of the 100 machines: every machine to "vps", plus 4 random peers each \(seed 1\)\.$/);
    // Twice the machines, about twice the pairs.
    expect(planPairs(bigNetwork(200)).pairs.length).toBe(199 + 200 * 4);
  });

  test('the sample is reproducible: the same design and seed give the same pairs, another seed others', () => {
    const design = bigNetwork(100);
    const a = planPairs(design, { seed: 7 });
    expect(planPairs(design, { seed: 7 }).pairs).toEqual(a.pairs);
    expect(planPairs(bigNetwork(100), { seed: 7 }).pairs).toEqual(a.pairs);
    expect(planPairs(design, { seed: 8 }).pairs).not.toEqual(a.pairs);
    expect(planPairs(design, { fullUpTo: 100 }).pairs).toHaveLength(9900);
  });

  test('VPNs whose nodes are all equal sample toward the members the prediction routes through (public or port-forwarded)', () => {
    const design = bigNetwork(40, 'yggdrasil');
    const plan = planPairs(design);
    expect(plan.anchors).toEqual(createOverlayIndex(design).openMembers);
    expect(plan.anchors.map((id) => design.machines[id]!.name)).toEqual(['vps', 'm002', 'm007']);
    expect(plan.anchors.slice(1).every((id) => design.sites[design.machines[id]!.siteId!]!.nat === 'portForward')).toBe(true);
  });

  test('each machine gets one probe with the addresses of its targets; a target without an address is listed apart', () => {
    const { design, nas, vps, pi } = family('nebula');
    const plan = planPairs(design);
    const configured = configuredOverlayAddresses(design);
    const groups = probeTargets(plan, (id) => (id === pi ? null : probeAddress(undefined, configured.get(design.machines[id]!.name))));
    expect(groups).toHaveLength(4);
    const fromNas = groups.find((g) => g.from === nas)!;
    expect(fromNas.targets.find((t) => t.to === vps)!.address).toBe(configured.get('vps')!.address);
    expect(fromNas.withoutAddress).toEqual([pi]);
  });
});

describe('the matrix of a verify run', () => {
  test('Tailscale: every pair reached; the pairs with grandma go through a DERP relay, as the design predicts', () => {
    const { design, nas, desktop, vps, pi } = family('headscale');
    const ip = { [nas]: '100.64.0.2', [desktop]: '100.64.0.3', [vps]: '100.64.0.1', [pi]: '100.64.0.4' } as Record<MachineId, string>;
    const key = (id: MachineId) => `nodekey:${design.machines[id]!.name}`;
    const all = [nas, desktop, vps, pi];
    const derp = { via: 'Tailscale\'s DERP relay "fra"', detail: 'relay "fra"' };
    const findings = new Map<string, MachineFindings>(
      all.map((id) => {
        const peers = all.filter((o) => o !== id).map((o) => (o === pi || id === pi) && o !== vps && id !== vps ? peer(key(o), 'relayed', derp) : peer(key(o), 'direct'));
        return [id, { sshError: null, discovery: running('headscale', design.machines[id]!.name, ip[id]!, key(id), peers), probe: probe(all.filter((o) => o !== id).map((o) => ({ address: ip[o]!, received: 5 }))) }];
      }),
    );
    const matrix = buildMatrix({ design, plan: planPairs(design), findings });
    expect(matrix.counts).toMatchObject({ pairs: 12, reached: 12, partly: 0, notReached: 0, relayed: 4, direct: 8, mismatches: 0 });
    expect(matrix.summary).toBe('12 of 12 pairs reached; 4 pairs relayed.');
    const nasToPi = matrix.cells.find((c) => c.from === nas && c.to === pi)!;
    expect(nasToPi).toMatchObject({ status: 'reached', reason: '"grandma-pi" answered all 5 pings from "nas" (average 22 ms).' });
    expect(nasToPi.path).toMatchObject({ observed: 'relayed', predicted: 'relayed', shown: 'relayed', via: 'Tailscale\'s DERP relay "fra"', matchesPrediction: true });
    // Two machines at home: direct, and the design knows it stays on the local network.
    expect(matrix.cells.find((c) => c.from === nas && c.to === desktop)!.path).toMatchObject({ observed: 'direct', predicted: 'lan', shown: 'lan', matchesPrediction: true });
  });

  test('failures say why, and a machine SSH could not reach is kept apart from the overlay', () => {
    const { design, nas, desktop, vps, pi } = family('nebula');
    const configured = configuredOverlayAddresses(design);
    const addr = (id: MachineId) => configured.get(design.machines[id]!.name)!.address;
    const nebulaRunning = (id: MachineId) => parseDiscovery({ vpn: 'nebula', instance: 'mesh', machine: design.machines[id]!.name }, { unit: unitActive, interface: { stdout: JSON.stringify([{ ifname: 'nebula.mesh', flags: ['UP'], addr_info: [{ family: 'inet', local: addr(id), prefixlen: 16, scope: 'global' }] }]), stderr: '', exitCode: 0 } });
    const desktopDown = parseDiscovery({ vpn: 'nebula', instance: 'mesh', machine: 'desktop' }, { unit: { stdout: 'LoadState=loaded\nActiveState=failed\nSubState=failed\n', stderr: '', exitCode: 0 }, interface: { stdout: '', stderr: 'Device "nebula.mesh" does not exist.\n', exitCode: 1 } });
    const findings = new Map<string, MachineFindings>([
      // nas reaches the VPS, half of grandma's pings, nothing from the desktop.
      [nas, { sshError: null, discovery: nebulaRunning(nas), probe: probe([{ address: addr(vps), received: 5 }, { address: addr(pi), received: 3 }, { address: addr(desktop), received: 0 }]) }],
      [desktop, { sshError: null, discovery: desktopDown, probe: probe([{ address: addr(nas), received: 0 }, { address: addr(vps), received: 0 }, { address: addr(pi), received: 0 }]) }],
      [vps, { sshError: null, discovery: nebulaRunning(vps), probe: probe([{ address: addr(nas), received: 5 }, { address: addr(desktop), received: 0 }, { address: addr(pi), received: 0 }]) }],
      // The app could not log in to grandma's Pi at all.
      [pi, { sshError: appError('sshHostUnreachable', { host: 'grandma-pi.lan', port: 22, reason: 'timeout', timeoutMs: 30000 }), discovery: null, probe: null }],
    ]);
    const matrix = buildMatrix({ design, plan: planPairs(design), findings, configured });
    const cell = (from: MachineId, to: MachineId) => matrix.cells.find((c) => c.from === from && c.to === to)!;

    expect(cell(nas, vps)).toMatchObject({ status: 'reached', cause: null });
    expect(cell(nas, pi)).toMatchObject({ status: 'partly', cause: 'someLost', reason: '"grandma-pi" answered 3 of 5 pings from "nas" (40 % lost): the path works but loses packets.' });
    expect(cell(nas, desktop)).toMatchObject({ status: 'notReached', cause: 'daemonNotRunning', reason: 'The Nebula daemon on "desktop" is not running, so "nas" cannot reach it.' });
    expect(cell(desktop, vps)).toMatchObject({ cause: 'daemonNotRunning', reason: 'The Nebula daemon on "desktop" is not running, so it cannot reach "vps".' });
    expect(cell(vps, pi)).toMatchObject({ status: 'notReached', cause: 'noReply', reason: '"grandma-pi" did not answer the pings from "vps" over the overlay (5 of 5 pings lost).' });
    // Grandma's Pi was still pinged at the address the configuration gives it.
    expect(cell(vps, pi).address).toBe(addr(pi));
    expect(cell(pi, nas)).toMatchObject({ status: 'notReached', cause: 'sshUnreachable', reason: '"grandma-pi" could not be reached over SSH, so its pings to "nas" were not run; this says nothing about the VPN.' });
    expect(matrix.counts).toMatchObject({ pairs: 12, reached: 2, partly: 1, notReached: 9, sshUntested: 3 });
    expect(matrix.summary).toBe('2 of 12 pairs reached, 1 partly, 6 not reached, 3 not tested because "grandma-pi" could not be reached over SSH; Nebula does not tell the path.');
    const piLine = matrix.machines.find((m) => m.name === 'grandma-pi')!;
    expect(piLine.ssh).toContain('grandma-pi.lan');
    expect(piLine.overlay).toBe('The overlay state of "grandma-pi" is unknown: the app could not log in to it.');
    // Nebula cannot tell relays: the path is unknown, next to the prediction.
    expect(cell(nas, pi).path).toMatchObject({ observed: 'unknown', predicted: 'relayed', shown: 'unknown', matchesPrediction: null });
    expect(buildMatrix({ design, plan: planPairs(design), findings, configured })).toEqual(matrix);
  });

  test('a target whose address only exists at run time and that SSH could not reach is not pinged, and says so', () => {
    const { design, nas, vps } = family('easytier');
    const findings = new Map<string, MachineFindings>([
      [nas, { sshError: null, discovery: running('easytier', 'nas', '10.126.126.2', 'nas', []), probe: probe([]) }],
      [vps, { sshError: appError('sshAuthFailed', { host: '203.0.113.10', port: 22, username: 'root' }), discovery: null, probe: null }],
    ]);
    const plan = { ...planPairs(design), pairs: [{ from: nas, to: vps, why: 'all' as const }] };
    const [cell] = buildMatrix({ design, plan, findings }).cells;
    expect(cell).toMatchObject({ address: null, status: 'notReached', cause: 'sshUnreachable' });
    expect(cell!.reason).toBe('"vps" could not be reached over SSH, and EasyTier assigns its overlay address only at run time, so "nas" had no address to ping.');
  });

  test('a machine without ping, and one that is not running the VPN at all', () => {
    const { design, nas, vps } = family('zerotier');
    const noPing = parseProbeOutput('cnd-probe start 1\ncnd-probe no-ping\ncnd-probe end\n', ['fd5d:ba3c:5c13:8e27:3b99:93a1:b2c3:d4e6']);
    const findings = new Map<string, MachineFindings>([
      [nas, { sshError: null, discovery: running('zerotier', 'nas', 'fd5d:ba3c:5c13:8e27:3b99:93a1:b2c3:d4e5', 'a1b2c3d4e5', []), probe: noPing }],
      [vps, { sshError: null, discovery: { ...running('zerotier', 'vps', 'fd5d:ba3c:5c13:8e27:3b99:93a1:b2c3:d4e6', 'a1b2c3d4e6', []), state: 'notConfigured', addresses: [], message: 'not set up' }, probe: probe([]) }],
    ]);
    const plan = { ...planPairs(design), pairs: [{ from: nas, to: vps, why: 'all' as const }, { from: vps, to: nas, why: 'all' as const }] };
    const configured = new Map([['vps', { address: 'fd5d:ba3c:5c13:8e27:3b99:93a1:b2c3:d4e6', from: 'vars/shared/zerotier-ip-vps-mesh/ip/value' }]]);
    const cells = buildMatrix({ design, plan, findings, configured }).cells;
    expect(cells[0]).toMatchObject({ cause: 'notConfigured', reason: 'ZeroTier is not set up on "vps", so "nas" cannot reach it.' });
    expect(cells[1]).toMatchObject({ cause: 'notConfigured', reason: 'ZeroTier is not set up on "vps", so it cannot reach "nas" over the overlay.' });
    const onlyNoPing = new Map(findings).set(vps, { sshError: null, discovery: running('zerotier', 'vps', 'fd5d:ba3c:5c13:8e27:3b99:93a1:b2c3:d4e6', 'a1b2c3d4e6', []), probe: probe([]) });
    expect(buildMatrix({ design, plan: { ...plan, pairs: [plan.pairs[0]!] }, findings: onlyNoPing }).cells[0]).toMatchObject({
      cause: 'probeFailed',
      reason: '"nas" has no ping command, so "vps" could not be pinged from it. NixOS always has one; install iputils-ping elsewhere.',
    });
  });

  test("WireGuard: a peer's traffic to another peer goes through the controller whose allowed IPs hold it", () => {
    const { design, nas, desktop, vps } = family('wireguard');
    const hub = 'fd51:19c1:3b:f700::/56';
    const findings = new Map<string, MachineFindings>([
      [nas, { sshError: null, discovery: running('wireguard', 'nas', 'fd51:19c1:3b:f700:8750:a09b:0:1', 'NASKEY', [peer('VPSKEY', 'direct', { networks: [hub] })]), probe: probe([{ address: 'fd51:19c1:3b:f700:1111:2222:0:1', received: 5 }, { address: 'fd51:19c1:3b:f700::1', received: 5 }]) }],
      [desktop, { sshError: null, discovery: running('wireguard', 'desktop', 'fd51:19c1:3b:f700:1111:2222:0:1', 'DESKKEY', [peer('VPSKEY', 'direct', { networks: [hub] })]), probe: null }],
      [vps, { sshError: null, discovery: running('wireguard', 'vps', 'fd51:19c1:3b:f700::1', 'VPSKEY', [peer('NASKEY', 'direct'), peer('DESKKEY', 'direct')]), probe: null }],
    ]);
    const plan = { ...planPairs(design), pairs: [{ from: nas, to: desktop, why: 'all' as const }, { from: nas, to: vps, why: 'all' as const }] };
    const [toDesktop, toVps] = buildMatrix({ design, plan, findings }).cells;
    expect(toDesktop!.path).toMatchObject({ observed: 'relayed', via: '"vps"', predicted: 'relayed', matchesPrediction: true });
    expect(toDesktop!.path.detail).toBe('routed through "vps", whose allowed IPs hold it');
    expect(toVps!.path).toMatchObject({ observed: 'direct', shown: 'direct', predicted: 'direct' });
  });

  test('ZeroTier: a direct path between two NATs is shown as hole-punched where the design predicts it, flagged where it predicts a relay', () => {
    const punch = family('zerotier', 'cgnat');
    const pFindings = new Map<string, MachineFindings>([
      [punch.nas, { sshError: null, discovery: running('zerotier', 'nas', 'fd5d:ba3c:5c13:8e27:3b99:93a1:b2c3:d4e5', 'a1b2c3d4e5', [peer('c3d4e5f6a7', 'direct', { detail: 'direct 198.51.100.7/41234' })]), probe: probe([{ address: 'fd5d:ba3c:5c13:8e27:3b99:93c3:d4e5:f6a7', received: 5 }]) }],
      [punch.pi, { sshError: null, discovery: running('zerotier', 'grandma-pi', 'fd5d:ba3c:5c13:8e27:3b99:93c3:d4e5:f6a7', 'c3d4e5f6a7', []), probe: null }],
    ]);
    const [punched] = buildMatrix({ design: punch.design, plan: { ...planPairs(punch.design), pairs: [{ from: punch.nas, to: punch.pi, why: 'all' }] }, findings: pFindings }).cells;
    expect(punched!.path).toMatchObject({ observed: 'direct', predicted: 'holePunched', shown: 'holePunched', matchesPrediction: true, detail: 'direct 198.51.100.7/41234' });

    const { design, nas, pi } = family('zerotier');
    const findings = new Map<string, MachineFindings>([
      [nas, { sshError: null, discovery: running('zerotier', 'nas', 'fd5d:ba3c:5c13:8e27:3b99:93a1:b2c3:d4e5', 'a1b2c3d4e5', [peer('c3d4e5f6a7', 'direct', { detail: 'direct 198.51.100.7/41234' })]), probe: probe([{ address: 'fd5d:ba3c:5c13:8e27:3b99:93c3:d4e5:f6a7', received: 5 }]) }],
      [pi, { sshError: null, discovery: running('zerotier', 'grandma-pi', 'fd5d:ba3c:5c13:8e27:3b99:93c3:d4e5:f6a7', 'c3d4e5f6a7', []), probe: null }],
    ]);
    const plan = { ...planPairs(design), pairs: [{ from: nas, to: pi, why: 'all' as const }] };
    // nas (home NAT) to grandma (strict NAT): ZeroTier cannot punch through strict NAT, so the design predicts a relay.
    const [cell] = buildMatrix({ design, plan, findings }).cells;
    expect(cell!.path).toMatchObject({ observed: 'direct', predicted: 'relayed', shown: 'direct', matchesPrediction: false });
    expect(buildMatrix({ design, plan, findings }).summary).toBe('1 of 1 pair reached; no pair relayed, 1 path differs from the prediction.');
  });

  test('Yggdrasil lists only its direct peers: a node that is not one is reached through the others', () => {

    const ygg = family('yggdrasil');
    const yFindings = new Map<string, MachineFindings>([
      [ygg.nas, { sshError: null, discovery: running('yggdrasil', 'nas', '200:aaaa::1', 'K-NAS', [peer('K-VPS', 'direct', { addresses: ['201:bbbb::1'] })]), probe: probe([{ address: '202:cccc::1', received: 5 }]) }],
      [ygg.pi, { sshError: null, discovery: running('yggdrasil', 'grandma-pi', '202:cccc::1', 'K-PI', []), probe: null }],
      [ygg.vps, { sshError: null, discovery: running('yggdrasil', 'vps', '201:bbbb::1', 'K-VPS', []), probe: null }],
    ]);
    const [viaTree] = buildMatrix({ design: ygg.design, plan: { ...planPairs(ygg.design), pairs: [{ from: ygg.nas, to: ygg.pi, why: 'all' }] }, findings: yFindings }).cells;
    expect(viaTree!.path).toMatchObject({ observed: 'relayed', via: 'other Yggdrasil nodes', predicted: 'relayed', matchesPrediction: true });
  });

  test('no VPN, or nobody to test: a sentence, not an empty table', () => {
    const b = designBuilder();
    b.machine('nas', b.site('Home', 'nat'), 'nas');
    const plan = planPairs(b.design);
    expect(plan.pairs).toEqual([]);
    expect(buildMatrix({ design: b.design, plan, findings: new Map() }).summary).toBe('No VPN is chosen, so there is no overlay to verify.');
  });
});
