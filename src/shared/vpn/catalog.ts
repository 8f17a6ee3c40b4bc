import type { Design, Machine, MachineId, MachineKind, NatType } from '../model/types';
import { vpnDisplayNames, type VpnId } from './ids';
import { compareText } from '../text';

// The VPN catalog: what the designer needs to know about each of the ten VPNs to predict paths, assign roles and
// validate a design. Sources: CLAN.md sections 2, 3 and 5 (clan-core services and our own modules) and the
// vpn-bench feature matrix. The matrix is a desk study, and some of its cells contradict the VPNs' own docs, so
// every fact carries `confirmed`; the UI flags unconfirmed cells instead of presenting them as measured truth.

/** A catalog fact with how sure we are of it. */
export interface Fact<T> {
  readonly value: T;
  /** False when the fact is a claim we could not check (a vendor claim, a questionable matrix cell, our guess). */
  readonly confirmed: boolean;
  /** Why it is unconfirmed, or a caveat worth showing. */
  readonly note?: string;
}

/**
 * How a VPN connects two machines that are both behind NAT:
 * holePunch: coordinated UDP hole punching, direct traffic when it works;
 * hubAndSpoke: no traversal between members, every peer talks only to a hub of ours (Clan's WireGuard);
 * none: no hole punching; members peer only with addresses they can reach (Mycelium, Yggdrasil).
 */
export type NatTraversal = 'holePunch' | 'hubAndSpoke' | 'none';

/**
 * Where traffic goes when no direct or punched path exists:
 * selfHostedRelay: a relay role on a machine of ours (Nebula lighthouse relay, WireGuard controller);
 * thirdPartyRelay: someone else's servers (Tailscale DERP, ZeroTier roots, libp2p relays);
 * routesThroughPeers: the overlay routes through any member both sides can reach (Tinc, Yggdrasil, Mycelium, EasyTier);
 * none: no relaying at all, the pair is simply cut off (VpnCloud).
 */
export type RelayKind = 'selfHostedRelay' | 'thirdPartyRelay' | 'routesThroughPeers' | 'none';

/** A phone platform a VPN has a client app for. */
export type MobilePlatform = 'android' | 'ios';

/** How the Clan instance name turns into a Linux interface name (Linux allows at most 15 bytes). */
export interface InterfaceNaming {
  /** The interface name, with `<instance>` where the instance name goes. */
  readonly template: string;
  /** The longest instance name that still fits. */
  readonly maxInstanceLength: number;
  /** True when the module cuts longer names instead of failing (two long names may then collide). */
  readonly truncates: boolean;
}

/** A rewrite the VPN applies to machine names (Tinc node names allow only [A-Za-z0-9_]). */
export interface NameMapping {
  readonly from: string;
  readonly to: string;
  readonly why: string;
}

/** One role a machine can have in a VPN instance. */
export interface VpnRole {
  /** The role name used in inventory.json (must exist in the service module, or evaluation throws). */
  readonly id: string;
  readonly label: string;
  readonly description: string;
  readonly min: number;
  /** Null: no upper limit. */
  readonly max: number | null;
  /** The role's machine must accept incoming connections from the internet (a public site or a port forward). */
  readonly needsPublic: boolean;
  /** Every member without another role gets this one. Exactly one role per VPN is the default. */
  readonly isDefault: boolean;
  /** The machine forwards traffic for members that cannot reach each other (used by path prediction). */
  readonly relays: boolean;
  /** Holding this role already makes the machine a full member, so it does not also need the default role. */
  readonly includesDefault: boolean;
  /** Roles a machine holding this one must not also hold. */
  readonly exclusiveWith: readonly string[];
  readonly confirmed: boolean;
  readonly note?: string;
}

