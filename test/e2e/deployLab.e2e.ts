import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { nixPlatformOf } from '../../src/shared/check';
import { designBuilder } from '../../src/shared/model/designBuilder';
import type { Design, Machine, MachineId } from '../../src/shared/model/types';
import { shouldRunLab, type LabSpec } from '../lab/lab';
import { useLab } from '../lab/suite';
import { openLabDesign, startLabServe, type LabBrowser, type LabServe } from './labServe';
import { screenshotPath, shouldRunE2e } from './support';

// The acceptance journey of deploying, in Chromium against serve mode and the SSH lab's NixOS stand-in hosts
// (test/lab/nixos.ts): plan, deploy with the host keys asked in the browser, watch live logs and progress, see one
// machine fail (its build) and one roll back (its link drops right after the switch, and its own watchdog switches it
// back), read the summary, find the run in the history, and see the canvas mark a design that changed since.
//
// SSH, the jump host, SFTP with checksums, sudo, parallelism and the logs are real; nix, nix-env,
// switch-to-configuration, systemd-run and systemctl are the lab's TEST DOUBLES, because NixOS cannot run on the build
// machines. The server runs in this process (serve mode's own server and back end) so the deploy's rollback time
// limit can be 6 s instead of the design's lowest, 30 s; the person's ~/.ssh is a folder of the test's own with the
// lab's key, an empty known_hosts and no agent.
const run = shouldRunE2e() && (await shouldRunLab());
const arch = nixPlatformOf(process.arch === 'arm64' ? 'aarch64' : 'x86_64') as Machine['arch'];

const spec: LabSpec = {
  sites: [
    { name: 'office', nat: false },
    { name: 'home', nat: true },
  ],
  hosts: [
    { name: 'bastion', site: 'office', bastion: true, nixos: true },
    { name: 'alpha', site: 'office', nixos: true },
    { name: 'gamma', site: 'home', nixos: true },
    { name: 'delta', site: 'home', nixos: true },
  ],
};

const CONFIRM_SECONDS = 6;

