import { siteKindLabels, natLabels, qualityLabels } from './labels';
import { absolutePosition } from './ops';
import { MACHINE_NODE_SIZE } from './templates';
import type { Design, MachineId, Site, SiteId } from './types';

// Where machines go on the canvas (issue 17): every way a machine gets a place (added from the palette, dropped,
// moved to another site in the inspector, pasted) puts it in free space, never on another machine, and inside its
// site, which grows to fit. As in draw.io's containers, a site is never smaller than what it holds. Pure: positions
// in, positions out, unit-tested in node; the canvas passes the sizes it measured.

/** A point on the canvas. */
export interface Point {
  x: number;
  y: number;
}

/** A box on the canvas. */
export interface Rect extends Point {
  width: number;
  height: number;
}

/** A machine's size on the canvas, by id: what the canvas measured, or the standard size. */
export type SizeOf = (id: MachineId) => { width: number; height: number };

/** The standard machine size, for callers that have no measured sizes (tests, the file format's defaults). */
export const standardSize: SizeOf = () => MACHINE_NODE_SIZE;

/** Room a site keeps free around its machines: its header (name and badges) on top, a margin on the other sides. */
export const SITE_INSETS = { left: 24, top: 52, right: 24, bottom: 24 } as const;

/** Space the app keeps between machines it places itself (as the wizard's grid and the tidy-up do). */
export const PLACEMENT_GAP = 20;

/** Space a machine let go by hand keeps from the others: less, so it stays close to where it was dropped. */
export const DROP_GAP = 8;

/** The search steps one grid cell at a time, so a place found on a snapped canvas stays on the grid. */
const STEP = 16;

