import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openApp, screenshotPath, shouldRunE2e, type OpenApp } from './support';

// Every area at the two window sizes a laptop user has (1280x800 and 1024x700), with the design the wizard makes:
// nothing of the app's own controls is cut off at the right or bottom edge, and the page itself never scrolls
// sideways (wide content scrolls inside its own box). Screenshots of each, to look at.
const run = shouldRunE2e();

const sizes = [
  { width: 1280, height: 800 },
  { width: 1024, height: 700 },
] as const;

const areas: { name: string; open: (page: Page) => Promise<void> }[] = [
  { name: 'design', open: (page) => page.getByRole('tab', { name: 'Design', exact: true }).click() },
  { name: 'choose-vpn', open: (page) => page.getByRole('tab', { name: 'Choose VPN', exact: true }).click() },
  ...(['configuration', 'machines', 'deploy', 'verify', 'measure', 'history'] as const).map((tab) => ({
    name: `deploy-${tab}`,
    open: async (page: Page) => {
      await page.getByRole('tab', { name: 'Deploy', exact: true }).first().click();
      await page.getByTestId(`deploy-tab-${tab}`).click();
    },
  })),
  { name: 'assistant', open: (page) => page.getByRole('tab', { name: 'Assistant', exact: true }).click() },
];

/** Buttons, links, inputs and tabs that are visible but reach past the window's right or bottom edge. */
async function cutOffControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const cut: string[] = [];
    for (const el of document.querySelectorAll<HTMLElement>('button, a[href], input, select, textarea, [role="tab"]')) {
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const style = getComputedStyle(el);
      if (style.visibility === 'hidden') continue;
      // Inside a box that scrolls (a table, a list, the canvas): reachable by scrolling it, not cut off.
      let scroller: HTMLElement | null = el.parentElement;
      let scrolls = false;
      while (scroller !== null && scroller !== document.body) {
        const s = getComputedStyle(scroller);
        if (/(auto|scroll)/.test(s.overflowX + s.overflowY) || scroller.classList.contains('react-flow')) {
          scrolls = true;
          break;
        }
        scroller = scroller.parentElement;
      }
      if (scrolls) continue;
      if (box.right > window.innerWidth + 1 || box.bottom > window.innerHeight + 1) cut.push(`${el.tagName.toLowerCase()} "${(el.textContent ?? el.getAttribute('aria-label') ?? '').trim().slice(0, 40)}"`);
    }
    return cut;
  });
}

/** The sites on the canvas that reach past the canvas's pane (or lie outside it). */
async function cutOffSites(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const pane = document.querySelector('.react-flow__pane')!.getBoundingClientRect();
    return [...document.querySelectorAll<HTMLElement>('.react-flow__node-site')]
      .filter((node) => {
        const box = node.getBoundingClientRect();
        return box.left < pane.left - 1 || box.top < pane.top - 1 || box.right > pane.right + 1 || box.bottom > pane.bottom + 1;
      })
      .map((node) => node.textContent?.trim().slice(0, 30) ?? '');
  });
}

describe.runIf(run)('every area at 1280x800 and 1024x700 (Chromium, serve mode)', () => {
  let app: OpenApp;
  let page: Page;

  beforeAll(async () => {
    app = await openApp({ wizard: /Home \+ cloud VPS/ });
    page = app.page;
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  for (const size of sizes) {
    test(`${size.width}x${size.height}: nothing cut off, no sideways page scroll`, async () => {
      await page.setViewportSize(size);
      for (const area of areas) {
        await area.open(page);
        await page.waitForTimeout(300);
        const sideways = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        expect(sideways, `${area.name}: the page scrolls sideways`).toBeLessThanOrEqual(0);
        expect(await cutOffControls(page), `${area.name} at ${size.width}x${size.height}`).toEqual([]);
        if (area.name === 'design') {
          // The design was wholly in view when it was last looked at, so it still is, whatever the window's size since.
          await expect.poll(() => cutOffSites(page), { timeout: 5_000 }).toEqual([]);
        }
        await page.screenshot({ path: screenshotPath(`area-${area.name}-${size.width}x${size.height}`) });
      }
    }, 120_000);
  }
});
