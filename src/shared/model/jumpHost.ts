import type { IdSource } from './ids';
import { recordValues } from './overlay';
import { putLink } from './ops';
import type { Design, LinkId, MachineId } from './types';

// A jump host is a drawn link of kind 'jumpHost' from the machine the app goes through to the machine it reaches.
// The wizard and the inspector offer one jump host per machine, as `ssh -J` takes one; more links drawn on the
// canvas stay possible, and the inspector then shows the first.

/** The machine a machine is reached through (the source of its first jump-host link), or null. */
export function jumpHostOf(design: Design, machineId: MachineId): MachineId | null {
  for (const link of recordValues(design.links)) {
    if (link.kind === 'jumpHost' && link.target === machineId && design.machines[link.source as MachineId] !== undefined) return link.source as MachineId;
  }
  return null;
}

/**
 * Makes `via` the one jump host of a machine, or takes its jump hosts away (null): its other jump-host links are
 * removed. Unchanged when `via` already is its only jump host, is the machine itself, or does not exist.
 */
export function setJumpHost(design: Design, machineId: MachineId, via: MachineId | null, ids: IdSource): Design {
  if (design.machines[machineId] === undefined || via === machineId || (via !== null && design.machines[via] === undefined)) return design;
  const current = recordValues(design.links).filter((link) => link.kind === 'jumpHost' && link.target === machineId);
  if (via !== null && current.length === 1 && current[0]!.source === via) return design;
  if (via === null && current.length === 0) return design;
  const links = { ...design.links };
  for (const link of current) delete links[link.id as LinkId];
  const next = { ...design, links };
  return via === null ? next : putLink(next, { id: ids.link(), kind: 'jumpHost', source: via, target: machineId, ports: null, label: '', meta: {} });
}
