import type { IdSource } from '../model/ids';
import { putLink, setAdminSite, setDeploySettings, setVpn, toMachineName, uniqueMachineName, updateMachine, updateSite } from '../model/ops';
import type { Design, MachineId, SiteId, SshTarget } from '../model/types';
import { assignDefaultRoles, findRole, getDefaultRole, vpnCatalog } from '../vpn/catalog';
import type { Fix } from './types';

// One-click repairs. A Fix is data ({ kind, label, args }) so it can cross IPC and be shown anywhere; applying it is
// a pure function per kind. Arguments are checked at apply time because a fix may be applied to a design that
// changed since the problem was found (or arrive from outside): a fix that no longer fits returns the design as is.

/** Every fix kind, one pure function each. */
export const fixKinds = [
  'setClanName',
  'setDomain',
  'renameMachine',
  'removeTag',
  'renameSite',
  'setSsh',
  'setPublicAddress',
  'setAdminSite',
  'addJumpHost',
  'addRole',
  'moveRole',
  'removeRole',
  'removeRoleEntry',
  'assignDefaultRoles',
  'setInstanceName',
  'removeLink',
  'setVarsHelper',
] as const;

/** One of the fix kinds. */
export type FixKind = (typeof fixKinds)[number];

/** The arguments each fix kind takes. */
export interface FixArgs {
  setClanName: { name: string };
  setDomain: { domain: string };
  renameMachine: { machineId: string; name: string };
  removeTag: { tag: string };
  renameSite: { siteId: string; name: string };
  setSsh: { machineId: string; ssh: SshTarget | null };
  setPublicAddress: { machineId: string; address: string | null };
  setAdminSite: { siteId: string };
  addJumpHost: { source: string; target: string };
  addRole: { machineId: string; role: string };
  moveRole: { from: string; to: string; role: string };
  removeRole: { machineId: string; role: string };
  removeRoleEntry: { machineId: string };
  assignDefaultRoles: Record<string, never>;
  setInstanceName: { name: string };
  removeLink: { linkId: string };
  setVarsHelper: { machineId: string | null };
}

/** Builds a typed Fix. */
export function makeFix<K extends FixKind>(kind: K, label: string, args: FixArgs[K]): Fix {
  return { kind, label, args: { ...args } };
}

/** Machine names Clan computes or treats specially (CLAN.md 5.1, 5.2). */
export const reservedMachineNames: ReadonlySet<string> = new Set(['localhost', 'all', 'nixos', 'darwin']);

type Args = Record<string, unknown>;
type Applier = (design: Design, args: Args, ids: IdSource) => Design;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

function withRoles(design: Design, machineId: MachineId, roles: string[]): Design {
  const all = { ...design.vpn.roles };
  if (roles.length === 0) delete all[machineId];
  else all[machineId] = roles;
  return { ...design, vpn: { ...design.vpn, roles: all } };
}

/** Adds a role, dropping roles it excludes (WireGuard controller vs peer). */
function addRoleTo(design: Design, machineId: MachineId, role: string): Design {
  if (design.vpn.id === null || design.machines[machineId] === undefined) return design;
  const spec = vpnCatalog[design.vpn.id];
  const def = findRole(spec, role);
  if (def === undefined) return design;
  const current = design.vpn.roles[machineId] ?? [];
  if (current.includes(role)) return design;
  return withRoles(design, machineId, [...current.filter((r) => !def.exclusiveWith.includes(r)), role]);
}

function isSsh(value: unknown): value is SshTarget {
  if (value === null || typeof value !== 'object') return false;
  const v = value as Args;
  return typeof v.host === 'string' && typeof v.user === 'string' && typeof v.port === 'number' && Number.isInteger(v.port) && v.port >= 1 && v.port <= 65535;
}

function tagsInUse(design: Design): Set<string> {
  const tags = new Set<string>();
  for (const m of Object.values(design.machines)) for (const t of m.tags) tags.add(t);
  return tags;
}

