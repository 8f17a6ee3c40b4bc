import { describe, expect, test } from 'vitest';
import { sequentialIds } from './ids';
import { absolutePosition, createEmptyDesign, makeMachine, makeSite, putMachine, putSite } from './ops';
import { findFreeSpot, growSiteToFit, placeInSite, placementProblems, placeOutsideSites, PLACEMENT_GAP, settleMachine, SITE_INSETS, siteHeaderWidth, siteRect, standardSize, type Rect } from './placement';
import { MACHINE_NODE_SIZE } from './templates';
import type { Design, MachineId, SiteId } from './types';

const size = MACHINE_NODE_SIZE;

/** Absolute boxes of every machine. */
function boxes(design: Design): { name: string; box: Rect; siteId: SiteId | null }[] {
  return Object.values(design.machines).map((m) => ({ name: m.name, box: { ...absolutePosition(design, m), ...standardSize(m.id) }, siteId: m.siteId }));
}

function overlapping(a: Rect, b: Rect): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

const problems = (design: Design) => placementProblems(design);

/** A site at (100, 100), 404 x 140 (room for two machines side by side), with machines at the given places. */
function siteWith(places: { x: number; y: number }[]): { design: Design; siteId: SiteId; ids: MachineId[] } {
  const idSource = sequentialIds('p');
  const siteId = idSource.site();
  let design = putSite(createEmptyDesign(), makeSite(siteId, { position: { x: 100, y: 100 }, size: { width: 404, height: 140 } }));
  const ids: MachineId[] = [];
  places.forEach((position, i) => {
    const id = idSource.machine();
    ids.push(id);
    design = putMachine(design, makeMachine(id, { name: `m${i}`, siteId, position }));
  });
  return { design, siteId, ids };
}

/** Adds a machine in no site (at the origin) and returns the design and its id. */
function withNewMachine(design: Design, name = 'new'): { design: Design; id: MachineId } {
  const id = `mach_${name}` as MachineId;
  return { design: putMachine(design, makeMachine(id, { name })), id };
}

describe('findFreeSpot', () => {
  test('keeps the preferred place when it is free', () => {
    expect(findFreeSpot([{ x: 0, y: 0, width: 100, height: 50 }], size, { x: 300, y: 0 }, 20)).toEqual({ x: 300, y: 0 });
  });

  test('on an obstacle, returns the nearest place that keeps the gap', () => {
    const obstacle = { x: 0, y: 0, width: 168, height: 60 };
    const spot = findFreeSpot([obstacle], size, { x: 0, y: 0 }, 20)!;
    expect(overlapping({ x: spot.x - 20, y: spot.y - 20, width: size.width + 40, height: size.height + 40 }, obstacle)).toBe(false);
    // Below is nearer than beside: 60 + 20 rounded up to the grid.
    expect(spot).toEqual({ x: 0, y: 80 });
  });

  test('returns null when a bounded region has no room', () => {
    const region = { minX: 0, minY: 0, maxX: 200, maxY: 100 };
    expect(findFreeSpot([{ x: 0, y: 0, width: 168, height: 60 }], size, { x: 0, y: 0 }, 20, region)).toBeNull();
  });
});

