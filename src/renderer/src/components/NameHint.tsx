import type { MachineNameCheck } from '../../../shared/model/machineNames';
import './nameHint.css';

/** What the user is told about a typed machine name; null when it is saved as typed. */
export function describeMachineName(check: MachineNameCheck): string | null {
  switch (check.change) {
    case 'none':
      return null;
    case 'empty':
      return 'A machine needs a name: it becomes its host name.';
    case 'rewritten':
      return `Will be saved as ${check.saved}: Clan machine names use only lowercase letters, digits and '-'.`;
    case 'taken':
      return `Another machine is already called ${check.clean}, so this one will be saved as ${check.saved}.`;
    case 'reserved':
      return `Clan's tools give "${check.clean}" a meaning of their own, so this machine will be saved as ${check.saved}.`;
  }
}

/** The note under a machine name field; nothing when the name is saved as typed. */
export function NameHint({ check, id, className = 'field-hint' }: { check: MachineNameCheck; id?: string; className?: string }) {
  const text = describeMachineName(check);
  if (text === null) return null;
  return (
    <div id={id} className={`${className} name-hint${check.change === 'empty' ? ' name-hint-error' : ''}`} aria-live="polite">
      {text}
    </div>
  );
}
