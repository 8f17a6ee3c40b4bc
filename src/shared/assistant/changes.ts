import { siteKindLabels } from '../model/labels';
import type { IdSource } from '../model/ids';
import { absolutePosition, makeMachine, makeSite, putLink, putMachine, putSite, setVpn, updateMachine, type Point } from '../model/ops';
import { placeInSite, placeOutsideSites } from '../model/placement';
import { MACHINE_NODE_SIZE, siteSizeFor } from '../model/templates';
import type { Design, Machine, MachineId, Site, SiteId } from '../model/types';
import { err, ok, type Result } from '../result';
import { compareText, listText, quote } from '../text';
import { reservedMachineNames } from '../validation/fixes';
import { isHostOrAddress, machineNamePattern, sshUserPattern } from '../validation/syntax';
import type { Problem } from '../validation/types';
import { validateDesign } from '../validation/validate';
import { assignDefaultRoles, findRole, getDefaultRole, hasClientFor, vpnCatalog } from '../vpn/catalog';
import { vpnDisplayNames } from '../vpn/ids';
import type { DesignChange } from './schema';

// The model's proposals, checked and applied (issue 16). A proposal names machines and sites by their names (what
// the model sees); they are resolved against the design when the card is shown and again when the person clicks
// Apply, since the design may have changed in between. The changes of one card are checked in order against the
// design as the earlier ones leave it (add a machine, then give it a role) and applied together as one new design,
// which the command registry commits as one undo step. Everything here is pure.

/** The outcome of checking one change: fine, or why not, as a sentence for the card and for the model. */
export type ChangeCheck = { ok: true } | { ok: false; error: string };

/** Why a list of changes cannot be applied: the first change that fails, by index, and why. */
export interface ChangeError {
  index: number;
  message: string;
}