describe('placeInSite', () => {
  test('without a preferred place, takes the first free place in reading order, clear of the header', () => {
    const { design, siteId } = siteWith([]);
    const { design: withNew, id } = withNewMachine(design);
    const next = placeInSite(withNew, id, siteId);
    expect(next.machines[id]).toMatchObject({ siteId, position: { x: SITE_INSETS.left, y: SITE_INSETS.top } });
    expect(problems(next)).toEqual([]);
  });

  test('a site that is full grows to fit the new machine, and no machine overlaps another', () => {
    const { design, siteId } = siteWith([
      { x: 24, y: 52 },
      { x: 212, y: 52 },
    ]);
    const { design: withNew, id } = withNewMachine(design);
    const next = placeInSite(withNew, id, siteId);
    expect(problems(next)).toEqual([]);
    expect(next.sites[siteId]!.size.height).toBeGreaterThan(design.sites[siteId]!.size.height);
    // A new row below, not a third column: the site keeps its width.
    expect(next.sites[siteId]!.size.width).toBe(design.sites[siteId]!.size.width);
  });

  test('exactly on another machine (what the inspector used to do), it lands beside it instead', () => {
    const { design, siteId } = siteWith([{ x: 24, y: 52 }]);
    const { design: withNew, id } = withNewMachine(design);
    const next = placeInSite(withNew, id, siteId, { preferred: { x: 24, y: 52 } });
    expect(problems(next)).toEqual([]);
    const p = next.machines[id]!.position;
    expect(Math.hypot(p.x - 24, p.y - 52)).toBeLessThanOrEqual(size.height + PLACEMENT_GAP + 16);
  });

  test('dropped half out of the site, it stays where it was let go and the site grows around it', () => {
    const { design, siteId } = siteWith([{ x: 24, y: 52 }]);
    const { design: withNew, id } = withNewMachine(design);
    const next = placeInSite(withNew, id, siteId, { preferred: { x: 320, y: 52 } });
    expect(next.machines[id]!.position).toEqual({ x: 320, y: 52 });
    expect(next.sites[siteId]!.size.width).toBe(320 + size.width + SITE_INSETS.right);
    expect(problems(next)).toEqual([]);
  });

  test('dropped on the header, it goes below it', () => {
    const { design, siteId } = siteWith([]);
    const { design: withNew, id } = withNewMachine(design);
    const next = placeInSite(withNew, id, siteId, { preferred: { x: 100, y: 0 } });
    expect(next.machines[id]!.position).toEqual({ x: 100, y: SITE_INSETS.top });
  });

  test('thirty machines added one after another never overlap and all stay inside the site', () => {
    let { design } = siteWith([]);
    const siteId = Object.keys(design.sites)[0] as SiteId;
    for (let i = 0; i < 30; i += 1) {
      const added = withNewMachine(design, `n${i}`);
      design = placeInSite(added.design, added.id, siteId);
    }
    expect(problems(design)).toEqual([]);
  });

  test('uses the sizes it is given: a taller machine keeps the gap below it', () => {
    const { design, siteId, ids } = siteWith([{ x: 24, y: 52 }]);
    const tall = (id: MachineId) => (id === ids[0] ? { width: 168, height: 120 } : size);
    const { design: withNew, id } = withNewMachine(design);
    const next = placeInSite(withNew, id, siteId, { preferred: { x: 24, y: 52 }, sizeOf: tall });
    const p = next.machines[id]!.position;
    expect(p.y >= 52 + 120 + PLACEMENT_GAP || p.x >= 24 + 168 + PLACEMENT_GAP).toBe(true);
  });
});

describe('growSiteToFit', () => {
  test('a machine left of or above the site moves the corner out, and nothing moves on screen', () => {
    const { design, siteId, ids } = siteWith([
      { x: -40, y: 10 },
      { x: 200, y: 52 },
    ]);
    const before = ids.map((id) => absolutePosition(design, design.machines[id]!));
    const next = growSiteToFit(design, siteId);
    expect(ids.map((id) => absolutePosition(next, next.machines[id]!))).toEqual(before);
    expect(next.sites[siteId]!.position).toEqual({ x: 100 - 64, y: 100 - 42 });
    expect(problems(next)).toEqual([]);
  });

  test('never shrinks, and returns the same design when everything fits', () => {
    const { design, siteId } = siteWith([{ x: 24, y: 52 }]);
    expect(growSiteToFit(design, siteId)).toBe(design);
  });
});

describe('placeOutsideSites and settleMachine', () => {
  test('a machine in no site lands neither on a site nor on another free machine', () => {
    const { design } = siteWith([{ x: 24, y: 52 }]);
    let next = design;
    for (const name of ['a', 'b', 'c']) {
      const added = withNewMachine(next, name);
      next = placeOutsideSites(added.design, added.id, { x: 150, y: 150 });
    }
    const free = boxes(next).filter((m) => m.siteId === null);
    expect(free).toHaveLength(3);
    const site = siteRect(Object.values(next.sites)[0]!);
    for (const m of free) expect(overlapping(m.box, site)).toBe(false);
    expect(problems(next)).toEqual([]);
  });

  test('a machine already in free space stays exactly where it was let go', () => {
    const { design, ids } = siteWith([
      { x: 24, y: 52 },
      { x: 212, y: 52 },
    ]);
    expect(settleMachine(design, ids[1]!)).toBe(design);
  });
});

describe('siteHeaderWidth', () => {
  test('grows with the name and the badges', () => {
    const site = makeSite('site_a' as SiteId, { name: 'Home' });
    const long = makeSite('site_b' as SiteId, { name: "Grandma's holiday flat by the lake", nat: 'portForward' });
    expect(siteHeaderWidth(long, true)).toBeGreaterThan(siteHeaderWidth(site, false));
    expect(siteHeaderWidth(site, true)).toBeGreaterThan(siteHeaderWidth(site, false));
  });
});