/** Everything the designer knows about one VPN. */
export interface VpnSpec {
  readonly id: VpnId;
  readonly name: string;
  readonly homepage: string;
  /** A clan-core service (module input unset); otherwise one of our own modules under modules/clan-services/. */
  readonly clanNative: boolean;
  readonly roles: readonly VpnRole[];
  readonly natTraversal: Fact<NatTraversal>;
  /** Can punch through symmetric/strict NAT on one side (never when both sides are symmetric). */
  readonly symmetricNat: Fact<boolean>;
  readonly relay: Fact<RelayKind>;
  /** A mesh across NATs needs a publicly reachable machine of ours (lighthouse, bootstrap, controller, static peer). */
  readonly needsOwnPublicNode: Fact<boolean>;
  /** Uses third-party public infrastructure by default (privacy-minded families want to know). */
  readonly thirdPartyInfra: Fact<boolean>;
  /** Who runs that infrastructure, in words for reasons and tooltips; null when there is none. */
  readonly thirdPartyDescription: string | null;
  readonly mobileClients: Fact<readonly MobilePlatform[]>;
  /** Null when the interface name does not depend on the instance name. */
  readonly interfaceName: Fact<InterfaceNaming | null>;
  /** Null when machine names are used as they are. */
  readonly machineNameMapping: Fact<NameMapping | null>;
}

const yes = <T>(value: T, note?: string): Fact<T> => (note === undefined ? { value, confirmed: true } : { value, confirmed: true, note });
const unsure = <T>(value: T, note: string): Fact<T> => ({ value, confirmed: false, note });

type RoleInput = Pick<VpnRole, 'id' | 'label' | 'description'> & Partial<Omit<VpnRole, 'id' | 'label' | 'description'>>;

function role(input: RoleInput): VpnRole {
  return { min: 0, max: null, needsPublic: false, isDefault: false, relays: false, includesDefault: false, exclusiveWith: [], confirmed: true, ...input };
}

function peer(description: string, extra: Partial<VpnRole> = {}): VpnRole {
  return role({ id: 'peer', label: 'Peer', description, isDefault: true, ...extra });
}

const linuxInterfaceLimit = 'Linux interface names are at most 15 bytes.';

