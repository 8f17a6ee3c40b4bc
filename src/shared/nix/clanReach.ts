import { vpnDisplayNames, type VpnId } from '../vpn/ids';
import { formatProxyJump, formatTargetHost } from './addresses';
import type { GenerateContext } from './context';
import { notesList } from './text';

// How Clan's own CLI (`clan machines update`, `clan ssh`, `clan vars upload`) is told to reach each machine, so it
// goes the way the app's deploy order does (model/reachability.ts, model/deployWaves.ts).
//
// Sources are clan-core's, read at d7c35d9 (2026-08-22); the generated flake follows clan-core's main branch until
// flake.lock pins it. clan-cli picks a machine's address in three steps (pkgs/clan-cli/clan_lib/network/network.py,
// BestRemoteContext.__enter__):
//   1. inventory.machines.<m>.deploy.targetHost, if set, is used as it is: no check, no fallback;
//   2. otherwise every network that lists the machine, highest `networking.priority` first, and the first one whose
//      address answers on the SSH port (`nc -z`, clan_lib/network/check.py) wins. A network is a service instance
//      that exports `networking` (priority, default 1000) and, per machine, `peer` (hosts, port, user)
//      (modules/clan/export-modules/{networking,peer}.nix);
//   3. otherwise the NixOS option clan.core.networking.targetHost (nixosModules/clanCore/networking.nix), whose
//      default root@<name>.<domain> rarely resolves outside the overlay.
//
// So, per deploy reach:
// - direct: deploy.targetHost is the design's SSH target, which the app connects to as well.
// - jumpHost: the same with `?ProxyJump=<jump host>`: clan-cli reads `?Option=value` after the address and passes
//   each as `ssh -o Option=value`, also to Nix's copy commands through NIX_SSHOPTS (clan_lib/ssh/remote.py,
//   _parse_ssh_uri and _ssh_cmd_opts; remote_test.py parses "user@example.com?ProxyJump=root@foo"). The internet
//   service's `jumphosts` setting is not used: its export turns every entry into the literal option "-J x"
//   (clanServices/internet/default.nix) and the CLI never reads a peer's SSHOptions (network.py Peer,
//   network/direct.py), although docs/src/guides/networking/internet.md says it tunnels through them.
// - overlayOnly: no deploy.targetHost, so Clan goes through its networks: the internet service when the machine
//   has a public address, then the VPN once it is up, where the VPN is one of Clan's networks (vpnIsClanNetwork).
//   The design's SSH target is kept as the last resort (step 3), written into the machine's configuration.nix.
// - unreachable: the design's SSH target as deploy.targetHost: the app knows no better way and tries that address
//   too (a ProxyJump in the admin's ~/.ssh/config applies to Clan's ssh as well).
// LAN addresses never go into the internet service: other services read its peers (Yggdrasil peers with them),
// and a LAN address of another site may belong to a different machine on the admin's own network.

/**
 * Whether the VPN's service exports the overlay as one of Clan's networks, with its members' overlay addresses.
 * clan-core's four do it themselves (clanServices/<vpn>/default.nix: networking.priority yggdrasil 2000, wireguard
 * 1000, zerotier 900, mycelium 800). Our Nebula, Tinc and VpnCloud modules export the overlay address the app
 * allocates (priority 1000, modules/<vpn>/default.nix). EasyTier (DHCP), Tailscale + Headscale and Hyprspace (an
 * address derived from the peer ID) learn their addresses only at run time, so the flake cannot name them.
 */
export const vpnIsClanNetwork: Readonly<Record<VpnId, boolean>> = {
  easytier: false,
  headscale: false,
  hyprspace: false,
  mycelium: true,
  nebula: true,
  tinc: true,
  vpncloud: true,
  wireguard: true,
  yggdrasil: true,
  zerotier: true,
};

/** How the generated flake tells Clan's CLI to reach one managed machine. */
export interface ClanWayIn {
  /** inventory.machines.<name>.deploy.targetHost; null leaves the choice to Clan's networks. */
  readonly targetHost: string | null;
  /** clan.core.networking.targetHost in configuration.nix, tried after every network; null keeps Clan's default. */
  readonly lastResort: string | null;
}

/** What Clan's CLI is told for every managed machine (by name), and what the preview should say about it. */
export interface ClanReach {
  readonly ways: ReadonlyMap<string, ClanWayIn>;
  readonly notes: readonly string[];
}

/** Works out deploy.targetHost and the last resort for every managed machine, following the deploy reach. */
export function clanReach(ctx: GenerateContext): ClanReach {
  const ways = new Map<string, ClanWayIn>();
  const byJumpHost = new Map<string, string[]>();
  const jumpWithoutAddress = new Map<string, string[]>();
  const overVpn: string[] = [];
  for (const machine of ctx.machines) {
    const target = formatTargetHost(machine.ssh);
    const reach = ctx.reach.get(machine.id);
    if (target === null || reach === undefined) {
      ways.set(machine.name, { targetHost: target, lastResort: null });
      continue;
    }
    const jump = reach.reach === 'jumpHost' && reach.via !== null ? ctx.design.machines[reach.via] : undefined;
    if (jump !== undefined) {
      const proxyJump = formatProxyJump(jump.ssh);
      if (proxyJump === null) {
        append(jumpWithoutAddress, jump.name, machine.name);
        ways.set(machine.name, { targetHost: target, lastResort: null });
      } else {
        append(byJumpHost, jump.name, machine.name);
        ways.set(machine.name, { targetHost: `${target}?ProxyJump=${proxyJump}`, lastResort: null });
      }
    } else if (reach.reach === 'overlayOnly') {
      overVpn.push(machine.name);
      ways.set(machine.name, { targetHost: null, lastResort: target });
    } else {
      ways.set(machine.name, { targetHost: target, lastResort: null });
    }
  }

  const notes: string[] = [];
  for (const [jump, names] of [...byJumpHost].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    notes.push(`Clan's CLI reaches ${notesList(names)} through the jump host "${jump}", as the deploy order does: deploy.targetHost names it as ProxyJump.`);
  }
  for (const [jump, names] of [...jumpWithoutAddress].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    notes.push(`${notesList(names)} ${names.length === 1 ? 'is' : 'are'} reached through the jump host "${jump}", which has no usable SSH address in the design, so Clan's CLI is not told about it. Enter its SSH address, or use \`clan machines update --target-host\`.`);
  }
  if (overVpn.length > 0 && ctx.vpn !== null) {
    const vpn = vpnDisplayNames[ctx.vpn];
    const one = overVpn.length === 1;
    const first = `${notesList(overVpn)} ${one ? 'is' : 'are'} reached only over ${vpn}, so ${one ? 'it has' : 'they have'} no deploy.targetHost: Clan's CLI then tries its networks by priority`;
    notes.push(
      vpnIsClanNetwork[ctx.vpn]
        ? `${first}, ${vpn} among them once it is up, and only then the SSH address from the design.`
        : `${first} and only then the SSH address from the design. ${vpn} is not among those networks because it gives out addresses only when it runs; once it is up, \`clan machines update <machine> --target-host <its ${vpn} address>\` goes over it.`,
    );
  }
  return { ways, notes };
}

function append(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}
