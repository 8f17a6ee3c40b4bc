import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { designBuilder } from '../../src/shared/model/designBuilder';
import { serializeDesign } from '../../src/shared/schema/envelope';
import { closedPort, openApp, openDesignFile, screenshotPath, shouldRunE2e, type OpenApp } from './support';

// Check machines when every machine fails the same way, as on a first start: this computer has no SSH key yet (the
// server runs with an empty home folder and no ssh-agent). The long message is said once, above the list, and each row
// still says whether its machine was tried at all. The machines' address is a loopback port nothing listens on.
const run = shouldRunE2e();

describe.runIf(run)('Check machines with one problem shared by every machine (Chromium, serve mode, loopback only)', () => {
  let app: OpenApp;
  let page: Page;
  let home: string;

  beforeAll(async () => {
    const port = await closedPort();
    const b = designBuilder();
    const homeSite = b.site('Home', 'nat');
    for (const name of ['nas', 'pi', 'desktop']) b.machine(name, homeSite, 'server', { ssh: { host: '127.0.0.1', port, user: 'admin' } });
    b.admin(homeSite);
    home = mkdtempSync(join(tmpdir(), 'cnd-e2e-check-shared-home-'));
    app = await openApp({ wizard: 'close', env: { HOME: home, SSH_AUTH_SOCK: '' } });
    page = app.page;
    writeFileSync(join(app.serve.workspaceDir, 'family.clan-design.json'), serializeDesign(b.design, '0.0.0'));
    await openDesignFile(page, 'family');
  }, 60_000);

  afterAll(async () => {
    await app?.close();
    if (home !== undefined) rmSync(home, { recursive: true, force: true });
  });

  test('the shared message once above the list; each row says the machine was not tried', async () => {
    await page.getByRole('tab', { name: 'Deploy', exact: true }).first().click();
    await page.getByTestId('deploy-tab-machines').click();
    await page.getByTestId('check-machines').click();
    await expect.poll(() => page.getByTestId('check-summary').textContent(), { timeout: 30_000 }).toMatch(/^Last checked .* · 0 of 3 ready/);
    // Polled: the rows and the line above them may draw a frame after the summary.
    const common = page.getByTestId('check-common');
    await expect.poll(() => common.count()).toBe(1);
    await expect.poll(() => common.textContent()).toMatch(/^3 of 3 machines have the same problem; as found on “nas”: .*SSH key/);
    const message = (await common.textContent()) ?? '';
    for (const name of ['nas', 'pi', 'desktop']) {
      await expect.poll(() => page.getByTestId(`check-${name}`).locator('.check-summary').textContent()).toBe('Not tried; the problem above.');
    }
    // The long message is on the page once.
    const said = message.replace(/^.*as found on “nas”: /, '');
    expect(((await page.locator('.check-results').textContent()) ?? '').split(said)).toHaveLength(2);
    await page.screenshot({ path: screenshotPath('check-shared-problem') });
  }, 60_000);
});
