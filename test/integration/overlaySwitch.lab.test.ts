import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Design } from '../../src/shared/model/types';
import { generateClan } from '../../src/shared/nix/generate';
import { familyLabDesign, familyLabSpec } from '../lab/family';
import { labUsers, shouldRunLab } from '../lab/lab';
import { overlayProgramsPresent, registerOverlayOnSwitch, waitForOverlayPairs, type OverlayVpn } from '../lab/overlays';
import { useLab } from '../lab/suite';

// The lab's NixOS switch brings the overlay up (test/lab/overlays.ts registerOverlayOnSwitch): a TEST DOUBLE of the
// service activation of `switch-to-configuration switch`, on the NixOS stand-in hosts. Each host gets the generated
// flake where the deploy uploads it, the nix double builds its stand-in system, and the system's own
// switch-to-configuration (the double) switches to it and asks the test process to start the host's Nebula daemon
// from that flake, waiting for the answer. Here the doubles are run directly as root inside the hosts (the deploy
// runs the same commands over SSH: test/e2e/verifyLab.e2e.ts), so what is checked is the hook itself: the daemon
// runs when the switch returns, keys stay the machine's across switches, a system without the overlay stops it, and
// nothing of this happens in a lab where no test registered.
const runLab = (await shouldRunLab()) && overlayProgramsPresent('the overlay switch lab tests');

const spec = familyLabSpec('cndos', { machines: ['vps', 'nas', 'parents-pi'] });

const CLAN = 'labfamily';

