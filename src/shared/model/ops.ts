import { createDefaultComparison } from '../schema/design';
import type { VpnId } from '../vpn/ids';
import { isMachineId, isSiteId, type IdSource } from './ids';
import type { DeploySettings, Design, Link, LinkId, Machine, MachineId, Site, SiteId } from './types';
import { byNameThenId } from '../text';
import { concurrencyRange, defaultDeploySettings, defaultDesignMeta, defaultVpnSettings, rollbackSecondsRange } from '../schema/designDefaults';

// Pure operations on a design. Each returns a new design and never mutates its input; unchanged records keep
// their identity so the canvas can skip them.

/** A point on the canvas. */
export interface Point {
  x: number;
  y: number;
}

/** A new, empty design. */
export function createEmptyDesign(clanName: string = defaultDesignMeta.clanName, domain: string = defaultDesignMeta.domain): Design {
  return {
    meta: { ...defaultDesignMeta, clanName, domain },
    sites: {},
    machines: {},
    links: {},
    vpn: { ...defaultVpnSettings, roles: {} },
    admin: { siteId: null },
    comparison: createDefaultComparison(),
    deploy: { ...defaultDeploySettings },
  };
}

/** A site with sensible defaults for what the caller did not say. */
export function makeSite(id: SiteId, fields: Partial<Omit<Site, 'id'>> = {}): Site {
  return {
    id,
    name: 'Home',
    kind: 'home',
    nat: 'nat',
    quality: 'good',
    uplink: { downMbps: null, upMbps: null },
    position: { x: 0, y: 0 },
    size: { width: 420, height: 260 },
    meta: {},
    ...fields,
  };
}

/** A machine with sensible defaults for what the caller did not say. */
export function makeMachine(id: MachineId, fields: Partial<Omit<Machine, 'id'>> = {}): Machine {
  const kind = fields.kind ?? 'server';
  return {
    id,
    name: 'machine',
    kind,
    arch: kind === 'sbc' ? 'aarch64-linux' : 'x86_64-linux',
    managed: kind !== 'phone',
    siteId: null,
    position: { x: 0, y: 0 },
    ssh: null,
    publicAddress: null,
    tags: [],
    notes: '',
    meta: {},
    ...fields,
  };
}

/** Adds or replaces a site. */
export function putSite(design: Design, site: Site): Design {
  return { ...design, sites: { ...design.sites, [site.id]: site } };
}

/** Adds or replaces a machine. */
export function putMachine(design: Design, machine: Machine): Design {
  return { ...design, machines: { ...design.machines, [machine.id]: machine } };
}

/** Adds or replaces a link. */
export function putLink(design: Design, link: Link): Design {
  return { ...design, links: { ...design.links, [link.id]: link } };
}

/** Changes fields of a site; a no-op patch returns the same design. */
export function updateSite(design: Design, id: SiteId, patch: Partial<Omit<Site, 'id'>>): Design {
  const site = design.sites[id];
  if (site === undefined || isNoop(site, patch)) return design;
  return putSite(design, { ...site, ...patch });
}

/** Changes fields of a machine; a no-op patch returns the same design. */
export function updateMachine(design: Design, id: MachineId, patch: Partial<Omit<Machine, 'id'>>): Design {
  const machine = design.machines[id];
  if (machine === undefined || isNoop(machine, patch)) return design;
  return putMachine(design, { ...machine, ...patch });
}

/** Changes fields of a link; a no-op patch returns the same design. */
export function updateLink(design: Design, id: LinkId, patch: Partial<Omit<Link, 'id'>>): Design {
  const link = design.links[id];
  if (link === undefined || isNoop(link, patch)) return design;
  return putLink(design, { ...link, ...patch });
}

function isNoop<T extends object>(record: T, patch: Partial<T>): boolean {
  return Object.entries(patch).every(([key, value]) => JSON.stringify((record as Record<string, unknown>)[key]) === JSON.stringify(value));
}

/** Where a machine is on the canvas in absolute coordinates. */
export function absolutePosition(design: Design, machine: Machine): Point {
  const site = machine.siteId === null ? undefined : design.sites[machine.siteId];
  return site === undefined ? machine.position : { x: site.position.x + machine.position.x, y: site.position.y + machine.position.y };
}

/** The site whose area contains an absolute point (the smallest one, if areas overlap). */
export function siteAt(design: Design, point: Point): Site | undefined {
  let best: Site | undefined;
  for (const site of Object.values(design.sites)) {
    const inside = point.x >= site.position.x && point.y >= site.position.y && point.x <= site.position.x + site.size.width && point.y <= site.position.y + site.size.height;
    if (inside && (best === undefined || site.size.width * site.size.height < best.size.width * best.size.height)) best = site;
  }
  return best;
}

/** One item's new place: for a machine, optionally a new site (null: no site), with the position relative to it. */
export interface Move {
  id: SiteId | MachineId;
  position: Point;
  siteId?: SiteId | null;
}

