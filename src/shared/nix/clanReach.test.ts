import { describe, expect, test } from 'vitest';
import { designBuilder } from '../model/designBuilder';
import { setVpn, updateMachine } from '../model/ops';
import type { Design, MachineId } from '../model/types';
import { vpnIds } from '../vpn/ids';
import { vpnIsClanNetwork } from './clanReach';
import { describeGenerateError } from './errors';
import { generateClan, type GeneratedClan } from './generate';
import { ownModuleFiles } from './modules';
import { referenceDesigns } from './referenceDesigns';

const households = referenceDesigns()[1]!.design;

function generated(design: Design, options: Parameters<typeof generateClan>[1] = {}): GeneratedClan {
  const result = generateClan(design, options);
  if (!result.ok) throw new Error(describeGenerateError(result.error));
  return result.value;
}

function targetHosts(clan: GeneratedClan): Record<string, string | undefined> {
  const inventory = JSON.parse(clan.files['inventory.json']!) as { machines: Record<string, { deploy?: { targetHost: string } }> };
  return Object.fromEntries(Object.entries(inventory.machines).map(([name, m]) => [name, m.deploy?.targetHost]));
}

/**
 * Reads a deploy.targetHost the way clan-cli does (clan-core pkgs/clan-cli/clan_lib/ssh/remote.py, _parse_ssh_uri):
 * options after the first '?', split at '&' and the first '='; user before the only '@' of the address part.
 */
function asClanCliReadsIt(address: string): { user: string; hostPort: string; options: Record<string, string> } {
  const [endpoint, query = ''] = address.split(/\?(.*)/s, 2) as [string, string?];
  const parts = endpoint.split('@');
  expect(parts.length, `"${address}" has one user`).toBeLessThanOrEqual(2);
  const options: Record<string, string> = {};
  for (const option of query.split('&').filter((o) => o !== '')) {
    const at = option.indexOf('=');
    expect(at, `option "${option}" has a value`).toBeGreaterThan(0);
    options[option.slice(0, at)] = option.slice(at + 1);
  }
  return parts.length === 2 ? { user: parts[0]!, hostPort: parts[1]!, options } : { user: 'root', hostPort: parts[0]!, options };
}

/**
 * The admin at home; the parents' router forwards SSH to their Raspberry Pi, which is the drawn jump host to their
 * NAS; a VPS with a public address.
 */
function parentsBehindJumpHost(pi: { host: string; port: number; user: string } = { host: 'parents.example.org', port: 22, user: 'admin' }): { design: Design; pi: MachineId } {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  const parents = b.site('Parents', 'portForward');
  const cloud = b.site('Cloud', 'public');
  b.machine('desktop', home, 'desktop', { ssh: { host: '192.168.1.20', port: 22, user: 'root' } });
  const piId = b.machine('parents-pi', parents, 'sbc', { ssh: pi });
  const nas = b.machine('parents-nas', parents, 'nas', { ssh: { host: '192.168.178.40', port: 2222, user: 'root' } });
  b.machine('vps', cloud, 'vps', { ssh: { host: '203.0.113.10', port: 22, user: 'root' }, publicAddress: '203.0.113.10' });
  b.link('portForward', parents, piId, { external: pi.port, internal: pi.port });
  b.link('jumpHost', piId, nas);
  b.admin(home);
  return { design: b.vpn('zerotier'), pi: piId };
}

