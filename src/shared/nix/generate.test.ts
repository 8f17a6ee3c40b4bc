import { describe, expect, test } from 'vitest';
import { updateMachine, updateSite } from '../model/ops';
import type { Design, MachineId } from '../model/types';
import { vpnIds } from '../vpn/ids';
import { describeGenerateError, type GenerateError } from './errors';
import { generateClan, manifestPath, parseManifest, type GeneratedClan } from './generate';
import { sha256Hex } from './hash';
import { ownModuleFiles, ownModuleLibFile } from './modules';
import { VPNCLOUD_DEVICE } from './nixFiles';
import { referenceAdminKey, referenceAgeKey, referenceDesigns } from './referenceDesigns';
import { appSopsKeyPath } from './sopsAdmin';

const [homeAndVps, households, lanOnly] = referenceDesigns().map((r) => r.design) as [Design, Design, Design];

function generated(design: Design, options: Parameters<typeof generateClan>[1] = {}): GeneratedClan {
  const result = generateClan(design, options);
  if (!result.ok) throw new Error(describeGenerateError(result.error));
  return result.value;
}

function refused(design: Design, options: Parameters<typeof generateClan>[1] = {}): GenerateError {
  const result = generateClan(design, options);
  if (result.ok) throw new Error('expected generation to refuse');
  return result.error;
}

function inventory(clan: GeneratedClan): { machines: Record<string, Record<string, unknown>>; instances: Record<string, { module: { name: string; input: string }; roles: Record<string, { machines: Record<string, { settings?: Record<string, unknown> }>; settings?: Record<string, unknown> }> }> } {
  return JSON.parse(clan.files['inventory.json']!);
}

const idOf = (design: Design, name: string): MachineId => Object.values(design.machines).find((m) => m.name === name)!.id;

