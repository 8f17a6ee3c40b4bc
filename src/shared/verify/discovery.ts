import { createGenerateContext } from '../nix/context';
import { overlayNetwork } from '../nix/addresses';
import { buildVpnPart } from '../nix/vpnInstance';
import type { Design } from '../model/types';
import { err, ok, type Result } from '../result';
import { quote } from '../text';
import { instancePattern } from '../validation/syntax';
import { mapMachineName, vpnCatalog, vpnInterface } from '../vpn/catalog';
import { vpnDisplayNames, type VpnId } from '../vpn/ids';
import type { VerifyError } from './errors';
import { canonicalIp, isLocalOnlyIp, parseCidr } from './ip';
import { hasControlCharacter, replaceControlCharacters } from './text';

// Overlay discovery, the pure half (issue 15, "Verify and measure"): for each of the ten VPNs, the read-only
// commands that ask a machine for its overlay address, its daemon's state and its view of the other machines, as
// argument lists (never shell strings: every value travels as its own argument), and the parsers of their answers.
// Main runs the commands over SSH (privileged ones through deploy/commands.ts `privileged`) and hands the outputs
// back here. Parsers never throw: garbage, a missing tool or a daemon that is down all become a state with a
// sentence that says what was found and what to do.
//
// Names of units, interfaces and networks follow the generated configuration:
//   - our own modules: src/shared/nix/modules/<vpn>/default.nix (EasyTier, Headscale, Hyprspace, Nebula, Tinc,
//     VpnCloud), and the interface templates of the VPN catalog (src/shared/vpn/catalog.ts, interfaceName);
//   - clan-core's services (clan-lol/clan-core, clanServices/{yggdrasil,mycelium,zerotier,wireguard}/default.nix,
//     read at d7c35d9, 2026-08): Yggdrasil sets IfName "ygg"; WireGuard uses networking.wireguard.interfaces.<instance>,
//     so the interface is the instance name and NixOS runs it as wireguard-<instance>.service;
//   - nixpkgs' modules: mycelium.nix starts `mycelium --tun-name mycelium` as mycelium.service; nebula.nix runs
//     nebula@<net>.service on tun device nebula.<net>; tinc.nix runs tinc.<net>.service with
//     --pidfile /run/tinc.<net>.pid and installs only the wrapper `tinc.<net>` (tinc with that --pidfile) on the
//     PATH; easytier.nix runs easytier-<name>.service; the tailscale module runs tailscaled.service; the Hyprspace
//     flake's NixOS module (hyprspace/hyprspace, nixos/default.nix) runs hyprspace.service on interface "hyprspace".

/** Which question a query asks. */
export const discoveryQueryIds = ['unit', 'interface', 'self', 'networks', 'peers', 'handshakes', 'certificate'] as const;
export type DiscoveryQueryId = (typeof discoveryQueryIds)[number];

/**
 * One read-only command. `root`: it needs root (main wraps it with `privileged`). `phase`: 'before' the probe
 * (addresses and state, needed to know what to ping) or 'after' it (the paths, which VPNs such as Tailscale and
 * ZeroTier only set up once traffic flows, so asking after the pings shows the path the pings took).
 * `optional`: the state can be told without it (a missing tool is a note, not a failure).
 */
export interface DiscoveryQuery {
  id: DiscoveryQueryId;
  argv: string[];
  root: boolean;
  phase: 'before' | 'after';
  optional: boolean;
  /** What it asks, for the log. */
  purpose: string;
}

/** What a command printed; exitCode null when it did not run or was stopped (time limit, lost connection). */
export interface QueryOutput {
  stdout: string;
  stderr: string;
  exitCode: number | null;
}

/** The outputs of a machine's queries by id; a query that was not run is absent. */
export type DiscoveryOutputs = Partial<Record<DiscoveryQueryId, QueryOutput>>;

/**
 * running: the daemon runs and the machine has an overlay address;
 * notRunning: the VPN is set up but its daemon is stopped or failed;
 * notConfigured: the VPN is not set up on the machine at all (no unit, no tool, no interface);
 * noAddress: the daemon runs but the machine has no overlay address (not admitted, not logged in, ...);
 * unreadable: the answers could not be read.
 */
export type OverlayState = 'running' | 'notRunning' | 'notConfigured' | 'noAddress' | 'unreadable';

/** How traffic to a peer goes, as the VPN itself reports it. Direct includes hole-punched: no VPN tells them apart. */
export type ObservedPath = 'direct' | 'relayed' | 'unknown';

/** One machine's view of another member, from its VPN's peer list. */
export interface PeerView {
  /** The peer's identity as the VPN keys it (public key, node id, peer id, tinc node name), when it tells. */
  identity: string | null;
  /** The name the VPN shows for the peer (host name, node name), when it tells. */
  name: string | null;
  /** The peer's overlay addresses, canonical, when the VPN tells them. */
  addresses: string[];
  /** Networks routed to this peer (WireGuard allowed IPs): an address inside one goes through this peer. */
  networks: string[];
  path: ObservedPath;
  /** What relays the traffic (a DERP region, a relay node), when the VPN tells. */
  via: string | null;
  /** Whether the peer is connected now; null when the VPN does not say. */
  connected: boolean | null;
  /** The VPN's own words for the path ("direct 203.0.113.10:41641", "relay(2)"). */
  detail: string;
}

/** Where a machine's addresses come from. */
export type AddressSource = 'vpn' | 'interface' | 'configuration';

/** What discovery found on one machine. */
export interface OverlayDiscovery {
  machine: string;
  vpn: VpnId;
  state: OverlayState;
  /** Overlay addresses, canonical, link-local and loopback left out. */
  addresses: string[];
  source: AddressSource | null;
  /** The machine's own identity in the VPN, to find it in the others' peer lists. */
  identity: string | null;
  /** Its peer list; null when the VPN does not tell one or it could not be read. */
  peers: PeerView[] | null;
  /** One sentence: what was found and what to do. */
  message: string;
  /** Lesser findings: what could not be read and why (the path is then unknown). */
  notes: string[];
}

// ---------------------------------------------------------------- names from the generated configuration

/** The systemd unit that runs the VPN on a NixOS machine of this clan. */
export function vpnUnit(vpn: VpnId, instance: string): string {
  switch (vpn) {
    case 'easytier':
      return `easytier-${instance}.service`;
    case 'headscale':
      return 'tailscaled.service';
    case 'hyprspace':
      return 'hyprspace.service';
    case 'mycelium':
      return 'mycelium.service';
    case 'nebula':
      return `nebula@${instance}.service`;
    case 'tinc':
      return `tinc.${instance}.service`;
    case 'vpncloud':
      // Our NixOS module (nix/modules/vpncloud/nixos-module.nix): one service per network, vpncloud-<name>.
      return `vpncloud-${instance}.service`;
    case 'wireguard':
      return `wireguard-${instance}.service`;
    case 'yggdrasil':
      return 'yggdrasil.service';
    case 'zerotier':
      return 'zerotierone.service';
  }
}