/** The ten VPNs, keyed by id. Frozen: the catalog is reference data, never edited at run time. */
export const vpnCatalog: Readonly<Record<VpnId, VpnSpec>> = deepFreeze({
  zerotier: {
    id: 'zerotier',
    name: vpnDisplayNames.zerotier,
    homepage: 'https://www.zerotier.com',
    clanNative: true,
    roles: [
      role({
        id: 'controller',
        label: 'Controller',
        description: 'Admits machines to the network and hands out its settings. Needs no public address, but must be online when a new machine joins.',
        min: 1,
        max: 1,
      }),
      role({
        id: 'moon',
        label: 'Moon',
        description: "Your own root server (UDP 9993, public address): members find each other through it instead of only through ZeroTier's public roots.",
        max: 4,
        needsPublic: true,
        relays: true,
        confirmed: false,
        note: 'Moons act as roots, and roots relay when punching fails; whether a moon relays data in practice is unverified.',
      }),
      peer('A member of the network. Clan gives this role to every machine, the controller included.'),
    ],
    natTraversal: yes('holePunch'),
    symmetricNat: unsure(false, 'The feature matrix claims symmetric NAT handling; ZeroTier documents relaying through its roots for such peers, so we predict a relay.'),
    relay: yes('thirdPartyRelay', "ZeroTier's planet roots, plus Clan's TCP fallback relay."),
    needsOwnPublicNode: yes(false),
    thirdPartyInfra: yes(true),
    thirdPartyDescription: "ZeroTier's public root servers",
    mobileClients: yes(['android', 'ios'] as const),
    interfaceName: yes(null, 'The interface is named from the network id (zt...), not the instance name.'),
    machineNameMapping: yes(null),
  },
  wireguard: {
    id: 'wireguard',
    name: vpnDisplayNames.wireguard,
    homepage: 'https://www.wireguard.com',
    clanNative: true,
    roles: [
      role({
        id: 'controller',
        label: 'Controller (hub)',
        description: 'The hub every peer connects to; all traffic between peers passes through it. Needs a public address and UDP port 51820.',
        min: 1,
        needsPublic: true,
        relays: true,
        includesDefault: true,
        exclusiveWith: ['peer'],
      }),
      peer('Connects to the controllers; may sit behind any NAT. A machine cannot be controller and peer in one instance.', { exclusiveWith: ['controller'] }),
    ],
    natTraversal: yes('hubAndSpoke', "Clan's WireGuard service has no traversal between peers: every peer only talks to the controllers."),
    symmetricNat: yes(false, 'Not needed: peers dial out to the controller, which works from behind any NAT.'),
    relay: yes('selfHostedRelay', 'The controller forwards all peer-to-peer traffic.'),
    needsOwnPublicNode: yes(true),
    thirdPartyInfra: yes(false),
    thirdPartyDescription: null,
    mobileClients: yes(['android', 'ios'] as const, "Official apps exist; Clan's module only configures NixOS machines, so a phone's peer entry is added by hand."),
    interfaceName: yes({ template: '<instance>', maxInstanceLength: 15, truncates: false }, linuxInterfaceLimit),
    machineNameMapping: yes(null),
  },
  mycelium: {
    id: 'mycelium',
    name: vpnDisplayNames.mycelium,
    homepage: 'https://github.com/threefoldtech/mycelium',
    clanNative: true,
    roles: [peer('A member of the overlay. Mycelium has no other roles; use one Mycelium instance per machine.')],
    natTraversal: yes('none', 'No UDP hole punching: members peer over TCP/QUIC with nodes they can reach.'),
    symmetricNat: yes(false),
    relay: yes('routesThroughPeers', "Routes through reachable members, and by default through Threefold's hosted public nodes."),
    needsOwnPublicNode: yes(false, 'Bootstraps through the hosted public nodes unless addHostedPublicNodes is turned off.'),
    thirdPartyInfra: yes(true),
    thirdPartyDescription: "Threefold's public Mycelium nodes",
    mobileClients: unsure(['android', 'ios'] as const, 'Listed by the feature matrix; the apps are young and not checked by us.'),
    interfaceName: unsure(null, 'Assumed fixed (the instance name is not used); one instance per machine anyway.'),
    machineNameMapping: yes(null),
  },
  yggdrasil: {
    id: 'yggdrasil',
    name: vpnDisplayNames.yggdrasil,
    homepage: 'https://yggdrasil-network.github.io',
    clanNative: true,
    roles: [role({ id: 'default', label: 'Node', description: 'A member of the overlay; every node routes for the others. Home machines need at least one public peer (a VPS).', isDefault: true })],
    natTraversal: yes('none', 'No hole punching; nodes behind NAT must reach a public peer.'),
    symmetricNat: yes(false),
    relay: yes('routesThroughPeers', 'Traffic between NATed sites is routed through the public peer.'),
    needsOwnPublicNode: yes(true, 'For sites behind NAT; two public machines would not need one.'),
    thirdPartyInfra: yes(false),
    thirdPartyDescription: null,
    mobileClients: unsure(['android', 'ios'] as const, 'Android app exists; the iOS app has been distributed through TestFlight.'),
    interfaceName: yes(null, 'The interface is called ygg.'),
    machineNameMapping: yes(null),
  },
  easytier: {
    id: 'easytier',
    name: vpnDisplayNames.easytier,
    homepage: 'https://github.com/EasyTier/EasyTier',
    clanNative: false,
    roles: [
      role({
        id: 'bootstrap',
        label: 'Bootstrap node',
        description: 'The node everyone dials first to find the others (TCP/UDP 11010-11011). Needs a public address.',
        min: 1,
        needsPublic: true,
        relays: true,
        includesDefault: true,
      }),
      peer('A member of the network; finds the others through the bootstrap node.'),
    ],
    natTraversal: yes('holePunch'),
    symmetricNat: unsure(true, 'EasyTier claims symmetric NAT traversal; not measured by us.'),
    relay: yes('routesThroughPeers', 'Relays through peers, usually the bootstrap node.'),
    needsOwnPublicNode: yes(true),
    thirdPartyInfra: yes(false, 'Our module uses only your own bootstrap node, not the public shared nodes.'),
    thirdPartyDescription: null,
    mobileClients: unsure(['android', 'ios'] as const, 'The Android app is official; an iOS client is listed by the feature matrix but not checked.'),
    interfaceName: yes({ template: '<instance>', maxInstanceLength: 15, truncates: true }, 'The module uses the first 15 characters of the instance name.'),
    machineNameMapping: yes(null),
  },
  headscale: {
    id: 'headscale',
    name: vpnDisplayNames.headscale,
    homepage: 'https://github.com/juanfont/headscale',
    clanNative: false,
    roles: [
      role({
        id: 'controller',
        label: 'Headscale server',
        description: 'Runs the Headscale coordination server (HTTPS 443, ideally with a domain name) and is also a Tailscale node. Needs a public address.',
        min: 1,
        max: 1,
        needsPublic: true,
        includesDefault: true,
      }),
      peer('A Tailscale node that logs in to your Headscale server.'),
    ],
    natTraversal: yes('holePunch'),
    symmetricNat: unsure(false, 'Tailscale can sometimes punch through one hard NAT by probing ports; we predict a DERP relay to be safe.'),
    relay: yes('thirdPartyRelay', "Tailscale's public DERP relays (our module uses the public DERP map)."),
    needsOwnPublicNode: yes(true),
    thirdPartyInfra: yes(true),
    thirdPartyDescription: "Tailscale's public DERP relays",
    mobileClients: yes(['android', 'ios'] as const, 'The Tailscale apps can log in to a custom server.'),
    interfaceName: yes({ template: 'ts-<instance>', maxInstanceLength: 12, truncates: true }, 'The module truncates ts-<instance> to 15 characters.'),
    machineNameMapping: yes(null),
  },
  hyprspace: {
    id: 'hyprspace',
    name: vpnDisplayNames.hyprspace,
    homepage: 'https://github.com/hyprspace/hyprspace',
    clanNative: false,
    roles: [role({ id: 'server', label: 'Node', description: 'All Hyprspace nodes are equal; discovery uses public libp2p bootstrap nodes.', isDefault: true })],
    natTraversal: yes('holePunch', 'libp2p hole punching.'),
    symmetricNat: unsure(false, 'The feature matrix claims symmetric NAT handling; libp2p falls back to relays there, so we predict a relay.'),
    relay: unsure('thirdPartyRelay', 'libp2p circuit relays on public nodes; they are rate-limited and may not carry bulk traffic.'),
    needsOwnPublicNode: yes(false),
    thirdPartyInfra: yes(true),
    thirdPartyDescription: 'public libp2p relays',
    mobileClients: yes([] as const),
    interfaceName: unsure(null, 'Our module names the interface; the instance name is not used.'),
    machineNameMapping: yes(null),
  },
  nebula: {
    id: 'nebula',
    name: vpnDisplayNames.nebula,
    homepage: 'https://github.com/slackhq/nebula',
    clanNative: false,
    roles: [
      role({
        id: 'lighthouse',
        label: 'Lighthouse',
        description: 'Tells nodes where the others are (UDP 4242) and relays for nodes that cannot punch through. Needs a public address.',
        min: 1,
        needsPublic: true,
        relays: true,
        includesDefault: true,
        exclusiveWith: ['peer'],
        note: 'Our module turns on isRelay for lighthouses; the vpn-bench module did not.',
      }),
      peer('A node behind any NAT; punches holes to other nodes and falls back to the lighthouse relay. A peer with a public address can also be a relay (isRelay setting).', {
        exclusiveWith: ['lighthouse'],
      }),
    ],
    natTraversal: yes('holePunch'),
    symmetricNat: unsure(false, 'The feature matrix claims symmetric NAT handling; Nebula recommends relays for it, so we predict a relay.'),
    relay: yes('selfHostedRelay', 'The lighthouse relays (isRelay) in our module.'),
    needsOwnPublicNode: yes(true),
    thirdPartyInfra: yes(false),
    thirdPartyDescription: null,
    mobileClients: yes(['android', 'ios'] as const, 'Mobile Nebula by Defined Networking.'),
    interfaceName: yes({ template: 'nebula.<instance>', maxInstanceLength: 8, truncates: false }, linuxInterfaceLimit),
    machineNameMapping: yes(null),
  },
  tinc: {
    id: 'tinc',
    name: vpnDisplayNames.tinc,
    homepage: 'https://www.tinc-vpn.org',
    clanNative: false,
    roles: [
      role({
        id: 'bootstrap',
        label: 'Bootstrap node',
        description: 'A node with a reachable address (TCP/UDP 655) that others connect to first. Needs a public address.',
        min: 1,
        needsPublic: true,
        relays: true,
        includesDefault: true,
      }),
      peer('A node that connects to the bootstrap nodes and through them to the rest.'),
    ],
    natTraversal: unsure('holePunch', 'Tinc 1.1 (tinc_pre in nixpkgs) punches UDP holes via its meta connections; Tinc 1.0 does not.'),
    symmetricNat: yes(false),
    relay: yes('routesThroughPeers', 'Forwards over meta connections when direct UDP fails.'),
    needsOwnPublicNode: yes(true),
    thirdPartyInfra: yes(false),
    thirdPartyDescription: null,
    mobileClients: unsure(['android'] as const, 'An old community Android app exists; there is no iOS client.'),
    interfaceName: yes({ template: 'tinc.<instance>', maxInstanceLength: 10, truncates: false }, linuxInterfaceLimit),
    machineNameMapping: yes({ from: '-', to: '_', why: "Tinc node names allow only letters, digits and '_'." }),
  },
  vpncloud: {
    id: 'vpncloud',
    name: vpnDisplayNames.vpncloud,
    homepage: 'https://github.com/dswd/vpncloud',
    clanNative: false,
    roles: [
      role({
        id: 'seed',
        label: 'Seed peer',
        description: 'A peer with a static public address (UDP 17000) that every other peer lists in peerIps to join the mesh.',
        needsPublic: true,
        includesDefault: true,
        confirmed: false,
        note: 'Our own role name: VpnCloud itself has no roles, a seed is any statically reachable peer.',
      }),
      peer('A member of the mesh; joins through a seed peer.'),
    ],
    natTraversal: unsure('holePunch', 'Credited with hole punching by the feature matrix; peers exchange addresses, there is no STUN.'),
    symmetricNat: yes(false),
    relay: unsure('none', 'The feature matrix claims a relay fallback; VpnCloud 2 documents no forwarding for other peers, so we predict none.'),
    needsOwnPublicNode: yes(true, 'At least one statically reachable peer must be listed in peerIps.'),
    thirdPartyInfra: yes(false),
    thirdPartyDescription: null,
    mobileClients: yes([] as const),
    interfaceName: unsure(null, 'Our module names the device; the instance name is not used.'),
    machineNameMapping: yes(null),
  },
} satisfies Record<VpnId, VpnSpec>);

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/** The role every member without another role gets (peer, default or server). */
export function getDefaultRole(spec: VpnSpec): VpnRole {
  // Every entry above has exactly one default role; the catalog test guards that.
  return spec.roles.find((r) => r.isDefault)!;
}