describe.runIf(run)('deploy against the SSH lab’s NixOS stand-ins (Chromium, serve mode)', () => {
  const suite = useLab('deploy-e2e', spec);
  const standIn = (name: string) => suite.lab.host(name).nixos!;
  let serve: LabServe;
  let browser: LabBrowser;
  let page: Page;

  /** The lab as a family network: the office is public (alpha the Nebula lighthouse and vars helper), home behind NAT through the bastion. */
  function labDesign(): Design {
    const b = designBuilder();
    const laptop = b.site('Laptop', 'nat');
    const office = b.site('Office', 'public');
    const homeSite = b.site('Home', 'nat');
    const ids: Record<string, MachineId> = {};
    const machine = (name: string, site: ReturnType<typeof b.site>) => {
      const host = suite.lab.host(name);
      ids[name] = b.machine(name, site, 'server', { arch, ssh: { host: host.address, port: host.port, user: suite.lab.users.sudo.name }, publicAddress: site === office ? host.address : null });
      return ids[name]!;
    };
    const bastion = machine('bastion', office);
    machine('alpha', office);
    for (const name of ['gamma', 'delta']) b.link('jumpHost', bastion, machine(name, homeSite));
    b.admin(laptop);
    const withVpn = b.vpn('nebula');
    const roles = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name === 'alpha' ? ['lighthouse'] : ['peer']]));
    return { ...withVpn, meta: { ...withVpn.meta, clanName: 'labfamily' }, vpn: { ...withVpn.vpn, roles }, deploy: { ...withVpn.deploy, varsHelper: ids.alpha!, concurrency: 2 } };
  }

  beforeAll(async () => {
    serve = await startLabServe(suite.lab, {
      name: 'deploy',
      knownHosts: false,
      deploy: { hasLocalClan: async () => false, confirmSeconds: CONFIRM_SECONDS, timeouts: { retryEvery: 300, rollbackGrace: 1_000, afterRollback: 20_000, build: 30_000 } },
      file: 'lab.clan-design.json',
      design: labDesign(),
    });

    // delta's build fails; gamma's new configuration takes its link down right after the switch; alpha builds slowly,
    // so the live view can be seen while it works.
    await standIn('delta').setFault({ kind: 'buildFails', message: 'error: undefined variable "nebulaPort" at machines/delta/configuration.nix:12' });
    await standIn('gamma').setFault({ kind: 'linkDropsOnSwitch' });
    await standIn('alpha').setFault({ kind: 'buildTakes', seconds: 8 });

    ({ browser, page } = await openLabDesign(serve));
  }, 120_000);

  afterAll(async () => {
    for (const name of ['alpha', 'gamma', 'delta']) await standIn(name)?.clearFaults();
    await browser?.close();
    await serve?.close();
  });

  test('the plan shows the waves, the vars helper and the commands; unknown host keys leave machines unread, never asked', async () => {
    await page.getByRole('tab', { name: 'Deploy' }).click();
    await page.getByTestId('deploy-tab-deploy').click();
    await page.getByTestId('plan-deploy').click();
    await page.getByTestId('deploy-plan').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('host-key-prompt').count()).toBe(0);
    expect(await page.getByTestId('plan-summary').textContent()).toMatch(/^4 machines will be deployed in 3 waves, up to 2 at a time\. .*confirms the switch within \d+ s/);
    expect(await page.getByTestId('plan-vars').textContent()).toContain('Made on the vars helper alpha');
    expect(await page.getByTestId('plan-wave-1').textContent()).toMatch(/Behind a jump host.*delta.*gamma/s);
    expect(await page.getByTestId('plan-machine-gamma').textContent()).toContain("Needs bastion (its jump host, deployed after this machine) and alpha (the VPN's lighthouse, deployed after this machine).");
    // Strict host keys in a dry run: the machines were not read, and the plan says so.
    expect(await page.getByTestId('plan-machine-alpha').textContent()).toContain('The plan could not read the machine');
    await page.getByTestId('plan-machine-alpha').getByText(/steps, with the exact commands/).click();
    await page.getByTestId('plan-machine-alpha').getByTestId('plan-step-build').scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('deploy-lab-plan') });
  }, 60_000);

  test('deploy: host keys asked in the browser, live progress and logs, then one failure and one rollback explained', async () => {
    await page.getByTestId('deploy-start').click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor();
    expect(await dialog.textContent()).toMatch(/Wave 1 \(behind a jump host\): delta and gamma.*unless the app confirms the switch within \d+ s/s);
    await dialog.getByRole('button', { name: 'Continue' }).click();
    await page.getByTestId('deploy-run').waitFor();

    // Each new host key is asked about in the browser, with its fingerprint; trust them all (this is a lab).
    const fingerprints = new Set(Object.values(suite.lab.hosts).map((h) => h.hostKeyFingerprint));
    let screenshotOfRun = false;
    const seen: string[] = [];
    // Reads that never wait long: a missing element must not hold the loop (Playwright would wait 30 s for it).
    const quick = { timeout: 500 };
    const alphaNow = async () => ({
      status: await page.getByTestId('run-alpha').getAttribute('data-status', quick).catch(() => null),
      step: (await page.getByTestId('run-step-alpha').textContent(quick).catch(() => '')) ?? '',
    });
    const started = Date.now();
    while ((await page.getByTestId('deploy-summary').count()) === 0) {
      if (Date.now() - started > 150_000) throw new Error('the deploy did not end within 150 s');
      if (await page.getByTestId('host-key-prompt').isVisible().catch(() => false)) {
        const fingerprint = (await page.getByTestId('host-key-fingerprint').textContent(quick).catch(() => '')) ?? '';
        if (fingerprint !== '') expect(fingerprints.has(fingerprint)).toBe(true);
        await page.getByTestId('host-key-trust').click({ timeout: 2_000 }).catch(() => undefined);
        continue;
      }
      // While alpha builds (slowly, by the lab's switch): its log open, the run's progress part way.
      const alpha = await alphaNow();
      if (seen.at(-1) !== `${alpha.status} ${alpha.step}`) seen.push(`${alpha.status} ${alpha.step}`);
      if (!screenshotOfRun && alpha.status === 'running' && alpha.step.startsWith('Step 4')) {
        await page.getByTestId('run-log-toggle-alpha').click();
        await page.waitForTimeout(1_500);
        const value = Number(await page.getByTestId('deploy-run-progress').getAttribute('value'));
        expect(value).toBeGreaterThan(0);
        expect(value).toBeLessThan(1);
        expect(await page.getByTestId('run-line-alpha').textContent()).toBe('Build the system on the machine');
        expect(await page.getByTestId('deploy-tab-deploy').textContent()).toMatch(/^Deploy \(deploying \d\/4\)$/);
        await page.screenshot({ path: screenshotPath('deploy-lab-running') });
        screenshotOfRun = true;
      }
      await page.waitForTimeout(150);
    }
    expect(screenshotOfRun, seen.join(' | ')).toBe(true);

    const summary = page.getByTestId('deploy-summary');
    expect(await page.getByTestId('deploy-summary-title').textContent()).toBe('The deploy finished: 2 deployed, 1 failed, 1 rolled back');
    const status = (name: string) => summary.getByTestId(`summary-${name}`).getAttribute('data-status');
    expect([await status('alpha'), await status('bastion'), await status('delta'), await status('gamma')]).toEqual(['deployed', 'deployed', 'failed', 'rolledBack']);
    expect(await summary.getByTestId('summary-delta').textContent()).toMatch(/build.*What to do:/s);
    expect(await summary.getByTestId('summary-gamma').textContent()).toMatch(/watchdog.*What to do: .*way in/s);
    expect(await page.getByTestId('summary-vars').textContent()).toContain('Vars made on alpha');
    expect(await page.getByTestId('summary-next').textContent()).toContain('delta');
    // delta's log has the build error as the machine printed it.
    await page.getByTestId('run-log-toggle-delta').click();
    expect(await page.getByTestId('run-log-delta').textContent()).toContain('undefined variable "nebulaPort"');
    await page.screenshot({ path: screenshotPath('deploy-lab-summary') });
    // What the doubles saw: gamma is back on its previous system, with its link up again.
    expect(await standIn('gamma').isLinkUp()).toBe(true);
  }, 200_000);

  test('the history lists the run with its counts; opening it shows the rollback in gamma’s log', async () => {
    await page.getByTestId('deploy-tab-history').click();
    await expect.poll(() => page.getByTestId('history-summary').textContent()).toBe('1 deploy, newest first');
    const entry = page.locator('.history-item');
    expect(await entry.textContent()).toContain('2 deployed, 1 failed, 1 rolled back');
    await entry.getByRole('button').click();
    await page.getByTestId('history-log-button-gamma').click();
    expect(await page.getByTestId('history-log-gamma').textContent()).toContain('watchdog');
    await page.screenshot({ path: screenshotPath('deploy-lab-history') });
    expect(readdirSync(join(serve.workspace, 'lab.deploys'))).toHaveLength(1);
  }, 60_000);

  test('the canvas marks the design once it no longer generates what was deployed', async () => {
    await page.getByRole('tab', { name: 'Design' }).click();
    await page.waitForTimeout(800);
    expect(await page.getByTestId('deploy-marker').count()).toBe(0);
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('Shift+L');
    await page.getByRole('tab', { name: 'Deploy' }).click();
    await page.getByTestId('deploy-tab-deploy').click();
    await page.getByTestId('deploy-switch-view').click();
    await page.getByTestId('plan-machine-delta').getByRole('button', { name: 'delta', exact: true }).click();
    await page.keyboard.press('Control+d');
    await page.getByTestId('deploy-marker').waitFor();
    await page.keyboard.press('Shift+1');
    await page.waitForTimeout(500);
    await page.screenshot({ path: screenshotPath('deploy-lab-marker') });
  }, 60_000);
});
