import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { designBuilder } from '../model/designBuilder';
import { buildExamples } from '../model/examples';
import { sequentialIds } from '../model/ids';
import type { Design, LinkQuality } from '../model/types';
import { vpnCatalog } from '../vpn/catalog';
import { vpnIds, type VpnId } from '../vpn/ids';
import { advise, behindBest, defaultPriorities, getCentralisation, getDesignProfile, MAX_PRIORITY, priorityIds, qualityProfiles, raisePriorities, type Advice, type AdviceEntry } from './advisor';
import { loadDataset } from './load';
import type { BenchDataset } from './schema';

const loaded = loadDataset(JSON.parse(readFileSync(new URL('../../../resources/bench/vpn-bench.json', import.meta.url), 'utf8')));
if (!loaded.ok) throw new Error('the committed dataset does not load');
const dataset: BenchDataset = loaded.value;

const needsPublicNode = vpnIds.filter((id) => vpnCatalog[id].needsOwnPublicNode.value);
const withoutPhoneApp = vpnIds.filter((id) => vpnCatalog[id].mobileClients.value.length === 0);
const thirdParty = vpnIds.filter((id) => vpnCatalog[id].thirdPartyInfra.value);

function entry(advice: Advice, vpn: VpnId): AdviceEntry {
  return advice.entries.find((e) => e.vpn === vpn)!;
}

/** Three homes, each behind carrier-grade NAT, no VPS and no port forward. */
function threeHomesBehindCgnat(): Design {
  const b = designBuilder();
  const home = b.site('Home', 'cgnat');
  const parents = b.site('Parents', 'cgnat', { quality: 'fair' });
  const sister = b.site('Sister', 'cgnat');
  b.machine('home-server', home, 'server');
  b.machine('desktop', home, 'desktop');
  b.machine('parents-pi', parents, 'sbc');
  b.machine('sister-nas', sister, 'nas');
  b.admin(home);
  return b.design;
}

/** The home-and-vps example: a home behind NAT with a phone, and a public VPS. */
const examples = buildExamples(() => sequentialIds());
const homeAndVps = examples.find((e) => e.fileName.startsWith('home-and-vps'))!.design;
const threeHouseholds = examples.find((e) => e.fileName.startsWith('three-households'))!.design;

describe('three homes behind CGNAT and no VPS', () => {
  const advice = advise(threeHomesBehindCgnat(), dataset);

  test('does not rank first a VPN that needs a public node', () => {
    const first = advice.entries[0]!;
    expect(first.excluded).toBe(false);
    expect(vpnCatalog[first.vpn].needsOwnPublicNode.value).toBe(false);
  });

  test('excludes every VPN that needs a public node, says why, and ranks them last', () => {
    for (const vpn of needsPublicNode) {
      const e = entry(advice, vpn);
      expect(e.excluded).toBe(true);
      expect(e.exclusionReasons).toHaveLength(1);
      expect(e.exclusionReasons[0]).toMatch(/needs a machine of yours that the internet can reach/);
      expect(e.exclusionReasons[0]).toMatch(/no site with a public address or a port forward/);
      expect(e.exclusionReasons[0]).toContain('"Parents": CGNAT');
      expect(e.exclusionReasons[0]).toMatch(/Add a VPS or a port forward/);
    }
    const firstExcluded = advice.entries.findIndex((e) => e.excluded);
    expect(advice.entries.slice(firstExcluded).every((e) => e.excluded)).toBe(true);
    expect(advice.entries.slice(0, firstExcluded).map((e) => e.vpn).sort()).toEqual(vpnIds.filter((v) => !needsPublicNode.includes(v)).sort());
  });

  test('names the role that needs the public address', () => {
    expect(entry(advice, 'nebula').exclusionReasons[0]).toContain('(the lighthouse)');
    expect(entry(advice, 'wireguard').exclusionReasons[0]).toContain('(the controller (hub))');
  });

  test('with a VPS added, the same VPNs are no longer excluded', () => {
    const b = designBuilder();
    const home = b.site('Home', 'cgnat');
    const cloud = b.site('Cloud', 'public');
    b.machine('desktop', home, 'desktop');
    b.machine('vps', cloud, 'vps');
    const again = advise(b.design, dataset);
    expect(again.entries.some((e) => e.excluded)).toBe(false);
  });
});

