import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describeError } from '../../shared/errors';
import { IPERF_DEFAULT_PORT, iperfPortRange, iperfSecondsRange, pingCountRange } from '../../shared/measure/commands';
import { hasFigures, type MeasuredPair } from '../../shared/measure/report';
import type { Design } from '../../shared/model/types';
import { listText, quote } from '../../shared/text';
import type { MachineSshHooks } from '../services/checkJobs';
import type { DeploySsh } from '../services/deployService';
import type { MeasureServiceOptions } from '../services/measureService';
import { designStem } from '../services/projectFiles';
import { measureFolderOf } from '../measure/history';
import type { InterruptSource } from './deployCommand';
import { cliDataDir, cliMachineSsh, createCliDeployBackend, locateDesign } from './deployBackend';
import { ExitCode, fail, parseCommand, readDesignFile, type CliFailure, type CliIo } from './io';
import { followJob, stamp, usageErrors, wholeNumber } from './jobFollow';
import { measureReportText } from './measureText';
import { loadSshSettings, sshCommandOptions, sshHelp, sshOptionsHelp, type SshEnvironment, type SshOptionValues } from './sshOptions';

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
export interface MeasureCommandDeps extends SshEnvironment, Pick<MeasureServiceOptions, 'timeouts'> {
  createSsh?: (hooks: MachineSshHooks) => DeploySsh;
  interrupts?: InterruptSource;
  now?: () => number;
}

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
  const parsed = parseCommand(
    argv,
    { pairs: { type: 'string' }, seconds: { type: 'string' }, port: { type: 'string' }, pings: { type: 'string' }, strict: { type: 'boolean' }, 'accept-new': { type: 'boolean' }, 'data-dir': { type: 'string' }, ...sshCommandOptions },
    { io, usage, files: 'one', name: 'measure' },
  );
  if (typeof parsed === 'number') return parsed;
  const values = parsed.values as SshOptionValues & { pairs?: string; seconds?: string; port?: string; pings?: string; strict?: boolean; 'accept-new'?: boolean; 'data-dir'?: string };
  const asJson = parsed.json;
  const file = parsed.positionals[0]!;
  const unusable = (failure: CliFailure, withUsage = false) => fail(io, asJson, ExitCode.usage, failure, { file, ...(withUsage ? { usage } : {}) });
  if (values.strict === true && values['accept-new'] === true) return unusable({ code: 'usage', message: '--strict and --accept-new contradict each other; give one of them.' }, true);
  const seconds = wholeNumber(values.seconds, '--seconds', iperfSecondsRange.min, iperfSecondsRange.max);
  if (!seconds.ok) return unusable(seconds.failure);
  const port = wholeNumber(values.port, '--port', iperfPortRange.min, iperfPortRange.max);
  if (!port.ok) return unusable(port.failure);
  const pings = wholeNumber(values.pings, '--pings', pingCountRange.min, pingCountRange.max);
  if (!pings.ok) return unusable(pings.failure);
  const acceptNew = values['accept-new'] === true;
  const now = deps.now ?? Date.now;

  const location = locateDesign(file);
  if (!location.ok) return unusable(location.failure);
  const loaded = await readDesignFile(file);
  if (!loaded.ok) return unusable(loaded.failure);
  const pairs = parsePairs(loaded.value.design, values.pairs);
  if (!pairs.ok) return unusable(pairs.failure);
  const ssh = await loadSshSettings(values, deps);
  if (!ssh.ok) return unusable(ssh.failure);

  const logged: string[] = [];
  const backend = createCliDeployBackend({
    workspaceDir: location.value.workspaceDir,
    dataDir: cliDataDir(deps, values['data-dir']),
    createSsh: deps.createSsh ?? cliMachineSsh(ssh.settings),
    log: (message, details) => logged.push(`${message}${details instanceof Error ? `: ${details.message}` : ''}`),
    ...(deps.timeouts === undefined ? {} : { measureTimeouts: deps.timeouts }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
  });
  const note = (text: string) => (asJson ? io.stderr(`${text}\n`) : io.stdout(`${stamp(now())} ${text}\n`));
  const names = new Map<string, string>();
  const followed = await followJob(
    backend,
    'measure',
    () =>
      backend.measure.start({
        name: location.value.name,
        design: loaded.value.design,
        hostKeys: acceptNew ? 'ask' : 'strict',
        ...(pairs.pairs === undefined ? {} : { pairs: pairs.pairs }),
        ...(seconds.value === undefined ? {} : { seconds: seconds.value }),
        ...(port.value === undefined ? {} : { port: port.value }),
        ...(pings.value === undefined ? {} : { pings: { count: pings.value, intervalSeconds: 0.2 } }),
      }),
    {
      acceptNew,
      note,
      what: 'the measurement',
      ...(deps.interrupts === undefined ? {} : { interrupts: deps.interrupts }),
      onEvent: (event) => {
        if (asJson) return;
        switch (event.type) {
          case 'started':
            for (const m of event.machines) names.set(m.machineId, m.name);
            note(`measure started: ${event.machines.length} ${event.machines.length === 1 ? 'pair' : 'pairs'}, one after the other`);
            break;
          case 'machineStep':
            note(`${names.get(event.machineId) ?? event.machineId}: step ${event.step.index}/${event.step.total} ${event.step.label}`);
            break;
          case 'machineDone':
            note(`${names.get(event.machineId) ?? event.machineId}: ${hasFigures(event.result) ? 'measured' : 'not measured'}`);
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
  const report = end.report;
  const folder = join(location.value.workspaceDir, measureFolderOf(designStem(location.value.name)), report.runId);
  const historyDir = existsSync(folder) ? `${folder}/` : null;
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
      ? `The measurement itself failed${logged.length === 0 ? '' : ` (${logged.join('; ')})`}. Report it if it keeps happening.`
      : exit === ExitCode.failed
        ? 'No pair could be measured. The reasons are below; fix them (the way in, the VPN, iperf3 on the machines), then measure again.'
        : null;
  if (asJson) {
    io.stdout(`${JSON.stringify({ ok: exit === ExitCode.ok, file, runId: report.runId, history: historyDir, measured, report, ...(failure !== null ? { error: { code: end.outcome === 'failed' ? 'measureFailed' : 'nothingMeasured', message: failure } } : {}) })}\n`);
    return exit;
  }
  if (failure !== null) io.stderr(`${failure}\n`);
  io.stdout(`\n${measureReportText(report, { file, historyDir })}`);
  return exit;
}
