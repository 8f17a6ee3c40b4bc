import { existsSync, statSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, screenshotPath, shouldRunE2e, startServe, type ServeProcess } from './support';

const run = shouldRunE2e();

describe.runIf(run)('app shell in serve mode (Chromium)', () => {
  let serve: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;

  beforeAll(async () => {
    serve = await startServe();
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(serve.pairingUrl);
    // A first start offers the family-network wizard; this test is about the shell, so close it.
    await page.getByTestId('wizard').waitFor();
    await page.keyboard.press('Escape');
    await page.getByTestId('wizard').waitFor({ state: 'detached' });
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  /** The heading of the open area (the Design and Choose VPN areas have one for screen readers). */
  const activeHeading = () => page.locator('[role="tabpanel"] h2').first().textContent();

  test('opens connected to its back end, with the pairing code removed from the address bar', async () => {
    await expect.poll(() => page.getByTestId('connection-status').textContent()).toBe('Connected');
    expect(page.url()).not.toContain('pair=');
    await expect.poll(() => page.locator('.status-bar').textContent()).toContain('Browser (serve mode)');
    await expect.poll(() => page.getByRole('tab').count()).toBe(4);
    const names = await page.getByRole('tab').allTextContents();
    expect(names).toEqual(['Design', 'Choose VPN', 'Deploy', 'Assistant']);
  });

  test('reaches all four areas with the mouse', async () => {
    const expected: Record<string, string> = {
      'Choose VPN': 'Choose a mesh VPN',
      Deploy: 'Deploy to your machines',
      Assistant: 'Ask the assistant',
      Design: 'Design your family network',
    };
    for (const [tab, heading] of Object.entries(expected)) {
      await page.getByRole('tab', { name: tab }).click();
      expect(await page.getByRole('tab', { name: tab }).getAttribute('aria-selected')).toBe('true');
      expect(await activeHeading()).toBe(heading);
    }
  });

  test('reaches all four areas with the keyboard: Tab, arrows, Home/End and Ctrl+number', async () => {
    await page.getByRole('tab', { name: 'Design' }).click();
    await page.keyboard.press('ArrowRight');
    expect(await activeHeading()).toBe('Choose a mesh VPN');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Choose VPN');
    await page.keyboard.press('ArrowRight');
    expect(await activeHeading()).toBe('Deploy to your machines');
    await page.keyboard.press('End');
    expect(await activeHeading()).toBe('Ask the assistant');
    await page.keyboard.press('Home');
    expect(await activeHeading()).toBe('Design your family network');
    await page.keyboard.press('Control+4');
    expect(await activeHeading()).toBe('Ask the assistant');
    await page.keyboard.press('Control+2');
    expect(await activeHeading()).toBe('Choose a mesh VPN');
    // Tab from the selected tab leaves the tab list (roving tabindex): only one tab is in the Tab order.
    const tabStops = await page.locator('[role="tab"][tabindex="0"]').count();
    expect(tabStops).toBe(1);
    await page.screenshot({ path: screenshotPath('app-shell-choose-vpn') });
  });

  test('shows the About dialog with the version and the benchmark credits, and closes on Escape', async () => {
    await page.getByRole('button', { name: 'About' }).click();
    const dialog = page.getByRole('dialog', { name: 'About Clan Network Designer' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    const text = await dialog.textContent();
    expect(text).toMatch(/Version \d+\.\d+\.\d+/);
    expect(text).toContain('Decrypting the Overlay');
    expect(text).toContain('Qubasa/vpn-bench');
    await page.screenshot({ path: screenshotPath('app-shell-about') });
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
  });

  test('saves a screenshot of the shell in light and dark themes', async () => {
    await page.keyboard.press('Control+1');
    const light = screenshotPath('app-shell-light');
    await page.screenshot({ path: light });
    await page.emulateMedia({ colorScheme: 'dark' });
    const background = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(15, 20, 25)');
    const dark = screenshotPath('app-shell-dark');
    await page.screenshot({ path: dark });
    await page.emulateMedia({ colorScheme: 'light' });
    expect(existsSync(light) && statSync(light).size > 10_000).toBe(true);
    expect(existsSync(dark) && statSync(dark).size > 10_000).toBe(true);
  });
});
