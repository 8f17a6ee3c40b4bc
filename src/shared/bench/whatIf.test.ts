import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { buildExamples } from '../model/examples';
import { sequentialIds } from '../model/ids';
import { generateClan } from '../nix/generate';
import { assignDefaultRoles } from '../vpn/catalog';
import { getFeatureMatrix } from '../vpn/features';
import { vpnIds } from '../vpn/ids';
import { getDesignProfile } from './advisor';
import { getColumnFactors } from './leaderboard';
import { loadDataset } from './load';
import type { BenchDataset } from './schema';
import { compareGeneratedFiles, computeWhatIf } from './whatIf';
import { describePathCounts, getPathCounts, summarizeSwitch, switchVpn } from '../model/vpnSwitch';

const loaded = loadDataset(JSON.parse(readFileSync(new URL('../../../resources/bench/vpn-bench.json', import.meta.url), 'utf8')));
if (!loaded.ok) throw new Error('the committed dataset does not load');
const dataset: BenchDataset = loaded.value;

const examples = buildExamples(() => sequentialIds());
/** Three households (one poor link, so the medium profile) on WireGuard. */
const onWireguard = switchVpn(examples.find((e) => e.fileName.startsWith('three-households'))!.design, 'wireguard');
/** Home + VPS with no VPN chosen yet. */
const homeAndVps = examples.find((e) => e.fileName.startsWith('home-and-vps'))!.design;

describe('switchVpn', () => {
  test('sets the VPN and its default roles, as the advisor assigns them', () => {
    const next = switchVpn(onWireguard, 'nebula');
    expect(next.vpn.id).toBe('nebula');
    expect(next.vpn.roles).toEqual(assignDefaultRoles(onWireguard, 'nebula'));
  });

  test('returns the same design for the VPN already in use, and clears the roles for none', () => {
    expect(switchVpn(onWireguard, 'wireguard')).toBe(onWireguard);
    expect(switchVpn(onWireguard, null).vpn).toMatchObject({ id: null, roles: {} });
  });
});

describe('what if Three households moved from WireGuard to ZeroTier', () => {
  const whatIf = computeWhatIf(onWireguard, dataset, 'zerotier');

  test('leaves the design it was given unchanged, and its "after" is exactly what Switch applies', () => {
    expect(onWireguard.vpn.id).toBe('wireguard');
    expect(whatIf.after).toEqual(switchVpn(onWireguard, 'zerotier'));
    expect(whatIf).toMatchObject({ from: 'wireguard', to: 'zerotier' });
  });

  test('lists every machine by name with its roles before and after; only the hub moves', () => {
    expect(whatIf.roles.map((r) => r.machine)).toEqual(['desktop', 'home-server', 'parents-laptop', 'parents-pi', 'sister-nas', 'vps']);
    expect(whatIf.roles.find((r) => r.machine === 'vps')).toMatchObject({ before: ['Controller (hub)'], after: ['Controller', 'Peer'], change: 'changes' });
    expect(whatIf.roles.filter((r) => r.change !== 'same').map((r) => r.machine)).toEqual(['vps']);
  });

  test("reads the figures from the design's profile, the one the advisor uses", () => {
    expect(whatIf.profile).toEqual(getDesignProfile(onWireguard, dataset));
    expect(whatIf.profile.profile).toBe('medium');
    const tcp = whatIf.figures.find((f) => f.workload === 'tcp')!;
    const column = getColumnFactors(dataset, 'medium', 'tcp')!;
    expect(tcp.before).toBe(column.entries.get('wireguard')!.value);
    expect(tcp.after).toBe(column.entries.get('zerotier')!.value);
    expect(tcp).toMatchObject({ unit: 'Mbit/s', verdict: 'better', change: '+37 %' });
  });

  test('says small differences are about the same, and percentages change by points', () => {
    expect(whatIf.figures.find((f) => f.workload === 'pingRtt')).toMatchObject({ verdict: 'same', change: 'about the same' });
    expect(whatIf.figures.find((f) => f.workload === 'pingLoss')).toMatchObject({ verdict: 'better', change: '−1.1 points' });
    expect(whatIf.figures.find((f) => f.workload === 'nixCache')).toMatchObject({ verdict: 'better', change: '−12 %' });
  });

  test('sums throughput and latency up with the factors as measured', () => {
    const [throughput, latency] = whatIf.criteria;
    expect(throughput!.sentence).toBe('Throughput at medium impairment: 1.23x better (on average 2.92x behind the best figure in each test with WireGuard, 2.38x with ZeroTier).');
    expect(latency).toMatchObject({ criterion: 'latency', verdict: 'better' });
  });

  test('names the features gained and lost, by how the feature matrix rates them', () => {
    expect(whatIf.gained.map((f) => f.id)).toEqual(expect.arrayContaining(['layer', 'natTraversal', 'publicNode']));
    expect(whatIf.lost.map((f) => f.id)).toEqual(expect.arrayContaining(['relays', 'keyRotation', 'thirdParty']));
    expect(whatIf.lost.find((f) => f.id === 'thirdParty')).toEqual({ id: 'thirdParty', label: 'Third-party infrastructure', before: 'No, fully self-hosted', after: "ZeroTier's public root servers" });
    const all = [...whatIf.gained, ...whatIf.lost, ...whatIf.changed].map((f) => f.id);
    const matrix = getFeatureMatrix();
    const differing = matrix.filter((row) => row.cells.wireguard.text !== row.cells.zerotier.text).map((row) => row.id);
    expect([...all].sort()).toEqual([...differing].sort());
  });

  test('diffs the generated configuration file by file, against the generator itself', () => {
    expect(whatIf.files.ok).toBe(true);
    if (!whatIf.files.ok) return;
    const before = generateClan(onWireguard);
    const after = generateClan(switchVpn(onWireguard, 'zerotier'));
    if (!before.ok || !after.ok) throw new Error('the example designs generate');
    for (const file of whatIf.files.files) {
      expect(file.before).toBe(before.value.files[file.path] ?? null);
      expect(file.after).toBe(after.value.files[file.path] ?? null);
    }
    const inventory = whatIf.files.files.find((f) => f.path === 'inventory.json')!;
    expect(inventory.status).toBe('changed');
    expect(inventory.addedLines).toBeGreaterThan(0);
    expect(inventory.removedLines).toBeGreaterThan(0);
    expect(whatIf.files.files.find((f) => f.path === 'flake.nix')!.status).toBe('same');
  });

  test('counts the predicted paths between sites before and after', () => {
    expect(whatIf.paths.before).toEqual(getPathCounts(onWireguard));
    expect(whatIf.paths.after).toEqual(getPathCounts(whatIf.after));
    expect(describePathCounts(whatIf.paths.after)).toMatch(/\d+ (direct|hole-punched|relayed)/);
  });

  test('says the switch in one line for the status bar', () => {
    expect(summarizeSwitch(onWireguard, whatIf.after)).toBe('Now using ZeroTier instead of WireGuard: 1 machine changes its role. Undo switches back.');
  });
});

