import { gzipSync } from 'node:zlib';
import type { BrowserContext, Page, Request } from 'playwright-core';

// How fast the app's first screen is there, and what it downloads to get there; used by the first-load e2e test
// and by `npm run bench:load`.
//
// The first screen is ready in the first animation frame in which the Design area's canvas is drawn and the
// first-start wizard dialog is open, visible, and all of its buttons are enabled: a person can pick a template.
// Time to interactive runs from the start of the navigation to that frame. Should the page navigate again while
// signing in, the clock still starts at the first navigation (kept in sessionStorage).

/** One script the browser downloaded before the first screen was ready. */
export interface ScriptLoad {
  /** Path on the server, e.g. /assets/index-abc123.js. */
  path: string;
  /** Size of the file as served, uncompressed. */
  rawBytes: number;
  /** The same file gzip-compressed (zlib level 9): what a server sending gzip puts on the wire. */
  gzipBytes: number;
  /** Response body bytes the browser actually received (compressed if the server compressed it). */
  transferredBytes: number;
  /** Content-Encoding of the response, or null when sent as is. */
  encoding: string | null;
}

/** One load of the first screen. */
export interface FirstScreenLoad {
  /** Navigation start until the first frame with the first screen ready, in ms. */
  timeToInteractiveMs: number;
  /** Navigation start until the page's scripts were downloaded and had run (DOMContentLoaded ended), in ms. */
  scriptsRunMs: number;
  scripts: ScriptLoad[];
}

declare global {
  interface Window {
    /** Set by the init script below in the frame the first screen is ready. */
    __firstScreen?: { readyAtEpochMs: number; timeToInteractiveMs: number; scriptsRunMs: number };
  }
}

/** Runs in the page before any of its scripts: watches every animation frame for the ready first screen. */
function watchFirstScreen(): void {
  const key = 'first-screen-navigation-start';
  let navigationStart = performance.timeOrigin;
  try {
    const kept = sessionStorage.getItem(key);
    if (kept === null) sessionStorage.setItem(key, String(navigationStart));
    else navigationStart = Number(kept);
  } catch {
    // No storage on this origin (about:blank): this is not the app's page.
  }
  const isReady = (): boolean => {
    if (document.querySelector('.react-flow__pane') === null) return false;
    const wizard = document.querySelector<HTMLDialogElement>('dialog[data-testid="wizard"]');
    if (wizard === null || !wizard.open || !wizard.checkVisibility()) return false;
    const buttons = [...wizard.querySelectorAll('button')];
    return wizard.querySelector('.template-card') !== null && buttons.every((b) => !b.disabled);
  };
  const onFrame = (): void => {
    if (!isReady()) {
      requestAnimationFrame(onFrame);
      return;
    }
    const now = performance.timeOrigin + performance.now();
    // Module scripts run before DOMContentLoaded: its end is when everything the page downloaded has run.
    const navigation = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming | undefined;
    const scriptsRun = performance.timeOrigin + (navigation?.domContentLoadedEventEnd ?? performance.now());
    window.__firstScreen = { readyAtEpochMs: now, timeToInteractiveMs: now - navigationStart, scriptsRunMs: scriptsRun - navigationStart };
  };
  requestAnimationFrame(onFrame);
}

const isScript = (request: Request): boolean => request.resourceType() === 'script' || /\.m?js(\?|$)/.test(new URL(request.url()).pathname);

/** A network to emulate (Chromium's DevTools throttling), e.g. a home network between a laptop and a server. */
export interface NetworkConditions {
  /** Round-trip time added to every request, in ms. */
  latencyMs: number;
  downloadMbitPerS: number;
  uploadMbitPerS: number;
}

/**
 * Opens the app's address in a fresh page of `context` and waits for the first screen. Returns the time to
 * interactive and every script requested before that frame, with its raw, gzip and transferred size.
 */
export async function loadFirstScreen(context: BrowserContext, url: string, options: { timeoutMs?: number; page?: Page; network?: NetworkConditions } = {}): Promise<FirstScreenLoad & { page: Page }> {
  await context.addInitScript(watchFirstScreen);
  const page = options.page ?? (await context.newPage());
  if (options.network !== undefined) {
    const devtools = await context.newCDPSession(page);
    await devtools.send('Network.enable');
    const bytesPerS = (mbit: number) => (mbit * 1_000_000) / 8;
    await devtools.send('Network.emulateNetworkConditions', {
      offline: false,
      latency: options.network.latencyMs,
      downloadThroughput: bytesPerS(options.network.downloadMbitPerS),
      uploadThroughput: bytesPerS(options.network.uploadMbitPerS),
    });
  }
  const finished: Request[] = [];
  page.on('requestfinished', (request) => {
    if (isScript(request)) finished.push(request);
  });
  await page.goto(url, { waitUntil: 'commit' });
  const handle = await page.waitForFunction(() => window.__firstScreen, undefined, { timeout: options.timeoutMs ?? 30_000, polling: 50 });
  const ready = (await handle.jsonValue())!;
  const scripts: ScriptLoad[] = [];
  for (const request of finished) {
    // Playwright's startTime is wall-clock milliseconds, as performance.timeOrigin is: the same clock.
    if (request.timing().startTime > ready.readyAtEpochMs) continue;
    const response = await request.response();
    if (response === null) continue;
    const body = await response.body();
    const sizes = await request.sizes();
    scripts.push({
      path: new URL(request.url()).pathname,
      rawBytes: body.length,
      gzipBytes: gzipSync(body, { level: 9 }).length,
      transferredBytes: sizes.responseBodySize,
      encoding: (await response.headerValue('content-encoding')) ?? null,
    });
  }
  return { page, timeToInteractiveMs: ready.timeToInteractiveMs, scriptsRunMs: ready.scriptsRunMs, scripts };
}

/** Sums a size over scripts. */
export const totalBytes = (scripts: readonly ScriptLoad[], key: 'rawBytes' | 'gzipBytes' | 'transferredBytes'): number => scripts.reduce((sum, s) => sum + s[key], 0);
