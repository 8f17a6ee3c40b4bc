import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { nixPlatformOf } from '../../src/shared/check';
import type { Design, Machine } from '../../src/shared/model/types';
import { familyLabDesign, familyLabSpec, familyMachines as machines, orderedPairs } from '../lab/family';
import { shouldRunLab } from '../lab/lab';
import { overlayProgramsPresent, registerOverlayOnSwitch, waitForOverlayPairs, type OverlayOnSwitch } from '../lab/overlays';
import { useLab } from '../lab/suite';
import { openLabDesign, startLabServe, type LabBrowser, type LabServe } from './labServe';
import { screenshotPath, shouldRunE2e } from './support';

// "Verify the network" (issue 15) as a person sees it, in Chromium against serve mode and the SSH lab: plan and deploy
// a Nebula network to NixOS stand-in hosts in two NATed homes and a public office, watch the verify run by itself
// after the deploy and show every pair reached, then cut one pair on purpose, verify again from the command palette,
// and read that pair in red with its reason in the matrix, the failing pairs and on the canvas. Last, "Measure my
// network" from the Measure tab over the same overlay, with a rate limit and dropped pings set on one link.
//
// The overlay is real: the lab's switch-to-configuration TEST DOUBLE hands the service activation of each switch to
// the overlay stand-in (test/lab/overlays.ts registerOverlayOnSwitch, itself a TEST DOUBLE of what a NixOS switch
// starts), which starts Debian's nebula on that host from the flake the deploy uploaded, before the switch returns.
// SSH, the jump host, SFTP, sudo, the pings and the overlay are real; nix, switch-to-configuration, systemd-run and
// systemctl are the lab's test doubles, because NixOS cannot run on the build machines. The server runs in this
// process (serve mode's own server and back end), with a ~/.ssh of the test's own holding the lab's key and host keys.
const sh = promisify(execFile);
const run = shouldRunE2e() && (await shouldRunLab()) && overlayProgramsPresent('the verify end-to-end test');
const arch = nixPlatformOf(process.arch === 'arm64' ? 'aarch64' : 'x86_64') as Machine['arch'];

const pairs = orderedPairs(machines);

