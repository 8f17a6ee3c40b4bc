import type { Problem } from '../../shared/validation/types';
import { validateDesign } from '../../shared/validation/validate';
import { ExitCode, fail, parseCommand, readDesignFile, type CliIo } from './io';

const usage = `Usage: clan-designer validate <design-file> [--json]

Checks a design file and prints every problem: what is wrong, why it matters and what to do.
Exit codes: 0 no errors (warnings may remain), 1 the design has errors, 2 the file cannot be read as a design.
`;

const marks = { error: 'error  ', warning: 'warning', info: 'note   ' } as const;

/** `validate <design-file>`: the problems panel, on the command line. */
export async function runValidate(argv: string[], io: CliIo): Promise<number> {
  const args = parseCommand(argv, {}, { io, usage, files: 'one', name: 'validate' });
  if (typeof args === 'number') return args;
  const file = args.positionals[0]!;
  const loaded = await readDesignFile(file);
  if (!loaded.ok) return fail(io, args.json, ExitCode.usage, loaded.failure, { file });

  const { design, repairs, migratedFrom } = loaded.value;
  const problems = validateDesign(design);
  const counts = { error: 0, warning: 0, info: 0 };
  for (const p of problems) counts[p.severity] += 1;
  const exit = counts.error > 0 ? ExitCode.problems : ExitCode.ok;
  if (args.json) {
    io.stdout(`${JSON.stringify({ ok: counts.error === 0, file, repairs, migratedFrom: migratedFrom ?? null, counts, problems })}\n`);
    return exit;
  }
  const lines = [`${file}: clan "${design.meta.clanName}", ${Object.keys(design.sites).length} sites, ${Object.keys(design.machines).length} machines`];
  for (const repair of repairs) lines.push(`  repaired: ${repair.message}`);
  if (problems.length === 0) lines.push('  No problems found.');
  for (const problem of problems) lines.push(formatProblem(problem));
  lines.push(`${counts.error} errors, ${counts.warning} warnings, ${counts.info} notes`);
  io.stdout(`${lines.join('\n')}\n`);
  return exit;
}

function formatProblem(problem: Problem): string {
  const fix = problem.fix === undefined ? '' : `\n           one-click fix in the app: ${problem.fix.label}`;
  return `  ${marks[problem.severity]}  ${problem.message} [${problem.code}]${fix}`;
}
