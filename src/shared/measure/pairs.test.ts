import { describe, expect, test } from 'vitest';
import { designBuilder } from '../model/designBuilder';
import type { Design, MachineId } from '../model/types';
import { describeMeasureError } from './errors';
import { getMeasureFitness, MAX_MEASURE_PAIRS, planDefaultPairs, validatePairs, type MeasurePair } from './pairs';

/**
 * A family network with Nebula: the admin at home (NAS, desktop, laptop, phone), a public VPS, the parents' house
 * (a Raspberry Pi and a laptop), grandma's tablet without an SSH address, and an office with only a phone.
 */
function family(options: { adminAtHome?: boolean } = {}) {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  const cloud = b.site('Cloud', 'public');
  const parents = b.site("Parents' house", 'nat', { kind: 'family' });
  const grandma = b.site('Grandma', 'cgnat');
  const office = b.site('Office', 'nat');
  const laptopSite = b.site('On the road', 'nat', { kind: 'mobile' });
  const ids = {
    laptop: b.machine('laptop', home, 'laptop'),
    desktop: b.machine('desktop', home, 'desktop'),
    nas: b.machine('nas', home, 'nas'),
    phone: b.machine('phone', home, 'phone'),
    vps: b.machine('vps', cloud, 'vps', { publicAddress: '203.0.113.7' }),
    parentsLaptop: b.machine('a-laptop', parents, 'laptop'),
    parentsPi: b.machine('parents-pi', parents, 'sbc'),
    tablet: b.machine('tablet', grandma, 'sbc', { ssh: null }),
    officePhone: b.machine('office-phone', office, 'phone'),
  };
  b.admin(options.adminAtHome === false ? laptopSite : home);
  return { design: b.vpn('nebula'), ids, sites: { home, cloud, parents, grandma, office } };
}

describe('default pairs', () => {
  test('each other site\'s most server-like machine measures to the best machine of the admin\'s site; sites without one are named', () => {
    const { design, ids, sites } = family();
    const plan = planDefaultPairs(design);
    expect(plan.hub).toEqual({ machineId: ids.nas, name: 'nas', why: '"nas" stands for your computer: it is a NAS in your site, "Home", the best placed of its VPN machines there to measure from.' });
    expect(plan.pairs).toEqual([
      { from: ids.vps, to: ids.nas, siteId: sites.cloud, why: '"vps" measures "Cloud"\'s link: it is a VPS, the one VPN machine there the app can log in to.' },
      { from: ids.parentsPi, to: ids.nas, siteId: sites.parents, why: '"parents-pi" measures "Parents\' house"\'s link: it is a small board, the most server-like of its 2 VPN machines.' },
    ]);
    expect(plan.leftOut).toEqual([
      { siteId: sites.grandma, site: 'Grandma', reason: '"Grandma" has no VPN machine the app can log in to (managed, with an SSH way in), so its link is not measured.' },
      { siteId: sites.office, site: 'Office', reason: '"Office" has no VPN machine the app can log in to (managed, with an SSH way in), so its link is not measured.' },
    ]);
    expect(plan.description).toBe('2 links: the best machine of each of the 2 other sites to "nas" ("vps" and "parents-pi").');
  });

  test('when the admin\'s site has no VPN machine, the links are measured to the machine with a public address', () => {
    const { design, ids } = family({ adminAtHome: false });
    const plan = planDefaultPairs(design);
    expect(plan.hub).toEqual({ machineId: ids.vps, name: 'vps', why: 'Your site, "On the road", has no VPN machine the app can log in to, so the links are measured to "vps": it has a public address.' });
    expect(plan.pairs.map((p) => [design.machines[p.from]!.name, design.machines[p.to]!.name])).toEqual([
      ['nas', 'vps'],
      ['parents-pi', 'vps'],
    ]);
  });

  test('among equals by kind, the machine with the shorter SSH way in wins, whatever its name', () => {
    const b = designBuilder();
    const cloud = b.site('Cloud', 'public');
    const parents = b.site('Parents', 'nat');
    const vps = b.machine('vps', cloud, 'vps');
    const overVpn = b.machine('a-pi', parents, 'sbc');
    const behindJump = b.machine('b-pi', parents, 'sbc');
    b.link('jumpHost', vps, behindJump);
    b.admin(cloud);
    const design = b.vpn('yggdrasil');
    // Both can be measured: a-pi over the overlay, b-pi through the jump host.
    expect(getMeasureFitness(design).get(overVpn)).toBeNull();
    expect(planDefaultPairs(design).pairs.map((p) => p.from)).toEqual([behindJump]);
  });

  test('the choice does not depend on the order records are stored in', () => {
    const { design } = family();
    const reversed: Design = { ...design, machines: Object.fromEntries(Object.entries(design.machines).reverse()), sites: Object.fromEntries(Object.entries(design.sites).reverse()) };
    expect(planDefaultPairs(reversed)).toEqual(planDefaultPairs(design));
  });

  test('no VPN, or only the admin\'s site, gives no pairs and says why', () => {
    const b = designBuilder();
    const home = b.site('Home', 'nat');
    b.machine('nas', home, 'nas');
    b.admin(home);
    expect(planDefaultPairs(b.design)).toMatchObject({ hub: null, pairs: [], description: 'No VPN is chosen, so there is no overlay to measure.' });
    expect(planDefaultPairs(b.vpn('yggdrasil'))).toMatchObject({ pairs: [], description: 'Only "nas"\'s site has VPN machines the app can log in to, so there is no link between sites to measure. Pick a pair by hand to measure within a site.' });
  });
});

