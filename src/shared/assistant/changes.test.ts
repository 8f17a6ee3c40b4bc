import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { designBuilder, familyWithJumpHost } from '../model/designBuilder';
import { sequentialIds } from '../model/ids';
import { absolutePosition } from '../model/ops';
import { MACHINE_NODE_SIZE } from '../model/templates';
import type { Design, Machine } from '../model/types';
import { assignDefaultRoles } from '../vpn/catalog';
import { applyChanges, checkChanges, describeChange, previewChanges } from './changes';
import type { DesignChange } from './schema';

const byName = (design: Design, name: string): Machine => Object.values(design.machines).find((m) => m.name === name)!;
const siteNamed = (design: Design, name: string) => Object.values(design.sites).find((s) => s.name === name)!;

function family(): Design {
  return familyWithJumpHost().b.vpn('nebula');
}

function applied(design: Design, changes: DesignChange[]): Design {
  const result = applyChanges(design, changes, sequentialIds('new'));
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
}

describe('checkChanges', () => {
  test('accepts changes that fit the design, each checked against what the ones before it leave', () => {
    const checks = checkChanges(family(), [
      { tool: 'add_site', name: "Grandma's house", kind: 'family', nat: 'cgnat' },
      { tool: 'add_machine', name: 'grandma-pi', kind: 'sbc', site: "Grandma's house" },
      { tool: 'connect', from: 'grandma-pi', to: 'bastion', kind: 'jumpHost' },
      { tool: 'set_role', machine: 'grandma-pi', roles: ['peer'] },
    ]);
    expect(checks).toEqual([{ ok: true }, { ok: true }, { ok: true }, { ok: true }]);
  });

  test('names unknown machines and sites, with the names the design has', () => {
    const [machine, site] = checkChanges(family(), [
      { tool: 'set_role', machine: 'grandpa-pi', roles: ['peer'] },
      { tool: 'add_machine', name: 'pi', kind: 'sbc', site: 'Mars' },
    ]);
    expect(machine).toEqual({ ok: false, error: 'There is no machine called "grandpa-pi". The design\'s machines: "bastion", "nas", "pc", "phone" and "tablet".' });
    expect(site).toEqual({ ok: false, error: 'There is no site called "Mars". The design\'s sites: "Cloud", "Grandma", "Home" and "Office".' });
  });

  test('refuses duplicate and invalid machine names as the Problems panel would', () => {
    const checks = checkChanges(family(), [
      { tool: 'add_machine', name: 'nas', kind: 'nas' },
      { tool: 'add_machine', name: 'Living Room NAS', kind: 'nas' },
      { tool: 'add_machine', name: 'localhost', kind: 'server' },
      { tool: 'change_machine', machine: 'pc', changes: { name: 'tablet' } },
      { tool: 'add_site', name: ' home ', kind: 'home' },
    ]);
    expect(checks.map((c) => (c.ok ? 'ok' : c.error))).toEqual([
      'A machine called "nas" already exists. Choose another name, or change that machine instead.',
      `"Living Room NAS" is not a valid machine name: names become host names, so they use only lowercase letters, digits and '-' (1 to 63 characters, not starting or ending with '-').`,
      `"localhost" cannot be a machine name: Clan's tools give it another meaning. Choose another name.`,
      'A machine called "tablet" already exists. Choose another name, or change that machine instead.',
      'A site called "home" already exists.',
    ]);
  });

  test("refuses a role the chosen VPN does not have, roles that exclude each other, and roles without a VPN", () => {
    const checks = checkChanges(family(), [
      { tool: 'set_role', machine: 'nas', roles: ['controller'] },
      { tool: 'set_role', machine: 'nas', roles: ['lighthouse', 'peer'] },
    ]);
    expect(checks).toEqual([
      { ok: false, error: 'Nebula has no role "controller". Its roles: "lighthouse" and "peer".' },
      { ok: false, error: 'In Nebula a machine cannot be "lighthouse" and "peer" at once.' },
    ]);
    const none = familyWithJumpHost().b.design;
    expect(checkChanges(none, [{ tool: 'set_role', machine: 'nas', roles: ['peer'] }])).toEqual([{ ok: false, error: 'No VPN is chosen yet, so there are no roles. Propose choose_vpn first.' }]);
  });

  test('refuses connecting a machine to itself, twice, or through a device the app does not manage', () => {
    const checks = checkChanges(family(), [
      { tool: 'connect', from: 'nas', to: 'nas', kind: 'cable' },
      { tool: 'connect', from: 'tablet', to: 'bastion', kind: 'jumpHost' },
      { tool: 'connect', from: 'nas', to: 'phone', kind: 'jumpHost' },
    ]);
    expect(checks.map((c) => (c.ok ? 'ok' : c.error))).toEqual([
      'A machine cannot be connected to itself ("nas").',
      '"tablet" and "bastion" are already connected.',
      '"phone" is not managed (the app does not log in to it), so it cannot be a jump host.',
    ]);
  });

  test('refuses choosing the VPN that is already chosen, and addresses that are not addresses', () => {
    const checks = checkChanges(family(), [
      { tool: 'choose_vpn', vpn: 'nebula' },
      { tool: 'change_machine', machine: 'nas', changes: { sshHost: 'root@nas.lan:22' } },
      { tool: 'change_machine', machine: 'nas', changes: { sshUser: 'Root User' } },
      { tool: 'change_machine', machine: 'nas', changes: {} },
    ]);
    expect(checks.map((c) => (c.ok ? 'ok' : c.error))).toEqual([
      'Nebula is already the chosen VPN.',
      '"root@nas.lan:22" is not a host name or IP address. Give only the address; the user and port have their own fields.',
      '"Root User" is not a valid Linux user name.',
      'No field of "nas" would change.',
    ]);
  });

  test('finds sites and machines by name whatever the case and kind of apostrophe', () => {
    const b = designBuilder();
    b.site("Parents' house", 'cgnat');
    expect(checkChanges(b.design, [{ tool: 'add_machine', name: 'parents-pi', kind: 'sbc', site: 'parents’ House' }])).toEqual([{ ok: true }]);
  });
});

