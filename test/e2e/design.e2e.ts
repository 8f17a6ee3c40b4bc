import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dragFromPalette, launchBrowser, screenshotPath, shouldRunE2e, startServe, type ServeProcess } from './support';

const run = shouldRunE2e();

/** What a person sees of the design: site names, machine names (sorted) and the number of drawn links. */
async function visibleDesign(page: Page) {
  const machines = (await page.locator('.react-flow__node-machine .machine-name').allTextContents()).sort();
  const sites = (await page.locator('.react-flow__node-site .site-name').allTextContents()).sort();
  const links = await page.locator('.react-flow__edge-link').count();
  return { sites, machines, links };
}

describe.runIf(run)('designing on the canvas (Chromium, serve mode)', () => {
  let serve: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let savedBytes = '';
  let before: Awaited<ReturnType<typeof visibleDesign>>;

  beforeAll(async () => {
    serve = await startServe();
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(serve.urlWithToken);
    await page.getByTestId('wizard').waitFor();
    await page.getByRole('button', { name: 'Cancel' }).click();
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  test('drags a site and two machines from the palette into it', async () => {
    const pane = (await page.locator('.react-flow__pane').boundingBox())!;
    await dragFromPalette(page, 'palette-site-home', { x: pane.x + pane.width / 2, y: pane.y + 110 });
    const site = page.locator('.react-flow__node-site');
    await expect.poll(() => site.count()).toBe(1);
    const box = (await site.boundingBox())!;
    await dragFromPalette(page, 'palette-machine-server', { x: box.x + box.width * 0.2, y: box.y + box.height * 0.6 });
    await dragFromPalette(page, 'palette-machine-nas', { x: box.x + box.width * 0.7, y: box.y + box.height * 0.6 });
    await expect.poll(() => page.locator('.react-flow__node-machine').count()).toBe(2);
    // Both machines landed inside the site's area.
    const siteBox = (await site.boundingBox())!;
    for (const machine of await page.locator('.react-flow__node-machine').all()) {
      const m = (await machine.boundingBox())!;
      expect(m.x).toBeGreaterThanOrEqual(siteBox.x);
      expect(m.x + m.width).toBeLessThanOrEqual(siteBox.x + siteBox.width + 1);
      expect(m.y).toBeGreaterThanOrEqual(siteBox.y);
      expect(m.y + m.height).toBeLessThanOrEqual(siteBox.y + siteBox.height + 1);
    }
    // And the model says so: the inspector of a machine names the site.
    await page.getByTestId('machine-server').click();
    expect(await page.locator('.inspector select').nth(2).locator('option:checked').textContent()).toBe('Home');
    await page.getByTestId('problems-toggle').waitFor();
    await page.screenshot({ path: screenshotPath('design-dropped') });
  });

  test('connects the two machines by dragging from one handle to the other', async () => {
    const server = page.getByTestId('machine-server');
    const nas = page.getByTestId('machine-nas');
    await server.hover();
    const from = await server.locator('.react-flow__handle-bottom').boundingBox();
    await nas.hover();
    const to = await nas.locator('.react-flow__handle-top').boundingBox();
    expect(from).not.toBeNull();
    expect(to).not.toBeNull();
    await page.mouse.move(from!.x + from!.width / 2, from!.y + from!.height / 2);
    await page.mouse.down();
    await page.mouse.move(to!.x + to!.width / 2, to!.y + to!.height / 2, { steps: 12 });
    await page.mouse.up();
    await expect.poll(() => page.locator('.react-flow__edge-link').count()).toBe(1);
  });

  test('renames a machine in the inspector, then undo and redo switch the name back and forth', async () => {
    await page.getByTestId('machine-server').click();
    const name = page.getByTestId('inspector-name');
    await name.fill('media-box');
    await name.press('Enter');
    await expect.poll(() => page.getByTestId('machine-media-box').count()).toBe(1);
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.getByTestId('machine-server').count()).toBe(1);
    await page.keyboard.press('Control+y');
    await expect.poll(() => page.getByTestId('machine-media-box').count()).toBe(1);
    await page.screenshot({ path: screenshotPath('design-renamed') });
  });

  test('saves the design to a file in the workspace', async () => {
    await page.keyboard.press('Control+s');
    await page.getByTestId('save-dialog').waitFor();
    await page.locator('#save-name').fill('e2e-home');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('notice').textContent()).toBe('Saved e2e-home');
    expect(await page.getByTestId('file-status').textContent()).toBe('e2e-home');
    expect(await page.title()).toBe('e2e-home — Clan Network Designer');
    const file = join(serve.workspaceDir, 'e2e-home.clan-design.json');
    expect(existsSync(file)).toBe(true);
    savedBytes = readFileSync(file, 'utf8');
    expect(JSON.parse(savedBytes).kind).toBe('clan-network-designer/design');
    before = await visibleDesign(page);
    expect(before).toEqual({ sites: ['Home'], machines: ['media-box', 'nas'], links: 1 });
  });

  test('after a page reload, reopening the file shows the identical design', async () => {
    await page.reload();
    await page.getByRole('tab', { name: 'Design' }).waitFor();
    await expect.poll(() => page.locator('.react-flow__node-machine').count()).toBe(0);
    await page.locator('.react-flow__pane').click({ position: { x: 30, y: 30 } });
    await page.keyboard.press('Control+o');
    await page.getByTestId('open-e2e-home').click();
    await expect.poll(() => page.locator('.react-flow__node-machine').count()).toBe(2);
    expect(await visibleDesign(page)).toEqual(before);
    // Saving the reopened design writes byte-identical content: nothing was lost or changed in the round trip.
    await page.keyboard.press('Control+s');
    await expect.poll(() => page.getByTestId('notice').textContent()).toBe('Saved e2e-home');
    expect(readFileSync(join(serve.workspaceDir, 'e2e-home.clan-design.json'), 'utf8')).toBe(savedBytes);
    await page.screenshot({ path: screenshotPath('design-reopened') });
  });

  test('unsaved changes survive a closed window and are offered for recovery on the next start', async () => {
    await page.getByTestId('machine-nas').click();
    const name = page.getByTestId('inspector-name');
    await name.fill('backup-nas');
    await name.press('Enter');
    expect(await page.getByTestId('file-status').textContent()).toBe('e2e-home — edited');
    // Autosave runs every few seconds while there are unsaved changes.
    await expect.poll(() => existsSync(join(serve.dataDir, 'autosave')) && readFileSyncSafe(serve.dataDir).includes('backup-nas'), { timeout: 15_000 }).toBe(true);
    await page.reload();
    await page.getByTestId('recovery-banner').waitFor();
    await page.screenshot({ path: screenshotPath('design-recovery') });
    await page.getByRole('button', { name: 'Recover' }).click();
    await expect.poll(() => page.getByTestId('machine-backup-nas').count()).toBe(1);
    expect(await page.getByTestId('file-status').textContent()).toBe('e2e-home — edited');
  });
});

/** All autosave files' text, for checking that an edit reached the disk. */
function readFileSyncSafe(dataDir: string): string {
  try {
    return readdirSync(join(dataDir, 'autosave'))
      .map((f) => readFileSync(join(dataDir, 'autosave', f), 'utf8'))
      .join('\n');
  } catch {
    return '';
  }
}
