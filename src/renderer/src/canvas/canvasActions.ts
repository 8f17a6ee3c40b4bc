import { isMachineId, isSiteId } from '../../../shared/model/ids';
import { moveItems, siteAt, updateMachine, updateSite, type Move } from '../../../shared/model/ops';
import type { Design, MachineId, SiteId } from '../../../shared/model/types';

// The geometry of edits that start on the canvas (drag, resize). Pure: the commands moveItems and resizeSite apply
// the results, each as one undo step.

/** A node at the end of a drag, where React Flow left it (relative to its site, as React Flow positions it). */
export interface DraggedNode {
  id: string;
  position: { x: number; y: number };
  width?: number;
  height?: number;
}

/** The design with a site resized to a new box, machines staying where they are on screen. */
export function resizeSite(design: Design, id: SiteId, box: { x: number; y: number; width: number; height: number }): Design {
  const site = design.sites[id];
  if (site === undefined) return design;
  const dx = box.x - site.position.x;
  const dy = box.y - site.position.y;
  let next = updateSite(design, id, { position: { x: box.x, y: box.y }, size: { width: Math.round(box.width), height: Math.round(box.height) } });
  if (dx !== 0 || dy !== 0) {
    for (const machine of Object.values(next.machines)) {
      if (machine.siteId === id) next = updateMachine(next, machine.id as MachineId, { position: { x: machine.position.x - dx, y: machine.position.y - dy } });
    }
  }
  return next;
}

/** Whether an id is an item that can be renamed in place. */
export function isRenamable(id: string): boolean {
  return isMachineId(id) || isSiteId(id);
}

/** Computes where dragged nodes end up: machines may leave their site or join the one they were dropped on. */
export function movesForDrag(design: Design, dragged: readonly DraggedNode[]): Move[] {
  const movedSites = new Map<string, { x: number; y: number }>();
  for (const node of dragged) if (isSiteId(node.id)) movedSites.set(node.id, node.position);
  // Site positions after the drag, so a machine dropped on a site that moved with it lands correctly.
  const after: Design = movedSites.size === 0 ? design : moveItems(design, [...movedSites].map(([id, position]) => ({ id: id as SiteId, position })));
  const moves: Move[] = [];
  for (const node of dragged) {
    if (isSiteId(node.id)) {
      moves.push({ id: node.id, position: round(node.position) });
    } else if (isMachineId(node.id)) {
      const machine = design.machines[node.id];
      if (machine === undefined) continue;
      // A machine whose site was dragged along keeps its relative place.
      if (machine.siteId !== null && movedSites.has(machine.siteId)) continue;
      const parent = machine.siteId === null ? undefined : after.sites[machine.siteId];
      const absolute = parent === undefined ? node.position : { x: parent.position.x + node.position.x, y: parent.position.y + node.position.y };
      const centre = { x: absolute.x + (node.width ?? 168) / 2, y: absolute.y + (node.height ?? 60) / 2 };
      const target = siteAt(after, centre);
      const position = target === undefined ? absolute : { x: absolute.x - target.position.x, y: absolute.y - target.position.y };
      moves.push({ id: node.id, siteId: target?.id ?? null, position: round(position) });
    }
  }
  return moves;
}

function round(p: { x: number; y: number }): { x: number; y: number } {
  return { x: Math.round(p.x), y: Math.round(p.y) };
}