describe('generateClan', () => {
  test('is deterministic: the same design gives byte-identical files, whatever the order of its records', () => {
    const a = generated(households, { vpnOverride: 'nebula', adminPublicKey: referenceAdminKey });
    const reversed: Design = { ...households, machines: Object.fromEntries(Object.entries(households.machines).reverse()), sites: Object.fromEntries(Object.entries(households.sites).reverse()) };
    const b = generated(reversed, { vpnOverride: 'nebula', adminPublicKey: referenceAdminKey });
    expect(b.files).toEqual(a.files);
    expect(Object.keys(a.files)).toEqual(Object.keys(a.files).sort());
    for (const content of Object.values(a.files)) expect(content.endsWith('\n')).toBe(true);
  });

  test('writes the Clan layout, and a manifest with the sha256 of every other file', () => {
    const clan = generated(homeAndVps, { vpnOverride: 'zerotier' });
    expect(Object.keys(clan.files)).toEqual([
      manifestPath,
      'clan.nix',
      'flake.nix',
      'inventory.json',
      'machines/desktop/configuration.nix',
      'machines/laptop/configuration.nix',
      'machines/nas/configuration.nix',
      'machines/vps/configuration.nix',
    ]);
    const manifest = parseManifest(clan.files[manifestPath]!)!;
    expect(Object.keys(manifest.files)).toEqual(Object.keys(clan.files).filter((p) => p !== manifestPath));
    for (const [path, hash] of Object.entries(manifest.files)) expect(hash).toBe(sha256Hex(clan.files[path]!));
  });

  test('puts machines into inventory.json with targetHost, tags and class; the phone, being unmanaged, is left out', () => {
    const inv = inventory(generated(homeAndVps, { vpnOverride: 'zerotier' }));
    expect(Object.keys(inv.machines)).toEqual(['desktop', 'laptop', 'nas', 'vps']);
    expect(inv.machines.vps).toEqual({ machineClass: 'nixos', description: 'VPS in Cloud VPS', tags: ['public'], deploy: { targetHost: 'root@203.0.113.10' } });
    expect(inv.instances.internet!.roles.default!.machines).toEqual({ vps: { settings: { host: '203.0.113.10', port: 22, user: 'root' } } });
  });

  test('sets the platform from the design in configuration.nix', () => {
    const clan = generated(households);
    expect(clan.files['machines/parents-pi/configuration.nix']).toContain('nixpkgs.hostPlatform = "aarch64-linux";');
    expect(clan.files['machines/vps/configuration.nix']).toContain('nixpkgs.hostPlatform = "x86_64-linux";');
  });

  test('without a VPN it still generates the clan, with no VPN instance, and says so', () => {
    const clan = generated(homeAndVps);
    expect(clan.vpn).toBeNull();
    expect(Object.keys(inventory(clan).instances)).toEqual(['internet']);
    expect(clan.notes[0]).toContain('no VPN');
  });

  test('adds sshd with the admin key only when one is given', () => {
    expect(inventory(generated(households)).instances.sshd).toBeUndefined();
    const inv = inventory(generated(households, { adminPublicKey: `  ${referenceAdminKey}\n` }));
    expect(inv.instances.sshd).toEqual({ module: { name: 'sshd', input: 'clan-core' }, roles: { server: { tags: { all: {} }, settings: { authorizedKeys: { admin: referenceAdminKey } } } } });
    const bad = refused(households, { adminPublicKey: 'ssh-ed25519 not-a-key' });
    expect(bad.code).toBe('invalidAdminKey');
    expect(describeGenerateError(bad)).toContain('public key');
  });

  test('lists the app\'s age key as Clan\'s sops admin only when one is given, and changes nothing else', () => {
    const without = generated(households, { adminPublicKey: referenceAdminKey });
    expect(Object.keys(without.files).some((p) => p.startsWith('sops/'))).toBe(false);
    const withKey = generated(households, { adminPublicKey: referenceAdminKey, adminAgePublicKey: `\n${referenceAgeKey}  \n` });
    expect(Object.keys(withKey.files).filter((p) => !Object.hasOwn(without.files, p))).toEqual([appSopsKeyPath]);
    for (const [path, text] of Object.entries(without.files)) if (path !== manifestPath) expect(withKey.files[path], path).toBe(text);
    expect(JSON.parse(withKey.files[appSopsKeyPath]!)).toEqual([{ publickey: referenceAgeKey, type: 'age' }]);
    expect(parseManifest(withKey.files[manifestPath]!)!.files[appSopsKeyPath]).toBe(sha256Hex(withKey.files[appSopsKeyPath]!));
    expect(withKey.notes.filter((n) => !without.notes.includes(n))).toEqual([
      `The app's age key is the Clan admin "clan-network-designer" of the secrets (${appSopsKeyPath}), so \`clan vars generate\` run with it encrypts every secret for the app and the machines that need it.`,
    ]);
    const bad = refused(households, { adminAgePublicKey: referenceAgeKey.slice(0, -2) });
    expect(bad).toEqual({ code: 'invalidAdminAgeKey', details: { reason: 'format' } });
    expect(describeGenerateError(bad)).toContain('"age1"');
    expect(refused(households, { adminAgePublicKey: '' })).toEqual({ code: 'invalidAdminAgeKey', details: { reason: 'empty' } });
  });

  test('generates for another VPN (what-if) with the roles the advisor assigns, leaving the design alone', () => {
    const clan = generated(households, { vpnOverride: 'wireguard' });
    const mesh = inventory(clan).instances.mesh!;
    expect(mesh.module).toEqual({ name: 'wireguard', input: 'clan-core' });
    expect(mesh.roles.controller!.machines).toEqual({ vps: { settings: { endpoint: '203.0.113.10', port: 51820 } } });
    expect(Object.keys(mesh.roles.peer!.machines)).toEqual(['desktop', 'home-server', 'parents-laptop', 'parents-pi', 'sister-nas']);
    expect(clan.notes.some((n) => n.startsWith('What-if'))).toBe(true);
    expect(households.vpn.id).toBe('zerotier');
  });

  test('uses clan-core modules for four VPNs and copies our own module verbatim for the other six', () => {
    for (const vpn of vpnIds) {
      const clan = generated(households, { vpnOverride: vpn });
      const mesh = inventory(clan).instances.mesh!;
      const own = Object.hasOwn(ownModuleFiles, vpn);
      expect(mesh.module).toEqual({ name: vpn, input: own ? 'self' : 'clan-core' });
      const moduleFiles = Object.keys(clan.files).filter((p) => p.startsWith('modules/'));
      if (!own) {
        expect(moduleFiles).toEqual([]);
        continue;
      }
      for (const [name, text] of Object.entries(ownModuleFiles[vpn as keyof typeof ownModuleFiles])) expect(clan.files[`modules/clan-services/${vpn}/${name}`]).toBe(text);
      expect(clan.files['modules/clan-services/lib.nix']).toBe(ownModuleLibFile.text);
      expect(clan.files['clan.nix']).toContain(`modules.${vpn} = ./modules/clan-services/${vpn};`);
    }
  });

  test('adds the hyprspace flake input only for Hyprspace, and says where VpnCloud\'s NixOS module comes from', () => {
    expect(generated(households, { vpnOverride: 'hyprspace' }).files['flake.nix']).toContain('hyprspace.url = "github:hyprspace/hyprspace";');
    expect(generated(households, { vpnOverride: 'nebula' }).files['flake.nix']).not.toContain('hyprspace');
    const vpncloud = generated(households, { vpnOverride: 'vpncloud' });
    expect(vpncloud.files['modules/clan-services/vpncloud/nixos-module.nix']).toContain('options.services.vpncloud');
    expect(vpncloud.notes.some((n) => n.includes('nixpkgs has no NixOS module for VpnCloud'))).toBe(true);
  });

  test('Nebula: lighthouse with public address and explicit port; every peer advertises the lighthouse as its relay, and the notes name the machines the NAT analysis expects to need it', () => {
    const clan = generated(households, { vpnOverride: 'nebula' });
    const mesh = inventory(clan).instances.mesh!;
    const lighthouse = mesh.roles.lighthouse!.machines.vps!.settings!;
    expect(lighthouse).toMatchObject({ publicAddress: '203.0.113.10', port: 4242 });
    const peers = mesh.roles.peer!.machines;
    // Nebula uses a relay only where no direct tunnel can be made, so every peer may fall back on the lighthouse.
    for (const peer of Object.values(peers)) expect(peer.settings!.relayed).toBe(true);
    // Sister's flat is behind symmetric NAT: her pairs with other NATed sites are expected to be relayed, home (port
    // forward) is not; the notes say so.
    const relayNote = clan.notes.find((n) => n.startsWith('Every peer advertises the lighthouses as relays'));
    expect(relayNote).toMatch(/The NAT analysis expects that for .*parents-pi.*sister-nas/);
    expect(relayNote).not.toContain('desktop');
    const addresses = Object.values(clan.overlayAddresses);
    expect(new Set(addresses).size).toBe(6);
    expect(mesh.roles.peer!.settings).toEqual({ network: expect.stringMatching(/^10\.\d+\.0\.0\/16$/) });
  });

  test('writes ports explicitly (EasyTier) and brackets IPv6 endpoints (WireGuard)', () => {
    const easytier = inventory(generated(households, { vpnOverride: 'easytier' })).instances.mesh!;
    expect(easytier.roles.bootstrap!.machines.vps!.settings).toEqual({ publicAddress: '203.0.113.10', port: 11010 });
    const v6 = updateMachine(households, idOf(households, 'vps'), { publicAddress: '2001:db8::10' });
    const wireguard = inventory(generated(v6, { vpnOverride: 'wireguard' })).instances.mesh!;
    expect(wireguard.roles.controller!.machines.vps!.settings!.endpoint).toBe('[2001:db8::10]');
  });

  test('Headscale: self-signed TLS for an IP address, Let\'s Encrypt for a DNS name', () => {
    const byIp = inventory(generated(households, { vpnOverride: 'headscale' })).instances.mesh!;
    expect(byIp.roles.controller!.machines.vps!.settings).toEqual({ publicAddress: '203.0.113.10', port: 443, tls: 'selfSigned' });
    const named = updateMachine(households, idOf(households, 'vps'), { publicAddress: 'vpn.example.org' });
    const byName = inventory(generated(named, { vpnOverride: 'headscale' })).instances.mesh!;
    expect(byName.roles.controller!.machines.vps!.settings!.tls).toBe('letsencrypt');
  });

  test('Mycelium: members peer with the public machines through configuration.nix', () => {
    const clan = generated(households, { vpnOverride: 'mycelium' });
    expect(clan.files['machines/desktop/configuration.nix']).toContain('services.mycelium.peers = [ "tcp://home.example.org:9651" "quic://home.example.org:9651" "tcp://203.0.113.10:9651" "quic://203.0.113.10:9651" ];');
    expect(clan.files['machines/vps/configuration.nix']).not.toContain('203.0.113.10');
  });

  test('the internet service uses the forwarded SSH port of a machine behind a port forward', () => {
    const inv = inventory(generated(households));
    expect(inv.instances.internet!.roles.default!.machines['home-server']).toEqual({ settings: { host: 'home.example.org', port: 2222, user: 'root' } });
  });

  test('user text only reaches Nix files escaped: a tag or site name with ${ stays in inventory.json', () => {
    let design = updateMachine(households, idOf(households, 'desktop'), { tags: ['${builtins.abort "x"}', 'a"b\\c'] });
    design = updateSite(design, Object.values(design.sites)[0]!.id, { name: "Home ${x} ''" });
    design = { ...design, meta: { ...design.meta, description: 'say "${hi}"\n' } };
    const clan = generated(design, { vpnOverride: 'nebula' });
    for (const [path, text] of Object.entries(clan.files)) {
      if (!path.endsWith('.nix')) continue;
      expect(text).not.toContain('builtins.abort');
      expect(text).not.toContain('Home ${x}');
    }
    expect(clan.files['clan.nix']).toContain('meta.description = "say \\"\\${hi}\\"\\n";');
    const inv = inventory(clan);
    expect(inv.machines.desktop!.tags).toEqual(['${builtins.abort "x"}', 'a"b\\c']);
    expect(inv.machines.desktop!.description).toBe("Desktop in Home ${x} ''");
  });

  test('no file carries anything that looks like key material', () => {
    for (const vpn of vpnIds) {
      const clan = generated(households, { vpnOverride: vpn, adminPublicKey: referenceAdminKey });
      for (const text of Object.values(clan.files)) expect(text).not.toMatch(/PRIVATE KEY|PRIVATE_KEY=[A-Za-z0-9]|BEGIN [A-Z ]*KEY/);
    }
  });
});

