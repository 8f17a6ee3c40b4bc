import { getViewportForBounds } from '@xyflow/react';
import { MACHINE_NODE_SIZE } from '../../../shared/model/templates';
import type { Design } from '../../../shared/model/types';
import type { FlowEdge, FlowNode, LinkFlowEdge, OverlayFlowEdge } from './types';

// Pure geometry of the canvas, shared by the low-zoom layer, the simplified overview, hit testing and fitting the
// view. Everything is in flow coordinates unless a name says "screen". No DOM here: unit-tested in node.

/** A rectangle. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A point. */
export interface Point {
  x: number;
  y: number;
}

/** React Flow's viewport transform: translate x, translate y, zoom. */
export type Transform = readonly [number, number, number];

/** How a machine box is drawn at low zoom, mirroring the CSS classes of the node. */
export type MachineLook = 'normal' | 'unmanaged' | 'error' | 'selected';

/** What a line stands for: a drawn link kind or an overlay path. */
export type LineKind = 'cable' | 'portForward' | 'jumpHost' | 'overlay-direct' | 'overlay-holePunched' | 'overlay-relayed' | 'overlay-unreachable';

/** A site's area. */
export interface SceneSite extends Box {
  id: string;
  name: string;
  cloud: boolean;
  selected: boolean;
}

/** A machine's box. */
export interface SceneMachine extends Box {
  id: string;
  look: MachineLook;
}

/** A straight line from border to border of its two ends. */
export interface SceneLine {
  id: string;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
  kind: LineKind;
  selected: boolean;
  /** Overlay lines: the boxes of the two sites they join. */
  ends?: readonly [Box, Box];
}

/** Sites and the overlay edges between them: changes only when a site or the overlay changes. */
export interface SiteScene {
  sites: readonly SceneSite[];
  /** Derived overlay edges between sites (empty when the overlay is hidden). */
  overlay: readonly SceneLine[];
}

/** Machines and drawn links: changes with every edit, selection and drag. */
export interface ItemScene {
  machines: readonly SceneMachine[];
  links: readonly SceneLine[];
  /** The box around all sites and machines, or null for an empty design. */
  bounds: Box | null;
}

/** Sizes React Flow measured, by node id. */
export type MeasuredSizes = ReadonlyMap<string, { width: number; height: number }>;

/** The size a node takes: measured when known, else what the node says, else the machine default. */
export function nodeSize(node: FlowNode, measured: MeasuredSizes): { width: number; height: number } {
  const m = measured.get(node.id);
  if (m !== undefined) return m;
  if (node.type === 'site') return { width: node.width ?? node.data.site.size.width, height: node.height ?? node.data.site.size.height };
  return MACHINE_NODE_SIZE;
}

/** Absolute boxes of all nodes (children are positioned relative to their parent site). */
export function absoluteBoxes(nodes: readonly FlowNode[], measured: MeasuredSizes): Map<string, Box> {
  const boxes = new Map<string, Box>();
  // Parents come first in the array (React Flow requires it), so a child's parent is already placed.
  for (const node of nodes) {
    const parent = node.parentId === undefined ? undefined : boxes.get(node.parentId);
    const size = nodeSize(node, measured);
    boxes.set(node.id, { x: node.position.x + (parent?.x ?? 0), y: node.position.y + (parent?.y ?? 0), width: size.width, height: size.height });
  }
  return boxes;
}

/** Absolute boxes of a design's sites and machines, straight from the model (for fitting and focusing the view). */
export function designBoxes(design: Design, measured: MeasuredSizes): Map<string, Box> {
  const boxes = new Map<string, Box>();
  for (const site of Object.values(design.sites)) boxes.set(site.id, { x: site.position.x, y: site.position.y, width: site.size.width, height: site.size.height });
  for (const machine of Object.values(design.machines)) {
    const parent = machine.siteId === null ? undefined : boxes.get(machine.siteId);
    const size = measured.get(machine.id) ?? MACHINE_NODE_SIZE;
    boxes.set(machine.id, { x: machine.position.x + (parent?.x ?? 0), y: machine.position.y + (parent?.y ?? 0), width: size.width, height: size.height });
  }
  return boxes;
}

