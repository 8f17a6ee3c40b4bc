import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../../shared/errors';
import { probeCountRange } from '../../shared/verify/probe';
import type { VerifyMachineResult, VerifyReport } from '../../shared/verify/schema';
import type { MachineSshHooks } from '../services/checkJobs';
import type { DeploySsh } from '../services/deployService';
import type { VerifyServiceOptions } from '../services/verifyService';
import { designStem } from '../services/projectFiles';
import { verifyFolderOf } from '../verify/history';
import type { InterruptSource } from './deployCommand';
import { cliDataDir, cliMachineSsh, createCliDeployBackend, locateDesign } from './deployBackend';
import { machineSelection } from './deployText';
import { ExitCode, fail, parseCommand, readDesignFile, type CliFailure, type CliIo } from './io';
import { followJob, stamp, usageErrors, wholeNumber } from './jobFollow';
import { loadSshSettings, sshCommandOptions, sshHelp, sshOptionsHelp, type SshEnvironment, type SshOptionValues } from './sshOptions';
import { stateWords, verifyReportText } from './verifyText';

const usage = `Usage: clan-designer verify <design-file> [--machines NAME,NAME...] [--tcp-port N] [--count N]
                      [--strict | --accept-new] [--known-hosts FILE] [--ssh-config FILE] [--identity FILE]... [--json]

Proves that the machines of a deployed design reach each other over the VPN, as the app's Verify does: it logs in
to every managed machine of the VPN over SSH (several at once), reads its overlay state with read-only commands
(is the daemon running, which overlay address it has), has every machine ping every other machine's overlay
address at once (one command per machine), reads the paths the VPN took, and prints the matrix: rows ping
columns. Nothing is changed on any machine. A machine the app cannot log in to is listed apart: its pairs are not
tested, which says nothing about the VPN. Every run is kept in NAME.verifies/<run>/ (verify.json, verify.log).
docs/verify.md lists every command it runs, per VPN.

Ctrl+C cancels: commands running on the machines are stopped, and no matrix is built.

${sshHelp}

Options:
  --machines LIST      verify only the pairs between these machines (names from the design, separated by commas)
  --tcp-port N         after the pings, also try a TCP connection to port N on every address (e.g. 22)
  --count N            pings per pair, ${probeCountRange.min} to ${probeCountRange.max} (default ${probeCountRange.default})
  --strict             refuse host keys that are not in known_hosts (the default: nothing is asked)
  --accept-new         trust and record host keys seen for the first time, printing each; a changed key is always
                       refused. Without it a machine whose host key is unknown is not logged in to
${sshOptionsHelp}
  --data-dir DIR       the app's data folder (default as for "serve")
  --json               print one JSON object at the end: the verify report (with its matrix), each machine's result
                       and where the run is kept

Exit codes: 0 every tested pair was reached, 1 some pair was not (or lost pings, or could not be tested because a
machine could not be logged in to), 2 the design or the options cannot be used, 3 the verify could not run (no VPN,
no machine to log in to, a deploy running, or no machine could be logged in to at all), 130 cancelled (Ctrl+C).
`;

/** Test seams: the SSH side, time limits, Ctrl+C. */
export interface VerifyCommandDeps extends SshEnvironment, Pick<VerifyServiceOptions, 'timeouts'> {
  createSsh?: (hooks: MachineSshHooks) => DeploySsh;
  interrupts?: InterruptSource;
  now?: () => number;
}

