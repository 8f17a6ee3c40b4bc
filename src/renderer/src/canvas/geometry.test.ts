import { describe, expect, test } from 'vitest';
import { sequentialIds } from '../../../shared/model/ids';
import { buildDesignFromAnswers, MACHINE_NODE_SIZE, templates } from '../../../shared/model/templates';
import type { Design } from '../../../shared/model/types';
import { assignDefaultRoles } from '../../../shared/vpn/catalog';
import { getDerived } from '../stores/derived';
import { DETAIL_ZOOM } from './MachineNode';
import {
  absoluteBoxes,
  backgroundGap,
  borderPoint,
  boundsOf,
  type Box,
  boxFromCorners,
  buildItemScene,
  buildSiteScene,
  cacheRegion,
  contains,
  designBoxes,
  distanceToSegment,
  FIT_OPTIONS,
  floatingLine,
  intersect,
  type ItemScene,
  linkAt,
  machineAt,
  machinesInside,
  overviewMapping,
  regionFromKey,
  RegionTracker,
  viewportAvoiding,
  viewportForBox,
  viewShows,
  viewShowsAll,
  visibleRect,
} from './geometry';
import { EdgeProjector, NodeProjector } from './projection';
import type { FlowNode } from './types';

const template = (): Design => buildDesignFromAnswers(templates[0]!.answers, sequentialIds());

function project(design: Design) {
  const derived = getDerived(design);
  const nodes = new NodeProjector().project(design, new Set(), new Map(), derived);
  const edges = new EdgeProjector().project(design, new Set(), derived, true);
  return { nodes, edges };
}

const box = (x: number, y: number, width: number, height: number): Box => ({ x, y, width, height });

describe('boxes and lines', () => {
  test('children are placed relative to their site; sizes come from measurements, the site, or the default', () => {
    const design = template();
    const { nodes } = project(design);
    const machine = nodes.find((n) => n.type === 'machine' && n.parentId !== undefined)!;
    const site = design.sites[machine.parentId as keyof Design['sites']]!;
    const boxes = absoluteBoxes(nodes, new Map([[machine.id, { width: 170, height: 80 }]]));
    expect(boxes.get(machine.id)).toEqual({ x: site.position.x + machine.position.x, y: site.position.y + machine.position.y, width: 170, height: 80 });
    expect(boxes.get(site.id)).toEqual({ x: site.position.x, y: site.position.y, width: site.size.width, height: site.size.height });
    // The model's own boxes agree with the projection's.
    expect(designBoxes(design, new Map()).get(machine.id)).toEqual({ ...boxes.get(machine.id), ...MACHINE_NODE_SIZE });
  });

  test('lines float from border to border', () => {
    const a = box(0, 0, 100, 50);
    const b = box(300, 0, 100, 50);
    expect(floatingLine(a, b)).toEqual({ x1: 100, y1: 25, x2: 300, y2: 25 });
    expect(borderPoint(a, { x: 50, y: 500 })).toEqual({ x: 50, y: 50 });
    // A point inside the box along the direction is the border point, and the centre maps to itself.
    expect(borderPoint(a, { x: 50, y: 25 })).toEqual({ x: 50, y: 25 });
  });

  test('bounds, overlap, containment and intersection', () => {
    expect(boundsOf([])).toBeNull();
    expect(boundsOf([box(0, 0, 10, 10), box(20, -5, 10, 10)])).toEqual(box(0, -5, 30, 15));
    expect(contains(box(0, 0, 10, 10), box(2, 2, 8, 8))).toBe(true);
    expect(contains(box(0, 0, 10, 10), box(2, 2, 9, 8))).toBe(false);
    expect(intersect(box(0, 0, 10, 10), box(5, 5, 10, 10))).toEqual(box(5, 5, 5, 5));
    expect(intersect(box(0, 0, 10, 10), box(20, 20, 1, 1))).toBeNull();
    expect(boxFromCorners({ x: 10, y: 0 }, { x: 0, y: 5 })).toEqual(box(0, 0, 10, 5));
  });

  test('the visible rectangle inverts the viewport transform', () => {
    expect(visibleRect([100, -50, 0.5], 1280, 800)).toEqual(box(-200, 100, 2560, 1600));
  });
});

