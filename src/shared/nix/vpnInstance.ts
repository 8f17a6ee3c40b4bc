import { computeOverlayWith, createOverlayIndex, type OverlayEdge } from '../model/overlay';
import type { Machine, SiteId } from '../model/types';
import { err, ok, type Result } from '../result';
import { vpnDisplayNames, type VpnId } from '../vpn/ids';
import { allocateOverlayAddresses, bracketHost, hostWithPort, isIpLiteral, overlayNetwork } from './addresses';
import type { GenerateContext } from './context';
import type { GenerateError } from './errors';
import { nixStringList } from './escape';
import type { JsonValue } from './json';
import { ownModuleDir, type OwnModuleVpn } from './modules';
import { notesList, plural } from './text';

// The VPN instance in inventory.json, per VPN: which machines hold which role, and the settings each role's module
// needs (public addresses, explicit ports, overlay addresses, relays). Also what the preview should say about it.
// Roles come from the design (or assignDefaultRoles for a what-if VPN); the NAT analysis (model/overlay) decides
// where relays are needed.

type Settings = { [key: string]: JsonValue };

/** A role in the instance: its machines with their own settings, and settings for the whole role. */
interface RoleEntry {
  machines: { machine: Machine; settings?: Settings }[];
  settings?: Settings;
}

/** What the chosen VPN adds to the generated flake. */
export interface VpnPart {
  /** inventory.json instances.<instance>. */
  readonly instance: JsonValue;
  /** Our own module, copied to modules/clan-services/<vpn>/ and registered in clan.nix; null for clan-core services. */
  readonly ownModule: OwnModuleVpn | null;
  /** Whether flake.nix needs the hyprspace input. */
  readonly needsHyprspaceInput: boolean;
  /** Extra lines for a machine's configuration.nix, by machine name (Mycelium's private peers). */
  readonly machineConfig: ReadonlyMap<string, string>;
  /** Overlay addresses the app allocated, by machine name (empty when the VPN assigns them itself). */
  readonly addresses: ReadonlyMap<string, string>;
  readonly notes: readonly string[];
}

/** Ports a VPN's public machines must have open, for the note about cloud firewalls (CLAN.md 3.7). */
const publicPorts: Record<VpnId, string> = {
  easytier: 'TCP and UDP 11010',
  headscale: 'TCP 443',
  hyprspace: 'TCP and UDP 8001 (optional, helps direct connections)',
  mycelium: 'TCP and UDP 9651',
  nebula: 'UDP 4242',
  tinc: 'TCP and UDP 655',
  vpncloud: 'UDP 17000',
  wireguard: 'UDP 51820',
  yggdrasil: 'TCP 6443, 6445 and 6446 and UDP 6444',
  zerotier: 'TCP and UDP 9993',
};

const names = (machines: readonly Machine[]): string[] => machines.map((m) => m.name);

function roleJson(entry: RoleEntry): JsonValue {
  const machines: { [name: string]: JsonValue } = {};
  for (const { machine, settings } of entry.machines) machines[machine.name] = settings === undefined ? {} : { settings };
  return entry.settings === undefined ? { machines } : { machines, settings: entry.settings };
}

function instanceJson(name: string, input: 'clan-core' | 'self', roles: Record<string, RoleEntry>): JsonValue {
  const out: { [role: string]: JsonValue } = {};
  for (const [role, entry] of Object.entries(roles)) if (entry.machines.length > 0) out[role] = roleJson(entry);
  return { module: { name, input }, roles: out };
}

/** The public address a role needs, or the error that says it is missing. */
function requirePublic(ctx: GenerateContext, machine: Machine, role: string): Result<string, GenerateError> {
  const address = machine.publicAddress?.trim() ?? '';
  if (address !== '') return ok(address);
  return err({ code: 'missingPublicAddress', details: { vpn: ctx.vpn!, machineId: machine.id, machineName: machine.name, role } });
}

/** The site-level overlay predicted by the NAT analysis. */
function overlayEdges(ctx: GenerateContext): OverlayEdge[] {
  return computeOverlayWith(createOverlayIndex(ctx.design));
}