/** Moves sites and machines in one step (a drag of a multi-selection is one move). */
export function moveItems(design: Design, moves: readonly Move[]): Design {
  let sites = design.sites;
  let machines = design.machines;
  for (const move of moves) {
    if (isSiteId(move.id)) {
      const site = sites[move.id];
      if (site === undefined || (site.position.x === move.position.x && site.position.y === move.position.y)) continue;
      sites = { ...sites, [site.id]: { ...site, position: move.position } };
    } else if (isMachineId(move.id)) {
      const machine = machines[move.id];
      if (machine === undefined) continue;
      const siteId = move.siteId === undefined ? machine.siteId : move.siteId;
      if (siteId === machine.siteId && machine.position.x === move.position.x && machine.position.y === move.position.y) continue;
      machines = { ...machines, [machine.id]: { ...machine, siteId, position: move.position } };
    }
  }
  return sites === design.sites && machines === design.machines ? design : { ...design, sites, machines };
}

/** What a deletion removed beyond the selected items, so the UI can ask before it happens. */
export interface DeletionReport {
  sites: SiteId[];
  machines: MachineId[];
  links: LinkId[];
  /** VPN roles that disappear with their machines, as "machine name: role". */
  roles: string[];
  adminLocationCleared: boolean;
  /** The vars helper was among the deleted machines, so none is chosen any more. */
  varsHelperCleared: boolean;
}

/**
 * Deletes sites, machines and links. A deleted site takes its machines with it; a deleted machine takes its
 * links, VPN roles and its place as the vars helper. Returns the new design and what went.
 */
export function deleteItems(design: Design, ids: readonly string[]): { design: Design; report: DeletionReport } {
  const siteIds = new Set(ids.filter(isSiteId).filter((id) => design.sites[id] !== undefined));
  const machineIds = new Set(ids.filter(isMachineId).filter((id) => design.machines[id] !== undefined));
  for (const machine of Object.values(design.machines)) if (machine.siteId !== null && siteIds.has(machine.siteId)) machineIds.add(machine.id);
  const linkIds = new Set(ids.filter((id) => id.startsWith('link_') && design.links[id as LinkId] !== undefined) as LinkId[]);
  for (const link of Object.values(design.links)) {
    if (machineIds.has(link.source as MachineId) || machineIds.has(link.target as MachineId) || siteIds.has(link.source as SiteId)) linkIds.add(link.id);
  }
  const roles: string[] = [];
  const newRoles = { ...design.vpn.roles };
  for (const id of machineIds) {
    const assigned = newRoles[id];
    if (assigned !== undefined) {
      for (const role of assigned) roles.push(`${design.machines[id]!.name}: ${role}`);
      delete newRoles[id];
    }
  }
  const omit = <K extends string, V>(record: Record<K, V>, drop: Set<K>): Record<K, V> => {
    if (drop.size === 0) return record;
    const out = { ...record };
    for (const key of drop) delete out[key];
    return out;
  };
  const adminLocationCleared = design.admin.siteId !== null && siteIds.has(design.admin.siteId);
  const varsHelperCleared = design.deploy.varsHelper !== null && machineIds.has(design.deploy.varsHelper);
  const changed = siteIds.size + machineIds.size + linkIds.size > 0;
  const next: Design = !changed
    ? design
    : {
        ...design,
        sites: omit(design.sites, siteIds),
        machines: omit(design.machines, machineIds),
        links: omit(design.links, linkIds),
        vpn: roles.length === 0 && Object.keys(newRoles).length === Object.keys(design.vpn.roles).length ? design.vpn : { ...design.vpn, roles: newRoles },
        admin: adminLocationCleared ? { siteId: null } : design.admin,
        deploy: varsHelperCleared ? { ...design.deploy, varsHelper: null } : design.deploy,
      };
  return { design: next, report: { sites: [...siteIds], machines: [...machineIds], links: [...linkIds], roles, adminLocationCleared, varsHelperCleared } };
}

/** Turns any text into a valid machine name: lowercase letters, digits and '-', 1..63 characters. */
export function toMachineName(text: string): string {
  const slug = text
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 63)
    .replace(/-+$/g, '');
  return slug === '' ? 'machine' : slug;
}

/** A machine name based on `base` that no other machine uses yet (base, base-2, base-3, ...). */
export function uniqueMachineName(design: Design, base: string, taken: ReadonlySet<string> = new Set()): string {
  const used = new Set(Object.values(design.machines).map((m) => m.name));
  for (const name of taken) used.add(name);
  return suggestMachineName(base, used);
}

/** A machine name based on `base` that is free in `used` (base, base-2, ...), for callers that keep the set. */
export function suggestMachineName(base: string, used: ReadonlySet<string>): string {
  const clean = toMachineName(base);
  if (!used.has(clean)) return clean;
  const stem = clean.replace(/-\d+$/, '');
  for (let n = 2; ; n += 1) {
    const suffix = `-${n}`;
    const candidate = `${stem.slice(0, 63 - suffix.length).replace(/-+$/, '')}${suffix}`;
    if (!used.has(candidate)) return candidate;
  }
}

/** A self-contained piece of a design, as copied to the clipboard. */
export interface Fragment {
  sites: Site[];
  machines: Machine[];
  links: Link[];
  roles: Record<string, string[]>;
}