/** The centre of a box. */
export function centre(box: Box): Point {
  return { x: box.x + box.width / 2, y: box.y + box.height / 2 };
}

/** Where the line from a box's centre towards a point leaves the box, so lines float on the borders. */
export function borderPoint(box: Box, toward: Point): Point {
  const c = centre(box);
  const dx = toward.x - c.x;
  const dy = toward.y - c.y;
  if (dx === 0 && dy === 0) return c;
  const scale = Math.min(box.width / 2 / Math.abs(dx || 1e-9), box.height / 2 / Math.abs(dy || 1e-9));
  return { x: c.x + dx * Math.min(scale, 1), y: c.y + dy * Math.min(scale, 1) };
}

/** The line between two boxes, from border to border. */
export function floatingLine(a: Box, b: Box): { x1: number; y1: number; x2: number; y2: number } {
  const from = borderPoint(a, centre(b));
  const to = borderPoint(b, centre(a));
  return { x1: from.x, y1: from.y, x2: to.x, y2: to.y };
}

/**
 * A line moved sideways by `offset` (to the left of its direction, in flow units), so two lines between the same
 * nodes can both be seen: the last verify's line runs beside a drawn link between the same machines.
 */
export function offsetLine<L extends { x1: number; y1: number; x2: number; y2: number }>(line: L, offset: number): L {
  const length = Math.hypot(line.x2 - line.x1, line.y2 - line.y1);
  if (offset === 0 || length === 0) return line;
  const dx = (-(line.y2 - line.y1) / length) * offset;
  const dy = ((line.x2 - line.x1) / length) * offset;
  return { ...line, x1: line.x1 + dx, y1: line.y1 + dy, x2: line.x2 + dx, y2: line.y2 + dy };
}

/** The box around a list of boxes, or null when there are none. */
export function boundsOf(boxes: Iterable<Box>): Box | null {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (const b of boxes) {
    x1 = Math.min(x1, b.x);
    y1 = Math.min(y1, b.y);
    x2 = Math.max(x2, b.x + b.width);
    y2 = Math.max(y2, b.y + b.height);
  }
  return x1 === Infinity ? null : { x: x1, y: y1, width: x2 - x1, height: y2 - y1 };
}

function machineLook(node: Extract<FlowNode, { type: 'machine' }>): MachineLook {
  if (node.selected === true) return 'selected';
  if (node.data.severity === 'error') return 'error';
  return node.data.machine.managed ? 'normal' : 'unmanaged';
}

/** Sites and overlay lines, from the site nodes and the overlay edges. O(sites + overlay edges). */
export function buildSiteScene(siteNodes: readonly FlowNode[], overlayEdges: readonly FlowEdge[]): SiteScene {
  const boxes = absoluteBoxes(siteNodes, new Map());
  const sites: SceneSite[] = [];
  for (const node of siteNodes) {
    if (node.type !== 'site') continue;
    sites.push({ id: node.id, ...boxes.get(node.id)!, name: node.data.site.name, cloud: node.data.site.kind === 'cloud', selected: node.selected === true });
  }
  const overlay: SceneLine[] = [];
  for (const edge of overlayEdges) {
    const a = boxes.get(edge.source);
    const b = boxes.get(edge.target);
    const data = (edge as OverlayFlowEdge).data;
    if (a === undefined || b === undefined || edge.type !== 'overlay' || data === undefined) continue;
    overlay.push({ id: edge.id, ...floatingLine(a, b), kind: overlayKind(data.path), selected: false, ends: [a, b] });
  }
  return { sites, overlay };
}

/**
 * Machines and drawn links from all projected nodes and the link edges (so drag positions and selection are
 * already applied). O(nodes + links); run when the design, the selection or a drag changes, never per frame.
 */