describe.runIf(run)('verify after a deploy, on a real Nebula overlay in the SSH lab (Chromium, serve mode)', () => {
  const suite = useLab('verify-e2e', familyLabSpec('cndve'));
  let serve: LabServe;
  let browser: LabBrowser;
  let page: Page;
  let overlay: OverlayOnSwitch;

  /**
   * The family network on the lab, laid out as a person would draw it (vps also Nebula's lighthouse and the vars
   * helper), with the admin's laptop elsewhere; the parents' house drawn as an ordinary home NAT.
   */
  function labDesign(): Design {
    return familyLabDesign(suite.lab, 'nebula', { user: 'sudo', admin: 'laptop', parentsNat: 'nat', arch, layout: true, meta: { clanName: 'labfamily' }, deploy: { varsHelper: 'vps', concurrency: 4 } });
  }

  beforeAll(async () => {
    // The person's ~/.ssh: the lab's key, and the lab's host keys already known (the host-key prompt is deployLab's subject).
    serve = await startLabServe(suite.lab, {
      name: 'verify',
      knownHosts: true,
      deploy: { hasLocalClan: async () => false, timeouts: { retryEvery: 300 } },
      file: 'family.clan-design.json',
      design: labDesign(),
    });
    // From now on each switch on a lab host starts that host's nebula from the flake the deploy uploaded to it.
    overlay = registerOverlayOnSwitch(suite.lab, 'nebula');
    ({ browser, page } = await openLabDesign(serve));
  }, 120_000);

  afterAll(async () => {
    await overlay?.destroy();
    await browser?.close();
    await serve?.close();
  });

  const cell = (from: string, to: string) => page.getByTestId(`verify-cell-${from}-${to}`);
  const statuses = async () => Object.fromEntries(await Promise.all(pairs.map(async ([from, to]) => [`${from} -> ${to}`, await cell(from, to).getAttribute('data-status')] as const)));
  const explain = () => machines.map((m) => `--- ${m}\n${overlay.logTail(m, 6)}`).join('\n');
  const allReached = Object.fromEntries(pairs.map(([from, to]) => [`${from} -> ${to}`, 'reached']));
  /** Pings every pair over the overlay, one at a time (so no two relays are set up at once), until all answer; returns those that did not. */
  const converged = (ms: number) => waitForOverlayPairs(overlay, pairs, ms, { oneAtATime: true });
  /** Waits for a verify to end: the button is back and the tab no longer counts machines. */
  const verifyEnded = async () => {
    await page.getByTestId('verify-start').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('deploy-tab-verify').textContent(), { timeout: 60_000 }).toBe('Verify');
  };

  test('deploy from the Deploy area; each switch starts nebula, and the verify that runs by itself finds every pair reached', async () => {
    await page.getByRole('tab', { name: 'Deploy' }).click();
    await page.getByTestId('deploy-tab-deploy').click();
    await page.getByTestId('plan-deploy').click();
    await page.getByTestId('deploy-plan').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('plan-summary').textContent()).toMatch(/^4 machines will be deployed/);
    await page.getByTestId('deploy-start').click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await page.getByTestId('deploy-summary').waitFor({ timeout: 90_000 });
    expect(await page.getByTestId('deploy-summary-title').textContent(), JSON.stringify(overlay.switches())).toBe('The deploy finished: 4 deployed');
    // Every machine's switch started its daemon from what was deployed, before the switch returned.
    expect(overlay.switches().map((s) => [s.machine, s.outcome]).sort()).toEqual(machines.map((m) => [m, 'started']).sort());
    // The switch said so in the machine's live log, as NixOS's switch names the units it starts.
    await page.getByTestId('run-log-toggle-parents-pi').click();
    expect(await page.getByTestId('run-log-parents-pi').textContent()).toMatch(/starting the following units: nebula@\S+\.service/);

    // The verify starts by itself; the Verify tab shows it live, then the matrix.
    await page.getByTestId('deploy-tab-verify').click();
    await page.getByTestId('verify-report').waitFor({ timeout: 60_000 });
    await verifyEnded();
    expect(await page.getByTestId('verify-history-summary').textContent()).toBe('1 run, newest first');
    const first = await statuses();
    const missed = Object.keys(first).filter((pair) => first[pair] !== 'reached');
    if (missed.length > 0) {
      // The first seconds of a fresh Nebula mesh: the verify starts a second after the lighthouse (switched last, as
      // the public jump host) came up, and pings every pair at the same moment, so every tunnel and every relay of the
      // two homes (the lab's router does not hairpin) is set up from both ends at once. Debian's nebula 1.6.1 loses
      // some of those races ("Handshake race lost", "unknown relay" in the logs): a few pings lost, or a relayed pair
      // with no reply until Nebula tries again. Only that may be missed here: a pair whose daemon does not run, or a
      // machine not logged in to, fails at once. The overlay is then given time to settle and verified again.
      for (const pair of missed) {
        const [from, to] = pair.split(' -> ') as [string, string];
        expect(await cell(from, to).getAttribute('aria-label'), explain()).toMatch(/did not answer the pings from|answered \d+ of \d+ pings from|has no way to .* over the overlay/);
      }
      console.warn(`verifyLab: the verify right after the deploy missed ${missed.map((pair) => `${pair} (${first[pair]})`).join(', ')} while Nebula set its tunnels up; verifying again once the overlay settled`);
      let unsettled = await converged(15_000);
      if (unsettled.length > 0) {
        // A relay nebula 1.6.1 lost can stay lost for minutes. As a person would restart nebula, the lab restarts the
        // daemons, the lighthouse first, so the others register with it as they start (startOverlay's order).
        console.warn(`verifyLab: ${unsettled.join(', ')} still not reached over Nebula; restarting the daemons, the lighthouse first`);
        for (const m of machines) await overlay.stop(m);
        await overlay.start('vps');
        await Promise.all(machines.filter((m) => m !== 'vps').map((m) => overlay.start(m)));
        unsettled = await converged(30_000);
      }
      expect(unsettled, explain()).toEqual([]);
      await page.getByTestId('verify-start').click();
      await page.getByTestId('verify-run').waitFor({ timeout: 10_000 });
      await verifyEnded();
      await expect.poll(() => page.getByTestId('verify-history-summary').textContent(), { timeout: 20_000 }).toBe('2 runs, newest first');
    }
    expect(await statuses(), explain()).toEqual(allReached);
    expect(await page.getByTestId('verify-summary').textContent()).toMatch(/^12 of 12 pairs reached/);
    expect(await page.getByTestId('verify-failing').count()).toBe(0);
    await page.screenshot({ path: screenshotPath('verify-lab-all-reached') });
  }, 150_000);

  test('one pair cut on purpose and verified again from the palette: red in the matrix with its reason, and explained in the failing pairs', async () => {
    // iptables in nas's namespace drops nebula traffic between nas and parents-pi, both ways.
    await overlay.cut('nas', 'parents-pi');
    const runsBefore = Number(/^(\d+) runs?,/.exec((await page.getByTestId('verify-history-summary').textContent()) ?? '')?.[1]);
    await page.locator('.deploy-toolbar').first().click({ position: { x: 2, y: 2 } });
    await page.keyboard.press('Control+k');
    const palette = page.getByTestId('command-palette');
    await palette.waitFor();
    await page.keyboard.type('Verify network');
    await page.keyboard.press('Enter');
    await page.getByTestId('verify-run').waitFor({ timeout: 10_000 });
    await verifyEnded();
    await expect.poll(() => page.getByTestId('verify-history-summary').textContent(), { timeout: 20_000 }).toBe(`${runsBefore + 1} runs, newest first`);

    const expected: Record<string, string> = { ...allReached };
    expected['nas -> parents-pi'] = 'notReached';
    expected['parents-pi -> nas'] = 'notReached';
    expect(await statuses(), explain()).toEqual(expected);
    expect(await cell('nas', 'parents-pi').getAttribute('aria-label')).toContain('"parents-pi" did not answer the pings from "nas" over the overlay (5 of 5 pings lost).');
    expect(await page.getByTestId('verify-summary').textContent()).toMatch(/^10 of 12 pairs reached/);
    const failing = page.getByTestId('verify-failing');
    expect(await failing.locator('h4').textContent()).toBe('2 pairs need attention');
    expect(await page.getByTestId('verify-pair-nas-parents-pi').textContent()).toContain('"parents-pi" did not answer the pings from "nas" over the overlay');
    expect(await page.getByTestId('verify-pair-parents-pi-nas').textContent()).toContain('"nas" did not answer the pings from "parents-pi" over the overlay');
    // The red cell, picked: its whole story under the grid.
    await cell('nas', 'parents-pi').click();
    expect(await page.getByTestId('verify-cell-detail').textContent()).toContain('nas → parents-pi: not reached.');
    expect(await cell('nas', 'parents-pi').locator('xpath=..').getAttribute('aria-selected')).toBe('true');
    await page.screenshot({ path: screenshotPath('verify-lab-red-pair') });
  }, 90_000);

  test('the canvas colours that pair’s line red with the reason as its name, and the others green', async () => {
    await page.getByRole('tab', { name: 'Design' }).click();
    const lines = page.locator('.react-flow__edge-verify');
    await expect.poll(() => lines.count()).toBe(6);
    // Each line draws once both its machines are measured on screen.
    const red = page.locator('.react-flow__edge-verify:has(.verify-edge-notReached)');
    await expect.poll(() => red.count()).toBe(1);
    await expect.poll(() => page.locator('.react-flow__edge-verify:has(.verify-edge-reached)').count()).toBe(5);
    const label = (await red.getAttribute('aria-label')) ?? '';
    expect(label).toMatch(/^Last verify between "(nas" and "parents-pi|parents-pi" and "nas)": not reached\./);
    expect(label).toContain('did not answer the pings from');
    expect(await red.locator('title').textContent()).toBe(label);
    // Drawn in the "bad" colour (--bad of the light theme the browser runs in: #cf222e), dashed, so it is not told by
    // colour alone; the reached lines in the "ok" colour (#1a7f37).
    const look = (line: ReturnType<typeof page.locator>) =>
      line.locator('path.react-flow__edge-path').evaluate((path) => ({ stroke: getComputedStyle(path).stroke, dash: getComputedStyle(path).strokeDasharray }));
    // Polled: the line's class and its style sheet's colours arrive in separate frames.
    await expect.poll(async () => (await look(red)).stroke).toBe('rgb(207, 34, 46)');
    expect((await look(red)).dash).not.toBe('none');
    await expect.poll(async () => (await look(page.locator('.react-flow__edge-verify:has(.verify-edge-reached)').first())).stroke).toBe('rgb(26, 127, 55)');
    await page.screenshot({ path: screenshotPath('verify-lab-canvas') });
  }, 60_000);
  test('Measure my network from the Measure tab over the same overlay: parents-pi’s rate limit and the dropped pings come out as set, beside Nebula’s benchmark figures', async () => {
    // The impairment this kernel offers (no netem): a token bucket of RATE Mbit/s on parents-pi's egress (its veth),
    // so parents-pi → vps runs at most that fast; and vps drops DROP of the echo requests parents-pi sends it over
    // the overlay at random (iptables statistic on vps's nebula interface). The nas–parents-pi cut of the test before
    // does not touch this pair.
    const RATE = 20;
    const DROP = 0.2;
    const pi = overlay.member('parents-pi');
    const vps = overlay.member('vps');
    const inHost = (namespace: string, argv: string[]) => sh('ip', ['netns', 'exec', namespace, ...argv], { timeout: 10_000 });
    const drop = ['INPUT', '-i', vps.interface, '-s', pi.address, '-p', 'icmp', '--icmp-type', 'echo-request', '-m', 'statistic', '--mode', 'random', '--probability', String(DROP), '-j', 'DROP'];
    await inHost(pi.host.namespace, ['tc', 'qdisc', 'replace', 'dev', 'eth0', 'root', 'tbf', 'rate', `${RATE}mbit`, 'burst', '32kbit', 'latency', '50ms']);
    await inHost(vps.host.namespace, ['iptables', '-w', '-I', ...drop]);
    try {
      await page.getByRole('tab', { name: 'Deploy' }).click();
      await page.getByTestId('deploy-tab-measure').click();
      const pairs = page.getByTestId('measure-pairs');
      await pairs.waitFor();
      // The default links: each home's best machine to vps, the public machine the admin's laptop is not.
      expect(await pairs.textContent()).toContain('so the links are measured to "vps": it has a public address.');
      const pick = (from: string) => page.getByTestId(`measure-pick-${from}-vps`);
      expect(await pick('nas').isChecked()).toBe(true);
      expect(await pick('parents-pi').isChecked()).toBe(true);
      // Only parents' link this time (each link takes half a minute).
      await pick('nas').uncheck();
      await page.getByTestId('measure-start').click();
      await page.getByTestId('measure-run').waitFor({ timeout: 10_000 });
      await expect.poll(() => page.getByTestId('deploy-tab-measure').textContent()).toMatch(/^Measure \(measuring \d\/1\)$/);
      await page.screenshot({ path: screenshotPath('measure-lab-running') });
      const pair = page.getByTestId('measure-pair-parents-pi-vps');
      await pair.waitFor({ timeout: 90_000 });
      await expect.poll(() => page.getByTestId('deploy-tab-measure').textContent(), { timeout: 20_000 }).toBe('Measure');

      const yours = async (row: string) => Number.parseFloat((await pair.getByTestId(`measure-row-${row}`).locator('.measure-yours .value').textContent()) ?? '');
      const forward = await yours('tcp-forward');
      const loss = await yours('pingLoss-ping');
      const figures = `forward ${forward} Mbit/s, loss ${loss} % (${await pair.textContent()})`;
      // Throughput: 70 to 105 % of the bucket's rate, as in test/integration/measure.lab.test.ts (which says why:
      // TCP through a small bucket, slow start, ACKs queued behind the other direction; payload only, ~96.5 % of line
      // rate at most), here with Nebula's own headers inside the same bucket.
      expect(forward, figures).toBeGreaterThanOrEqual(RATE * 0.7);
      expect(forward, figures).toBeLessThanOrEqual(RATE * 1.05);
      // Loss: the app sends 100 pings by default; lost ones are binomial(100, 0.2): 4 points of standard deviation,
      // so the band is 20 % ± 4 standard deviations (4 to 36 %), which a correct measurement leaves once in 16,000 runs.
      expect(loss, figures).toBeGreaterThanOrEqual(4);
      expect(loss, figures).toBeLessThanOrEqual(36);
      // Beside the benchmark's figures of the same VPN at the closest profile, with the leaderboard's cells.
      expect(await pair.locator('thead').textContent()).toMatch(/Nebula, (baseline|low|medium|high) profile/);
      expect(await pair.getByTestId('measure-benchmark-cell').count()).toBe(4);
      expect(await pair.getByTestId('measure-profile').textContent()).toMatch(/loss/);
      expect(await pair.getByTestId('measure-sentence').textContent()).toMatch(/^(Your link|The round trip)/);
      expect(await page.getByTestId('measure-history-summary').textContent()).toBe('1 run, newest first');
      await pair.scrollIntoViewIfNeeded();
      await page.screenshot({ path: screenshotPath('measure-lab-result') });
    } finally {
      await inHost(vps.host.namespace, ['iptables', '-w', '-D', ...drop]).catch(() => undefined);
      await inHost(pi.host.namespace, ['tc', 'qdisc', 'del', 'dev', 'eth0', 'root']).catch(() => undefined);
    }
  }, 150_000);
});