/** Bounds for a box's top-left and bottom-right corner; a side may be open (Infinity). */
export interface Region {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

const open: Region = { minX: -Infinity, minY: -Infinity, maxX: Infinity, maxY: Infinity };

/** Whether a box of `size` at `p` keeps at least `gap` from every obstacle. */
function isFree(p: Point, size: { width: number; height: number }, obstacles: readonly Rect[], gap: number): boolean {
  for (const o of obstacles) {
    if (p.x < o.x + o.width + gap && o.x < p.x + size.width + gap && p.y < o.y + o.height + gap && o.y < p.y + size.height + gap) return false;
  }
  return true;
}

function withinRegion(p: Point, size: { width: number; height: number }, region: Region): boolean {
  return p.x >= region.minX && p.y >= region.minY && p.x + size.width <= region.maxX && p.y + size.height <= region.maxY;
}

/**
 * The free place nearest to `preferred` for a box of `size`: at least `gap` from every obstacle and inside `region`.
 * Searches rings of grid steps around `preferred` (the point itself first), so a free spot where the user let go is
 * kept as it is. Null when there is none within `maxRings` steps.
 */
export function findFreeSpot(obstacles: readonly Rect[], size: { width: number; height: number }, preferred: Point, gap: number, region: Region = open, maxRings = 400): Point | null {
  // Only obstacles that can matter for the box somewhere in the searched square.
  const reach = maxRings * STEP + gap;
  const near = obstacles.filter((o) => o.x < preferred.x + size.width + reach && o.x + o.width > preferred.x - reach && o.y < preferred.y + size.height + reach && o.y + o.height > preferred.y - reach);
  for (let ring = 0; ring <= maxRings; ring += 1) {
    let best: Point | null = null;
    let bestDistance = Infinity;
    for (let i = -ring; i <= ring; i += 1) {
      for (let j = -ring; j <= ring; j += 1) {
        // The ring only: the inner squares were searched before.
        if (Math.max(Math.abs(i), Math.abs(j)) !== ring) continue;
        const p = { x: preferred.x + i * STEP, y: preferred.y + j * STEP };
        if (!withinRegion(p, size, region)) continue;
        // Ties go below, then to the right: the way a list of machines grows.
        const distance = Math.hypot(i, j) - j * 1e-6 - i * 1e-9;
        if (distance < bestDistance && isFree(p, size, near, gap)) {
          best = p;
          bestDistance = distance;
        }
      }
    }
    if (best !== null) return best;
    // The searched square holds the whole region: nothing further out can be in it.
    if (ringLeftRegion(preferred, ring, size, region)) return null;
  }
  return null;
}

/** Whether the square of `ring` steps around `preferred` already holds the whole region. */
function ringLeftRegion(preferred: Point, ring: number, size: { width: number; height: number }, region: Region): boolean {
  const reach = ring * STEP;
  return preferred.x - reach < region.minX && preferred.y - reach < region.minY && preferred.x + reach + size.width > region.maxX && preferred.y + reach + size.height > region.maxY;
}

/** The boxes of a site's machines (relative to the site), or of the machines in no site (absolute), except one. */
function machineBoxes(design: Design, siteId: SiteId | null, except: MachineId, sizeOf: SizeOf): Rect[] {
  const boxes: Rect[] = [];
  for (const m of Object.values(design.machines)) {
    if (m.id === except) continue;
    const inSite = m.siteId !== null && design.sites[m.siteId] !== undefined ? m.siteId : null;
    if (inSite === siteId) boxes.push({ ...m.position, ...sizeOf(m.id) });
  }
  return boxes;
}

/** Options of the placement functions. */
export interface PlaceOptions {
  /** Where the machine should go if that place is free: relative to the site, or absolute outside sites. */
  preferred?: Point;
  /** Space to keep from other machines (PLACEMENT_GAP unless said). */
  gap?: number;
  sizeOf?: SizeOf;
}

/**
 * The design with a machine moved into a site, in free space: nearest to `preferred` (a drop), or else the first
 * free place in reading order inside the site. The site grows to fit when there is no room left, or when the place
 * let go of sticks out of it.
 */
export function placeInSite(design: Design, machineId: MachineId, siteId: SiteId, options: PlaceOptions = {}): Design {
  const site = design.sites[siteId];
  const machine = design.machines[machineId];
  if (site === undefined || machine === undefined) return design;
  const sizeOf = options.sizeOf ?? standardSize;
  const gap = options.gap ?? PLACEMENT_GAP;
  const size = sizeOf(machineId);
  const obstacles = machineBoxes(design, siteId, machineId, sizeOf);
  const { left, top, right, bottom } = SITE_INSETS;
  // Never in the header or over the left margin; to the right and below the site may grow.
  const growable: Region = { minX: left, minY: top, maxX: Infinity, maxY: Infinity };
  let spot: Point | null;
  if (options.preferred !== undefined) {
    const preferred = { x: Math.max(left, Math.round(options.preferred.x)), y: Math.max(top, Math.round(options.preferred.y)) };
    spot = findFreeSpot(obstacles, size, preferred, gap, growable);
  } else {
    const content: Region = { minX: left, minY: top, maxX: site.size.width - right, maxY: site.size.height - bottom };
    const first = { x: left, y: top };
    spot = findFreeSpot(obstacles, size, first, gap, content) ?? findFreeSpot(obstacles, size, first, gap, growable);
  }
  // Always found in an open region; kept safe for a site packed beyond the search: below everything.
  spot ??= { x: left, y: Math.max(top, ...obstacles.map((o) => o.y + o.height + gap)) };
  const unchanged = machine.siteId === siteId && machine.position.x === spot.x && machine.position.y === spot.y;
  const placed = unchanged ? design : { ...design, machines: { ...design.machines, [machineId]: { ...machine, siteId, position: spot } } };
  return growSiteToFit(placed, siteId, sizeOf);
}

/**
 * The design with a machine in no site, in free space nearest to `preferred` (absolute): never on another machine
 * in no site, and never on a site's area (it would look as if it were in that site).
 */
export function placeOutsideSites(design: Design, machineId: MachineId, preferred: Point, options: Omit<PlaceOptions, 'preferred'> = {}): Design {
  const machine = design.machines[machineId];
  if (machine === undefined) return design;
  const sizeOf = options.sizeOf ?? standardSize;
  const gap = options.gap ?? PLACEMENT_GAP;
  const obstacles = [...machineBoxes(design, null, machineId, sizeOf), ...Object.values(design.sites).map(siteRect)];
  const start = { x: Math.round(preferred.x), y: Math.round(preferred.y) };
  const spot = findFreeSpot(obstacles, sizeOf(machineId), start, gap) ?? start;
  if (machine.siteId === null && machine.position.x === spot.x && machine.position.y === spot.y) return design;
  return { ...design, machines: { ...design.machines, [machineId]: { ...machine, siteId: null, position: spot } } };
}

/**
 * Settles a machine where it was let go (a drag, a paste): the nearest free place in its site (which grows to fit)
 * or outside every site. A machine already in free space stays exactly where it is.
 */
export function settleMachine(design: Design, machineId: MachineId, options: Omit<PlaceOptions, 'preferred'> = {}): Design {
  const machine = design.machines[machineId];
  if (machine === undefined) return design;
  if (machine.siteId !== null && design.sites[machine.siteId] !== undefined) return placeInSite(design, machineId, machine.siteId, { ...options, preferred: machine.position });
  return placeOutsideSites(design, machineId, machine.position, options);
}

/** A site's area on the canvas. */
export function siteRect(site: Site): Rect {
  return { x: site.position.x, y: site.position.y, width: site.size.width, height: site.size.height };
}

/**
 * The design with a site grown (never shrunk) so every machine in it lies inside, clear of the header and margins.
 * Growing to the left or up moves the site's corner and shifts its machines back, so nothing moves on screen.
 */
export function growSiteToFit(design: Design, siteId: SiteId, sizeOf: SizeOf = standardSize): Design {
  const site = design.sites[siteId];
  if (site === undefined) return design;
  const inside = Object.values(design.machines).filter((m) => m.siteId === siteId);
  if (inside.length === 0) return design;
  const { left, top, right, bottom } = SITE_INSETS;
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const m of inside) {
    const size = sizeOf(m.id);
    minX = Math.min(minX, m.position.x);
    minY = Math.min(minY, m.position.y);
    maxX = Math.max(maxX, m.position.x + size.width);
    maxY = Math.max(maxY, m.position.y + size.height);
  }
  const dx = Math.max(0, Math.ceil(left - minX));
  const dy = Math.max(0, Math.ceil(top - minY));
  const width = Math.max(site.size.width + dx, Math.ceil(maxX + dx + right));
  const height = Math.max(site.size.height + dy, Math.ceil(maxY + dy + bottom));
  if (dx === 0 && dy === 0 && width === site.size.width && height === site.size.height) return design;
  let machines = design.machines;
  if (dx !== 0 || dy !== 0) {
    machines = { ...machines };
    for (const m of inside) machines[m.id] = { ...m, position: { x: m.position.x + dx, y: m.position.y + dy } };
  }
  const grown: Site = { ...site, position: { x: site.position.x - dx, y: site.position.y - dy }, size: { width, height } };
  return { ...design, sites: { ...design.sites, [siteId]: grown }, machines };
}

