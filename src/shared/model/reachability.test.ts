import { describe, expect, test } from 'vitest';
import { updateMachine } from './ops';
import { designBuilder, familyNetwork } from './designBuilder';
import { computeDeployReach } from './reachability';

const family = () => familyNetwork();

describe('computeDeployReach', () => {
  test('without an admin location every managed machine is unreachable, with a reason saying to mark where the admin sits', () => {
    const b = designBuilder();
    const home = b.site('Home', 'public');
    const nas = b.machine('nas', home);
    const reach = computeDeployReach(b.design);
    expect(reach.get(nas)).toMatchObject({ reach: 'unreachable', via: null });
    expect(reach.get(nas)!.reason).toContain('Mark the site your computer is in');
  });

  test('a machine in the admin’s own site is direct', () => {
    const fx = family();
    expect(computeDeployReach(fx.b.design).get(fx.nas)).toMatchObject({ reach: 'direct', via: null });
    expect(computeDeployReach(fx.b.design).get(fx.nas)!.reason).toContain('the same network as your computer');
  });

  test('a machine in a public site is direct', () => {
    const fx = family();
    expect(computeDeployReach(fx.b.design).get(fx.vps)!.reach).toBe('direct');
  });

  test('a machine in a port-forwarded site is direct only with an SSH port forward to it', () => {
    const fx = family();
    expect(computeDeployReach(fx.b.design).get(fx.pc)!.reach).toBe('unreachable');
    // A forward of the VPN port does not let SSH in.
    fx.b.link('portForward', fx.office, fx.pc, { external: 51820, internal: 51820 });
    expect(computeDeployReach(fx.b.design).get(fx.pc)!.reach).toBe('unreachable');
    fx.b.link('portForward', fx.office, fx.pc, { external: 2222, internal: 22 });
    expect(computeDeployReach(fx.b.design).get(fx.pc)).toMatchObject({ reach: 'direct', via: null });
  });

  test('a jump host link from a directly reachable machine makes the target reachable through it', () => {
    const fx = family();
    const helper = fx.b.machine('helper', fx.grandma, 'sbc');
    fx.b.link('jumpHost', fx.vps, fx.tablet);
    const reach = computeDeployReach(fx.b.design);
    expect(reach.get(fx.tablet)).toMatchObject({ reach: 'jumpHost', via: fx.vps });
    expect(reach.get(fx.tablet)!.reason).toContain('"vps"');
    // A jump host that is itself unreachable does not help.
    fx.b.link('jumpHost', fx.tablet, helper);
    expect(computeDeployReach(fx.b.design).get(helper)!.reach).toBe('unreachable');
  });

  test('with a VPN, a machine with no other way in is reachable only over the overlay', () => {
    const fx = family();
    fx.b.vpn('zerotier');
    const reach = computeDeployReach(fx.b.design).get(fx.tablet)!;
    expect(reach.reach).toBe('overlayOnly');
    // The entry is the VPN machine in the admin's own site.
    expect(reach.via).toBe(fx.nas);
    expect(reach.reason).toContain('first deploy needs another way in');
  });

  test('without a VPN such a machine is unreachable, and the reason names its site', () => {
    const fx = family();
    const reach = computeDeployReach(fx.b.design).get(fx.tablet)!;
    expect(reach.reach).toBe('unreachable');
    expect(reach.reason).toContain('"Grandma"');
  });

  test('when even the VPN cannot reach the machine, it is unreachable rather than overlay-only', () => {
    const b = designBuilder();
    const home = b.site('Home', 'symmetric');
    const grandma = b.site('Grandma', 'symmetric');
    b.machine('nas', home, 'nas');
    const tablet = b.machine('tablet', grandma, 'sbc');
    b.admin(home);
    // VpnCloud neither punches strict NAT nor relays, and there is no public machine.
    b.vpn('vpncloud');
    expect(computeDeployReach(b.design).get(tablet)!.reach).toBe('unreachable');
  });

  test('unmanaged machines are never deployed to', () => {
    const fx = family();
    expect(computeDeployReach(fx.b.design).get(fx.phone)).toMatchObject({ reach: 'unmanaged', via: null });
  });

  test('a machine in no site is unreachable and the reason says so', () => {
    const fx = family();
    const loose = fx.b.machine('loose', null);
    expect(computeDeployReach(fx.b.design).get(loose)!.reason).toContain('in no site');
  });

  test('lists every machine in machine order', () => {
    const fx = family();
    expect([...computeDeployReach(fx.b.design).keys()]).toEqual(Object.keys(fx.b.design.machines));
  });

  test('reuses the answer object of a machine an edit did not touch, and rebuilds the edited one', () => {
    const fx = family();
    const first = computeDeployReach(fx.b.design);
    const renamed = updateMachine(fx.b.design, fx.tablet, { name: 'tab' });
    const second = computeDeployReach(renamed);
    expect(second.get(fx.vps)).toBe(first.get(fx.vps));
    expect(second.get(fx.tablet)).not.toBe(first.get(fx.tablet));
    expect(second.get(fx.tablet)!.reason).toContain('"tab"');
  });
});
