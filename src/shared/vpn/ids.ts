/** The ten mesh VPNs, by the ids used everywhere (files, CLI, dataset). */
export const vpnIds = ['easytier', 'headscale', 'hyprspace', 'mycelium', 'nebula', 'tinc', 'vpncloud', 'wireguard', 'yggdrasil', 'zerotier'] as const;

/** One of the ten VPNs. */
export type VpnId = (typeof vpnIds)[number];

/** The no-VPN reference series of the benchmark. */
export const noVpnId = 'none';

/** Display names as the projects spell them. */
export const vpnDisplayNames: Record<VpnId, string> = {
  easytier: 'EasyTier',
  headscale: 'Tailscale + Headscale',
  hyprspace: 'Hyprspace',
  mycelium: 'Mycelium',
  nebula: 'Nebula',
  tinc: 'Tinc',
  vpncloud: 'VpnCloud',
  wireguard: 'WireGuard',
  yggdrasil: 'Yggdrasil',
  zerotier: 'ZeroTier',
};

/** Whether a string is one of the ten VPN ids. */
export function isVpnId(value: string): value is VpnId {
  return (vpnIds as readonly string[]).includes(value);
}