/** Sites that take part in a relayed site pair: their machines need a relay. */
function relayedSites(edges: readonly OverlayEdge[]): Set<SiteId> {
  const sites = new Set<SiteId>();
  for (const e of edges) {
    if (e.path !== 'relayed') continue;
    sites.add(e.a);
    sites.add(e.b);
  }
  return sites;
}

/** What the NAT analysis predicts, in a sentence or two: relayed and unreachable site pairs. */
function natNotes(ctx: GenerateContext, edges: readonly OverlayEdge[]): string[] {
  const siteName = (id: SiteId): string => ctx.design.sites[id]?.name ?? id;
  const relayed = edges.filter((e) => e.path === 'relayed');
  const unreachable = edges.filter((e) => e.path === 'unreachable');
  const out: string[] = [];
  if (relayed.length > 0) {
    const first = relayed[0]!;
    const more = relayed.length > 1 ? ` (${relayed.length - 1} more site pair${relayed.length > 2 ? 's' : ''} likewise)` : '';
    out.push(`NAT analysis: between "${siteName(first.a)}" and "${siteName(first.b)}" traffic is expected to be relayed${more}. ${first.reason}`);
  }
  if (unreachable.length > 0) {
    const first = unreachable[0]!;
    out.push(`NAT analysis: ${unreachable.length} site pair${unreachable.length > 1 ? 's are' : ' is'} expected to be unreachable over the VPN, for example "${siteName(first.a)}" and "${siteName(first.b)}". ${first.reason}`);
  }
  return out;
}

/** Machines with a public address among the members (they anchor home machines behind NAT). */
function publicMembers(ctx: GenerateContext): Machine[] {
  return ctx.members.map((m) => m.machine).filter((m) => (m.publicAddress?.trim() ?? '') !== '');
}

function portsNote(ctx: GenerateContext, machines: readonly Machine[], ports = publicPorts[ctx.vpn!]): string[] {
  if (machines.length === 0) return [];
  return [`Open ${ports} to ${notesList(names(machines))} in your hoster's firewall too; NixOS already opens ${plural(machines.length, 'it on that machine', 'it on those machines')}.`];
}

function unmanagedNote(ctx: GenerateContext): string[] {
  if (ctx.unmanagedMembers.length === 0) return [];
  return [
    `${notesList(names(ctx.unmanagedMembers))} ${ctx.unmanagedMembers.length === 1 ? 'has' : 'have'} a ${vpnDisplayNames[ctx.vpn!]} role but ${ctx.unmanagedMembers.length === 1 ? 'is' : 'are'} not managed by the app, so ${ctx.unmanagedMembers.length === 1 ? 'it is' : 'they are'} not in the flake: install the ${vpnDisplayNames[ctx.vpn!]} app there and join by hand.`,
  ];
}

function ownModuleNote(vpn: OwnModuleVpn): string {
  const base = `${vpnDisplayNames[vpn]} runs through a Clan service module that this flake brings along (${ownModuleDir}/${vpn}/), built on nixpkgs options; keys and certificates come from its Clan vars generators.`;
  if (vpn === 'vpncloud') return `${base} nixpkgs has no NixOS module for VpnCloud, so the flake also provides one: ${ownModuleDir}/vpncloud/nixos-module.nix (it uses nixpkgs' vpncloud package).`;
  if (vpn === 'hyprspace') return `${base} Hyprspace's NixOS module and package are not in nixpkgs; they come from the hyprspace flake input added to flake.nix.`;
  return base;
}

// ---------------------------------------------------------------- the four clan-core services