describe('what if from no VPN', () => {
  test('every machine that gets a role joins, there are no figures before, and the features are what the VPN does well', () => {
    const whatIf = computeWhatIf(homeAndVps, dataset, 'wireguard');
    expect(whatIf.from).toBeNull();
    expect(whatIf.roles.every((r) => r.change === 'joins' || (r.after.length === 0 && r.change === 'same'))).toBe(true);
    expect(whatIf.figures.every((f) => f.before === null && f.verdict === 'unknown' && f.after !== null)).toBe(true);
    expect(whatIf.criteria[0]!.sentence).toMatch(/^Throughput at baseline: WireGuard is /);
    expect(summarizeSwitch(homeAndVps, whatIf.after)).toBe('Now using WireGuard: 5 machines join. Undo switches back.');
    expect(whatIf.lost).toEqual([]);
    expect(whatIf.gained.length).toBeGreaterThan(0);
    expect(describePathCounts(whatIf.paths.before)).toBe('none');
    expect(whatIf.files.ok && whatIf.files.files.find((f) => f.path === 'inventory.json')?.status).toBe('changed');
  });

  test("a VPN that is not in clan-core adds this app's module to the configuration", () => {
    const whatIf = computeWhatIf(homeAndVps, dataset, 'nebula');
    const added = whatIf.files.ok ? whatIf.files.files.filter((f) => f.status === 'added').map((f) => f.path) : [];
    expect(added.some((p) => p.includes('nebula'))).toBe(true);
  });

  test('a phone leaves when the new VPN has no app for it', () => {
    const onZerotier = switchVpn(homeAndVps, 'zerotier');
    const whatIf = computeWhatIf(onZerotier, dataset, 'vpncloud');
    expect(whatIf.roles.find((r) => r.machine === 'phone')).toMatchObject({ change: 'leaves', after: [] });
    expect(summarizeSwitch(onZerotier, whatIf.after)).toBe('Now using VpnCloud instead of ZeroTier: 1 machine changes its role, 1 machine leaves the VPN. Undo switches back.');
  });
});

describe('what if the other VPN cannot be generated for the design yet', () => {
  test('says which side fails and why, and still shows roles and figures', () => {
    const withoutAddress = { ...homeAndVps, machines: Object.fromEntries(Object.entries(homeAndVps.machines).map(([id, m]) => [id, { ...m, publicAddress: null }])) };
    const whatIf = computeWhatIf(switchVpn(withoutAddress, 'zerotier'), dataset, 'wireguard');
    expect(whatIf.files).toMatchObject({ ok: false, side: 'after', error: { code: 'missingPublicAddress' } });
    expect(whatIf.roles.find((r) => r.machine === 'vps')!.after).toEqual(['Controller (hub)']);
    expect(whatIf.figures.every((f) => f.before !== null && f.after !== null)).toBe(true);
  });
});

describe('compareGeneratedFiles', () => {
  test('marks files added, removed, changed and the same, and counts changed lines', () => {
    const files = compareGeneratedFiles({ a: 'x\ny\n', b: 'same\n', c: 'old\n' }, { a: 'x\nz\n', b: 'same\n', d: 'new\nlines\n' });
    expect(files.map((f) => [f.path, f.status, f.addedLines, f.removedLines])).toEqual([
      ['a', 'changed', 1, 1],
      ['b', 'same', 0, 0],
      ['c', 'removed', 0, 1],
      ['d', 'added', 2, 0],
    ]);
  });
});

describe('every switch between two of the ten', () => {
  test('is computed without throwing and keeps one role row per machine', () => {
    for (const from of vpnIds) {
      const design = switchVpn(onWireguard, from);
      for (const to of vpnIds) {
        const whatIf = computeWhatIf(design, dataset, to);
        expect(whatIf.roles).toHaveLength(Object.keys(design.machines).length);
        if (from === to) expect([...whatIf.gained, ...whatIf.lost, ...whatIf.changed]).toEqual([]);
      }
    }
  });
});
