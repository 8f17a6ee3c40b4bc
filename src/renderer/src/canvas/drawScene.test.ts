import { describe, expect, test } from 'vitest';
import { dashFor, drawLayer, type DrawContext, type LayerContent, type Palette } from './drawScene';
import type { SceneLine, SceneMachine, SceneSite } from './geometry';

/** Records what the layer asks of a 2D context. */
function fakeContext() {
  const calls: string[] = [];
  const strokes: { style: string; width: number; dash: number[]; segments: number }[] = [];
  let segments = 0;
  let dash: number[] = [];
  const ctx = {
    strokeStyle: '',
    fillStyle: '',
    lineWidth: 1,
    globalAlpha: 1,
    font: '',
    textBaseline: 'alphabetic',
    setTransform: (...args: number[]) => calls.push(`setTransform ${args.join(' ')}`),
    clearRect: () => calls.push('clearRect'),
    beginPath: () => {
      segments = 0;
    },
    moveTo: () => {
      segments += 1;
    },
    lineTo: () => undefined,
    rect: () => calls.push('rect'),
    roundRect: () => calls.push('roundRect'),
    stroke: () => strokes.push({ style: String(ctx.strokeStyle), width: ctx.lineWidth, dash, segments }),
    fill: () => calls.push('fill'),
    fillText: (text: string) => calls.push(`text ${text}`),
    setLineDash: (d: number[]) => {
      dash = d;
    },
  };
  return { ctx: ctx as unknown as DrawContext, calls, strokes };
}

const palette: Palette = { text: 'T', textMuted: 'M', surface: 'S', surface2: 'S2', border: 'B', accent: 'A', bad: 'R', warn: 'W', ok: 'G' };
const site = (id: string, x: number, selected = false): SceneSite => ({ id, name: `Site ${id}`, cloud: false, selected, x, y: 0, width: 800, height: 600 });
const machine = (id: string, x: number, y: number, look: SceneMachine['look'] = 'normal'): SceneMachine => ({ id, x, y, width: 168, height: 60, look });
const line = (id: string, x1: number, x2: number, kind: SceneLine['kind'], selected = false): SceneLine => ({ id, x1, y1: 100, x2, y2: 100, kind, selected });

const content = (drawSites: boolean): LayerContent => ({
  sites: {
    sites: [site('a', 0), site('b', 20_000, true)],
    overlay: [{ ...line('ov', 800, 20_000, 'overlay-holePunched'), ends: [site('a', 0), site('b', 20_000)] }],
  },
  items: drawSites
    ? {
        machines: [machine('m1', 20, 50), machine('m2', 220, 50, 'error'), machine('far', 20_000, 50)],
        links: [line('l1', 188, 220, 'cable'), line('l2', 188, 220, 'jumpHost'), line('l3', 188, 220, 'cable', true), line('farLink', 20_000, 20_100, 'cable')],
        bounds: { x: 0, y: 0, width: 20_168, height: 600 },
      }
    : null,
  drawSites,
});

describe('drawing the layer', () => {
  test('low detail: sites, overlay, links and machines inside the area, in few batched paths', () => {
    const { ctx, calls, strokes } = fakeContext();
    const stats = drawLayer(ctx, content(true), [0, 0, 0.1], { width: 1280, height: 800, pixelRatio: 2 }, palette);
    // The area is 12,800 x 8,000 flow units: site b is out, far machine and link too, the overlay line is in
    // (its site a is).
    expect(stats).toEqual({ sites: 1, machines: 2, links: 3, overlay: 1 });
    expect(calls[0]).toBe('setTransform 1 0 0 1 0 0');
    expect(calls).toContain('setTransform 0.2 0 0 0.2 0 0');
    expect(calls.filter((c) => c === 'rect')).toHaveLength(2);
    expect(calls).toContain('text Site a');
    // One path per kind: cable, jump host, then the selected link in the accent colour.
    const linkStrokes = strokes.filter((s) => s.style === 'T' || s.style === '#a855f7' || s.style === 'A');
    expect(linkStrokes.map((s) => s.segments)).toEqual(expect.arrayContaining([1, 1, 1]));
    // At this zoom no dashes: they would be sub-pixel.
    expect(strokes.every((s) => s.dash.length === 0)).toBe(true);
    // The error machine has its own path with the error colour.
    expect(strokes.some((s) => s.style === 'R')).toBe(true);
  });

  test('normal zoom: only the overlay mesh (React Flow draws the rest)', () => {
    const { ctx, calls } = fakeContext();
    const stats = drawLayer(ctx, content(false), [0, 0, 1], { width: 1280, height: 800, pixelRatio: 1 }, palette);
    expect(stats).toEqual({ sites: 0, machines: 0, links: 0, overlay: 1 });
    expect(calls.filter((c) => c === 'roundRect' || c === 'rect' || c.startsWith('text'))).toHaveLength(0);
  });

  test('an overlay line is skipped when neither of its sites is in the area, even if it crosses it', () => {
    const { ctx } = fakeContext();
    const crossing: LayerContent = {
      sites: { sites: [], overlay: [{ ...line('ov', -5000, 5000, 'overlay-direct'), ends: [site('x', -6000), site('y', 5000)] }] },
      items: null,
      drawSites: false,
    };
    expect(drawLayer(ctx, crossing, [0, 0, 1], { width: 1280, height: 800, pixelRatio: 1 }, palette).overlay).toBe(0);
  });

  test('dashes: kept for links when visible, dropped when sub-pixel, never for the overlay', () => {
    expect(dashFor('jumpHost', 1)).toEqual([2, 4]);
    expect(dashFor('jumpHost', 0.5)).toEqual([]);
    expect(dashFor('portForward', 1)).toEqual([6, 3]);
    expect(dashFor('cable', 2)).toEqual([]);
    expect(dashFor('overlay-relayed', 2)).toEqual([]);
  });
});
