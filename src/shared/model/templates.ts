import type { IdSource } from './ids';
import { createEmptyDesign, makeMachine, makeSite, putMachine, putSite, setAdminSite, uniqueMachineName } from './ops';
import type { Design, LinkQuality, MachineKind, NatType, SiteKind } from './types';

/** One site as the first-run wizard collects it. */
export interface WizardSite {
  name: string;
  kind: SiteKind;
  nat: NatType;
  quality: LinkQuality;
  machines: { name: string; kind: MachineKind }[];
}

/** What the first-run wizard collects: the sites with their machines and where the admin sits. */
export interface WizardAnswers {
  clanName: string;
  sites: WizardSite[];
  /** Index into sites of the site the admin's computer is in. */
  adminSiteIndex: number | null;
}

/** Machine node size on the canvas, used to lay machines out inside their site. */
export const MACHINE_NODE_SIZE = { width: 168, height: 60 };
const SITE_PADDING = { left: 24, top: 52, gap: 20 };
const COLUMNS = 3;

/** The size a site needs to show `count` machines in a grid. */
export function siteSizeFor(count: number): { width: number; height: number } {
  const cols = Math.max(1, Math.min(COLUMNS, count));
  const rows = Math.max(1, Math.ceil(count / COLUMNS));
  return {
    // At least two columns wide, so the site's header with its badges fits on one line.
    width: SITE_PADDING.left * 2 + Math.max(2, cols) * MACHINE_NODE_SIZE.width + (Math.max(2, cols) - 1) * SITE_PADDING.gap,
    height: SITE_PADDING.top + rows * (MACHINE_NODE_SIZE.height + SITE_PADDING.gap) + 8,
  };
}

/** Where the n-th machine of a site goes, relative to the site. */
export function slotInSite(index: number): { x: number; y: number } {
  return {
    x: SITE_PADDING.left + (index % COLUMNS) * (MACHINE_NODE_SIZE.width + SITE_PADDING.gap),
    y: SITE_PADDING.top + Math.floor(index / COLUMNS) * (MACHINE_NODE_SIZE.height + SITE_PADDING.gap),
  };
}

/** Space between sites the wizard places. */
const SITE_GAP = 80;

/**
 * How many sites the wizard puts in a row: about as many rows as columns, so the whole design fits a window at a
 * zoom where names are drawn (four sites side by side would have to be shown at under half size).
 */
export function siteColumnsFor(count: number): number {
  return Math.max(1, Math.ceil(Math.sqrt(count)));
}

/**
 * Builds a design from wizard answers: sites in a grid of rows (siteColumnsFor), machines in a grid inside each,
 * unique valid machine names, phones unmanaged, SSH targets left for the user (the problems panel asks for them).
 */
export function buildDesignFromAnswers(answers: WizardAnswers, ids: IdSource, base: Design = createEmptyDesign()): Design {
  let design: Design = { ...base, meta: { ...base.meta, clanName: answers.clanName } };
  const columns = siteColumnsFor(answers.sites.length);
  const sizes = answers.sites.map((answer) => siteSizeFor(answer.machines.length));
  // Every column as wide as its widest site and every row as tall as its tallest, so sites line up.
  const columnWidths = Array.from({ length: columns }, (_, c) => Math.max(0, ...sizes.filter((_, i) => i % columns === c).map((size) => size.width)));
  const rowHeights = Array.from({ length: Math.ceil(sizes.length / columns) }, (_, r) => Math.max(0, ...sizes.slice(r * columns, (r + 1) * columns).map((size) => size.height)));
  const offset = (lengths: number[], index: number) => lengths.slice(0, index).reduce((sum, length) => sum + length + SITE_GAP, 0);
  const siteIds = [];
  for (const [index, answer] of answers.sites.entries()) {
    const siteId = ids.site();
    siteIds.push(siteId);
    const position = { x: offset(columnWidths, index % columns), y: offset(rowHeights, Math.floor(index / columns)) };
    design = putSite(design, makeSite(siteId, { name: answer.name, kind: answer.kind, nat: answer.nat, quality: answer.quality, position, size: sizes[index]! }));
    answer.machines.forEach((m, machineIndex) => {
      const name = uniqueMachineName(design, m.name);
      design = putMachine(design, makeMachine(ids.machine(), { name, kind: m.kind, siteId, position: slotInSite(machineIndex) }));
    });
  }
  const adminSite = answers.adminSiteIndex === null ? null : (siteIds[answers.adminSiteIndex] ?? null);
  return setAdminSite(design, adminSite);
}

/** A ready-made starting point offered by the wizard and shipped as an example file. */
export interface Template {
  id: 'home-and-vps' | 'three-households';
  title: string;
  description: string;
  answers: WizardAnswers;
}

/** The two templates. */
export const templates: readonly Template[] = [
  {
    id: 'home-and-vps',
    title: 'Home + cloud VPS',
    description: 'Your home behind a router, and a small rented server with a public address that everyone can reach.',
    answers: {
      clanName: 'family',
      adminSiteIndex: 0,
      sites: [
        {
          name: 'Home',
          kind: 'home',
          nat: 'nat',
          quality: 'good',
          machines: [
            { name: 'nas', kind: 'nas' },
            { name: 'desktop', kind: 'desktop' },
            { name: 'laptop', kind: 'laptop' },
            { name: 'phone', kind: 'phone' },
          ],
        },
        { name: 'Cloud VPS', kind: 'cloud', nat: 'public', quality: 'good', machines: [{ name: 'vps', kind: 'vps' }] },
      ],
    },
  },
  {
    id: 'three-households',
    title: 'Three households',
    description: "Your home, your parents' house behind their provider's NAT, a sibling's flat, and one cloud VPS joining them.",
    answers: {
      clanName: 'family',
      adminSiteIndex: 0,
      sites: [
        {
          name: 'Home',
          kind: 'home',
          nat: 'portForward',
          quality: 'good',
          machines: [
            { name: 'home-server', kind: 'server' },
            { name: 'desktop', kind: 'desktop' },
          ],
        },
        {
          name: "Parents' house",
          kind: 'family',
          nat: 'cgnat',
          quality: 'fair',
          machines: [
            { name: 'parents-pi', kind: 'sbc' },
            { name: 'parents-laptop', kind: 'laptop' },
          ],
        },
        { name: "Sister's flat", kind: 'family', nat: 'nat', quality: 'poor', machines: [{ name: 'sister-nas', kind: 'nas' }] },
        { name: 'Cloud VPS', kind: 'cloud', nat: 'public', quality: 'good', machines: [{ name: 'vps', kind: 'vps' }] },
      ],
    },
  },
];
