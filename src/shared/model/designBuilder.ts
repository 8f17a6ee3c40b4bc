import { assignDefaultRoles } from '../vpn/catalog';
import type { VpnId } from '../vpn/ids';
import { sequentialIds } from './ids';
import { createEmptyDesign, makeMachine, makeSite, putLink, putMachine, putSite, setAdminSite, setVpn } from './ops';
import type { Design, Link, Machine, MachineId, MachineKind, NatType, Site, SiteId } from './types';

/**
 * Builds small designs step by step with deterministic ids, for tests and examples: sites by NAT type, machines
 * by kind (with an SSH target unless they are phones), links, the admin's site and a VPN with default roles.
 */
export function designBuilder() {
  const ids = sequentialIds();
  let design = createEmptyDesign();
  return {
    /** Adds a site; cloud kind when it is public. */
    site(name: string, nat: NatType, fields: Partial<Omit<Site, 'id'>> = {}): SiteId {
      const id = ids.site();
      design = putSite(design, makeSite(id, { name, nat, kind: nat === 'public' ? 'cloud' : 'home', ...fields }));
      return id;
    },
    /** Adds a machine to a site (or none). */
    machine(name: string, siteId: SiteId | null, kind: MachineKind = 'server', fields: Partial<Omit<Machine, 'id'>> = {}): MachineId {
      const id = ids.machine();
      const ssh = kind === 'phone' ? null : { host: `${name}.lan`, port: 22, user: 'root' };
      design = putMachine(design, makeMachine(id, { name, kind, siteId, ssh, ...fields }));
      return id;
    },
    /** Adds a drawn link. */
    link(kind: Link['kind'], source: string, target: MachineId, ports: Link['ports'] = null): void {
      design = putLink(design, { id: ids.link(), kind, source, target, ports, label: '', meta: {} });
    },
    /** Marks the admin's site. */
    admin(siteId: SiteId): void {
      design = setAdminSite(design, siteId);
    },
    /** Chooses a VPN with its default role assignment; returns the design. */
    vpn(id: VpnId): Design {
      design = setVpn(design, id, assignDefaultRoles(design, id));
      return design;
    },
    /** The design built so far. */
    get design(): Design {
      return design;
    },
  };
}

/**
 * The family network the tests share: the admin at home with a NAS and a phone; a public cloud machine (named
 * `cloudMachine`); grandma's tablet behind CGNAT; an office PC behind a router without a port forward.
 */
export function familyNetwork(cloudMachine = 'vps') {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  const cloud = b.site('Cloud', 'public');
  const grandma = b.site('Grandma', 'cgnat');
  const office = b.site('Office', 'portForward');
  const nas = b.machine('nas', home, 'nas');
  const vps = b.machine(cloudMachine, cloud, 'vps');
  const tablet = b.machine('tablet', grandma, 'sbc');
  const pc = b.machine('pc', office, 'desktop');
  const phone = b.machine('phone', home, 'phone');
  b.admin(home);
  return { b, home, cloud, grandma, office, nas, vps, tablet, pc, phone };
}

/** The family network with its cloud machine named "bastion" and grandma's tablet reached through it as a jump host. */
export function familyWithJumpHost() {
  const f = familyNetwork('bastion');
  f.b.link('jumpHost', f.vps, f.tablet);
  return { ...f, bastion: f.vps };
}