describe.skipIf(!runLab)('the NixOS stand-in’s switch starts the overlay from the deployed flake (test double of the service activation)', () => {
  const suite = useLab('overlay-switch', spec);
  const standIn = (name: string) => suite.lab.host(name).nixos!;

  /**
   * vps public (the VPN's anchor: Nebula's lighthouse, ...), nas and parents-pi behind their NATs, reached through vps;
   * the admin in the office.
   */
  function design(description = '', vpn: OverlayVpn = 'nebula'): Design {
    return familyLabDesign(suite.lab, vpn, { user: 'sudo', admin: 'office', parentsNat: 'nat', parentsName: 'Parents', meta: { clanName: CLAN, description } });
  }

  function files(d: Design): Record<string, string> {
    const generated = generateClan(d);
    if (!generated.ok) throw new Error(`generate: ${generated.error.code} ${JSON.stringify(generated.error.details)}`);
    return generated.value.files;
  }

  /** Uploads the flake where the deploy puts it and builds the machine's system with the nix double; returns the system. */
  async function build(name: string, flake: Record<string, string>): Promise<string> {
    const dir = standIn(name).flakeDir(labUsers.sudo, CLAN);
    const local = standIn(name).path(dir);
    rmSync(local, { recursive: true, force: true });
    for (const [path, text] of Object.entries(flake)) {
      mkdirSync(dirname(join(local, path)), { recursive: true });
      writeFileSync(join(local, path), text);
    }
    const built = await standIn(name).exec(['/usr/local/bin/nix', '--extra-experimental-features', 'nix-command flakes', 'build', '--no-link', '--print-out-paths', `path:${dir}#nixosConfigurations."${name}".config.system.build.toplevel`]);
    expect(built.code, built.stderr).toBe(0);
    return built.stdout.trim();
  }

  const switchTo = (name: string, system: string) => standIn(name).exec([`${system}/bin/switch-to-configuration`, 'switch'], { timeoutMs: 90_000 });
  const unitState = async (name: string, unit: string) => (await standIn(name).exec(['/usr/local/bin/systemctl', 'show', '-p', 'LoadState', '-p', 'ActiveState', unit])).stdout.trim().split('\n').join(' ');

  test('without a registered overlay a switch starts nothing; registered, each switch starts its host’s daemon before it returns, keeps its keys across switches, and a system without the overlay stops it', async () => {
    const first = files(design());
    // 1. No test listens: the switch is the plain double, as in every other lab test.
    const unregistered = await switchTo('vps', await build('vps', first));
    expect(unregistered.code, unregistered.stderr).toBe(0);
    expect(unregistered.stdout).not.toMatch(/starting the following units/);
    expect(standIn('vps').events().filter((e) => e.what === 'switch-hook')).toEqual([]);

    const overlay = registerOverlayOnSwitch(suite.lab, 'nebula');
    let unit = '';
    try {
      // 2. The NATed homes first and the lighthouse last, as the deploy's waves go; each daemon is up when its switch returns.
      for (const name of ['nas', 'parents-pi', 'vps']) {
        const switched = await switchTo(name, await build(name, first));
        expect(switched.code, `${switched.stdout}\n${switched.stderr}`).toBe(0);
        const started = /(?:re)?starting the following units: (nebula@\S+)\.service/.exec(switched.stdout);
        expect(started, switched.stdout).not.toBeNull();
        unit = started![1]!;
        expect(await unitState(name, `${unit}.service`)).toBe('LoadState=loaded ActiveState=active');
        expect(overlay.members()[name]?.address).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
        expect(standIn(name).events().filter((e) => e.what === 'switch-hook').map((e) => e.details[1])).toEqual(['ok']);
      }
      expect(overlay.switches().map((s) => [s.machine, s.outcome])).toEqual([
        ['nas', 'started'],
        ['parents-pi', 'started'],
        ['vps', 'started'],
      ]);
      // Both homes reach each other and the lighthouse over the overlay (Nebula may take a few handshakes).
      const pairs = [['nas', 'vps'], ['parents-pi', 'vps'], ['nas', 'parents-pi'], ['parents-pi', 'nas']] as const;
      expect(await waitForOverlayPairs(overlay, pairs, 30_000, { oneAtATime: true }), overlay.logTail('nas', 10)).toEqual([]);

      // 3. A changed configuration: the next switch restarts the daemon with it, with the machine's own key kept.
      const certOf = () => {
        const config = JSON.parse(readFileSync(overlay.member('nas').configPath, 'utf8')) as { pki: { cert: string; key: string } };
        return `${readFileSync(config.pki.cert, 'utf8')}${readFileSync(config.pki.key, 'utf8')}`;
      };
      const before = { cert: certOf(), configPath: overlay.member('nas').configPath };
      const changed = await switchTo('nas', await build('nas', files(design('The family network, now with a description'))));
      expect(changed.code, changed.stderr).toBe(0);
      expect(changed.stdout).toContain(`restarting the following units: ${unit}.service`);
      expect(overlay.member('nas').configPath).not.toBe(before.configPath);
      expect(certOf()).toBe(before.cert);
      expect(await unitState('nas', `${unit}.service`)).toBe('LoadState=loaded ActiveState=active');

      // 4. Back to the system installed by hand (no flake, no VPN), as a rollback to it does: the daemon stops and
      // its unit is gone.
      const installed = standIn('nas').generations()[0]!.system;
      const back = await switchTo('nas', installed);
      expect(back.code, back.stderr).toBe(0);
      expect(back.stdout).toContain(`stopping the following units: ${unit}.service`);
      expect(await unitState('nas', `${unit}.service`)).toBe('LoadState=not-found ActiveState=inactive');
      expect(overlay.members().nas).toBeUndefined();
      expect(overlay.switches().at(-1)).toMatchObject({ machine: 'nas', outcome: 'stopped' });
    } finally {
      await overlay.destroy();
    }

    // 5. Unregistered again: switches are plain again, and no daemon is left.
    const after = await switchTo('parents-pi', standIn('parents-pi').generations()[0]!.system);
    expect(after.code, after.stderr).toBe(0);
    expect(after.stdout).not.toMatch(/the following units: nebula/);
    expect(await unitState('vps', `${unit}.service`)).toMatch(/^LoadState=not-found/);
  }, 150_000);

  test.each(['yggdrasil', 'wireguard', 'tinc'] as const)('%s: each switch starts its host’s daemon from the deployed flake, and every machine reaches the others', async (vpn) => {
    const flake = files(design('', vpn));
    const overlay = registerOverlayOnSwitch(suite.lab, vpn);
    try {
      // The public machine first here: Yggdrasil dials a peer that was not up again only about once a minute.
      for (const name of ['vps', 'nas', 'parents-pi']) {
        const switched = await switchTo(name, await build(name, flake));
        expect(switched.code, `${switched.stdout}\n${switched.stderr}`).toBe(0);
        expect(switched.stdout).toMatch(/(re)?starting the following units: \S+\.service/);
      }
      expect(overlay.switches().map((s) => s.outcome)).toEqual(['started', 'started', 'started']);
      const pairs = [['nas', 'vps'], ['parents-pi', 'vps'], ['nas', 'parents-pi'], ['parents-pi', 'nas'], ['vps', 'nas']] as const;
      expect(await waitForOverlayPairs(overlay, pairs, 30_000, { oneAtATime: true }), `${overlay.logTail('nas', 10)}\n${overlay.logTail('parents-pi', 10)}`).toEqual([]);
    } finally {
      await overlay.destroy();
    }
  }, 90_000);
});
