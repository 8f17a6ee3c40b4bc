import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { designBuilder } from '../../src/shared/model/designBuilder';
import type { Design } from '../../src/shared/model/types';
import { generateClan, manifestPath, parseManifest } from '../../src/shared/nix/generate';
import { sha256Hex } from '../../src/shared/nix/hash';
import { serializeDesign } from '../../src/shared/schema/envelope';
import { closedPort, launchBrowser, screenshotPath, shouldRunE2e, startServe, type ServeProcess } from './support';

// Plan deploy, Deploy… and the history in Chromium against serve mode, without the SSH lab: every SSH address in the
// design is on loopback, so nothing the app does here can reach another computer. One machine's address is a TCP
// listener of this test that counts connections and closes them (an SSH server that hangs up), one machine has no SSH
// address at all, and one sits behind CGNAT with no way in (its address is a closed loopback port, in case anything
// tried it). The server runs with a HOME of its own: a throwaway key so that connections are attempted, no
// ~/.ssh/config that could add a ProxyJump, no agent, so loopback is all there is. No VPN is chosen, so no vars
// helper is involved: the lab's deploy test covers the vars.
const run = shouldRunE2e();

/** A TCP server on loopback that accepts connections and closes them at once, counting them. */
async function hangUpServer(): Promise<{ server: Server; port: number; connections: () => number }> {
  let count = 0;
  const server = createServer((socket) => {
    count += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { server, port: address.port, connections: () => count };
}

describe.runIf(run)('Plan deploy, Deploy… and the history (Chromium, serve mode, loopback only)', () => {
  let serve: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let home: string;
  let hangUp: Awaited<ReturnType<typeof hangUpServer>>;
  let design: Design;

  beforeAll(async () => {
    hangUp = await hangUpServer();
    const refused = await closedPort();
    const b = designBuilder();
    const homeSite = b.site('Home', 'nat');
    const grandma = b.site('Grandma', 'cgnat');
    b.machine('nas', homeSite, 'nas', { ssh: { host: '127.0.0.1', port: hangUp.port, user: 'admin' } });
    b.machine('pi', homeSite, 'sbc', { ssh: null });
    b.machine('tablet', grandma, 'sbc', { ssh: { host: '127.0.0.1', port: refused, user: 'admin' } });
    b.admin(homeSite);
    design = b.design;
    for (const m of Object.values(design.machines)) expect(m.ssh === null || m.ssh.host === '127.0.0.1').toBe(true);

    home = mkdtempSync(join(tmpdir(), 'cnd-e2e-deploy-home-'));
    mkdirSync(join(home, '.ssh'), { mode: 0o700 });
    execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'cnd-e2e', '-f', join(home, '.ssh', 'id_ed25519')]);
    serve = await startServe([], { HOME: home, SSH_AUTH_SOCK: '' });
    writeFileSync(join(serve.workspaceDir, 'family.clan-design.json'), serializeDesign(design, '0.0.0'));
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.setViewportSize({ width: 1440, height: 900 });
    await page.goto(serve.pairingUrl);
    await page.getByTestId('wizard').waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.keyboard.press('Control+o');
    // The file's date is written as every date of the app is (medium date, short time, the browser's locale).
    const modified = statSync(join(serve.workspaceDir, 'family.clan-design.json')).mtimeMs;
    const written = await page.evaluate((ms) => new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' }).format(ms), modified);
    expect(await page.getByTestId('open-family').locator('.meta').last().textContent()).toBe(written);
    await page.getByTestId('open-family').click();
    await page.locator('.react-flow__node-machine').first().waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
    await new Promise((resolve) => hangUp?.server.close(resolve));
    if (home !== undefined) rmSync(home, { recursive: true, force: true });
  });

  test('Plan deploy shows the way, the waves, blocked machines with what to do, and the exact commands', async () => {
    // From the palette, as a person who does not know where the button is would.
    await page.keyboard.press('Control+k');
    await page.locator('.palette-input').fill('plan deploy');
    await page.keyboard.press('Enter');
    await page.getByTestId('deploy-plan').waitFor();
    expect(await page.getByTestId('deploy-tab-deploy').getAttribute('aria-selected')).toBe('true');

    // The plan tried the one machine with an answering address, on loopback, and asked nothing.
    expect(hangUp.connections()).toBeGreaterThanOrEqual(1);
    expect(await page.getByTestId('host-key-prompt').count()).toBe(0);

    expect(await page.getByTestId('plan-way').textContent()).not.toBe('');
    // Behind CGNAT with no jump host: not deployed, with the reason and what to do.
    const tablet = page.getByTestId('plan-not-deployable').getByTestId('plan-machine-tablet');
    expect(await tablet.getAttribute('data-blocked')).toBe('true');
    expect(await tablet.getByTestId('plan-blocked').textContent()).toMatch(/no port forward or jump host.*What to do:/s);
    // The answering address hung up: the plan says it could not read the machine, and the deploy will try again.
    const nas = page.getByTestId('plan-machine-nas');
    expect(await nas.textContent()).toContain('The plan could not read the machine');
    expect(await nas.textContent()).toContain('Which files change is not known yet');
    // No SSH address: blocked in the plan, saying where to enter one.
    const pi = page.getByTestId('plan-machine-pi');
    expect(await pi.getAttribute('data-blocked')).toBe('true');
    expect(await pi.getByTestId('plan-blocked').textContent()).toMatch(/no SSH address in the design.*What to do:.*inspector/s);
    expect(await page.getByTestId('plan-summary').textContent()).toMatch(/1 machine will be deployed in 1 wave, up to 4 at a time; 2 are not deployed\. .*within 90 s/);

    // The exact commands, one argument per shell word: the argument with a space is quoted.
    await nas.getByText(/steps, with the exact commands/).click();
    const build = nas.getByTestId('plan-step-build').getByTestId('plan-command');
    expect(await build.textContent()).toContain("--extra-experimental-features 'nix-command flakes'");
    expect(await build.textContent()).toContain('nixosConfigurations."nas".config.system.build.toplevel');
    await page.screenshot({ path: screenshotPath('deploy-plan') });

    // A machine's name shows it on the canvas.
    await tablet.getByRole('button', { name: 'tablet' }).click();
    await expect.poll(() => page.getByTestId('machine-tablet').getAttribute('class')).toContain('selected');
    await page.getByRole('tab', { name: 'Deploy' }).click();
    await page.getByTestId('deploy-plan').waitFor();
  });

  test('Deploy… says what will happen and asks; the run ends with a summary that explains every machine', async () => {
    await page.getByTestId('deploy-start').click();
    const dialog = page.getByTestId('confirm-dialog');
    await dialog.waitFor();
    const asked = (await dialog.textContent()) ?? '';
    expect(asked).toMatch(/^Deploy to \d machines?\?/);
    expect(asked).toContain('family.clan first');
    expect(asked).toMatch(/Wave 1 \(.*\): nas/);
    expect(asked).toMatch(/Not deployed: .*tablet/);
    expect(asked).toMatch(/Not deployed: .*pi/);
    expect(asked).toContain('switches back to its previous system by itself unless the app confirms the switch within 90 s');
    await page.screenshot({ path: screenshotPath('deploy-confirm') });
    await dialog.getByRole('button', { name: 'Continue' }).click();

    await page.getByTestId('deploy-run').waitFor();
    await page.getByTestId('deploy-summary').waitFor({ timeout: 60_000 });
    await page.screenshot({ path: screenshotPath('deploy-summary-nothing-deployed') });
    const title = (await page.getByTestId('deploy-summary-title').textContent()) ?? '';
    // Nothing could be deployed: the one machine with an address hung up; pi has no SSH address and tablet no way
    // in, so the plan left both out.
    expect(title).toBe('The deploy finished: 1 failed, 2 skipped');
    expect(title).not.toMatch(/\d deployed/);
    const summary = page.getByTestId('deploy-summary');
    const status = (name: string) => summary.getByTestId(`summary-${name}`).getAttribute('data-status');
    expect(await status('nas')).toBe('failed');
    expect(await summary.getByTestId('summary-nas').textContent()).toContain('What to do:');
    expect(await status('pi')).toBe('skipped');
    expect(await summary.getByTestId('summary-pi').textContent()).toContain('no SSH address');
    expect(await status('tablet')).toBe('skipped');
    expect(await summary.getByTestId('summary-tablet').textContent()).toMatch(/no port forward or jump host.*What to do:/s);
    // The machines with a problem come first.
    const order = await summary.locator('[data-testid^="summary-"][data-status]').evaluateAll((els) => els.map((e) => e.getAttribute('data-status')));
    expect([order[0], order.at(-1)]).toEqual(['failed', 'skipped']);
    expect(await page.getByTestId('summary-next').textContent()).not.toBe('');
    expect(await page.getByTestId('deploy-run-progress').getAttribute('value')).toBe('1');
    await page.getByTestId('deploy-run').getByText(/Log of the whole run/).click();
    expect(await page.getByTestId('run-log-job').textContent()).toContain('Done:');
    // The record is kept beside the design.
    expect(readdirSync(join(serve.workspaceDir, 'family.deploys'))).toHaveLength(1);
  });

  test('the history lists the run; opening it shows its summary, logs and plan', async () => {
    await page.getByTestId('deploy-tab-history').click();
    await expect.poll(() => page.getByTestId('history-summary').textContent()).toBe('1 deploy, newest first');
    const entry = page.locator('[data-testid^="history-2"]');
    expect(await entry.count()).toBe(1);
    expect(await entry.textContent()).toContain('The deploy finished');
    expect(await entry.textContent()).toContain('1 failed, 2 skipped');
    await entry.getByRole('button').click();
    await page.getByTestId('history-entry').waitFor();
    expect(await page.getByTestId('history-entry').getByTestId('summary-tablet').getAttribute('data-status')).toBe('skipped');
    await page.getByTestId('history-log-button-deploy').click();
    expect(await page.getByTestId('history-log-deploy').textContent()).toContain('Done:');
    await page.screenshot({ path: screenshotPath('deploy-history-entry') });
    await page.getByTestId('history-back').click();
    await page.getByTestId('deploy-history').waitFor();
  });

  test('the canvas says when the design changed since the last successful deploy', async () => {
    // A deploy that deployed nothing is no reference: no marker.
    await page.getByRole('tab', { name: 'Design' }).click();
    await page.waitForTimeout(800);
    expect(await page.getByTestId('deploy-marker').count()).toBe(0);

    // The record a successful deploy of this very design leaves: the checksums of the files it put on the machines.
    const generated = generateClan(design);
    if (!generated.ok) throw new Error('the test design does not generate');
    const flakeFiles: Record<string, string> = { ...parseManifest(generated.value.files[manifestPath]!)!.files, 'flake.lock': 'f'.repeat(64), 'vars/per-machine/nas/x/value': 'e'.repeat(64) };
    flakeFiles[manifestPath] = sha256Hex(generated.value.files[manifestPath]!);
    const runId = '2020-01-01t00-00-00-000z-abcdef';
    const folder = join(serve.workspaceDir, 'family.deploys', runId);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'plan.json'), JSON.stringify({ flakeFiles }));
    writeFileSync(
      join(folder, 'result.json'),
      JSON.stringify({
        kind: 'clan-designer-deploy',
        version: 1,
        runId,
        startedAt: Date.UTC(2020, 0, 1),
        finishedAt: Date.UTC(2020, 0, 1, 0, 5),
        outcome: 'finished',
        way: 'onMachine',
        vars: { status: 'made', helper: 'nas', message: 'Made.' },
        machines: [{ machineId: 'x', name: 'nas', status: 'deployed', step: null, message: 'Deployed.', whatToDo: null, system: null, previousSystem: null, startedAt: 1, finishedAt: 2 }],
        nextSteps: [],
      }),
    );
    // The history is read again when it is shown.
    await page.getByRole('tab', { name: 'Deploy' }).click();
    await page.keyboard.press('Control+k');
    await page.locator('.palette-input').fill('deploy history');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('history-summary').textContent()).toBe('2 deploys, newest first');

    // The design generates what was deployed: no marker.
    await page.getByRole('tab', { name: 'Design' }).click();
    await page.waitForTimeout(800);
    expect(await page.getByTestId('deploy-marker').count()).toBe(0);

    // A change that changes the configuration: the marker appears; undo takes it away again.
    // Select pi the way the plan does (its name shows it on the canvas), then duplicate it.
    await page.getByRole('tab', { name: 'Deploy' }).click();
    await page.getByTestId('deploy-tab-deploy').click();
    await page.getByTestId('deploy-switch-view').click();
    await page.getByTestId('plan-machine-pi').getByRole('button', { name: 'pi', exact: true }).click();
    await expect.poll(() => page.getByTestId('machine-pi').getAttribute('class')).toContain('selected');
    await page.keyboard.press('Control+d');
    await page.getByTestId('deploy-marker').waitFor();
    expect(await page.getByTestId('deploy-marker').textContent()).toContain('Changed since the last deploy');
    await page.screenshot({ path: screenshotPath('deploy-marker') });
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('Control+z');
    await page.getByTestId('deploy-marker').waitFor({ state: 'detached' });
  });
});
