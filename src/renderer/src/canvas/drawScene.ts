import type { CellLook } from '../deploy/verifyView';
import { lineNear, overlaps, visibleRect, type ItemScene, type LineKind, type MachineLook, type SceneLine, type SiteScene, type Transform } from './geometry';

// Simplified drawing of a large design into one 2D canvas: a few batched paths (one per colour and dash pattern)
// instead of thousands of DOM elements. Only what is inside the area being drawn is added to the paths.

/** The theme colours the layer draws with, read from the CSS custom properties of the canvas. */
export interface Palette {
  text: string;
  textMuted: string;
  surface: string;
  surface2: string;
  border: string;
  accent: string;
  bad: string;
  warn: string;
  ok: string;
}

/** The subset of CanvasRenderingContext2D the layer uses (a fake in unit tests). */
export type DrawContext = Pick<
  CanvasRenderingContext2D,
  | 'setTransform'
  | 'clearRect'
  | 'beginPath'
  | 'moveTo'
  | 'lineTo'
  | 'rect'
  | 'roundRect'
  | 'stroke'
  | 'fill'
  | 'fillText'
  | 'setLineDash'
  | 'strokeStyle'
  | 'fillStyle'
  | 'lineWidth'
  | 'globalAlpha'
  | 'font'
  | 'textBaseline'
>;

/** What to draw: the layer draws sites and machines only in low-detail mode; overlay lines always. */
export interface LayerContent {
  sites: SiteScene;
  /** Machines and links; null when React Flow draws them (normal zoom). */
  items: ItemScene | null;
  /** Draw the site areas (low-detail mode, where the site nodes are transparent hit areas). */
  drawSites: boolean;
}

/** What was drawn, for tests and the benchmark's completeness check. */
export interface DrawStats {
  sites: number;
  machines: number;
  links: number;
  overlay: number;
}

/** The kinds of line the last verify draws between machines (VerifyEdge), one per cell look. */
export type VerifyLineKind = `verify-${CellLook}`;

/**
 * How one kind of line is drawn, in flow units: a palette colour (or a fixed one), width, dash and opacity. This
 * mirrors the edge rules of styles.css (.link-edge, .overlay-edge, .verify-edge) for everything that draws lines
 * without the DOM: the low-zoom layer and the SVG export. The export's pixel test in Chromium compares the two.
 */
export interface LineStyle {
  colour: keyof Palette | `#${string}`;
  width: number;
  dash: readonly number[];
  opacity: number;
}

/** The line styles of styles.css, per drawn link, predicted VPN path and verify look. */
export const lineStyles: Readonly<Record<LineKind | VerifyLineKind, LineStyle>> = {
  cable: { colour: 'text', width: 2, dash: [], opacity: 1 },
  portForward: { colour: '#3b82f6', width: 2, dash: [6, 3], opacity: 1 },
  jumpHost: { colour: '#a855f7', width: 2, dash: [2, 4], opacity: 1 },
  'overlay-direct': { colour: 'ok', width: 2.5, dash: [], opacity: 0.75 },
  'overlay-holePunched': { colour: '#3b82f6', width: 2.5, dash: [8, 4], opacity: 0.75 },
  'overlay-relayed': { colour: 'warn', width: 2.5, dash: [2, 5], opacity: 0.75 },
  'overlay-unreachable': { colour: 'bad', width: 2.5, dash: [10, 6], opacity: 0.75 },
  'verify-reached': { colour: 'ok', width: 2, dash: [], opacity: 1 },
  'verify-partly': { colour: 'warn', width: 2.5, dash: [7, 3], opacity: 1 },
  'verify-notReached': { colour: 'bad', width: 3, dash: [3, 3], opacity: 1 },
  'verify-untested': { colour: 'textMuted', width: 2, dash: [1, 4], opacity: 0.8 },
};