export function buildItemScene(nodes: readonly FlowNode[], linkEdges: readonly FlowEdge[], measured: MeasuredSizes): ItemScene {
  const boxes = absoluteBoxes(nodes, measured);
  const machines: SceneMachine[] = [];
  for (const node of nodes) if (node.type === 'machine') machines.push({ id: node.id, ...boxes.get(node.id)!, look: machineLook(node) });
  const links: SceneLine[] = [];
  for (const edge of linkEdges) {
    const a = boxes.get(edge.source);
    const b = boxes.get(edge.target);
    const data = (edge as LinkFlowEdge).data;
    if (a === undefined || b === undefined || edge.type !== 'link' || data === undefined) continue;
    links.push({ id: edge.id, ...floatingLine(a, b), kind: data.kind, selected: edge.selected === true });
  }
  return { machines, links, bounds: boundsOf(boxes.values()) };
}

function overlayKind(path: string): LineKind {
  if (path === 'holePunched') return 'overlay-holePunched';
  if (path === 'relayed') return 'overlay-relayed';
  if (path === 'unreachable') return 'overlay-unreachable';
  return 'overlay-direct';
}

/** The part of the flow that is on screen. */
export function visibleRect([tx, ty, zoom]: Transform, width: number, height: number): Box {
  return { x: -tx / zoom, y: -ty / zoom, width: width / zoom, height: height / zoom };
}

/**
 * Follows the region around the view that a large design hands to React Flow at normal zoom: three views wide
 * and high, centred on the view. It keeps its region while the view stays inside and the zoom within a factor of
 * two, so panning changes it only about once per screen travelled. Returns a key that changes with the region.
 */
export class RegionTracker {
  private region: Box | null = null;
  private zoom = 0;
  private key = '';

  update(transform: Transform, width: number, height: number): string {
    if (width <= 0 || height <= 0) return '';
    const zoom = transform[2];
    const view = visibleRect(transform, width, height);
    if (this.region !== null && contains(this.region, view) && zoom < this.zoom * 2) return this.key;
    this.region = { x: view.x - view.width, y: view.y - view.height, width: view.width * 3, height: view.height * 3 };
    this.zoom = zoom;
    this.key = `${this.region.x},${this.region.y},${this.region.width},${this.region.height}`;
    return this.key;
  }
}

/** The region a tracker key stands for, or null for an empty key. */
export function regionFromKey(key: string): Box | null {
  if (key === '') return null;
  const [x, y, width, height] = key.split(',').map(Number) as [number, number, number, number];
  return { x, y, width, height };
}

/** Whether a box lies completely inside another. */
export function contains(outer: Box, inner: Box): boolean {
  return inner.x >= outer.x && inner.y >= outer.y && inner.x + inner.width <= outer.x + outer.width && inner.y + inner.height <= outer.y + outer.height;
}

/** The overlap of two boxes, or null. */
export function intersect(a: Box, b: Box): Box | null {
  const x1 = Math.max(a.x, b.x);
  const y1 = Math.max(a.y, b.y);
  const x2 = Math.min(a.x + a.width, b.x + b.width);
  const y2 = Math.min(a.y + a.height, b.y + b.height);
  return x2 > x1 && y2 > y1 ? { x: x1, y: y1, width: x2 - x1, height: y2 - y1 } : null;
}

/**
 * What a layer bitmap covers: the view grown by `margin` (a fraction of the view on each side), so panning within
 * it can reuse the bitmap. Only the part with content (`drawn`, inside the drawing's bounds) needs pixels; if that
 * would exceed `maxPixels` at this zoom, the bitmap covers just the view.
 */
export function cacheRegion(view: Box, zoom: number, margin: number, bounds: Box | null, maxPixels: number): { covered: Box; drawn: Box | null } {
  const grown = { x: view.x - view.width * margin, y: view.y - view.height * margin, width: view.width * (1 + 2 * margin), height: view.height * (1 + 2 * margin) };
  const drawn = bounds === null ? null : intersect(grown, bounds);
  if (drawn !== null && drawn.width * drawn.height * zoom * zoom > maxPixels) return { covered: view, drawn: bounds === null ? null : intersect(view, bounds) };
  return { covered: grown, drawn };
}

