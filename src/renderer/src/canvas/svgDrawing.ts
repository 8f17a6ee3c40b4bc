import { natLabels, qualityLabels, siteKindLabels } from '../../../shared/model/labels';
import { MACHINE_NODE_SIZE } from '../../../shared/model/templates';
import type { Design, Machine, Site } from '../../../shared/model/types';
import { vpnCatalog } from '../../../shared/vpn/catalog';
import { cellLooks, lookOrder } from '../deploy/verifyView';
import { getDerived } from '../stores/derived';
import { lineStyles, styleColour, type LineStyle, type Palette, type VerifyLineKind } from './drawScene';
import { linkLabel, VERIFY_LINE_OFFSET } from './edges';
import { absoluteBoxes, buildItemScene, buildSiteScene, floatingLine, offsetLine, type Box, type LineKind, type SceneLine } from './geometry';
import { machineIconPaths } from './icons';
import { EdgeProjector, NodeProjector } from './projection';
import type { FlowNode, LinkFlowEdge, MachineFlowNode, SiteFlowNode } from './types';
import type { VerifyPair } from './verifyPairs';

// The design as a drawing made of SVG elements, for the picture exports and the network sheet: sites, machines,
// drawn links, predicted VPN paths and the last verify's lines, laid out by the canvas's own projection and geometry
// (projection.ts, geometry.ts) and styled as styles.css styles the canvas (drawScene.ts's line styles, the node
// rules mirrored below). No UI chrome: no handles, selection, problem badges, minimap or controls.
//
// Every element is made with DOM calls and every text is a text node, so names (user text) are escaped by the
// serializer: no markup is ever put together from strings.

const SVG_NS = 'http://www.w3.org/2000/svg';

/** The width of a text in pixels, for a font size and weight (the export measures with a 2D canvas). */
export type TextMeasure = (text: string, size: number, weight: number) => number;

/** A rough measure for where no canvas is at hand (unit tests): average glyph widths of a sans-serif font. */
export const approximateTextMeasure: TextMeasure = (text, size, weight) => [...text].length * size * (weight >= 600 ? 0.6 : 0.55);

/** The colours, font and text measure a drawing is made with. */
export interface DrawingLook {
  palette: Palette;
  /** What is behind the drawing: the canvas's background for pictures, white for paper. */
  background: string;
  fontFamily: string;
  measure: TextMeasure;
}

/** What to draw: the design, the sizes the canvas measured, and the lines the canvas shows. */
export interface DrawingInput {
  design: Design;
  /**
   * Machine sizes the canvas measured, by id (a machine grows with its badges). A machine the canvas never measured
   * (never rendered in a large design) gets the size its exported content needs.
   */
  measured: ReadonlyMap<string, { width: number; height: number }>;
  /** Whether the predicted VPN paths are drawn (the canvas's "VPN connections" switch). */
  overlayVisible: boolean;
  /** The last verify's lines when the canvas shows them, with when it ran (for the legend); null otherwise. */
  verify: { pairs: readonly VerifyPair[]; at: number } | null;
}

/** A drawing without its legend: one group in flow coordinates, and the box it covers. */
export interface Scene {
  group: SVGGElement;
  /** The box around every site and machine, or null for an empty design. */
  bounds: Box | null;
}

/** A standalone picture: the svg element and its size in pixels at 1x. */
export interface Picture {
  svg: SVGSVGElement;
  width: number;
  height: number;
  /** The flow box shown at the picture's top-left, one flow unit per pixel (the legend is below it). */
  area: Box;
}

// ---------------------------------------------------------------- small DOM helpers

/** Characters XML 1.0 cannot hold (controls, lone surrogates, U+FFFE/U+FFFF); a name pasted with one stays drawable. */
// eslint-disable-next-line no-control-regex -- finding control characters is what this expression is for
const notXml = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** A text as XML can hold it. */
export function xmlText(text: string): string {
  return text.replace(notXml, '\uFFFD');
}

const round = (v: number) => Math.round(v * 100) / 100;

/** An SVG element with attributes (numbers rounded to hundredths) and children. */
export function svgElement<K extends keyof SVGElementTagNameMap>(doc: Document, tag: K, attrs: Record<string, string | number> = {}, ...children: Node[]): SVGElementTagNameMap[K] {
  const element = doc.createElementNS(SVG_NS, tag) as SVGElementTagNameMap[K];
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, typeof value === 'number' ? String(round(value)) : value);
  element.append(...children);
  return element;
}