describe('generateClan refusals', () => {
  test('a design with errors is refused with the validation problems', () => {
    const bad = updateMachine(households, idOf(households, 'desktop'), { name: 'Living Room PC' });
    const error = refused(bad);
    expect(error.code).toBe('designInvalid');
    if (error.code === 'designInvalid') expect(error.details.problems.map((p) => p.code)).toContain('machineNameInvalid');
    expect(describeGenerateError(error)).toContain('Living Room PC');
  });

  test('deploy-only errors do not block generation; they come back as deploy blockers', () => {
    const noAdmin: Design = { ...households, admin: { siteId: null } };
    const clan = generated(noAdmin);
    expect(clan.deployBlockers.map((p) => p.code)).toContain('noAdminLocation');
    const noSsh = updateMachine(households, idOf(households, 'desktop'), { ssh: null });
    const inv = inventory(generated(noSsh));
    expect(inv.machines.desktop!.deploy).toBeUndefined();
  });

  test('a machine holding a full-member role and the default role gets only the first (one configuration per machine)', () => {
    const vps = idOf(households, 'vps');
    const both: Design = { ...households, vpn: { id: 'nebula', instance: 'mesh', roles: { ...households.vpn.roles, [vps]: ['lighthouse', 'peer'] } } };
    const mesh = inventory(generated(both)).instances.mesh!;
    expect(Object.keys(mesh.roles.lighthouse!.machines)).toEqual(['vps']);
    expect(Object.keys(mesh.roles.peer!.machines)).not.toContain('vps');
  });

  test('a required role held only by an unmanaged device is refused', () => {
    const phone = Object.values(homeAndVps.machines).find((m) => m.kind === 'phone')!;
    const design: Design = { ...homeAndVps, vpn: { id: 'zerotier', instance: 'mesh', roles: { [phone.id]: ['controller', 'peer'], [idOf(homeAndVps, 'nas')]: ['peer'] } } };
    const error = refused(design);
    expect(error).toEqual({ code: 'requiredRoleUnmanaged', details: { vpn: 'zerotier', role: 'controller', machineNames: ['phone'] } });
    expect(describeGenerateError(error)).toContain('managed');
  });

  test('a VPN that needs a public machine is refused for a LAN without one, saying what to do', () => {
    for (const vpn of ['nebula', 'wireguard', 'vpncloud'] as const) {
      const error = refused(lanOnly, { vpnOverride: vpn });
      expect(describeGenerateError(error)).toMatch(/public address|VPS/);
    }
    expect(generateClan(lanOnly, { vpnOverride: 'yggdrasil' }).ok).toBe(true);
  });

  test('NUL or a broken surrogate in user text is refused with where it is', () => {
    const error = refused({ ...households, meta: { ...households.meta, description: 'a\0b' } });
    expect(error).toMatchObject({ code: 'unrepresentableText', details: { field: 'clan description', reason: 'nul' } });
    const tag = refused(updateMachine(households, idOf(households, 'vps'), { tags: ['x\uD800'] }));
    expect(tag).toMatchObject({ code: 'unrepresentableText', details: { field: 'tag', itemName: 'vps', reason: 'loneSurrogate' } });
    expect(describeGenerateError(tag)).toContain('"vps"');
  });

  test('the VPN instance may not take the name of a supporting instance', () => {
    const error = refused({ ...households, vpn: { ...households.vpn, instance: 'sshd' } });
    expect(error).toEqual({ code: 'instanceNameReserved', details: { instance: 'sshd' } });
  });

  test('a role that needs a public address refuses without one; a ZeroTier moon needs an IP address', () => {
    const noAddress = updateMachine(households, idOf(households, 'vps'), { publicAddress: null });
    expect(refused(noAddress, { vpnOverride: 'nebula' })).toMatchObject({ code: 'missingPublicAddress', details: { machineName: 'vps', role: 'lighthouse' } });
    const vps = idOf(households, 'vps');
    const moon: Design = { ...updateMachine(households, vps, { publicAddress: 'vpn.example.org' }), vpn: { ...households.vpn, roles: { ...households.vpn.roles, [vps]: ['controller', 'moon', 'peer'] } } };
    expect(refused(moon)).toMatchObject({ code: 'moonNeedsIpAddress', details: { address: 'vpn.example.org' } });
    const moonOk: Design = { ...households, vpn: moon.vpn };
    expect(inventory(generated(moonOk)).instances.mesh!.roles.moon!.machines.vps!.settings).toEqual({ stableEndpoints: ['203.0.113.10'] });
  });
});

