import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, openDesignFile, root, screenshotPath, shouldRunE2e, type OpenApp } from './support';

const run = shouldRunE2e();

/** The machines whose node carries the vars helper marker, by name. */
async function markedMachines(page: Page): Promise<string[]> {
  return page.locator('.react-flow__node-machine:has([data-testid="vars-helper-badge"]) .machine-name').allTextContents();
}

describe.runIf(run)('deploy settings in the inspector (Chromium, serve mode)', () => {
  let app: OpenApp;
  let page: Page;
  const group = () => page.locator('fieldset[aria-label="Deploy"]');
  /** Clicks an empty spot of the canvas: nothing selected, so the inspector shows the clan. */
  const clearSelection = () => page.locator('.react-flow__pane').click({ position: { x: 12, y: 12 } });

  beforeAll(async () => {
    app = await openApp({ wizard: 'close' });
    page = app.page;
    // The shipped three-households example: ZeroTier, every machine with an SSH address, the VPS as vars helper.
    copyFileSync(join(root, 'resources/examples/three-households.clan-design.json'), join(app.serve.workspaceDir, 'households.clan-design.json'));
    await clearSelection();
    await openDesignFile(page, 'households');
    await page.getByTestId('machine-vps').waitFor();
  });

  afterAll(async () => {
    await app?.close();
  });

  test('the canvas marks the vars helper, with a name for screen readers', async () => {
    await page.getByTestId('machine-vps').locator('[data-testid="vars-helper-badge"]').waitFor();
    expect(await markedMachines(page)).toEqual(['vps']);
    const badge = page.getByTestId('machine-vps').locator('[data-testid="vars-helper-badge"]');
    expect(await badge.getAttribute('role')).toBe('img');
    expect(await badge.getAttribute('aria-label')).toContain("makes the network's keys and certificates");
    await page.screenshot({ path: screenshotPath('deploy-settings-canvas') });
    await page.getByTestId('machine-vps').screenshot({ path: screenshotPath('deploy-settings-marker') });
  });

  test('the Clan panel has a Deploy group; each field is one edit, and undo takes back the last one only', async () => {
    await clearSelection();
    await group().waitFor();
    const helper = page.getByTestId('inspector-vars-helper');
    expect(await helper.locator('option:checked').textContent()).toBe('vps');
    expect(await helper.locator('option').allTextContents()).toEqual(['None: the deploy picks vps', 'desktop', 'home-server', 'parents-laptop', 'parents-pi', 'sister-nas', 'vps']);
    const rollback = page.getByTestId('inspector-rollback-seconds');
    await rollback.fill('240');
    await rollback.press('Enter');
    const concurrency = page.getByTestId('inspector-concurrency');
    await concurrency.fill('0');
    await concurrency.press('Tab');
    // Below the smallest value, the field shows what was saved: one machine at a time.
    await expect.poll(() => concurrency.inputValue()).toBe('1');
    expect(await page.getByTestId('file-status').textContent()).toBe('households — edited');
    await group().screenshot({ path: screenshotPath('deploy-settings-group') });
    await clearSelection();
    await page.keyboard.press('Control+z');
    await expect.poll(() => concurrency.inputValue()).toBe('4');
    expect(await rollback.inputValue()).toBe('240');
  });

  test('with no helper chosen, the group suggests the VPS, and its fix puts the marker back', async () => {
    await page.getByTestId('inspector-vars-helper').selectOption({ label: 'None: the deploy picks vps' });
    await expect.poll(() => markedMachines(page)).toEqual([]);
    const note = group().locator('.problem', { hasText: 'No vars helper is chosen' });
    await note.waitFor();
    expect(await note.textContent()).toContain('would pick "vps" because it has a public address');
    await group().screenshot({ path: screenshotPath('deploy-settings-suggestion') });
    await note.locator('.problem-fix', { hasText: 'Use "vps" as the vars helper' }).click();
    await expect.poll(() => markedMachines(page)).toEqual(['vps']);
  });

  test("a machine's inspector makes it the vars helper; deleting it asks first and clears the choice", async () => {
    await page.getByTestId('machine-home-server').click();
    await page.getByRole('checkbox', { name: 'Vars helper' }).check();
    await expect.poll(() => markedMachines(page)).toEqual(['home-server']);
    await page.locator('.inspector').screenshot({ path: screenshotPath('deploy-settings-machine') });
    await page.getByTestId('machine-home-server').click();
    await page.keyboard.press('Delete');
    await page.getByTestId('confirm-dialog').waitFor();
    expect(await page.getByTestId('confirm-dialog').textContent()).toContain('the choice of “home-server” as the vars helper');
    await page.getByRole('button', { name: 'Continue' }).click();
    await expect.poll(() => page.getByTestId('machine-home-server').count()).toBe(0);
    expect(await markedMachines(page)).toEqual([]);
    await clearSelection();
    await page.keyboard.press('Control+z');
    await expect.poll(() => markedMachines(page)).toEqual(['home-server']);
  });

  test('saving writes the deploy settings into the file', async () => {
    await page.keyboard.press('Control+s');
    await expect.poll(() => page.getByTestId('notice').textContent()).toBe('Saved households');
    const file = JSON.parse(readFileSync(join(app.serve.workspaceDir, 'households.clan-design.json'), 'utf8')) as { formatVersion: number; design: { machines: Record<string, { name: string }>; deploy: { varsHelper: string; rollbackSeconds: number; concurrency: number } } };
    expect(file.formatVersion).toBe(3);
    expect(file.design.deploy).toMatchObject({ rollbackSeconds: 240, concurrency: 4 });
    expect(file.design.machines[file.design.deploy.varsHelper]!.name).toBe('home-server');
  });
});