/** A role of a VPN by its id, or undefined when the VPN has no such role. */
export function findRole(spec: VpnSpec, roleId: string): VpnRole | undefined {
  return spec.roles.find((r) => r.id === roleId);
}

/** The role whose holder everyone else dials: the first role that needs a public address and is required or the VPN's only way in. */
export function getPublicAnchorRole(spec: VpnSpec): VpnRole | undefined {
  return spec.roles.find((r) => r.needsPublic && r.min > 0) ?? (spec.needsOwnPublicNode.value ? spec.roles.find((r) => r.needsPublic) : undefined);
}

/** A machine's name as the VPN sees it (Tinc turns '-' into '_'). */
export function mapMachineName(spec: VpnSpec, name: string): string {
  const mapping = spec.machineNameMapping.value;
  return mapping === null ? name : name.split(mapping.from).join(mapping.to);
}

/** Whether the VPN has a client for an unmanaged device: phones need a mobile app, everything else a desktop client. */
export function hasClientFor(spec: VpnSpec, machine: Pick<Machine, 'kind'>): boolean {
  return machine.kind === 'phone' ? spec.mobileClients.value.length > 0 : true;
}

// Best first. Always-on machines make better hubs than laptops that sleep.
const kindRank: Record<MachineKind, number> = { vps: 0, server: 1, nas: 2, router: 3, sbc: 4, desktop: 5, laptop: 6, phone: 7 };
const natRank: Record<NatType, number> = { public: 0, portForward: 1, nat: 2, cgnat: 3, symmetric: 4 };