function zerotier(ctx: GenerateContext): Result<VpnPart, GenerateError> {
  const moons: { machine: Machine; settings: Settings }[] = [];
  for (const machine of ctx.holders('moon')) {
    const address = requirePublic(ctx, machine, 'moon');
    if (!address.ok) return address;
    if (!isIpLiteral(address.value)) return err({ code: 'moonNeedsIpAddress', details: { machineId: machine.id, machineName: machine.name, address: address.value } });
    moons.push({ machine, settings: { stableEndpoints: [address.value] } });
  }
  const controllers = ctx.holders('controller');
  const edges = overlayEdges(ctx);
  const notes = [
    "ZeroTier runs through clan-core's own zerotier service. Members find each other through ZeroTier's public root servers, run by ZeroTier Inc.; moons are your own roots.",
    `Deploy the controller ${notesList(names(controllers))} first: it admits the others and must be online when a machine joins. Adding a machine later means regenerating vars and redeploying the controller. Its first build may compile ZeroTier with the controller enabled, which takes a while.`,
    ...natNotes(ctx, edges),
    ...portsNote(ctx, moons.map((m) => m.machine)),
    ...unmanagedNote(ctx),
  ];
  const relays = edges.some((e) => e.path === 'relayed' && e.via === 'thirdParty');
  if (relays && moons.length === 0 && publicMembers(ctx).some((m) => isIpLiteral(m.publicAddress!.trim()))) {
    notes.push('Some traffic is predicted to go through ZeroTier\'s relays. Giving your public machine the moon role lets it act as your own root instead.');
  }
  return ok({
    instance: instanceJson('zerotier', 'clan-core', {
      controller: { machines: controllers.map((machine) => ({ machine })) },
      moon: { machines: moons },
      peer: { machines: ctx.holders('peer').map((machine) => ({ machine })) },
    }),
    ownModule: null,
    needsHyprspaceInput: false,
    machineConfig: new Map(),
    addresses: new Map(),
    notes,
  });
}

function wireguard(ctx: GenerateContext): Result<VpnPart, GenerateError> {
  const controllers: { machine: Machine; settings: Settings }[] = [];
  for (const machine of ctx.holders('controller')) {
    const address = requirePublic(ctx, machine, 'controller');
    if (!address.ok) return address;
    // The service appends ":port" to the endpoint, so an IPv6 literal must be bracketed here (CLAN.md 2.2).
    controllers.push({ machine, settings: { endpoint: bracketHost(address.value), port: 51820 } });
  }
  // With more than one controller every peer must name the one whose subnet it lives in; take the first by name.
  const designated = controllers.length > 1 ? controllers[0]!.machine.name : null;
  const peers = ctx.holders('peer').map((machine) => (designated === null ? { machine } : { machine, settings: { controller: designated } }));
  return ok({
    instance: instanceJson('wireguard', 'clan-core', { controller: { machines: controllers }, peer: { machines: peers } }),
    ownModule: null,
    needsHyprspaceInput: false,
    machineConfig: new Map(),
    addresses: new Map(),
    notes: [
      `WireGuard runs through clan-core's own wireguard service, hub and spoke: all traffic between peers goes through the controller ${notesList(controllers.map((c) => c.machine.name))}, even inside one home. The instance name "${ctx.instance}" becomes the interface name.`,
      ...(designated === null ? [] : [`There are several controllers; every peer takes its address from "${designated}".`]),
      'Deploy the controllers first; adding or removing a machine means redeploying every member.',
      ...portsNote(ctx, controllers.map((c) => c.machine)),
      ...unmanagedNote(ctx),
    ],
  });
}

function mycelium(ctx: GenerateContext): Result<VpnPart, GenerateError> {
  const anchors = publicMembers(ctx);
  const anchorIds = new Set(anchors.map((a) => a.id));
  const peerLines = (except: Machine | null): string | undefined => {
    const peers = anchors.filter((a) => a !== except).flatMap((a) => [`tcp://${hostWithPort(a.publicAddress!.trim(), 9651)}`, `quic://${hostWithPort(a.publicAddress!.trim(), 9651)}`]);
    if (peers.length === 0) return undefined;
    return ['# Mycelium: also peer with your own machines that have a public address, not only the public nodes.', `services.mycelium.peers = ${nixStringList(peers)};`].join('\n');
  };
  // Every member without a public address gets the same lines; build them once.
  const shared = peerLines(null);
  const machineConfig = new Map<string, string>();
  for (const { machine } of ctx.members) {
    const lines = anchorIds.has(machine.id) ? peerLines(machine) : shared;
    if (lines !== undefined) machineConfig.set(machine.name, lines);
  }
  return ok({
    instance: instanceJson('mycelium', 'clan-core', { peer: { machines: ctx.holders('peer').map((machine) => ({ machine })) } }),
    ownModule: null,
    needsHyprspaceInput: false,
    machineConfig,
    addresses: new Map(),
    notes: [
      "Mycelium runs through clan-core's own mycelium service. It bootstraps through Threefold's public Mycelium nodes, and your machines' overlay addresses are reachable from the whole public Mycelium network: any port open in a machine's firewall is open there too.",
      ...(anchors.length > 0
        ? [`The other members also peer directly with ${notesList(names(anchors))} (set in their configuration.nix).`]
        : ['No member has a public address, so all peering between sites goes through the public nodes.']),
      ...portsNote(ctx, anchors),
      ...unmanagedNote(ctx),
    ],
  });
}

