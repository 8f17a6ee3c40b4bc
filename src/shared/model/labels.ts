import type { CpuArch, LinkKind, LinkQuality, MachineKind, NatType, SiteKind } from './types';

/** How each site kind is named to people. */
export const siteKindLabels: Record<SiteKind, string> = {
  home: 'Home',
  family: "Family member's home",
  office: 'Office',
  cloud: 'Cloud / VPS',
  mobile: 'Mobile / on the road',
};

/** How each NAT type is named to people, short (badge) and long (inspector). */
export const natLabels: Record<NatType, { short: string; long: string }> = {
  public: { short: 'Public IP', long: 'Public IPv4/IPv6 address: machines can accept incoming connections' },
  portForward: { short: 'NAT + port forward', long: 'Behind NAT, and the router can forward ports to a machine' },
  nat: { short: 'NAT', long: 'Behind a home router (NAT) without port forwarding' },
  cgnat: { short: 'CGNAT', long: "Carrier-grade NAT: the provider shares one address, no port forwarding possible" },
  symmetric: { short: 'Strict NAT', long: 'Symmetric or strict NAT / firewall: hole punching fails, only relays help' },
};

/** How each link quality is named to people, with what it means. */
export const qualityLabels: Record<LinkQuality, { short: string; long: string }> = {
  good: { short: 'Good', long: 'Stable wired or fibre link' },
  fair: { short: 'Fair', long: 'Some jitter or occasional loss (busy DSL, good Wi-Fi)' },
  poor: { short: 'Poor', long: 'Noticeable loss and delay (weak Wi-Fi, mobile data)' },
  bad: { short: 'Bad', long: 'Heavy loss and reordering (congested mobile, satellite)' },
};

/** How each machine kind is named to people. */
export const machineKindLabels: Record<MachineKind, string> = {
  server: 'Server',
  desktop: 'Desktop',
  laptop: 'Laptop',
  nas: 'NAS',
  sbc: 'Raspberry Pi / ARM board',
  vps: 'VPS',
  router: 'Router',
  phone: 'Phone / tablet',
};

/** How each CPU architecture is named to people. */
export const archLabels: Record<CpuArch, string> = {
  'x86_64-linux': 'x86-64 (Intel/AMD)',
  'aarch64-linux': 'ARM 64-bit (aarch64)',
  'armv7l-linux': 'ARM 32-bit (armv7)',
  'riscv64-linux': 'RISC-V 64-bit',
};

/** How each drawn link kind is named to people. */
export const linkKindLabels: Record<LinkKind, string> = {
  cable: 'Direct cable / LAN',
  portForward: 'Port forward',
  jumpHost: 'SSH jump host',
};