/**
 * What breaks the placement rule, by name: machines on top of each other, and machines not inside their site clear
 * of its header and margins. Empty when every machine has a place of its own (the tests' invariant).
 */
export function placementProblems(design: Design, sizeOf: SizeOf = standardSize): string[] {
  const machines = Object.values(design.machines).map((m) => ({ m, box: { ...absolutePosition(design, m), ...sizeOf(m.id) } }));
  const found: string[] = [];
  for (const [i, { m, box }] of machines.entries()) {
    for (const other of machines.slice(i + 1)) {
      const o = other.box;
      if (box.x < o.x + o.width && o.x < box.x + box.width && box.y < o.y + o.height && o.y < box.y + box.height) found.push(`${m.name} overlaps ${other.m.name}`);
    }
    const site = m.siteId === null ? undefined : design.sites[m.siteId];
    if (site === undefined) continue;
    const { left, top, right, bottom } = SITE_INSETS;
    const size = sizeOf(m.id);
    const inside = m.position.x >= left && m.position.y >= top && m.position.x + size.width <= site.size.width - right && m.position.y + size.height <= site.size.height - bottom;
    if (!inside) found.push(`${m.name} is not inside ${site.name}`);
  }
  return found;
}

/** Average widths of the header's text per character at its font sizes (DejaVu Sans, the canvas's fallback font). */
const CHAR = { name: 8.6, kind: 7, badge: 6.6 };
/** A badge's padding and the gap before it, and the header's own padding. */
const BADGE_EXTRA = 12 + 6;
const HEADER_PADDING = 24;

/**
 * About how wide a site's header is on one line: name, kind and badges (NAT, link quality, admin, problem). A site
 * laid out at least this wide keeps its header on one line, so the machines below never cover a badge.
 */
export function siteHeaderWidth(site: Site, isAdmin: boolean): number {
  const badges = [natLabels[site.nat].short, `${qualityLabels[site.quality].short} link`, ...(isAdmin ? ['admin here'] : []), '!'];
  const name = site.name === '' ? 'Unnamed site' : site.name;
  return Math.ceil(HEADER_PADDING + name.length * CHAR.name + 6 + siteKindLabels[site.kind].length * CHAR.kind + badges.reduce((sum, b) => sum + b.length * CHAR.badge + BADGE_EXTRA, 0));
}
