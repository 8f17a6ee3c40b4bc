import { isMachineId } from '../../../shared/model/ids';
import type { Design, MachineId } from '../../../shared/model/types';
import type { Problem } from '../../../shared/validation/types';

// Where a problem is fixed by hand: the item to select and the inspector field to put the cursor in, with the label
// of the button that goes there. Problems come from shared/validation as codes; like error messages (STYLE.md
// section 7), what the UI does with a code lives here, in the renderer. A problem with a one-click fix offers that
// fix instead; clicking the problem still goes to the field.

/** The inspector fields a problem can send the cursor to (each field's data-field attribute). */
export type InspectorField =
  | 'name'
  | 'site'
  | 'ssh-host'
  | 'ssh-user'
  | 'jump-host'
  | 'public-address'
  | 'managed'
  | 'vpn-roles'
  | 'admin-here'
  | 'clan-name'
  | 'domain'
  | 'vpn-instance'
  | 'vars-helper'
  | 'external-port';

/** Where a problem is fixed: the items to select (none: the clan's own settings), the field, and the button's label. */
export interface ProblemTarget {
  ids: readonly string[];
  field: InspectorField | null;
  /** What the button that goes to the field says; null when there is no field to go to. */
  action: string | null;
}

const byCode: Record<string, { field: InspectorField; action: string; clanSetting?: boolean }> = {
  machineNameInvalid: { field: 'name', action: 'Rename it' },
  machineNameDuplicate: { field: 'name', action: 'Rename it' },
  machineNameReserved: { field: 'name', action: 'Rename it' },
  siteNameEmpty: { field: 'name', action: 'Name the site' },
  siteNameDuplicate: { field: 'name', action: 'Rename it' },
  machineOutsideSite: { field: 'site', action: 'Choose its site' },
  sshHostInvalid: { field: 'ssh-host', action: 'Correct the SSH address' },
  sshUserInvalid: { field: 'ssh-user', action: 'Correct the SSH user' },
  noAdminLocation: { field: 'admin-here', action: "Mark the admin's site" },
  adminCannotReach: { field: 'jump-host', action: 'Choose a jump host' },
  publicAddressInvalid: { field: 'public-address', action: 'Correct the public address' },
  publicSiteWithoutAddress: { field: 'public-address', action: 'Enter the public address' },
  unmanagedWithoutClient: { field: 'managed', action: 'Change what it is' },
  unmanagedHasSsh: { field: 'managed', action: 'Change what it is' },
  vpnRoleCount: { field: 'vpn-roles', action: 'Change its roles' },
  vpnRoleNeedsPublic: { field: 'vpn-roles', action: 'Change its roles' },
  vpnRoleUnknown: { field: 'vpn-roles', action: 'Change its roles' },
  wireguardBothRoles: { field: 'vpn-roles', action: 'Change its roles' },
  vpnRolesConflict: { field: 'vpn-roles', action: 'Change its roles' },
  portForwardWithoutPorts: { field: 'external-port', action: 'Enter the ports' },
  clanNameInvalid: { field: 'clan-name', action: 'Rename the clan', clanSetting: true },
  domainInvalid: { field: 'domain', action: 'Correct the domain', clanSetting: true },
  instanceNameInvalid: { field: 'vpn-instance', action: 'Rename the instance', clanSetting: true },
  varsHelperUnusable: { field: 'vars-helper', action: 'Choose the vars helper', clanSetting: true },
  varsHelperNotChosen: { field: 'vars-helper', action: 'Choose the vars helper', clanSetting: true },
};

/** Where the user fixes a problem by hand; without a known field, its items are only selected and shown. */
export function problemTarget(problem: Problem, design: Design): ProblemTarget {
  if (problem.code === 'managedWithoutSsh') {
    // One rule for two gaps: no address at all, or an address without a user.
    const id = problem.itemIds[0];
    const machine = id !== undefined && isMachineId(id) ? design.machines[id as MachineId] : undefined;
    const hasHost = (machine?.ssh?.host.trim() ?? '') !== '';
    return hasHost ? { ids: problem.itemIds, field: 'ssh-user', action: 'Enter the SSH user' } : { ids: problem.itemIds, field: 'ssh-host', action: 'Enter the SSH address' };
  }
  const known = byCode[problem.code];
  // A machine's field needs the machine: a problem that names none (no candidate for a role) has no field to go to.
  if (known === undefined || (known.clanSetting !== true && problem.itemIds.length === 0)) return { ids: problem.itemIds, field: null, action: null };
  // The clan's settings are edited with nothing selected.
  return { ids: known.clanSetting === true ? [] : problem.itemIds, field: known.field, action: known.action };
}
