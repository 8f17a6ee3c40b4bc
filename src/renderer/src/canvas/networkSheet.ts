import { machineKindLabels } from '../../../shared/model/labels';
import { computeDeployReach } from '../../../shared/model/reachability';
import type { Design, Machine } from '../../../shared/model/types';
import { bracketHost } from '../../../shared/nix/addresses';
import { byNameThenId, compareText, plural } from '../../../shared/text';
import { findRole, vpnCatalog } from '../../../shared/vpn/catalog';
import { lightPalette } from './drawScene';
import { baseline, drawDesignScene, drawLegend, fitText, legendGroups, svgElement, svgRoot, svgText, type DrawingInput, type DrawingLook, type TextMeasure } from './svgDrawing';

// The network sheet: one landscape A4 page to print and pin up next to the router. The drawing with its legend, and
// a table of what someone fixing things needs to know about each machine: where it is, what it is, its role in the
// VPN and how to reach it with SSH. Made of SVG elements like the picture exports (svgDrawing.ts), so the PNG and the
// printed PDF are the same page.

/** A4 landscape at 96 pixels per inch (297 x 210 mm), with a 10 mm margin most printers can print inside. */
export const SHEET = { width: 1123, height: 794, margin: 38 } as const;

/** What the sheet shows besides the drawing: the file it comes from, when it is printed, how dates read. */
export interface SheetInput extends DrawingInput {
  /** The design file's name without its extension, or null for a design never saved. */
  fileName: string | null;
  printedAt: number;
  /** A day, for the header ("Dec 7, 2026"). */
  formatDay: (at: number) => string;
  /** A day and time, for the last verify in the legend. */
  formatDateTime: (at: number) => string;
}

/** One machine's line in the sheet's table. */
export interface MachineRow {
  id: string;
  machine: string;
  site: string;
  kind: string;
  /** Its roles in the chosen VPN by their catalog names, "–" without. */
  roles: string;
  /** How the admin reaches it with SSH: `user@host[:port]`, with the jump host when it is reached through one. */
  ssh: string;
  /** The public address or DNS name other machines can reach it on, "–" without. */
  publicAddress: string;
}

const dash = '–';

/** `user@host[:port]` as people type it into ssh, IPv6 bracketed; null without an address. */
function sshAddress(machine: Machine): string | null {
  const ssh = machine.ssh;
  if (ssh === null || ssh.host.trim() === '') return null;
  return `${ssh.user === '' ? '' : `${ssh.user}@`}${bracketHost(ssh.host)}${ssh.port === 22 ? '' : `:${ssh.port}`}`;
}

/** The sheet's table: every machine, by site name and then machine name; machines in no site come last. */
export function machineRows(design: Design): MachineRow[] {
  const spec = design.vpn.id === null ? null : vpnCatalog[design.vpn.id];
  const reach = computeDeployReach(design);
  const siteName = (m: Machine) => (m.siteId === null ? undefined : design.sites[m.siteId]?.name);
  const machines = Object.values(design.machines).sort((a, b) => {
    const sa = siteName(a);
    const sb = siteName(b);
    if ((sa === undefined) !== (sb === undefined)) return sa === undefined ? 1 : -1;
    return compareText(sa ?? '', sb ?? '') || byNameThenId(a, b);
  });
  return machines.map((m) => {
    const roles = design.vpn.roles[m.id] ?? [];
    const address = sshAddress(m);
    const r = reach.get(m.id);
    const via = r?.reach === 'jumpHost' && r.via !== null ? design.machines[r.via]?.name : undefined;
    let ssh = address ?? (m.managed ? 'not set yet' : dash);
    if (address !== null && via !== undefined) ssh += ` via ${via}`;
    const site = siteName(m);
    return {
      id: m.id,
      machine: m.name,
      site: site === undefined ? 'no site' : site || 'Unnamed site',
      kind: `${machineKindLabels[m.kind]}${m.managed ? '' : ' (not managed)'}`,
      roles: roles.length === 0 ? dash : roles.map((id) => (spec === null ? id : (findRole(spec, id)?.label ?? id))).join(', '),
      ssh,
      publicAddress: m.publicAddress === null || m.publicAddress.trim() === '' ? dash : m.publicAddress,
    };
  });
}

const columns: { key: Exclude<keyof MachineRow, 'id'>; title: string }[] = [
  { key: 'machine', title: 'Machine' },
  { key: 'site', title: 'Site' },
  { key: 'kind', title: 'Kind' },
  { key: 'roles', title: 'VPN role' },
  { key: 'ssh', title: 'SSH address' },
  { key: 'publicAddress', title: 'Public address' },
];

