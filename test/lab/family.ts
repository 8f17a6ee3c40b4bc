import { designBuilder } from '../../src/shared/model/designBuilder';
import type { Design, Machine, MachineId, MachineKind, Site } from '../../src/shared/model/types';
import type { VpnId } from '../../src/shared/vpn/ids';
import type { Lab, LabSpec } from './lab';

/**
 * The family network the overlay tests run on: a public office with "vps", a home behind NAT with "nas" and
 * "desktop", and the parents' house behind NAT with "parents-pi".
 */
export const familyMachines = ['vps', 'nas', 'desktop', 'parents-pi'] as const;

/** One machine of the family network. */
export type FamilyMachine = (typeof familyMachines)[number];

/** Every ordered pair of different machines (`[from, to]`), in the machines' order. */
export function orderedPairs<T extends string>(machines: readonly T[]): [T, T][] {
  return machines.flatMap((from) => machines.filter((to) => to !== from).map((to): [T, T] => [from, to]));
}

/** Each machine's lab site, and its kind in the design. */
const familyHosts: Record<FamilyMachine, { site: 'office' | 'home' | 'parents'; kind: MachineKind }> = {
  vps: { site: 'office', kind: 'vps' },
  nas: { site: 'home', kind: 'nas' },
  desktop: { site: 'home', kind: 'desktop' },
  'parents-pi': { site: 'parents', kind: 'sbc' },
};

const familySites = [
  { name: 'office', nat: false },
  { name: 'home', nat: true },
  { name: 'parents', nat: true },
] as const;

/**
 * The family network as a lab: the public office and the two homes behind NAT, each in its own site, so the homes
 * cannot reach each other directly (both masquerade behind the one lab router, which lets nothing in). Only the sites
 * of the chosen `machines` (default: all of them) are built; the hosts keep the order of familyMachines.
 * `bastion` (default true): vps is the one machine the NATed sites let the test runner in through. `nixos` (default
 * true): every host stands in for NixOS (test/lab/nixos.ts).
 */
export function familyLabSpec(prefix: string, options: { machines?: readonly FamilyMachine[]; nixos?: boolean; bastion?: boolean } = {}): LabSpec {
  const chosen = familyMachines.filter((m) => (options.machines ?? familyMachines).includes(m));
  const nixos = options.nixos ?? true;
  const bastion = options.bastion ?? true;
  return {
    prefix,
    sites: familySites.filter((s) => chosen.some((m) => familyHosts[m].site === s.name)).map((s) => ({ ...s })),
    hosts: chosen.map((name) => ({
      name,
      site: familyHosts[name].site,
      ...(bastion && name === 'vps' ? { bastion: true } : {}),
      ...(nixos ? { nixos: true } : {}),
    })),
  };
}

/** What may differ between the tests' drawings of the family network (familyLabDesign). */
export interface FamilyDesignOptions {
  /** The lab user the app logs in as. */
  user: 'sudo' | 'plain';
  /** The admin's site: a laptop elsewhere behind NAT (a site of its own, drawn first), the home, or the office. */
  admin: 'laptop' | 'home' | 'office';
  /** How the parents' site's NAT is drawn (when the lab has parents-pi). */
  parentsNat?: 'symmetric' | 'nat';
  /** The parents' site's name (default "Parents' house"). */
  parentsName?: string;
  /** Every machine's architecture (default: the builder's for its kind). */
  arch?: Machine['arch'];
  /** Laid out on the canvas as familyLayout says, for the browser tests. */
  layout?: boolean;
  /** Design metadata to set (clan name, description). */
  meta?: Partial<Design['meta']>;
  /** The machine that makes the vars, and how many machines deploy at once. */
  deploy?: { varsHelper: FamilyMachine; concurrency: number };
}

/**
 * Where familyLabDesign puts sites and machines with `layout`, as a person would draw them: the laptop and the office
 * at the top, the two homes below; the machines staggered, so no line between two machines runs across a third.
 */
export const familyLayout = {
  sites: {
    laptop: { position: { x: 0, y: 0 }, size: { width: 240, height: 150 } },
    office: { position: { x: 320, y: 0 }, size: { width: 280, height: 150 } },
    home: { position: { x: 0, y: 280 }, size: { width: 480, height: 260 } },
    parents: { position: { x: 580, y: 280 }, size: { width: 280, height: 260 } },
  },
  machines: {
    vps: { x: 56, y: 60 },
    nas: { x: 32, y: 60 },
    desktop: { x: 272, y: 170 },
    'parents-pi': { x: 56, y: 60 },
  },
} as const satisfies { sites: Record<string, Pick<Site, 'position' | 'size'>>; machines: Record<FamilyMachine, Machine['position']> };

/**
 * The family network as a user draws it, with the lab's addresses: the family machines the lab has, logged in to on
 * port 22 as the lab user `user`. vps is public, with its lab address as its public address (the VPN's anchor:
 * Nebula's lighthouse, WireGuard's controller, Tinc's bootstrap node, Yggdrasil's public peer); nas and desktop sit at
 * home behind NAT, parents-pi in the parents' house. Unless the admin is at home, the machines behind NAT are reached
 * through vps (jump host links), as the lab's router lets only vps in. Sites are drawn before machines, each machine
 * before its link, so the builder's ids are the same for the same lab and options.
 */
export function familyLabDesign(lab: Lab, vpn: VpnId, options: FamilyDesignOptions): Design {
  const drawn = familyMachines.filter((m) => m in lab.hosts);
  const b = designBuilder();
  const layout = (site: keyof typeof familyLayout.sites) => (options.layout === true ? familyLayout.sites[site] : {});
  const laptop = options.admin === 'laptop' ? b.site('Laptop', 'nat', layout('laptop')) : null;
  const sites = {
    office: b.site('Office', 'public', layout('office')),
    home: b.site('Home', 'nat', layout('home')),
    parents: drawn.includes('parents-pi') ? b.site(options.parentsName ?? "Parents' house", options.parentsNat ?? 'nat', { kind: 'family', ...layout('parents') }) : null,
  };
  const machine = (name: FamilyMachine, fields: Partial<Omit<Machine, 'id'>> = {}): MachineId => {
    const { site, kind } = familyHosts[name];
    return b.machine(name, sites[site], kind, {
      ...(options.arch === undefined ? {} : { arch: options.arch }),
      ssh: { host: lab.host(name).address, port: 22, user: lab.users[options.user].name },
      ...fields,
      ...(options.layout === true ? { position: familyLayout.machines[name] } : {}),
    });
  };
  const vps = machine('vps', { publicAddress: lab.host('vps').address });
  const ids = new Map<FamilyMachine, MachineId>([['vps', vps]]);
  for (const name of drawn.filter((m) => m !== 'vps')) {
    const id = machine(name);
    ids.set(name, id);
    if (options.admin !== 'home') b.link('jumpHost', vps, id);
  }
  b.admin(laptop ?? sites[options.admin === 'home' ? 'home' : 'office']);
  const d = b.vpn(vpn);
  if (options.meta === undefined && options.deploy === undefined) return d;
  return {
    ...d,
    meta: { ...d.meta, ...options.meta },
    ...(options.deploy === undefined ? {} : { deploy: { ...d.deploy, varsHelper: ids.get(options.deploy.varsHelper) ?? null, concurrency: options.deploy.concurrency } }),
  };
}