/** Whether two boxes overlap (touching counts). */
export function overlaps(a: Box, b: Box): boolean {
  return a.x <= b.x + b.width && b.x <= a.x + a.width && a.y <= b.y + b.height && b.y <= a.y + a.height;
}

/** Whether a line's bounding box overlaps a box (cheap culling, may keep a few lines that miss it). */
export function lineNear(line: SceneLine, box: Box): boolean {
  return Math.max(line.x1, line.x2) >= box.x && Math.min(line.x1, line.x2) <= box.x + box.width && Math.max(line.y1, line.y2) >= box.y && Math.min(line.y1, line.y2) <= box.y + box.height;
}

/**
 * The topmost machine under a point (the last drawn wins, as on screen), or null. With a `margin`, a point just
 * outside every box (up to the margin) finds the nearest box's machine: a pointer on a handle, which sits half
 * outside its node, still counts as on that machine.
 */
export function machineAt(scene: ItemScene, p: Point, margin = 0): SceneMachine | null {
  for (let i = scene.machines.length - 1; i >= 0; i -= 1) {
    const m = scene.machines[i]!;
    if (p.x >= m.x && p.x <= m.x + m.width && p.y >= m.y && p.y <= m.y + m.height) return m;
  }
  if (margin <= 0) return null;
  let best: SceneMachine | null = null;
  let bestDistance = margin;
  for (let i = scene.machines.length - 1; i >= 0; i -= 1) {
    const m = scene.machines[i]!;
    const dx = Math.max(m.x - p.x, 0, p.x - (m.x + m.width));
    const dy = Math.max(m.y - p.y, 0, p.y - (m.y + m.height));
    const d = Math.max(dx, dy);
    if (d < bestDistance) {
      best = m;
      bestDistance = d;
    }
  }
  return best;
}

/** The distance from a point to a line segment. */
export function distanceToSegment(p: Point, line: { x1: number; y1: number; x2: number; y2: number }): number {
  const dx = line.x2 - line.x1;
  const dy = line.y2 - line.y1;
  const length2 = dx * dx + dy * dy;
  const t = length2 === 0 ? 0 : Math.max(0, Math.min(1, ((p.x - line.x1) * dx + (p.y - line.y1) * dy) / length2));
  return Math.hypot(p.x - (line.x1 + t * dx), p.y - (line.y1 + t * dy));
}

/** The drawn link nearest to a point within a tolerance (flow units), or null. */
export function linkAt(scene: ItemScene, p: Point, tolerance: number): SceneLine | null {
  let best: SceneLine | null = null;
  let bestDistance = tolerance;
  for (const line of scene.links) {
    const d = distanceToSegment(p, line);
    if (d <= bestDistance) {
      best = line;
      bestDistance = d;
    }
  }
  return best;
}

/** Machines lying fully inside a box (React Flow's default "full" selection mode). */
export function machinesInside(scene: ItemScene, box: Box): string[] {
  return scene.machines.filter((m) => m.x >= box.x && m.y >= box.y && m.x + m.width <= box.x + box.width && m.y + m.height <= box.y + box.height).map((m) => m.id);
}

/** The box spanned by two corner points. */
export function boxFromCorners(a: Point, b: Point): Box {
  return { x: Math.min(a.x, b.x), y: Math.min(a.y, b.y), width: Math.abs(a.x - b.x), height: Math.abs(a.y - b.y) };
}

/** How "fit view" frames a design: padding around it, and the zoom range it may pick. */
export const FIT_OPTIONS = { padding: 0.15, minZoom: 0.05, maxZoom: 1.2 } as const;

/**
 * The viewport that shows a box with padding within the zoom limits: React Flow's own fitView formula, applied to
 * boxes from the design, which include machines React Flow has not rendered (or was not even given).
 */