function yggdrasil(ctx: GenerateContext): Result<VpnPart, GenerateError> {
  const anchors = publicMembers(ctx);
  const sites = new Set(ctx.members.map((m) => m.machine.siteId));
  return ok({
    instance: instanceJson('yggdrasil', 'clan-core', { default: { machines: ctx.holders('default').map((machine) => ({ machine })) } }),
    ownModule: null,
    needsHyprspaceInput: false,
    machineConfig: new Map(),
    addresses: new Map(),
    notes: [
      "Yggdrasil runs through clan-core's own yggdrasil service (marked experimental there). Machines on one network find each other by multicast; across sites they peer with the machines listed in the internet service.",
      ...(anchors.length > 0
        ? [`${notesList(names(anchors))} ${anchors.length === 1 ? 'is' : 'are'} the public peer${anchors.length === 1 ? '' : 's'}: traffic between homes behind NAT is routed through ${anchors.length === 1 ? 'it' : 'them'}.`]
        : sites.size > 1
          ? ['No member has a public address, so machines in different sites behind NAT cannot reach each other. Add a VPS with a public address.']
          : []),
      ...portsNote(ctx, anchors),
      ...unmanagedNote(ctx),
    ],
  });
}

// ---------------------------------------------------------------- our own modules

/** Members with public-role settings, or the first error. */
function withPublicAddress(ctx: GenerateContext, role: string, extra: (machine: Machine, address: string) => Settings): Result<{ machine: Machine; settings: Settings }[], GenerateError> {
  const out: { machine: Machine; settings: Settings }[] = [];
  for (const machine of ctx.holders(role)) {
    const address = requirePublic(ctx, machine, role);
    if (!address.ok) return address;
    out.push({ machine, settings: { publicAddress: address.value, ...extra(machine, address.value) } });
  }
  return ok(out);
}

function ownPart(ctx: GenerateContext, vpn: OwnModuleVpn, roles: Record<string, RoleEntry>, notes: string[], addresses: ReadonlyMap<string, string> = new Map()): VpnPart {
  return {
    instance: instanceJson(vpn, 'self', roles),
    ownModule: vpn,
    needsHyprspaceInput: vpn === 'hyprspace',
    machineConfig: new Map(),
    addresses,
    notes: [ownModuleNote(vpn), ...notes, ...unmanagedNote(ctx)],
  };
}

function easytier(ctx: GenerateContext): Result<VpnPart, GenerateError> {
  // Ports are always written out: a missing port must never become "tcp://host:" (CLAN.md 3.1).
  const bootstraps = withPublicAddress(ctx, 'bootstrap', () => ({ port: 11010 }));
  if (!bootstraps.ok) return bootstraps;
  const edges = overlayEdges(ctx);
  return ok(
    ownPart(
      ctx,
      'easytier',
      { bootstrap: { machines: bootstraps.value }, peer: { machines: ctx.holders('peer').map((machine) => ({ machine })), settings: { port: 11010 } } },
      [
        `Every member dials the bootstrap node${bootstraps.value.length === 1 ? '' : 's'} ${notesList(bootstraps.value.map((b) => b.machine.name))}, then EasyTier connects members directly or relays through peers. The network secret is a shared Clan var. IPv4 addresses are handed out by EasyTier when the machines connect.`,
        ...natNotes(ctx, edges),
        ...portsNote(ctx, bootstraps.value.map((b) => b.machine)),
      ],
    ),
  );
}

