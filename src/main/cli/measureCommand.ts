import { IPERF_DEFAULT_PORT, iperfPortRange, iperfSecondsRange, pingCountRange } from '../../shared/measure/commands';
import { hasFigures, type MeasuredPair } from '../../shared/measure/report';
import type { Design } from '../../shared/model/types';
import { listText, plural, quote } from '../../shared/text';
import type { MeasureServiceOptions } from '../services/measureService';
import { measureFolderOf } from '../measure/history';
import { ExitCode, type CliFailure, type CliIo } from './io';
import { jobFailedMessage, openJobCommand, printJobEnd, runJobCommand, type JobCommandDeps } from './jobFollow';
import { measureReportText } from './measureText';
import { sshHelp, sshOptionsHelp } from './sshOptions';

const usage = `Usage: clan-designer measure <design-file> [--pairs FROM:TO,FROM:TO...] [--seconds N] [--port N] [--pings N]
                       [--strict | --accept-new] [--known-hosts FILE] [--ssh-config FILE] [--identity FILE]... [--json]

Measures the links of a deployed design over the VPN, as the app's "Measure my network" does: for each pair, one
after the other, it starts a one-off iperf3 server on TO bound to TO's overlay address, runs the iperf3 client on
FROM (both directions at once, as the benchmark did), then pings TO from FROM. Each figure is printed next to the
benchmark's for the same VPN at the closest impairment profile (its value, the spread of its three machine pairs and
its slowdown factor, with the leaderboard's units and caveats), with a verdict. Without --pairs, each site's best
machine measures to the admin's machine. Every run is kept in NAME.measures/<run>/ (measure.json, measure.log), where
the app's advisor reads the newest. docs/measure.md lists every command it runs.

Ctrl+C cancels: commands running on the machines are stopped.

${sshHelp}

Options:
  --pairs LIST         the pairs to measure, FROM:TO by machine name, separated by commas (FROM runs the client and
                       the pings, TO the server)
  --seconds N          seconds of the throughput test, ${iperfSecondsRange.min} to ${iperfSecondsRange.max} (default ${iperfSecondsRange.default})
  --port N             TCP port of the one-off iperf3 server, ${iperfPortRange.min} to ${iperfPortRange.max} (default ${IPERF_DEFAULT_PORT}, which the
                       generated configuration opens on the VPN's interface)
  --pings N            pings per pair, 0.2 s apart, ${pingCountRange.min} to ${pingCountRange.max} (default ${pingCountRange.default})
  --strict             refuse host keys that are not in known_hosts (the default: nothing is asked)
  --accept-new         trust and record host keys seen for the first time, printing each; a changed key is always
                       refused. Without it a machine whose host key is unknown is not logged in to
${sshOptionsHelp}
  --data-dir DIR       the app's data folder (default as for "serve")
  --json               print one JSON object at the end: the measure report (every pair with its figures and their
                       comparison with the benchmark) and where the run is kept

Exit codes: 0 every pair was measured, 1 some pair was not (or only in part: no throughput, no ping reply), 2 the
design or the options cannot be used, 3 the measurement could not run (no VPN, no pair, a deploy or verify running,
or no pair could be measured at all), 130 cancelled (Ctrl+C).
`;

/** Test seams: the SSH side, time limits, Ctrl+C. */
export type MeasureCommandDeps = JobCommandDeps & Pick<MeasureServiceOptions, 'timeouts'>;