/** The colour a line style names, in a palette. */
export function styleColour(style: LineStyle, palette: Palette): string {
  return style.colour.startsWith('#') ? style.colour : palette[style.colour as keyof Palette];
}

/** The strokes of the machine node CSS, in flow units (they scale with the zoom like the SVG ones). */
const machineBorder = 1.5;
const noDash: number[] = [];

function strokeLines(ctx: DrawContext, lines: readonly SceneLine[], colour: string, width: number, dash: number[]): void {
  if (lines.length === 0) return;
  ctx.beginPath();
  for (const l of lines) {
    ctx.moveTo(l.x1, l.y1);
    ctx.lineTo(l.x2, l.y2);
  }
  ctx.strokeStyle = colour;
  ctx.lineWidth = width;
  ctx.setLineDash(dash);
  ctx.stroke();
}

/**
 * The dash pattern for a kind at a zoom. Overlay lines are drawn solid (their colour tells the path apart): in a
 * large design they are long and many, and dashing them is the most expensive thing to draw. Other dashes are
 * dropped when their period would be under 6 screen pixels, where they are invisible anyway.
 */
export function dashFor(kind: LineKind, zoom: number): number[] {
  const dash = lineStyles[kind].dash;
  if (dash.length === 0 || kind.startsWith('overlay')) return noDash;
  return (dash[0]! + dash[1]!) * zoom < 6 ? noDash : [...dash];
}

/** Draws lines grouped by kind (one path each), selected ones last and highlighted. Returns how many. */
function drawLines(ctx: DrawContext, lines: readonly SceneLine[], area: ReturnType<typeof visibleRect>, palette: Palette, zoom: number): number {
  const groups = new Map<LineKind, SceneLine[]>();
  const selected: SceneLine[] = [];
  let count = 0;
  for (const line of lines) {
    // An overlay line is drawn when one of its sites is in the area: the mesh of the sites in view, not every
    // line of a large mesh that happens to cross it.
    if (line.ends === undefined ? !lineNear(line, area) : !overlaps(line.ends[0], area) && !overlaps(line.ends[1], area)) continue;
    count += 1;
    if (line.selected) {
      selected.push(line);
      continue;
    }
    const group = groups.get(line.kind);
    if (group === undefined) groups.set(line.kind, [line]);
    else group.push(line);
  }
  for (const [kind, group] of groups) strokeLines(ctx, group, styleColour(lineStyles[kind], palette), lineStyles[kind].width, dashFor(kind, zoom));
  strokeLines(ctx, selected, palette.accent, lineStyles.cable.width * 1.5, noDash);
  return count;
}

/**
 * Draws the layer for a viewport transform into a canvas of `size` CSS pixels. Used both for the on-screen canvas
 * (while zooming) and for the cached bitmap a pan reuses (with the transform of the bitmap's region).
 */
