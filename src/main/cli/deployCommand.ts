import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describeError } from '../../shared/errors';
import type { DeployReport } from '../../shared/deploy/report';
import type { DeployProgress } from '../../shared/ipc/contract';
import type { JobPrompt } from '../../shared/ipc/jobs';
import { listText } from '../../shared/text';
import { historyFolderOf } from '../deploy/history';
import type { MachineSshHooks } from '../services/checkJobs';
import type { DeployServiceOptions, DeploySsh } from '../services/deployService';
import { designStem } from '../services/projectFiles';
import { cliDataDir, cliMachineSsh, createCliDeployBackend, locateDesign } from './deployBackend';
import { machineSelection, planOverview, planVerdict, reportText } from './deployText';
import { DeployProgressState } from './deployView';
import { ExitCode, fail, parseCommand, readDesignFile, type CliFailure, type CliIo } from './io';
import type { LiveRegion } from './liveTerminal';
import { loadSshSettings, sshCommandOptions, sshHelp, sshOptionsHelp, type SshEnvironment, type SshOptionValues } from './sshOptions';
import { confirmationNeeded, confirmOnTerminal, isYes, processInterrupts, stamp, type AskLine, type InterruptSource } from './terminal';

const usage = `Usage: clan-designer deploy <design-file> [--machines NAME,NAME...] [--yes] [--strict | --accept-new]
                      [--known-hosts FILE] [--ssh-config FILE] [--identity FILE]... [--data-dir DIR] [--json]

Deploys a design's Clan configuration to its machines, as the app's Deploy area does: it writes the configuration
beside the design (NAME.clan/), plans, makes the vars, then deploys wave by wave, several machines at once within
a wave. Each machine switches under systemd-run with a rollback watchdog armed first: unless the switch is confirmed
over a new SSH connection in time, the machine goes back to its previous system on its own. One machine failing
never stops the others, only the machines that need it. Every deploy is kept in NAME.deploys/<run>/ (the plan, the
result and each machine's log). "clan-designer plan" shows the same plan without doing anything.

Without --yes the plan is shown and you are asked to confirm; without a terminal to ask on, deploy refuses. On a
terminal a live view shows each machine's step, its last log line and the whole run's progress; otherwise (CI, a
pipe) one timestamped line per event is printed. Ctrl+C cancels as the app's Cancel does: machines not started yet
do not start, a machine before its switch stops there unchanged, a switch under way is never cut (it finishes and
its watchdog takes it back, since it is not confirmed), and the summary says what happened to each. A second Ctrl+C
quits at once and may leave machines mid-switch (their watchdogs still roll them back).

${sshHelp}

Options:
  --machines LIST      deploy only these machines (names from the design, separated by commas); machines they
                       need must be deployed already
  --yes, -y            deploy without asking (for scripts and CI)
  --strict             refuse host keys that are not in known_hosts (the default: nothing is asked)
  --accept-new         trust and record host keys seen for the first time, printing each; a changed key is always
                       refused. Without it a machine whose host key is unknown is not deployed
${sshOptionsHelp}
  --data-dir DIR       the app's data folder, where its own age key is kept (default as for "serve":
                       $CLAN_DESIGNER_DATA_DIR, else $XDG_DATA_HOME/clan-network-designer or
                       ~/.local/share/clan-network-designer)
  --json               print one JSON object at the end: the deploy's report and where it is kept (no live view)

Exit codes: 0 every selected machine was deployed, 1 some machine failed, was rolled back, skipped or is in an unknown
state (or nothing could be deployed), 2 the design or the options cannot be used, 3 the deploy itself failed,
130 cancelled (Ctrl+C).
`;

// Where the job commands and the test doubles have always found it.
export type { InterruptSource } from './terminal';

/** Test seams: the SSH side, the clan CLI, time limits, the terminal, the question, Ctrl+C and quitting at once. */
export interface DeployCommandDeps extends SshEnvironment, Pick<DeployServiceOptions, 'hasLocalClan' | 'runLocal' | 'timeouts' | 'now'> {
  createSsh?: (hooks: MachineSshHooks) => DeploySsh;
  /** Whether standard input and output are terminals (default: process.stdin.isTTY, process.stdout.isTTY). */
  terminal?: { stdin: boolean; stdout: boolean };
  /** Asks the confirmation on the terminal (default: askLineOnTerminal, the question on standard error). */
  askLine?: AskLine;
  /** The live region on standard output (default: log-update on process.stdout). */
  liveRegion?: () => Promise<LiveRegion>;
  interrupts?: InterruptSource;
  /** Ends the process at once after a second Ctrl+C (default: process.exit). */
  exitNow?: (code: number) => void;
  /** Whether the live view may use colours (default: a terminal and no NO_COLOR). */
  color?: boolean;
}