/** `--pairs a:b,c:d` as machine ids, or why not. */
function parsePairs(design: Design, value: string | undefined): { ok: true; pairs: { from: string; to: string }[] | undefined } | { ok: false; failure: CliFailure } {
  if (value === undefined) return { ok: true, pairs: undefined };
  const machines = Object.values(design.machines);
  const known = `The design's machines are ${machines.length === 0 ? 'none' : listText(machines.map((m) => quote(m.name)))}.`;
  const byName = (name: string) => machines.find((m) => m.name === name) ?? machines.find((m) => m.id === name);
  const pairs: { from: string; to: string }[] = [];
  for (const part of value.split(',').map((p) => p.trim()).filter((p) => p !== '')) {
    const [from, to, ...rest] = part.split(':').map((n) => n.trim());
    if (from === undefined || to === undefined || from === '' || to === '' || rest.length > 0) {
      return { ok: false, failure: { code: 'usage', message: `--pairs takes FROM:TO pairs of machine names separated by commas, for example --pairs parents-pi:nas,vps:nas; "${part}" is not one. ${known}` } };
    }
    const a = byName(from);
    const b = byName(to);
    const missing = a === undefined ? from : b === undefined ? to : null;
    if (missing !== null) return { ok: false, failure: { code: 'usage', message: `The design has no machine named ${quote(missing)}. ${known}` } };
    pairs.push({ from: a!.id, to: b!.id });
  }
  if (pairs.length === 0) return { ok: false, failure: { code: 'usage', message: `--pairs needs at least one FROM:TO pair, for example --pairs parents-pi:nas. ${known}` } };
  return { ok: true, pairs };
}

/** Whether a pair got every figure it should: both directions of throughput and ping replies, without problems. */
function fullyMeasured(pair: MeasuredPair): boolean {
  const link = pair.link;
  return link !== null && link.forwardMbps !== null && link.reverseMbps !== null && link.rttAvgMs !== null && pair.problems.length === 0;
}

/** `measure <design-file>`: "Measure my network" on the command line. */
export async function runMeasureCommand(argv: string[], io: CliIo, deps: MeasureCommandDeps = {}): Promise<number> {
  const command = await openJobCommand(argv, io, deps, {
    name: 'measure',
    usage,
    options: ['pairs'],
    numbers: { seconds: iperfSecondsRange, port: iperfPortRange, pings: pingCountRange },
    select: (design, values) => {
      const pairs = parsePairs(design, values.pairs);
      return pairs.ok ? { ok: true, value: pairs.pairs } : pairs;
    },
    ...(deps.timeouts === undefined ? {} : { backend: { measureTimeouts: deps.timeouts } }),
  });
  if (typeof command === 'number') return command;
  const { numbers, selection } = command;
  const ran = await runJobCommand(
    command,
    'measure',
    (request) =>
      command.backend.measure.start({
        ...request,
        ...(selection === undefined ? {} : { pairs: selection }),
        ...(numbers.seconds === undefined ? {} : { seconds: numbers.seconds }),
        ...(numbers.port === undefined ? {} : { port: numbers.port }),
        ...(numbers.pings === undefined ? {} : { pings: { count: numbers.pings, intervalSeconds: 0.2 } }),
      }),
    {
      what: 'the measurement',
      started: (count) => `measure started: ${count} ${plural(count, 'pair', 'pairs')}, one after the other`,
      machineDone: (result, name) => `${name}: ${hasFigures(result) ? 'measured' : 'not measured'}`,
      folderOf: measureFolderOf,
    },
  );
  if (typeof ran === 'number') return ran;

  const { end, historyDir } = ran;
  const report = end.report;
  const measured = report.pairs.filter(hasFigures).length;
  const exit =
    end.outcome === 'cancelled'
      ? 130
      : end.outcome !== 'finished' || measured === 0
        ? ExitCode.failed
        : report.pairs.every(fullyMeasured)
          ? ExitCode.ok
          : ExitCode.problems;
  const failure =
    end.outcome === 'failed'
      ? { code: 'measureFailed', message: jobFailedMessage('The measurement', command.logged) }
      : exit === ExitCode.failed
        ? { code: 'nothingMeasured', message: 'No pair could be measured. The reasons are below; fix them (the way in, the VPN, iperf3 on the machines), then measure again.' }
        : null;
  return printJobEnd(command, {
    exit,
    failure,
    json: { runId: report.runId, history: historyDir, measured, report },
    text: () => measureReportText(report, { file: command.file, historyDir }),
  });
}