/** `verify <design-file>`: the verify job on the command line. */
export async function runVerifyCommand(argv: string[], io: CliIo, deps: VerifyCommandDeps = {}): Promise<number> {
  const parsed = parseCommand(
    argv,
    { machines: { type: 'string' }, 'tcp-port': { type: 'string' }, count: { type: 'string' }, strict: { type: 'boolean' }, 'accept-new': { type: 'boolean' }, 'data-dir': { type: 'string' }, ...sshCommandOptions },
    { io, usage, files: 'one', name: 'verify' },
  );
  if (typeof parsed === 'number') return parsed;
  const values = parsed.values as SshOptionValues & { machines?: string; 'tcp-port'?: string; count?: string; strict?: boolean; 'accept-new'?: boolean; 'data-dir'?: string };
  const asJson = parsed.json;
  const file = parsed.positionals[0]!;
  const unusable = (failure: CliFailure, withUsage = false) => fail(io, asJson, ExitCode.usage, failure, { file, ...(withUsage ? { usage } : {}) });
  if (values.strict === true && values['accept-new'] === true) return unusable({ code: 'usage', message: '--strict and --accept-new contradict each other; give one of them.' }, true);
  const tcpPort = wholeNumber(values['tcp-port'], '--tcp-port', 1, 65535);
  if (!tcpPort.ok) return unusable(tcpPort.failure);
  const count = wholeNumber(values.count, '--count', probeCountRange.min, probeCountRange.max);
  if (!count.ok) return unusable(count.failure);
  const acceptNew = values['accept-new'] === true;
  const now = deps.now ?? Date.now;

  const location = locateDesign(file);
  if (!location.ok) return unusable(location.failure);
  const loaded = await readDesignFile(file);
  if (!loaded.ok) return unusable(loaded.failure);
  const selection = machineSelection(loaded.value.design, values.machines);
  if (!selection.ok) return unusable(selection.failure);
  const ssh = await loadSshSettings(values, deps);
  if (!ssh.ok) return unusable(ssh.failure);

  const logged: string[] = [];
  const backend = createCliDeployBackend({
    workspaceDir: location.value.workspaceDir,
    dataDir: cliDataDir(deps, values['data-dir']),
    createSsh: deps.createSsh ?? cliMachineSsh(ssh.settings),
    log: (message, details) => logged.push(`${message}${details instanceof Error ? `: ${details.message}` : ''}`),
    ...(deps.timeouts === undefined ? {} : { verifyTimeouts: deps.timeouts }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  const note = (text: string) => (asJson ? io.stderr(`${text}\n`) : io.stdout(`${stamp(now())} ${text}\n`));
  const names = new Map<string, string>();
  const results: VerifyMachineResult[] = [];
  const followed = await followJob(
    backend,
    'verify',
    () =>
      backend.verify.start({
        name: location.value.name,
        design: loaded.value.design,
        hostKeys: acceptNew ? 'ask' : 'strict',
        ...(selection.ids === undefined ? {} : { machines: selection.ids }),
        ...(tcpPort.value === undefined ? {} : { tcpPort: tcpPort.value }),
        ...(count.value === undefined ? {} : { count: count.value }),
      }),
    {
      acceptNew,
      note,
      what: 'the verify',
      ...(deps.interrupts === undefined ? {} : { interrupts: deps.interrupts }),
      onEvent: (event) => {
        switch (event.type) {
          case 'started':
            for (const m of event.machines) names.set(m.machineId, m.name);
            if (!asJson) note(`verify started: ${event.machines.length} ${event.machines.length === 1 ? 'machine' : 'machines'}`);
            break;
          case 'machineStep':
            if (!asJson) note(`${names.get(event.machineId) ?? event.machineId}: step ${event.step.index}/${event.step.total} ${event.step.label}`);
            break;
          case 'machineDone':
            results.push(event.result);
            if (!asJson) note(`${event.result.name}: ${event.result.ssh !== null ? 'not logged in over SSH' : event.result.state === null ? 'overlay state not read' : stateWords[event.result.state]}`);
            break;
          default:
            break;
        }
      },
    },
  );
  if (!followed.started) {
    const exit = usageErrors.includes(followed.error.code) ? ExitCode.usage : ExitCode.failed;
    return fail(io, asJson, exit, { code: followed.error.code, message: describeError(followed.error), ...(followed.error.details === undefined ? {} : { details: followed.error.details }) }, { file });
  }

  const end = followed.done;
  if (end === null) return ExitCode.failed;
  const report: VerifyReport = end.report;
  const folder = join(location.value.workspaceDir, verifyFolderOf(designStem(location.value.name)), report.runId);
  const historyDir = existsSync(folder) ? `${folder}/` : null;
  const counts = report.matrix?.counts;
  const tested = counts === undefined ? 0 : counts.pairs - counts.sshUntested;
  const nobodyLoggedIn = results.length > 0 && results.every((r) => r.ssh !== null);
  const exit =
    end.outcome === 'cancelled'
      ? 130
      : end.outcome !== 'finished' || counts === undefined || (nobodyLoggedIn && counts.pairs > 0)
        ? ExitCode.failed
        : counts.reached === counts.pairs
          ? ExitCode.ok
          : ExitCode.problems;
  const failure =
    end.outcome === 'failed'
      ? `The verify itself failed${logged.length === 0 ? '' : ` (${logged.join('; ')})`}. Report it if it keeps happening.`
      : nobodyLoggedIn
        ? 'No machine could be logged in to over SSH, so no pair was tested. The reasons are below; fix the way in (address, key, host key), then verify again.'
        : null;
  if (asJson) {
    io.stdout(`${JSON.stringify({ ok: exit === ExitCode.ok, file, runId: report.runId, history: historyDir, tested, report, machines: results, ...(exit === ExitCode.failed && failure !== null ? { error: { code: end.outcome === 'failed' ? 'verifyFailed' : 'sshUnreachable', message: failure } } : {}) })}\n`);
    return exit;
  }
  if (exit === ExitCode.failed && failure !== null) io.stderr(`${failure}\n`);
  io.stdout(`\n${verifyReportText(report, { file, results, historyDir })}`);
  return exit;
}
