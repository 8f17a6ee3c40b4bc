import { describe, expect, test } from 'vitest';
import { assignDefaultRoles } from '../vpn/catalog';
import { designBuilder, familyNetwork } from './designBuilder';
import { AFTER_VPN_TITLE, computeDeployWaves, planMachines, type DeployWaves } from './deployWaves';
import { sequentialIds } from './ids';
import { createEmptyDesign, makeMachine, makeSite, setAdminSite, setVpn, updateMachine } from './ops';
import { computeDeployReach } from './reachability';
import { buildDesignFromAnswers, templates } from './templates';
import type { Design, Link, Machine, MachineId, Site, SiteId } from './types';

const family = () => familyNetwork();

/** Wave number per machine name, plus the two groups, for compact assertions. */
function shape(plan: DeployWaves) {
  return {
    waves: plan.waves.map((w) => ({ number: w.number, kind: w.kind, machines: w.machines.map((m) => m.name) })),
    afterVpn: plan.afterVpn.machines.map((m) => m.name),
    notDeployable: plan.notDeployable.machines.map((m) => m.name),
  };
}

describe('computeDeployWaves', () => {
  test('a machine behind a jump host is deployed before its jump host, and direct machines in between', () => {
    const fx = family();
    fx.b.link('jumpHost', fx.vps, fx.tablet);
    const plan = computeDeployWaves(fx.b.design);
    expect(shape(plan)).toEqual({
      waves: [
        { number: 1, kind: 'behindJumpHost', machines: ['tablet'] },
        { number: 2, kind: 'direct', machines: ['nas'] },
        { number: 3, kind: 'jumpHost', machines: ['vps'] },
      ],
      afterVpn: [],
      notDeployable: ['pc'],
    });
    expect(plan.placeById.get(fx.tablet)).toBe(1);
    expect(plan.placeById.get(fx.vps)).toBe(3);
    expect(plan.waves[0]!.machines[0]!.how).toBe('through the jump host "vps"');
    expect(plan.waves[0]!.reason).toContain('the jump host "vps"');
    expect(plan.waves[2]!.reason).toContain('(wave 1)');
    expect(plan.waves[1]!.machines[0]!.how).toBe('directly, on your network');
  });

  test('every machine reached through another one is deployed in an earlier wave than it, in the templates too', () => {
    const designs: Design[] = templates.map((t) => buildDesignFromAnswers(t.answers, sequentialIds()));
    const fx = family();
    const bastion = fx.b.machine('bastion', fx.cloud, 'vps');
    fx.b.link('jumpHost', bastion, fx.tablet);
    fx.b.link('jumpHost', bastion, fx.pc);
    fx.b.vpn('zerotier');
    designs.push(fx.b.design);
    for (const design of designs) {
      const plan = computeDeployWaves(design);
      for (const [id, r] of computeDeployReach(design)) {
        if (r.reach !== 'jumpHost') continue;
        expect(plan.placeById.get(id)).toBeLessThan(plan.placeById.get(r.via!) as number);
      }
    }
  });

  test('the VPN entry in the admin’s site goes last, and overlay-only machines are told to update before it', () => {
    const fx = family();
    const design = fx.b.vpn('zerotier');
    const reach = computeDeployReach(design);
    expect(reach.get(fx.tablet)).toMatchObject({ reach: 'overlayOnly', via: fx.nas });
    const plan = computeDeployWaves(design);
    expect(shape(plan)).toEqual({
      waves: [
        { number: 1, kind: 'direct', machines: ['vps'] },
        { number: 2, kind: 'ownVpn', machines: ['nas'] },
      ],
      afterVpn: ['pc', 'tablet'],
      notDeployable: [],
    });
    expect(plan.waves[1]!.reason).toContain('"Home", the network your computer is on');
    expect(plan.waves[1]!.reason).toContain('"nas" is also your way into the VPN');
    expect(plan.afterVpn.title).toBe(AFTER_VPN_TITLE);
    expect(plan.afterVpn.reason).toContain('update them before wave 2');
    expect(plan.afterVpn.reason).toContain('cannot get their first install that way');
    expect(plan.afterVpn.machines.find((m) => m.id === fx.tablet)!.how).toBe('only over ZeroTier, through "nas"');
  });

  test('a VPN entry outside the admin’s site gets its own wave after the jump hosts and before the admin’s VPN machines', () => {
    const fx = family();
    const bastion = fx.b.machine('bastion', fx.cloud, 'vps');
    const behind = fx.b.machine('behind', fx.office, 'server');
    fx.b.link('jumpHost', bastion, behind);
    const laptop = fx.b.machine('laptop', fx.home, 'laptop');
    // The NAS is not in the VPN, so the entry is the public VPS; the laptop on the admin's network is.
    const roles = assignDefaultRoles(fx.b.design, 'zerotier');
    delete roles[fx.nas];
    const design = setVpn(fx.b.design, 'zerotier', roles);
    expect(computeDeployReach(design).get(fx.tablet)).toMatchObject({ reach: 'overlayOnly', via: laptop });
    // The laptop, a member in the admin's site, is the preferred entry; it lands in the last wave.
    const plan = computeDeployWaves(design);
    expect(shape(plan).waves).toEqual([
      { number: 1, kind: 'behindJumpHost', machines: ['behind'] },
      { number: 2, kind: 'direct', machines: ['nas', 'vps'] },
      { number: 3, kind: 'jumpHost', machines: ['bastion'] },
      { number: 4, kind: 'ownVpn', machines: ['laptop'] },
    ]);

    // Without any member in the admin's site, the entry is a public machine and gets the "VPN entry" wave.
    const noLocal = { ...roles };
    delete noLocal[laptop];
    delete noLocal[fx.phone];
    const remote = setVpn(design, 'zerotier', noLocal);
    // The entry is then the public member first by name: the bastion, which is also a jump host.
    expect(computeDeployReach(remote).get(fx.tablet)).toMatchObject({ reach: 'overlayOnly', via: bastion });
    const remotePlan = computeDeployWaves(remote);
    expect(shape(remotePlan).waves).toEqual([
      { number: 1, kind: 'behindJumpHost', machines: ['behind'] },
      { number: 2, kind: 'direct', machines: ['laptop', 'nas', 'vps'] },
      { number: 3, kind: 'vpnEntry', machines: ['bastion'] },
    ]);
    expect(remotePlan.afterVpn.reason).toContain('before wave 3');
  });

  test('overlay-only and unreachable machines are grouped apart with their reasons, unmanaged ones left out', () => {
    const fx = family();
    fx.b.vpn('zerotier');
    // Added after the VPN was chosen, so it has no role in it and no way in at all.
    const loose = fx.b.machine('loose', null);
    const design = fx.b.design;
    const plan = computeDeployWaves(design);
    expect(plan.afterVpn.machines.map((m) => m.reach.reach)).toEqual(['overlayOnly', 'overlayOnly']);
    expect(plan.notDeployable.machines.map((m) => m.id)).toEqual([loose]);
    expect(plan.notDeployable.machines[0]!.reach.reason).toContain('in no site');
    expect(plan.notDeployable.machines[0]!.how).toBe('no way in');
    expect(plan.notDeployable.reason).not.toBe('');
    expect(plan.placeById.get(fx.tablet)).toBe('afterVpn');
    expect(plan.placeById.get(loose)).toBe('notDeployable');
    expect(plan.placeById.has(fx.phone)).toBe(false);
    const all = planMachines(plan).map((m) => m.id);
    expect(all).not.toContain(fx.phone);
    expect(new Set(all).size).toBe(all.length);
  });

  test('a managed machine marked unmanaged leaves the plan', () => {
    const fx = family();
    const design = updateMachine(fx.b.design, fx.vps, { managed: false });
    expect(computeDeployWaves(design).placeById.has(fx.vps)).toBe(false);
  });

  test('without an admin site nothing is deployable, and each reason says to mark where the admin sits', () => {
    const b = designBuilder();
    const cloud = b.site('Cloud', 'public');
    b.machine('web', cloud, 'vps');
    b.machine('db', cloud, 'vps');
    const plan = computeDeployWaves(b.vpn('zerotier'));
    expect(plan.waves).toEqual([]);
    expect(plan.afterVpn.machines).toEqual([]);
    expect(plan.afterVpn.reason).toBe('');
    expect(plan.notDeployable.machines.map((m) => m.name)).toEqual(['db', 'web']);
    for (const m of plan.notDeployable.machines) expect(m.reach.reason).toContain('Mark the site your computer is in');
  });

  test('an empty design has no waves and empty groups', () => {
    const plan = computeDeployWaves(createEmptyDesign());
    expect(plan).toMatchObject({ waves: [], afterVpn: { machines: [] }, notDeployable: { machines: [] } });
    expect(plan.placeById.size).toBe(0);
  });

  test('is stable: the same design gives the same order, machines by name within a wave whatever their insertion order', () => {
    const build = (names: readonly string[]) => {
      const b = designBuilder();
      const home = b.site('Home', 'nat');
      for (const name of names) b.machine(name, home);
      b.admin(home);
      return b.design;
    };
    const names = ['zeta', 'alpha', 'mu', 'beta-2', 'beta-10', 'Alpha'];
    const first = computeDeployWaves(build(names));
    expect(first.waves[0]!.machines.map((m) => m.name)).toEqual(['Alpha', 'alpha', 'beta-10', 'beta-2', 'mu', 'zeta']);
    expect(shape(computeDeployWaves(build(names)))).toEqual(shape(first));
    expect(shape(computeDeployWaves(build([...names].reverse())))).toEqual(shape(first));
    // Duplicate names (a validation error, but possible while editing) fall back to id order.
    const dup = build(['same', 'same']);
    expect(computeDeployWaves(dup).waves[0]!.machines.map((m) => m.id)).toEqual(Object.keys(dup.machines).sort());
  });

  test('caches the plan per design object, and recomputes for an edited design or a given reachability', () => {
    const fx = family();
    const design = fx.b.design;
    const plan = computeDeployWaves(design);
    expect(computeDeployWaves(design)).toBe(plan);
    const moved = updateMachine(design, fx.nas, { position: { x: 5, y: 5 } });
    expect(computeDeployWaves(moved)).not.toBe(plan);
    expect(shape(computeDeployWaves(moved))).toEqual(shape(plan));
    // A given reachability (for example one a check confirmed) is used as is.
    const confirmed = new Map(computeDeployReach(design));
    confirmed.set(fx.vps, { reach: 'unreachable', via: null, reason: 'The check could not reach it.' });
    expect(computeDeployWaves(design, confirmed).placeById.get(fx.vps)).toBe('notDeployable');
  });

  test('plans 5,000 machines quickly (sanity check, not a benchmark)', () => {
    const ids = sequentialIds();
    const sites: Record<SiteId, Site> = {};
    const machines: Record<MachineId, Machine> = {};
    const links: Record<string, Link> = {};
    const nats = ['nat', 'public', 'cgnat', 'portForward', 'symmetric'] as const;
    const siteIds: SiteId[] = [];
    for (let s = 0; s < 50; s++) {
      const id = ids.site();
      sites[id] = makeSite(id, { name: `site-${s}`, nat: nats[s % nats.length]! });
      siteIds.push(id);
    }
    const publicMachines: MachineId[] = [];
    for (let i = 0; i < 5000; i++) {
      const id = ids.machine();
      const siteId = siteIds[i % siteIds.length]!;
      machines[id] = makeMachine(id, { name: `m-${(i * 7919) % 5000}`, siteId, ssh: { host: `m${i}.lan`, port: 22, user: 'root' } });
      if (sites[siteId]!.nat === 'public') publicMachines.push(id);
      else if (i % 3 === 0) {
        const link = ids.link();
        links[link] = { id: link, kind: 'jumpHost', source: publicMachines[i % publicMachines.length] ?? id, target: id, ports: null, label: '', meta: {} };
      }
    }
    let design: Design = { ...createEmptyDesign(), sites, machines, links };
    design = setAdminSite(design, siteIds[0]!);
    design = setVpn(design, 'zerotier', assignDefaultRoles(design, 'zerotier'));
    const start = performance.now();
    const plan = computeDeployWaves(design);
    const elapsed = performance.now() - start;
    expect(plan.placeById.size).toBe(5000);
    expect(plan.waves.map((w) => w.kind)).toEqual(['behindJumpHost', 'direct', 'jumpHost', 'ownVpn']);
    expect(elapsed).toBeLessThan(1000);
  });
});
