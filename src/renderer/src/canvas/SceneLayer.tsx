import { useStore as useFlowStore, useStoreApi, ViewportPortal, type ReactFlowState } from '@xyflow/react';
import { memo, useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { drawLayer, readPalette, type DrawStats, type LayerContent } from './drawScene';
import { boundsOf, cacheRegion, contains, visibleRect, type Box } from './geometry';

const sizeSelector = (s: ReactFlowState) => `${s.width}x${s.height}`;
/** The bitmap covers the view plus up to this fraction of it on every side, so panning needs no redraw. */
const MARGINS = [1, 0.5];
/** At most this many device pixels in the bitmap (about 64 MB). */
const MAX_PIXELS = 16_000_000;
/** After a zoom or an edit the bitmap is redrawn at full size once things have been still for this long. */
const SETTLE_MS = 150;

/** Follows the system colour scheme, so the layer redraws with the other theme's colours. */
function useColourScheme(): 'light' | 'dark' {
  const [scheme, setScheme] = useState<'light' | 'dark'>(() => (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light'));
  useEffect(() => {
    const query = matchMedia('(prefers-color-scheme: dark)');
    const onChange = () => setScheme(query.matches ? 'dark' : 'light');
    query.addEventListener('change', onChange);
    return () => query.removeEventListener('change', onChange);
  }, []);
  return scheme;
}

/** What the bitmap holds. */
interface Drawn {
  /** The part of the flow the bitmap stands for (it may be empty there). */
  covered: Box;
  zoom: number;
}

/**
 * Draws what React Flow should not draw as DOM in a large design into one <canvas> that lives inside React Flow's
 * viewport, below its edges and nodes: at low zoom the sites, machines and all lines; at normal zoom the overlay
 * mesh between sites (thousands of long SVG lines otherwise).
 *
 * The canvas is a bitmap of the view and its surroundings at the current zoom, placed in flow coordinates, so the
 * viewport transform moves it along: panning costs no drawing at all. It is redrawn when the view leaves the part
 * it covers, when the content changes (first just the view, then the surroundings once things settle) and after a
 * zoom settles (until then the browser scales the old bitmap). Pointer events go through to the pane and nodes.
 */
function SceneLayerView({ content }: { content: LayerContent }) {
  const store = useStoreApi();
  const canvas = useRef<HTMLCanvasElement | null>(null);
  // The canvas appears only once React Flow's viewport portal exists: its mounting re-runs the drawing effect.
  const [mounted, setMounted] = useState(false);
  const attach = useCallback((element: HTMLCanvasElement | null) => {
    canvas.current = element;
    setMounted(element !== null);
  }, []);
  const drawn = useRef<Drawn | null>(null);
  const size = useFlowStore(sizeSelector);
  const scheme = useColourScheme();
  const [width, height] = size.split('x').map(Number) as [number, number];
  const pixelRatio = typeof devicePixelRatio === 'number' && devicePixelRatio > 0 ? devicePixelRatio : 1;

  useLayoutEffect(() => {
    const element = canvas.current;
    if (!mounted || element === null || width === 0 || height === 0) return;
    // Read again whenever the colour scheme changes (scheme is a dependency).
    const palette = readPalette(element);
    const bounds = content.items?.bounds ?? boundsOf(content.sites.sites);
    let timer: ReturnType<typeof setTimeout> | undefined;

    /** Redraws the bitmap for the current view; with `full`, including the surroundings. */
    const redraw = (full: boolean) => {
      const { transform } = store.getState();
      const zoom = transform[2];
      const view = visibleRect(transform, width, height);
      const maxPixels = MAX_PIXELS / (pixelRatio * pixelRatio);
      let region = cacheRegion(view, zoom, full ? MARGINS[0]! : 0, bounds, maxPixels);
      if (full && region.covered === view) region = cacheRegion(view, zoom, MARGINS[1]!, bounds, maxPixels);
      const area = region.drawn ?? { x: view.x, y: view.y, width: 1 / zoom, height: 1 / zoom };
      const w = Math.max(1, Math.ceil(area.width * zoom));
      const h = Math.max(1, Math.ceil(area.height * zoom));
      // Drawn off screen, then handed over as an immutable ImageBitmap: a plain 2D canvas inside the viewport would
      // be copied into the viewport's display list on every repaint (tens of megabytes per frame while panning).
      const offscreen = new OffscreenCanvas(Math.round(w * pixelRatio), Math.round(h * pixelRatio));
      const stats: DrawStats =
        region.drawn === null
          ? { sites: 0, machines: 0, links: 0, overlay: 0 }
          : drawLayer(offscreen.getContext('2d')!, content, [-area.x * zoom, -area.y * zoom, zoom], { width: w, height: h, pixelRatio }, palette);
      element.width = offscreen.width;
      element.height = offscreen.height;
      element.getContext('bitmaprenderer')!.transferFromImageBitmap(offscreen.transferToImageBitmap());
      element.style.width = `${w}px`;
      element.style.height = `${h}px`;
      // Placed in flow coordinates: the viewport's scale makes one bitmap pixel one screen pixel at this zoom.
      element.style.transform = `translate(${area.x}px, ${area.y}px) scale(${1 / zoom})`;
      drawn.current = { covered: region.covered, zoom };
      // What the bitmap holds, read by the canvas benchmark to know when the first frame is complete.
      element.dataset.zoom = String(zoom);
      element.dataset.covered = `${region.covered.x},${region.covered.y},${region.covered.width},${region.covered.height}`;
      element.dataset.machines = String(stats.machines);
      element.dataset.links = String(stats.links);
    };

    const settle = () => {
      clearTimeout(timer);
      timer = setTimeout(() => redraw(true), SETTLE_MS);
    };

    const follow = () => {
      const current = drawn.current;
      const { transform } = store.getState();
      if (current === null) {
        redraw(true);
      } else if (current.zoom !== transform[2]) {
        // Zooming: the browser scales the bitmap for now; draw sharp once the zoom rests. If the view already
        // reaches past the bitmap, draw the view now so nothing goes missing.
        if (!contains(current.covered, visibleRect(transform, width, height))) redraw(false);
        settle();
      } else if (!contains(current.covered, visibleRect(transform, width, height))) {
        redraw(true);
      }
    };

    // New content (an edit, a selection, a drag step): draw the view at once, the surroundings once it settles.
    if (drawn.current === null) {
      redraw(true);
    } else {
      redraw(false);
      settle();
    }
    const unsubscribe = store.subscribe((state, previous) => {
      if (state.transform !== previous.transform) follow();
    });
    return () => {
      unsubscribe();
      clearTimeout(timer);
    };
  }, [store, mounted, content, width, height, pixelRatio, scheme]);

  // A new layer starts without a bitmap.
  useEffect(() => () => void (drawn.current = null), []);

  return (
    <ViewportPortal>
      <canvas ref={attach} className="scene-layer" aria-hidden="true" />
    </ViewportPortal>
  );
}

/** Memoised: it re-renders only when the content or the canvas size change. */
export const SceneLayer = memo(SceneLayerView);
