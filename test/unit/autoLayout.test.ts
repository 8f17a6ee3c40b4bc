import ELK from 'elkjs';
import { describe, expect, test } from 'vitest';
import { computeAutoLayout, EMPTY_SITE_SIZE, type LayoutEngine } from '../../src/renderer/src/canvas/autoLayout';
import { SITE_INSETS, siteHeaderWidth } from '../../src/shared/model/placement';
import { sequentialIds } from '../../src/shared/model/ids';
import { absolutePosition, makeMachine, makeSite, putMachine, putSite } from '../../src/shared/model/ops';
import { buildDesignFromAnswers, MACHINE_NODE_SIZE, templates } from '../../src/shared/model/templates';
import type { Design } from '../../src/shared/model/types';

// ELK in-process, as elkjs runs under Node: the same elk-api.js and elk-worker.min.js files the app starts as a
// Web Worker, with the worker script called directly instead of through postMessage.
const elk = new ELK();
const inProcess: LayoutEngine = (graph) => elk.layout(graph);

function boxesOverlap(a: { x: number; y: number; w: number; h: number }, b: { x: number; y: number; w: number; h: number }): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

describe('auto-layout with ELK', () => {
  test('keeps every machine inside its site, sites apart, and unconnected machines placed too', async () => {
    const ids = sequentialIds('a');
    let design: Design = buildDesignFromAnswers(templates[1]!.answers, ids);
    // Scramble positions and add a machine in no site, as a messy hand-made design would have.
    for (const m of Object.values(design.machines)) design = putMachine(design, { ...m, position: { x: 5, y: 5 } });
    design = putMachine(design, makeMachine(ids.machine(), { name: 'loose', position: { x: 5, y: 5 } }));
    const laid = await computeAutoLayout(design, inProcess);

    expect(Object.keys(laid.machines)).toEqual(Object.keys(design.machines));
    for (const machine of Object.values(laid.machines)) {
      if (machine.siteId === null) continue;
      const site = laid.sites[machine.siteId]!;
      expect(machine.position.x).toBeGreaterThanOrEqual(0);
      expect(machine.position.y).toBeGreaterThanOrEqual(40);
      expect(machine.position.x + MACHINE_NODE_SIZE.width).toBeLessThanOrEqual(site.size.width);
      expect(machine.position.y + MACHINE_NODE_SIZE.height).toBeLessThanOrEqual(site.size.height);
    }
    const boxes = [
      ...Object.values(laid.sites).map((s) => ({ x: s.position.x, y: s.position.y, w: s.size.width, h: s.size.height })),
      ...Object.values(laid.machines)
        .filter((m) => m.siteId === null)
        .map((m) => ({ ...absolutePosition(laid, m), w: MACHINE_NODE_SIZE.width, h: MACHINE_NODE_SIZE.height })),
    ];
    for (let i = 0; i < boxes.length; i += 1) for (let j = i + 1; j < boxes.length; j += 1) expect(boxesOverlap(boxes[i]!, boxes[j]!)).toBe(false);
    const inSite = Object.values(laid.machines).filter((m) => m.siteId !== null);
    for (let i = 0; i < inSite.length; i += 1)
      for (let j = i + 1; j < inSite.length; j += 1) {
        const a = { ...absolutePosition(laid, inSite[i]!), w: MACHINE_NODE_SIZE.width, h: MACHINE_NODE_SIZE.height };
        const b = { ...absolutePosition(laid, inSite[j]!), w: MACHINE_NODE_SIZE.width, h: MACHINE_NODE_SIZE.height };
        expect(boxesOverlap(a, b)).toBe(false);
      }
  });

  test('an empty site keeps room for its name and does not overlap its neighbours', async () => {
    const ids = sequentialIds('e');
    const design = buildDesignFromAnswers(templates[1]!.answers, ids);
    const empty = makeSite(ids.site(), { name: 'Laptop', position: { x: 5, y: 5 } });
    const laid = await computeAutoLayout(putSite(design, empty), inProcess);
    const site = laid.sites[empty.id]!;
    expect(site.size.width).toBeGreaterThanOrEqual(EMPTY_SITE_SIZE.width);
    expect(site.size.height).toBeGreaterThanOrEqual(EMPTY_SITE_SIZE.height);
    const box = (s: typeof site) => ({ x: s.position.x, y: s.position.y, w: s.size.width, h: s.size.height });
    for (const other of Object.values(laid.sites)) if (other.id !== empty.id) expect(boxesOverlap(box(site), box(other))).toBe(false);
  });

  test('lays every template out exactly as the single-file ELK build the page used to run', async () => {
    const { default: Bundled } = await import('elkjs/lib/elk.bundled.js');
    const bundled = new Bundled();
    for (const template of templates) {
      const design = buildDesignFromAnswers(template.answers, sequentialIds());
      const laid = await computeAutoLayout(design, inProcess);
      expect(laid).not.toEqual(design);
      expect(laid).toEqual(await computeAutoLayout(design, (graph) => bundled.layout(graph)));
    }
  });

  test('changes only positions and sizes, nothing else in the design', async () => {
    const design = buildDesignFromAnswers(templates[0]!.answers, sequentialIds());
    const laid = await computeAutoLayout(design, inProcess);
    const strip = (d: Design) => ({
      ...d,
      sites: Object.fromEntries(Object.entries(d.sites).map(([k, s]) => [k, { ...s, position: null, size: null }])),
      machines: Object.fromEntries(Object.entries(d.machines).map(([k, m]) => [k, { ...m, position: null }])),
    });
    expect(strip(laid)).toEqual(strip(design));
  });

  test('every site is at least as wide as its header, so the machines never cover its name or badges (issue 17)', async () => {
    const ids = sequentialIds('h');
    let design = buildDesignFromAnswers(templates[1]!.answers, ids);
    const home = Object.values(design.sites).find((site) => site.name === 'Home')!;
    design = putSite(design, { ...home, name: "Grandma and grandpa's holiday flat by the lake" });
    const laid = await computeAutoLayout(design, inProcess);
    for (const site of Object.values(laid.sites)) {
      expect(site.size.width).toBeGreaterThanOrEqual(siteHeaderWidth(site, laid.admin.siteId === site.id));
      for (const m of Object.values(laid.machines).filter((machine) => machine.siteId === site.id)) expect(m.position.y).toBeGreaterThanOrEqual(SITE_INSETS.top);
    }
  });

  test('machines are laid out at the size they are drawn: taller ones (more badges) keep their distance', async () => {
    const design = buildDesignFromAnswers(templates[0]!.answers, sequentialIds());
    const tall = { width: MACHINE_NODE_SIZE.width, height: 110 };
    const laid = await computeAutoLayout(design, inProcess, () => tall);
    const inSite = Object.values(laid.machines);
    for (let i = 0; i < inSite.length; i += 1)
      for (let j = i + 1; j < inSite.length; j += 1) {
        const a = { ...absolutePosition(laid, inSite[i]!), w: tall.width, h: tall.height };
        const b = { ...absolutePosition(laid, inSite[j]!), w: tall.width, h: tall.height };
        expect(boxesOverlap(a, b)).toBe(false);
      }
    for (const m of inSite) expect(m.position.y + tall.height).toBeLessThanOrEqual(laid.sites[m.siteId!]!.size.height);
  });
});