/** A text element; the text becomes a text node, so the serializer escapes it. */
export function svgText(doc: Document, content: string, attrs: Record<string, string | number>): SVGTextElement {
  const element = svgElement(doc, 'text', attrs);
  element.textContent = xmlText(content);
  return element;
}

/** A title child: the tooltip of an element in SVG viewers, and its accessible name. */
function svgTitle(doc: Document, content: string): SVGTitleElement {
  const title = svgElement(doc, 'title');
  title.textContent = xmlText(content);
  return title;
}

/** The baseline that centres a line of text of this size on `centreY` (for fonts with usual metrics). */
export const baseline = (centreY: number, size: number) => centreY + size * 0.35;

/** A text cut to a width with an ellipsis, as the canvas cuts names with text-overflow. */
export function fitText(text: string, maxWidth: number, size: number, weight: number, measure: TextMeasure): string {
  if (measure(text, size, weight) <= maxWidth) return text;
  const chars = [...text];
  let low = 0;
  let high = chars.length;
  while (low < high) {
    const mid = Math.ceil((low + high) / 2);
    if (measure(`${chars.slice(0, mid).join('')}…`, size, weight) <= maxWidth) low = mid;
    else high = mid - 1;
  }
  return `${chars.slice(0, low).join('')}…`;
}