// Names as people type them: case, surrounding spaces and typographic apostrophes do not make another site.
const normalise = (name: string) => name.trim().toLowerCase().replace(/[‘’`]/g, "'");

function findMachine(design: Design, name: string): Machine | undefined {
  const all = Object.values(design.machines);
  return all.find((m) => m.name === name) ?? all.find((m) => normalise(m.name) === normalise(name));
}

function findSite(design: Design, name: string): Site | undefined {
  const all = Object.values(design.sites);
  return all.find((s) => s.name === name) ?? all.find((s) => normalise(s.name) === normalise(name));
}

function known(names: readonly string[], what: string): string {
  if (names.length === 0) return `The design has no ${what} yet.`;
  return `The design's ${what}: ${listText([...names].sort(compareText).map(quote), 12)}.`;
}

const noMachine = (design: Design, name: string) => `There is no machine called ${quote(name)}. ${known(Object.values(design.machines).map((m) => m.name), 'machines')}`;
const noSite = (design: Design, name: string) => `There is no site called ${quote(name)}. ${known(Object.values(design.sites).map((s) => s.name), 'sites')}`;

/** Why a machine name cannot be used, or null when it can (the Problems panel's name rules). */
function machineNameError(design: Design, name: string, except?: MachineId): string | null {
  if (!machineNamePattern.test(name)) {
    return `${quote(name)} is not a valid machine name: names become host names, so they use only lowercase letters, digits and '-' (1 to 63 characters, not starting or ending with '-').`;
  }
  if (reservedMachineNames.has(name)) return `${quote(name)} cannot be a machine name: Clan's tools give it another meaning. Choose another name.`;
  const other = Object.values(design.machines).find((m) => m.id !== except && m.name.toLowerCase() === name);
  if (other !== undefined) return `A machine called ${quote(name)} already exists. Choose another name, or change that machine instead.`;
  const tagged = Object.values(design.machines).some((m) => m.tags.includes(name));
  if (tagged) return `${quote(name)} is already a tag in the design; Clan would confuse the machine with the tag. Choose another name.`;
  return null;
}

/** Checks one change against a design; the design is not changed. */
export function checkChange(design: Design, change: DesignChange): ChangeCheck {
  const error = changeError(design, change);
  return error === null ? { ok: true } : { ok: false, error };
}

function changeError(design: Design, change: DesignChange): string | null {
  switch (change.tool) {
    case 'add_site': {
      if (change.name.trim() === '') return 'A site needs a name.';
      if (findSite(design, change.name) !== undefined) return `A site called ${quote(change.name.trim())} already exists.`;
      return null;
    }
    case 'add_machine': {
      const nameError = machineNameError(design, change.name);
      if (nameError !== null) return nameError;
      if (change.site !== undefined && change.site.trim() !== '' && findSite(design, change.site) === undefined) return noSite(design, change.site);
      return null;
    }
    case 'connect': {
      const from = findMachine(design, change.from);
      const to = findMachine(design, change.to);
      if (from === undefined) return noMachine(design, change.from);
      if (to === undefined) return noMachine(design, change.to);
      if (from.id === to.id) return `A machine cannot be connected to itself (${quote(from.name)}).`;
      const exists = Object.values(design.links).some((l) => (l.source === from.id && l.target === to.id) || (l.source === to.id && l.target === from.id));
      if (exists) return `${quote(from.name)} and ${quote(to.name)} are already connected.`;
      if (change.kind === 'jumpHost' && !to.managed) return `${quote(to.name)} is not managed (the app does not log in to it), so it cannot be a jump host.`;
      return null;
    }
    case 'set_role': {
      if (design.vpn.id === null) return 'No VPN is chosen yet, so there are no roles. Propose choose_vpn first.';
      const spec = vpnCatalog[design.vpn.id];
      const machine = findMachine(design, change.machine);
      if (machine === undefined) return noMachine(design, change.machine);
      const unknown = change.roles.filter((r) => findRole(spec, r) === undefined);
      if (unknown.length > 0) return `${spec.name} has no role ${listText(unknown.map(quote))}. Its roles: ${listText(spec.roles.map((r) => quote(r.id)))}.`;
      for (const r of change.roles) {
        const clash = findRole(spec, r)!.exclusiveWith.find((other) => change.roles.includes(other));
        if (clash !== undefined) return `In ${spec.name} a machine cannot be ${quote(r)} and ${quote(clash)} at once.`;
      }
      if (new Set(change.roles).size !== change.roles.length) return 'A role is listed twice.';
      return null;
    }
    case 'choose_vpn':
      return design.vpn.id === change.vpn ? `${vpnDisplayNames[change.vpn]} is already the chosen VPN.` : null;
    case 'change_machine': {
      const machine = findMachine(design, change.machine);
      if (machine === undefined) return noMachine(design, change.machine);
      const c = change.changes;
      if (Object.keys(c).length === 0) return `No field of ${quote(machine.name)} would change.`;
      if (c.name !== undefined && c.name !== machine.name) {
        const nameError = machineNameError(design, c.name, machine.id);
        if (nameError !== null) return nameError;
      }
      if (c.site !== undefined && c.site !== null && c.site.trim() !== '' && findSite(design, c.site) === undefined) return noSite(design, c.site);
      if (c.sshHost !== undefined && c.sshHost.trim() !== '' && !isHostOrAddress(c.sshHost.trim())) {
        return `${quote(c.sshHost)} is not a host name or IP address. Give only the address; the user and port have their own fields.`;
      }
      if (c.sshUser !== undefined && !sshUserPattern.test(c.sshUser)) return `${quote(c.sshUser)} is not a valid Linux user name.`;
      if (c.publicAddress !== undefined && c.publicAddress !== null && c.publicAddress.trim() !== '' && !isHostOrAddress(c.publicAddress.trim())) {
        return `${quote(c.publicAddress)} is not a host name or IP address.`;
      }
      return null;
    }
  }
}

/**
 * Checks changes in order, each against the design as the changes before it leave it (a change that fails is
 * left out for the ones after it). One result per change.
 */
export function checkChanges(design: Design, changes: readonly DesignChange[]): ChangeCheck[] {
  // Ids only matter inside this check; they never reach a design the person keeps.
  const ids = checkIds();
  let current = design;
  return changes.map((change) => {
    const check = checkChange(current, change);
    if (check.ok) current = applyOne(current, change, ids);
    return check;
  });
}

function checkIds(): IdSource {
  let n = 0;
  return { site: () => `site_check${++n}` as SiteId, machine: () => `mach_check${++n}` as MachineId, link: () => `link_check${++n}` as never };
}

/**
 * Applies every change in order as one new design (the input is not changed). Fails with the first change that
 * does not pass its check, so a card is applied whole or not at all.
 */
export function applyChanges(design: Design, changes: readonly DesignChange[], ids: IdSource): Result<Design, ChangeError> {
  let current = design;
  for (const [index, change] of changes.entries()) {
    const check = checkChange(current, change);
    if (!check.ok) return err({ index, message: check.error });
    current = applyOne(current, change, ids);
  }
  return ok(current);
}

/** What applying changes would do to the Problems panel: the problems it would add and those it would solve. */
export interface ChangePreview {
  design: Design;
  added: Problem[];
  solved: Problem[];
}

/** Applies changes to a copy and compares the Problems panel before and after (by rule and message). */
export function previewChanges(design: Design, changes: readonly DesignChange[], ids: IdSource): Result<ChangePreview, ChangeError> {
  const applied = applyChanges(design, changes, ids);
  if (!applied.ok) return applied;
  const key = (p: Problem) => `${p.code}\u0000${p.message}`;
  const before = validateDesign(design);
  const after = validateDesign(applied.value);
  const beforeKeys = new Set(before.map(key));
  const afterKeys = new Set(after.map(key));
  return ok({ design: applied.value, added: after.filter((p) => !beforeKeys.has(key(p))), solved: before.filter((p) => !afterKeys.has(key(p))) });
}

// ---------------------------------------------------------------------------------------------- applying

const SITE_GAP = 80;

/** A free spot right of everything drawn, at the top: never on top of another site or machine. */
function freeSpace(design: Design): Point {
  let right = Number.NEGATIVE_INFINITY;
  let top = Number.POSITIVE_INFINITY;
  for (const s of Object.values(design.sites)) {
    right = Math.max(right, s.position.x + s.size.width);
    top = Math.min(top, s.position.y);
  }
  for (const m of Object.values(design.machines)) {
    const at = absolutePosition(design, m);
    right = Math.max(right, at.x + MACHINE_NODE_SIZE.width);
    top = Math.min(top, at.y);
  }
  return Number.isFinite(right) ? { x: Math.round(right + SITE_GAP), y: Math.round(top) } : { x: 0, y: 0 };
}

/** Puts a machine into a site (or none) at a free place, growing the site when needed, as the canvas places one. */
function placeIn(design: Design, machine: Machine, siteId: SiteId | null): Design {
  const added = putMachine(design, { ...machine, siteId: null, position: { x: 0, y: 0 } });
  return siteId === null ? placeOutsideSites(added, machine.id, freeSpace(design)) : placeInSite(added, machine.id, siteId);
}

/** The roles a new machine gets when a VPN is chosen: the default role, as assignDefaultRoles gives everyone else. */
function defaultRolesFor(design: Design, machine: Machine): Design {
  if (design.vpn.id === null) return design;
  const spec = vpnCatalog[design.vpn.id];
  if (!machine.managed && !hasClientFor(spec, machine)) return design;
  return setVpn(design, design.vpn.id, { ...design.vpn.roles, [machine.id]: [getDefaultRole(spec).id] });
}

/** Applies one change that passed its check. */
function applyOne(design: Design, change: DesignChange, ids: IdSource): Design {
  switch (change.tool) {
    case 'add_site': {
      const size = siteSizeFor(1);
      const fields: Partial<Site> = { name: change.name.trim(), kind: change.kind, position: freeSpace(design), size };
      if (change.nat !== undefined) fields.nat = change.nat;
      else if (change.kind === 'cloud') fields.nat = 'public';
      if (change.quality !== undefined) fields.quality = change.quality;
      return putSite(design, makeSite(ids.site(), fields));
    }
    case 'add_machine': {
      const site = change.site === undefined || change.site.trim() === '' ? undefined : findSite(design, change.site);
      const fields: Partial<Machine> = { name: change.name, kind: change.kind };
      if (change.arch !== undefined) fields.arch = change.arch;
      if (change.managed !== undefined) fields.managed = change.managed;
      const machine = makeMachine(ids.machine(), fields);
      return defaultRolesFor(placeIn(design, machine, site?.id ?? null), machine);
    }
    case 'connect': {
      const from = findMachine(design, change.from)!;
      const to = findMachine(design, change.to)!;
      // A drawn jump-host link goes from the jump host to the machine reached through it.
      const [source, target] = change.kind === 'jumpHost' ? [to.id, from.id] : [from.id, to.id];
      return putLink(design, { id: ids.link(), kind: change.kind, source, target, ports: null, label: '', meta: {} });
    }
    case 'set_role': {
      const machine = findMachine(design, change.machine)!;
      return setVpn(design, design.vpn.id, { ...design.vpn.roles, [machine.id]: [...change.roles] });
    }
    case 'choose_vpn':
      // What "Use this VPN" does in the Choose VPN area: the VPN with its default role assignment.
      return setVpn(design, change.vpn, assignDefaultRoles(design, change.vpn));
    case 'change_machine': {
      const machine = findMachine(design, change.machine)!;
      const c = change.changes;
      const patch: Partial<Omit<Machine, 'id'>> = {};
      if (c.name !== undefined) patch.name = c.name;
      if (c.kind !== undefined) patch.kind = c.kind;
      if (c.arch !== undefined) patch.arch = c.arch;
      if (c.managed !== undefined) patch.managed = c.managed;
      if (c.notes !== undefined) patch.notes = c.notes;
      if (c.publicAddress !== undefined) patch.publicAddress = c.publicAddress === null || c.publicAddress.trim() === '' ? null : c.publicAddress.trim();
      if (c.sshHost !== undefined || c.sshUser !== undefined || c.sshPort !== undefined) {
        const ssh = machine.ssh ?? { host: '', port: 22, user: 'root' };
        const host = c.sshHost === undefined ? ssh.host : c.sshHost.trim();
        patch.ssh = host === '' ? null : { host, user: c.sshUser ?? ssh.user, port: c.sshPort ?? ssh.port };
      }
      let next = updateMachine(design, machine.id, patch);
      if (c.site !== undefined) {
        const site = c.site === null || c.site.trim() === '' ? undefined : findSite(next, c.site);
        const siteId = site?.id ?? null;
        if (siteId !== machine.siteId) next = placeIn(next, next.machines[machine.id]!, siteId);
      }
      return next;
    }
  }
}

// ---------------------------------------------------------------------------------------------- describing

/** A change as one sentence for its card: Add machine “grandma-pi” (single-board computer) to site “Parents' house”. */
export function describeChange(change: DesignChange): string {
  const q = (name: string) => `“${name}”`;
  switch (change.tool) {
    case 'add_site': {
      const nat = change.nat === undefined ? '' : `, ${natWords[change.nat]}`;
      return `Add site ${q(change.name)} (${siteKindLabels[change.kind].toLowerCase()}${nat})`;
    }
    case 'add_machine':
      return `Add machine ${q(change.name)} (${kindWords[change.kind]})${change.site === undefined || change.site.trim() === '' ? '' : ` to site ${q(change.site)}`}`;
    case 'connect':
      return change.kind === 'cable' ? `Connect ${q(change.from)} and ${q(change.to)} with a cable (same network)` : `Reach ${q(change.from)} through the jump host ${q(change.to)}`;
    case 'set_role':
      return `Give ${q(change.machine)} the role${change.roles.length === 1 ? '' : 's'} ${listText(change.roles.map(q))}`;
    case 'choose_vpn':
      return `Choose ${vpnDisplayNames[change.vpn]} as the VPN, with roles assigned automatically`;
    case 'change_machine': {
      const c = change.changes;
      const parts: string[] = [];
      if (c.name !== undefined) parts.push(`rename it to ${q(c.name)}`);
      if (c.kind !== undefined) parts.push(`make it a ${kindWords[c.kind]}`);
      if (c.arch !== undefined) parts.push(`set its architecture to ${c.arch}`);
      if (c.managed !== undefined) parts.push(c.managed ? 'deploy it with the app (managed)' : 'stop managing it');
      if (c.site !== undefined) parts.push(c.site === null || c.site.trim() === '' ? 'take it out of its site' : `move it to site ${q(c.site)}`);
      if (c.sshHost !== undefined) parts.push(c.sshHost.trim() === '' ? 'remove its SSH address' : `set its SSH address to ${q(c.sshHost)}`);
      if (c.sshUser !== undefined) parts.push(`log in as ${q(c.sshUser)}`);
      if (c.sshPort !== undefined) parts.push(`use SSH port ${c.sshPort}`);
      if (c.publicAddress !== undefined) parts.push(c.publicAddress === null || c.publicAddress.trim() === '' ? 'remove its public address' : `set its public address to ${q(c.publicAddress)}`);
      if (c.notes !== undefined) parts.push('change its notes');
      return `Change ${q(change.machine)}: ${parts.length === 0 ? 'nothing' : listText(parts)}`;
    }
  }
}

const kindWords: Readonly<Record<Machine['kind'], string>> = {
  server: 'server',
  desktop: 'desktop',
  laptop: 'laptop',
  nas: 'NAS',
  sbc: 'single-board computer',
  vps: 'VPS',
  router: 'router',
  phone: 'phone or tablet',
};

const natWords: Readonly<Record<Site['nat'], string>> = {
  public: 'public address',
  portForward: 'NAT with port forwarding',
  nat: 'behind NAT',
  cgnat: 'carrier-grade NAT',
  symmetric: 'strict NAT',
};
