import { sequentialIds } from '../../src/shared/model/ids';
import { createEmptyDesign, makeMachine, makeSite } from '../../src/shared/model/ops';
import type { Design, Link, LinkId, Machine, MachineId, MachineKind, NatType, Site, SiteId, SiteKind } from '../../src/shared/model/types';
import type { VpnId } from '../../src/shared/vpn/ids';
import { assignDefaultRoles } from '../../src/shared/vpn/catalog';

/** What to generate. The same options always give the same design (ids come from sequentialIds). */
export interface GenerateOptions {
  machines: number;
  links: number;
  sites: number;
  seed: number;
  /** The VPN to choose, with roles from assignDefaultRoles; null for none. Default 'zerotier'. */
  vpn?: VpnId | null;
}

// mulberry32: tiny, fast and deterministic across engines, which is all a fixture generator needs.
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function pick<T>(rnd: () => number, weighted: readonly (readonly [T, number])[]): T {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let r = rnd() * total;
  for (const [value, weight] of weighted) {
    r -= weight;
    if (r < 0) return value;
  }
  return weighted[weighted.length - 1]![0];
}

const natMix: readonly (readonly [NatType, number])[] = [
  ['nat', 45],
  ['cgnat', 20],
  ['portForward', 20],
  ['symmetric', 10],
  ['public', 5],
];
const siteKindMix: readonly (readonly [SiteKind, number])[] = [
  ['home', 60],
  ['family', 25],
  ['office', 15],
];
const machineKindMix: readonly (readonly [MachineKind, number])[] = [
  ['server', 15],
  ['desktop', 20],
  ['laptop', 25],
  ['nas', 10],
  ['sbc', 15],
  ['router', 5],
  ['phone', 10],
];

/**
 * A realistic large family network: one public cloud site with VPSes, the rest homes, family homes and offices
 * with a mix of NAT types; machines with SSH targets and tags; cables, jump hosts and port forwards inside sites.
 */
export function generateDesign({ machines, links, sites, seed, vpn = 'zerotier' }: GenerateOptions): Design {
  const rnd = random(seed);
  const ids = sequentialIds();
  const design = createEmptyDesign('bench-family', 'clan');
  const siteList: Site[] = [];
  const columns = Math.ceil(Math.sqrt(Math.max(sites, 1)));
  for (let i = 0; i < Math.max(sites, 1); i += 1) {
    const id = ids.site();
    const cloud = i === 0;
    const site = makeSite(id, {
      name: cloud ? 'Cloud' : `Site ${i}`,
      kind: cloud ? 'cloud' : pick(rnd, siteKindMix),
      nat: cloud ? 'public' : pick(rnd, natMix),
      position: { x: (i % columns) * 900, y: Math.floor(i / columns) * 700 },
      size: { width: 820, height: 620 },
    });
    siteList.push(site);
    design.sites[id] = site;
  }
  const bySite = new Map<SiteId, Machine[]>();
  for (let i = 0; i < machines; i += 1) {
    const id = ids.machine();
    // A few VPSes in the cloud site, everything else spread over the other sites.
    const site = i < Math.max(1, Math.round(machines / 200)) || siteList.length === 1 ? siteList[0]! : siteList[1 + Math.floor(rnd() * (siteList.length - 1))]!;
    const kind: MachineKind = site.kind === 'cloud' ? 'vps' : pick(rnd, machineKindMix);
    const managed = kind !== 'phone';
    const name = `${kind}-${i + 1}`;
    const siteIndex = siteList.indexOf(site);
    const lanAddress = `10.${siteIndex % 250}.${Math.floor(i / 250) % 250}.${(i % 250) + 1}`;
    const publicAddress = site.nat === 'public' ? `203.0.113.${(i % 250) + 1}` : null;
    const machine = makeMachine(id, {
      name,
      kind,
      managed,
      siteId: site.id,
      position: { x: 20 + (i % 8) * 95, y: 50 + (Math.floor(i / 8) % 6) * 90 },
      ssh: managed ? { host: publicAddress ?? lanAddress, port: 22, user: 'root' } : null,
      publicAddress,
      tags: site.kind === 'cloud' ? ['public'] : [site.kind, kind === 'server' || kind === 'nas' ? 'always-on' : 'client'],
    });
    design.machines[id] = machine;
    const list = bySite.get(site.id) ?? [];
    list.push(machine);
    bySite.set(site.id, list);
  }
  // The admin sits in the first home with machines, as in a real family network.
  const adminSite = siteList.find((s) => s.kind !== 'cloud' && (bySite.get(s.id)?.length ?? 0) > 0);
  if (adminSite !== undefined) design.admin = { siteId: adminSite.id };
  const populated = siteList.filter((s) => (bySite.get(s.id)?.length ?? 0) > 1);
  for (let i = 0; i < links && populated.length > 0; i += 1) {
    const site = populated[Math.floor(rnd() * populated.length)]!;
    const members = bySite.get(site.id)!;
    const a = members[Math.floor(rnd() * members.length)]!;
    let b = members[Math.floor(rnd() * members.length)]!;
    if (b.id === a.id) b = members[(members.indexOf(a) + 1) % members.length]!;
    const id = ids.link() as LinkId;
    const roll = rnd();
    let link: Link;
    if (site.nat === 'portForward' && roll < 0.2) {
      link = { id, kind: 'portForward', source: site.id, target: a.id, ports: { external: 2200 + (i % 100), internal: 22 }, label: '', meta: {} };
    } else if (roll < 0.45 && a.managed && b.managed) {
      link = { id, kind: 'jumpHost', source: a.id, target: b.id, ports: null, label: '', meta: {} };
    } else {
      link = { id, kind: 'cable', source: a.id, target: b.id, ports: null, label: '', meta: {} };
    }
    design.links[id] = link;
  }
  if (vpn !== null) design.vpn = { id: vpn, instance: 'mesh', roles: assignDefaultRoles(design, vpn) };
  return design;
}

/** A machine id of a generated design, by position (for picking the machine a benchmark edits). */
export function machineAt(design: Design, index: number): MachineId {
  return Object.keys(design.machines)[index] as MachineId;
}