/** Copies the selected items: selected sites bring their machines; links come along when both ends do. */
export function extractFragment(design: Design, ids: readonly string[]): Fragment {
  const siteIds = new Set(ids.filter(isSiteId).filter((id) => design.sites[id] !== undefined));
  const machineIds = new Set(ids.filter(isMachineId).filter((id) => design.machines[id] !== undefined));
  for (const machine of Object.values(design.machines)) if (machine.siteId !== null && siteIds.has(machine.siteId)) machineIds.add(machine.id);
  const ends = new Set<string>([...siteIds, ...machineIds]);
  const links = Object.values(design.links).filter((l) => ends.has(l.source) && ends.has(l.target));
  const roles: Record<string, string[]> = {};
  for (const id of machineIds) if (design.vpn.roles[id] !== undefined) roles[id] = [...design.vpn.roles[id]!];
  return {
    sites: [...siteIds].map((id) => design.sites[id]!),
    machines: [...machineIds].map((id) => design.machines[id]!),
    links,
    roles,
  };
}

/**
 * Inserts a fragment with fresh ids and unique machine names, shifted by `offset`. Machines whose site is not in
 * the fragment keep their site if it still exists. VPN roles are not pasted: a copy of a controller is a peer
 * until the user says otherwise. Returns the new design and the new ids (for selecting them).
 */
export function insertFragment(design: Design, fragment: Fragment, ids: IdSource, offset: Point): { design: Design; newIds: string[] } {
  const siteMap = new Map<string, SiteId>();
  const machineMap = new Map<string, MachineId>();
  let next = design;
  const newIds: string[] = [];
  for (const site of fragment.sites) {
    const id = ids.site();
    siteMap.set(site.id, id);
    next = putSite(next, { ...site, id, position: { x: site.position.x + offset.x, y: site.position.y + offset.y } });
    newIds.push(id);
  }
  const taken = new Set<string>();
  for (const machine of fragment.machines) {
    const id = ids.machine();
    machineMap.set(machine.id, id);
    const pastedSite = machine.siteId === null ? undefined : siteMap.get(machine.siteId);
    const siteId = pastedSite ?? (machine.siteId !== null && next.sites[machine.siteId] !== undefined ? machine.siteId : null);
    const shift = pastedSite !== undefined ? { x: 0, y: 0 } : offset;
    const name = uniqueMachineName(next, machine.name, taken);
    taken.add(name);
    next = putMachine(next, { ...machine, id, name, siteId, position: { x: machine.position.x + shift.x, y: machine.position.y + shift.y } });
    newIds.push(id);
  }
  for (const link of fragment.links) {
    const source = siteMap.get(link.source) ?? machineMap.get(link.source);
    const target = machineMap.get(link.target);
    if (source === undefined || target === undefined) continue;
    const id = ids.link();
    next = putLink(next, { ...link, id, source, target });
    newIds.push(id);
  }
  return { design: next, newIds };
}

/** Sets the chosen VPN and its role assignments together (one user intent). */
export function setVpn(design: Design, id: VpnId | null, roles: Record<MachineId, string[]>): Design {
  return { ...design, vpn: { ...design.vpn, id, roles } };
}

/** Sets the site the admin's computer is in. */
export function setAdminSite(design: Design, siteId: SiteId | null): Design {
  if (design.admin.siteId === siteId) return design;
  return { ...design, admin: { siteId } };
}

/** A whole number within a range, or undefined for a value that is not a finite number. */
function clampWhole(value: number, range: { readonly min: number; readonly max: number }): number | undefined {
  return Number.isFinite(value) ? Math.min(range.max, Math.max(range.min, Math.round(value))) : undefined;
}

/**
 * Changes deploy settings. Numbers are rounded and kept within their ranges (what the file format accepts), a value
 * that is not a finite number is ignored, and a vars helper must be a machine of the design (or null: none). Only
 * what is given changes; a patch that changes nothing returns the same design.
 */
export function setDeploySettings(design: Design, patch: Partial<DeploySettings>): Design {
  const next: DeploySettings = { ...design.deploy };
  if (patch.varsHelper !== undefined && (patch.varsHelper === null || design.machines[patch.varsHelper] !== undefined)) next.varsHelper = patch.varsHelper;
  if (patch.rollbackSeconds !== undefined) next.rollbackSeconds = clampWhole(patch.rollbackSeconds, rollbackSecondsRange) ?? next.rollbackSeconds;
  if (patch.concurrency !== undefined) next.concurrency = clampWhole(patch.concurrency, concurrencyRange) ?? next.concurrency;
  const same = next.varsHelper === design.deploy.varsHelper && next.rollbackSeconds === design.deploy.rollbackSeconds && next.concurrency === design.deploy.concurrency;
  return same ? design : { ...design, deploy: next };
}

/** The machines in a site, in a stable order (by name). */
export function machinesInSite(design: Design, siteId: SiteId | null): Machine[] {
  return Object.values(design.machines)
    .filter((m) => m.siteId === siteId)
    .sort(byNameThenId);
}
