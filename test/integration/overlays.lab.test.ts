import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { Design } from '../../src/shared/model/types';
import { generateClan } from '../../src/shared/nix/generate';
import { familyLabDesign, familyLabSpec, familyMachines as machines, orderedPairs, type FamilyMachine } from '../lab/family';
import { shouldRunLab } from '../lab/lab';
import { overlayProgramsPresent, startOverlay, type OverlayVpn, type RunningOverlay } from '../lab/overlays';
import { useLab } from '../lab/suite';

// Real overlays started from OUR generated configuration: the app's generator writes the flake for a family
// network across two NATed sites and a public machine, and the lab's overlay stand-in (test/lab/overlays.ts, a test
// double of the overlay part of the NixOS switch) starts Debian's real yggdrasil, nebula, wireguard-go and tincd in
// the lab hosts' namespaces with exactly the peers, addresses, ports and roles that configuration gives them. Every
// machine then pings every other over the overlay: a wrong peer list or lighthouse in the generator is a red cell.
const runLab = (await shouldRunLab()) && overlayProgramsPresent('the overlay lab tests');

/**
 * The public office (vps) and two homes behind NAT (home: nas and desktop; parents: parents-pi). The lab's NATed
 * sites masquerade behind the one lab router and let nothing in, so the two homes cannot reach each other directly.
 * Plain hosts: the overlays run in the hosts' namespaces, and nothing logs in to them.
 */
const spec = familyLabSpec('cndov', { nixos: false, bastion: false });

