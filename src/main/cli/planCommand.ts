import { describeError } from '../../shared/errors';
import type { DeployServiceOptions, DeploySsh } from '../services/deployService';
import type { MachineSshHooks } from '../services/checkJobs';
import { cliDataDir, cliMachineSsh, createCliDeployBackend, locateDesign } from './deployBackend';
import { machineSelection, planIsClear, planText, planVerdict } from './deployText';
import { ExitCode, fail, parseCommand, readDesignFile, type CliFailure, type CliIo } from './io';
import { loadSshSettings, sshCommandOptions, sshHelp, sshOptionsHelp, type SshEnvironment, type SshOptionValues } from './sshOptions';

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
export interface PlanCommandDeps extends SshEnvironment, Pick<DeployServiceOptions, 'hasLocalClan' | 'now'> {
  createSsh?: (hooks: MachineSshHooks) => DeploySsh;
}

/** `plan <design-file>`: the deploy's dry run. */
export async function runPlanCommand(argv: string[], io: CliIo, deps: PlanCommandDeps = {}): Promise<number> {
  const parsed = parseCommand(argv, { machines: { type: 'string' }, files: { type: 'boolean' }, ...sshCommandOptions }, { io, usage, files: 'one', name: 'plan' });
  if (typeof parsed === 'number') return parsed;
  const values = parsed.values as SshOptionValues & { machines?: string; files?: boolean };
  const asJson = parsed.json;
  const file = parsed.positionals[0]!;
  const unusable = (failure: CliFailure) => fail(io, asJson, ExitCode.usage, failure, { file });

  const location = locateDesign(file);
  if (!location.ok) return unusable(location.failure);
  const loaded = await readDesignFile(file);
  if (!loaded.ok) return unusable(loaded.failure);
  const selection = machineSelection(loaded.value.design, values.machines);
  if (!selection.ok) return unusable(selection.failure);
  const ssh = await loadSshSettings(values, deps);
  if (!ssh.ok) return unusable(ssh.failure);

  const backend = createCliDeployBackend({
    workspaceDir: location.value.workspaceDir,
    // Named for the wiring only: a plan never reads or writes the data folder (a deploy keeps the app's age key there).
    dataDir: cliDataDir(deps),
    createSsh: deps.createSsh ?? cliMachineSsh(ssh.settings),
    log: (message) => io.stderr(`${message}\n`),
    ...(deps.hasLocalClan === undefined ? {} : { hasLocalClan: deps.hasLocalClan }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  let planned;
  try {
    planned = await backend.deploy.plan({ name: location.value.name, design: loaded.value.design, ...(selection.ids === undefined ? {} : { machines: selection.ids }) });
  } catch (cause) {
    return fail(io, asJson, ExitCode.failed, { code: 'planFailed', message: `The plan could not be made: ${(cause as Error).message}. Report it if it keeps happening.` }, { file });
  }
  if (!planned.ok) {
    const exit = planned.error.code === 'invalidFileName' || planned.error.code === 'invalidDesign' ? ExitCode.usage : ExitCode.failed;
    return fail(io, asJson, exit, { code: planned.error.code, message: describeError(planned.error) }, { file });
  }
  const { plan } = planned.value;
  const clear = planIsClear(planVerdict(plan, selection.ids));
  const exit = clear ? ExitCode.ok : ExitCode.problems;
  if (asJson) io.stdout(`${JSON.stringify({ ok: clear, file, plan })}\n`);
  else io.stdout(planText(plan, { file, selection: selection.ids, files: values.files === true }));
  return exit;
}