function headscale(ctx: GenerateContext): Result<VpnPart, GenerateError> {
  const controllers = withPublicAddress(ctx, 'controller', (_machine, address) => ({ port: 443, tls: isIpLiteral(address) ? 'selfSigned' : 'letsencrypt' }));
  if (!controllers.ok) return controllers;
  const controller = controllers.value[0];
  const selfSigned = controller?.settings.tls === 'selfSigned';
  return ok(
    ownPart(
      ctx,
      'headscale',
      { controller: { machines: controllers.value }, peer: { machines: ctx.holders('peer').map((machine) => ({ machine })) } },
      [
        `${controller === undefined ? 'The controller' : `"${controller.machine.name}"`} runs the Headscale server and every member runs Tailscale. Relaying uses Tailscale's public DERP servers.`,
        selfSigned
          ? "The server's public address is an IP address, so it gets a self-signed certificate (a shared Clan var) that every member trusts. With a DNS name it would get a Let's Encrypt certificate instead."
          : "Headscale gets a Let's Encrypt certificate for its DNS name; the name must point to the server and port 80 must be reachable for the challenge.",
        'Log-in keys are never stored in the flake: during deploy the app creates a short-lived pre-auth key on the Headscale server over SSH and copies it to each member. Overlay addresses are assigned by Headscale when the machines log in.',
        'Deploy the Headscale server first.',
        ...portsNote(ctx, controllers.value.map((c) => c.machine), selfSigned ? publicPorts.headscale : 'TCP 443 and 80'),
      ],
    ),
  );
}

function hyprspace(ctx: GenerateContext): Result<VpnPart, GenerateError> {
  return ok(
    ownPart(
      ctx,
      'hyprspace',
      { server: { machines: ctx.holders('server').map((machine) => ({ machine })), settings: { port: 8001 } } },
      [
        'All Hyprspace nodes are equal. Discovery, hole punching and relaying use libp2p with its public bootstrap and relay nodes (third parties); overlay addresses are derived from each node\'s peer ID.',
        ...natNotes(ctx, overlayEdges(ctx)),
      ],
    ),
  );
}

function overlayAddresses(ctx: GenerateContext): { network: string; addresses: Map<string, string> } {
  return {
    network: overlayNetwork(ctx.instance).network,
    addresses: allocateOverlayAddresses(
      ctx.instance,
      ctx.members.map((m) => m.machine.name),
    ),
  };
}

function nebula(ctx: GenerateContext): Result<VpnPart, GenerateError> {
  const { network, addresses } = overlayAddresses(ctx);
  const lighthouses = withPublicAddress(ctx, 'lighthouse', (m) => ({ address: addresses.get(m.name)!, port: 4242 }));
  if (!lighthouses.ok) return lighthouses;
  // Every peer advertises the lighthouses as its relays. Nebula uses a relay only when it cannot make a direct tunnel,
  // so where hole punching works this costs nothing, and where the NAT analysis guessed wrong (a home router drawn as
  // ordinary NAT that does not let hole punching through) the pair still reaches through the lighthouse.
  const edges = overlayEdges(ctx);
  const relayed = relayedSites(edges);
  const relayedPeers: Machine[] = [];
  const peers = ctx.holders('peer').map((machine) => {
    if (machine.siteId !== null && relayed.has(machine.siteId)) relayedPeers.push(machine);
    const settings: Settings = { address: addresses.get(machine.name)!, relayed: true };
    return { machine, settings };
  });
  return ok(
    ownPart(
      ctx,
      'nebula',
      { lighthouse: { machines: lighthouses.value, settings: { network } }, peer: { machines: peers, settings: { network } } },
      [
        `Overlay network ${network}; each machine's certificate is signed for its address (see inventory.json). ${plural(lighthouses.value.length, 'The lighthouse', 'The lighthouses')} ${notesList(lighthouses.value.map((l) => l.machine.name))} also ${plural(lighthouses.value.length, 'relays', 'relay')} for machines that hole punching cannot reach.`,
        `Every peer advertises the lighthouses as relays, which Nebula uses only where a direct tunnel cannot be made. ${
          relayedPeers.length > 0 ? `The NAT analysis expects that for ${notesList(names(relayedPeers))}.` : 'The NAT analysis expects direct tunnels everywhere.'
        }`,
        'Certificates are valid for ten years. Adding or removing a machine means redeploying every member.',
        ...natNotes(ctx, edges),
        ...portsNote(ctx, lighthouses.value.map((l) => l.machine)),
      ],
      addresses,
    ),
  );
}