describe('how Clan\'s CLI reaches the machines', () => {
  test('machines the app reaches directly keep the SSH target from the design, with no last resort', () => {
    const clan = generated(households);
    expect(targetHosts(clan)).toMatchObject({ desktop: 'root@192.168.1.20', 'home-server': 'root@192.168.1.10', vps: 'root@[2001:db8::10]' });
    for (const name of ['desktop', 'home-server', 'vps']) expect(clan.files[`machines/${name}/configuration.nix`]).not.toContain('clan.core.networking.targetHost');
  });

  test('a machine behind a drawn jump host names it as ProxyJump, in the form clan-cli parses', () => {
    const clan = generated(parentsBehindJumpHost().design);
    const hosts = targetHosts(clan);
    expect(hosts['parents-pi']).toBe('admin@parents.example.org');
    expect(hosts['parents-nas']).toBe('root@192.168.178.40:2222?ProxyJump=admin@parents.example.org');
    expect(asClanCliReadsIt(hosts['parents-nas']!)).toEqual({ user: 'root', hostPort: '192.168.178.40:2222', options: { ProxyJump: 'admin@parents.example.org' } });
    expect(clan.files['machines/parents-nas/configuration.nix']).not.toContain('clan.core.networking.targetHost');
    expect(clan.notes).toContain('Clan\'s CLI reaches "parents-nas" through the jump host "parents-pi", as the deploy order does: deploy.targetHost names it as ProxyJump.');
  });

  test('the jump host keeps its own port, brackets an IPv6 address, and leaves an empty user to ~/.ssh/config', () => {
    const v6 = parentsBehindJumpHost({ host: '2001:db8::7', port: 2200, user: 'admin' });
    expect(targetHosts(generated(v6.design))['parents-nas']).toBe('root@192.168.178.40:2222?ProxyJump=admin@[2001:db8::7]:2200');
    // An empty user is a deploy blocker for the jump host itself, not for the machine behind it.
    const noUser = parentsBehindJumpHost({ host: 'parents.example.org', port: 22, user: '' });
    const clan = generated(noUser.design);
    expect(targetHosts(clan)['parents-nas']).toBe('root@192.168.178.40:2222?ProxyJump=parents.example.org');
    expect(targetHosts(clan)['parents-pi']).toBeUndefined();
  });

  test('a jump host without a usable SSH address is not named, and the notes say why', () => {
    const { design, pi } = parentsBehindJumpHost();
    // An unmanaged jump host: validation leaves its SSH details alone, so the generator checks them itself.
    const unmanaged = updateMachine(design, pi, { managed: false, ssh: { host: 'parents router', port: 22, user: 'admin' } });
    const clan = generated(setVpn(unmanaged, null, {}));
    expect(targetHosts(clan)['parents-nas']).toBe('root@192.168.178.40:2222');
    expect(clan.notes.some((n) => n.startsWith('"parents-nas" is reached through the jump host "parents-pi", which has no usable SSH address in the design'))).toBe(true);
  });

  test('machines reached only over the VPN get no deploy.targetHost, and their SSH target becomes the last resort', () => {
    const clan = generated(households, { vpnOverride: 'nebula' });
    const hosts = targetHosts(clan);
    for (const [name, target] of [
      ['parents-laptop', 'admin@192.168.178.31'],
      ['parents-pi', 'root@192.168.178.30'],
      ['sister-nas', 'root@192.168.0.40:2222'],
    ] as const) {
      expect(hosts[name], name).toBeUndefined();
      expect(clan.files[`machines/${name}/configuration.nix`]).toContain(`  clan.core.networking.targetHost = "${target}";\n`);
    }
    const note = clan.notes.find((n) => n.includes('reached only over Nebula'));
    expect(note).toContain('"parents-laptop", "parents-pi" and "sister-nas"');
    expect(note).toContain('Nebula among them once it is up');
  });

  test('for a VPN whose addresses are only known at run time, the note says Clan cannot use it and how to get in', () => {
    const note = generated(households, { vpnOverride: 'easytier' }).notes.find((n) => n.includes('reached only over EasyTier'));
    expect(note).toContain('EasyTier is not among those networks');
    expect(note).toContain('--target-host');
  });

  test('without a way in known to the app, the SSH target stays deploy.targetHost: Clan tries what the app would try', () => {
    // No VPN: the parents' and sister's machines behind NAT are unreachable for the app, and a deploy blocker.
    const clan = generated(setVpn(households, null, {}));
    expect(clan.deployBlockers.map((p) => p.code)).toContain('adminCannotReach');
    expect(targetHosts(clan)).toMatchObject({ 'parents-pi': 'root@192.168.178.30', 'sister-nas': 'root@192.168.0.40:2222' });
    expect(clan.files['machines/parents-pi/configuration.nix']).not.toContain('clan.core.networking.targetHost');
    expect(clan.notes.some((n) => n.includes('deploy.targetHost'))).toBe(false);
  });

  test('the VPNs said to be Clan networks are exactly those whose service exports one', () => {
    // clan-core's own four export `networking` themselves (clanServices/<vpn>/default.nix); ours do where the
    // module calls networkExports.
    for (const vpn of vpnIds) {
      const own = (ownModuleFiles as Record<string, Record<string, string> | undefined>)[vpn];
      const exportsNetwork = own === undefined ? true : own['default.nix']!.includes('exports = ours.networkExports');
      expect(vpnIsClanNetwork[vpn], vpn).toBe(exportsNetwork);
    }
  });
});