describe('picked pairs', () => {
  test('accepts managed VPN members the app can reach, in the order picked', () => {
    const { design, ids } = family();
    const pairs: MeasurePair[] = [
      { from: ids.parentsPi, to: ids.nas },
      { from: ids.nas, to: ids.parentsPi },
      { from: ids.desktop, to: ids.laptop },
    ];
    expect(validatePairs(design, pairs)).toEqual({ ok: true, value: pairs });
  });

  test('refuses the whole list with every bad pair and its reason', () => {
    const { design: base, ids } = family();
    const { [ids.desktop]: _dropped, ...roles } = base.vpn.roles;
    const design: Design = { ...base, vpn: { ...base.vpn, roles } };
    const ghost = 'mach_ghost' as MachineId;
    const result = validatePairs(design, [
      { from: ids.parentsPi, to: ids.nas },
      { from: ids.nas, to: ids.nas },
      { from: ids.tablet, to: ids.nas },
      { from: ids.nas, to: ids.phone },
      { from: ghost, to: ids.nas },
      { from: ids.desktop, to: ids.nas },
      { from: ids.parentsPi, to: ids.nas },
    ]);
    expect(result).toEqual({
      ok: false,
      error: {
        code: 'pairsRefused',
        details: {
          pairs: [
            { from: 'nas', to: 'nas', reason: 'sameMachine', machine: 'nas' },
            { from: 'tablet', to: 'nas', reason: 'noSshWay', machine: 'tablet' },
            { from: 'nas', to: 'phone', reason: 'unmanaged', machine: 'phone' },
            { from: 'mach_ghost', to: 'nas', reason: 'unknownMachine', machine: 'mach_ghost' },
            { from: 'desktop', to: 'nas', reason: 'notMember', machine: 'desktop' },
            { from: 'parents-pi', to: 'nas', reason: 'duplicate', machine: 'parents-pi' },
          ],
        },
      },
    });
    if (result.ok) throw new Error('accepted');
    expect(describeMeasureError(result.error)).toBe(
      '6 picked pairs cannot be measured, so nothing was started: "nas" → "nas": both ends are "nas"; "tablet" → "nas": the app has no SSH way to "tablet" (no SSH address, or no route to it); "nas" → "phone": "phone" is not managed by the app, so nothing can be run on it; "mach_ghost" → "nas": the design has no machine "mach_ghost" any more; "desktop" → "nas": "desktop" is not a member of the VPN, so it has no overlay address; and 1 more. Remove them or fix the design, then measure again.',
    );
  });

  test('refuses an empty list, too many pairs, and a design without a VPN', () => {
    const { design, ids } = family();
    expect(validatePairs(design, [])).toMatchObject({ ok: false, error: { code: 'noPairs' } });
    const many = Array.from({ length: MAX_MEASURE_PAIRS + 1 }, () => ({ from: ids.nas, to: ids.vps }));
    expect(validatePairs(design, many)).toEqual({ ok: false, error: { code: 'tooManyPairs', details: { count: 65, limit: 64 } } });
    expect(validatePairs({ ...design, vpn: { ...design.vpn, id: null } }, [{ from: ids.nas, to: ids.vps }])).toEqual({ ok: false, error: { code: 'noVpn', details: {} } });
  });

  test('fitness says per machine whether it can be an end of a pair', () => {
    const { design, ids } = family();
    const fitness = getMeasureFitness(design);
    expect(fitness.get(ids.nas)).toBeNull();
    expect(fitness.get(ids.phone)).toBe('unmanaged');
    expect(fitness.get(ids.tablet)).toBe('noSshWay');
  });
});
