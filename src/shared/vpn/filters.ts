import { vpnCatalog, type NatTraversal, type VpnSpec } from './catalog';
import { vpnIds, type VpnId } from './ids';

// The Choose VPN area's filters: which of the ten VPNs the leaderboard, the charts and the feature matrix show. Each
// filter reads the catalog (the facts the advisor and the path prediction use), so a filter can never disagree with
// what the rest of the app says about a VPN. The kind is how the VPN connects machines behind NAT, the one design
// decision that separates the ten most: a hub that carries everything, a mesh that punches holes, or an overlay
// that routes through whichever members can reach each other.

/** How a VPN connects machines behind NAT, as the filter offers it: the catalog's NatTraversal, named for people. */
export type VpnKind = 'mesh' | 'hubAndSpoke' | 'overlay';

const kindOfTraversal: Readonly<Record<NatTraversal, VpnKind>> = { holePunch: 'mesh', hubAndSpoke: 'hubAndSpoke', none: 'overlay' };

/** The kinds in the order the filter lists them, with their labels and what they mean. */
export const vpnKinds: readonly { readonly id: VpnKind; readonly label: string; readonly description: string }[] = [
  { id: 'mesh', label: 'Mesh with hole punching', description: 'Machines connect to each other directly, punching through NAT, with a relay when that fails.' },
  { id: 'hubAndSpoke', label: 'Hub and spoke', description: 'Every machine connects to a hub of yours, which carries all traffic between them.' },
  { id: 'overlay', label: 'Routed overlay', description: 'No hole punching: members peer with whoever they can reach and route through them.' },
];

/** What the filters ask for; every part left at its default lets every VPN through. */
export interface VpnFilter {
  /** One kind, or 'all'. */
  readonly kind: VpnKind | 'all';
  /** Only VPNs that need no third-party servers. */
  readonly selfHostedOnly: boolean;
  /** Only VPNs that are clan-core services. */
  readonly clanNativeOnly: boolean;
}

/** The filter that shows all ten VPNs. */
export const noVpnFilter: VpnFilter = { kind: 'all', selfHostedOnly: false, clanNativeOnly: false };

/** The kind of a VPN. */
export function getVpnKind(spec: VpnSpec): VpnKind {
  return kindOfTraversal[spec.natTraversal.value];
}

/** Whether a VPN passes the filter. */
export function matchesVpnFilter(vpn: VpnId, filter: VpnFilter): boolean {
  const spec = vpnCatalog[vpn];
  if (filter.kind !== 'all' && getVpnKind(spec) !== filter.kind) return false;
  if (filter.selfHostedOnly && spec.thirdPartyInfra.value) return false;
  if (filter.clanNativeOnly && !spec.clanNative) return false;
  return true;
}

/** The VPNs that pass the filter, in the catalog's order. */
export function filterVpns(filter: VpnFilter): VpnId[] {
  return vpnIds.filter((vpn) => matchesVpnFilter(vpn, filter));
}

/** Whether the filter lets every VPN through. */
export function isNoVpnFilter(filter: VpnFilter): boolean {
  return filter.kind === 'all' && !filter.selfHostedOnly && !filter.clanNativeOnly;
}
