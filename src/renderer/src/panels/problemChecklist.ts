import type { Design, MachineId } from '../../../shared/model/types';
import type { Problem } from '../../../shared/validation/types';
import { problemTarget } from './problemTargets';

// The checklist in the problems panel's header: what is left before the design can be deployed, counted by what the
// user has to do ("3 machines need an SSH address"), so a page of errors after the wizard reads as a short to-do
// list. Each entry goes to the first problem of its kind.

/** One line of the checklist: what to do, how many times, the machines it is about, and the problem a click goes to. */
export interface ChecklistEntry {
  key: string;
  label: string;
  names: string[];
  first: Problem;
}

const machines = (n: number) => (n === 1 ? '1 machine needs' : `${n} machines need`);

/** How an error is counted: the key it is grouped by and the label for n of them. */
function groupOf(problem: Problem, design: Design): { key: string; label: (n: number) => string } {
  switch (problem.code) {
    case 'managedWithoutSsh':
      return problemTarget(problem, design).field === 'ssh-user'
        ? { key: 'sshUser', label: (n) => `${machines(n)} an SSH user` }
        : { key: 'sshHost', label: (n) => `${machines(n)} an SSH address` };
    case 'adminCannotReach':
      return { key: 'reach', label: (n) => `${machines(n)} a way in` };
    case 'noAdminLocation':
      return { key: 'admin', label: () => "mark the site your computer is in" };
    case 'machineNameInvalid':
    case 'machineNameDuplicate':
    case 'machineNameReserved':
      return { key: 'names', label: (n) => `${machines(n)} another name` };
    default:
      return { key: 'other', label: (n) => (n === 1 ? '1 other error' : `${n} other errors`) };
  }
}

/** The design's errors as a checklist, in the order their first problem appears; empty when there are none. */
export function computeChecklist(problems: readonly Problem[], design: Design): ChecklistEntry[] {
  const groups = new Map<string, { label: (n: number) => string; first: Problem; count: number; names: Set<string> }>();
  for (const problem of problems) {
    if (problem.severity !== 'error') continue;
    const { key, label } = groupOf(problem, design);
    let group = groups.get(key);
    if (group === undefined) groups.set(key, (group = { label, first: problem, count: 0, names: new Set() }));
    group.count += 1;
    const machine = problem.itemIds[0] === undefined ? undefined : design.machines[problem.itemIds[0] as MachineId];
    if (machine !== undefined) group.names.add(machine.name);
  }
  // "Other errors" last, whatever came first.
  return [...groups]
    .sort(([a], [b]) => Number(a === 'other') - Number(b === 'other'))
    .map(([key, group]) => ({ key, label: group.label(group.count), names: [...group.names], first: group.first }));
}
