import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { formatTargetHost } from '../../src/shared/nix/addresses';
import { vpnIsClanNetwork } from '../../src/shared/nix/clanReach';
import { generateClan } from '../../src/shared/nix/generate';
import { ownModuleFiles, type OwnModuleVpn } from '../../src/shared/nix/modules';
import { referenceAdminKey, referenceDesigns } from '../../src/shared/nix/referenceDesigns';
import { vpnCatalog } from '../../src/shared/vpn/catalog';
import { vpnIds } from '../../src/shared/vpn/ids';
import type { Design } from '../../src/shared/model/types';

// Every generated .nix file of the 30 reference combinations (3 designs x 10 VPNs) must parse with Debian's
// nix-instantiate, which also rejects undefined variables. Identical files are parsed once, all in one process,
// so the whole file takes seconds. Our service modules cannot be evaluated here (no nixpkgs, no clan-core), but
// their role names and option types can: a stub `lib` turns each option type into a check, and Nix itself checks
// every setting the generator wrote into inventory.json against the module's interface. The same stub, with a
// stand-in for clan-core's buildScopeKey and mkExports, evaluates what the modules export as Clan networks.
// Without nix-instantiate the tests are skipped with a message, except on CI (CI=true), where that is a failure.

const nixAvailable = spawnSync('nix-instantiate', ['--version'], { encoding: 'utf8' }).status === 0;
const onCi = process.env.CI === 'true';
const work = mkdtempSync(join(tmpdir(), 'nix-parse-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function nixInstantiate(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const result = spawnSync('nix-instantiate', ['--store', 'dummy://', '--option', 'restrict-eval', 'true', ...args], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr.split('\n').filter((l) => !l.includes("group 'nixbld'")).join('\n') };
}

interface Combination {
  design: string;
  vpn: (typeof vpnIds)[number];
  files: Readonly<Record<string, string>>;
  designValue: Design;
}

function combinations(): Combination[] {
  const out: Combination[] = [];
  for (const { name, design } of referenceDesigns()) {
    for (const vpn of vpnIds) {
      const result = generateClan(design, { vpnOverride: vpn, adminPublicKey: referenceAdminKey });
      if (result.ok) out.push({ design: name, vpn, files: result.value.files, designValue: design });
    }
  }
  return out;
}

/**
 * A configuration.nix as the module it is: the attribute set, or the function called with a stand-in `pkgs` and the
 * one option of `config` it reads (which firewall back end runs).
 */
const moduleOf = (file: string, nftables = false) =>
  `(let m = import ${file}; in if builtins.isFunction m then m { pkgs = { iperf3 = "pkgs.iperf3"; }; config.networking.nftables.enable = ${nftables}; } else m)`;

if (!nixAvailable && !onCi) {
  console.warn('nixParse.test.ts: nix-instantiate not found, so generated Nix is not parsed. Install it with scripts/install-test-deps.sh (Debian: nix-bin).');
}

describe('generated Nix', () => {
  test.runIf(!nixAvailable && onCi)('nix-instantiate is installed on CI', () => {
    expect.fail('nix-instantiate is missing; CI must run scripts/install-test-deps.sh (Debian package nix-bin)');
  });

  test.skipIf(!nixAvailable)('every .nix file of the 30 reference combinations parses (one nix-instantiate call)', () => {
    const combos = combinations();
    // Six combinations are refused by design (a LAN without a public machine and a VPN that needs one).
    expect(combos.length).toBe(24);
    const unique = new Map<string, string>();
    for (const combo of combos) {
      for (const [path, text] of Object.entries(combo.files)) {
        if (!path.endsWith('.nix')) continue;
        const hash = createHash('sha256').update(text).digest('hex');
        if (!unique.has(hash)) unique.set(hash, `${combo.design}/${combo.vpn}/${path}`);
      }
    }
    const files: string[] = [];
    for (const combo of combos) {
      for (const [path, text] of Object.entries(combo.files)) {
        const origin = `${combo.design}/${combo.vpn}/${path}`;
        if (!path.endsWith('.nix') || !Array.from(unique.values()).includes(origin)) continue;
        const file = join(work, 'parse', origin);
        mkdirSync(join(file, '..'), { recursive: true });
        writeFileSync(file, text);
        files.push(file);
      }
    }
    expect(files.length).toBe(unique.size);
    const result = nixInstantiate(['-I', work, '--parse', ...files]);
    expect(result.stderr.trim(), 'nix-instantiate --parse reported an error').toBe('');
    expect(result.status).toBe(0);
    // Parsing prints one expression per file; an empty output would mean nothing was read.
    expect(result.stdout.length).toBeGreaterThan(1000);
  });

  test.skipIf(!nixAvailable)('our modules declare the catalog\'s roles, accept every setting the generator writes, and export the overlay as a Clan network where its addresses are fixed', () => {
    const stub = join(work, 'stub-lib.nix');
    writeFileSync(
      stub,
      `# Option types as checks, so inventory settings can be tested against the interfaces without nixpkgs.
{
  mkOption = option: option;
  mapAttrs' = f: set: builtins.listToAttrs (map (name: f name set.\${name}) (builtins.attrNames set));
  types = {
    str = { check = builtins.isString; };
    bool = { check = builtins.isBool; };
    port = { check = v: builtins.isInt v && v >= 0 && v <= 65535; };
    strMatching = regex: { check = v: builtins.isString v && builtins.match regex v != null; };
    listOf = t: { check = v: builtins.isList v && builtins.all t.check v; };
    enum = values: { check = v: builtins.elem v values; };
    nullOr = t: { check = v: v == null || t.check v; };
  };
}
`,
    );
    const checks: string[] = [];
    const expectations: { label: string; vpn: OwnModuleVpn }[] = [];
    for (const combo of combinations()) {
      if (!Object.hasOwn(ownModuleFiles, combo.vpn)) continue;
      const vpn = combo.vpn as OwnModuleVpn;
      const dir = join(work, 'interfaces', combo.design, vpn);
      for (const [path, text] of Object.entries(combo.files)) {
        mkdirSync(join(dir, path, '..'), { recursive: true });
        writeFileSync(join(dir, path), text);
      }
      expectations.push({ label: `${combo.design}/${vpn}`, vpn });
      checks.push(`(check ${JSON.stringify(`${combo.design}/${vpn}`)} ${dir}/modules/clan-services/${vpn} ${dir}/inventory.json)`);
    }
    // A control: a broken inventory must be caught, or the check proves nothing.
    const broken = JSON.parse(combinations().find((c) => c.design === 'three-households' && c.vpn === 'nebula')!.files['inventory.json']!);
    const lighthouse = broken.instances.mesh.roles.lighthouse.machines.vps.settings;
    lighthouse.publicAddress = 'a b; rm -rf /';
    lighthouse.bogus = 1;
    delete broken.instances.mesh.roles.peer.machines.desktop.settings.address;
    const brokenDir = join(work, 'interfaces', 'broken');
    mkdirSync(brokenDir, { recursive: true });
    writeFileSync(join(brokenDir, 'inventory.json'), JSON.stringify(broken));
    // Its exports are left out: a member without an overlay address has none to export.
    checks.push(`(builtins.removeAttrs (check "broken" ${join(work, 'interfaces', 'three-households', 'nebula')}/modules/clan-services/nebula ${brokenDir}/inventory.json) [ "peers" ])`);
    const expression = join(work, 'interfaces', 'check.nix');
    writeFileSync(
      expression,
      `let
  lib = import ${stub};
  # clan-core's scope key, "service:instance:role:machine" (lib/exports/exports.nix).
  clanLib.buildScopeKey = { serviceName ? "", instanceName ? "", roleName ? "", machineName ? "" }:
    builtins.concatStringsSep ":" [ serviceName instanceName roleName machineName ];
  check = label: modulePath: inventoryPath:
    let
      # The service module sees its own manifest and instances as config, as clan-core's module system gives them.
      module = import modulePath { inherit lib clanLib; config = { inherit (module) manifest; instances.mesh = { }; }; };
      instance = (builtins.fromJSON (builtins.readFile inventoryPath)).instances.mesh;
      # What each member exports from its role's perInstance; mkExports is the identity here (no scope key).
      peerProblems = role: entry:
        let
          exported = name: value:
            let
              settings = (entry.settings or { }) // (value.settings or { });
              result = module.roles.\${role}.perInstance {
                instanceName = "mesh";
                inherit settings;
                machine = { inherit name; roles = [ role ]; };
                roles = instance.roles;
                exports = { };
                meta = { };
                mkExports = x: x;
              };
            in
            { machine = name; hosts = result.exports.peer.hosts or null; address = settings.address or null; };
        in
        builtins.attrValues (builtins.mapAttrs exported entry.machines);
      roleProblems = role: entry:
        let
          options = module.roles.\${role}.interface.options or { };
          machineProblems = machine: value:
            let
              settings = (entry.settings or { }) // (value.settings or { });
              unknown = builtins.filter (key: !(options ? \${key})) (builtins.attrNames settings);
              invalid = builtins.filter (key: options ? \${key} && !(options.\${key}.type.check settings.\${key})) (builtins.attrNames settings);
              missing = builtins.filter (key: !(options.\${key} ? default) && !(settings ? \${key})) (builtins.attrNames options);
            in
            map (k: "\${label}: \${machine}: unknown setting \${k}") unknown
            ++ map (k: "\${label}: \${machine}: invalid value for \${k}") invalid
            ++ map (k: "\${label}: \${machine}: missing required \${k}") missing;
        in
        if module.roles ? \${role} then builtins.concatLists (builtins.attrValues (builtins.mapAttrs machineProblems entry.machines))
        else [ "\${label}: unknown role \${role}" ];
    in
    {
      inherit label;
      class = module._class;
      name = module.manifest.name;
      roles = builtins.attrNames module.roles;
      input = instance.module.input;
      problems = builtins.concatLists (builtins.attrValues (builtins.mapAttrs roleProblems instance.roles));
      exportsOut = module.manifest.exports.out or [ ];
      networks = module.exports or { };
      peers = builtins.concatLists (builtins.attrValues (builtins.mapAttrs peerProblems instance.roles));
    };
in
[
  ${checks.join('\n  ')}
]
`,
    );
    const result = nixInstantiate(['-I', work, '--eval', '--strict', '--json', expression]);
    expect(result.stderr.trim()).toBe('');
    const evaluated = JSON.parse(result.stdout) as {
      label: string;
      class: string;
      name: string;
      roles: string[];
      input: string;
      problems: string[];
      exportsOut: string[];
      networks: Record<string, unknown>;
      peers: { machine: string; hosts: unknown; address: string | null }[];
    }[];
    const control = evaluated.pop()!;
    expect(control.problems.sort()).toEqual(['broken: desktop: missing required address', 'broken: vps: invalid value for publicAddress', 'broken: vps: unknown setting bogus']);
    expect(evaluated).toHaveLength(expectations.length);
    // 6 own modules for home-and-vps and three-households, plus Hyprspace for the LAN.
    expect(evaluated.length).toBe(13);
    for (const [i, item] of evaluated.entries()) {
      const { vpn } = expectations[i]!;
      expect(item.problems, `${item.label}`).toEqual([]);
      expect(item.class).toBe('clan.service');
      expect(item.name).toBe(`clan-network-designer/${vpn}`);
      expect(item.input).toBe('self');
      expect(item.roles.sort()).toEqual(vpnCatalog[vpn].roles.map((r) => r.id).sort());
      // The overlay is one of Clan's networks exactly where the generator says so, and each member is in it at the
      // overlay address inventory.json gives it.
      const network = vpnIsClanNetwork[vpn];
      expect(item.exportsOut.sort(), item.label).toEqual(network ? ['networking', 'peer'] : []);
      expect(item.networks, item.label).toEqual(network ? { [`clan-network-designer/${vpn}:mesh::`]: { networking: { priority: 1000 } } } : {});
      expect(item.peers.length).toBeGreaterThan(1);
      for (const peer of item.peers) {
        if (!network) {
          expect(peer.hosts, `${item.label}: ${peer.machine}`).toBeNull();
          continue;
        }
        expect(peer.address, `${item.label}: ${peer.machine}`).toMatch(/^10\.1\d\d\.\d+\.\d+$/);
        expect(peer.hosts, `${item.label}: ${peer.machine}`).toEqual([{ plain: peer.address }]);
      }
    }
  });

  test.skipIf(!nixAvailable)('machines without deploy.targetHost get the SSH address from the design as Clan\'s last resort, and only they', () => {
    const entries: string[] = [];
    const expected: (string | null)[] = [];
    for (const combo of combinations()) {
      const inventory = JSON.parse(combo.files['inventory.json']!) as { machines: Record<string, { deploy?: { targetHost: string } }> };
      for (const [name, entry] of Object.entries(inventory.machines)) {
        const file = join(work, 'last-resort', combo.design, combo.vpn, `${name}.nix`);
        mkdirSync(join(file, '..'), { recursive: true });
        writeFileSync(file, combo.files[`machines/${name}/configuration.nix`]!);
        // A VPN member's file is a module function (it takes pkgs for iperf3): called with a stand-in pkgs.
        entries.push(`((${moduleOf(file)}).clan.core.networking.targetHost or null)`);
        const machine = Object.values(combo.designValue.machines).find((m) => m.name === name)!;
        expected.push(entry.deploy === undefined ? formatTargetHost(machine.ssh) : null);
      }
    }
    // Three machines of three-households are reached only over the VPN, for each of its ten VPNs.
    expect(expected.filter((e) => e !== null)).toHaveLength(30);
    const expression = join(work, 'last-resort', 'all.nix');
    writeFileSync(expression, `[\n${entries.join('\n')}\n]\n`);
    const result = nixInstantiate(['-I', work, '--eval', '--strict', '--json', expression]);
    expect(result.stderr.trim()).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(expected);
  });

  test.skipIf(!nixAvailable)('every VPN member gets iperf3 and the measurement port opened on the VPN\'s interface, under either firewall back end, and nothing else of the firewall', () => {
    const entries: string[] = [];
    const expected: unknown[] = [];
    const interfaceOf: Record<Exclude<(typeof vpnIds)[number], 'zerotier'>, string> = { easytier: 'mesh', headscale: 'ts-mesh', hyprspace: 'hyprspace', mycelium: 'mycelium', nebula: 'nebula.mesh', tinc: 'tinc.mesh', vpncloud: 'vpncloud0', wireguard: 'mesh', yggdrasil: 'ygg' };
    // ZeroTier's interface is named zt... from the network id: a prefix, written in each back end's own form.
    const zerotier = (nftables: boolean) => (nftables ? { interfaces: {}, extraInputRules: 'iifname "zt*" tcp dport 5201 accept' } : { interfaces: { 'zt+': { allowedTCPPorts: [5201] } }, extraInputRules: '' });
    for (const combo of combinations()) {
      for (const path of Object.keys(combo.files).filter((p) => p.endsWith('/configuration.nix'))) {
        const file = join(work, 'measure', combo.design, combo.vpn, path);
        mkdirSync(join(file, '..'), { recursive: true });
        writeFileSync(file, combo.files[path]!);
        for (const nftables of [false, true]) {
          entries.push(`(let c = ${moduleOf(file, nftables)}; in { packages = c.environment.systemPackages or [ ]; firewall = c.networking.firewall or null; })`);
          const firewall = combo.vpn === 'zerotier' ? zerotier(nftables) : { interfaces: { [interfaceOf[combo.vpn]]: { allowedTCPPorts: [5201] } } };
          expected.push({ packages: ['pkgs.iperf3'], firewall });
        }
      }
    }
    expect(entries.length).toBeGreaterThan(100);
    const expression = join(work, 'measure', 'all.nix');
    writeFileSync(expression, `[\n${entries.join('\n')}\n]\n`);
    const result = nixInstantiate(['-I', work, '--eval', '--strict', '--json', expression]);
    expect(result.stderr.trim()).toBe('');
    expect(JSON.parse(result.stdout)).toEqual(expected);
  });

  test.skipIf(!nixAvailable)('the module sources themselves parse', () => {
    const sources = join(import.meta.dirname, '../../src/shared/nix/modules');
    const files = readdirSync(sources, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.nix'))
      .map((f) => join(sources, f));
    // Six modules, VpnCloud's NixOS module and the helpers they share (lib.nix).
    expect(files.length).toBe(8);
    const result = nixInstantiate(['-I', sources, '--parse', ...files]);
    expect(result.stderr.trim()).toBe('');
    expect(result.status).toBe(0);
  });
});