// The overlay interface of each VPN is named where the catalog is (vpn/catalog.ts), since the generator opens the
// measurement port on it too.
export { vpnInterface } from '../vpn/catalog';

// ---------------------------------------------------------------- the queries

const systemdProperties = ['-p', 'LoadState', '-p', 'ActiveState', '-p', 'SubState'];

/** `ip -j addr show dev IF`: iproute2's JSON (ip -j, iproute2 4.13 or newer). */
function interfaceQuery(name: string): DiscoveryQuery {
  return { id: 'interface', argv: ['ip', '-j', 'addr', 'show', 'dev', name], root: false, phase: 'before', optional: false, purpose: `the addresses of interface ${name}` };
}

/** What `discoveryQueries` may be told besides the VPN and the instance. */
export interface DiscoveryOptions {
  /**
   * Nebula only: the path of the machine's certificate (its public var node.crt, uploaded with the flake), for
   * `nebula-cert print`. Without it, the address comes from the interface alone.
   */
  nebulaCertificatePath?: string;
}

/**
 * The read-only commands that tell one machine's overlay state, in the order to run them. Refused (as a value)
 * when the instance name is not one a valid design holds, or a path option is not a plain absolute path.
 */
export function discoveryQueries(vpn: VpnId, instance: string, options: DiscoveryOptions = {}): Result<DiscoveryQuery[], VerifyError> {
  if (!instancePattern.test(instance) || instance.length > 64) return err({ code: 'instanceNameInvalid', details: { instance } });
  const unit: DiscoveryQuery = {
    id: 'unit',
    argv: ['systemctl', 'show', ...systemdProperties, vpnUnit(vpn, instance)],
    root: false,
    phase: 'before',
    optional: false,
    purpose: `whether ${vpnUnit(vpn, instance)} exists and runs`,
  };
  const q = (id: DiscoveryQueryId, argv: string[], root: boolean, phase: 'before' | 'after', purpose: string, optional = false): DiscoveryQuery => ({ id, argv, root, phase, optional, purpose });
  const iface = vpnInterface(vpn, instance);
  switch (vpn) {
    case 'yggdrasil':
      // yggdrasilctl -json getself / getpeers: yggdrasil-go cmd/yggdrasilctl (flag "-json" before the command);
      // clan-core's own VM test runs exactly these (clanServices/yggdrasil/tests/vm/default.nix). The admin socket
      // is root's unless the module sets a group.
      return ok([
        unit,
        interfaceQuery(iface!),
        q('self', ['yggdrasilctl', '-json', 'getself'], true, 'before', "the node's Yggdrasil address and key"),
        q('peers', ['yggdrasilctl', '-json', 'getpeers'], true, 'after', 'the directly connected peers'),
      ]);
    case 'mycelium':
      // `mycelium peers list --json` asks the daemon's HTTP API on 127.0.0.1:8989 (threefoldtech/mycelium,
      // myceliumd-common/src/lib.rs, DEFAULT_HTTP_API_SERVER_ADDRESS; nixpkgs sets no --api-addr). `mycelium
      // inspect --json` needs the key file, which only the service can read, so the address comes from the interface.
      return ok([unit, interfaceQuery(iface!), q('peers', ['mycelium', 'peers', 'list', '--json'], false, 'after', 'the connected peers')]);
    case 'zerotier':
      // zerotier-cli -j (JSON) info / listnetworks / listpeers: ZeroTierOne one.cpp; it reads authtoken.secret,
      // which only root may ("authtoken.secret not found or readable ... (try again as root)").
      return ok([
        unit,
        q('self', ['zerotier-cli', '-j', 'info'], true, 'before', 'the node id and whether it is online'),
        q('networks', ['zerotier-cli', '-j', 'listnetworks'], true, 'before', 'the joined networks and their addresses'),
        q('peers', ['zerotier-cli', '-j', 'listpeers'], true, 'after', 'the peers and their paths'),
      ]);
    case 'wireguard':
      // Not `wg show IF dump`: its first line is the interface's private key, which must not travel to this
      // computer or into a log. public-key, allowed-ips and latest-handshakes tell the same without it
      // (wireguard-tools src/show.c, ugly_print). wg needs root (netlink, CAP_NET_ADMIN).
      return ok([
        unit,
        interfaceQuery(iface!),
        q('self', ['wg', 'show', iface!, 'public-key'], true, 'before', "the interface's public key"),
        q('peers', ['wg', 'show', iface!, 'allowed-ips'], true, 'after', 'the peers and the networks routed to each'),
        q('handshakes', ['wg', 'show', iface!, 'latest-handshakes'], true, 'after', 'when each peer last completed a handshake'),
      ]);
    case 'headscale':
      // tailscale ip / status --json: tailscale/tailscale cmd/tailscale/cli/{ip,status}.go; status JSON is
      // ipn/ipnstate.Status. Both work without root.
      return ok([
        unit,
        q('self', ['tailscale', 'ip'], false, 'before', "the node's Tailscale addresses"),
        q('peers', ['tailscale', 'status', '--json'], false, 'after', 'the backend state and each peer\'s path'),
      ]);
    case 'easytier':
      // easytier-cli -o json node / peer: EasyTier easytier/src/easytier-cli.rs (global -o/--output before the
      // subcommand; rpc portal 127.0.0.1:15888 by default, the first port easytier-core picks in
      // rpc_service/api.rs). `-o json` exists since EasyTier 2.3.
      return ok([
        unit,
        q('self', ['easytier-cli', '-o', 'json', 'node'], false, 'before', "the node's virtual IPv4 and host name"),
        q('peers', ['easytier-cli', '-o', 'json', 'peer'], false, 'after', 'the peers and whether each is p2p or relayed'),
      ]);
    case 'hyprspace':
      // `hyprspace status` (hyprspace cli/status.go) prints the PeerID and one line per connected node,
      // "@name (latency) multiaddr/p2p/ID"; a relayed connection's multiaddr holds /p2p-circuit (rpc/server.go).
      // Its RPC socket /run/hyprspace-rpc.hyprspace.sock belongs to the service.
      return ok([unit, interfaceQuery(iface!), q('peers', ['hyprspace', 'status'], true, 'after', 'the connected nodes and whether each is relayed')]);
    case 'nebula': {
      const queries = [unit, interfaceQuery(iface!)];
      const path = options.nebulaCertificatePath;
      if (path !== undefined) {
        const refused = refusePath(path);
        if (refused !== null) return err({ code: 'valueRefused', details: { what: 'certificatePath', value: path, reason: refused } });
        // nebula-cert print -json -path FILE (slackhq/nebula cmd/nebula-cert/print.go). Nebula's module does not
        // put nebula-cert on the PATH, so a missing tool is only a note.
        queries.push(q('certificate', ['nebula-cert', 'print', '-json', '-path', path], false, 'before', "the certificate's overlay address and groups", true));
      }
      return ok(queries);
    }
    case 'tinc':
      // tinc 1.1 (our module uses nixpkgs' tinc_pre): `tinc -n NET dump nodes` (gsliepen/tinc src/tincctl.c).
      // On NixOS only the wrapper tinc.<net> is on the PATH and it adds the --pidfile; -n still names the network.
      // tinc 1.0 (Debian 12 ships 1.0.36) has no control program at all, only tincd, so the path is then unknown.
      return ok([unit, interfaceQuery(iface!), q('peers', [`tinc.${instance}`, '-n', instance, 'dump', 'nodes'], true, 'after', 'the nodes, and how each is reached')]);
    case 'vpncloud':
      // VpnCloud has no query command, and our module writes no stats file. Our module names its device vpncloud0
      // (nix/nixFiles.ts VPNCLOUD_DEVICE), but one deployed by hand may be vpncloud1 or another name, so the address
      // is found by the instance's overlay network (`ip addr show to PREFIX`).
      return ok([unit, { ...interfaceQuery('vpncloud'), argv: ['ip', '-j', 'addr', 'show', 'to', overlayNetwork(instance).network], purpose: 'the address inside the overlay network' }]);
  }
}

