import { isMachineId, isSiteId } from '../../../shared/model/ids';
import { absolutePosition, siteAt } from '../../../shared/model/ops';
import { DROP_GAP, growSiteToFit, placeInSite, placeOutsideSites, settleMachine, siteRect, type SizeOf } from '../../../shared/model/placement';
import { MACHINE_NODE_SIZE } from '../../../shared/model/templates';
import type { Design, MachineId, SiteId } from '../../../shared/model/types';
import type { Command, CommandContext } from './types';

// Where the commands put machines (issue 17), and the keyboard's ways to move and let go of the selection. The
// geometry is shared/model/placement.ts; this adds what only the running app knows: the sizes the canvas measured,
// the part of the canvas on screen, the selection and the snap setting.

const currentDesign = (ctx: CommandContext) => ctx.design.getState().design;

/** Machine sizes as the canvas drew them (they grow with their badges), else the standard size. */
export function sizeOfFor(ctx: CommandContext): SizeOf {
  const measured = ctx.view?.measuredSizes?.();
  return (id) => measured?.get(id) ?? MACHINE_NODE_SIZE;
}

/**
 * The site a machine added without a point (a palette button, the command palette) goes into: the selected site or
 * the selected machine's, else the site in the middle of the view, else the site most of which is on screen. Null
 * when no site is selected or in view.
 */
export function siteForNewMachine(ctx: CommandContext, design: Design): SiteId | null {
  for (const id of ctx.selection.getState().selectedIds) {
    if (isSiteId(id) && design.sites[id] !== undefined) return id;
    const siteId = isMachineId(id) ? design.machines[id]?.siteId : null;
    if (siteId != null && design.sites[siteId] !== undefined) return siteId;
  }
  const centre = ctx.view?.center();
  const atCentre = centre === undefined ? undefined : siteAt(design, centre);
  if (atCentre !== undefined) return atCentre.id;
  const view = ctx.view?.visibleArea?.();
  if (view === undefined) return null;
  let best: SiteId | null = null;
  let bestArea = 0;
  for (const site of Object.values(design.sites)) {
    const r = siteRect(site);
    const area = Math.max(0, Math.min(r.x + r.width, view.x + view.width) - Math.max(r.x, view.x)) * Math.max(0, Math.min(r.y + r.height, view.y + view.height) - Math.max(r.y, view.y));
    if (area > bestArea) {
      best = site.id;
      bestArea = area;
    }
  }
  return best;
}

/**
 * A machine just added to the design (at the origin, in no site) put in its place: at a point (a drop, the context
 * menu) in free space inside the site there or outside every site; without a point, in the site for new machines
 * (siteForNewMachine) or near the middle of the view.
 */
export function placeNewMachine(ctx: CommandContext, design: Design, id: MachineId, at: { x: number; y: number } | undefined): Design {
  const sizeOf = sizeOfFor(ctx);
  const size = sizeOf(id);
  if (at !== undefined) {
    const topLeft = { x: at.x - size.width / 2, y: at.y - size.height / 2 };
    const site = siteAt(design, at);
    if (site !== undefined) return placeInSite(design, id, site.id, { preferred: { x: topLeft.x - site.position.x, y: topLeft.y - site.position.y }, sizeOf });
    return placeOutsideSites(design, id, topLeft, { sizeOf });
  }
  const siteId = siteForNewMachine(ctx, design);
  if (siteId !== null) return placeInSite(design, id, siteId, { sizeOf });
  const centre = ctx.view?.center() ?? { x: 0, y: 0 };
  return placeOutsideSites(design, id, { x: centre.x - size.width / 2, y: centre.y - size.height / 2 }, { sizeOf });
}

/**
 * A machine moved to another site (or to none) in the inspector: into free space in the new site, which grows to
 * fit; to no site, it stays where it was on screen, moved aside if something is there.
 */
export function placeInNewSite(ctx: CommandContext, before: Design, after: Design, id: MachineId): Design {
  const old = before.machines[id];
  const machine = after.machines[id];
  if (old === undefined || machine === undefined || old.siteId === machine.siteId) return after;
  const sizeOf = sizeOfFor(ctx);
  if (machine.siteId !== null && after.sites[machine.siteId] !== undefined) return placeInSite(after, id, machine.siteId, { sizeOf });
  return placeOutsideSites(after, id, absolutePosition(before, old), { sizeOf });
}

/**
 * Machines let go of (a drag, a paste) settled where they were: a machine on another one moves aside to the
 * nearest free place, and a site grows around a machine dropped half out of it.
 */
export function settleMachines(ctx: CommandContext, design: Design, ids: readonly string[], gap = DROP_GAP): Design {
  const sizeOf = sizeOfFor(ctx);
  let next = design;
  for (const id of ids) if (isMachineId(id)) next = settleMachine(next, id, { gap, sizeOf });
  return next;
}

