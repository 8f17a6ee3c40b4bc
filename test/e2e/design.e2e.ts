import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { dragFromPalette, launchBrowser, openApp, screenshotPath, shouldRunE2e, startServe, type OpenApp, type ServeProcess } from './support';

const run = shouldRunE2e();

/** What a person sees of the design: site names, machine names (sorted) and the number of drawn links. */
async function visibleDesign(page: Page) {
  const machines = (await page.locator('.react-flow__node-machine .machine-name').allTextContents()).sort();
  const sites = (await page.locator('.react-flow__node-site .site-name').allTextContents()).sort();
  const links = await page.locator('.react-flow__edge-link').count();
  return { sites, machines, links };
}

describe.runIf(run)('designing on the canvas (Chromium, serve mode)', () => {
  let app: OpenApp;
  let serve: ServeProcess;
  let page: Page;
  let savedBytes = '';
  let before: Awaited<ReturnType<typeof visibleDesign>>;

  beforeAll(async () => {
    app = await openApp({ wizard: 'close' });
    serve = app.serve;
    page = app.page;
  });

  afterAll(async () => {
    await app?.close();
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

describe.runIf(run)('wizard, problems, command palette and export (Chromium, serve mode)', () => {
  let serve: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;

  beforeAll(async () => {
    serve = await startServe();
    browser = await launchBrowser();
    page = await browser.context.newPage();
    await page.goto(serve.pairingUrl);
    await page.getByTestId('wizard').waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  test('the first-run wizard builds a template network as one undo step', async () => {
    await page.getByRole('button', { name: /Three households/ }).click();
    await page.getByTestId('wizard-create').click();
    await expect.poll(() => page.locator('.react-flow__node-site').count()).toBe(4);
    expect(await page.locator('.react-flow__node-machine').count()).toBe(6);
    // The new network is framed with every site and machine named on screen, not as blank boxes.
    for (const name of ['Home', "Parents' house", "Sister's flat", 'Cloud VPS']) await page.locator('.site-name', { hasText: name }).waitFor();
    for (const name of ['home-server', 'desktop', 'parents-pi', 'parents-laptop', 'sister-nas', 'vps']) {
      expect(await page.locator('.react-flow__node-machine', { hasText: name }).isVisible()).toBe(true);
    }
    // All of it is in view, so there is no overview covering a corner; zoomed in, the overview comes back.
    expect(await page.locator('.react-flow__minimap').count()).toBe(0);
    await page.screenshot({ path: screenshotPath('wizard-result') });
    for (let i = 0; i < 3; i += 1) await page.getByRole('button', { name: 'Zoom In' }).click();
    await page.locator('.react-flow__minimap').waitFor();
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('Shift+1');
    await page.locator('.react-flow__minimap').waitFor({ state: 'detached' });
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('Control+z');
    await expect.poll(() => page.locator('.react-flow__node-site').count()).toBe(0);
    await page.keyboard.press('Control+y');
    await expect.poll(() => page.locator('.react-flow__node-site').count()).toBe(4);
  });

  test('the problems panel explains what is missing, and a click shows the machine in the inspector', async () => {
    const problem = page.locator('.problem', { hasText: '"parents-pi" has no SSH address' });
    await expect.poll(() => problem.count()).toBe(1);
    await problem.locator('.problem-main').click();
    await expect.poll(() => page.getByTestId('inspector-name').inputValue()).toBe('parents-pi');
    await page.getByTestId('inspector-ssh-host').fill('192.168.178.30');
    await page.getByTestId('inspector-ssh-host').press('Enter');
    await expect.poll(() => problem.count()).toBe(0);
  });

  test('a one-click fix repairs a problem', async () => {
    // A name Clan cannot use is saved as the nearest one it can (the field says so), so no problem is left to fix
    // there; an SSH address without a user is one.
    await page.getByTestId('machine-parents-pi').click();
    const user = page.locator('.inspector [data-field="ssh-user"]');
    await user.fill('');
    await user.press('Enter');
    const problem = page.locator('.problems-panel .problem', { hasText: '"parents-pi" has no SSH user' });
    await expect.poll(() => problem.count()).toBe(1);
    await problem.locator('.problem-fix').click();
    await expect.poll(() => problem.count()).toBe(0);
    expect(await user.inputValue()).toBe('root');
  });

  test('deleting a site asks first, and cancelling keeps it', async () => {
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('Shift+!');
    await page.waitForTimeout(400);
    await page.getByTestId("site-Sister's flat").locator('.site-name').click();
    await page.keyboard.press('Delete');
    await page.getByTestId('confirm-dialog').waitFor();
    expect(await page.getByTestId('confirm-dialog').textContent()).toContain('1 machine inside the deleted site');
    await page.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.locator('.react-flow__node-site').count()).toBe(4);
  });

  test('the command palette finds and runs commands by name (Mermaid export)', async () => {
    await page.locator('.react-flow__pane').click({ position: { x: 10, y: 10 } });
    await page.keyboard.press('Control+k');
    await page.getByTestId('command-palette').waitFor();
    await page.keyboard.type('mermaid');
    await page.keyboard.press('Enter');
    await page.getByTestId('mermaid-dialog').waitFor();
    const text = await page.getByLabel('Mermaid text').inputValue();
    expect(text.startsWith('flowchart LR')).toBe(true);
    expect(text).toContain("Parents' house (CGNAT)");
    await page.getByRole('button', { name: 'Close' }).click();
  });

  test('exports the canvas as a PNG picture', async () => {
    await page.getByRole('menuitem', { name: 'File' }).click();
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('menuitem', { name: 'Export picture (PNG)…' }).click()]);
    expect(download.suggestedFilename()).toBe('design.png');
    const path = await download.path();
    const bytes = readFileSync(path);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect(bytes.length).toBeGreaterThan(5_000);
  });
});
