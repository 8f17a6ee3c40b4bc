import { plural } from '../../shared/text';
import { probeCountRange } from '../../shared/verify/probe';
import type { VerifyMachineResult, VerifyReport } from '../../shared/verify/schema';
import type { VerifyServiceOptions } from '../services/verifyService';
import { verifyFolderOf } from '../verify/history';
import { machineSelection } from './deployText';
import { ExitCode, type CliIo } from './io';
import { jobFailedMessage, openJobCommand, printJobEnd, runJobCommand, type JobCommandDeps } from './jobFollow';
import { sshHelp, sshOptionsHelp } from './sshOptions';
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
export type VerifyCommandDeps = JobCommandDeps & Pick<VerifyServiceOptions, 'timeouts'>;

/** `verify <design-file>`: the verify job on the command line. */
export async function runVerifyCommand(argv: string[], io: CliIo, deps: VerifyCommandDeps = {}): Promise<number> {
  const command = await openJobCommand(argv, io, deps, {
    name: 'verify',
    usage,
    options: ['machines'],
    numbers: { 'tcp-port': { min: 1, max: 65535 }, count: probeCountRange },
    select: (design, values) => {
      const selection = machineSelection(design, values.machines);
      return selection.ok ? { ok: true, value: selection.ids } : selection;
    },
    ...(deps.timeouts === undefined ? {} : { backend: { verifyTimeouts: deps.timeouts } }),
  });
  if (typeof command === 'number') return command;
  const { numbers, selection } = command;
  const results: VerifyMachineResult[] = [];
  const ran = await runJobCommand(
    command,
    'verify',
    (request) =>
      command.backend.verify.start({
        ...request,
        ...(selection === undefined ? {} : { machines: selection }),
        ...(numbers['tcp-port'] === undefined ? {} : { tcpPort: numbers['tcp-port'] }),
        ...(numbers.count === undefined ? {} : { count: numbers.count }),
      }),
    {
      what: 'the verify',
      started: (count) => `verify started: ${count} ${plural(count, 'machine', 'machines')}`,
      onResult: (result) => results.push(result),
      machineDone: (result) => `${result.name}: ${result.ssh !== null ? 'not logged in over SSH' : result.state === null ? 'overlay state not read' : stateWords[result.state]}`,
      folderOf: verifyFolderOf,
    },
  );
  if (typeof ran === 'number') return ran;

  const { end, historyDir } = ran;
  const report: VerifyReport = end.report;
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
      ? { code: 'verifyFailed', message: jobFailedMessage('The verify', command.logged) }
      : nobodyLoggedIn
        ? { code: 'sshUnreachable', message: 'No machine could be logged in to over SSH, so no pair was tested. The reasons are below; fix the way in (address, key, host key), then verify again.' }
        : null;
  return printJobEnd(command, {
    exit,
    failure,
    json: { runId: report.runId, history: historyDir, tested, report, machines: results },
    text: () => verifyReportText(report, { file: command.file, results, historyDir }),
  });
}