describe('scenes', () => {
  test('the site scene has every site and an overlay line per overlay edge, joining the two sites', () => {
    const design = template();
    design.vpn = { ...design.vpn, id: 'zerotier', roles: assignDefaultRoles(design, 'zerotier') };
    const { nodes, edges } = project(design);
    const scene = buildSiteScene(
      nodes.filter((n) => n.type === 'site'),
      edges.filter((e) => e.type === 'overlay'),
    );
    expect(scene.sites.map((s) => s.id).sort()).toEqual(Object.keys(design.sites).sort());
    expect(scene.overlay.length).toBeGreaterThan(0);
    expect(scene.overlay).toHaveLength(edges.filter((e) => e.type === 'overlay').length);
    for (const line of scene.overlay) expect(line.ends).toHaveLength(2);
  });

  test('the item scene has every machine and link, with selection and problems as looks', () => {
    const design = template();
    const [first, second] = Object.values(design.machines);
    design.links['link_x' as keyof Design['links']] = { id: 'link_x' as never, kind: 'jumpHost', source: first!.id, target: second!.id, ports: null, label: '', meta: {} };
    const derived = getDerived(design);
    const nodes = new NodeProjector().project(design, new Set([first!.id]), new Map(), derived);
    const edges = new EdgeProjector().project(design, new Set(['link_x']), derived, false);
    const scene = buildItemScene(nodes, edges, new Map());
    expect(scene.machines).toHaveLength(Object.keys(design.machines).length);
    expect(scene.machines.find((m) => m.id === first!.id)!.look).toBe('selected');
    // The template's machines have no SSH address yet: an error each.
    expect(scene.machines.find((m) => m.id === second!.id)!.look).toBe('error');
    expect(scene.links).toEqual([expect.objectContaining({ id: 'link_x', kind: 'jumpHost', selected: true })]);
    expect(scene.bounds).toEqual(boundsOf(absoluteBoxes(nodes, new Map()).values()));
  });

  test('transient drag positions move the drawn machine', () => {
    const design = template();
    const machine = Object.values(design.machines)[0]!;
    const derived = getDerived(design);
    const nodes = new NodeProjector().project(design, new Set(), new Map([[machine.id, { position: { x: 5, y: 7 } }]]), derived);
    const site = design.sites[machine.siteId!]!;
    const drawn = buildItemScene(nodes, [], new Map()).machines.find((m) => m.id === machine.id)!;
    expect([drawn.x, drawn.y]).toEqual([site.position.x + 5, site.position.y + 7]);
  });
});

describe('hit testing', () => {
  const scene: ItemScene = {
    machines: [
      { id: 'a', ...box(0, 0, 100, 50), look: 'normal' },
      { id: 'b', ...box(50, 0, 100, 50), look: 'normal' },
      { id: 'c', ...box(400, 0, 100, 50), look: 'normal' },
    ],
    links: [{ id: 'l', x1: 100, y1: 200, x2: 300, y2: 200, kind: 'cable', selected: false }],
    bounds: box(0, 0, 500, 200),
  };

  test('the topmost machine under the point wins, as drawn', () => {
    expect(machineAt(scene, { x: 75, y: 10 })?.id).toBe('b');
    expect(machineAt(scene, { x: 10, y: 10 })?.id).toBe('a');
    expect(machineAt(scene, { x: 300, y: 10 })).toBeNull();
  });

  test('with a margin a point just outside finds the nearest box, but a box under the point still wins', () => {
    expect(machineAt(scene, { x: 395, y: 10 }, 8)?.id).toBe('c');
    expect(machineAt(scene, { x: 380, y: 10 }, 8)).toBeNull();
    // Inside a's box and within the margin of b's: the box under the pointer wins.
    expect(machineAt(scene, { x: 45, y: 10 }, 8)?.id).toBe('a');
  });

  test('links are found within a tolerance', () => {
    expect(distanceToSegment({ x: 0, y: 0 }, { x1: 3, y1: 4, x2: 3, y2: 4 })).toBe(5);
    expect(distanceToSegment({ x: 200, y: 205 }, scene.links[0]!)).toBe(5);
    expect(linkAt(scene, { x: 200, y: 205 }, 6)?.id).toBe('l');
    expect(linkAt(scene, { x: 200, y: 210 }, 6)).toBeNull();
  });

  test('a selection box selects the machines fully inside it', () => {
    expect(machinesInside(scene, box(-1, -1, 152, 52))).toEqual(['a', 'b']);
    expect(machinesInside(scene, box(-1, -1, 120, 52))).toEqual(['a']);
  });
});

