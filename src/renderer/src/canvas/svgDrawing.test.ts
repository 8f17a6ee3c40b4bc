// @vitest-environment happy-dom
import { describe, expect, test } from 'vitest';
import { designBuilder } from '../../../shared/model/designBuilder';
import { computeOverlay } from '../../../shared/model/overlay';
import { updateLink, updateSite } from '../../../shared/model/ops';
import type { Design, LinkId, MachineId } from '../../../shared/model/types';
import { lightPalette } from './drawScene';
import { approximateTextMeasure, buildDesignPicture, fitText, mixColour, serializeSvg, xmlText, type DrawingInput, type DrawingLook } from './svgDrawing';
import type { VerifyPair } from './verifyPairs';

const look: DrawingLook = { palette: lightPalette, background: '#f6f7f9', fontFamily: 'system-ui, sans-serif', measure: approximateTextMeasure };
const formatDate = (at: number) => new Date(at).toISOString().slice(0, 10);

/** Names people type, with everything markup could trip over. */
const hostileSite = `Mum & Dad's <house> "north" ]]> \u0001`;
const hostileLabel = '<script>alert(1)</script> & co';

/**
 * A family network with every kind of drawn link and a VPN, so there are predicted paths: home (NAT) with a NAS
 * and a phone, a public cloud VPS, grandma behind CGNAT reached through the VPS as a jump host, an office with a port
 * forward to its PC.
 */
function fixture() {
  const b = designBuilder();
  const home = b.site(hostileSite, 'nat', { position: { x: 0, y: 0 }, size: { width: 420, height: 200 } });
  const cloud = b.site('Cloud', 'public', { position: { x: 500, y: 0 }, size: { width: 240, height: 160 } });
  const grandma = b.site('Grandma', 'cgnat', { position: { x: 0, y: 300 }, size: { width: 240, height: 160 } });
  const office = b.site('Office', 'portForward', { position: { x: 500, y: 300 }, size: { width: 240, height: 160 } });
  const nas = b.machine('nas', home, 'nas', { position: { x: 24, y: 52 } });
  const phone = b.machine('phone', home, 'phone', { position: { x: 220, y: 52 } });
  const vps = b.machine('vps', cloud, 'vps', { position: { x: 24, y: 52 } });
  const tablet = b.machine('tablet', grandma, 'sbc', { position: { x: 24, y: 52 } });
  const pc = b.machine('pc', office, 'desktop', { position: { x: 24, y: 52 } });
  b.link('cable', nas, phone);
  b.link('jumpHost', vps, tablet);
  b.link('portForward', office, pc, { external: 2222, internal: 22 });
  b.admin(home);
  let design = b.vpn('zerotier');
  const cableId = Object.values(design.links).find((l) => l.kind === 'cable')!.id;
  design = updateLink(design, cableId, { label: hostileLabel });
  return { design, nas, phone, vps, tablet, pc, cableId };
}

const input = (design: Design, extra: Partial<DrawingInput> = {}): DrawingInput => ({ design, measured: new Map(), overlayVisible: true, verify: null, ...extra });

/** The exported file's text, parsed back as XML: what another program opening the file gets. */
function exportAndParse(drawing: DrawingInput) {
  const picture = buildDesignPicture(document, drawing, look, formatDate);
  const text = serializeSvg(picture.svg);
  const parsed = new DOMParser().parseFromString(text, 'image/svg+xml');
  return { picture, text, parsed };
}