describe('applyChanges', () => {
  test('applies a whole card as one new design and leaves the original untouched', () => {
    const before = family();
    const frozen = JSON.stringify(before);
    const after = applied(before, [
      { tool: 'add_site', name: "Grandma's house", kind: 'family', nat: 'cgnat', quality: 'poor' },
      { tool: 'add_machine', name: 'grandma-pi', kind: 'sbc', site: "Grandma's house" },
      { tool: 'connect', from: 'grandma-pi', to: 'bastion', kind: 'jumpHost' },
    ]);
    expect(JSON.stringify(before)).toBe(frozen);
    const site = siteNamed(after, "Grandma's house");
    expect(site).toMatchObject({ kind: 'family', nat: 'cgnat', quality: 'poor' });
    const pi = byName(after, 'grandma-pi');
    expect(pi).toMatchObject({ kind: 'sbc', arch: 'aarch64-linux', managed: true, siteId: site.id, ssh: null });
    // A new machine joins the chosen VPN with its default role, as every other machine has.
    expect(after.vpn.roles[pi.id]).toEqual(['peer']);
    // The jump-host link goes from the jump host to the machine reached through it.
    expect(Object.values(after.links).find((l) => l.target === pi.id)).toMatchObject({ kind: 'jumpHost', source: byName(after, 'bastion').id });
  });

  test('fails whole, with the first change that does not fit, and changes nothing', () => {
    const before = family();
    const result = applyChanges(before, [{ tool: 'add_machine', name: 'vps2', kind: 'vps' }, { tool: 'set_role', machine: 'nope', roles: ['lighthouse'] }], sequentialIds('x'));
    expect(result).toEqual({ ok: false, error: { index: 1, message: expect.stringContaining('There is no machine called "nope".') } });
  });

  test('chooses a VPN with the roles "Use this VPN" gives, then sets a role', () => {
    const before = familyWithJumpHost().b.design;
    const after = applied(before, [{ tool: 'choose_vpn', vpn: 'wireguard' }]);
    expect(after.vpn.id).toBe('wireguard');
    expect(after.vpn.roles).toEqual(assignDefaultRoles(before, 'wireguard'));
    const nas = byName(after, 'nas');
    expect(applied(after, [{ tool: 'set_role', machine: 'nas', roles: ['controller'] }]).vpn.roles[nas.id]).toEqual(['controller']);
  });

  test('changes only the fields given, and moves a machine into another site', () => {
    const before = family();
    const after = applied(before, [{ tool: 'change_machine', machine: 'pc', changes: { name: 'office-pc', sshHost: '192.0.2.4', sshPort: 2222, site: 'Home' } }]);
    const pc = byName(after, 'office-pc');
    expect(pc.ssh).toEqual({ host: '192.0.2.4', port: 2222, user: 'root' });
    expect(pc.siteId).toBe(siteNamed(after, 'Home').id);
    expect(pc.kind).toBe('desktop');
    expect(applied(after, [{ tool: 'change_machine', machine: 'office-pc', changes: { sshHost: '' } }]).machines[pc.id]!.ssh).toBeNull();
  });

  test('places new machines inside their site without overlapping others, growing the site when full', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), (count) => {
        const before = family();
        const home = siteNamed(before, 'Home');
        const design = applied(before, Array.from({ length: count }, (_, i): DesignChange => ({ tool: 'add_machine', name: `m${i}`, kind: 'laptop', site: 'Home' })));
        const site = design.sites[home.id]!;
        const inHome = Object.values(design.machines).filter((m) => m.siteId === home.id);
        // (The builder drew the existing machines on top of each other; only the new ones are the app's doing.)
        for (const m of inHome.filter((x) => before.machines[x.id] === undefined)) {
          expect(m.position.x + MACHINE_NODE_SIZE.width).toBeLessThanOrEqual(site.size.width);
          expect(m.position.y + MACHINE_NODE_SIZE.height).toBeLessThanOrEqual(site.size.height);
          for (const other of inHome) {
            if (other === m) continue;
            const apart = Math.abs(m.position.x - other.position.x) >= MACHINE_NODE_SIZE.width || Math.abs(m.position.y - other.position.y) >= MACHINE_NODE_SIZE.height;
            expect(apart, `${m.name} overlaps ${other.name}`).toBe(true);
          }
        }
      }),
      { numRuns: 12 },
    );
  });

  test('places a new site and a machine without a site in free space', () => {
    const before = family();
    const after = applied(before, [{ tool: 'add_site', name: 'Cloud 2', kind: 'cloud' }, { tool: 'add_machine', name: 'loose', kind: 'server' }]);
    const site = siteNamed(after, 'Cloud 2');
    expect(site.nat).toBe('public');
    const rightOfEverything = Math.max(...Object.values(before.sites).map((s) => s.position.x + s.size.width), ...Object.values(before.machines).map((m) => absolutePosition(before, m).x + MACHINE_NODE_SIZE.width));
    expect(site.position.x).toBeGreaterThan(rightOfEverything);
    expect(byName(after, 'loose').position.x).toBeGreaterThan(site.position.x + site.size.width);
  });
});

