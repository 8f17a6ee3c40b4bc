import { reservedMachineNames } from '../validation/fixes';
import { suggestMachineName, toMachineName } from './ops';
import type { Design, MachineId } from './types';

// Machine names become host names, folder names and DNS names, so Clan accepts only lowercase letters, digits and
// '-'. Wherever a name is typed (the wizard, the inspector, renaming on the canvas) the app saves the nearest name
// Clan accepts and says so while the name is typed, instead of rewriting it silently (issue 17).

/**
 * Why a typed machine name is saved as another one. none: saved as typed; empty: nothing typed (the field asks for a
 * name); rewritten: characters Clan does not accept were replaced; taken: another machine has that name; reserved:
 * Clan's tools give the name a meaning of their own ("localhost", "all", ...).
 */
export type MachineNameChange = 'none' | 'empty' | 'rewritten' | 'taken' | 'reserved';

/** A typed machine name and the name it is saved as. */
export interface MachineNameCheck {
  typed: string;
  /** Always a valid, free machine name (for an empty name, the one a new machine would get). */
  saved: string;
  /** The name Clan would make of the typed text before looking at the names in use. */
  clean: string;
  change: MachineNameChange;
}

/** What a typed machine name is saved as, given the names other machines use. */
export function checkMachineName(typed: string, taken: ReadonlySet<string>): MachineNameCheck {
  const trimmed = typed.trim();
  const avoid = new Set([...taken, ...reservedMachineNames]);
  const saved = suggestMachineName(trimmed === '' ? 'machine' : trimmed, avoid);
  const clean = toMachineName(trimmed);
  const change: MachineNameChange =
    trimmed === '' ? 'empty' : saved === trimmed ? 'none' : reservedMachineNames.has(clean) ? 'reserved' : taken.has(clean) ? 'taken' : 'rewritten';
  return { typed, saved, clean, change };
}

/** The names of the design's machines, without the one being renamed. */
export function machineNamesInUse(design: Design, except?: MachineId): Set<string> {
  const names = new Set<string>();
  for (const machine of Object.values(design.machines)) if (machine.id !== except) names.add(machine.name);
  return names;
}

/** Checks a list of typed names in order, each against the names before it (as machines are added one by one). */
export function checkMachineNames(typed: readonly string[], taken: ReadonlySet<string> = new Set()): MachineNameCheck[] {
  const used = new Set(taken);
  return typed.map((name) => {
    const check = checkMachineName(name, used);
    used.add(check.saved);
    return check;
  });
}
