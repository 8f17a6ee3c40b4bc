import type { Design } from '../model/types';

/** How bad a problem is: errors block generation and deploy, warnings deserve a look, infos explain. */
export type Severity = 'error' | 'warning' | 'info';

/**
 * A one-click repair. `kind` names a pure fix function in validation/fixes.ts; `args` are JSON values it needs.
 * Fixes are data so they can cross IPC, be shown in the CLI, and be applied as one undoable command.
 */
export interface Fix {
  kind: string;
  label: string;
  args: Record<string, unknown>;
}

/** One rule violation found in a design. */
export interface Problem {
  /** Stable code of the rule, e.g. 'machineNameInvalid'. */
  code: string;
  severity: Severity;
  /** What is wrong, why it matters, and what to do, in one or two sentences. */
  message: string;
  /** The sites, machines and links involved; the first one is focused when the problem is clicked. */
  itemIds: string[];
  fix?: Fix;
}

/** A validation rule: a pure function of the design. */
export type Rule = (design: Design) => Problem[];