describe('the exported SVG drawing', () => {
  test('draws every drawn link and every predicted VPN path as a line element with its id', () => {
    const { design } = fixture();
    const overlay = computeOverlay(design);
    expect(overlay.length).toBeGreaterThan(0);
    const { parsed } = exportAndParse(input(design));
    const linkIds = [...parsed.querySelectorAll('line.link')].map((l) => l.getAttribute('data-id')).sort();
    expect(linkIds).toEqual(Object.keys(design.links).sort());
    const pathIds = [...parsed.querySelectorAll('line.vpn-path')].map((l) => l.getAttribute('data-id')).sort();
    expect(pathIds).toEqual(overlay.map((o) => o.id).sort());
    // Each line is styled as the canvas legend: a jump host dashed purple, a port forward dashed blue.
    const jump = parsed.querySelector('line.link-jumpHost')!;
    expect([jump.getAttribute('stroke'), jump.getAttribute('stroke-dasharray')]).toEqual(['#a855f7', '2 4']);
    const forward = parsed.querySelector('line.link-portForward')!;
    expect([forward.getAttribute('stroke'), forward.getAttribute('stroke-dasharray')]).toEqual(['#3b82f6', '6 3']);
    for (const path of parsed.querySelectorAll('line.vpn-path')) {
      expect(Number(path.getAttribute('stroke-width'))).toBe(2.5);
      expect(path.getAttribute('stroke-opacity')).toBe('0.75');
    }
  });

  test('draws every site and machine, with names, NAT badges, kind icons and VPN roles', () => {
    const { design } = fixture();
    const { parsed } = exportAndParse(input(design));
    expect([...parsed.querySelectorAll('g.site')].map((g) => g.getAttribute('data-id')).sort()).toEqual(Object.keys(design.sites).sort());
    expect([...parsed.querySelectorAll('g.machine')].map((g) => g.getAttribute('data-id')).sort()).toEqual(Object.keys(design.machines).sort());
    const names = [...parsed.querySelectorAll('.machine-name')].map((t) => t.textContent).sort();
    expect(names).toEqual(['nas', 'pc', 'phone', 'tablet', 'vps']);
    const texts = [...parsed.querySelectorAll('text')].map((t) => t.textContent);
    for (const badge of ['CGNAT', 'NAT + port forward', 'Public IP', 'admin here', 'controller', 'unmanaged']) expect(texts).toContain(badge);
    expect(parsed.querySelectorAll('g.machine-icon path')).toHaveLength(5);
  });

  test('escapes names and labels: user text stays text, and the file stays well-formed XML', () => {
    const { design } = fixture();
    const { text, parsed } = exportAndParse(input(design));
    expect(parsed.querySelector('parsererror')).toBeNull();
    expect(text).not.toContain('<script>');
    expect(text).toContain('&lt;script&gt;');
    expect(parsed.querySelector('script')).toBeNull();
    const label = [...parsed.querySelectorAll('.link-label text')].map((t) => t.textContent);
    expect(label).toContain(hostileLabel);
    // The control character XML cannot hold is replaced; everything else is kept as typed.
    const siteName = parsed.querySelector('.site-name')!.textContent!;
    expect(hostileSite.startsWith(siteName.replace(/…$/, '').replace('\uFFFD', '\u0001').slice(0, 20))).toBe(true);
    const titles = [...parsed.querySelectorAll('line.vpn-path title')].map((t) => t.textContent ?? '');
    expect(titles.some((t) => t.includes(`Mum & Dad's <house> "north" ]]> \uFFFD`))).toBe(true);
  });

  test('has no HTML wrapper and no UI chrome: no foreignObject, handles, selection or React Flow markup', () => {
    const { design, nas } = fixture();
    const { text, parsed } = exportAndParse(input(design));
    expect(parsed.querySelector('foreignObject')).toBeNull();
    expect(text).not.toMatch(/handle|react-flow|selected|xhtml/i);
    expect(parsed.documentElement.getAttribute('xmlns') ?? parsed.documentElement.namespaceURI).toBe('http://www.w3.org/2000/svg');
    // A machine selected on the canvas is drawn like the others (the export never sees the canvas's selection).
    const machine = parsed.querySelector(`g.machine[data-id="${nas}"] rect`)!;
    expect(machine.getAttribute('stroke')).toBe(lightPalette.border);
  });

  test('the legend explains the drawn link kinds and the four predicted paths, named after the VPN', () => {
    const { design } = fixture();
    const { parsed } = exportAndParse(input(design));
    const legend = [...parsed.querySelectorAll('g.legend text')].map((t) => t.textContent);
    expect(legend).toEqual(['Links', 'cable / LAN', 'port forward', 'SSH jump host', 'Predicted VPN paths (ZeroTier)', 'direct', 'hole-punched', 'relayed', 'unreachable']);
    expect(parsed.querySelectorAll('g.legend line')).toHaveLength(7);
  });

  test('with the VPN connections hidden, no predicted paths or verify lines, and none in the legend', () => {
    const { design, nas, vps } = fixture();
    const pair: VerifyPair = { id: `vf:${nas}:${vps}`, a: nas, b: vps, look: 'notReached', label: 'Last verify between "nas" and "vps": not reached.' };
    const { parsed } = exportAndParse(input(design, { overlayVisible: false, verify: { pairs: [pair], at: 0 } }));
    expect(parsed.querySelectorAll('line.vpn-path')).toHaveLength(0);
    expect(parsed.querySelectorAll('line.verify-line')).toHaveLength(0);
    expect([...parsed.querySelectorAll('g.legend text')].map((t) => t.textContent)).toEqual(['Links', 'cable / LAN', 'port forward', 'SSH jump host']);
  });

  test("draws the last verify's lines beside the machines' links, styled by result, and explains them", () => {
    const { design, nas, vps, tablet } = fixture();
    const pairs: VerifyPair[] = [
      { id: `vf:${nas}:${vps}`, a: nas, b: vps, look: 'reached', label: 'reached' },
      { id: `vf:${vps}:${tablet}`, a: vps, b: tablet, look: 'notReached', label: 'not reached' },
    ];
    const { parsed } = exportAndParse(input(design, { verify: { pairs, at: Date.UTC(2026, 11, 7) } }));
    const lines = [...parsed.querySelectorAll('line.verify-line')];
    expect(lines.map((l) => l.getAttribute('data-id'))).toEqual(pairs.map((p) => p.id));
    expect(lines[1]!.getAttribute('stroke-dasharray')).toBe('3 3');
    // Offset from the jump host link between the same two machines, so both are seen.
    const jump = parsed.querySelector('line.link-jumpHost')!;
    expect(lines[1]!.getAttribute('x1')).not.toBe(jump.getAttribute('x1'));
    expect([...parsed.querySelectorAll('g.legend text')].map((t) => t.textContent)).toContain('Last verify, 2026-12-07');
  });

  test('uses the sizes the canvas measured, and sizes unmeasured machines to their content', () => {
    const { design, nas, vps } = fixture();
    const measured = new Map([[nas as string, { width: 168, height: 90 }]]);
    const { parsed } = exportAndParse(input(design, { measured }));
    const box = (id: MachineId) => parsed.querySelector(`g.machine[data-id="${id}"] rect`)!;
    // The border is drawn inside the box, as CSS draws it: 1.5 wide, so the rect is 1.5 smaller.
    expect(Number(box(nas).getAttribute('height'))).toBe(88.5);
    expect(Number(box(vps).getAttribute('height'))).toBeGreaterThanOrEqual(58.5);
  });

  test('frames the drawing with padding at one flow unit per pixel, with the legend below', () => {
    const { design } = fixture();
    const { picture, parsed } = exportAndParse(input(design));
    // Sites span 0..740 x 0..460; 32 pixels around them.
    expect(picture.area).toEqual({ x: -32, y: -32, width: 804, height: 524 });
    expect(picture.width).toBe(804);
    expect(picture.height).toBeGreaterThan(524);
    expect(parsed.querySelector('g.design')!.getAttribute('transform')).toBe('translate(32 32)');
    expect(parsed.documentElement.getAttribute('viewBox')).toBe(`0 0 ${picture.width} ${picture.height}`);
  });

  test('an empty design still makes a valid picture', () => {
    const { parsed, picture } = exportAndParse(input(designBuilder().design));
    expect(parsed.querySelector('parsererror')).toBeNull();
    expect(picture.width).toBeGreaterThan(0);
    expect(parsed.querySelectorAll('g.site, g.machine, line')).toHaveLength(0);
  });
});