describe('the measurement port ("Measure my network", docs/measure.md)', () => {
  test('every managed VPN member gets iperf3 and TCP 5201 opened on the VPN\'s interface only, the file then a module function', () => {
    const interfaces: Record<string, string> = { nebula: '"nebula.mesh"', tinc: '"tinc.mesh"', wireguard: 'mesh', yggdrasil: 'ygg', headscale: 'ts-mesh', vpncloud: 'vpncloud0' };
    for (const [vpn, iface] of Object.entries(interfaces)) {
      const file = generated(households, { vpnOverride: vpn as (typeof vpnIds)[number] }).files['machines/parents-pi/configuration.nix']!;
      expect(file, vpn).toContain('\n{ pkgs, ... }:\n{\n');
      expect(file, vpn).toContain('  environment.systemPackages = [ pkgs.iperf3 ];\n');
      expect(file, vpn).toContain(`  networking.firewall.interfaces.${iface}.allowedTCPPorts = [ 5201 ];\n`);
      // Never on every interface: the machine's internet side stays closed.
      expect(file, vpn).not.toMatch(/networking\.firewall\.allowedTCPPorts/);
    }
    // The name our VpnCloud module gives the device, rather than the kernel's next vpncloud<n>.
    expect(ownModuleFiles.vpncloud['default.nix']).toContain(`device.name = "${VPNCLOUD_DEVICE}";`);
  });

  test('ZeroTier, whose interface is named zt... from the network id, gets the port on every zt interface in the form of the firewall back end in use', () => {
    const file = generated(households, { vpnOverride: 'zerotier' }).files['machines/parents-pi/configuration.nix']!;
    expect(file).toContain('\n{ config, pkgs, ... }:\n{\n');
    // iptables matches a prefix with "+"; nftables takes "zt+" as a literal name and matches a prefix with "*".
    expect(file).toContain('  networking.firewall.interfaces = if config.networking.nftables.enable then { } else { "zt+".allowedTCPPorts = [ 5201 ]; };\n');
    expect(file).toContain('  networking.firewall.extraInputRules = if config.networking.nftables.enable then "iifname \\"zt*\\" tcp dport 5201 accept" else "";\n');
    expect(file).not.toMatch(/networking\.firewall\.allowedTCPPorts/);
  });

  test('a machine outside the VPN, and every machine of a design without one, gets neither, and stays a plain attribute set', () => {
    const desktop = idOf(households, 'desktop');
    const roles = Object.fromEntries(Object.entries(households.vpn.roles).filter(([id]) => id !== desktop));
    const partly = generated({ ...households, vpn: { ...households.vpn, roles } });
    expect(partly.files['machines/desktop/configuration.nix']).not.toContain('iperf3');
    expect(partly.files['machines/desktop/configuration.nix']).toMatch(/reports it instead of overwriting it\.\n\{\n/);
    expect(partly.files['machines/vps/configuration.nix']).toContain('allowedTCPPorts = [ 5201 ]');
    const none = generated({ ...households, vpn: { ...households.vpn, id: null, roles: {} } });
    for (const [path, text] of Object.entries(none.files)) if (path.endsWith('configuration.nix')) expect(text, path).not.toContain('iperf3');
  });
});