describe('view helpers', () => {
  test('fitting a box centres it within the zoom limits', () => {
    const v = viewportForBox(box(0, 0, 1000, 500), 1000, 500, { padding: 0, minZoom: 0.05, maxZoom: 2 });
    expect(v).toEqual({ x: 0, y: 0, zoom: 1 });
    expect(viewportForBox(box(0, 0, 10, 10), 1000, 500, { padding: 0.15, minZoom: 0.05, maxZoom: 1.2 }).zoom).toBe(1.2);
    expect(viewportForBox(box(0, 0, 1e6, 1e6), 1000, 500, { padding: 0.15, minZoom: 0.05, maxZoom: 1.2 }).zoom).toBe(0.05);
  });

  test('every wizard template fits a 1280×800 window at a zoom where machine names are drawn', () => {
    // The canvas a 1280×800 window leaves between the palette, the inspector and the problems panel.
    const canvas = { width: 790, height: 460 };
    for (const template of templates) {
      const design = buildDesignFromAnswers(template.answers, sequentialIds());
      const bounds = boundsOf(designBoxes(design, new Map()).values())!;
      const { zoom } = viewportForBox(bounds, canvas.width, canvas.height, FIT_OPTIONS);
      expect({ template: template.id, detailed: zoom >= DETAIL_ZOOM }).toEqual({ template: template.id, detailed: true });
    }
  });

  test('background dots are thinned out by octaves when zoomed out', () => {
    expect(backgroundGap(1, 16)).toBe(16);
    expect(backgroundGap(0.5, 16)).toBe(32);
    expect(backgroundGap(0.1, 16)).toBe(128);
    for (const zoom of [0.05, 0.13, 0.3, 0.7]) expect(backgroundGap(zoom, 16) * zoom).toBeGreaterThanOrEqual(12);
  });

  test('the cached region covers the view and its margin, draws only inside the bounds, and respects the pixel budget', () => {
    const view = box(0, 0, 1000, 500);
    const { covered, drawn } = cacheRegion(view, 1, 0.5, box(-100, -100, 600, 300), 10_000_000);
    expect(covered).toEqual(box(-500, -250, 2000, 1000));
    expect(drawn).toEqual(box(-100, -100, 600, 300));
    expect(cacheRegion(view, 1, 0.5, null, 10_000_000).drawn).toBeNull();
    // Too many pixels with the margin: just the view.
    const capped = cacheRegion(view, 1, 0.5, box(-5000, -5000, 10_000, 10_000), 1_000_000);
    expect(capped.covered).toBe(view);
    expect(capped.drawn).toEqual(view);
  });

  test('the region handed to React Flow stays put while the view pans within it', () => {
    const tracker = new RegionTracker();
    const first = tracker.update([0, 0, 1], 1000, 500);
    expect(regionFromKey(first)).toEqual(box(-1000, -500, 3000, 1500));
    expect(tracker.update([-400, 300, 1], 1000, 500)).toBe(first);
    // A screen and more away: a new region around the view.
    const moved = tracker.update([-1500, 0, 1], 1000, 500);
    expect(moved).not.toBe(first);
    expect(contains(regionFromKey(moved)!, visibleRect([-1500, 0, 1], 1000, 500))).toBe(true);
    // Zooming in by more than two: a smaller region.
    expect(regionFromKey(tracker.update([-1500, 0, 2.5], 1000, 500))!.width).toBe(1200);
    expect(tracker.update([0, 0, 1], 0, 0)).toBe('');
    expect(regionFromKey('')).toBeNull();
  });

  test('the overview maps the design into its pixels with one scale, centred', () => {
    const m = overviewMapping(box(0, 0, 1000, 500), 160, 110, 6);
    expect(m.scale).toBeCloseTo(0.148);
    expect(0 * m.scale + m.ox).toBeCloseTo(6);
    expect(500 * m.scale + m.oy + (0 * m.scale + m.oy)).toBeCloseTo(110);
  });
});