const appliers: Record<FixKind, Applier> = {
  setClanName: (design, args) => {
    const name = str(args.name);
    return name === undefined ? design : { ...design, meta: { ...design.meta, clanName: name } };
  },
  setDomain: (design, args) => {
    const domain = str(args.domain);
    return domain === undefined ? design : { ...design, meta: { ...design.meta, domain } };
  },
  renameMachine: (design, args) => {
    const id = str(args.machineId) as MachineId | undefined;
    const wanted = str(args.name);
    const machine = id === undefined ? undefined : design.machines[id];
    if (machine === undefined || wanted === undefined) return design;
    // The suggested name may have been taken since the problem was found; pick the next free one then.
    const avoid = new Set([...reservedMachineNames, ...tagsInUse(design)]);
    const others = Object.values(design.machines).some((m) => m.id !== machine.id && m.name.toLowerCase() === wanted);
    const name = wanted === toMachineName(wanted) && !others && !avoid.has(wanted) ? wanted : uniqueMachineName(design, wanted, avoid);
    return updateMachine(design, machine.id, { name });
  },
  removeTag: (design, args) => {
    const tag = str(args.tag);
    if (tag === undefined) return design;
    let machines = design.machines;
    for (const m of Object.values(design.machines)) {
      if (!m.tags.includes(tag)) continue;
      if (machines === design.machines) machines = { ...machines };
      machines[m.id] = { ...m, tags: m.tags.filter((t) => t !== tag) };
    }
    return machines === design.machines ? design : { ...design, machines };
  },
  renameSite: (design, args) => {
    const id = str(args.siteId) as SiteId | undefined;
    const name = str(args.name);
    return id === undefined || name === undefined ? design : updateSite(design, id, { name });
  },
  setSsh: (design, args) => {
    const id = str(args.machineId) as MachineId | undefined;
    if (id === undefined || (args.ssh !== null && !isSsh(args.ssh))) return design;
    return updateMachine(design, id, { ssh: args.ssh === null ? null : { host: args.ssh.host, port: args.ssh.port, user: args.ssh.user } });
  },
  setPublicAddress: (design, args) => {
    const id = str(args.machineId) as MachineId | undefined;
    const address = args.address === null ? null : str(args.address);
    return id === undefined || address === undefined ? design : updateMachine(design, id, { publicAddress: address });
  },
  setAdminSite: (design, args) => {
    const id = str(args.siteId) as SiteId | undefined;
    return id === undefined || design.sites[id] === undefined ? design : setAdminSite(design, id);
  },
  addJumpHost: (design, args, ids) => {
    const source = str(args.source) as MachineId | undefined;
    const target = str(args.target) as MachineId | undefined;
    if (source === undefined || target === undefined || source === target || design.machines[source] === undefined || design.machines[target] === undefined) return design;
    const exists = Object.values(design.links).some((l) => l.kind === 'jumpHost' && l.source === source && l.target === target);
    if (exists) return design;
    return putLink(design, { id: ids.link(), kind: 'jumpHost', source, target, ports: null, label: '', meta: {} });
  },
  addRole: (design, args) => {
    const id = str(args.machineId) as MachineId | undefined;
    const role = str(args.role);
    return id === undefined || role === undefined ? design : addRoleTo(design, id, role);
  },
  moveRole: (design, args) => {
    const from = str(args.from) as MachineId | undefined;
    const to = str(args.to) as MachineId | undefined;
    const role = str(args.role);
    if (from === undefined || to === undefined || role === undefined || design.vpn.id === null || design.machines[to] === undefined) return design;
    const spec = vpnCatalog[design.vpn.id];
    const fallback = getDefaultRole(spec);
    let next = addRoleTo(design, to, role);
    if (next === design && !(design.vpn.roles[to] ?? []).includes(role)) return design;
    // The machine that gave the role up stays in the network as an ordinary member.
    const left = (next.vpn.roles[from] ?? []).filter((r) => r !== role);
    const covered = left.some((r) => {
      const def = findRole(spec, r);
      return def !== undefined && (def.isDefault || def.includesDefault);
    });
    next = withRoles(next, from, covered ? left : [...left, fallback.id]);
    return next;
  },
  removeRole: (design, args) => {
    const id = str(args.machineId) as MachineId | undefined;
    const role = str(args.role);
    const current = id === undefined ? undefined : design.vpn.roles[id];
    if (id === undefined || role === undefined || current === undefined || !current.includes(role)) return design;
    return withRoles(design, id, current.filter((r) => r !== role));
  },
  removeRoleEntry: (design, args) => {
    const id = str(args.machineId) as MachineId | undefined;
    return id === undefined || design.vpn.roles[id] === undefined ? design : withRoles(design, id, []);
  },
  assignDefaultRoles: (design) => (design.vpn.id === null ? design : setVpn(design, design.vpn.id, assignDefaultRoles(design, design.vpn.id))),
  setInstanceName: (design, args) => {
    const name = str(args.name);
    return name === undefined ? design : { ...design, vpn: { ...design.vpn, instance: name } };
  },
  removeLink: (design, args) => {
    const id = str(args.linkId);
    if (id === undefined || !(id in design.links)) return design;
    const links = { ...design.links };
    delete links[id as keyof typeof links];
    return { ...design, links };
  },
  setVarsHelper: (design, args) => {
    const id = args.machineId === null ? null : (str(args.machineId) as MachineId | undefined);
    // A machine deleted since the problem was found is not chosen (setDeploySettings refuses ids it does not know).
    return id === undefined ? design : setDeploySettings(design, { varsHelper: id });
  },
};

/** Whether a string names a fix kind. */
export function isFixKind(kind: string): kind is FixKind {
  return (fixKinds as readonly string[]).includes(kind);
}

/** Applies a fix; a fix of unknown kind, or one that no longer fits the design, returns the design unchanged. */
export function applyFix(design: Design, fix: Fix, ids: IdSource): Design {
  if (!isFixKind(fix.kind)) return design;
  return appliers[fix.kind](design, fix.args, ids);
}