describe('helpers', () => {
  test('fitText cuts with an ellipsis to the width, and leaves short text alone', () => {
    expect(fitText('short', 100, 10, 400, approximateTextMeasure)).toBe('short');
    const cut = fitText('a-very-long-machine-name', 60, 10, 400, approximateTextMeasure);
    expect(cut.endsWith('…')).toBe(true);
    expect(approximateTextMeasure(cut, 10, 400)).toBeLessThanOrEqual(60);
  });

  test('mixColour mixes as CSS color-mix in srgb', () => {
    expect(mixColour('#000000', 0.5, '#ffffff')).toBe('#808080');
    expect(mixColour('#2563eb', 0.18, '#fff')).toBe('#d8e3fb');
    expect(mixColour('var(--x)', 0.5, '#fff')).toBe('var(--x)');
  });

  test('xmlText replaces what XML cannot hold and keeps the rest, emoji included', () => {
    expect(xmlText('a\u0000b\u001fc\uFFFEd 🖥️ é')).toBe('a\uFFFDb\uFFFDc\uFFFDd 🖥️ é');
    expect(xmlText('lone \uD800 surrogate')).toBe('lone \uFFFD surrogate');
  });

  test('an unnamed site is drawn as "Unnamed site"', () => {
    const { design } = fixture();
    const id = Object.keys(design.sites)[0]! as Parameters<typeof updateSite>[1];
    const { parsed } = exportAndParse(input(updateSite(design, id, { name: '' })));
    expect([...parsed.querySelectorAll('.site-name')].map((t) => t.textContent)).toContain('Unnamed site');
  });

  test('a link without a label is titled by its kind and the names at its ends', () => {
    const { design, vps, tablet } = fixture();
    const { parsed } = exportAndParse(input(design));
    const jump = parsed.querySelector('line.link-jumpHost title')!.textContent;
    expect(jump).toBe(`SSH jump between ${design.machines[vps]!.name} and ${design.machines[tablet]!.name}`);
    expect(Object.keys(design.links).every((id) => parsed.querySelector(`line[data-id="${id as LinkId}"]`) !== null)).toBe(true);
  });
});