/**
 * Managed machines ranked as hub candidates: public sites first, then port-forwarded sites (machines with a port
 * forward first), then by kind (vps, server, nas, ...), then by name. With `publicOnly`, only the first two groups.
 */
export function rankHubCandidates(design: Design, publicOnly: boolean): Machine[] {
  const forwarded = new Set<string>();
  for (const link of Object.values(design.links)) if (link.kind === 'portForward') forwarded.add(link.target);
  const scored: { machine: Machine; key: [number, number, number] }[] = [];
  for (const machine of Object.values(design.machines)) {
    if (!machine.managed) continue;
    const nat = machine.siteId === null ? undefined : design.sites[machine.siteId]?.nat;
    const rank = nat === undefined ? 5 : natRank[nat];
    if (publicOnly && rank > 1) continue;
    scored.push({ machine, key: [rank, rank === 1 && !forwarded.has(machine.id) ? 1 : 0, kindRank[machine.kind]] });
  }
  scored.sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1] || a.key[2] - b.key[2] || compareText(a.machine.name, b.machine.name) || compareText(a.machine.id, b.machine.id));
  return scored.map((s) => s.machine);
}

/**
 * Sensible roles for a fresh VPN choice: each required role (controller, lighthouse, bootstrap) on the best
 * candidate (a public one if the role needs it; left unassigned when there is none), and the default role for
 * everyone else. Unmanaged devices get the default role only when the VPN has a client for them.
 */