/** `deploy <design-file>`: the deploy job on the command line. */
export async function runDeployCommand(argv: string[], io: CliIo, deps: DeployCommandDeps = {}): Promise<number> {
  const parsed = parseCommand(
    argv,
    { machines: { type: 'string' }, yes: { type: 'boolean', short: 'y' }, strict: { type: 'boolean' }, 'accept-new': { type: 'boolean' }, 'data-dir': { type: 'string' }, ...sshCommandOptions },
    { io, usage, files: 'one', name: 'deploy' },
  );
  if (typeof parsed === 'number') return parsed;
  const values = parsed.values as SshOptionValues & { machines?: string; yes?: boolean; strict?: boolean; 'accept-new'?: boolean; 'data-dir'?: string };
  const asJson = parsed.json;
  const file = parsed.positionals[0]!;
  const unusable = (failure: CliFailure, withUsage = false) => fail(io, asJson, ExitCode.usage, failure, { file, ...(withUsage ? { usage } : {}) });
  if (values.strict === true && values['accept-new'] === true) return unusable({ code: 'usage', message: '--strict and --accept-new contradict each other; give one of them.' }, true);
  const acceptNew = values['accept-new'] === true;
  const terminal = deps.terminal ?? { stdin: process.stdin.isTTY === true, stdout: process.stdout.isTTY === true };
  const now = deps.now ?? Date.now;

  const location = locateDesign(file);
  if (!location.ok) return unusable(location.failure);
  const loaded = await readDesignFile(file);
  if (!loaded.ok) return unusable(loaded.failure);
  const selection = machineSelection(loaded.value.design, values.machines);
  if (!selection.ok) return unusable(selection.failure);
  if (values.yes !== true && !terminal.stdin) {
    return unusable(confirmationNeeded('deploy changes your machines, so it asks first', `Review the plan with "clan-designer plan ${file}", then run deploy again with --yes.`));
  }
  const ssh = await loadSshSettings(values, deps);
  if (!ssh.ok) return unusable(ssh.failure);

  // What the services log is kept, to explain a deploy that failed as a whole.
  const logged: string[] = [];
  const backend = createCliDeployBackend({
    workspaceDir: location.value.workspaceDir,
    dataDir: cliDataDir(deps, values['data-dir']),
    createSsh: deps.createSsh ?? cliMachineSsh(ssh.settings),
    log: (message, details) => logged.push(`${message}${details instanceof Error ? `: ${details.message}` : ''}`),
    ...(deps.hasLocalClan === undefined ? {} : { hasLocalClan: deps.hasLocalClan }),
    ...(deps.runLocal === undefined ? {} : { runLocal: deps.runLocal }),
    ...(deps.timeouts === undefined ? {} : { timeouts: deps.timeouts }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  const request = { name: location.value.name, design: loaded.value.design, ...(selection.ids === undefined ? {} : { machines: selection.ids }) };
  // Messages for the person that are not the report: on standard error with --json, else on standard output.
  const tell = (text: string) => (asJson ? io.stderr(text) : io.stdout(text));

  if (values.yes !== true) {
    const planned = await backend.deploy.plan(request);
    if (!planned.ok) return fail(io, asJson, planned.error.code === 'invalidDesign' || planned.error.code === 'invalidFileName' ? ExitCode.usage : ExitCode.failed, { code: planned.error.code, message: describeError(planned.error) }, { file });
    const verdict = planVerdict(planned.value.plan, selection.ids);
    tell(`Deploy plan (every step and command: clan-designer plan ${file}):\n${planOverview(planned.value.plan, selection.ids).join('\n')}\n\n`);
    if (verdict.blockedAll !== null || verdict.deployable.length === 0) {
      tell('Nothing was deployed: no selected machine can be deployed now (see above).\n');
      return ExitCode.problems;
    }
    const question = `Deploy ${listText(verdict.deployable.map((m) => m.name))} now? Each switches to the new configuration. [y/N] `;
    const stop = await confirmOnTerminal({ question, accepts: isYes, declined: 'Nothing was deployed.', cancelled: 'Cancelled; nothing was changed.' }, tell, deps.askLine);
    if (stop !== null) return stop;
  }

  const state = new DeployProgressState(selection.ids);
  const live = !asJson && terminal.stdout ? await (deps.liveRegion ?? (async () => (await import('./liveTerminal')).createLiveTerminal(process.stdout)))() : null;
  const color = deps.color ?? (terminal.stdout && process.env.NO_COLOR === undefined);
  let footer = 'Ctrl+C cancels: machines not started yet do not start; a switch under way finishes.';
  const draw = () => {
    if (live === null) return;
    const size = live.size();
    live.render(state.frame({ title: `Deploying ${basename(file)}`, now: now(), width: size.columns, rows: size.rows, color, footer }));
  };
  /** A message for the person in the middle of the run: above the live view, as a plain line, or on stderr with --json. */
  const note = (text: string) => {
    if (live !== null) live.persist(text);
    else if (asJson) io.stderr(`${text}\n`);
    else io.stdout(`${stamp(now())} ${text}\n`);
  };

  let jobId: string | null = null;
  let interrupts = 0;
  let settle: (code: number) => void = () => undefined;
  const finished = new Promise<number>((resolve) => (settle = resolve));
  let done: Extract<DeployProgress, { type: 'done' }> | null = null;
  const disconnect = backend.events.connect((channel, payload) => {
    if (channel === 'job:onDidProgress') {
      const event = payload as DeployProgress;
      if (event.kind !== 'deploy') return;
      jobId ??= event.jobId;
      state.apply(event);
      if (event.type === 'done') {
        done = event;
        settle(-1);
        return;
      }
      if (live !== null) draw();
      else if (!asJson) {
        const line = state.line(event);
        if (line !== null) io.stdout(`${stamp(now())} ${line}\n`);
      }
    }
    if (channel === 'job:onDidPrompt') {
      const prompt = payload as JobPrompt;
      // Answered after this event has gone out: the job registers the question before sending it.
      if (prompt.type === 'hostKey') {
        queueMicrotask(() => {
          if (acceptNew) note(`Trusting the new ${prompt.keyType} host key of ${prompt.machines.length === 0 ? prompt.host : listText(prompt.machines)} (${prompt.host}${prompt.port === 22 ? '' : `:${prompt.port}`}, ${prompt.fingerprint}) and recording it in ${prompt.knownHostsFile}.`);
          backend.jobs.answer({ promptId: prompt.promptId, trust: acceptNew });
        });
      } else if (prompt.type === 'passphrase') {
        // Keys with a passphrase are used through ssh-agent only: nothing is asked on the terminal.
        queueMicrotask(() => backend.jobs.answer({ promptId: prompt.promptId, passphrase: null }));
      }
    }
  });

  const cancel = () => {
    if (jobId !== null) backend.jobs.cancel(jobId);
  };
  const stopInterrupts = (deps.interrupts ?? processInterrupts).onInterrupt(() => {
    interrupts += 1;
    if (interrupts === 1) {
      footer = 'Cancelling: machines not started will not start; a switch under way finishes. Ctrl+C again quits at once.';
      note('Cancelling the deploy (Ctrl+C again quits at once, which may leave machines mid-switch).');
      cancel();
      draw();
      return;
    }
    live?.close();
    io.stderr(
      'Quit at once. Machines that were switching may be left mid-switch: the switch goes on on the machine under systemd-run, and unless it is confirmed its watchdog switches the machine back. Run "clan-designer plan" to see what each machine runs now; this run\'s history is incomplete.\n',
    );
    settle(130);
    (deps.exitNow ?? ((code: number) => process.exit(code)))(130);
  });
  const ticker = live === null ? null : setInterval(draw, 1000);

  try {
    const started = await backend.deploy.start({ ...request, hostKeys: acceptNew ? 'ask' : 'strict' });
    if (!started.ok) {
      const code = started.error.code;
      const exit = code === 'invalidDesign' || code === 'invalidFileName' || code === 'generateFailed' || code === 'generatedFilesChanged' ? ExitCode.usage : ExitCode.failed;
      live?.close();
      return fail(io, asJson, exit, { code, message: describeError(started.error), ...(started.error.details === undefined ? {} : { details: started.error.details }) }, { file });
    }
    jobId = started.value.jobId;
    // Ctrl+C before the job had its id: cancel it now, before any machine starts.
    if (interrupts > 0) cancel();
    draw();
    const quitAtOnce = await finished;
    if (quitAtOnce === 130) return 130;
  } finally {
    if (ticker !== null) clearInterval(ticker);
    stopInterrupts();
    disconnect();
  }
  live?.close();

  const end = done as Extract<DeployProgress, { type: 'done' }> | null;
  if (end === null) return ExitCode.failed;
  const report: DeployReport = end.report;
  const folder = join(location.value.workspaceDir, historyFolderOf(designStem(location.value.name)), report.runId);
  const historyDir = existsSync(folder) ? `${folder}/` : null;
  const selected = report.machines.filter((m) => selection.ids === undefined || selection.ids.includes(m.machineId));
  const allDeployed = end.outcome === 'finished' && selected.length > 0 && selected.every((m) => m.status === 'deployed');
  const exit = end.outcome === 'cancelled' ? 130 : end.outcome === 'finished' ? (allDeployed ? ExitCode.ok : ExitCode.problems) : ExitCode.failed;
  const failure = `The deploy itself failed${logged.length === 0 ? '' : ` (${logged.join('; ')})`}; what each machine got to is below. Report it if it keeps happening.`;
  if (asJson) {
    io.stdout(`${JSON.stringify({ ok: allDeployed, file, runId: report.runId, history: historyDir, report, ...(exit === ExitCode.failed ? { error: { code: 'deployFailed', message: failure } } : {}) })}\n`);
    return exit;
  }
  if (exit === ExitCode.failed) io.stderr(`${failure}\n`);
  io.stdout(`\n${reportText(report, { file, selection: selection.ids, historyDir })}`);
  return exit;
}
