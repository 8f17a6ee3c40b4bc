import { compareText, quote } from '../text';
import { vpnIds, type VpnId } from '../vpn/ids';
import { computeDeployReach, type DeployReach } from './reachability';
import type { Design, Machine, MachineId, MachineKind } from './types';

// The vars helper: the managed NixOS machine that runs Clan's vars generators (keys, certificates, overlay
// addresses) when the admin's computer has no Nix (docs/deploy.md, "Vars and secrets without Nix here"). The vars
// are made before the first machine is deployed, so the helper must be reachable before the VPN exists: directly or
// through a jump host, never only over the overlay. The validation rules and the deploy both ask these functions, so
// a machine the problems panel accepts is one the deploy can use, and both suggest the same one.

/**
 * The VPNs whose Clan service makes its keys, certificates or addresses with vars generators: all ten. clan-core's
 * own zerotier, wireguard, mycelium and yggdrasil services do, and so does every module the app brings along
 * (nix/modules/<vpn>/default.nix; varsHelper.test.ts reads them to keep this true).
 */
export const vpnsUsingVars: ReadonlySet<VpnId> = new Set(vpnIds);

/**
 * How likely a machine kind is to be switched on whenever the admin deploys: a rented server first, a laptop last.
 * A helper that is asleep stops the whole deploy; the same order picks the jump host the problems panel offers.
 */
export const alwaysOnRank: Readonly<Record<MachineKind, number>> = { vps: 0, server: 1, nas: 2, router: 3, sbc: 4, desktop: 5, laptop: 6, phone: 7 };

/** Why a machine cannot be the vars helper. */
export type VarsHelperUnfit = 'unmanaged' | 'noSshAddress' | 'overlayOnly' | 'unreachable';

/** Why a machine cannot be the vars helper, or null when it can (`reach` is its deploy reach from computeDeployReach). */
export function varsHelperUnfit(machine: Machine, reach: DeployReach | undefined): VarsHelperUnfit | null {
  if (!machine.managed) return 'unmanaged';
  if ((machine.ssh?.host.trim() ?? '') === '') return 'noSshAddress';
  if (reach?.reach === 'direct' || reach?.reach === 'jumpHost') return null;
  return reach?.reach === 'overlayOnly' ? 'overlayOnly' : 'unreachable';
}

/** Whether a machine can be reached from the internet: it has a public address, or its site has one. */
export function hasPublicAddress(design: Design, machine: Machine): boolean {
  if ((machine.publicAddress?.trim() ?? '') !== '') return true;
  return machine.siteId !== null && design.sites[machine.siteId]?.nat === 'public';
}

/**
 * Platforms with a public Nix binary cache. The helper fetches the clan CLI with `nix run`; elsewhere (armv7l,
 * riscv64) that means compiling it and its dependencies, which takes hours on a small board.
 */
const cachedArchs: ReadonlySet<string> = new Set(['x86_64-linux', 'aarch64-linux']);

/** A machine that can be the vars helper, and why it was picked, in words for a problem message. */
export interface VarsHelperSuggestion {
  machine: Machine;
  /** Why, to follow "because": "it has a public address", "the app reaches it directly", ... */
  why: string;
}

/**
 * The machine the deploy uses when no vars helper is chosen: among the machines that can be one, a machine with a
 * public address first (normally the cloud server: switched on, well connected, reachable from wherever the admin
 * is), then one on a platform with a binary cache, then one reached directly before one behind a jump host, then by
 * kind (always-on first) and name. Undefined when no machine can be the helper. Pass `reach` when it is at hand.
 */
export function suggestVarsHelper(design: Design, reach: ReadonlyMap<MachineId, DeployReach> = computeDeployReach(design)): VarsHelperSuggestion | undefined {
  let best: { machine: Machine; key: readonly number[]; r: DeployReach } | undefined;
  for (const machine of Object.values(design.machines)) {
    const r = reach.get(machine.id);
    if (r === undefined || varsHelperUnfit(machine, r) !== null) continue;
    const key = [hasPublicAddress(design, machine) ? 0 : 1, cachedArchs.has(machine.arch) ? 0 : 1, r.reach === 'direct' ? 0 : 1, alwaysOnRank[machine.kind]];
    if (best === undefined || isBetter(key, machine, best)) best = { machine, key, r };
  }
  if (best === undefined) return undefined;
  const { machine, r } = best;
  const through = r.via === null ? undefined : design.machines[r.via];
  const why = hasPublicAddress(design, machine)
    ? 'it has a public address'
    : r.reach === 'direct'
      ? 'the app reaches it directly'
      : `the app reaches it through the jump host ${through === undefined ? 'drawn to it' : quote(through.name)}`;
  return { machine, why };
}

function isBetter(key: readonly number[], machine: Machine, than: { machine: Machine; key: readonly number[] }): boolean {
  for (let i = 0; i < key.length; i += 1) if (key[i] !== than.key[i]) return key[i]! < than.key[i]!;
  return (compareText(machine.name, than.machine.name) || compareText(machine.id, than.machine.id)) < 0;
}
