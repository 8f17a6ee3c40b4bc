import type { Design } from '../model/types';
import { RuleContext, ruleDefinitions, type RuleDefinition } from './rules';
import type { Problem, Severity } from './types';

// Runs every rule over one shared context (indexes built once) and orders the result for the problem list.

const severityRank: Record<Severity, number> = { error: 0, warning: 1, info: 2 };

/** All problems of a design: errors first, then warnings, then infos; within a severity, in rule order. */
export function validateDesign(design: Design): Problem[] {
  return validateWith(design, ruleDefinitions);
}

/** Runs the given rules (validateDesign runs all of them). */
export function validateWith(design: Design, rules: readonly RuleDefinition[]): Problem[] {
  const ctx = new RuleContext(design);
  const problems: Problem[] = [];
  for (const rule of rules) for (const p of rule.check(ctx)) problems.push(p);
  // Array.prototype.sort is stable (ES2019), so rule order survives within a severity.
  return problems.sort((a, b) => severityRank[a.severity] - severityRank[b.severity]);
}

/** Whether a design has no errors (warnings and infos do not block generation or deploy). */
export function hasErrors(problems: readonly Problem[]): boolean {
  return problems.some((p) => p.severity === 'error');
}
