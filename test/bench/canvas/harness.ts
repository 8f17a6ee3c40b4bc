import { generateDesign } from '../generateDesign';
import type { Design } from '../../../src/shared/model/types';

// In-page half of `npm run bench:canvas`, shared by the plain React Flow page and the app page so both are
// measured by the same code. The Node half (../canvas.run.ts) calls window.canvasBench.* through Playwright.

/** A React Flow viewport. */
export interface Viewport {
  x: number;
  y: number;
  zoom: number;
}

/** What a page gives the harness. */
export interface BenchPage {
  /** Starts rendering the design (mounts the canvas); the first-render clock starts just before this call. */
  render(design: Design): void;
  /**
   * Whether every element of the graph is on screen at the current view: each node and edge is either a DOM
   * element that React Flow has measured, or (app page, low zoom) drawn by the canvas layer for the current view.
   */
  complete(design: Design): boolean;
  /** The React Flow instance's viewport calls, available once the flow has initialised. */
  getViewport(): Viewport | null;
  setViewport(viewport: Viewport): void;
}

/** Results of the first render, as read by the Node side. */
export interface FirstRender {
  /** From the render call (design in memory) until the graph is complete and two more frames have run. */
  firstRenderMs: number;
  /** The same end point measured from navigation start (includes loading and parsing the bundle). */
  fromNavigationMs: number;
}

declare global {
  interface Window {
    canvasBench: {
      /** The generated design (for inspecting a page by hand). */
      design: Design;
      firstRender: Promise<FirstRender>;
      pan(options: { seconds: number; radius: number; zoom: number | null }): Promise<{ fps: number; frames: number; p95FrameMs: number; viewport: Viewport }>;
    };
  }
}

/**
 * The links both pages can draw as React Flow edges: between two machines. A port forward starts at a site, and a
 * site node has no handle, so neither page's React Flow renders it as an edge element.
 */
export function machineLinkCount(design: Design): number {
  return Object.values(design.links).filter((link) => design.machines[link.source as never] !== undefined && design.machines[link.target as never] !== undefined).length;
}

const frame = (): Promise<number> => new Promise((resolve) => requestAnimationFrame(resolve));

function isFitted(viewport: Viewport | null): boolean {
  return viewport !== null && (viewport.zoom !== 1 || viewport.x !== 0 || viewport.y !== 0);
}

/** The bounding box of all sites and machines, in flow coordinates (for centring the zoom-1 pan). */
function designCentre(design: Design): { x: number; y: number } {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (const site of Object.values(design.sites)) {
    x1 = Math.min(x1, site.position.x);
    y1 = Math.min(y1, site.position.y);
    x2 = Math.max(x2, site.position.x + site.size.width);
    y2 = Math.max(y2, site.position.y + site.size.height);
  }
  return { x: (x1 + x2) / 2, y: (y1 + y2) / 2 };
}

/**
 * Runs a page: generates the design from the URL's query (?machines=&links=&sites=&seed=), waits two frames so
 * the page is idle, then starts the clock and renders. The first render ends when `complete` holds in an
 * animation frame and two further frames have run (so the completed frame has been produced).
 */
export function runBenchPage(page: BenchPage): void {
  const query = new URLSearchParams(location.search);
  const num = (name: string, fallback: number) => Number(query.get(name) ?? fallback);
  const design = generateDesign({ machines: num('machines', 1000), links: num('links', 1500), sites: num('sites', 50), seed: num('seed', 42) });

  const firstRender = (async (): Promise<FirstRender> => {
    await frame();
    await frame();
    const start = performance.now();
    page.render(design);
    for (;;) {
      await frame();
      if (isFitted(page.getViewport()) && page.complete(design)) break;
      if (performance.now() - start > 60_000) throw new Error('the graph did not become complete within 60 s');
    }
    await frame();
    await frame();
    const end = performance.now();
    return { firstRenderMs: end - start, fromNavigationMs: end };
  })();

  window.canvasBench = {
    design,
    firstRender,
    /**
     * Pans in a circle of `radius` screen pixels around the current view (or, with `zoom`, around the design's
     * centre at that zoom), setting the viewport once per animation frame, and counts frames.
     */
    async pan({ seconds, radius, zoom }) {
      await firstRender;
      let base = page.getViewport()!;
      if (zoom !== null) {
        const c = designCentre(design);
        base = { x: innerWidth / 2 - c.x * zoom, y: innerHeight / 2 - c.y * zoom, zoom };
        page.setViewport(base);
        // Let the newly visible elements render and settle before measuring.
        const settle = performance.now();
        while (performance.now() - settle < 1500) await frame();
      }
      const start = await frame();
      let now = start;
      let frames = 0;
      const durations: number[] = [];
      while (now - start < seconds * 1000) {
        const angle = ((now - start) / 1500) * 2 * Math.PI;
        page.setViewport({ x: base.x + radius * Math.sin(angle), y: base.y + radius * (1 - Math.cos(angle)), zoom: base.zoom });
        const previous = now;
        now = await frame();
        durations.push(now - previous);
        frames += 1;
      }
      page.setViewport(base);
      durations.sort((a, b) => a - b);
      const p95FrameMs = durations[Math.min(durations.length - 1, Math.floor(durations.length * 0.95))] ?? 0;
      return { fps: (frames * 1000) / (now - start), frames, p95FrameMs, viewport: base };
    },
  };
}