/** A site that holds all its machines again (after a resize made it smaller than what it holds). */
export function fitSiteAround(ctx: CommandContext, design: Design, id: SiteId): Design {
  return growSiteToFit(design, id, sizeOfFor(ctx));
}

/** Arguments of nudgeSelection: the direction (-1, 0 or 1 per axis) and whether it is a big step (Shift). */
export interface NudgeArgs {
  dx: -1 | 0 | 1;
  dy: -1 | 0 | 1;
  big: boolean;
}

const arrows: Record<string, Pick<NudgeArgs, 'dx' | 'dy'>> = {
  ArrowLeft: { dx: -1, dy: 0 },
  ArrowRight: { dx: 1, dy: 0 },
  ArrowUp: { dx: 0, dy: -1 },
  ArrowDown: { dx: 0, dy: 1 },
};

/**
 * How far one press moves: one grid cell with snapping on (four with Shift), else a pixel (ten with Shift), as in
 * tldraw and Excalidraw.
 */
export function nudgeStep(snap: boolean, big: boolean): number {
  if (snap) return big ? 64 : 16;
  return big ? 10 : 1;
}

/** The selected sites and machines moved by a step; machines in a moved site move with it, sites grow to fit. */
export function nudgeItems(design: Design, ids: readonly string[], delta: { x: number; y: number }, sizeOf: SizeOf): Design {
  const sites = { ...design.sites };
  const machines = { ...design.machines };
  const grown = new Set<SiteId>();
  for (const id of ids) {
    if (isSiteId(id) && sites[id] !== undefined) {
      const site = sites[id];
      sites[id] = { ...site, position: { x: site.position.x + delta.x, y: site.position.y + delta.y } };
    }
  }
  for (const id of ids) {
    const machine = isMachineId(id) ? machines[id] : undefined;
    // A machine in a moved site moves with it already.
    if (machine === undefined || (machine.siteId !== null && ids.includes(machine.siteId))) continue;
    machines[machine.id] = { ...machine, position: { x: machine.position.x + delta.x, y: machine.position.y + delta.y } };
    if (machine.siteId !== null) grown.add(machine.siteId);
  }
  let next: Design = { ...design, sites, machines };
  for (const siteId of grown) next = growSiteToFit(next, siteId, sizeOf);
  return next;
}

/** Whether a key event's target is the canvas (or the page itself, when nothing has the focus). */
function onCanvas(target: EventTarget | null): boolean {
  if (typeof Element === 'undefined' || !(target instanceof Element)) return true;
  return target === document.body || target.closest('.canvas-wrapper') !== null;
}

const movable = (ctx: CommandContext) => {
  const design = currentDesign(ctx);
  return ctx.selection.getState().selectedIds.some((id) => (isSiteId(id) && design.sites[id] !== undefined) || (isMachineId(id) && design.machines[id] !== undefined));
};

/** The keyboard's ways to move the selection and to let go of it. */
export const placementCommands: readonly Command[] = [
  {
    id: 'nudgeSelection',
    label: 'Move the selection with the arrow keys',
    group: 'edit',
    // Each press is a step of one gesture; the burst is one undo step when the keys rest (see executeCommand).
    capture: 'eventually',
    shortcut: 'Arrow keys (Shift: bigger steps)',
    gesture: 'Select sites or machines on the canvas and press the arrow keys; hold Shift for bigger steps',
    keywords: ['nudge', 'arrow', 'keyboard', 'move', 'position'],
    // Only with the keyboard on the canvas (or nowhere): arrows on a button, a menu or a list are theirs.
    keyTest: (e) => e.key in arrows && !e.ctrlKey && !e.metaKey && !e.altKey && onCanvas(e.target),
    keyArgs: (e): NudgeArgs => ({ ...arrows[e.key]!, big: e.shiftKey }),
    predicate: (ctx, args) => args !== undefined && movable(ctx),
    perform: (ctx, args) => {
      const { dx, dy, big } = args as NudgeArgs;
      const step = nudgeStep(ctx.ui.getState().snapToGrid, big);
      return { design: nudgeItems(currentDesign(ctx), ctx.selection.getState().selectedIds, { x: dx * step, y: dy * step }, sizeOfFor(ctx)) };
    },
  },
  {
    id: 'selectNone',
    label: 'Select nothing',
    group: 'edit',
    capture: 'never',
    shortcut: 'Escape',
    keywords: ['deselect', 'clear selection', 'escape'],
    // Escape in an open menu closes the menu only.
    keyTest: (e) => e.key === 'Escape' && !(e.target instanceof Element && e.target.closest('[role="menu"], [role="menubar"]') !== null),
    predicate: (ctx) => ctx.selection.getState().selectedIds.length > 0,
    perform: (ctx) => ctx.selection.getState().select([]),
  },
];
