import { parseSshHost } from '../validation/syntax';
import type { IdSource } from './ids';
import { setJumpHost } from './jumpHost';
import { checkMachineNames, type MachineNameCheck } from './machineNames';
import { createEmptyDesign, makeMachine, makeSite, putMachine, putSite, setAdminSite } from './ops';
import type { Design, LinkQuality, MachineId, MachineKind, NatType, SiteKind, SshTarget } from './types';

/**
 * How the admin's computer reaches a machine the wizard adds. later: "I will add it later" (the problems panel asks
 * for it); address: SSH straight to `host`; jump: SSH to `host` through another machine of the design. `host` is
 * kept while another choice is shown, so switching back does not lose what was typed.
 */
export interface WizardAccess {
  how: 'later' | 'address' | 'jump';
  /** The address as typed; "user@host:port" is understood too. */
  host: string;
  /** The user to log in as; empty means root, Clan's default. */
  user: string;
  /** The `key` of the machine to go through, when `how` is 'jump'. */
  jumpHost: string | null;
}

/** One machine as the first-run wizard collects it. */
export interface WizardMachine {
  name: string;
  kind: MachineKind;
  /** A key that stays with the machine while others are added and removed, so a jump host can name it. */
  key?: string;
  /** How the app reaches it; absent: added later. */
  access?: WizardAccess;
}

/** One site as the first-run wizard collects it. */
export interface WizardSite {
  name: string;
  kind: SiteKind;
  nat: NatType;
  quality: LinkQuality;
  machines: WizardMachine[];
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

/** The names the wizard's machines are saved as, per site and machine, in the order they are created. */
export function checkWizardNames(answers: WizardAnswers): MachineNameCheck[][] {
  const checks = checkMachineNames(answers.sites.flatMap((site) => site.machines.map((m) => m.name)));
  let next = 0;
  return answers.sites.map((site) => site.machines.map(() => checks[next++]!));
}

/** The SSH target a wizard answer gives a machine: null when it is left for later or no address was typed. */
export function wizardSshTarget(access: WizardAccess | undefined): SshTarget | null {
  if (access === undefined || access.how === 'later' || access.host.trim() === '') return null;
  const typed = access.host.trim();
  const parsed = parseSshHost(typed);
  const user = access.user.trim() === '' ? (parsed?.user ?? 'root') : access.user.trim();
  // An address that is no address is kept as typed: the problems panel then says what is wrong with it.
  return { host: parsed?.host ?? typed, port: parsed?.port ?? 22, user };
}

/**
 * Builds a design from wizard answers: sites in a grid of rows (siteColumnsFor), machines in a grid inside each,
 * unique valid machine names (checkWizardNames), phones unmanaged, and the SSH targets and jump hosts the user gave
 * (the rest is left for the problems panel to ask for). Also returns each machine's id, per site and machine.
 */
export function buildWizardDesign(answers: WizardAnswers, ids: IdSource, base: Design = createEmptyDesign()): { design: Design; machineIds: MachineId[][] } {
  let design: Design = { ...base, meta: { ...base.meta, clanName: answers.clanName } };
  const names = checkWizardNames(answers);
  const machineIds: MachineId[][] = [];
  const idByKey = new Map<string, MachineId>();
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
    machineIds.push(
      answer.machines.map((m, machineIndex) => {
        const id = ids.machine();
        const machine = makeMachine(id, { name: names[index]![machineIndex]!.saved, kind: m.kind, siteId, position: slotInSite(machineIndex) });
        design = putMachine(design, machine.managed ? { ...machine, ssh: wizardSshTarget(m.access) } : machine);
        if (m.key !== undefined) idByKey.set(m.key, id);
        return id;
      }),
    );
  }
  answers.sites.forEach((site, siteIndex) =>
    site.machines.forEach((m, machineIndex) => {
      const via = m.access?.how === 'jump' && m.access.jumpHost !== null ? idByKey.get(m.access.jumpHost) : undefined;
      if (via !== undefined) design = setJumpHost(design, machineIds[siteIndex]![machineIndex]!, via, ids);
    }),
  );
  const adminSite = answers.adminSiteIndex === null ? null : (siteIds[answers.adminSiteIndex] ?? null);
  return { design: setAdminSite(design, adminSite), machineIds };
}

/** Builds a design from wizard answers (buildWizardDesign without the machine ids). */
export function buildDesignFromAnswers(answers: WizardAnswers, ids: IdSource, base: Design = createEmptyDesign()): Design {
  return buildWizardDesign(answers, ids, base).design;
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
