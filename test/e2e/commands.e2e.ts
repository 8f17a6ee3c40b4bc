import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, screenshotPath, shouldRunE2e, type OpenApp } from './support';

const run = shouldRunE2e();

/** The leaderboard's rows in the order shown. */
const rowOrder = (page: Page) => page.locator('[data-testid="leaderboard"] tbody tr[data-series]:not(.optimized)').evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.series));

/**
 * Drags with the mouse in small moves, as a hand does: many pointer events between press and release. The mouse
 * goes down at `from` and up at `to`.
 */
async function drag(page: Page, from: { x: number; y: number }, to: { x: number; y: number }, steps = 24): Promise<void> {
  await page.mouse.move(from.x, from.y);
  await page.mouse.down();
  await page.mouse.move(to.x, to.y, { steps });
  await page.mouse.up();
}

describe.runIf(run)('commands: one undo step per gesture, none for looking, every area in the menus and the palette (Chromium, serve mode)', () => {
  let app: OpenApp;
  let page: Page;
  const fileStatus = () => page.getByTestId('file-status').textContent();

  beforeAll(async () => {
    app = await openApp({ wizard: /Home \+ cloud VPS/ });
    page = app.page;
    // A saved design, so "edited" shows exactly when something changed it.
    await page.keyboard.press('Control+s');
    await page.getByTestId('save-dialog').waitFor();
    await page.locator('#save-name').fill('gestures');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.querySelector('[data-testid="file-status"]')?.textContent === 'gestures');
  });

  afterAll(async () => {
    await app?.close();
  });

  test('dragging a machine across the canvas is one undo step: one Ctrl+Z puts it back where it started', async () => {
    const nas = page.getByTestId('machine-nas');
    const start = (await nas.boundingBox())!;
    const from = { x: start.x + start.width / 2, y: start.y + start.height / 2 };
    await drag(page, from, { x: from.x + 40, y: from.y + 160 });
    await expect.poll(async () => (await nas.boundingBox())!.y).toBeGreaterThan(start.y + 100);
    const moved = (await nas.boundingBox())!;
    expect(await fileStatus()).toBe('gestures — edited');
    await page.screenshot({ path: screenshotPath('history-node-dragged') });

    await page.keyboard.press('Control+z');
    await expect.poll(async () => (await nas.boundingBox())!.y).toBeLessThan(start.y + 2);
    const back = (await nas.boundingBox())!;
    expect(Math.abs(back.x - start.x)).toBeLessThan(2);
    expect(Math.abs(back.y - start.y)).toBeLessThan(2);
    // And one Ctrl+Y brings the whole drag back.
    await page.keyboard.press('Control+y');
    await expect.poll(async () => (await nas.boundingBox())!.y).toBeGreaterThan(moved.y - 2);
    await page.keyboard.press('Control+s');
    await expect.poll(fileStatus).toBe('gestures');
  });

  test('dragging a weight slider over several values is one undo step', async () => {
    await page.getByRole('tab', { name: 'Choose VPN' }).click();
    await page.getByTestId('leaderboard').waitFor();
    await page.locator('details.weights summary').click();
    const slider = page.getByTestId('weight-tcp');
    expect(await slider.inputValue()).toBe('1');
    const box = (await slider.boundingBox())!;
    // From the thumb at 1 (of 0..3) to the right end: the slider passes 1.5, 2 and 2.5 on the way to 3.
    await drag(page, { x: box.x + box.width / 3, y: box.y + box.height / 2 }, { x: box.x + box.width - 1, y: box.y + box.height / 2 });
    await expect.poll(() => slider.inputValue()).toBe('3');
    expect(await page.getByTestId('preset').inputValue()).toBe('custom');
    expect(await fileStatus()).toBe('gestures — edited');
    await page.screenshot({ path: screenshotPath('history-weight-dragged') });

    // The slider keeps the focus after the drag; Ctrl+Z still reaches the app.
    await page.keyboard.press('Control+z');
    await expect.poll(() => slider.inputValue()).toBe('1');
    expect(await page.getByTestId('preset').inputValue()).toBe('balanced');
    expect(await fileStatus()).toBe('gestures');
    await page.keyboard.press('Control+y');
    await expect.poll(() => slider.inputValue()).toBe('3');
    await page.keyboard.press('Control+s');
    await expect.poll(fileStatus).toBe('gestures');
  });

  test('sorting the leaderboard, switching areas and zooming add no undo step, do not mark the file edited and give autosave nothing to write', async () => {
    const autosaves = join(app.serve.dataDir, 'autosave');
    const autosaved = () => (existsSync(autosaves) ? readdirSync(autosaves).map((f) => `${f} ${statSync(join(autosaves, f)).mtimeMs}`) : []);
    const before = autosaved();
    const byScore = await rowOrder(page);
    const ping = page.locator('thead button', { hasText: 'Ping' });
    await ping.click();
    await ping.click();
    await page.getByTestId('profile-medium').click();
    expect(await rowOrder(page)).not.toEqual(byScore);
    expect(page.url()).toContain('sort=pingRtt.worstFirst');
    for (const tab of ['Design', 'Deploy', 'Assistant', 'Choose VPN', 'Design']) await page.getByRole('tab', { name: tab }).click();
    await page.locator('.react-flow__node-machine').first().waitFor();
    for (let i = 0; i < 2; i += 1) await page.getByRole('button', { name: 'Zoom In' }).click();
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('-');
    await page.keyboard.press('Shift+1');
    expect(await fileStatus()).toBe('gestures');
    // Autosave writes every 5 s while there are unsaved changes; looking made none, so nothing was written.
    await page.waitForTimeout(6_000);
    expect(autosaved()).toEqual(before);

    // The last edit is still the slider drag: the first Ctrl+Z undoes it, and the sort stays as it was set.
    await page.keyboard.press('Control+z');
    await page.getByRole('tab', { name: 'Choose VPN' }).click();
    await page.locator('details.weights summary').click();
    await expect.poll(() => page.getByTestId('weight-tcp').inputValue()).toBe('1');
    expect(page.url()).toContain('sort=pingRtt.worstFirst');
    expect(await page.locator('thead th[aria-sort="ascending"]').textContent()).toContain('Ping');
    await page.screenshot({ path: screenshotPath('history-view-kept') });
    await page.keyboard.press('Control+y');
    await expect.poll(fileStatus).toBe('gestures');
  });

  test("the Design area's Deploy menu writes the configuration, and the palette offers every area's commands", async () => {
    await page.getByRole('tab', { name: 'Design' }).click();
    await page.getByRole('menuitem', { name: 'Deploy' }).click();
    await page.screenshot({ path: screenshotPath('commands-deploy-menu') });
    await page.getByRole('menuitem', { name: 'Write configuration' }).click();
    await expect.poll(() => page.getByTestId('notice').textContent()).toMatch(/^Wrote \d+ files to gestures\.clan/);
    expect(existsSync(join(app.serve.workspaceDir, 'gestures.clan', 'inventory.json'))).toBe(true);
    // Writing the configuration is not an edit of the design.
    expect(await fileStatus()).toBe('gestures');

    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('Control+k');
    const palette = page.getByTestId('command-palette');
    await palette.waitFor();
    const labels = await palette.locator('[role="option"]').allTextContents();
    for (const label of ['Check machines', 'Write configuration', 'Sort the leaderboard', 'Go to Deploy', 'Undo', 'Move items']) {
      expect(labels.some((l) => l.startsWith(label))).toBe(true);
    }
    await palette.locator('[data-command="moveItems"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('commands-palette') });
    await page.keyboard.type('profile');
    await page.keyboard.press('Enter');
    // "Show another network profile" from the Design area opens Choose VPN on the next profile, as view state.
    await expect.poll(() => page.getByRole('tab', { name: 'Choose VPN' }).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.getByTestId('profile-high').getAttribute('aria-checked')).toBe('true');
    expect(await fileStatus()).toBe('gestures');
  });
});