export function assignDefaultRoles(design: Design, vpnId: VpnId): Record<MachineId, string[]> {
  const spec = vpnCatalog[vpnId];
  const special = new Map<MachineId, string[]>();
  const anchor = getPublicAnchorRole(spec);
  for (const r of spec.roles) {
    // Optional roles (ZeroTier moons) stay unassigned unless the VPN cannot form a mesh without them (VpnCloud seeds).
    if (r.isDefault || (r.min === 0 && r !== anchor)) continue;
    const candidate = rankHubCandidates(design, r.needsPublic)[0];
    if (candidate !== undefined) special.set(candidate.id, [...(special.get(candidate.id) ?? []), r.id]);
  }
  const fallback = getDefaultRole(spec);
  // Emitted in machine order so the result (and the saved file) does not depend on which role was placed first.
  const roles: Record<MachineId, string[]> = {};
  for (const machine of Object.values(design.machines)) {
    const held = special.get(machine.id) ?? [];
    const covered = held.some((id) => {
      const r = findRole(spec, id)!;
      return r.includesDefault || r.exclusiveWith.includes(fallback.id);
    });
    const wantsDefault = !covered && (machine.managed || hasClientFor(spec, machine));
    const all = wantsDefault ? [...held, fallback.id] : held;
    if (all.length > 0) roles[machine.id] = all;
  }
  return roles;
}

/**
 * The overlay interface on a machine, or null when its name is not fixed (ZeroTier names it from the network id;
 * VpnCloud's default, vpncloud%d in dswd/vpncloud src/config.rs, lets the kernel number it: our module fixes it to
 * vpncloud0, nix/nixFiles.ts, but a VpnCloud set up by hand may have another number).
 * Where the catalog knows the template (WireGuard, EasyTier, Tailscale, Nebula, Tinc) it is used, cut to Linux's
 * 15 bytes where the module cuts it. Verify reads the interface's addresses (verify/discovery.ts); the generator
 * opens the measurement port on it (nix/nixFiles.ts).
 */
export function vpnInterface(vpn: VpnId, instance: string): string | null {
  const naming = vpnCatalog[vpn].interfaceName.value;
  if (naming !== null) {
    const name = naming.template.replace('<instance>', instance);
    return naming.truncates ? name.slice(0, 15) : name;
  }
  switch (vpn) {
    case 'yggdrasil':
      return 'ygg';
    case 'mycelium':
      return 'mycelium';
    case 'hyprspace':
      return 'hyprspace';
    default:
      return null;
  }
}
