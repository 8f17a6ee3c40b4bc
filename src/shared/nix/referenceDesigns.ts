import { designBuilder } from '../model/designBuilder';
import type { Design } from '../model/types';

// The three reference designs the golden files and the Nix parse test cover, built in code so they never change
// when the shipped examples do: a home with a VPS, three households behind different NATs with one VPS, and a
// single LAN without any public machine. Each is generated for all ten VPNs.

/** A public key used by the reference outputs for the sshd service (generated for the tests; no private key is kept). */
export const referenceAdminKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOXvppYwrlSc6OP+/gjsqmJUunRtwW2b2SDCNl0qWJYt admin@example';

/** An age public key the reference outputs list as the app's sops admin (generated for the tests; no identity is kept). */
export const referenceAgeKey = 'age179yyq7d3a7z9288t8rmtr7n6mnd5ppd49qsjkr3whqkjdnslrewsdj3ws2';

/** A reference design with the name its golden folder uses. */
export interface ReferenceDesign {
  readonly name: 'home-and-vps' | 'three-households' | 'lan-only';
  readonly design: Design;
}

function homeAndVps(): Design {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  const cloud = b.site('Cloud VPS', 'public');
  b.machine('nas', home, 'nas', { ssh: { host: '192.168.1.10', port: 22, user: 'root' } });
  b.machine('desktop', home, 'desktop', { ssh: { host: '192.168.1.20', port: 22, user: 'root' }, tags: ['workstation'] });
  b.machine('laptop', home, 'laptop', { ssh: { host: '192.168.1.30', port: 22, user: 'root' }, tags: ['workstation'] });
  b.machine('phone', home, 'phone');
  b.machine('vps', cloud, 'vps', { ssh: { host: '203.0.113.10', port: 22, user: 'root' }, publicAddress: '203.0.113.10', tags: ['public'] });
  b.admin(home);
  const design = b.design;
  return { ...design, meta: { ...design.meta, description: 'Our home and a rented server: "family" net, costs ${EUR} 5/month\\n (not a newline)' } };
}

function threeHouseholds(): Design {
  const b = designBuilder();
  const home = b.site('Home', 'portForward');
  const parents = b.site("Parents' house", 'cgnat', { kind: 'family' });
  const sister = b.site("Sister's flat", 'symmetric', { kind: 'family' });
  const cloud = b.site('Cloud VPS', 'public');
  const server = b.machine('home-server', home, 'server', { ssh: { host: '192.168.1.10', port: 22, user: 'root' }, publicAddress: 'home.example.org' });
  b.machine('desktop', home, 'desktop', { ssh: { host: '192.168.1.20', port: 22, user: 'root' } });
  b.machine('parents-pi', parents, 'sbc', { ssh: { host: '192.168.178.30', port: 22, user: 'root' } });
  b.machine('parents-laptop', parents, 'laptop', { ssh: { host: '192.168.178.31', port: 22, user: 'admin' } });
  b.machine('sister-nas', sister, 'nas', { ssh: { host: '192.168.0.40', port: 2222, user: 'root' } });
  b.machine('vps', cloud, 'vps', { ssh: { host: '2001:db8::10', port: 22, user: 'root' }, publicAddress: '203.0.113.10', tags: ['public'] });
  b.link('portForward', home, server, { external: 2222, internal: 22 });
  b.admin(home);
  return b.vpn('zerotier');
}

function lanOnly(): Design {
  const b = designBuilder();
  const home = b.site('Home', 'nat');
  b.machine('nas', home, 'nas', { ssh: { host: '192.168.1.10', port: 22, user: 'root' } });
  b.machine('living-room', home, 'desktop', { ssh: { host: '192.168.1.20', port: 22, user: 'root' } });
  b.machine('pi', home, 'sbc', { ssh: { host: 'pi.local', port: 22, user: 'root' } });
  b.admin(home);
  return b.design;
}

/** The three reference designs, freshly built. */
export function referenceDesigns(): ReferenceDesign[] {
  return [
    { name: 'home-and-vps', design: homeAndVps() },
    { name: 'three-households', design: threeHouseholds() },
    { name: 'lan-only', design: lanOnly() },
  ];
}
