import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ELK from 'elkjs';
import type { Page, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { computeAutoLayout } from '../../src/renderer/src/canvas/autoLayout';
import type { Design } from '../../src/shared/model/types';
import { loadFirstScreen, totalBytes, type FirstScreenLoad } from './firstScreen';
import { launchBrowser, screenshotPath, shouldRunE2e, startServe, type ServeProcess } from './support';

const run = shouldRunE2e();

/** Parts of the app the first screen must not download: the other areas, charts, the layout engine, exports. */
const notOnFirstScreen = [/elk/i, /\/ChooseVpnArea-/, /\/Charts-/, /\/DeployArea-/, /\/exportImage-/, /\/generate-/, /\/MermaidDialog-/, /\/AboutDialog-/];

/** Holds back responses matching a pattern until released, to see what the page shows while a part downloads. */
async function holdBack(page: Page, pattern: string): Promise<() => Promise<void>> {
  let release: () => void = () => undefined;
  const released = new Promise<void>((resolve) => (release = resolve));
  const held: Promise<void>[] = [];
  const handler = (route: Route) => {
    held.push(released.then(() => route.continue()));
  };
  await page.route(pattern, handler);
  return async () => {
    release();
    await Promise.all(held);
    await page.unroute(pattern, handler);
  };
}

/** The fallback a part shows while it downloads, once it has faded in. */
async function visibleLoadingText(page: Page): Promise<string> {
  const loading = page.getByTestId('loading-part');
  await expect.poll(() => loading.evaluate((e) => getComputedStyle(e).opacity)).toBe('1');
  return (await loading.textContent()) ?? '';
}

const readDesign = (serve: ServeProcess, name: string): Design => (JSON.parse(readFileSync(join(serve.workspaceDir, `${name}.clan-design.json`), 'utf8')) as { design: Design }).design;

describe.runIf(run)('first load in serve mode: a small first screen, the rest on first use (Chromium)', () => {
  let serve: ServeProcess;
  let browser: Awaited<ReturnType<typeof launchBrowser>>;
  let page: Page;
  let first: FirstScreenLoad;
  /** Every script the browser requested in this test file, workers included. */
  const requested: string[] = [];

  beforeAll(async () => {
    serve = await startServe();
    browser = await launchBrowser();
    browser.context.on('request', (request) => {
      if (request.resourceType() === 'script' || request.url().endsWith('.js')) requested.push(new URL(request.url()).pathname);
    });
    const loaded = await loadFirstScreen(browser.context, serve.pairingUrl);
    page = loaded.page;
    first = loaded;
  });

  afterAll(async () => {
    await browser?.close();
    await serve?.stop();
  });

  test('the first screen downloads only what it shows: at most 600 KB of gzipped JavaScript, sent compressed', async () => {
    const paths = first.scripts.map((s) => s.path);
    expect(paths.some((p) => /^\/assets\/index-[\w-]+\.js$/.test(p))).toBe(true);
    for (const pattern of notOnFirstScreen) expect(paths.filter((p) => pattern.test(p))).toEqual([]);
    expect(totalBytes(first.scripts, 'gzipBytes')).toBeLessThanOrEqual(600_000);
    // Over the network the browser receives the compressed form, not the raw files.
    expect(first.scripts.filter((s) => s.rawBytes >= 1024 && s.encoding !== 'gzip').map((s) => s.path)).toEqual([]);
    expect(totalBytes(first.scripts, 'transferredBytes')).toBeLessThan(totalBytes(first.scripts, 'rawBytes') / 2);
    await page.screenshot({ path: screenshotPath('first-load-wizard') });
    await page.getByRole('button', { name: /Home \+ cloud VPS/ }).click();
    await page.getByTestId('wizard-create').click();
    await page.locator('.react-flow__node-machine').first().waitFor();
  });

  test('Choose VPN shows what is loading while it downloads, then the leaderboard and the charts', async () => {
    const releaseArea = await holdBack(page, '**/assets/ChooseVpnArea-*.js');
    await page.getByRole('tab', { name: 'Choose VPN' }).click();
    expect(await visibleLoadingText(page)).toBe('Loading the Choose VPN area…');
    await page.screenshot({ path: screenshotPath('first-load-area-loading') });
    await releaseArea();
    await page.getByTestId('leaderboard').waitFor();
    expect(requested.some((p) => /\/Charts-/.test(p))).toBe(false);

    const releaseCharts = await holdBack(page, '**/assets/Charts-*.js');
    await page.getByRole('tab', { name: 'Charts' }).click();
    expect(await visibleLoadingText(page)).toBe('Loading the charts…');
    const placeholderHeight = (await page.getByTestId('loading-part').boundingBox())!.height;
    await page.screenshot({ path: screenshotPath('first-load-charts-loading') });
    await releaseCharts();
    await expect.poll(() => page.locator('.recharts-bar-rectangle').count()).toBeGreaterThanOrEqual(10);
    // The placeholder kept the charts' room: what is below them does not jump when they arrive.
    const chartsHeight = (await page.locator('.charts').boundingBox())!.height;
    expect(Math.abs(chartsHeight - placeholderHeight)).toBeLessThan(40);
    await page.screenshot({ path: screenshotPath('first-load-charts') });
  });

  test('Tidy up layout downloads the layout engine on first use, as a worker, and lays out exactly as ELK does in Node', async () => {
    await page.getByRole('tab', { name: 'Design' }).click();
    await page.locator('.react-flow__node-machine').first().waitFor();
    expect(requested.some((p) => /elk/i.test(p))).toBe(false);

    // Without its file (a server restarted with a newer build) the command says what happened and offers a reload.
    const gone = (route: Route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'Not found' });
    await browser.context.route('**/assets/elk-worker*.js', gone);
    await page.locator('.react-flow__pane').click({ position: { x: 20, y: 20 } });
    await page.keyboard.press('Shift+L');
    const banner = page.getByTestId('chunk-failure');
    await banner.waitFor();
    expect(await banner.textContent()).toContain('The layout engine could not be loaded.');
    await page.screenshot({ path: screenshotPath('first-load-layout-engine-failed') });
    await banner.getByRole('button', { name: 'Dismiss' }).click();
    await browser.context.unroute('**/assets/elk-worker*.js', gone);

    await page.keyboard.press('Control+s');
    await page.getByTestId('save-dialog').waitFor();
    await page.locator('#save-name').fill('tidy');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('file-status').textContent()).toBe('tidy');
    const before = readDesign(serve, 'tidy');

    const workerRequest = page.context().waitForEvent('request', (r) => /\/assets\/elk-worker[^/]*\.js$/.test(new URL(r.url()).pathname));
    await page.keyboard.press('Shift+L');
    await workerRequest;
    await expect.poll(() => page.getByTestId('file-status').textContent()).toBe('tidy — edited');
    await page.keyboard.press('Control+s');
    await expect.poll(() => page.getByTestId('file-status').textContent()).toBe('tidy');
    const after = readDesign(serve, 'tidy');

    const elk = new ELK();
    const inNode = await computeAutoLayout(before, (graph) => elk.layout(graph));
    expect(after).not.toEqual(before);
    expect(after).toEqual(JSON.parse(JSON.stringify(inNode)));
    await page.screenshot({ path: screenshotPath('first-load-tidied') });
  });

  test('an area that cannot be downloaded any more (the server restarted with a newer build) says so, and a reload brings it back', async () => {
    const gone = (route: Route) => route.fulfill({ status: 404, contentType: 'text/plain', body: 'Not found' });
    await page.route('**/assets/DeployArea-*.js', gone);
    await page.getByRole('tab', { name: 'Deploy' }).click();
    const failure = page.getByTestId('chunk-failure');
    await failure.waitFor();
    expect(await failure.locator('h2').textContent()).toBe('The Deploy area could not be loaded');
    expect(await failure.textContent()).toContain('Reload the page to continue');
    await page.screenshot({ path: screenshotPath('first-load-area-failed') });
    await page.unroute('**/assets/DeployArea-*.js', gone);
    await Promise.all([page.waitForEvent('load'), failure.getByRole('button', { name: 'Reload' }).click()]);
    await expect.poll(() => page.locator('[role="tabpanel"] h2').first().textContent()).toBe('Deploy to your machines');
    expect(await page.getByTestId('connection-status').textContent()).toBe('Connected');
  });
});