/** The table's type and spacing; it takes at most `share` of the page's body, `largeShare` when that is too little. */
const TABLE = { size: 11, headerHeight: 22, rowHeight: 18, minRowHeight: 14, cellPad: 6, blockGap: 24, share: 0.45, largeShare: 0.6 };

/** How the table is laid out on the page: blocks side by side, rows per block, row height, rows shown. */
type TablePlan = ReturnType<typeof tablePlan>;

/** Column widths for a block: what the widest cell needs, scaled to the block's width. */
function columnWidths(rows: readonly MachineRow[], width: number, measure: TextMeasure): number[] {
  const natural = columns.map((c) => Math.max(measure(c.title, TABLE.size, 600), ...rows.map((r) => measure(r[c.key], TABLE.size, 400))) + 2 * TABLE.cellPad);
  const total = natural.reduce((a, b) => a + b, 0);
  return natural.map((w) => (w * width) / total);
}

/** How the table is split: rows per block (one or two blocks side by side), the row height, and how many rows fit. */
export function tablePlan(rowCount: number, maxHeight: number): { blocks: 1 | 2; perBlock: number; rowHeight: number; shown: number } {
  const fits = (rows: number, rowHeight: number) => TABLE.headerHeight + rows * rowHeight <= maxHeight;
  if (fits(rowCount, TABLE.rowHeight)) return { blocks: 1, perBlock: rowCount, rowHeight: TABLE.rowHeight, shown: rowCount };
  const perBlock = Math.ceil(rowCount / 2);
  if (fits(perBlock, TABLE.minRowHeight)) return { blocks: 2, perBlock, rowHeight: Math.min(TABLE.rowHeight, (maxHeight - TABLE.headerHeight) / perBlock), shown: rowCount };
  // More machines than a page holds: the last line says how many are left out.
  const capacity = Math.floor((maxHeight - TABLE.headerHeight) / TABLE.minRowHeight);
  return { blocks: 2, perBlock: capacity, rowHeight: TABLE.minRowHeight, shown: 2 * capacity - 1 };
}

/** The table's height on the page. */
const tableHeight = (plan: TablePlan) => TABLE.headerHeight + plan.perBlock * plan.rowHeight;

function drawTable(doc: Document, rows: readonly MachineRow[], plan: TablePlan, x: number, y: number, width: number, look: DrawingLook): SVGGElement {
  const { palette, measure } = look;
  const group = svgElement(doc, 'g', { class: 'machine-table' });
  const blockWidth = plan.blocks === 1 ? width : (width - TABLE.blockGap) / 2;
  const shown = rows.slice(0, plan.shown);
  const widths = columnWidths(shown, blockWidth, measure);
  const cells = (values: readonly string[], left: number, centre: number, weight: number, fill: string) => {
    let cx = left;
    return values.map((value, i) => {
      const text = svgText(doc, fitText(value, widths[i]! - 2 * TABLE.cellPad, TABLE.size, weight, measure), { x: cx + TABLE.cellPad, y: baseline(centre, TABLE.size), 'font-size': TABLE.size, 'font-weight': weight, fill });
      cx += widths[i]!;
      return text;
    });
  };
  for (let b = 0; b < plan.blocks; b += 1) {
    const left = x + b * (blockWidth + TABLE.blockGap);
    const blockRows = shown.slice(b * plan.perBlock, (b + 1) * plan.perBlock);
    if (b > 0 && blockRows.length === 0) break;
    group.append(
      ...cells(
        columns.map((c) => c.title),
        left,
        y + TABLE.headerHeight / 2,
        600,
        palette.text,
      ),
      svgElement(doc, 'line', { x1: left, y1: y + TABLE.headerHeight - 0.5, x2: left + blockWidth, y2: y + TABLE.headerHeight - 0.5, stroke: palette.text, 'stroke-width': 1 }),
    );
    for (const [i, row] of blockRows.entries()) {
      const top = y + TABLE.headerHeight + i * plan.rowHeight;
      const line = svgElement(doc, 'g', { class: 'machine-row', 'data-id': row.id });
      if (i % 2 === 1) line.append(svgElement(doc, 'rect', { x: left, y: top, width: blockWidth, height: plan.rowHeight, fill: palette.surface2 }));
      line.append(...cells(columns.map((c) => row[c.key]), left, top + plan.rowHeight / 2, 400, palette.text));
      group.append(line);
    }
  }
  if (plan.shown < rows.length) {
    const left = x + (plan.blocks - 1) * (blockWidth + TABLE.blockGap);
    const top = y + TABLE.headerHeight + (plan.perBlock - 1) * plan.rowHeight;
    const more = rows.length - plan.shown;
    group.append(svgText(doc, `… and ${more} more ${plural(more, 'machine', 'machines')}: see the design file`, { x: left + TABLE.cellPad, y: baseline(top + plan.rowHeight / 2, TABLE.size), 'font-size': TABLE.size, fill: palette.textMuted }));
  }
  return group;
}

