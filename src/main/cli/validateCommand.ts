import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { describeError } from '../../shared/errors';
import { loadDesignFile } from '../../shared/schema/load';
import type { Problem } from '../../shared/validation/types';
import { validateDesign } from '../../shared/validation/validate';
import { ExitCode, type CliIo } from './run';

const usage = `Usage: clan-designer [--json] validate <design-file>

Checks a design file and prints every problem: what is wrong, why it matters and what to do.
Exit codes: 0 no errors (warnings may remain), 1 the design has errors, 2 the file cannot be read as a design.
`;

const marks = { error: 'error  ', warning: 'warning', info: 'note   ' } as const;

/** `validate <design-file>`: the problems panel, on the command line. */
export async function runValidate(argv: string[], io: CliIo, json: boolean): Promise<number> {
  let positionals: string[];
  let help = false;
  try {
    const parsed = parseArgs({ args: argv, allowPositionals: true, options: { help: { type: 'boolean', short: 'h' } } });
    positionals = parsed.positionals;
    help = parsed.values.help === true;
  } catch (cause) {
    io.stderr(`${(cause as Error).message}\n\n${usage}`);
    return ExitCode.usage;
  }
  if (help) {
    io.stdout(usage);
    return ExitCode.ok;
  }
  const [file, ...extra] = positionals;
  if (file === undefined || extra.length > 0) {
    io.stderr(`validate takes exactly one design file.\n\n${usage}`);
    return ExitCode.usage;
  }

  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'it does not exist' : code === 'EACCES' ? 'permission was denied' : code === 'EISDIR' ? 'it is a folder' : `the system said ${code ?? String(cause)}`;
    return unusable(io, json, file, 'fileAccessFailed', `Could not read ${file}: ${why}. Check the path and try again.`);
  }
  const loaded = loadDesignFile(text);
  if (!loaded.ok) return unusable(io, json, file, loaded.error.code, describeError(loaded.error));

  const problems = validateDesign(loaded.value.design);
  const counts = { error: 0, warning: 0, info: 0 };
  for (const p of problems) counts[p.severity] += 1;
  const exit = counts.error > 0 ? ExitCode.problems : ExitCode.ok;
  if (json) {
    io.stdout(`${JSON.stringify({ ok: counts.error === 0, file, repairs: loaded.value.repairs, migratedFrom: loaded.value.migratedFrom ?? null, counts, problems })}\n`);
    return exit;
  }
  const design = loaded.value.design;
  const lines = [`${file}: clan "${design.meta.clanName}", ${Object.keys(design.sites).length} sites, ${Object.keys(design.machines).length} machines`];
  for (const repair of loaded.value.repairs) lines.push(`  repaired: ${repair.message}`);
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

function unusable(io: CliIo, json: boolean, file: string, code: string, message: string): number {
  if (json) io.stdout(`${JSON.stringify({ ok: false, file, error: { code, message } })}\n`);
  else io.stderr(`${message}\n`);
  return ExitCode.usage;
}
