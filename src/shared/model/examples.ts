import { assignDefaultRoles } from '../vpn/catalog';
import type { IdSource } from './ids';
import { setDeploySettings, setVpn, updateMachine } from './ops';
import { buildDesignFromAnswers, templates } from './templates';
import type { Design, MachineId } from './types';

/**
 * The example designs shipped under resources/examples/: the two wizard templates filled in the way a user
 * would finish them (SSH addresses from the documentation ranges, the VPS's public address, a VPN chosen for
 * the three households so their machines are reachable once it is up, and the VPS as the vars helper, which makes the
 * keys and certificates when the admin's computer has no Nix).
 */
export function buildExamples(ids: () => IdSource): { fileName: string; design: Design }[] {
  const byName = (design: Design, name: string) => Object.values(design.machines).find((m) => m.name === name)!.id as MachineId;
  const withSsh = (design: Design, hosts: Record<string, string>, publicAddress: Record<string, string> = {}): Design => {
    let next = design;
    for (const [name, host] of Object.entries(hosts)) next = updateMachine(next, byName(next, name), { ssh: { host, port: 22, user: 'root' } });
    for (const [name, address] of Object.entries(publicAddress)) next = updateMachine(next, byName(next, name), { publicAddress: address });
    return next;
  };

  const homeAndVps = withSsh(
    buildDesignFromAnswers(templates[0]!.answers, ids()),
    { nas: '192.168.1.10', desktop: '192.168.1.20', laptop: '192.168.1.30', vps: '203.0.113.10' },
    { vps: '203.0.113.10' },
  );
  let households = withSsh(
    buildDesignFromAnswers(templates[1]!.answers, ids()),
    { 'home-server': '192.168.1.10', desktop: '192.168.1.20', 'parents-pi': '192.168.178.30', 'parents-laptop': '192.168.178.31', 'sister-nas': '192.168.0.40', vps: '203.0.113.10' },
    { vps: '203.0.113.10', 'home-server': 'home.example.org' },
  );
  households = setVpn(households, 'zerotier', assignDefaultRoles(households, 'zerotier'));
  const withVarsHelper = (design: Design) => setDeploySettings(design, { varsHelper: byName(design, 'vps') });
  return [
    { fileName: 'home-and-vps.clan-design.json', design: withVarsHelper(homeAndVps) },
    { fileName: 'three-households.clan-design.json', design: withVarsHelper(households) },
  ];
}