describe('phones', () => {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  const cloud = b.site('Cloud', 'public');
  b.machine('desktop', home, 'desktop');
  b.machine('anna-phone', home, 'phone');
  b.machine('vps', cloud, 'vps');
  const advice = advise(b.design, dataset);

  test('a design with a phone excludes the VPNs without a phone app, naming the phone', () => {
    expect(withoutPhoneApp.sort()).toEqual(['hyprspace', 'vpncloud']);
    for (const vpn of withoutPhoneApp) {
      const e = entry(advice, vpn);
      expect(e.excluded).toBe(true);
      expect(e.exclusionReasons).toEqual([`${vpnCatalog[vpn].name} has no app for phones, and the design has a phone ("anna-phone").`]);
    }
    for (const vpn of vpnIds.filter((v) => !withoutPhoneApp.includes(v))) expect(entry(advice, vpn).excluded).toBe(false);
  });

  test('VPNs with a phone app give the phone the default role', () => {
    const wireguard = entry(advice, 'wireguard');
    expect(wireguard.roles.find((r) => r.machine === 'anna-phone')).toMatchObject({ roles: ['peer'], labels: ['Peer'] });
  });

  test('without the phone, nobody is excluded for it', () => {
    const c = designBuilder();
    const site = c.site('Home', 'public');
    c.machine('desktop', site, 'desktop');
    expect(advise(c.design, dataset).entries.every((e) => !e.excluded)).toBe(true);
  });
});

describe('home + VPS', () => {
  const advice = advise(homeAndVps, dataset);

  test('ranks WireGuard and ZeroTier first, from baseline figures', () => {
    expect(advice.profile.profile).toBe('baseline');
    expect(advice.entries.slice(0, 2).map((e) => e.vpn)).toEqual(['wireguard', 'zerotier']);
  });

  test('the reasons cite the figures, formatted for people', () => {
    const wireguard = entry(advice, 'wireguard');
    expect(wireguard.reasons).toContain('WireGuard: 864 Mbit/s single TCP at baseline, 92.5 % of the no-VPN link. The best single TCP figure of the ten.');
    expect(wireguard.reasons).toContain('The Nix cache download took 9.5 s at baseline (no VPN: 8.5 s).');
    expect(wireguard.reasons.some((r) => /^Ping round trip 1\.2 ms \(no VPN: 0\.60 ms\)/.test(r))).toBe(true);
    expect(entry(advice, 'zerotier').reasons[0]).toBe('ZeroTier: 814 Mbit/s single TCP at baseline, 87.2 % of the no-VPN link. That is 0.94x the best VPN (WireGuard, 864 Mbit/s).');
  });

  test('factors are said as measured: ZeroTier is 1.04x behind on throughput, never "level with the best (1.0x)"', () => {
    const zerotier = entry(advice, 'zerotier');
    expect(zerotier.reasons).toContain('On throughput (single and parallel TCP, QUIC, Nix cache) at baseline it is on average 1.04x behind the best figure in each test, ranking 2nd of the ten.');
    expect(zerotier.breakdown.find((b) => b.criterion === 'throughput')!.detail).toBe('on average 1.04x behind the best figure in each test');
    for (const e of advice.entries) for (const r of e.reasons) expect(r).not.toMatch(/level with/);
  });

  test('only a VPN that is best in every test is said to be the best figure in every test', () => {
    expect(behindBest(1)).toBe('the best figure in every test (1.00x)');
    expect(behindBest(1.004)).toBe('on average 1.00x behind the best figure in each test');
    expect(behindBest(1.049)).toBe('on average 1.05x behind the best figure in each test');
    expect(behindBest(14.4)).toBe('on average 14x behind the best figure in each test');
  });

  test('the roles put the controller on the VPS, by machine name', () => {
    const wireguard = entry(advice, 'wireguard');
    expect(wireguard.roles.find((r) => r.machine === 'vps')).toMatchObject({ roles: ['controller'], labels: ['Controller (hub)'] });
    expect(wireguard.roles.filter((r) => r.roles.includes('peer')).map((r) => r.machine).sort()).toEqual(['desktop', 'laptop', 'nas', 'phone']);
    expect(wireguard.rolesSummary).toBe('"vps" → Controller (hub); the other 4 machines → Peer');
    expect(entry(advice, 'zerotier').roles.find((r) => r.machine === 'vps')!.roles).toEqual(['controller', 'peer']);
  });

  test('the caveats name third-party infrastructure and unconfirmed facts', () => {
    expect(entry(advice, 'zerotier').caveats).toContain("Third-party infrastructure: ZeroTier uses ZeroTier's public root servers by default.");
    expect(entry(advice, 'wireguard').caveats.some((c) => c.startsWith('Phones: Official apps exist'))).toBe(true);
    expect(entry(advice, 'mycelium').caveats.some((c) => /Possibly relayed/.test(c))).toBe(true);
    expect(entry(advice, 'headscale').caveats.some((c) => /Video streaming at baseline: Stream essentially broken/.test(c))).toBe(true);
  });
});