/** Parses #rgb, #rrggbb or rgb()/rgba() into channels; null for anything else. */
function channels(colour: string): [number, number, number] | null {
  const c = colour.trim();
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})$/i.exec(c);
  if (hex !== null) {
    const h = hex[1]!.length === 3 ? [...hex[1]!].map((d) => d + d).join('') : hex[1]!;
    return [0, 2, 4].map((i) => parseInt(h.slice(i, i + 2), 16)) as [number, number, number];
  }
  const rgb = /^rgba?\(\s*([\d.]+)[\s,]+([\d.]+)[\s,]+([\d.]+)/i.exec(c);
  return rgb === null ? null : [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
}

/** CSS color-mix(in srgb, a p, b): the badge and cloud-site colours of styles.css. */
export function mixColour(a: string, p: number, b: string): string {
  const ca = channels(a);
  const cb = channels(b);
  if (ca === null || cb === null) return a;
  const hex = ca.map((v, i) => Math.round(v * p + cb[i]! * (1 - p)).toString(16).padStart(2, '0'));
  return `#${hex.join('')}`;
}

// ---------------------------------------------------------------- flow layout (flex-wrap, align-items: center)

interface FlowItem {
  width: number;
  height: number;
  /** Extra space before this item when it is not the first of its row. */
  gapBefore?: number;
}

/** Where flex-wrap puts items: each item's left and its row's top and height. */
function flowLayout(items: readonly FlowItem[], maxWidth: number, gap: number, rowGap: number): { placed: { x: number; top: number; rowHeight: number }[]; width: number; height: number } {
  const placed: { x: number; top: number; rowHeight: number }[] = [];
  const rows: { start: number; height: number }[] = [];
  let x = 0;
  let width = 0;
  for (const [i, item] of items.entries()) {
    const before = gap + (item.gapBefore ?? 0);
    if (rows.length === 0 || (x > 0 && x + before + item.width > maxWidth)) {
      rows.push({ start: i, height: 0 });
      x = 0;
    } else if (x > 0) {
      x += before;
    }
    placed.push({ x, top: 0, rowHeight: 0 });
    x += item.width;
    width = Math.max(width, x);
    rows[rows.length - 1]!.height = Math.max(rows[rows.length - 1]!.height, item.height);
  }
  let top = 0;
  for (const [r, row] of rows.entries()) {
    const end = rows[r + 1]?.start ?? items.length;
    for (let i = row.start; i < end; i += 1) placed[i] = { ...placed[i]!, top, rowHeight: row.height };
    top += row.height + (r < rows.length - 1 ? rowGap : 0);
  }
  return { placed, width, height: top };
}

// ---------------------------------------------------------------- badges, as .badge in styles.css

const BADGE = { size: 10.5, height: 16, padding: 6, radius: 8 };

type BadgeTone = 'plain' | 'role' | 'admin' | 'natPublic' | 'natForward' | 'natWarn' | 'qualityWarn';

function badgeColours(tone: BadgeTone, palette: Palette): { fill: string; text: string } {
  switch (tone) {
    case 'role':
      return { fill: mixColour(palette.accent, 0.18, palette.surface), text: palette.text };
    case 'admin':
      return { fill: mixColour(palette.ok, 0.2, palette.surface), text: palette.text };
    case 'natPublic':
      return { fill: mixColour(palette.ok, 0.22, palette.surface), text: palette.text };
    case 'natForward':
      return { fill: mixColour('#3b82f6', 0.2, palette.surface), text: palette.text };
    case 'natWarn':
      return { fill: mixColour(palette.warn, 0.22, palette.surface), text: palette.text };
    case 'qualityWarn':
      return { fill: palette.surface2, text: palette.warn };
    case 'plain':
      return { fill: palette.surface2, text: palette.textMuted };
  }
}

interface Badge {
  text: string;
  tone: BadgeTone;
}

const badgeWidth = (badge: Badge, look: DrawingLook) => look.measure(badge.text, BADGE.size, 400) + 2 * BADGE.padding;

function drawBadge(doc: Document, badge: Badge, x: number, centreY: number, look: DrawingLook): SVGGElement {
  const colours = badgeColours(badge.tone, look.palette);
  const width = badgeWidth(badge, look);
  return svgElement(
    doc,
    'g',
    { class: 'badge' },
    svgElement(doc, 'rect', { x, y: centreY - BADGE.height / 2, width, height: BADGE.height, rx: BADGE.radius, fill: colours.fill }),
    svgText(doc, badge.text, { x: x + BADGE.padding, y: baseline(centreY, BADGE.size), 'font-size': BADGE.size, fill: colours.text }),
  );
}

const natTone: Record<Site['nat'], BadgeTone> = { public: 'natPublic', portForward: 'natForward', nat: 'plain', cgnat: 'natWarn', symmetric: 'natWarn' };

/** A node's box with its CSS border: box-sizing border-box draws the border inside, so the stroke is inset by half. */
function borderedBox(doc: Document, box: Box, border: number, radius: number, paint: Record<string, string | number>): SVGRectElement {
  return svgElement(doc, 'rect', {
    x: box.x + border / 2,
    y: box.y + border / 2,
    width: Math.max(0, box.width - border),
    height: Math.max(0, box.height - border),
    rx: radius,
    'stroke-width': border,
    ...paint,
  });
}

// ---------------------------------------------------------------- sites, as .site-node and .site-header

const SITE = { border: 1.5, padX: 12, padY: 8, gap: 6, radius: 12, dash: '6 4', nameSize: 14, kindSize: 12, lineHeight: 1.45 };

function drawSite(doc: Document, site: Site, box: Box, isAdmin: boolean, look: DrawingLook): SVGGElement {
  const { palette, measure } = look;
  const cloud = site.kind === 'cloud';
  const group = svgElement(doc, 'g', { class: `site site-${site.kind}`, 'data-id': site.id });
  group.append(
    borderedBox(doc, box, SITE.border, SITE.radius, {
      fill: cloud ? mixColour('#60a5fa', 0.1, palette.surface) : palette.surface,
      ...(cloud ? {} : { 'fill-opacity': 0.55 }),
      stroke: palette.border,
      'stroke-dasharray': SITE.dash,
    }),
  );
  // The header: name, kind, NAT badge, link quality and the admin marker, wrapping as the flex row does.
  const contentX = box.x + SITE.border + SITE.padX;
  const contentWidth = box.width - 2 * (SITE.border + SITE.padX);
  const name = fitText(site.name || 'Unnamed site', contentWidth, SITE.nameSize, 600, measure);
  const badges: Badge[] = [
    { text: natLabels[site.nat].short, tone: natTone[site.nat] },
    { text: `${qualityLabels[site.quality].short} link`, tone: site.quality === 'poor' || site.quality === 'bad' ? 'qualityWarn' : 'plain' },
    ...(isAdmin ? [{ text: 'admin here', tone: 'admin' as const }] : []),
  ];
  const kind = siteKindLabels[site.kind];
  const items: FlowItem[] = [
    { width: measure(name, SITE.nameSize, 600), height: SITE.nameSize * SITE.lineHeight },
    { width: measure(kind, SITE.kindSize, 400), height: SITE.kindSize * SITE.lineHeight },
    ...badges.map((b) => ({ width: badgeWidth(b, look), height: BADGE.height })),
  ];
  const { placed } = flowLayout(items, contentWidth, SITE.gap, SITE.gap);
  const top = box.y + SITE.border + SITE.padY;
  const centre = (i: number) => top + placed[i]!.top + placed[i]!.rowHeight / 2;
  group.append(
    svgText(doc, name, { x: contentX + placed[0]!.x, y: baseline(centre(0), SITE.nameSize), 'font-size': SITE.nameSize, 'font-weight': 600, fill: palette.text, class: 'site-name' }),
    svgText(doc, kind, { x: contentX + placed[1]!.x, y: baseline(centre(1), SITE.kindSize), 'font-size': SITE.kindSize, fill: palette.textMuted }),
    ...badges.map((b, i) => drawBadge(doc, b, contentX + placed[i + 2]!.x, centre(i + 2), look)),
  );
  return group;
}

// ---------------------------------------------------------------- machines, as .machine-node

const MACHINE = { border: 1.5, padX: 8, padY: 6, radius: 8, icon: 18, gap: 6, nameSize: 13, lineHeight: 1.45, badgeGap: 3, badgesTop: 4 };
const nameRowHeight = MACHINE.nameSize * MACHINE.lineHeight;

/** The badges an exported machine carries: its VPN roles, and "unmanaged" for a device that is never deployed. */
function machineBadges(machine: Machine, roles: readonly string[]): Badge[] {
  return [...roles.map((role) => ({ text: role, tone: 'role' as const })), ...(machine.managed ? [] : [{ text: 'unmanaged', tone: 'plain' as const }])];
}

function badgeRows(badges: readonly Badge[], width: number, look: DrawingLook) {
  return flowLayout(
    badges.map((b) => ({ width: badgeWidth(b, look), height: BADGE.height })),
    width - 2 * (MACHINE.border + MACHINE.padX),
    MACHINE.badgeGap,
    MACHINE.badgeGap,
  );
}

/** The height a machine's exported content needs at the canvas's node width (min-height 60, as in the CSS). */
function machineHeight(machine: Machine, roles: readonly string[], look: DrawingLook): number {
  const badges = machineBadges(machine, roles);
  const rows = badges.length === 0 ? 0 : MACHINE.badgesTop + badgeRows(badges, MACHINE_NODE_SIZE.width, look).height;
  return Math.max(MACHINE_NODE_SIZE.height, 2 * (MACHINE.border + MACHINE.padY) + nameRowHeight + rows);
}

function drawMachine(doc: Document, node: MachineFlowNode, box: Box, look: DrawingLook): SVGGElement {
  const { machine, roles } = node.data;
  const { palette, measure } = look;
  const group = svgElement(doc, 'g', { class: `machine machine-${machine.kind}`, 'data-id': machine.id });
  group.append(borderedBox(doc, box, MACHINE.border, MACHINE.radius, { fill: palette.surface, stroke: palette.border, ...(machine.managed ? {} : { 'stroke-dasharray': SITE.dash }) }));
  const left = box.x + MACHINE.border + MACHINE.padX;
  const contentWidth = box.width - 2 * (MACHINE.border + MACHINE.padX);
  const rowCentre = box.y + MACHINE.border + MACHINE.padY + nameRowHeight / 2;
  const iconScale = MACHINE.icon / 24;
  group.append(
    svgElement(
      doc,
      'g',
      { class: 'machine-icon', transform: `translate(${round(left)} ${round(rowCentre - MACHINE.icon / 2)}) scale(${iconScale})` },
      svgElement(doc, 'path', { d: machineIconPaths[machine.kind], fill: 'none', stroke: palette.textMuted, 'stroke-width': 1.8, 'stroke-linecap': 'round', 'stroke-linejoin': 'round' }),
    ),
  );
  const nameX = left + MACHINE.icon + MACHINE.gap;
  const name = fitText(machine.name, contentWidth - MACHINE.icon - MACHINE.gap, MACHINE.nameSize, 600, measure);
  group.append(svgText(doc, name, { x: nameX, y: baseline(rowCentre, MACHINE.nameSize), 'font-size': MACHINE.nameSize, 'font-weight': 600, fill: palette.text, class: 'machine-name' }));
  const badges = machineBadges(machine, roles);
  if (badges.length > 0) {
    const { placed } = badgeRows(badges, box.width, look);
    const top = box.y + MACHINE.border + MACHINE.padY + nameRowHeight + MACHINE.badgesTop;
    for (const [i, badge] of badges.entries()) group.append(drawBadge(doc, badge, left + placed[i]!.x, top + placed[i]!.top + placed[i]!.rowHeight / 2, look));
  }
  return group;
}

// ---------------------------------------------------------------- lines

/** The stroke attributes of a line style. */
function strokeAttributes(style: LineStyle, palette: Palette): Record<string, string | number> {
  return {
    stroke: styleColour(style, palette),
    'stroke-width': style.width,
    ...(style.dash.length === 0 ? {} : { 'stroke-dasharray': style.dash.join(' ') }),
    ...(style.opacity === 1 ? {} : { 'stroke-opacity': style.opacity }),
  };
}

function drawLine(doc: Document, line: { id: string; x1: number; y1: number; x2: number; y2: number }, style: LineStyle, className: string, title: string, look: DrawingLook): SVGLineElement {
  return svgElement(doc, 'line', { class: className, 'data-id': line.id, x1: line.x1, y1: line.y1, x2: line.x2, y2: line.y2, ...strokeAttributes(style, look.palette) }, svgTitle(doc, title));
}

/** A link's label at the middle of its line, as .edge-label. */
function drawLinkLabel(doc: Document, text: string, line: SceneLine, look: DrawingLook): SVGGElement {
  const size = 10.5;
  const width = look.measure(text, size, 400) + 2 * 5 + 2;
  const height = size * 1.45 + 2;
  const cx = (line.x1 + line.x2) / 2;
  const cy = (line.y1 + line.y2) / 2;
  return svgElement(
    doc,
    'g',
    { class: 'link-label', 'data-id': line.id },
    svgElement(doc, 'rect', { x: cx - width / 2 + 0.5, y: cy - height / 2 + 0.5, width: width - 1, height: height - 1, rx: 6, fill: look.palette.surface, stroke: look.palette.border, 'stroke-width': 1 }),
    svgText(doc, text, { x: cx, y: baseline(cy, size), 'font-size': size, 'text-anchor': 'middle', fill: look.palette.text }),
  );
}

const pathWords: Record<string, string> = { lan: 'on the same network', direct: 'direct', holePunched: 'hole-punched', relayed: 'relayed', unreachable: 'unreachable' };

// ---------------------------------------------------------------- the scene

/**
 * Draws the design in flow coordinates, bottom to top as the canvas stacks it: predicted VPN paths under the
 * translucent sites, sites, the last verify's lines, link labels, machines, drawn links. Nothing is selected.
 */
export function drawDesignScene(doc: Document, input: DrawingInput, look: DrawingLook): Scene {
  const { design } = input;
  const derived = getDerived(design);
  const none = new Set<string>();
  // Fresh projectors: the canvas's hold its selection and drag state, which a picture must not show.
  const nodes = new NodeProjector().project(design, none, new Map(), derived);
  const verifyPairs = input.verify?.pairs ?? null;
  const edges = new EdgeProjector().project(design, none, derived, input.overlayVisible, verifyPairs);
  const sizes = new Map(input.measured);
  for (const node of nodes) if (node.type === 'machine' && !sizes.has(node.id)) sizes.set(node.id, { width: MACHINE_NODE_SIZE.width, height: machineHeight(node.data.machine, node.data.roles, look) });

  const siteNodes = nodes.filter((n): n is SiteFlowNode => n.type === 'site');
  const sites = buildSiteScene(siteNodes, edges.filter((e) => e.type === 'overlay'));
  const items = buildItemScene(nodes, edges.filter((e) => e.type === 'link'), sizes);
  const boxes = absoluteBoxes(nodes, sizes);
  const byId = new Map<string, FlowNode>(nodes.map((n) => [n.id, n]));
  const nameOf = (id: string) => {
    const node = byId.get(id);
    return node === undefined ? id : node.type === 'machine' ? node.data.machine.name : node.data.site.name || 'Unnamed site';
  };

  const group = svgElement(doc, 'g', { class: 'design' });
  const layer = (name: string) => group.appendChild(svgElement(doc, 'g', { class: name }));

  const overlayLayer = layer('vpn-paths');
  const overlayById = new Map(derived.overlay.map((o) => [o.id, o]));
  for (const line of sites.overlay) {
    const edge = overlayById.get(line.id);
    const path = edge?.path ?? 'direct';
    const title = `Predicted VPN path between ${nameOf(edge?.a ?? '')} and ${nameOf(edge?.b ?? '')}: ${pathWords[path] ?? path}. ${edge?.reason ?? ''}`.trim();
    overlayLayer.append(drawLine(doc, line, lineStyles[line.kind], `vpn-path vpn-path-${path}`, title, look));
  }

  const siteLayer = layer('sites');
  for (const scene of sites.sites) {
    const site = (byId.get(scene.id) as SiteFlowNode).data.site;
    siteLayer.append(drawSite(doc, site, scene, design.admin.siteId === site.id, look));
  }

  const verifyLayer = layer('verify-lines');
  for (const edge of edges) {
    if (edge.type !== 'verify' || edge.data === undefined) continue;
    const a = boxes.get(edge.source);
    const b = boxes.get(edge.target);
    if (a === undefined || b === undefined) continue;
    const kind: VerifyLineKind = `verify-${edge.data.look}`;
    verifyLayer.append(drawLine(doc, { id: edge.id, ...offsetLine(floatingLine(a, b), VERIFY_LINE_OFFSET) }, lineStyles[kind], `verify-line ${kind}`, edge.data.label, look));
  }

  // Link labels lie under the machines, as React Flow's label layer lies under its nodes: a label of a short link
  // between two machines is partly covered, on the canvas and in the picture alike.
  const labelLayer = layer('link-labels');
  const machineLayer = layer('machines');
  for (const scene of items.machines) machineLayer.append(drawMachine(doc, byId.get(scene.id) as MachineFlowNode, scene, look));

  const linkLayer = layer('links');
  const linkEdges = new Map(edges.filter((e): e is LinkFlowEdge => e.type === 'link').map((e) => [e.id, e]));
  for (const line of items.links) {
    const edge = linkEdges.get(line.id)!;
    const label = linkLabel(edge.data!, false);
    const title = `${label ?? 'cable'} between ${nameOf(edge.source)} and ${nameOf(edge.target)}`;
    linkLayer.append(drawLine(doc, line, lineStyles[line.kind], `link link-${line.kind}`, title, look));
    if (label !== null) labelLayer.append(drawLinkLabel(doc, label, line, look));
  }
  return { group, bounds: items.bounds };
}

// ---------------------------------------------------------------- the legend

/** One group of the legend: a title and the line styles it explains. */
export interface LegendGroup {
  title: string;
  items: { kind: LineKind | VerifyLineKind; label: string }[];
}

const linkLegend: Record<'cable' | 'portForward' | 'jumpHost', string> = { cable: 'cable / LAN', portForward: 'port forward', jumpHost: 'SSH jump host' };

/** What the legend explains: the kinds of drawn link in the design, the predicted paths and the last verify, as shown. */
export function legendGroups(input: DrawingInput, formatDate: (at: number) => string): LegendGroup[] {
  const groups: LegendGroup[] = [];
  const kinds = new Set(Object.values(input.design.links).map((l) => l.kind));
  const links = (['cable', 'portForward', 'jumpHost'] as const).filter((k) => kinds.has(k));
  if (links.length > 0) groups.push({ title: 'Links', items: links.map((kind) => ({ kind, label: linkLegend[kind] })) });
  const vpn = input.design.vpn.id;
  if (input.overlayVisible && vpn !== null) {
    groups.push({
      // The same four paths as the canvas legend, named as there.
      title: `Predicted VPN paths (${vpnCatalog[vpn].name})`,
      items: [
        { kind: 'overlay-direct', label: 'direct' },
        { kind: 'overlay-holePunched', label: 'hole-punched' },
        { kind: 'overlay-relayed', label: 'relayed' },
        { kind: 'overlay-unreachable', label: 'unreachable' },
      ],
    });
  }
  if (input.overlayVisible && input.verify !== null && input.verify.pairs.length > 0) {
    groups.push({ title: `Last verify, ${formatDate(input.verify.at)}`, items: lookOrder.map((look) => ({ kind: `verify-${look}` as const, label: cellLooks[look].text })) });
  }
  return groups;
}

const LEGEND = { size: 12, swatch: 28, swatchGap: 6, itemGap: 14, groupGap: 26, rowGap: 8, lineHeight: 18 };

/** Draws the legend at (0, 0), wrapping its items within `maxWidth`; null when there is nothing to explain. */
export function drawLegend(doc: Document, groups: readonly LegendGroup[], maxWidth: number, look: DrawingLook): { group: SVGGElement; width: number; height: number } | null {
  if (groups.length === 0) return null;
  const { palette, measure } = look;
  const entries: { text: string; title: boolean; kind?: LineKind | VerifyLineKind; item: FlowItem }[] = [];
  for (const [g, legendGroup] of groups.entries()) {
    entries.push({ text: legendGroup.title, title: true, item: { width: measure(legendGroup.title, LEGEND.size, 600), height: LEGEND.lineHeight, gapBefore: g === 0 ? 0 : LEGEND.groupGap - LEGEND.itemGap } });
    for (const item of legendGroup.items) entries.push({ text: item.label, title: false, kind: item.kind, item: { width: LEGEND.swatch + LEGEND.swatchGap + measure(item.label, LEGEND.size, 400), height: LEGEND.lineHeight } });
  }
  const { placed, width, height } = flowLayout(
    entries.map((e) => e.item),
    maxWidth,
    LEGEND.itemGap,
    LEGEND.rowGap,
  );
  const group = svgElement(doc, 'g', { class: 'legend' });
  for (const [i, entry] of entries.entries()) {
    const { x, top, rowHeight } = placed[i]!;
    const cy = top + rowHeight / 2;
    if (entry.title) {
      group.append(svgText(doc, entry.text, { x, y: baseline(cy, LEGEND.size), 'font-size': LEGEND.size, 'font-weight': 600, fill: palette.text }));
      continue;
    }
    const style = lineStyles[entry.kind!];
    group.append(
      svgElement(doc, 'g', { class: `legend-item legend-${entry.kind!}` }, svgElement(doc, 'line', { x1: x + 1, y1: cy, x2: x + LEGEND.swatch - 1, y2: cy, ...strokeAttributes(style, palette) }), svgText(doc, entry.text, { x: x + LEGEND.swatch + LEGEND.swatchGap, y: baseline(cy, LEGEND.size), 'font-size': LEGEND.size, fill: palette.text })),
    );
  }
  return { group, width, height };
}

// ---------------------------------------------------------------- the picture

/** Space around the drawing, in pixels at 1x. */
export const PICTURE_PADDING = 32;
const EMPTY_BOX: Box = { x: 0, y: 0, width: 320, height: 160 };

/** The root svg element of a standalone drawing, with the font, a title and a background. */
export function svgRoot(doc: Document, width: number, height: number, title: string, look: DrawingLook): SVGSVGElement {
  const svg = svgElement(doc, 'svg', { width, height, viewBox: `0 0 ${round(width)} ${round(height)}`, 'font-family': look.fontFamily, role: 'img' }, svgTitle(doc, title));
  svg.append(svgElement(doc, 'rect', { class: 'background', x: 0, y: 0, width, height, fill: look.background }));
  return svg;
}

/**
 * The design as a standalone picture: the drawing at one flow unit per pixel, with the padding around it, and the
 * legend below. The svg's coordinates are pixels from its top-left corner.
 */
export function buildDesignPicture(doc: Document, input: DrawingInput, look: DrawingLook, formatDate: (at: number) => string): Picture {
  const scene = drawDesignScene(doc, input, look);
  const bounds = scene.bounds ?? EMPTY_BOX;
  const area: Box = { x: bounds.x - PICTURE_PADDING, y: bounds.y - PICTURE_PADDING, width: bounds.width + 2 * PICTURE_PADDING, height: bounds.height + 2 * PICTURE_PADDING };
  const legend = drawLegend(doc, legendGroups(input, formatDate), Math.max(area.width - 2 * PICTURE_PADDING, 480), look);
  const width = Math.ceil(Math.max(area.width, legend === null ? 0 : legend.width + 2 * PICTURE_PADDING));
  const height = Math.ceil(area.height + (legend === null ? 0 : legend.height + PICTURE_PADDING));
  const name = input.design.meta.clanName.trim();
  const svg = svgRoot(doc, width, height, name === '' ? 'Network diagram' : `Network diagram of ${name}`, look);
  scene.group.setAttribute('transform', `translate(${round(-area.x)} ${round(-area.y)})`);
  svg.append(scene.group);
  if (legend !== null) {
    legend.group.setAttribute('transform', `translate(${PICTURE_PADDING} ${round(area.height)})`);
    svg.append(legend.group);
  }
  return { svg, width, height, area };
}

/** The svg as a standalone file's text, with the XML declaration. */
export function serializeSvg(svg: SVGSVGElement): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${new XMLSerializer().serializeToString(svg)}\n`;
}
