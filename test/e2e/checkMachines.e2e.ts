import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { designBuilder } from '../../src/shared/model/designBuilder';
import type { Machine } from '../../src/shared/model/types';
import { nixPlatformOf } from '../../src/shared/check';
import { serializeDesign } from '../../src/shared/schema/envelope';
import { createLab, defaultLabSpec, destroyLeftovers, shouldRunLab, type Lab } from '../lab/lab';
import { openApp, openDesignFile, screenshotPath, shouldRunE2e, type OpenApp, type ServeProcess } from './support';

// "Check machines" end to end: the app in Chromium (serve mode) checks a design whose six machines are the SSH lab's
// real sshd servers (test/lab/lab.ts), three in a public office site and three behind NAT reached through the
// bastion. The server runs with its own HOME, whose ~/.ssh/config names the two lab keys and whose known_hosts starts
// empty, so every host key is asked about in the browser.
const run = shouldRunE2e() && (await shouldRunLab());

const arch = nixPlatformOf(process.arch === 'arm64' ? 'aarch64' : 'x86_64') as Machine['arch'];

describe.runIf(run)('Check machines against the SSH lab (Chromium, serve mode)', () => {
  let lab: Lab;
  let home: string;
  let app: OpenApp;
  let serve: ServeProcess;
  let page: Page;

  beforeAll(async () => {
    await destroyLeftovers();
    lab = await createLab(defaultLabSpec);
    home = mkdtempSync(join(tmpdir(), 'cnd-e2e-home-'));
    const ssh = join(home, '.ssh');
    mkdirSync(ssh, { mode: 0o700 });
    copyFileSync(lab.users.plain.privateKeyPath, join(ssh, 'lab_plain'));
    copyFileSync(lab.users.sudo.privateKeyPath, join(ssh, 'lab_sudo'));
    writeFileSync(join(ssh, 'config'), ['Host *', '  IdentityFile ~/.ssh/lab_sudo', '  IdentityFile ~/.ssh/lab_plain', '  IdentitiesOnly yes', ''].join('\n'));

    const b = designBuilder();
    const laptop = b.site('Laptop', 'nat');
    const office = b.site('office', 'public');
    const homeSite = b.site('home', 'nat');
    const machine = (name: string, site: typeof office, user: string) => {
      const host = lab.host(name);
      return b.machine(name, site, 'server', { arch, ssh: { host: host.address, port: host.port, user } });
    };
    const bastion = machine('bastion', office, lab.users.plain.name);
    machine('alpha', office, lab.users.sudo.name);
    machine('beta', office, lab.users.plain.name);
    for (const name of ['gamma', 'delta', 'epsilon']) b.link('jumpHost', bastion, machine(name, homeSite, lab.users.plain.name));
    b.admin(laptop);

    app = await openApp({ wizard: 'close', env: { HOME: home, SSH_AUTH_SOCK: '' } });
    ({ serve, page } = app);
    await page.setViewportSize({ width: 1440, height: 900 });
    writeFileSync(join(serve.workspaceDir, 'lab.clan-design.json'), serializeDesign(b.design, '0.0.0'));
    await openDesignFile(page, 'lab');
  });

  afterAll(async () => {
    await app?.close();
    await lab?.destroy();
    if (home !== undefined) rmSync(home, { recursive: true, force: true });
  });

  const status = (name: string) => page.getByTestId(`check-${name}`).getAttribute('data-status');
  /** What the list says about a machine: its row, and the problem above the list when the row points to it. */
  const problemOf = async (name: string) => {
    const row = (await page.getByTestId(`check-${name}`).textContent()) ?? '';
    return row.includes('the problem above.') ? `${row} ${(await page.getByTestId('check-common').allTextContents()).join(' ')}` : row;
  };

  test('asks about each new host key with its fingerprint, then shows every machine’s findings', async () => {
    await page.getByRole('tab', { name: 'Deploy' }).click();
    await page.getByTestId('deploy-tab-machines').click();
    expect(await page.getByTestId('check-summary').textContent()).toContain('Not checked yet');
    await page.getByTestId('check-machines').click();

    // Six machines, six keys: each is asked about once; epsilon's is refused.
    const fingerprints = Object.fromEntries(Object.values(lab.hosts).map((h) => [h.hostKeyFingerprint, h.name]));
    const asked: string[] = [];
    for (let i = 0; i < 6; i += 1) {
      await page.getByTestId('host-key-prompt').waitFor();
      const fingerprint = (await page.getByTestId('host-key-fingerprint').textContent()) ?? '';
      const name = fingerprints[fingerprint];
      expect(name, `fingerprint ${fingerprint} is a lab host's`).toBeDefined();
      asked.push(name!);
      expect(await page.getByTestId('host-key-prompt').textContent()).toContain(`“${name}”`);
      if (i === 0) await page.screenshot({ path: screenshotPath('check-host-key-prompt') });
      await page.getByTestId(name === 'epsilon' ? 'host-key-reject' : 'host-key-trust').click();
      // The next question (several machines connect at once) replaces this one, or the dialog closes.
      // Read in one step in the page: a dialog that closes between two separate reads would leave the second one
      // waiting for an element that is gone.
      await expect.poll(() => page.evaluate(() => document.querySelector('[data-testid="host-key-fingerprint"]')?.textContent ?? 'closed')).not.toBe(fingerprint);
    }
    expect(asked.sort()).toEqual(['alpha', 'bastion', 'beta', 'delta', 'epsilon', 'gamma']);

    await expect.poll(() => page.getByTestId('check-summary').textContent()).toMatch(/^Last checked .* · 0 of 6 ready$/);
    // Debian, not NixOS: every reachable machine is "not ready", with the install hint.
    for (const name of ['bastion', 'alpha', 'beta', 'gamma', 'delta', 'epsilon']) expect(await status(name)).toBe('error');
    expect(await page.getByTestId('check-gamma').textContent()).toContain('via bastion');
    expect(await problemOf('alpha')).toContain('is not NixOS');
    // Said once for the five machines that run Debian, as found on the first of them; each row says it answered.
    expect(await page.getByTestId('check-common').first().textContent()).toMatch(/^\d of 6 machines have the same problem; as found on “[\w-]+”: .*is not NixOS/);
    expect(await page.getByTestId('check-alpha').locator('.check-summary').textContent()).toMatch(/answered.*; the problem above\.$/);
    expect(await problemOf('epsilon')).toContain('You chose not to trust the key');

    await page.getByTestId('check-alpha').getByRole('button', { name: 'Details' }).click();
    const alpha = page.getByTestId('check-alpha');
    expect(await alpha.getByTestId('finding-reachable').getAttribute('class')).toContain('finding-ok');
    expect(await alpha.getByTestId('finding-root').textContent()).toContain('without a password');
    expect(await alpha.getByTestId('finding-nixos').textContent()).toContain('clan machines install alpha --target-host');
    // The key was only just trusted in this browser, and the check says so (not that it matched known_hosts).
    expect(await alpha.getByTestId('finding-hostKey').textContent()).toContain(`was seen for the first time and trusted, and is now recorded in known_hosts`);
    await page.screenshot({ path: screenshotPath('check-results') });

    // The deploy order says whether the check confirmed each predicted way in, apart from being ready or not.
    const reach = (name: string) => page.getByTestId(`order-reach-${name}`);
    expect(await reach('alpha').getAttribute('data-reach-state')).toBe('confirmed');
    expect(await reach('alpha').textContent()).toContain('answered directly');
    expect(await reach('gamma').getAttribute('data-reach-state')).toBe('confirmed');
    expect(await reach('gamma').textContent()).toContain('through "bastion"');
    expect(await reach('epsilon').getAttribute('data-reach-state')).toBe('answered');
    expect(await reach('epsilon').textContent()).toContain('host key was not accepted');
    expect(await page.getByTestId('deploy-reach-summary').textContent()).toContain('confirmed the way in to 6 of 6 machines');

    // Kept with the project, next to the design file.
    const kept = JSON.parse(readFileSync(join(serve.workspaceDir, 'lab.check.json'), 'utf8')) as { machines: { name: string; status: string }[] };
    expect(kept.machines.map((m) => m.name).sort()).toEqual(['alpha', 'bastion', 'beta', 'delta', 'epsilon', 'gamma']);
    expect(kept.machines.every((m) => m.status === 'error')).toBe(true);
    // The trusted keys went to the server user's known_hosts, hashed; the refused one did not.
    const knownHosts = readFileSync(join(home, '.ssh', 'known_hosts'), 'utf8');
    expect(knownHosts.trim().split('\n')).toHaveLength(5);
    expect(knownHosts).not.toContain(lab.host('alpha').address);
    expect(knownHosts).not.toContain(lab.host('epsilon').hostKeyBase64);
  });

  test('the canvas shows each machine’s check result, and the last check comes back after a reload', async () => {
    await page.getByRole('tab', { name: 'Design' }).click();
    await expect.poll(() => page.locator('.react-flow__node-machine [data-check-status="error"]').count()).toBe(6);
    // The test design has no positions of its own: lay it out (Shift+L), then fit it, to see every machine.
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('Shift+L');
    await page.waitForTimeout(800);
    await page.keyboard.press('Shift+1');
    await page.waitForTimeout(400);
    await page.screenshot({ path: screenshotPath('check-canvas-badges') });

    // A new window: open the design again, and its last check comes with it.
    await page.reload();
    await page.locator('.react-flow__pane').waitFor();
    if ((await page.getByTestId('wizard').count()) > 0) await page.getByRole('button', { name: 'Cancel' }).click();
    await page.screenshot({ path: screenshotPath('check-after-reload') });
    await page.keyboard.press('Control+o');
    await page.getByTestId('open-lab').click();
    await page.getByRole('tab', { name: 'Deploy' }).click();
    await page.getByTestId('deploy-tab-machines').click();
    await expect.poll(() => page.getByTestId('check-summary').textContent()).toMatch(/^Last checked/);
    expect(await status('epsilon')).toBe('error');
  });

  test('strict mode refuses the key that was never trusted without asking, and a check can be cancelled', async () => {
    await page.getByTestId('host-key-mode').selectOption('strict');
    await page.getByTestId('check-machines').click();
    await expect.poll(() => page.getByTestId('check-summary').textContent()).toMatch(/^Last checked .* · 0 of 6 ready$/);
    expect(await page.getByTestId('host-key-prompt').count()).toBe(0);
    expect(await problemOf('epsilon')).toContain('strict host key checking is on');
    expect(await problemOf('beta')).toContain('is not NixOS');

    // A host that hangs: its link is down, so the check waits for its time limit; cancel ends it at once.
    await lab.host('delta').linkDown();
    try {
      await page.getByTestId('check-machines').click();
      await expect.poll(() => status('beta')).toBe('error');
      const started = Date.now();
      await page.getByTestId('cancel-check').click();
      await expect.poll(() => page.getByTestId('check-summary').textContent()).toContain('(cancelled)');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await page.getByTestId('check-delta').textContent()).toContain('cancelled');
    } finally {
      await lab.host('delta').linkUp();
    }
    expect(existsSync(join(serve.workspaceDir, 'lab.check.json'))).toBe(true);
  });

  test('without ~/.ssh/config the lab keys are not offered; picked in the app, with a passphrase asked in the browser, they log in', async () => {
    const ssh = join(home, '.ssh');
    // The lab keys have names ssh never tries on its own; the config named them until now.
    renameSync(join(ssh, 'config'), join(ssh, 'config.off'));
    // A passphrase-protected copy of the sudo user's key.
    copyFileSync(join(ssh, 'lab_sudo'), join(ssh, 'lab_sudo_locked'));
    execFileSync('ssh-keygen', ['-q', '-p', '-P', '', '-N', 'lab secret', '-f', join(ssh, 'lab_sudo_locked')], { stdio: 'ignore' });
    try {
      await page.getByTestId('check-machines').click();
      await expect.poll(() => page.getByTestId('check-summary').textContent()).toMatch(/^Last checked .* · 0 of 6 ready$/);
      expect(await problemOf('alpha')).toContain('No SSH key could be offered');
      expect(await problemOf('alpha')).toContain('“SSH keys” in Deploy → Machines');

      await page.getByTestId('ssh-keys-button').click();
      const dialog = page.getByTestId('ssh-keys-dialog');
      await dialog.getByTestId('ssh-key-lab_plain').waitFor();
      expect(await dialog.getByTestId('ssh-agent-status').textContent()).toContain('No ssh-agent is running');
      // Every private key of ~/.ssh, with the fingerprint ssh-keygen prints; the config and known_hosts are not keys.
      expect(await dialog.locator('[data-testid^="ssh-key-lab"]').count()).toBe(3);
      const fingerprint = (file: string) => execFileSync('ssh-keygen', ['-lf', file], { encoding: 'utf8' }).split(' ')[1];
      expect(await dialog.getByTestId('ssh-key-lab_plain').textContent()).toContain(fingerprint(join(ssh, 'lab_plain')));
      const locked = (await dialog.getByTestId('ssh-key-lab_sudo_locked').textContent()) ?? '';
      expect(locked).toContain('passphrase');
      expect(locked).toContain(fingerprint(join(ssh, 'lab_sudo')));
      await dialog.getByTestId('ssh-keys-pick').check();
      // No default key (id_ed25519, ...) is there to start from: nothing is ticked, and the dialog says what that means.
      await dialog.getByTestId('ssh-keys-only-agent').waitFor();
      await dialog.getByTestId('ssh-key-lab_plain').getByRole('checkbox').check();
      await dialog.getByTestId('ssh-key-lab_sudo_locked').getByRole('checkbox').check();
      await page.screenshot({ path: screenshotPath('check-ssh-keys') });
      await dialog.getByTestId('ssh-keys-done').click();
      expect(await page.getByTestId('ssh-keys-button').textContent()).toBe('SSH keys: 2 picked');

      // alpha's user takes only the sudo key: its passphrase is asked once, in the browser.
      await page.getByTestId('check-machines').click();
      await page.getByTestId('passphrase-prompt').waitFor();
      expect(await page.getByTestId('passphrase-prompt').textContent()).toContain('lab_sudo_locked');
      await page.getByTestId('passphrase-input').fill('lab secret');
      await page.getByTestId('passphrase-prompt').getByRole('button', { name: 'Unlock' }).click();
      await expect.poll(() => page.getByTestId('check-summary').textContent()).toMatch(/^Last checked .* · 0 of 6 ready$/);
      for (const name of ['bastion', 'alpha', 'beta', 'gamma', 'delta']) expect(await problemOf(name)).toContain('is not NixOS');
      await page.getByTestId('check-alpha').getByRole('button', { name: 'Details' }).click();
      expect(await page.getByTestId('check-alpha').getByTestId('finding-root').textContent()).toContain('without a password');
      // The choice is a setting of this browser: it survives a reload.
      await page.reload();
      // The window comes back in the Deploy area it was left in.
      await page.getByTestId('deploy-tab-machines').waitFor();
      if ((await page.getByTestId('wizard').count()) > 0) await page.getByRole('button', { name: 'Cancel' }).click();
      await page.getByTestId('deploy-tab-machines').click();
      expect(await page.getByTestId('ssh-keys-button').textContent()).toBe('SSH keys: 2 picked');
    } finally {
      renameSync(join(ssh, 'config.off'), join(ssh, 'config'));
    }
  });
});