function tinc(ctx: GenerateContext): Result<VpnPart, GenerateError> {
  const { network, addresses } = overlayAddresses(ctx);
  const bootstraps = withPublicAddress(ctx, 'bootstrap', (m) => ({ address: addresses.get(m.name)!, port: 655 }));
  if (!bootstraps.ok) return bootstraps;
  const renamed = ctx.members.map((m) => m.machine.name).filter((n) => n.includes('-'));
  return ok(
    ownPart(
      ctx,
      'tinc',
      {
        bootstrap: { machines: bootstraps.value, settings: { network } },
        peer: { machines: ctx.holders('peer').map((machine) => ({ machine, settings: { address: addresses.get(machine.name)! } })), settings: { network } },
      },
      [
        `Overlay network ${network}. Members connect to the bootstrap node${bootstraps.value.length === 1 ? '' : 's'} ${notesList(bootstraps.value.map((b) => b.machine.name))} and forward for each other where direct UDP fails (tinc 1.1).`,
        ...(renamed.length > 0 ? [`Inside tinc, '-' in machine names is written as '_' (tinc allows only letters, digits and '_'): ${notesList(renamed)}.`] : []),
        'Adding or removing a machine means redeploying every member (each holds the others\' host keys).',
        ...natNotes(ctx, overlayEdges(ctx)),
        ...portsNote(ctx, bootstraps.value.map((b) => b.machine)),
      ],
      addresses,
    ),
  );
}

function vpncloud(ctx: GenerateContext): Result<VpnPart, GenerateError> {
  const seeds = ctx.holders('seed');
  if (seeds.length === 0 && ctx.members.length > 0) return err({ code: 'vpnNeedsPublicNode', details: { vpn: 'vpncloud', role: 'seed' } });
  const { network, addresses } = overlayAddresses(ctx);
  const seedEntries = withPublicAddress(ctx, 'seed', (m) => ({ address: addresses.get(m.name)! }));
  if (!seedEntries.ok) return seedEntries;
  return ok(
    ownPart(
      ctx,
      'vpncloud',
      {
        seed: { machines: seedEntries.value, settings: { network, port: 17000 } },
        peer: { machines: ctx.holders('peer').map((machine) => ({ machine, settings: { address: addresses.get(machine.name)! } })), settings: { network, port: 17000 } },
      },
      [
        `Overlay network ${network}. Members join through the seed${seeds.length === 1 ? '' : 's'} ${notesList(names(seeds))}; only members' keys are trusted. VpnCloud does not relay for other peers, so machines that cannot reach each other directly stay cut off.`,
        ...natNotes(ctx, overlayEdges(ctx)),
        ...portsNote(ctx, seeds),
      ],
      addresses,
    ),
  );
}

const builders: Record<VpnId, (ctx: GenerateContext) => Result<VpnPart, GenerateError>> = {
  easytier,
  headscale,
  hyprspace,
  mycelium,
  nebula,
  tinc,
  vpncloud,
  wireguard,
  yggdrasil,
  zerotier,
};

/** The chosen VPN's instance, module and notes; null when no VPN is chosen. */
export function buildVpnPart(ctx: GenerateContext): Result<VpnPart | null, GenerateError> {
  if (ctx.vpn === null || ctx.spec === null) return ok(null);
  // Validation counts unmanaged devices as role holders; the flake only has managed machines.
  for (const role of ctx.spec.roles) {
    if (role.min === 0 || ctx.holders(role.id).length >= role.min) continue;
    const unmanaged = ctx.unmanagedMembers.filter((m) => (ctx.design.vpn.roles[m.id] ?? []).includes(role.id)).map((m) => m.name);
    if (unmanaged.length > 0) return err({ code: 'requiredRoleUnmanaged', details: { vpn: ctx.vpn, role: role.label.toLowerCase(), machineNames: unmanaged } });
  }
  return builders[ctx.vpn](ctx);
}
