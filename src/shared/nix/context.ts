import { recordValues, rolesByMachine } from '../model/overlay';
import { computeDeployReach, type DeployReach } from '../model/reachability';
import type { Design, Machine, MachineId, Site } from '../model/types';
import { getDefaultRole, vpnCatalog, type VpnSpec } from '../vpn/catalog';
import type { VpnId } from '../vpn/ids';

// Indexes over a validated design, built once per generation and shared by the inventory, the VPN instance and
// the Nix files. Every list is sorted by machine name, so the output does not depend on record order.

/** A managed machine that has at least one role in the chosen VPN. */
export interface Member {
  readonly machine: Machine;
  /** The machine's roles that the VPN knows, in the catalog's role order. */
  readonly roles: readonly string[];
}

/** What every part of the generator reads. */
export interface GenerateContext {
  readonly design: Design;
  readonly vpn: VpnId | null;
  readonly spec: VpnSpec | null;
  readonly instance: string;
  /** Managed machines, by name: exactly the machines of the clan. */
  readonly machines: readonly Machine[];
  /** VPN members among them, by name. */
  readonly members: readonly Member[];
  /** Unmanaged devices that hold a VPN role (phones): not in the flake, joined by hand. */
  readonly unmanagedMembers: readonly Machine[];
  /** The external port a site's router forwards to a machine's SSH port, if a port-forward link says so. */
  readonly forwardedSshPort: ReadonlyMap<MachineId, number>;
  /** How the admin's computer reaches each machine for deploy (model/reachability), the basis of the deploy order. */
  readonly reach: ReadonlyMap<MachineId, DeployReach>;
  siteOf(machine: Machine): Site | undefined;
  /** Members holding a role, by name. */
  holders(role: string): readonly Machine[];
}

const byName = (a: Machine, b: Machine): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** Builds the context for a design whose VPN (if any) is `design.vpn.id`. */
export function createGenerateContext(design: Design): GenerateContext {
  const vpn = design.vpn.id;
  const spec = vpn === null ? null : vpnCatalog[vpn];
  const all = [...recordValues(design.machines)].sort(byName);
  const machines = all.filter((m) => m.managed);
  const rolesOf = rolesByMachine(design);
  const roleOrder = spec?.roles.map((r) => r.id) ?? [];
  // A role that already makes a machine a full member (a lighthouse, a bootstrap node) replaces the default role:
  // our modules configure the VPN once per role, so holding both would configure it twice (validation only warns).
  const fallback = spec === null ? undefined : getDefaultRole(spec);
  const covers = new Set(spec?.roles.filter((r) => fallback !== undefined && (r.includesDefault || r.exclusiveWith.includes(fallback.id))).map((r) => r.id) ?? []);
  const members: Member[] = [];
  const unmanagedMembers: Machine[] = [];
  const holders = new Map<string, Machine[]>();
  if (spec !== null) {
    for (const machine of all) {
      const held = rolesOf.get(machine.id) ?? [];
      const covered = held.some((r) => covers.has(r));
      const roles = roleOrder.filter((r) => held.includes(r) && !(covered && r === fallback?.id));
      if (roles.length === 0) continue;
      if (!machine.managed) {
        unmanagedMembers.push(machine);
        continue;
      }
      members.push({ machine, roles });
      for (const r of roles) {
        const list = holders.get(r);
        if (list === undefined) holders.set(r, [machine]);
        else list.push(machine);
      }
    }
  }
  const forwardedSshPort = new Map<MachineId, number>();
  const byId = new Map(all.map((m) => [m.id as string, m]));
  for (const link of recordValues(design.links)) {
    if (link.kind !== 'portForward' || link.ports === null) continue;
    const target = byId.get(link.target);
    if (target === undefined || target.siteId !== link.source) continue;
    if (link.ports.internal === (target.ssh?.port ?? 22) && !forwardedSshPort.has(target.id)) forwardedSshPort.set(target.id, link.ports.external);
  }
  return {
    design,
    vpn,
    spec,
    instance: design.vpn.instance,
    machines,
    members,
    unmanagedMembers,
    forwardedSshPort,
    reach: computeDeployReach(design),
    siteOf: (m) => (m.siteId === null ? undefined : design.sites[m.siteId]),
    holders: (role) => holders.get(role) ?? [],
  };
}