function refusePath(path: string): 'empty' | 'option' | 'controlCharacter' | 'notAbsolute' | null {
  if (path === '') return 'empty';
  if (path.startsWith('-')) return 'option';
  if (hasControlCharacter(path)) return 'controlCharacter';
  if (!path.startsWith('/')) return 'notAbsolute';
  return null;
}

// ---------------------------------------------------------------- reading outputs

/** The output as one text, control characters other than newline and tab removed. */
function textOf(out: QueryOutput): string {
  return replaceControlCharacters(`${out.stdout}\n${out.stderr}`, () => '', '\n\t').trim();
}

/**
 * The first line of an output that matches (else its first line), without a Go log timestamp
 * ("2026/08/20 10:01:02 "), cut to fit a sentence; 'no output' when there is none.
 */
function lineMatching(out: QueryOutput, pattern: RegExp): string {
  const lines = textOf(out)
    .split('\n')
    .map((l) => l.replace(/^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d /, '').trim())
    .filter((l) => l !== '');
  const line = lines.find((l) => pattern.test(l)) ?? lines[0];
  if (line === undefined) return 'no output';
  return line.length > 160 ? `${line.slice(0, 160)}…` : line;
}

/** The first meaningful line of an output, cut to fit a sentence. */
function firstLine(out: QueryOutput): string {
  return lineMatching(out, /\S/);
}

/** Whether the program was not found (127 from the shell, or its message). */
function toolMissing(out: QueryOutput): boolean {
  return out.exitCode === 127 || /(?:command not found|: not found)\s*$/.test(out.stderr.split('\n').find((l) => l.trim() !== '') ?? '');
}

/** Whether sudo refused to run the command without a password. */
function sudoRefused(out: QueryOutput): boolean {
  return /sudo: (?:a (?:terminal|password) is required|.*may not run|.*is not in the sudoers)/.test(textOf(out));
}