export function drawLayer(ctx: DrawContext, content: LayerContent, transform: Transform, size: { width: number; height: number; pixelRatio: number }, palette: Palette): DrawStats {
  const [tx, ty, zoom] = transform;
  const ratio = size.pixelRatio;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, size.width * ratio, size.height * ratio);
  ctx.setTransform(zoom * ratio, 0, 0, zoom * ratio, tx * ratio, ty * ratio);
  const area = visibleRect(transform, size.width, size.height);
  const stats: DrawStats = { sites: 0, machines: 0, links: 0, overlay: 0 };

  // The overlay mesh first, under the translucent site areas (as the SVG edges lie under the site nodes), then
  // links, then machine boxes on top of the lines.
  ctx.globalAlpha = lineStyles['overlay-direct'].opacity;
  stats.overlay = drawLines(ctx, content.sites.overlay, area, palette, zoom);
  ctx.globalAlpha = 1;

  if (content.drawSites) {
    // Site areas as in the CSS: translucent surface, dashed border, accent border when selected.
    const shown = content.sites.sites.filter((s) => overlaps(s, area));
    stats.sites = shown.length;
    ctx.globalAlpha = 0.55;
    ctx.fillStyle = palette.surface;
    ctx.beginPath();
    for (const s of shown) if (!s.cloud) ctx.roundRect(s.x, s.y, s.width, s.height, 12);
    ctx.fill();
    ctx.globalAlpha = 1;
    ctx.fillStyle = '#60a5fa1a';
    ctx.beginPath();
    for (const s of shown) if (s.cloud) ctx.roundRect(s.x, s.y, s.width, s.height, 12);
    ctx.fill();
    ctx.strokeStyle = palette.border;
    ctx.lineWidth = 1.5;
    ctx.setLineDash(10 * zoom < 6 ? noDash : [6, 4]);
    ctx.beginPath();
    for (const s of shown) if (!s.selected) ctx.roundRect(s.x, s.y, s.width, s.height, 12);
    ctx.stroke();
    ctx.setLineDash(noDash);
    ctx.strokeStyle = palette.accent;
    ctx.lineWidth = 2 / zoom;
    ctx.beginPath();
    for (const s of shown) if (s.selected) ctx.roundRect(s.x, s.y, s.width, s.height, 12);
    ctx.stroke();
  }

  if (content.items !== null) {
    stats.links = drawLines(ctx, content.items.links, area, palette, zoom);
    const byLook = new Map<MachineLook, { x: number; y: number; width: number; height: number }[]>();
    for (const m of content.items.machines) {
      if (!overlaps(m, area)) continue;
      const list = byLook.get(m.look);
      if (list === undefined) byLook.set(m.look, [m]);
      else list.push(m);
      stats.machines += 1;
    }
    ctx.setLineDash(noDash);
    for (const [look, boxes] of byLook) {
      ctx.beginPath();
      for (const b of boxes) ctx.rect(b.x, b.y, b.width, b.height);
      ctx.fillStyle = look === 'unmanaged' ? palette.surface : palette.surface2;
      ctx.fill();
      ctx.strokeStyle = look === 'error' ? palette.bad : look === 'selected' ? palette.accent : palette.border;
      ctx.lineWidth = look === 'selected' ? machineBorder * 2 : machineBorder;
      ctx.stroke();
    }
  }

  if (content.drawSites) {
    // Site names at a readable screen size (the DOM header is unreadably small at this zoom).
    ctx.fillStyle = palette.text;
    ctx.font = `600 ${12 / zoom}px system-ui, sans-serif`;
    ctx.textBaseline = 'top';
    for (const s of content.sites.sites) {
      if (s.width * zoom < 48 || !overlaps(s, area)) continue;
      ctx.fillText(s.name || 'Unnamed site', s.x + 6 / zoom, s.y + 5 / zoom, s.width - 12 / zoom);
    }
  }
  return stats;
}

/** The light theme's colours (styles.css :root): the fallback when a property is missing, and what paper gets. */
export const lightPalette: Readonly<Palette> = {
  text: '#1b1f24',
  textMuted: '#57606a',
  surface: '#ffffff',
  surface2: '#eef0f3',
  border: '#d0d7de',
  accent: '#2563eb',
  bad: '#cf222e',
  warn: '#9a6700',
  ok: '#1a7f37',
};

/** The custom property of each palette colour. */
const paletteProperties: Record<keyof Palette, string> = {
  text: '--text',
  textMuted: '--text-muted',
  surface: '--surface',
  surface2: '--surface-2',
  border: '--border',
  accent: '--accent',
  bad: '--bad',
  warn: '--warn',
  ok: '--ok',
};

/** Reads the palette from the CSS custom properties in effect on an element (light or dark theme). */
export function readPalette(element: Element): Palette {
  const style = getComputedStyle(element);
  const palette = { ...lightPalette };
  for (const key of Object.keys(paletteProperties) as (keyof Palette)[]) palette[key] = style.getPropertyValue(paletteProperties[key]).trim() || lightPalette[key];
  return palette;
}
