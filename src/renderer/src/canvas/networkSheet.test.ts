// @vitest-environment happy-dom
import { describe, expect, test } from 'vitest';
import { designBuilder, familyWithJumpHost } from '../../../shared/model/designBuilder';
import { updateMachine } from '../../../shared/model/ops';
import type { Design } from '../../../shared/model/types';
import { buildNetworkSheet, machineRows, SHEET, tablePlan, type SheetInput } from './networkSheet';
import { approximateTextMeasure, serializeSvg } from './svgDrawing';

const look = { fontFamily: 'system-ui, sans-serif', measure: approximateTextMeasure };
const day = (at: number) => new Date(at).toISOString().slice(0, 10);

function sheetInput(design: Design, extra: Partial<SheetInput> = {}): SheetInput {
  return { design, measured: new Map(), overlayVisible: true, verify: null, fileName: 'family', printedAt: Date.UTC(2026, 11, 7), formatDay: day, formatDateTime: day, ...extra };
}

/** The family network with the jump host, on ZeroTier, with an SSH port and a public address to show. */
function family(): Design {
  const f = familyWithJumpHost();
  f.b.vpn('zerotier');
  let design = f.b.design;
  design = updateMachine(design, f.pc, { ssh: { host: 'fe80::1', port: 2222, user: 'admin' } });
  design = updateMachine(design, f.bastion, { publicAddress: 'bastion.example.org' });
  return design;
}

describe("the network sheet's machine table", () => {
  test('lists every machine by site, with kind, VPN role by name, SSH address with the jump host, public address', () => {
    const rows = machineRows(family());
    expect(rows.map((r) => [r.site, r.machine])).toEqual([
      ['Cloud', 'bastion'],
      ['Grandma', 'tablet'],
      ['Home', 'nas'],
      ['Home', 'phone'],
      ['Office', 'pc'],
    ]);
    const byName = new Map(rows.map((r) => [r.machine, r]));
    expect(byName.get('bastion')).toMatchObject({ kind: 'VPS', roles: 'Controller, Peer', ssh: 'root@bastion.lan', publicAddress: 'bastion.example.org' });
    expect(byName.get('tablet')).toMatchObject({ kind: 'Raspberry Pi / ARM board', ssh: 'root@tablet.lan via bastion', publicAddress: '–' });
    // IPv6 in brackets and a port other than 22, as ssh and scp take them.
    expect(byName.get('pc')!.ssh).toBe('admin@[fe80::1]:2222');
    expect(byName.get('phone')).toMatchObject({ kind: 'Phone / tablet (not managed)', ssh: '–' });
  });

  test('says when a managed machine has no SSH address yet, and lists machines in no site last', () => {
    const b = designBuilder();
    const home = b.site('Home', 'nat');
    b.machine('b-server', home, 'server', { ssh: null });
    b.machine('a-loose', null, 'server');
    const rows = machineRows(b.design);
    expect(rows.map((r) => [r.machine, r.site, r.ssh, r.roles])).toEqual([
      ['b-server', 'Home', 'not set yet', '–'],
      ['a-loose', 'no site', 'root@a-loose.lan', '–'],
    ]);
  });

  test('fits on the page: one block, then two side by side with smaller rows, then the rest counted', () => {
    expect(tablePlan(10, 290)).toEqual({ blocks: 1, perBlock: 10, rowHeight: 18, shown: 10 });
    const two = tablePlan(30, 290);
    expect(two).toMatchObject({ blocks: 2, perBlock: 15, shown: 30 });
    expect(two.rowHeight).toBeLessThanOrEqual(18);
    expect(22 + two.perBlock * two.rowHeight).toBeLessThanOrEqual(290);
    const many = tablePlan(200, 290);
    expect(many).toMatchObject({ blocks: 2, rowHeight: 14 });
    expect(many.shown).toBe(2 * many.perBlock - 1);
    expect(22 + many.perBlock * 14).toBeLessThanOrEqual(290);
  });
});

