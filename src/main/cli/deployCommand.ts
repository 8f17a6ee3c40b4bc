import { basename } from 'node:path';
import { listText } from '../../shared/text';
import { historyFolderOf } from '../deploy/history';
import type { DeployServiceOptions } from '../services/deployService';
import { planOverview, planVerdict, reportText } from './deployText';
import { DeployProgressState } from './deployView';
import { ExitCode, type CliIo } from './io';
import { configurationErrors, failWithError, followJobCommand, jobFailedMessage, openJobCommand, printJobEnd, selectMachines, type JobCommandDeps } from './jobFollow';
import type { LiveRegion } from './liveTerminal';
import { sshHelp, sshOptionsHelp } from './sshOptions';
import { isYes } from './terminal';

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

// Where the test doubles have always found it.
export type { InterruptSource } from './terminal';

/** Test seams: the SSH side, the clan CLI, time limits, the terminal, the question, Ctrl+C and quitting at once. */
export interface DeployCommandDeps extends JobCommandDeps, Pick<DeployServiceOptions, 'hasLocalClan' | 'runLocal' | 'timeouts'> {
  /** Whether standard input and output are terminals (default: process.stdin.isTTY, process.stdout.isTTY). */
  terminal?: { stdin: boolean; stdout: boolean };
  /** The live region on standard output (default: log-update on process.stdout). */
  liveRegion?: () => Promise<LiveRegion>;
  /** Ends the process at once after a second Ctrl+C (default: process.exit). */
  exitNow?: (code: number) => void;
  /** Whether the live view may use colours (default: a terminal and no NO_COLOR). */
  color?: boolean;
}

/** `deploy <design-file>`: the deploy job on the command line. */
export async function runDeployCommand(argv: string[], io: CliIo, deps: DeployCommandDeps = {}): Promise<number> {
  const command = await openJobCommand(argv, io, deps, {
    name: 'deploy',
    usage,
    options: ['machines'],
    flags: { yes: { short: 'y' } },
    select: selectMachines,
    askFirst: (_selection, { file, flags }) =>
      flags.yes ? null : { why: 'deploy changes your machines, so it asks first', instead: `Review the plan with "clan-designer plan ${file}", then run deploy again with --yes.` },
    backend: { hasLocalClan: deps.hasLocalClan, runLocal: deps.runLocal, timeouts: deps.timeouts },
  });
  if (typeof command === 'number') return command;
  const { asJson, file, selection, backend, now } = command;
  const request = { name: command.location.name, design: command.design, ...(selection === undefined ? {} : { machines: selection }) };

  if (command.asks) {
    const planned = await backend.deploy.plan(request);
    if (!planned.ok) return failWithError(command, planned.error);
    const verdict = planVerdict(planned.value.plan, selection);
    command.tell(`Deploy plan (every step and command: clan-designer plan ${file}):\n${planOverview(planned.value.plan, selection).join('\n')}\n\n`);
    if (verdict.blockedAll !== null || verdict.deployable.length === 0) {
      command.tell('Nothing was deployed: no selected machine can be deployed now (see above).\n');
      return ExitCode.problems;
    }
    const question = `Deploy ${listText(verdict.deployable.map((m) => m.name))} now? Each switches to the new configuration. [y/N] `;
    const stop = await command.confirm({ question, accepts: isYes, declined: 'Nothing was deployed.', cancelled: 'Cancelled; nothing was changed.' });
    if (stop !== null) return stop;
  }

  const state = new DeployProgressState(selection);
  const terminalOut = deps.terminal?.stdout ?? process.stdout.isTTY === true;
  const live = !asJson && terminalOut ? await (deps.liveRegion ?? (async () => (await import('./liveTerminal')).createLiveTerminal(process.stdout)))() : null;
  const color = deps.color ?? (terminalOut && process.env.NO_COLOR === undefined);
  let footer = 'Ctrl+C cancels: machines not started yet do not start; a switch under way finishes.';
  const draw = () => {
    if (live === null) return;
    const size = live.size();
    live.render(state.frame({ title: `Deploying ${basename(file)}`, now: now(), width: size.columns, rows: size.rows, color, footer }));
  };
  /** A message for the person in the middle of the run: above the live view, else as the command's progress line. */
  const note = (text: string) => (live !== null ? live.persist(text) : command.note(text));
  const ticker = live === null ? null : setInterval(draw, 1000);
  let ran;
  try {
    ran = await followJobCommand(
      command,
      'deploy',
      async (start) => {
        const started = await backend.deploy.start({ ...request, hostKeys: start.hostKeys });
        // The view's first frame once the job runs; a refusal is printed after the terminal is given back.
        if (started.ok) draw();
        else live?.close();
        return started;
      },
      {
        note,
        onEvent: (event) => {
          state.apply(event);
          if (event.type === 'done') return;
          if (live !== null) draw();
          else if (!asJson) {
            const line = state.line(event);
            if (line !== null) note(line);
          }
        },
        cancelling: 'Cancelling the deploy (Ctrl+C again quits at once, which may leave machines mid-switch).',
        onCancel: () => {
          footer = 'Cancelling: machines not started will not start; a switch under way finishes. Ctrl+C again quits at once.';
          draw();
        },
        quitAtOnce: {
          warning:
            'Quit at once. Machines that were switching may be left mid-switch: the switch goes on on the machine under systemd-run, and unless it is confirmed its watchdog switches the machine back. Run "clan-designer plan" to see what each machine runs now; this run\'s history is incomplete.\n',
          before: () => live?.close(),
          exitNow: deps.exitNow,
        },
        usageErrors: configurationErrors,
        folderOf: historyFolderOf,
      },
    );
  } finally {
    if (ticker !== null) clearInterval(ticker);
  }
  // A number: the live view was given back already (before a refusal of the start, or at quitting at once).
  if (typeof ran === 'number') return ran;
  live?.close();

  const { end, historyDir } = ran;
  const report = end.report;
  const selected = report.machines.filter((m) => selection === undefined || selection.includes(m.machineId));
  const allDeployed = end.outcome === 'finished' && selected.length > 0 && selected.every((m) => m.status === 'deployed');
  const exit = end.outcome === 'cancelled' ? 130 : end.outcome === 'finished' ? (allDeployed ? ExitCode.ok : ExitCode.problems) : ExitCode.failed;
  return printJobEnd(command, {
    exit,
    failure: { code: 'deployFailed', message: jobFailedMessage('The deploy', command.logged, '; what each machine got to is below. Report it if it keeps happening.') },
    json: { runId: report.runId, history: historyDir, report },
    text: () => reportText(report, { file, selection, historyDir }),
  });
}
