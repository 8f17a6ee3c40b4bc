import { Panel, useReactFlow, useStoreApi } from '@xyflow/react';
import { memo, useLayoutEffect, useRef, type PointerEvent, type WheelEvent } from 'react';
import { readPalette } from './drawScene';
import { overviewMapping, visibleRect, type ItemScene, type SiteScene } from './geometry';
import type { FlowEdge, FlowNode } from './types';

const WIDTH = 160;
const HEIGHT = 110;
const PAD = 6;
/** How far the overview reaches in from the canvas's right edge: its margin (12), border (2) and width. */
export const OVERVIEW_REACH = 12 + 2 + WIDTH;

/**
 * The overview of a large design: React Flow's MiniMap draws one SVG element per node and re-renders them with the
 * view, which costs frames with thousands of machines. This draws sites and machines once into a bitmap and only
 * the view rectangle per frame. Click or drag to move the view there; the wheel zooms.
 */
function OverviewMapView({ sites, items }: { sites: SiteScene; items: ItemScene }) {
  const store = useStoreApi();
  const flow = useReactFlow<FlowNode, FlowEdge>();
  const canvas = useRef<HTMLCanvasElement>(null);
  const bounds = items.bounds ?? { x: 0, y: 0, width: 1, height: 1 };
  const mapping = overviewMapping(bounds, WIDTH, HEIGHT, PAD);

  useLayoutEffect(() => {
    const element = canvas.current;
    const ctx = element?.getContext('2d');
    if (element === null || ctx === null || ctx === undefined) return;
    const palette = readPalette(element);
    const ratio = typeof devicePixelRatio === 'number' && devicePixelRatio > 0 ? devicePixelRatio : 1;
    // The static part: sites and machines, drawn once per scene.
    const still = document.createElement('canvas');
    still.width = WIDTH * ratio;
    still.height = HEIGHT * ratio;
    const s = still.getContext('2d');
    if (s === null) return;
    s.setTransform(mapping.scale * ratio, 0, 0, mapping.scale * ratio, mapping.ox * ratio, mapping.oy * ratio);
    s.beginPath();
    for (const site of sites.sites) s.rect(site.x, site.y, site.width, site.height);
    s.fillStyle = palette.surface2;
    s.fill();
    s.beginPath();
    for (const m of items.machines) s.rect(m.x, m.y, m.width, m.height);
    s.fillStyle = palette.border;
    s.fill();
    const draw = () => {
      const { transform, width, height } = store.getState();
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, element.width, element.height);
      ctx.drawImage(still, 0, 0);
      const view = visibleRect(transform, width, height);
      ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
      ctx.strokeStyle = palette.accent;
      ctx.lineWidth = 1.5;
      ctx.strokeRect(view.x * mapping.scale + mapping.ox, view.y * mapping.scale + mapping.oy, view.width * mapping.scale, view.height * mapping.scale);
    };
    draw();
    return store.subscribe((state, previous) => {
      if (state.transform !== previous.transform || state.width !== previous.width || state.height !== previous.height) draw();
    });
  }, [store, sites, items, mapping.scale, mapping.ox, mapping.oy]);

  const toFlow = (event: PointerEvent | WheelEvent) => {
    const box = event.currentTarget.getBoundingClientRect();
    return { x: (event.clientX - box.left - mapping.ox) / mapping.scale, y: (event.clientY - box.top - mapping.oy) / mapping.scale };
  };
  const moveTo = (event: PointerEvent<HTMLCanvasElement>) => {
    const p = toFlow(event);
    void flow.setCenter(p.x, p.y, { zoom: flow.getZoom() });
  };

  return (
    <Panel position="bottom-right" className="overview-map canvas-chrome">
      <canvas
        ref={canvas}
        width={WIDTH * (typeof devicePixelRatio === 'number' && devicePixelRatio > 0 ? devicePixelRatio : 1)}
        height={HEIGHT * (typeof devicePixelRatio === 'number' && devicePixelRatio > 0 ? devicePixelRatio : 1)}
        style={{ width: WIDTH, height: HEIGHT }}
        role="img"
        aria-label="Overview of the whole design"
        onPointerDown={(event) => {
          event.currentTarget.setPointerCapture(event.pointerId);
          moveTo(event);
        }}
        onPointerMove={(event) => {
          if (event.buttons === 1) moveTo(event);
        }}
        onWheel={(event) => void flow.zoomTo(flow.getZoom() * (event.deltaY > 0 ? 0.8 : 1.25))}
      />
      <div className="overview-note">Simplified overview: large design</div>
    </Panel>
  );
}

/** Memoised: it re-renders only when the drawing changes. */
export const OverviewMap = memo(OverviewMapView);