export function viewportForBox(box: Box, width: number, height: number, options: { padding: number; minZoom: number; maxZoom: number }): { x: number; y: number; zoom: number } {
  return getViewportForBounds(box, width, height, options.minZoom, options.maxZoom, options.padding);
}

/**
 * The viewport that shows a box in the part of the canvas nothing floats over (issue 17): each piece of chrome (the
 * zoom controls, the overview map; boxes in canvas pixels) is kept clear by reserving the band along one side of the
 * canvas it sits in, the side that costs the least zoom. The result is what fitting to the whole canvas gives,
 * shifted and shrunk into the free part.
 */
export function viewportAvoiding(box: Box, width: number, height: number, chrome: readonly Box[], options: { padding: number; minZoom: number; maxZoom: number }): { x: number; y: number; zoom: number } {
  let best = viewportForBox(box, width, height, options);
  let bestZoom = -Infinity;
  const pieces = chrome.filter((c) => c.width > 0 && c.height > 0 && overlaps(c, { x: 0, y: 0, width, height }));
  // Four sides per piece; a handful of pieces, so trying every combination is cheap.
  const combinations = 4 ** pieces.length;
  for (let n = 0; n < combinations; n += 1) {
    const inset = { top: 0, right: 0, bottom: 0, left: 0 };
    let rest = n;
    for (const c of pieces) {
      const side = rest % 4;
      rest = Math.floor(rest / 4);
      if (side === 0) inset.top = Math.max(inset.top, c.y + c.height);
      else if (side === 1) inset.bottom = Math.max(inset.bottom, height - c.y);
      else if (side === 2) inset.left = Math.max(inset.left, c.x + c.width);
      else inset.right = Math.max(inset.right, width - c.x);
    }
    const freeWidth = width - inset.left - inset.right;
    const freeHeight = height - inset.top - inset.bottom;
    if (freeWidth < width * 0.3 || freeHeight < height * 0.3) continue;
    const view = viewportForBox(box, freeWidth, freeHeight, options);
    if (view.zoom > bestZoom + 1e-9) {
      best = { x: view.x + inset.left, y: view.y + inset.top, zoom: view.zoom };
      bestZoom = view.zoom;
    }
  }
  return best;
}

/** Whether a view (React Flow's viewport) of a canvas this size shows some of a box. */
export function viewShows(view: { x: number; y: number; zoom: number }, width: number, height: number, box: Box): boolean {
  return view.zoom > 0 && intersect(visibleRect([view.x, view.y, view.zoom], width, height), box) !== null;
}

/** Whether a view of `width` x `height` pixels shows all of `box` (in canvas coordinates). */
export function viewShowsAll(view: { x: number; y: number; zoom: number }, width: number, height: number, box: Box): boolean {
  if (view.zoom <= 0) return false;
  const left = box.x * view.zoom + view.x;
  const top = box.y * view.zoom + view.y;
  return left >= -0.5 && top >= -0.5 && left + box.width * view.zoom <= width + 0.5 && top + box.height * view.zoom <= height + 0.5;
}

/**
 * The background grid's gap for a zoom level: the snap grid doubled until the dots are at least `minScreenGap`
 * pixels apart, so zooming out never fills the screen with hundreds of thousands of dots.
 */
export function backgroundGap(zoom: number, grid: number, minScreenGap = 12): number {
  let gap = grid;
  while (gap * zoom < minScreenGap && gap < grid * 1024) gap *= 2;
  return gap;
}

/** Maps flow coordinates into an overview of `width` x `height` pixels: one scale for both axes, centred. */
export function overviewMapping(bounds: Box, width: number, height: number, pad: number): { scale: number; ox: number; oy: number } {
  const scale = Math.min((width - 2 * pad) / Math.max(bounds.width, 1), (height - 2 * pad) / Math.max(bounds.height, 1));
  return { scale, ox: (width - bounds.width * scale) / 2 - bounds.x * scale, oy: (height - bounds.height * scale) / 2 - bounds.y * scale };
}
