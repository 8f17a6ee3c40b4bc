import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Backend } from '../../src/main/rpc/createBackend';
import type { Design } from '../../src/shared/model/types';
import { generateClan } from '../../src/shared/nix/generate';
import { canonicalIp } from '../../src/shared/verify/ip';
import { overlayAddressVarPaths } from '../../src/shared/verify/discovery';
import type { VerifyMachineResult, VerifyReport } from '../../src/shared/verify/schema';
import { runJob } from '../jobRecording';
import { labBackend } from '../lab/backend';
import { familyLabDesign, familyLabSpec, familyMachines as machines, orderedPairs } from '../lab/family';
import { shouldRunLab } from '../lab/lab';
import { overlayProgramsPresent, startOverlay, waitForOverlayPairs, type OverlayVpn, type RunningOverlay } from '../lab/overlays';
import { useLab } from '../lab/suite';

// "Verify the network" (issue 15) on REAL overlays: the app's generator writes the flake for a family network across
// two NATed sites and a public machine, the lab's overlay stand-in (test/lab/overlays.ts, a TEST DOUBLE of the overlay
// part of the NixOS switch) starts Debian's real yggdrasil, nebula, wireguard-go and tincd from it, and the app's own
// verify job (createBackend, dispatch('verify:start')) logs in to the lab hosts over real SSH (through the public
// machine as jump host, with sudo), runs its discovery queries and one probe per machine, and builds the matrix.
//
// The lab hosts are NixOS stand-ins (test/lab/nixos.ts): each has its own /run, so the overlay stand-in runs each
// daemon INSIDE its host under the names the generated configuration uses. That is how the interface names agree:
// wireguard-go's control socket is /run/wireguard/<interface>.sock, which on plain lab hosts is shared by every
// namespace (hence lab-unique names there); in a stand-in's own /run the interface can be the instance name, as on
// NixOS, so the app's `wg show <instance>` finds it. The one NixOS-only thing discovery needs, systemd's unit state
// (`systemctl show` of nebula@<net>.service, tinc.<net>.service, wireguard-<instance>.service, yggdrasil.service),
// is answered by the stand-in's systemctl TEST DOUBLE from whether the overlay stand-in's daemon for that unit lives.
// Tinc's control program (the NixOS wrapper tinc.<net>) has no double: Debian's tinc 1.0 has no control program at
// all, and the app says so (the path is unknown), as it would on any tinc 1.0 machine.
const runLab = (await shouldRunLab()) && overlayProgramsPresent('the verify lab tests');

/**
 * The public office (vps, also the bastion the test runner logs in through) and two homes behind NAT (home: nas and
 * desktop; parents: parents-pi), as in test/integration/overlays.lab.test.ts, on NixOS stand-ins.
 */
const spec = familyLabSpec('cndvf');

const DESIGN = 'family.clan-design.json';