describe('previewChanges', () => {
  test('tells which problems a card would add and which it would solve', () => {
    const b = designBuilder();
    const home = b.site('Home', 'nat');
    b.machine('nas', home, 'nas');
    b.admin(home);
    const before = b.vpn('nebula');
    const result = previewChanges(before, [{ tool: 'add_site', name: 'Cloud', kind: 'cloud' }, { tool: 'add_machine', name: 'vps', kind: 'vps', site: 'Cloud' }, { tool: 'set_role', machine: 'vps', roles: ['lighthouse'] }], sequentialIds('p'));
    expect(result.ok).toBe(true);
    if (result.ok) {
      expect(result.value.solved.map((p) => p.code)).toContain('vpnRoleCount');
      expect(result.value.added.map((p) => p.code)).toContain('managedWithoutSsh');
    }
  });
});

describe('describeChange', () => {
  test('says each change in one sentence for its card', () => {
    expect(describeChange({ tool: 'add_machine', name: 'grandma-pi', kind: 'sbc', site: "Parents' house" })).toBe('Add machine “grandma-pi” (single-board computer) to site “Parents\' house”');
    expect(describeChange({ tool: 'add_site', name: 'Cloud', kind: 'cloud', nat: 'public' })).toBe('Add site “Cloud” (cloud / vps, public address)');
    expect(describeChange({ tool: 'connect', from: 'grandma-pi', to: 'vps', kind: 'jumpHost' })).toBe('Reach “grandma-pi” through the jump host “vps”');
    expect(describeChange({ tool: 'connect', from: 'nas', to: 'desktop', kind: 'cable' })).toBe('Connect “nas” and “desktop” with a cable (same network)');
    expect(describeChange({ tool: 'set_role', machine: 'vps', roles: ['lighthouse'] })).toBe('Give “vps” the role “lighthouse”');
    expect(describeChange({ tool: 'choose_vpn', vpn: 'headscale' })).toBe('Choose Tailscale + Headscale as the VPN, with roles assigned automatically');
    expect(describeChange({ tool: 'change_machine', machine: 'pc', changes: { name: 'office-pc', sshHost: '192.0.2.4', managed: false } })).toBe(
      'Change “pc”: rename it to “office-pc”, stop managing it and set its SSH address to “192.0.2.4”',
    );
  });
});