/** The one-line summary under the title: the clan's domain, the VPN, the counts and the day it was printed. */
function summary(input: SheetInput): string {
  const { design } = input;
  const sites = Object.keys(design.sites).length;
  const machines = Object.keys(design.machines).length;
  const vpn = design.vpn.id === null ? 'no VPN chosen yet' : `VPN: ${vpnCatalog[design.vpn.id].name}${design.vpn.instance === '' ? '' : ` (instance "${design.vpn.instance}")`}`;
  const domain = design.meta.domain.trim() === '' ? [] : [`domain .${design.meta.domain.trim()}`];
  return [...domain, vpn, `${sites} ${plural(sites, 'site', 'sites')}, ${machines} ${plural(machines, 'machine', 'machines')}`, `printed ${input.formatDay(input.printedAt)}`].join(' · ');
}

/** The most a drawing is enlarged to fill the sheet: a small network stays at a readable, not a poster, size. */
const MAX_DRAWING_SCALE = 1.5;

/**
 * The network sheet as one svg page (SHEET.width x SHEET.height): title and summary, the drawing scaled to fit,
 * the legend, and the machine table; always on paper colours, whatever the app's theme.
 */
export function buildNetworkSheet(doc: Document, input: SheetInput, look: Omit<DrawingLook, 'palette' | 'background'>): SVGSVGElement {
  const paper: DrawingLook = { ...look, palette: lightPalette, background: '#ffffff' };
  const { palette, measure } = paper;
  const { width, height, margin } = SHEET;
  const inner = width - 2 * margin;
  const clan = input.design.meta.clanName.trim();
  const title = clan !== '' ? `${clan}: network sheet` : input.fileName !== null ? `${input.fileName}: network sheet` : 'Network sheet';
  const svg = svgRoot(doc, width, height, title, paper);
  svg.setAttribute('class', 'network-sheet');

  svg.append(
    svgText(doc, fitText(title, inner, 22, 700, measure), { x: margin, y: margin + 20, 'font-size': 22, 'font-weight': 700, fill: palette.text }),
    svgText(doc, fitText(summary(input), inner, 12, 400, measure), { x: margin, y: margin + 40, 'font-size': 12, fill: palette.textMuted }),
  );
  const footer = `Clan Network Designer${input.fileName === null ? '' : ` · ${input.fileName}`}`;
  svg.append(svgText(doc, fitText(footer, inner, 10, 400, measure), { x: margin, y: height - margin + 4, 'font-size': 10, fill: palette.textMuted }));

  const bodyTop = margin + 56;
  const bodyBottom = height - margin - 14;
  const body = bodyBottom - bodyTop;
  const rows = machineRows(input.design);
  // A larger network gets more of the page for its table before any machine is left out.
  const plan = tablePlan(rows.length, body * TABLE.share).shown < rows.length ? tablePlan(rows.length, body * TABLE.largeShare) : tablePlan(rows.length, body * TABLE.share);
  const tableTop = bodyBottom - (rows.length === 0 ? 0 : tableHeight(plan));
  if (rows.length > 0) svg.append(drawTable(doc, rows, plan, margin, tableTop, inner, paper));

  const legend = drawLegend(doc, legendGroups(input, input.formatDateTime), inner, paper);
  const legendTop = tableTop - (rows.length === 0 ? 0 : 16) - (legend?.height ?? 0);
  if (legend !== null) {
    legend.group.setAttribute('transform', `translate(${margin} ${Math.round(legendTop)})`);
    svg.append(legend.group);
  }

  // The drawing fills what is left, centred, never enlarged past MAX_DRAWING_SCALE.
  const scene = drawDesignScene(doc, input, paper);
  if (scene.bounds !== null) {
    const pad = 12;
    const area = { x: scene.bounds.x - pad, y: scene.bounds.y - pad, width: scene.bounds.width + 2 * pad, height: scene.bounds.height + 2 * pad };
    const availableHeight = legendTop - 12 - bodyTop;
    const scale = Math.min(inner / area.width, availableHeight / area.height, MAX_DRAWING_SCALE);
    const w = area.width * scale;
    const h = area.height * scale;
    const frame = svgElement(doc, 'svg', { class: 'drawing', x: margin + (inner - w) / 2, y: bodyTop, width: w, height: h, viewBox: [area.x, area.y, area.width, area.height].map((v) => Math.round(v * 100) / 100).join(' ') });
    frame.append(scene.group);
    svg.append(frame);
  }
  return svg;
}
