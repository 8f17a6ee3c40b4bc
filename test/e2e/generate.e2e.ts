import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, screenshotPath, shouldRunE2e, type OpenApp, type ServeProcess } from './support';

const run = shouldRunE2e();

describe.runIf(run)('generating the Clan configuration (Chromium, serve mode)', () => {
  let app: OpenApp;
  let page: Page;
  let serve: ServeProcess;

  beforeAll(async () => {
    app = await openApp({ wizard: /Home \+ cloud VPS/ });
    page = app.page;
    serve = app.serve;
  });

  afterAll(async () => {
    await app?.close();
  });

  test('after choosing a VPN and saving, the preview lists the generated files', async () => {
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.getByTestId('inspector-vpn').selectOption('zerotier');
    await page.keyboard.press('Control+s');
    await page.locator('#save-name').fill('e2e-gen');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('notice').textContent()).toBe('Saved e2e-gen');
    await page.getByRole('tab', { name: 'Deploy' }).click();
    for (const path of ['flake.nix', 'clan.nix', 'inventory.json', 'machines/nas/configuration.nix', 'machines/vps/configuration.nix']) {
      await expect.poll(() => page.getByTestId(`file-${path}`).count()).toBe(1);
    }
    await page.getByTestId('file-inventory.json').click();
    expect(await page.getByTestId('code-view').textContent()).toContain('"zerotier"');
    expect(await page.getByTestId('generation-status').textContent()).toContain('Not written yet');
    await page.screenshot({ path: screenshotPath('generate-preview') });
  });

  test('writes the configuration next to the design file', async () => {
    await page.getByTestId('write-config').click();
    await expect.poll(() => page.getByTestId('generation-status').textContent()).toBe('Up to date in e2e-gen.clan');
    const inventory = join(serve.workspaceDir, 'e2e-gen.clan', 'inventory.json');
    expect(existsSync(inventory)).toBe(true);
    expect(JSON.parse(readFileSync(inventory, 'utf8')).machines.nas).toBeDefined();
  });

  test('changing a machine marks the canvas and shows the diff against what was written', async () => {
    await page.getByRole('tab', { name: 'Design' }).click();
    await page.getByTestId('machine-nas').click();
    await page.getByTestId('inspector-name').fill('storage');
    await page.getByTestId('inspector-name').press('Enter');
    await page.getByTestId('generation-marker').waitFor();
    await page.screenshot({ path: screenshotPath('generate-marker') });
    await page.getByRole('tab', { name: 'Deploy' }).click();
    await expect.poll(() => page.getByTestId('generation-status').textContent()).toMatch(/files differ from e2e-gen\.clan/);
    expect(await page.getByTestId('file-machines/storage/configuration.nix').textContent()).toContain('new');
    expect(await page.locator('.file-removed').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('machines/nas/configuration.nix')]));
    await page.getByTestId('file-inventory.json').click();
    const diff = page.getByTestId('diff-view');
    await diff.waitFor();
    expect(await diff.locator('.diff-del').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('"nas"')]));
    expect(await diff.locator('.diff-add').allTextContents()).toEqual(expect.arrayContaining([expect.stringContaining('"storage"')]));
    await page.screenshot({ path: screenshotPath('generate-diff') });
  });
});
