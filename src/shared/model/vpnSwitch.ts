import { computeOverlay, type OverlayPath } from './overlay';
import { setVpn } from './ops';
import type { Design, MachineId } from './types';
import { byNameThenId } from '../text';
import { assignDefaultRoles, findRole, vpnCatalog } from '../vpn/catalog';
import type { VpnId } from '../vpn/ids';

// A switch of the design's VPN and what it does to the machines' roles and the predicted paths: what "Switch" and
// "Use this VPN" apply and the status line says afterwards. Apart from the what-if panel's computation
// (bench/whatIf.ts), which also generates the configuration twice, so that applying a switch does not load the
// generator.

/** The design with another VPN (or none) and that VPN's default roles: what "Switch" and "Use this VPN" apply. */
export function switchVpn(design: Design, to: VpnId | null): Design {
  if (design.vpn.id === to) return design;
  return to === null ? setVpn(design, null, {}) : setVpn(design, to, assignDefaultRoles(design, to));
}

/**
 * How a machine's part changes: joins (had no role, gets one), leaves (had one, gets none: the new VPN has no
 * client for it), changes (another role), same (the same roles, by name).
 */
export type RoleChange = 'joins' | 'leaves' | 'changes' | 'same';

/** One machine's roles before and after the switch, as people read them. */
export interface RoleMove {
  readonly machineId: MachineId;
  readonly machine: string;
  readonly before: readonly string[];
  readonly after: readonly string[];
  readonly change: RoleChange;
}

/** How many site-to-site connections would travel which way. */
export type PathCounts = Readonly<Record<OverlayPath, number>>;

function roleLabels(vpn: VpnId | null, machineId: MachineId, roles: Readonly<Record<MachineId, readonly string[]>>): string[] {
  if (vpn === null) return [];
  const spec = vpnCatalog[vpn];
  return (roles[machineId] ?? []).map((id) => findRole(spec, id)?.label ?? id);
}

/** Every machine's roles with the design's VPN and with the other one, machines by name. */
export function getRoleMoves(design: Design, after: Design): RoleMove[] {
  return Object.values(design.machines)
    .sort(byNameThenId)
    .map((machine) => {
      const before = roleLabels(design.vpn.id, machine.id, design.vpn.roles);
      const next = roleLabels(after.vpn.id, machine.id, after.vpn.roles);
      const change: RoleChange =
        before.length === 0 ? (next.length === 0 ? 'same' : 'joins') : next.length === 0 ? 'leaves' : before.join('\u0000') === next.join('\u0000') ? 'same' : 'changes';
      return { machineId: machine.id, machine: machine.name, before, after: next, change };
    });
}

/** How many site-to-site connections the canvas would draw for each kind of path. */
export function getPathCounts(design: Design): PathCounts {
  const counts: Record<OverlayPath, number> = { lan: 0, direct: 0, holePunched: 0, relayed: 0, unreachable: 0 };
  if (design.vpn.id === null) return counts;
  for (const edge of computeOverlay(design)) counts[edge.path] += 1;
  return counts;
}

const pathWords: Readonly<Record<OverlayPath, string>> = { lan: 'same site', direct: 'direct', holePunched: 'hole-punched', relayed: 'relayed', unreachable: 'cut off' };

/** "3 direct, 2 relayed", or "none" when there is nothing between sites to predict. */
export function describePathCounts(counts: PathCounts): string {
  const parts = (Object.keys(pathWords) as OverlayPath[]).filter((p) => counts[p] > 0).map((p) => `${counts[p]} ${pathWords[p]}`);
  return parts.length === 0 ? 'none' : parts.join(', ');
}

/**
 * The switch in one line, for the status bar after it happened: the VPN, how many machines change roles, and how to
 * take it back.
 */
export function summarizeSwitch(design: Design, after: Design): string {
  const moves = getRoleMoves(design, after);
  const count = (change: RoleChange) => moves.filter((m) => m.change === change).length;
  const machines = (n: number) => `${n} ${n === 1 ? 'machine' : 'machines'}`;
  const parts = [
    count('joins') > 0 ? `${machines(count('joins'))} ${count('joins') === 1 ? 'joins' : 'join'}` : '',
    count('changes') > 0 ? `${machines(count('changes'))} ${count('changes') === 1 ? 'changes its role' : 'change their roles'}` : '',
    count('leaves') > 0 ? `${machines(count('leaves'))} ${count('leaves') === 1 ? 'leaves' : 'leave'} the VPN` : '',
  ].filter((p) => p !== '');
  const roles = parts.length === 0 ? 'no machine changes its role' : parts.join(', ');
  const what = after.vpn.id === null ? 'No VPN now' : `Now using ${vpnCatalog[after.vpn.id].name}`;
  const instead = design.vpn.id === null ? '' : ` instead of ${vpnName(design.vpn.id)}`;
  return `${what}${instead}: ${roles}. Undo switches back.`;
}

function vpnName(vpn: VpnId | null): string {
  return vpn === null ? 'no VPN' : vpnCatalog[vpn].name;
}
