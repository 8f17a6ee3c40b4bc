import type { DeployServiceOptions } from '../services/deployService';
import { planIsClear, planText, planVerdict } from './deployText';
import { ExitCode, fail, type CliIo } from './io';
import { failWithError, openJobCommand, selectMachines, type JobCommandDeps } from './jobFollow';
import { sshHelp, sshOptionsHelp, type SshEnvironment } from './sshOptions';

const usage = `Usage: clan-designer plan <design-file> [--machines NAME,NAME...] [--files] [--known-hosts FILE]
                    [--ssh-config FILE] [--identity FILE]... [--json]

Shows what "clan-designer deploy" would do, without doing any of it: which way it deploys and why, which machine
makes the vars, and wave by wave each machine with how it is reached, what it needs, whether it is blocked (and
what to do), the files that change on it and every step with its exact commands. The machines are read over SSH
to see what they run and what the last deploy put there; nothing is changed anywhere, no host key is recorded and
nothing is asked: a machine whose host key is not known yet is planned without being read (run
"clan-designer check --accept-new" first to trust it).

${sshHelp}

Options:
  --machines LIST      plan only these machines (names from the design, separated by commas)
  --files              list every file that changes on each machine, not only how many
${sshOptionsHelp}
  --json               print the plan as JSON

Exit codes: 0 every selected machine can be deployed (warnings may remain), 1 some machine is blocked (the plan is
still printed), 2 the design or the options cannot be used, 3 the plan itself failed.
`;

/** Test seams: the SSH side (the person's own by default), the way, the clock, and whose home and environment. */
export interface PlanCommandDeps extends Pick<JobCommandDeps, keyof SshEnvironment | 'createSsh' | 'now'>, Pick<DeployServiceOptions, 'hasLocalClan'> {}

/** `plan <design-file>`: the deploy's dry run. */
export async function runPlanCommand(argv: string[], io: CliIo, deps: PlanCommandDeps = {}): Promise<number> {
  const command = await openJobCommand(argv, io, deps, {
    name: 'plan',
    usage,
    options: ['machines'],
    flags: { files: {} },
    dryRun: true,
    select: selectMachines,
    backend: { hasLocalClan: deps.hasLocalClan },
  });
  if (typeof command === 'number') return command;
  const { asJson, file, selection } = command;
  let planned;
  try {
    planned = await command.backend.deploy.plan({ name: command.location.name, design: command.design, ...(selection === undefined ? {} : { machines: selection }) });
  } catch (cause) {
    return fail(io, asJson, ExitCode.failed, { code: 'planFailed', message: `The plan could not be made: ${(cause as Error).message}. Report it if it keeps happening.` }, { file });
  }
  if (!planned.ok) return failWithError(command, planned.error);
  const { plan } = planned.value;
  const clear = planIsClear(planVerdict(plan, selection));
  const exit = clear ? ExitCode.ok : ExitCode.problems;
  if (asJson) io.stdout(`${JSON.stringify({ ok: clear, file, plan })}\n`);
  else io.stdout(planText(plan, { file, selection, files: command.flags.files }));
  return exit;
}