/** Parses JSON that may be preceded or followed by other lines; undefined when there is none. */
function parseJson(text: string): unknown {
  const trimmed = text.trim();
  try {
    return JSON.parse(trimmed);
  } catch {
    // Fall through: look for the JSON inside.
  }
  const start = trimmed.search(/[[{]/);
  if (start < 0) return undefined;
  const end = Math.max(trimmed.lastIndexOf('}'), trimmed.lastIndexOf(']'));
  if (end <= start) return undefined;
  try {
    return JSON.parse(trimmed.slice(start, end + 1));
  } catch {
    return undefined;
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** Canonical overlay addresses from texts such as "10.1.2.3/16"; link-local, loopback and garbage left out. */
function overlayAddresses(texts: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const t of texts) {
    if (typeof t !== 'string') continue;
    const cidr = parseCidr(t.trim());
    if (cidr === null || isLocalOnlyIp(cidr.address) || out.includes(cidr.address)) continue;
    out.push(cidr.address);
  }
  return out;
}

/** A unit's state from `systemctl show -p LoadState -p ActiveState -p SubState`. */
export interface UnitState {
  load: string;
  active: string;
  sub: string;
}

/** Reads `systemctl show` key=value lines; null when they are not there. */
export function parseUnitState(out: QueryOutput | undefined): UnitState | null {
  if (out === undefined || out.exitCode === null) return null;
  const values = new Map<string, string>();
  for (const line of out.stdout.split('\n')) {
    const m = /^(LoadState|ActiveState|SubState)=([a-z-]*)\s*$/.exec(line);
    if (m !== null && !values.has(m[1]!)) values.set(m[1]!, m[2]!);
  }
  const load = values.get('LoadState');
  const active = values.get('ActiveState');
  if (load === undefined || active === undefined) return null;
  return { load, active, sub: values.get('SubState') ?? '' };
}

/** What `ip -j addr show` told: the interface's addresses, that it does not exist, or nothing readable. */
export type InterfaceReading = { kind: 'found'; name: string; up: boolean; addresses: string[] } | { kind: 'missing' } | { kind: 'unreadable'; line: string };

/** Reads iproute2's JSON address listing (an array of links with addr_info). */
export function parseInterface(out: QueryOutput | undefined): InterfaceReading | null {
  if (out === undefined || out.exitCode === null) return null;
  // iproute2: 'Device "nebula.mesh" does not exist.' on stderr, exit 1.
  if (/Device "[^"]*" does not exist|Cannot find device/.test(out.stderr)) return { kind: 'missing' };
  if (toolMissing(out)) return { kind: 'unreadable', line: 'the ip command (iproute2) is not installed' };
  const json = parseJson(out.stdout);
  if (!Array.isArray(json)) return { kind: 'unreadable', line: firstLine(out) };
  // `ip addr show to PREFIX` lists only links with a matching address; none means no address in the network.
  const links = json.filter(isObject);
  if (links.length === 0) return { kind: 'missing' };
  const link = links[0]!;
  const infos = Array.isArray(link.addr_info) ? link.addr_info.filter(isObject) : [];
  const addresses = overlayAddresses(infos.filter((a) => a.scope !== 'link' && a.scope !== 'host').map((a) => a.local));
  const flags = Array.isArray(link.flags) ? link.flags : [];
  return { kind: 'found', name: str(link.ifname) ?? '', up: flags.includes('UP') || link.operstate === 'UP', addresses };
}

/** What one VPN's own commands told, before the general rules pick the state. */
interface VpnFindings {
  /** Addresses the VPN reports; null when it did not tell. */
  addresses: string[] | null;
  identity: string | null;
  peers: PeerView[] | null;
  /** The VPN's tool says its daemon is not there: the words, for the message. */
  daemonDown: string | null;
  /** The VPN's tool is not installed. */
  toolMissing: boolean;
  /** Why there is no address and what to do, when the VPN says. */
  noAddressHint: string | null;
  /** Something answered that could be read. */
  readable: boolean;
  /** The first problem reading the main query, for an unreadable state. */
  problem: string | null;
  notes: string[];
}

const emptyFindings = (): VpnFindings => ({ addresses: null, identity: null, peers: null, daemonDown: null, toolMissing: false, noAddressHint: null, readable: false, problem: null, notes: [] });

/** Context a parser needs: the machine and instance, and where known the ZeroTier network id. */
export interface DiscoveryContext {
  vpn: VpnId;
  instance: string;
  /** The machine's name in the design. */
  machine: string;
  /** ZeroTier: the network id of the instance (public var network-id), to pick the network among several. */
  zerotierNetworkId?: string | null;
}

const daemonDownPattern = /connect(?:ion)? refused|connect: no such file or directory|failed to connect|doesn't appear to be running|Error connecting to the ZeroTier service|Could not (?:open pid file|connect to|find tincd)|os error 111|Failed to connect to RPC server/i;

/**
 * Common handling of one query's output: not run, tool missing, sudo refused, daemon down. Returns false when the
 * output is unusable (and records why); true when it is worth parsing.
 */
function usable(out: QueryOutput | undefined, f: VpnFindings, tool: string, main: boolean): out is QueryOutput {
  if (out === undefined) return false;
  if (out.exitCode === null) {
    if (main) f.problem ??= `${tool} did not finish`;
    return false;
  }
  if (toolMissing(out)) {
    if (main) f.toolMissing = true;
    else f.notes.push(`${tool} is not installed, so what it tells is unknown.`);
    return false;
  }
  if (sudoRefused(out)) {
    const why = `${tool} needs root, and sudo asked for a password`;
    if (main) f.problem ??= why;
    f.notes.push(`${why}: log in as root or allow passwordless sudo ("Check machines" says how).`);
    return false;
  }
  if (daemonDownPattern.test(textOf(out))) {
    f.daemonDown ??= lineMatching(out, daemonDownPattern);
    return false;
  }
  return true;
}

// ---------------------------------------------------------------- one parser per VPN

function yggdrasil(outputs: DiscoveryOutputs): VpnFindings {
  const f = emptyFindings();
  const self = outputs.self;
  if (usable(self, f, 'yggdrasilctl', true)) {
    if (/permission denied/i.test(textOf(self))) {
      f.problem = 'yggdrasilctl may not open the admin socket (root only)';
    } else {
      // yggdrasil-go src/admin/getself.go: {"build_name","build_version","key","address","routing_entries","subnet"}.
      const json = parseJson(self.stdout);
      if (isObject(json) && typeof json.address === 'string') {
        f.readable = true;
        f.addresses = overlayAddresses([json.address]);
        f.identity = str(json.key);
      } else f.problem = firstLine(self);
    }
  }
  const peers = outputs.peers;
  if (usable(peers, f, 'yggdrasilctl', false)) {
    // src/admin/getpeers.go: {"peers":[{"remote","up","inbound","address","key","port","priority","cost",...}]}.
    const json = parseJson(peers.stdout);
    const list = isObject(json) && Array.isArray(json.peers) ? json.peers.filter(isObject) : null;
    if (list === null) f.notes.push(`The Yggdrasil peer list could not be read (${firstLine(peers)}), so the path is unknown.`);
    else {
      f.peers = list.map((p) => {
        const remote = str(p.remote) ?? '';
        const up = p.up !== false;
        // A peer found by multicast is dialled at its link-local address ("tls://[fe80::…%eth0]:…").
        const local = /\[fe80:|%/i.test(remote);
        return {
          identity: str(p.key),
          name: null,
          addresses: overlayAddresses([p.address]),
          networks: [],
          path: up ? ('direct' as const) : ('unknown' as const),
          via: null,
          connected: up,
          detail: up ? `${local ? 'peered on the local network' : 'peered directly'}${remote === '' ? '' : ` (${remote})`}` : `peering is down${str(p.last_error) === null ? '' : `: ${str(p.last_error)}`}`,
        };
      });
    }
  }
  return f;
}

function mycelium(outputs: DiscoveryOutputs): VpnFindings {
  const f = emptyFindings();
  const peers = outputs.peers;
  if (usable(peers, f, 'mycelium', false)) {
    // mycelium/src/peer_manager.rs PeerStats, camelCase: {"endpoint","type","connectionState","txBytes",...}.
    const json = parseJson(peers.stdout);
    if (Array.isArray(json)) {
      f.readable = true;
      const alive = json.filter((p) => isObject(p) && p.connectionState === 'alive').length;
      f.notes.push(`Mycelium on this machine has ${alive} of ${json.length} underlay peers connected; it does not tell which way it routes to each node, so the path is unknown.`);
    } else f.notes.push(`The Mycelium peer list could not be read (${firstLine(peers)}).`);
  }
  return f;
}

/** The network of the instance among those listnetworks shows: by id, else the only one, else by name. */
function pickNetwork(networks: Json[], ctx: DiscoveryContext): Json | undefined {
  const id = ctx.zerotierNetworkId?.trim().toLowerCase();
  if (id !== undefined && id !== '') return networks.find((n) => str(n.nwid)?.toLowerCase() === id || str(n.id)?.toLowerCase() === id);
  if (networks.length === 1) return networks[0];
  return networks.find((n) => n.name === ctx.instance);
}

const zerotierStatusHints: Record<string, string> = {
  REQUESTING_CONFIGURATION: 'it is still waiting for the ZeroTier controller to admit it. Make sure the controller is online and was deployed after this machine was added (the controller admits only the machines it knew when it was built)',
  ACCESS_DENIED: 'the ZeroTier controller refused it. Regenerate the vars, deploy the controller, then deploy this machine',
  NOT_FOUND: 'the controller does not know this network. Deploy the controller first, then this machine',
  PORT_ERROR: 'ZeroTier could not create its network interface. Check that /dev/net/tun exists (Check machines tests it)',
  CLIENT_TOO_OLD: 'its ZeroTier is too old for the network. Update the machine (deploy again)',
  AUTHENTICATION_REQUIRED: 'the network wants a log-in this clan does not use. Check the controller',
};

function zerotier(outputs: DiscoveryOutputs, ctx: DiscoveryContext): VpnFindings {
  const f = emptyFindings();
  const self = outputs.self;
  if (usable(self, f, 'zerotier-cli', false)) {
    // service/OneService.cpp, the status object: {"address","publicIdentity","online","tcpFallbackActive",...}.
    const json = parseJson(self.stdout);
    if (isObject(json) && typeof json.address === 'string' && /^[0-9a-f]{10}$/.test(json.address)) {
      f.identity = json.address;
      f.readable = true;
      if (json.online === false) f.notes.push('ZeroTier says it is offline: it reaches neither the root servers nor a moon, so machines behind NAT may not find it.');
    } else if (/authtoken\.secret/.test(textOf(self))) f.notes.push('zerotier-cli needs root to read authtoken.secret.');
  }
  const networks = outputs.networks;
  if (usable(networks, f, 'zerotier-cli', true)) {
    // _networkToJson: {"id","nwid","name","status","type","portDeviceName","assignedAddresses":["fd…/88"],...}.
    const json = parseJson(networks.stdout);
    if (!Array.isArray(json)) f.problem = /authtoken\.secret/.test(textOf(networks)) ? 'zerotier-cli needs root to read authtoken.secret' : firstLine(networks);
    else {
      f.readable = true;
      const network = pickNetwork(json.filter(isObject), ctx);
      if (network === undefined) {
        f.addresses = [];
        f.noAddressHint = 'it has not joined the network of this clan. Deploy it again; if that does not help, check that it has a ZeroTier role in the design';
      } else {
        f.addresses = overlayAddresses(Array.isArray(network.assignedAddresses) ? network.assignedAddresses : []);
        const status = str(network.status) ?? '';
        if (f.addresses.length === 0) f.noAddressHint = zerotierStatusHints[status] ?? `ZeroTier reports the network as ${status === '' ? 'having no status' : status}`;
      }
    }
  }
  const peers = outputs.peers;
  if (usable(peers, f, 'zerotier-cli', false)) {
    // _peerToJson: {"address","role","latency","tunneled","paths":[{"address","active","expired","preferred"}]}.
    const json = parseJson(peers.stdout);
    if (!Array.isArray(json)) f.notes.push(`The ZeroTier peer list could not be read (${firstLine(peers)}), so the path is unknown.`);
    else {
      f.peers = json.filter(isObject).map((p) => {
        const paths = Array.isArray(p.paths) ? p.paths.filter(isObject) : [];
        const live = paths.filter((x) => x.expired !== true && x.active !== false);
        const preferred = live.find((x) => x.preferred === true) ?? live[0];
        const tunneled = p.tunneled === true;
        const role = str(p.role) ?? '';
        let path: ObservedPath;
        let via: string | null = null;
        let detail: string;
        if (tunneled) {
          path = 'relayed';
          via = "ZeroTier's TCP fallback relay";
          detail = 'tunneled over the TCP fallback relay';
        } else if (preferred !== undefined) {
          path = 'direct';
          detail = `direct ${str(preferred.address) ?? ''}`.trim();
        } else {
          path = 'relayed';
          via = 'ZeroTier root servers';
          detail = 'no direct path: relayed through the roots';
        }
        return { identity: str(p.address), name: role === 'LEAF' ? null : role, addresses: [], networks: [], path, via, connected: preferred !== undefined || tunneled ? true : null, detail };
      });
    }
  }
  return f;
}

function wireguard(outputs: DiscoveryOutputs): VpnFindings {
  const f = emptyFindings();
  const self = outputs.self;
  const interfaceMissing = (out: QueryOutput) => /No such device|Unable to access interface: No such/.test(textOf(out));
  if (usable(self, f, 'wg', false)) {
    const key = self.stdout.trim();
    if (/^[A-Za-z0-9+/]{43}=$/.test(key)) {
      f.identity = key;
      f.readable = true;
    } else if (/Operation not permitted/.test(textOf(self))) f.notes.push('wg needs root.');
  }
  const allowed = outputs.peers;
  if (usable(allowed, f, 'wg', false) && !interfaceMissing(allowed)) {
    // "PUBLICKEY\tIP/CIDR IP/CIDR" per peer, or "(none)".
    const handshakes = new Map<string, number>();
    const hs = outputs.handshakes;
    if (hs !== undefined && hs.exitCode === 0) {
      for (const line of hs.stdout.split('\n')) {
        const m = /^([A-Za-z0-9+/]{43}=)\t(\d+)\s*$/.exec(line);
        if (m !== null) handshakes.set(m[1]!, Number(m[2]));
      }
    }
    const peers: PeerView[] = [];
    for (const line of allowed.stdout.split('\n')) {
      const m = /^([A-Za-z0-9+/]{43}=)\t(.*)$/.exec(line.trimEnd());
      if (m === null) continue;
      const networks = m[2]!
        .split(/[\s,]+/)
        .map((c) => parseCidr(c))
        .filter((c) => c !== null)
        .map((c) => `${c.address}/${c.prefix}`);
      const when = handshakes.get(m[1]!);
      // A peer's own address is a host route (/32, /128); a hub's is the network behind it.
      const hosts = networks.filter((n) => n.endsWith('/32') || n.endsWith('/128')).map((n) => n.slice(0, n.lastIndexOf('/')));
      peers.push({
        identity: m[1]!,
        name: null,
        addresses: hosts,
        networks,
        path: 'direct',
        via: null,
        connected: when === undefined ? null : when > 0,
        detail: when === undefined ? 'a WireGuard peer' : when > 0 ? 'a WireGuard peer with a completed handshake' : 'a WireGuard peer that never completed a handshake',
      });
    }
    if (peers.length > 0 || allowed.stdout.trim() === '') f.peers = peers;
    else f.notes.push(`The WireGuard peer list could not be read (${firstLine(allowed)}), so the path is unknown.`);
  }
  return f;
}

const tailscaleStateHints: Record<string, string> = {
  NeedsLogin:
    'it is not logged in to the Headscale server. Deploy it again so the app delivers a new log-in key, and check that the Headscale server is running',
  NeedsMachineAuth: 'the Headscale server has not approved it yet. Approve the node on the server (headscale nodes list) or deploy again',
  Stopped: 'Tailscale is stopped ("tailscale down" was run). Start it with "tailscale up" or deploy again',
  Starting: 'Tailscale is still starting. Wait a minute and verify again',
  NoState: 'Tailscale has not started yet. Wait a minute and verify again',
};

function tailscale(outputs: DiscoveryOutputs): VpnFindings {
  const f = emptyFindings();
  const self = outputs.self;
  if (usable(self, f, 'tailscale', true)) {
    // `tailscale ip`: one address per line (cmd/tailscale/cli/ip.go).
    const addresses = overlayAddresses(self.stdout.split('\n'));
    if (addresses.length > 0 || self.exitCode === 0) {
      f.readable = true;
      f.addresses = addresses;
    } else f.problem = firstLine(self);
  }
  const status = outputs.peers;
  if (usable(status, f, 'tailscale', false)) {
    // ipn/ipnstate.Status: {"BackendState","TailscaleIPs","Self":{PeerStatus},"Peer":{"nodekey:…":{PeerStatus}}};
    // PeerStatus has PublicKey, HostName, TailscaleIPs, CurAddr, Relay, PeerRelay, Online, Active.
    const json = parseJson(status.stdout);
    if (!isObject(json)) f.notes.push(`Tailscale's status could not be read (${firstLine(status)}), so the path is unknown.`);
    else {
      f.readable = true;
      const state = str(json.BackendState) ?? '';
      if (state !== 'Running' && tailscaleStateHints[state] !== undefined) f.noAddressHint = tailscaleStateHints[state]!;
      if (isObject(json.Self)) {
        f.identity = str(json.Self.PublicKey);
        if (f.addresses === null || f.addresses.length === 0) f.addresses = overlayAddresses(Array.isArray(json.Self.TailscaleIPs) ? json.Self.TailscaleIPs : []);
      }
      if (state !== 'Running' && f.addresses !== null && f.addresses.length > 0 && f.noAddressHint !== null) f.addresses = [];
      const peers = isObject(json.Peer) ? Object.values(json.Peer).filter(isObject) : [];
      f.peers = peers.map((p) => {
        const cur = str(p.CurAddr) ?? '';
        const relay = str(p.Relay) ?? '';
        const peerRelay = str(p.PeerRelay) ?? '';
        const active = p.Active === true;
        // The same order as `tailscale status` (cmd/tailscale/cli/status.go): direct, peer relay, DERP.
        let path: ObservedPath = 'unknown';
        let via: string | null = null;
        let detail = 'idle: no traffic lately, so Tailscale shows no path';
        if (cur !== '') {
          path = 'direct';
          detail = `direct ${cur}`;
        } else if (peerRelay !== '') {
          path = 'relayed';
          via = `peer relay ${peerRelay}`;
          detail = `peer-relay ${peerRelay}`;
        } else if (relay !== '' && active) {
          path = 'relayed';
          via = `Tailscale's DERP relay "${relay}"`;
          detail = `relay "${relay}"`;
        }
        return {
          identity: str(p.PublicKey),
          name: str(p.HostName),
          addresses: overlayAddresses(Array.isArray(p.TailscaleIPs) ? p.TailscaleIPs : []),
          networks: [],
          path,
          via,
          connected: typeof p.Online === 'boolean' ? p.Online : null,
          detail,
        };
      });
    }
  }
  return f;
}

/** EasyTier's JSON for one instance: the value itself, or the entry of this instance when several are wrapped. */
function easytierValue(json: unknown, instance: string): unknown {
  if (Array.isArray(json) && json.length > 0 && json.every((e) => isObject(e) && 'result' in e)) {
    const entry = (json as Json[]).find((e) => e.instance_name === instance) ?? (json as Json[])[0];
    return entry?.result;
  }
  return json;
}

function easytier(outputs: DiscoveryOutputs, ctx: DiscoveryContext): VpnFindings {
  const f = emptyFindings();
  const self = outputs.self;
  if (usable(self, f, 'easytier-cli', true)) {
    // proto NodeInfo: {"peer_id","ipv4_addr":"10.126.126.1/24","hostname",...}.
    const json = easytierValue(parseJson(self.stdout), ctx.instance);
    if (isObject(json) && 'ipv4_addr' in json) {
      f.readable = true;
      f.identity = str(json.hostname);
      f.addresses = overlayAddresses([json.ipv4_addr]);
      if (f.addresses.length === 0) {
        f.noAddressHint = 'EasyTier hands out an address once the machine reaches a bootstrap node. Check that it reaches the bootstrap node on TCP/UDP 11010, and that the bootstrap node runs';
      }
    } else f.problem = /unexpected argument '-o'|unrecognized/.test(textOf(self)) ? 'this easytier-cli has no JSON output (EasyTier 2.3 or newer has)' : firstLine(self);
  }
  const peers = outputs.peers;
  if (usable(peers, f, 'easytier-cli', false)) {
    // PeerTableItem: {"cidr","ipv4","hostname","cost":"Local"|"p2p"|"relay(N)","lat_ms","loss_rate",...,"id"}.
    const json = easytierValue(parseJson(peers.stdout), ctx.instance);
    if (!Array.isArray(json)) f.notes.push(`The EasyTier peer list could not be read (${firstLine(peers)}), so the path is unknown.`);
    else {
      f.peers = json
        .filter(isObject)
        .filter((p) => p.cost !== 'Local')
        .map((p) => {
          const cost = str(p.cost) ?? '';
          const relay = /^relay\((\d+)\)$/.exec(cost);
          return {
            identity: str(p.hostname),
            name: str(p.hostname),
            addresses: overlayAddresses([p.ipv4, p.cidr]),
            networks: [],
            path: cost === 'p2p' ? ('direct' as const) : relay !== null ? ('relayed' as const) : ('unknown' as const),
            via: relay !== null ? `other EasyTier members (route cost ${relay[1]})` : null,
            connected: true,
            detail: cost === '' ? 'no route' : cost,
          };
        });
    }
  }
  return f;
}

function hyprspace(outputs: DiscoveryOutputs): VpnFindings {
  const f = emptyFindings();
  const status = outputs.peers;
  if (usable(status, f, 'hyprspace', false)) {
    const id = /^PeerID:\s*(\S+)/m.exec(status.stdout)?.[1];
    if (id === undefined) f.notes.push(`Hyprspace's status could not be read (${firstLine(status)}), so the path is unknown.`);
    else {
      f.identity = id;
      f.readable = true;
      // "    @name (latency) /ip4/…/p2p/ID" per connection to a configured node (rpc/server.go Status).
      f.peers = [];
      for (const line of status.stdout.split('\n')) {
        const m = /^\s+@(\S+) \(([^)]*)\) (\/\S+)$/.exec(line);
        if (m === null) continue;
        const address = m[3]!;
        const peerId = /\/p2p\/([^/]+)$/.exec(address)?.[1] ?? null;
        const relayed = address.includes('/p2p-circuit');
        const relayId = relayed ? (/\/p2p\/([^/]+)\/p2p-circuit/.exec(address)?.[1] ?? null) : null;
        f.peers.push({
          identity: peerId,
          name: m[1]!,
          addresses: [],
          networks: [],
          path: relayed ? 'relayed' : 'direct',
          via: relayed ? `a libp2p circuit relay${relayId === null ? '' : ` (${relayId})`}` : null,
          connected: true,
          detail: `${relayed ? 'relayed' : 'direct'} ${address.replace(/\/p2p\/[^/]+$/, '')}, latency ${m[2]}`,
        });
      }
    }
  }
  return f;
}

function nebula(outputs: DiscoveryOutputs): VpnFindings {
  const f = emptyFindings();
  f.notes.push('Nebula does not show from the command line whether it uses a relay, so the path is unknown.');
  const cert = outputs.certificate;
  if (usable(cert, f, 'nebula-cert', false)) {
    // Nebula 1.10+: a JSON array of certificates with details.networks; up to 1.9: one object with details.ips.
    const json = parseJson(cert.stdout);
    const first = Array.isArray(json) ? json[0] : json;
    const details = isObject(first) && isObject(first.details) ? first.details : null;
    if (details === null) f.notes.push(`The Nebula certificate could not be read (${firstLine(cert)}).`);
    else {
      const nets = Array.isArray(details.networks) ? details.networks : Array.isArray(details.ips) ? details.ips : [];
      f.addresses = overlayAddresses(nets);
      f.readable = true;
      const groups = Array.isArray(details.groups) ? details.groups.filter((g) => typeof g === 'string') : [];
      if (groups.length > 0) f.notes.push(`Its Nebula certificate has the groups ${groups.join(', ')}.`);
      const notAfter = str(details.notAfter);
      if (notAfter !== null) f.notes.push(`Its Nebula certificate is valid until ${notAfter}.`);
    }
  }
  return f;
}

// tinc's node_status_t bits (gsliepen/tinc src/node.h): validkey 0x02, reachable 0x10, udp_confirmed 0x80.
const tincValidKey = 0x02;
const tincReachable = 0x10;

function tinc(outputs: DiscoveryOutputs, ctx: DiscoveryContext): VpnFindings {
  const f = emptyFindings();
  f.identity = mapMachineName(vpnCatalog.tinc, ctx.machine);
  const nodes = outputs.peers;
  if (nodes !== undefined && toolMissing(nodes)) {
    f.notes.push('tinc has no control program here (tinc 1.0 has only tincd; tinc 1.1, which this configuration uses, has "tinc"), so the path is unknown.');
    return f;
  }
  if (usable(nodes, f, 'tinc', false)) {
    // tincctl.c, dump nodes: "NAME id ID at HOST port PORT cipher C digest D maclength M compression Z options O
    // status S nexthop N via V distance D pmtu P (min A max B) rx … tx …"; HOST is MYSELF for the node itself.
    const re = /^(\S+) id \S+ at (\S+) port \S+ cipher -?\d+ digest -?\d+ maclength -?\d+ compression -?\d+ options [0-9a-f]+ status ([0-9a-f]+) nexthop (\S+) via (\S+) distance -?\d+ pmtu \d+ \(min (\d+) max \d+\)/;
    const peers: PeerView[] = [];
    for (const line of nodes.stdout.split('\n')) {
      const m = re.exec(line.trim());
      if (m === null || m[2] === 'MYSELF') continue;
      const [, name, , statusHex, nexthop, via, minMtu] = m as unknown as [string, string, string, string, string, string, string];
      const status = parseInt(statusHex, 16);
      const reachable = (status & tincReachable) !== 0;
      // The same reading as `tinc info NODE` (src/info.c, "Reachability").
      let path: ObservedPath = 'unknown';
      let relay: string | null = null;
      let detail: string;
      if (!reachable) detail = 'unreachable';
      else if (via !== name) {
        path = 'relayed';
        relay = via;
        detail = `indirectly via ${via}`;
      } else if ((status & tincValidKey) === 0) detail = 'no key exchanged yet';
      else if (Number(minMtu) > 0) {
        path = 'direct';
        detail = 'directly with UDP';
      } else if (nexthop === name) {
        path = 'direct';
        detail = 'directly with TCP';
      } else {
        path = 'relayed';
        relay = nexthop;
        detail = `forwarded via ${nexthop}`;
      }
      peers.push({ identity: name, name, addresses: [], networks: [], path, via: relay, connected: reachable, detail });
    }
    if (peers.length === 0 && nodes.stdout.trim() !== '' && !/ MYSELF /.test(nodes.stdout)) f.notes.push(`tinc's node list could not be read (${firstLine(nodes)}), so the path is unknown.`);
    else f.peers = peers;
  }
  return f;
}

function vpncloud(): VpnFindings {
  const f = emptyFindings();
  f.notes.push('VpnCloud has no command that shows its peers, so the path is unknown.');
  return f;
}

const parsers: Record<VpnId, (outputs: DiscoveryOutputs, ctx: DiscoveryContext) => VpnFindings> = {
  easytier,
  headscale: tailscale,
  hyprspace,
  mycelium,
  nebula,
  tinc,
  vpncloud,
  wireguard,
  yggdrasil,
  zerotier,
};

/** The program a VPN's state is asked with, for messages. */
const mainTool: Record<VpnId, string | null> = {
  easytier: 'easytier-cli',
  headscale: 'tailscale',
  hyprspace: null,
  mycelium: null,
  nebula: null,
  tinc: null,
  vpncloud: null,
  wireguard: null,
  yggdrasil: 'yggdrasilctl',
  zerotier: 'zerotier-cli',
};

function addressList(addresses: readonly string[]): string {
  return addresses.length === 1 ? `overlay address ${addresses[0]}` : `overlay addresses ${addresses.slice(0, -1).join(', ')} and ${addresses[addresses.length - 1]}`;
}

/**
 * Reads what a machine's queries printed into its overlay state. Never throws: every combination of missing,
 * garbled and failing answers gives one of the states with a sentence that says what was found and what to do.
 */
export function parseDiscovery(ctx: DiscoveryContext, outputs: DiscoveryOutputs): OverlayDiscovery {
  const name = quote(ctx.machine);
  const vpnName = vpnDisplayNames[ctx.vpn];
  const unitName = vpnUnit(ctx.vpn, ctx.instance);
  const unit = parseUnitState(outputs.unit);
  const iface = parseInterface(outputs.interface);
  let f: VpnFindings;
  try {
    f = parsers[ctx.vpn](outputs, ctx);
  } catch {
    // The parsers check every value they read; this is a last guard so a surprise never ends a verify run.
    f = { ...emptyFindings(), problem: 'its answer had an unexpected form' };
  }
  const fromVpn = f.addresses !== null && f.addresses.length > 0;
  const addresses = fromVpn ? f.addresses! : iface?.kind === 'found' ? iface.addresses : [];
  const source: AddressSource | null = addresses.length === 0 ? null : fromVpn ? 'vpn' : 'interface';
  const base = { machine: ctx.machine, vpn: ctx.vpn, addresses, source, identity: f.identity, peers: f.peers, notes: [...new Set(f.notes)] };
  const journal = `See why with "journalctl -u ${unitName} -n 50" on the machine, then start it with "systemctl restart ${unitName}" or deploy again.`;

  // Not set up at all: systemd has no unit, or (without systemd) neither the tool nor the interface exists.
  if (unit?.load === 'not-found' || (unit === null && (f.toolMissing || mainTool[ctx.vpn] === null) && iface?.kind === 'missing' && !fromVpn)) {
    const why = unit?.load === 'not-found' ? `systemd has no unit ${unitName}` : `it has no ${vpnInterface(ctx.vpn, ctx.instance) ?? vpnName} interface`;
    return { ...base, state: 'notConfigured', message: `${vpnName} is not set up on ${name}: ${why}. Deploy the configuration to it; if it was deployed, check that ${name} has a ${vpnName} role in the design.` };
  }
  if (unit !== null && unit.load === 'loaded' && !['active', 'reloading', 'activating'].includes(unit.active)) {
    return { ...base, state: 'notRunning', message: `The ${vpnName} daemon on ${name} is not running (${unitName} is ${unit.active}${unit.sub === '' ? '' : `, ${unit.sub}`}). ${journal}` };
  }
  if (f.daemonDown !== null && !fromVpn) {
    return { ...base, state: 'notRunning', message: `The ${vpnName} daemon on ${name} is not running: ${f.daemonDown}. ${journal}` };
  }
  if (f.toolMissing && unit === null && !fromVpn && addresses.length === 0) {
    return { ...base, state: 'notConfigured', message: `${vpnName} is not set up on ${name}: ${mainTool[ctx.vpn]} is not installed. Deploy the configuration to it; if it was deployed, check that ${name} has a ${vpnName} role in the design.` };
  }
  if (addresses.length > 0) {
    return { ...base, state: 'running', message: `${vpnName} runs on ${name} with ${addressList(addresses)}.` };
  }
  if (f.noAddressHint !== null) {
    return { ...base, state: 'noAddress', message: `${vpnName} runs on ${name} but it has no overlay address: ${f.noAddressHint}.` };
  }
  if (iface?.kind === 'missing' && (unit !== null || f.readable)) {
    const ifName = vpnInterface(ctx.vpn, ctx.instance);
    const what = ifName === null ? 'no interface has an address in its overlay network' : `its interface ${ifName} does not exist`;
    return { ...base, state: 'noAddress', message: `${vpnName} runs on ${name} but ${what}, so it has no overlay address. ${journal}` };
  }
  if (iface?.kind === 'found' || f.readable) {
    return { ...base, state: 'noAddress', message: `${vpnName} runs on ${name} but it has no overlay address yet. Wait a minute and verify again; if it stays so, ${journal.charAt(0).toLowerCase()}${journal.slice(1)}` };
  }
  const problem = f.problem ?? (iface?.kind === 'unreadable' ? iface.line : null) ?? (f.toolMissing ? `${mainTool[ctx.vpn]} is not installed` : 'no command answered');
  const rootHint = /root|sudo/.test(problem) ? ' The commands need root: log in as root or allow passwordless sudo ("Check machines" says how).' : ' Check the machine, then verify again.';
  return { ...base, state: 'unreadable', message: `Could not read the ${vpnName} state on ${name} (${problem}).${rootHint}` };
}

// ---------------------------------------------------------------- the address the configuration gives a machine

/** An overlay address known from the generated configuration, and where it comes from. */
export interface ConfiguredAddress {
  address: string;
  /** The file it comes from, relative to the flake folder (inventory.json or a public var). */
  from: string;
}

/** Reads a public var file of the flake folder (relative path); null when it is not there. Main reads the files. */
export type PublicVarReader = (path: string) => string | null;

/** The public var files that hold a machine's overlay address, for the clan-core services (CLAN.md section 2). */
export function overlayAddressVarPaths(vpn: VpnId, instance: string, machine: string): string[] {
  switch (vpn) {
    case 'yggdrasil':
      return [`vars/per-machine/${machine}/yggdrasil/address/value`];
    case 'mycelium':
      return [`vars/per-machine/${machine}/mycelium/ip/value`];
    case 'zerotier':
      // clanServices/zerotier/default.nix: the shared generator zerotier-ip-<machine>-<instance>, file ip.
      return [`vars/shared/zerotier-ip-${machine}-${instance}/ip/value`];
    case 'wireguard':
      // clanServices/wireguard: generator wireguard-network-<instance>, file prefix (controllers) or suffix (peers).
      return [`vars/per-machine/${machine}/wireguard-network-${instance}/prefix/value`, `vars/per-machine/${machine}/wireguard-network-${instance}/suffix/value`];
    default:
      return [];
  }
}

/** The public var with the ZeroTier network id of an instance (clanServices/zerotier: zerotier-network-<instance>). */
export function zerotierNetworkIdPath(instance: string): string {
  return `vars/shared/zerotier-network-${instance}/network-id/value`;
}

/**
 * The overlay address the generated configuration gives every member, by machine name, for when the VPN cannot
 * tell (a machine not reached over SSH, a daemon that does not answer). Nebula, Tinc and VpnCloud: the address the
 * app allocated and wrote into inventory.json (nix/vpnInstance.ts, nix/addresses.ts). Yggdrasil, Mycelium,
 * ZeroTier and WireGuard: the public vars Clan's generators wrote (read with `readVar`). EasyTier, Tailscale and
 * Hyprspace assign addresses only at run time, so they have none.
 */
export function configuredOverlayAddresses(design: Design, readVar: PublicVarReader = () => null): Map<string, ConfiguredAddress> {
  const out = new Map<string, ConfiguredAddress>();
  const vpn = design.vpn.id;
  if (vpn === null) return out;
  const ctx = createGenerateContext(design);
  const instance = ctx.instance;
  if (vpn === 'nebula' || vpn === 'tinc' || vpn === 'vpncloud') {
    const part = buildVpnPart(ctx);
    if (part.ok && part.value !== null) for (const [machine, address] of part.value.addresses) out.set(machine, { address, from: 'inventory.json' });
    return out;
  }
  const read = (path: string): string | null => {
    const value = readVar(path)?.trim();
    return value === undefined || value === '' ? null : value;
  };
  const put = (machine: string, text: string | null, from: string) => {
    const address = text === null ? null : canonicalIp(text);
    if (address !== null) out.set(machine, { address, from });
  };
  if (vpn === 'wireguard') {
    // clanServices/wireguard/default.nix: a controller is "<prefix>::1"; a peer is "<prefix of its controller>:<suffix>",
    // the controller being the only one, or the one our generator names in its settings (the first by name).
    const controllers = ctx.holders('controller');
    const designated = controllers[0];
    const prefixPath = (m: string) => overlayAddressVarPaths('wireguard', instance, m)[0]!;
    for (const c of controllers) {
      const prefix = read(prefixPath(c.name));
      put(c.name, prefix === null ? null : `${prefix}::1`, prefixPath(c.name));
    }
    const hubPrefix = designated === undefined ? null : read(prefixPath(designated.name));
    for (const p of ctx.holders('peer')) {
      const suffixPath = overlayAddressVarPaths('wireguard', instance, p.name)[1]!;
      const suffix = read(suffixPath);
      put(p.name, hubPrefix === null || suffix === null ? null : `${hubPrefix}:${suffix}`, suffixPath);
    }
    return out;
  }
  for (const { machine } of ctx.members) {
    const path = overlayAddressVarPaths(vpn, instance, machine.name)[0];
    if (path !== undefined) put(machine.name, read(path), path);
  }
  return out;
}

/**
 * The discovery with the configured address added when the VPN told none, and a note when the two disagree (the
 * design changed since the last deploy). The state stays what the machine said.
 */
export function withConfiguredAddress(discovery: OverlayDiscovery, configured: ConfiguredAddress | undefined): OverlayDiscovery {
  if (configured === undefined) return discovery;
  if (discovery.addresses.length === 0) {
    if (discovery.state === 'notConfigured') return discovery;
    return {
      ...discovery,
      addresses: [configured.address],
      source: 'configuration',
      notes: [...discovery.notes, `It is pinged at ${configured.address}, the address the configuration gives it (${configured.from}).`],
    };
  }
  if (!discovery.addresses.includes(configured.address)) {
    return {
      ...discovery,
      notes: [...discovery.notes, `The configuration gives it ${configured.address} (${configured.from}), but it runs with ${discovery.addresses.join(', ')}: the design changed since the last deploy. Deploy again.`],
    };
  }
  return discovery;
}

/**
 * The one address to ping a machine at: the configured one when the machine has it, else its first IPv4 address
 * (Tailscale and Hyprspace have both families; any works), else its first address; the configured address for a
 * machine that could not tell; null when there is none.
 */
export function probeAddress(discovery: OverlayDiscovery | undefined, configured: ConfiguredAddress | undefined): string | null {
  const addresses = discovery?.addresses ?? [];
  if (configured !== undefined && (addresses.length === 0 || addresses.includes(configured.address))) {
    return discovery?.state === 'notConfigured' ? null : configured.address;
  }
  return addresses.find((a) => !a.includes(':')) ?? addresses[0] ?? null;
}
