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

/** The strokes of the node and edge CSS, in flow units (they scale with the zoom like the SVG ones). */
const linkWidth = 2;
const overlayWidth = 2.5;
const machineBorder = 1.5;
const dashes: Partial<Record<LineKind, number[]>> = {
  portForward: [6, 3],
  jumpHost: [2, 4],
  'overlay-holePunched': [8, 4],
  'overlay-relayed': [2, 5],
  'overlay-unreachable': [10, 6],
};
const noDash: number[] = [];

function lineColour(kind: LineKind, palette: Palette): string {
  switch (kind) {
    case 'cable':
      return palette.text;
    case 'portForward':
    case 'overlay-holePunched':
      return '#3b82f6';
    case 'jumpHost':
      return '#a855f7';
    case 'overlay-direct':
      return palette.ok;
    case 'overlay-relayed':
      return palette.warn;
    case 'overlay-unreachable':
      return palette.bad;
  }
}

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
  const dash = dashes[kind];
  if (dash === undefined || kind.startsWith('overlay')) return noDash;
  return (dash[0]! + dash[1]!) * zoom < 6 ? noDash : dash;
}

/** Draws lines grouped by kind (one path each), selected ones last and highlighted. Returns how many. */
function drawLines(ctx: DrawContext, lines: readonly SceneLine[], area: ReturnType<typeof visibleRect>, palette: Palette, width: number, zoom: number): number {
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
  for (const [kind, group] of groups) strokeLines(ctx, group, lineColour(kind, palette), width, dashFor(kind, zoom));
  strokeLines(ctx, selected, palette.accent, width * 1.5, noDash);
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
  ctx.globalAlpha = 0.75;
  stats.overlay = drawLines(ctx, content.sites.overlay, area, palette, overlayWidth, zoom);
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
    stats.links = drawLines(ctx, content.items.links, area, palette, linkWidth, zoom);
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

/** Reads the palette from the CSS custom properties in effect on an element (light or dark theme). */
export function readPalette(element: Element): Palette {
  const style = getComputedStyle(element);
  const v = (name: string, fallback: string) => style.getPropertyValue(name).trim() || fallback;
  return {
    text: v('--text', '#1b1f24'),
    textMuted: v('--text-muted', '#57606a'),
    surface: v('--surface', '#ffffff'),
    surface2: v('--surface-2', '#eef0f3'),
    border: v('--border', '#d0d7de'),
    accent: v('--accent', '#2563eb'),
    bad: v('--bad', '#cf222e'),
    warn: v('--warn', '#9a6700'),
    ok: v('--ok', '#1a7f37'),
  };
}