describe.skipIf(!runLab)('real overlays from the generated configuration', () => {
  const suite = useLab('overlays', spec);

  /**
   * The family network with the admin at home, as the lab's plain user (no links: nothing logs in). The parents' site
   * is drawn as strict (symmetric) NAT because that is how the lab's NAT behaves between the two homes: both leave
   * through the same router address, which does not hairpin, so no hole can be punched between them and the NAT
   * analysis must plan relays there.
   */
  function design(vpn: OverlayVpn, parentsNat: 'symmetric' | 'nat' = 'symmetric'): Design {
    return familyLabDesign(suite.lab, vpn, { user: 'plain', admin: 'home', parentsNat });
  }

  function generate(vpn: OverlayVpn, parentsNat?: 'symmetric' | 'nat'): Record<string, string> {
    const generated = generateClan(design(vpn, parentsNat));
    if (!generated.ok) throw new Error(`generate ${vpn}: ${generated.error.code} ${JSON.stringify(generated.error.details)}`);
    return { ...generated.value.files };
  }

  /** Pings until a reply comes (true) or `ms` runs out (false). */
  async function pingsWithin(overlay: RunningOverlay, from: string, to: string, ms: number): Promise<boolean> {
    const deadline = Date.now() + ms;
    for (;;) {
      if (await overlay.ping(from, to, { waitSeconds: 1 })) return true;
      if (Date.now() > deadline) return false;
    }
  }

  /** Every ordered pair's ping result, polled until it answers or `ms` runs out. */
  async function pingMatrix(overlay: RunningOverlay, ms: number): Promise<Record<string, 'ok' | 'no reply'>> {
    const results = await Promise.all(orderedPairs(machines).map(async ([from, to]) => [`${from} -> ${to}`, (await pingsWithin(overlay, from, to, ms)) ? 'ok' : 'no reply'] as const));
    return Object.fromEntries(results);
  }

  const allOk = Object.fromEntries(orderedPairs(machines).map(([from, to]) => [`${from} -> ${to}`, 'ok']));

  /** What a failing overlay test should show besides the red cells: each daemon's last log lines. */
  function logs(overlay: RunningOverlay): string {
    return machines.map((m) => `--- ${m} (${overlay.member(m).address})\n${overlay.logTail(m, 15)}`).join('\n');
  }

  async function expectWorkingOverlay(vpn: OverlayVpn, expectedRoles: Record<FamilyMachine, string[]>, expectConfig?: (overlay: RunningOverlay) => void): Promise<void> {
    const overlay = await startOverlay(suite.lab, generate(vpn), vpn);
    try {
      expect(Object.fromEntries(machines.map((m) => [m, overlay.member(m).roles]))).toEqual(expectedRoles);
      expectConfig?.(overlay);
      // Every machine reaches every other over the overlay, across both NATs.
      const matrix = await pingMatrix(overlay, 20_000);
      expect(matrix, logs(overlay)).toEqual(allOk);

      // A cut pair fails both ways; the others still answer.
      await overlay.cut('nas', 'parents-pi');
      expect(await overlay.ping('nas', 'parents-pi', { count: 2 })).toBe(false);
      expect(await overlay.ping('parents-pi', 'nas', { count: 2 })).toBe(false);
      expect(await overlay.ping('nas', 'vps')).toBe(true);
      await overlay.mend('nas', 'parents-pi');
      expect(await pingsWithin(overlay, 'nas', 'parents-pi', 10_000), logs(overlay)).toBe(true);

      // A stopped daemon fails; the others still answer; started again, it answers again.
      await overlay.stop('desktop');
      expect(await overlay.ping('vps', 'desktop', { count: 2 })).toBe(false);
      expect(await overlay.ping('nas', 'desktop', { count: 2 })).toBe(false);
      expect(await overlay.ping('vps', 'nas')).toBe(true);
      await overlay.start('desktop');
      expect(await pingsWithin(overlay, 'vps', 'desktop', 15_000), logs(overlay)).toBe(true);
    } finally {
      await overlay.destroy();
    }
  }

  test('Yggdrasil (clan-core service): every machine pings every other through the public peer from the internet service; a cut pair and a stopped daemon fail', async () => {
    await expectWorkingOverlay('yggdrasil', { vps: ['default'], nas: ['default'], desktop: ['default'], 'parents-pi': ['default'] });
  }, 60_000);

  test('Nebula (our module): every machine pings every other through the lighthouse, relayed between the homes; a cut pair and a stopped daemon fail', async () => {
    await expectWorkingOverlay('nebula', { vps: ['lighthouse'], nas: ['peer'], desktop: ['peer'], 'parents-pi': ['peer'] }, (overlay) => {
      // Every peer advertises the lighthouse as its relay, and the lighthouse relays.
      const config = (m: string) => JSON.parse(readFileSync(overlay.member(m).configPath, 'utf8')) as { relay: { am_relay: boolean; relays: string[] } };
      for (const peer of ['parents-pi', 'nas', 'desktop']) expect(config(peer).relay).toEqual({ am_relay: false, relays: [overlay.member('vps').address], use_relays: true });
      expect(config('vps').relay).toEqual({ am_relay: true, relays: [], use_relays: true });
    });
  }, 60_000);

  test('WireGuard (clan-core service, wireguard-go): every machine pings every other through the controller; a cut pair and a stopped daemon fail', async () => {
    await expectWorkingOverlay('wireguard', { vps: ['controller'], nas: ['peer'], desktop: ['peer'], 'parents-pi': ['peer'] });
  }, 60_000);

  test('Tinc (our module): every machine pings every other through the bootstrap node; a cut pair and a stopped daemon fail', async () => {
    await expectWorkingOverlay('tinc', { vps: ['bootstrap'], nas: ['peer'], desktop: ['peer'], 'parents-pi': ['peer'] });
  }, 60_000);

  test('Nebula with the parents drawn behind an ordinary home NAT: the analysis expects hole punching, which fails between the two homes in the lab, and the pairs still reach each other through the lighthouse relay', async () => {
    const files = generate('nebula', 'nat');
    // Every peer advertises the lighthouse as its relay, whatever the analysis expects.
    expect((files['inventory.json']!.match(/"relayed": ?true/g) ?? []).length).toBe(3);
    const overlay = await startOverlay(suite.lab, files, 'nebula');
    try {
      expect(await pingMatrix(overlay, 10_000), logs(overlay)).toEqual(allOk);
    } finally {
      await overlay.destroy();
    }
  }, 40_000);

  test('the stand-in refuses a configuration that lacks what the daemon needs instead of filling it in', async () => {
    // Nebula without the lighthouse's public address: our module's option has no default.
    const nebula = generate('nebula');
    const inventory = JSON.parse(nebula['inventory.json']!) as { instances: Record<string, { roles: Record<string, { machines: Record<string, { settings: Record<string, unknown> }> }> }> };
    const lighthouse = Object.values(inventory.instances).find((i) => 'lighthouse' in i.roles)!.roles.lighthouse!.machines.vps!.settings;
    delete lighthouse.publicAddress;
    await expect(startOverlay(suite.lab, { ...nebula, 'inventory.json': JSON.stringify(inventory) }, 'nebula')).rejects.toThrow(/publicAddress' is used but not defined/);

    // WireGuard without the controller's endpoint: clan-core's option has no default either.
    const wireguard = generate('wireguard');
    const wgInventory = JSON.parse(wireguard['inventory.json']!) as typeof inventory;
    delete Object.values(wgInventory.instances).find((i) => 'controller' in i.roles)!.roles.controller!.machines.vps!.settings.endpoint;
    await expect(startOverlay(suite.lab, { ...wireguard, 'inventory.json': JSON.stringify(wgInventory) }, 'wireguard')).rejects.toThrow(/endpoint' is used but not defined/);
  }, 30_000);
});