describe.skipIf(!runLab)('verify on real overlays from the generated configuration (NixOS stand-ins, real SSH)', () => {
  const suite = useLab('verify', spec);
  let workspace: string;

  /**
   * The family network logged in to as the lab's sudo user: the admin's laptop is elsewhere behind NAT, so the homes
   * are reached through vps; the parents' house drawn as strict (symmetric) NAT, as the lab's NAT behaves between the
   * two homes (test/integration/overlays.lab.test.ts).
   */
  function design(vpn: OverlayVpn): Design {
    return familyLabDesign(suite.lab, vpn, { user: 'sudo', admin: 'laptop', parentsNat: 'symmetric' });
  }

  function makeBackend(): Backend {
    workspace ??= mkdtempSync(join(tmpdir(), 'cnd-verify-ws-'));
    return labBackend(suite, { workspace, verify: { timeouts: { connect: 10_000, command: 10_000, probeSlack: 10_000 } } });
  }

  /**
   * Saves the design and puts the public vars that hold overlay addresses (Yggdrasil's address, WireGuard's prefix and
   * suffixes) into its flake folder, as Clan's vars generators would have at deploy; here the overlay stand-in made
   * the keys, so the values are its members' addresses.
   */
  async function saveWithVars(backend: Backend, d: Design, overlay: RunningOverlay): Promise<void> {
    const saved = await backend.dispatch('project:save', { name: DESIGN, design: d, overwrite: true });
    if (!saved.ok) throw new Error(`save: ${JSON.stringify(saved.error)}`);
    const write = (path: string, value: string) => {
      const file = join(workspace, 'family.clan', path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, `${value}\n`);
    };
    const vpn = d.vpn.id!;
    for (const m of machines) {
      const paths = overlayAddressVarPaths(vpn, d.vpn.instance, m);
      const address = overlay.member(m).address;
      if (vpn === 'yggdrasil') write(paths[0]!, address);
      if (vpn === 'wireguard') {
        // clanServices/wireguard: the controller is <prefix>::1, a peer <prefix of its controller>:<suffix>.
        if (overlay.member(m).roles.includes('controller')) write(paths[0]!, address.replace(/::1$/, ''));
        else write(paths[1]!, address.split(':').slice(4).join(':'));
      }
    }
  }

  interface Run {
    report: VerifyReport;
    results: Record<string, VerifyMachineResult>;
    logs: string[];
  }

  async function verify(backend: Backend, d: Design): Promise<Run> {
    const { report, events } = await runJob(backend, 'verify', async () => {
      const started = await backend.dispatch('verify:start', { name: DESIGN, design: d, hostKeys: 'ask', count: 3 });
      if (!started.ok) throw new Error(`verify:start: ${JSON.stringify(started.error)}`);
    });
    const results = Object.fromEntries(events.flatMap((e) => (e.type === 'machineDone' ? [[e.result.name, e.result] as const] : [])));
    const logs = events.flatMap((e) => (e.type === 'log' ? [`${e.machineId ?? '-'} ${e.stream} ${e.text}`] : []));
    return { report, results, logs };
  }

  const cellOf = (run: Run, from: string, to: string) => {
    const cell = run.report.matrix?.cells.find((c) => c.fromName === from && c.toName === to);
    if (cell === undefined) throw new Error(`no cell ${from} -> ${to}`);
    return cell;
  };
  /**
   * Each pair's status, or its cause when it failed. `lenient`: a pair that lost a ping counts as reached (the runs
   * with faults are about the failing pairs; the lab shares two cores with other work).
   */
  const statuses = (run: Run, lenient = false) =>
    Object.fromEntries(run.report.matrix!.cells.map((c) => [`${c.fromName} -> ${c.toName}`, lenient && c.cause === 'someLost' ? 'reached' : (c.cause ?? c.status)]));
  const explain = (run: Run, overlay: RunningOverlay) => `${run.report.matrix?.summary}\n${run.logs.slice(-80).join('\n')}\n${machines.map((m) => `--- ${m}\n${overlay.logTail(m, 8)}`).join('\n')}`;
  const pairs = orderedPairs(machines);
  const allPairs = pairs.map(([from, to]) => `${from} -> ${to}`);

  /** Waits until every machine answers every other over the overlay (single pings from the namespaces, as root). */
  const converged = (overlay: RunningOverlay, ms: number) => waitForOverlayPairs(overlay, pairs, ms);

  /** Verifies until every pair is reached (the overlay may still settle: Nebula's relays, a first handshake), twice at most. */
  async function verifyAllReached(backend: Backend, d: Design, overlay: RunningOverlay): Promise<Run> {
    let run = await verify(backend, d);
    if (run.report.matrix?.counts.reached !== allPairs.length) run = await verify(backend, d);
    expect(statuses(run), explain(run, overlay)).toEqual(Object.fromEntries(allPairs.map((p) => [p, 'reached'])));
    return run;
  }

  async function expectVerified(vpn: OverlayVpn, options: { sshDown?: boolean } = {}): Promise<void> {
    const d = design(vpn);
    const generated = generateClan(d);
    if (!generated.ok) throw new Error(`generate ${vpn}: ${generated.error.code} ${JSON.stringify(generated.error.details)}`);
    const overlay = await startOverlay(suite.lab, generated.value.files, vpn);
    const backend = makeBackend();
    try {
      await saveWithVars(backend, d, overlay);
      await converged(overlay, 20_000);

      // 1. Every pair reached; every machine's overlay found running with the address the configuration gives it.
      const healthy = await verifyAllReached(backend, d, overlay);
      expect(healthy.report).toMatchObject({ kind: 'clan-designer-verify', outcome: 'finished', vpn, count: 3 });
      for (const m of machines) {
        expect(healthy.results[m], explain(healthy, overlay)).toMatchObject({ ssh: null, state: 'running' });
        expect(healthy.results[m]!.addresses).toContain(canonicalIp(overlay.member(m).address));
        expect(cellOf(healthy, m === 'vps' ? 'nas' : 'vps', m).address).toBe(canonicalIp(overlay.member(m).address));
      }

      // 2. A cut pair (both ways) and a stopped daemon, in one run: each told apart, the other pairs still reached.
      await overlay.cut('nas', 'parents-pi');
      await overlay.stop('desktop');
      const faults = await verify(backend, d);
      const expected: Record<string, string> = {};
      for (const pair of allPairs) expected[pair] = pair.includes('desktop') ? 'daemonNotRunning' : 'reached';
      expected['nas -> parents-pi'] = 'noReply';
      expected['parents-pi -> nas'] = 'noReply';
      expect(statuses(faults, true), explain(faults, overlay)).toEqual(expected);
      expect(cellOf(faults, 'nas', 'parents-pi').reason).toBe('"parents-pi" did not answer the pings from "nas" over the overlay (3 of 3 pings lost).');
      expect(cellOf(faults, 'parents-pi', 'nas').reason).toBe('"nas" did not answer the pings from "parents-pi" over the overlay (3 of 3 pings lost).');
      expect(faults.results.desktop).toMatchObject({ ssh: null, state: 'notRunning' });
      expect(faults.results.desktop!.message).toMatch(/is not running \((nebula@|tinc\.|wireguard-|yggdrasil)\S*\.service is inactive, dead\)/);
      expect(cellOf(faults, 'vps', 'desktop').reason).toMatch(/daemon on "desktop" is not running, so "vps" cannot reach it\.$/);
      expect(faults.report.matrix!.counts).toMatchObject({ pairs: 12, notReached: 8, sshUntested: 0 });

      if (options.sshDown === true) {
        // 3. A machine the app cannot log in to (its sshd stopped; its daemon runs again): reported apart from the
        // overlay, and still pinged by the others at the address the configuration (Clan's public var) gives it.
        await overlay.mend('nas', 'parents-pi');
        await overlay.start('desktop');
        await converged(overlay, 15_000);
        await suite.lab.host('desktop').stopSshd();
        try {
          const noSsh = await verify(backend, d);
          const sshExpected: Record<string, string> = {};
          for (const pair of allPairs) sshExpected[pair] = pair.startsWith('desktop ->') ? 'sshUnreachable' : 'reached';
          expect(statuses(noSsh, true), explain(noSsh, overlay)).toEqual(sshExpected);
          expect(noSsh.results.desktop).toMatchObject({ state: null, addresses: [] });
          expect(noSsh.results.desktop!.ssh).toMatch(/desktop|10\.\d+\.\d+\.\d+/);
          expect(cellOf(noSsh, 'desktop', 'vps').reason).toBe('"desktop" could not be reached over SSH, so its pings to "vps" were not run; this says nothing about the VPN.');
          expect(cellOf(noSsh, 'nas', 'desktop').address).toBe(canonicalIp(overlay.member('desktop').address));
          expect(noSsh.report.matrix!.counts).toMatchObject({ pairs: 12, notReached: 3, sshUntested: 3 });
          expect(noSsh.report.matrix!.summary).toMatch(/^\d of 12 pairs reached(, 1 partly)?, 3 not tested because "desktop" could not be reached over SSH/);
        } finally {
          await suite.lab.host('desktop').startSshd();
        }
      }

      // The runs are kept beside the design, newest first.
      const history = await backend.dispatch('verify:history', { name: DESIGN });
      expect(history.ok && (history.value as { entries: unknown[] }).entries.length).toBeGreaterThanOrEqual(options.sshDown === true ? 3 : 2);
    } finally {
      await overlay.destroy();
    }
  }

  test('Yggdrasil: every pair reached; a cut pair shows noReply naming both machines, a stopped daemon notRunning, a machine without SSH sshUnreachable apart from the overlay', async () => {
    await expectVerified('yggdrasil', { sshDown: true });
  }, 60_000);

  test('Nebula: every pair reached through the lighthouse; a cut pair and a stopped daemon are told apart', async () => {
    await expectVerified('nebula');
  }, 60_000);

  test('WireGuard (the instance name as the interface, as on NixOS): every pair reached through the controller; a cut pair and a stopped daemon are told apart', async () => {
    await expectVerified('wireguard');
  }, 60_000);

  test('Tinc: every pair reached through the bootstrap node; a cut pair and a stopped daemon are told apart', async () => {
    await expectVerified('tinc');
  }, 60_000);
});