describe('link quality and profile', () => {
  test('maps good, fair, poor and bad to baseline, low, medium and high', () => {
    expect(qualityProfiles).toEqual({ good: 'baseline', fair: 'low', poor: 'medium', bad: 'high' });
  });

  test('uses the worst link among the sites with VPN members, and says so', () => {
    const profile = getDesignProfile(threeHouseholds, dataset);
    expect(profile.profile).toBe('medium');
    expect(profile.reason).toMatch(/worst of the 4 sites with VPN members: "Sister's flat" has a poor link/);
    expect(profile.reason).toMatch(/medium impairment profile \(8\.0 ms added delay, 14\.0 ms jitter, 2\.0 % loss\)/);
    expect(advise(threeHouseholds, dataset).reasons).toEqual([profile.reason]);
  });

  test('a site without machines does not count, unless the admin sits there', () => {
    const qualities: LinkQuality[] = ['good', 'bad'];
    const b = designBuilder();
    const [good, bad] = qualities.map((quality) => b.site(quality, 'nat', { quality }));
    b.machine('desktop', good!, 'desktop');
    expect(getDesignProfile(b.design, dataset)).toMatchObject({ profile: 'baseline', siteId: good });
    b.admin(bad!);
    expect(getDesignProfile(b.design, dataset)).toMatchObject({ profile: 'high', siteId: bad });
  });

  test('an empty design is read at baseline', () => {
    expect(getDesignProfile(designBuilder().design, dataset)).toMatchObject({ profile: 'baseline', siteId: null });
  });

  test('the figures in the reasons come from the chosen profile', () => {
    const b = designBuilder();
    const home = b.site('Home', 'portForward', { quality: 'bad' });
    const cloud = b.site('Cloud', 'public');
    b.machine('nas', home, 'nas');
    b.machine('vps', cloud, 'vps');
    const advice = advise(b.design, dataset);
    expect(advice.profile.profile).toBe('high');
    expect(entry(advice, 'wireguard').reasons[0]).toMatch(/^WireGuard: 2\.6 Mbit\/s single TCP at high impairment/);
    expect(entry(advice, 'wireguard').reasons[1]).toMatch(/did not finish at high impairment \(3 timed out at the 700 s limit/);
    expect(entry(advice, 'wireguard').caveats.some((c) => /Differences are noise here/.test(c))).toBe(true);
  });
});

describe('priorities', () => {
  test('defaults weigh performance most and have a mild preference for self-hosted, Clan-native VPNs', () => {
    expect(defaultPriorities).toEqual({ throughput: 2, latency: 2, resilience: 2, selfHosted: 1, clanNative: 1, decentralised: 0 });
    expect(raisePriorities(defaultPriorities, ['decentralised'])).toEqual({ ...defaultPriorities, decentralised: MAX_PRIORITY });
  });

  test('the design keeps the priorities it is advised with by default', () => {
    const design = { ...homeAndVps, comparison: { ...homeAndVps.comparison, priorities: { ...defaultPriorities, selfHosted: MAX_PRIORITY } } };
    expect(advise(design, dataset).priorities.selfHosted).toBe(MAX_PRIORITY);
    expect(entry(advise(design, dataset), 'zerotier').excluded).toBe(true);
  });

  test('fully self-hosted as top priority excludes the VPNs with third-party infrastructure', () => {
    const advice = advise(homeAndVps, dataset, raisePriorities(defaultPriorities, ['selfHosted']));
    for (const vpn of thirdParty) {
      expect(entry(advice, vpn).excluded).toBe(true);
      expect(entry(advice, vpn).exclusionReasons.some((r) => r.startsWith('You asked for a fully self-hosted network'))).toBe(true);
    }
    expect(advice.entries[0]!.vpn).toBe('wireguard');
  });

  test('at a lower level it only costs them the self-hosted points', () => {
    const advice = advise(homeAndVps, dataset);
    for (const vpn of thirdParty) {
      expect(entry(advice, vpn).exclusionReasons.some((r) => r.startsWith('You asked'))).toBe(false);
      expect(entry(advice, vpn).breakdown.find((b) => b.criterion === 'selfHosted')!.points).toBe(0);
    }
  });

  test('decentralised penalises controllers and hubs, and can promote a VPN without one', () => {
    expect(getCentralisation(vpnCatalog.wireguard).points).toBe(0);
    expect(getCentralisation(vpnCatalog.zerotier).points).toBe(0.25);
    expect(getCentralisation(vpnCatalog.nebula).points).toBe(0.5);
    expect(getCentralisation(vpnCatalog.yggdrasil).points).toBe(0.75);
    expect(getCentralisation(vpnCatalog.mycelium)).toEqual({ points: 1, detail: 'no controller: every member is equal' });
    const plain = advise(homeAndVps, dataset);
    const decentral = advise(homeAndVps, dataset, { throughput: 1, latency: 0, resilience: 0, selfHosted: 0, clanNative: 0, decentralised: MAX_PRIORITY });
    expect(entry(decentral, 'mycelium').rank).toBeLessThan(entry(plain, 'mycelium').rank);
    expect(entry(decentral, 'wireguard').rank).toBeGreaterThan(entry(plain, 'wireguard').rank);
  });

  test('resilience as top priority promotes the VPNs that hold up on bad links', () => {
    const speed = advise(homeAndVps, dataset, { throughput: 3, latency: 0, resilience: 0, selfHosted: 0, clanNative: 0, decentralised: 0 });
    const resilient = advise(homeAndVps, dataset, { throughput: 0, latency: 0, resilience: 3, selfHosted: 0, clanNative: 0, decentralised: 0 });
    expect(speed.entries[0]!.vpn).toBe('wireguard');
    expect(resilient.entries[0]!.vpn).toBe('zerotier');
    expect(entry(resilient, 'yggdrasil').rank).toBeGreaterThan(entry(speed, 'yggdrasil').rank);
  });

  test('the breakdown adds up to the score, with the priority levels as weights', () => {
    const advice = advise(threeHouseholds, dataset);
    for (const e of advice.entries) {
      expect(e.breakdown.map((b) => b.criterion)).toEqual([...priorityIds]);
      expect(e.breakdown.map((b) => b.weight)).toEqual(priorityIds.map((id) => defaultPriorities[id]));
      expect(e.breakdown.reduce((a, b) => a + b.contribution, 0)).toBeCloseTo(e.score, 10);
      expect(e.score).toBeGreaterThanOrEqual(0);
      expect(e.score).toBeLessThanOrEqual(100);
      for (const b of e.breakdown) expect(b.points).toBeGreaterThanOrEqual(0);
    }
    // The leader on a performance criterion gets full points.
    const best = Math.max(...advice.entries.map((e) => e.breakdown.find((b) => b.criterion === 'resilience')!.points));
    expect(best).toBe(1);
  });

  test('all priorities at 0 still ranks by performance', () => {
    const advice = advise(homeAndVps, dataset, { throughput: 0, latency: 0, resilience: 0, selfHosted: 0, clanNative: 0, decentralised: 0 });
    expect(advice.entries[0]!.score).toBeGreaterThan(advice.entries[9]!.score);
  });
});

describe('three households example', () => {
  const advice = advise(threeHouseholds, dataset);

  test('nobody is excluded (the VPS is public) and the top is a VPN that holds up at medium impairment', () => {
    expect(advice.entries.every((e) => !e.excluded)).toBe(true);
    expect(['wireguard', 'zerotier']).toContain(advice.entries[0]!.vpn);
    expect(advice.entries.at(-1)!.vpn).toBe('hyprspace');
  });

  test('WireGuard says traffic is relayed through the VPS hub', () => {
    expect(entry(advice, 'wireguard').reasons).toContain('Predicted paths between sites (6 links): 3 direct, 3 relayed through "vps".');
  });

  test('a timed-out download is counted and said', () => {
    expect(entry(advice, 'yggdrasil').caveats).toContain('Nix cache download at medium impairment: 0 of 3 pairs succeeded (3 timed out); counted as 14x in the score.');
  });
});

describe('determinism', () => {
  test('the same design and priorities give the same advice', () => {
    expect(advise(threeHouseholds, dataset)).toEqual(advise(threeHouseholds, dataset));
  });

  test('the order records are stored in does not change the ranking, scores or reasons', () => {
    const reversed: Design = {
      ...threeHouseholds,
      sites: Object.fromEntries(Object.entries(threeHouseholds.sites).reverse()),
      machines: Object.fromEntries(Object.entries(threeHouseholds.machines).reverse()),
    };
    const summary = (a: Advice) => a.entries.map((e) => ({ vpn: e.vpn, rank: e.rank, score: e.score, excluded: e.excluded, reasons: e.reasons, caveats: e.caveats }));
    expect(summary(advise(reversed, dataset))).toEqual(summary(advise(threeHouseholds, dataset)));
    expect(advise(reversed, dataset).profile).toEqual(advise(threeHouseholds, dataset).profile);
  });

  test('the advice is plain JSON and ranks 1..10 without gaps', () => {
    const advice = advise(threeHomesBehindCgnat(), dataset);
    expect(JSON.parse(JSON.stringify(advice))).toEqual(advice);
    expect(advice.entries.map((e) => e.rank)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });
});
