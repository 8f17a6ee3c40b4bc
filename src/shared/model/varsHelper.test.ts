import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { vpnIds } from '../vpn/ids';
import { designBuilder } from './designBuilder';
import { deleteItems, setDeploySettings, updateMachine } from './ops';
import { hasPublicAddress, suggestVarsHelper, varsHelperUnfit, vpnsUsingVars } from './varsHelper';
import { computeDeployReach } from './reachability';
import type { MachineId } from './types';

/** Admin at home with a NAS and a laptop; a Raspberry Pi (armv7l) and an x86 VPS in a public cloud; a phone. */
function network() {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  const cloud = b.site('Cloud', 'public');
  const nas = b.machine('nas', home, 'nas');
  const laptop = b.machine('laptop', home, 'laptop');
  const phone = b.machine('phone', home, 'phone', { managed: false });
  const vps = b.machine('vps', cloud, 'vps');
  const pi = b.machine('pi', cloud, 'sbc', { arch: 'armv7l-linux', publicAddress: '203.0.113.9' });
  b.admin(home);
  return { design: b.vpn('zerotier'), nas, laptop, phone, vps, pi };
}

describe('the VPNs that use vars', () => {
  test('are all ten, and every VPN module the app brings along has a vars generator', () => {
    expect([...vpnsUsingVars].sort()).toEqual([...vpnIds].sort());
    const modules = new URL('../nix/modules/', import.meta.url);
    const own = readdirSync(modules, { withFileTypes: true }).filter((entry) => entry.isDirectory());
    expect(own.length).toBeGreaterThan(0);
    for (const entry of own) {
      const text = readFileSync(new URL(`${entry.name}/default.nix`, modules), 'utf8');
      expect(text, entry.name).toContain('clan.core.vars.generators');
    }
  });
});

describe('which machine can be the vars helper', () => {
  test('a managed machine with an SSH address that the app reaches can be; a phone or a machine with a blank SSH host cannot', () => {
    const fx = network();
    const reach = computeDeployReach(fx.design);
    const unfit = (id: MachineId) => varsHelperUnfit(fx.design.machines[id]!, reach.get(id));
    expect(unfit(fx.nas)).toBeNull();
    expect(unfit(fx.phone)).toBe('unmanaged');
    const noSsh = updateMachine(fx.design, fx.laptop, { ssh: { host: '  ', port: 22, user: 'root' } });
    expect(varsHelperUnfit(noSsh.machines[fx.laptop]!, reach.get(fx.laptop))).toBe('noSshAddress');
  });

  test('the suggestion prefers a public address, then a platform with a binary cache: the x86 VPS over the public armv7l board', () => {
    const fx = network();
    expect(hasPublicAddress(fx.design, fx.design.machines[fx.pi]!)).toBe(true);
    expect(suggestVarsHelper(fx.design)?.machine.id).toBe(fx.vps);
    // Without the VPS, the board with a public address still beats the NAS at home.
    const withoutVps = deleteItems(fx.design, [fx.vps]).design;
    expect(suggestVarsHelper(withoutVps)).toMatchObject({ machine: { name: 'pi' }, why: 'it has a public address' });
    // With no machine in a public place, the always-on NAS beats the laptop.
    expect(suggestVarsHelper(deleteItems(withoutVps, [fx.pi]).design)).toMatchObject({ machine: { name: 'nas' }, why: 'the app reaches it directly' });
  });

  test('nothing is suggested when no machine can be the helper', () => {
    const fx = network();
    const only = deleteItems(fx.design, [fx.nas, fx.laptop, fx.vps, fx.pi]).design;
    expect(suggestVarsHelper(only)).toBeUndefined();
  });
});

describe('deploy settings operations', () => {
  test('deleting the vars helper clears the choice and says so; deleting another machine keeps it', () => {
    const fx = network();
    const chosen = setDeploySettings(fx.design, { varsHelper: fx.vps });
    const keep = deleteItems(chosen, [fx.laptop]);
    expect(keep.design.deploy.varsHelper).toBe(fx.vps);
    expect(keep.report.varsHelperCleared).toBe(false);
    const gone = deleteItems(chosen, [fx.vps]);
    expect(gone.design.deploy).toEqual({ ...chosen.deploy, varsHelper: null });
    expect(gone.report.varsHelperCleared).toBe(true);
    // A deleted site takes its machines, and with them the helper.
    const cloud = chosen.machines[fx.vps]!.siteId!;
    expect(deleteItems(chosen, [cloud]).design.deploy.varsHelper).toBeNull();
  });

  test('numbers are rounded and kept within their ranges, non-numbers and unknown machines are ignored', () => {
    const { design } = network();
    expect(setDeploySettings(design, { rollbackSeconds: 5, concurrency: 100 }).deploy).toMatchObject({ rollbackSeconds: 30, concurrency: 32 });
    expect(setDeploySettings(design, { rollbackSeconds: 120.4, concurrency: 0 }).deploy).toMatchObject({ rollbackSeconds: 120, concurrency: 1 });
    expect(setDeploySettings(design, { rollbackSeconds: Number.NaN, concurrency: Number.POSITIVE_INFINITY })).toBe(design);
    expect(setDeploySettings(design, { varsHelper: 'mach_nobody' as never })).toBe(design);
  });

  test('a patch that changes nothing returns the same design, so it is no edit', () => {
    const { design } = network();
    expect(setDeploySettings(design, { rollbackSeconds: 90, concurrency: 4, varsHelper: null })).toBe(design);
  });
});