describe('site scene inputs', () => {
  test('site nodes only: machines and links are ignored', () => {
    const { nodes, edges } = project(template());
    const scene = buildSiteScene(nodes as FlowNode[], edges);
    expect(scene.sites.length).toBe(nodes.filter((n) => n.type === 'site').length);
    expect(scene.overlay.every((l) => l.kind.startsWith('overlay'))).toBe(true);
  });
});

describe('fitting the view around the floating chrome (issue 17)', () => {
  const options = { padding: 0.1, minZoom: 0.05, maxZoom: 1.2 };
  /** The design's box on screen for a view. */
  const onScreen = (box: { x: number; y: number; width: number; height: number }, v: { x: number; y: number; zoom: number }) => ({ x: box.x * v.zoom + v.x, y: box.y * v.zoom + v.y, width: box.width * v.zoom, height: box.height * v.zoom });
  const clear = (a: { x: number; y: number; width: number; height: number }, b: { x: number; y: number; width: number; height: number }) => a.x + a.width <= b.x || b.x + b.width <= a.x || a.y + a.height <= b.y || b.y + b.height <= a.y;

  test('without chrome it is the plain fit', () => {
    const box = { x: 0, y: 0, width: 800, height: 400 };
    expect(viewportAvoiding(box, 800, 600, [], options)).toEqual(viewportForBox(box, 800, 600, options));
  });

  test('a legend along the top and a map in the corner cover none of the design', () => {
    const box = { x: 100, y: 50, width: 1200, height: 500 };
    const legend = { x: 8, y: 8, width: 500, height: 40 };
    const map = { x: 620, y: 470, width: 160, height: 110 };
    const controls = { x: 15, y: 500, width: 26, height: 80 };
    const view = viewportAvoiding(box, 800, 600, [legend, map, controls], options);
    const shown = onScreen(box, view);
    for (const c of [legend, map, controls]) expect(clear(shown, c)).toBe(true);
    expect(shown.x).toBeGreaterThanOrEqual(0);
    expect(shown.y + shown.height).toBeLessThanOrEqual(600);
  });

  test('chrome off the canvas or without size is ignored', () => {
    const box = { x: 0, y: 0, width: 800, height: 400 };
    expect(viewportAvoiding(box, 800, 600, [{ x: 900, y: 0, width: 50, height: 50 }, { x: 10, y: 10, width: 0, height: 0 }], options)).toEqual(viewportForBox(box, 800, 600, options));
  });

  test('viewShows tells whether a remembered view still shows some of the design', () => {
    const box = { x: 0, y: 0, width: 400, height: 300 };
    expect(viewShows({ x: 0, y: 0, zoom: 1 }, 800, 600, box)).toBe(true);
    expect(viewShows({ x: -5000, y: 0, zoom: 1 }, 800, 600, box)).toBe(false);
  });

  test('viewShowsAll tells whether a view shows the whole design, which a narrower canvas may not', () => {
    const box = { x: 100, y: 50, width: 400, height: 300 };
    // At zoom 1.5 the design reaches x = 50 + 500 * 1.5 = 800 and y = 20 + 350 * 1.5 = 545.
    const view = { x: 50, y: 20, zoom: 1.5 };
    expect(viewShowsAll(view, 800, 600, box)).toBe(true);
    expect(viewShowsAll(view, 700, 600, box)).toBe(false);
    expect(viewShowsAll(view, 800, 500, box)).toBe(false);
    expect(viewShowsAll({ x: -200, y: 0, zoom: 1 }, 800, 600, box)).toBe(false);
  });
});