describe('the network sheet', () => {
  test('is one A4 landscape page: title, summary, the drawing with every link and path, the legend and a row per machine', () => {
    const design = family();
    const sheet = buildNetworkSheet(document, sheetInput(design), look);
    const parsed = new DOMParser().parseFromString(serializeSvg(sheet), 'image/svg+xml');
    const root = parsed.documentElement;
    expect([root.getAttribute('width'), root.getAttribute('height')]).toEqual([String(SHEET.width), String(SHEET.height)]);
    expect(parsed.querySelector('foreignObject')).toBeNull();
    const texts = [...parsed.querySelectorAll('text')].map((t) => t.textContent ?? '');
    expect(texts[0]).toBe('family: network sheet');
    expect(texts[1]).toBe('domain .clan · VPN: ZeroTier (instance "mesh") · 4 sites, 5 machines · printed 2026-12-07');
    expect(texts).toContain('Clan Network Designer · family');
    expect(parsed.querySelectorAll('svg.drawing line.link')).toHaveLength(Object.keys(design.links).length);
    expect(parsed.querySelectorAll('svg.drawing line.vpn-path').length).toBeGreaterThan(0);
    expect([...parsed.querySelectorAll('g.legend text')].map((t) => t.textContent)).toContain('Predicted VPN paths (ZeroTier)');
    expect([...parsed.querySelectorAll('g.machine-row')].map((r) => r.getAttribute('data-id')).sort()).toEqual(Object.keys(design.machines).sort());
    for (const header of ['Machine', 'Site', 'Kind', 'VPN role', 'SSH address', 'Public address']) expect(texts).toContain(header);
  });

  test('everything stays inside the page margins, whatever the size of the design', () => {
    const b = designBuilder();
    for (let s = 0; s < 6; s += 1) {
      const site = b.site(`Site ${s}`, 'nat', { position: { x: s * 900, y: (s % 2) * 700 }, size: { width: 800, height: 600 } });
      for (let m = 0; m < 10; m += 1) b.machine(`m-${s}-${m}`, site, 'server', { position: { x: 24 + (m % 4) * 190, y: 52 + Math.floor(m / 4) * 90 } });
    }
    const sheet = buildNetworkSheet(document, sheetInput(b.vpn('nebula')), look);
    const drawing = sheet.querySelector('svg.drawing')!;
    const [x, y, w, h] = ['x', 'y', 'width', 'height'].map((a) => Number(drawing.getAttribute(a)));
    expect(x!).toBeGreaterThanOrEqual(SHEET.margin);
    expect(x! + w!).toBeLessThanOrEqual(SHEET.width - SHEET.margin + 0.01);
    expect(y!).toBeGreaterThanOrEqual(SHEET.margin);
    expect(y! + h!).toBeLessThanOrEqual(SHEET.height - SHEET.margin);
    // 60 machines do not fit one block: two blocks, each row inside the page, and the machines left out counted.
    for (const text of sheet.querySelectorAll('g.machine-table text')) expect(Number(text.getAttribute('y'))).toBeLessThanOrEqual(SHEET.height - SHEET.margin);
    const shown = sheet.querySelectorAll('g.machine-row').length;
    expect(shown).toBeGreaterThanOrEqual(50);
    expect([...sheet.querySelectorAll('g.machine-table text')].map((t) => t.textContent)).toContain(`… and ${60 - shown} more machines: see the design file`);
  });

  test('a small network is not blown up to poster size', () => {
    const b = designBuilder();
    const home = b.site('Home', 'nat', { position: { x: 0, y: 0 }, size: { width: 220, height: 130 } });
    b.machine('pi', home, 'sbc', { position: { x: 24, y: 52 } });
    const sheet = buildNetworkSheet(document, sheetInput({ ...b.design, meta: { ...b.design.meta, clanName: '' } }, { fileName: null }), look);
    const drawing = sheet.querySelector('svg.drawing')!;
    expect(Number(drawing.getAttribute('width'))).toBeLessThanOrEqual((220 + 24) * 1.5 + 0.01);
    // Without a clan name or a file, the sheet is just a network sheet.
    expect(sheet.querySelector('text')!.textContent).toBe('Network sheet');
  });
});
