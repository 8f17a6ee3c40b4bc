import { parseArgs } from 'node:util';
import { appVersion, productName } from '../services/appInfo';
import { ExitCode, type CliIo } from './io';

const help = `${productName} ${appVersion}

Usage: clan-designer <command> [options]
       clan-designer --help | --version

Draw a family network, choose a mesh VPN from measured data, generate a Clan configuration and deploy it.

Options:
  --help, -h     show this help
  --version, -v  print the version
  --json         print machine-readable JSON instead of text (every command that prints results)

Commands:
  validate FILE  check a design file and print its problems
  advise FILE    rank the ten VPNs for a design, with the figures, roles and caveats behind each
                 (--priority throughput|latency|resilience|selfHosted|clanNative|decentralised ...)
  leaderboard    print the VPN benchmark table with slowdown factors and scores
                 (--profile baseline|low|medium|high, --preset balanced|fileTransfer|videoCalls|flakyLinks)
  generate FILE  write the Clan configuration for a design (--out DIR, --vpn ID what-if, --check, --force)
  check FILE     check every managed machine over SSH before a deploy (--strict | --accept-new,
                 --ssh-config FILE, --known-hosts FILE, --identity FILE, --concurrency N, --timeout SECONDS)
  preflight FILE the old name of check, still accepted
  plan FILE      show what a deploy would do, machine by machine with the exact commands, changing nothing
                 (--machines a,b, --files, and the SSH options of check)
  deploy FILE    deploy the design to its machines wave by wave, with a rollback watchdog on each
                 (--machines a,b, --yes, --strict | --accept-new, and the SSH options of check)
  install FILE   install NixOS on a machine that does not run it yet, ERASING the disk you name; lists the
                 machine's disks without --disk (--machine NAME, --disk PATH, --confirm-erase NAME:PATH off a
                 terminal, and the SSH options of check); never part of a deploy
  verify FILE    prove that every machine reaches every other over the VPN: reads each machine's overlay state
                 and prints the ping matrix with the failing pairs and why (--machines a,b, --tcp-port N,
                 --count N, and the SSH options of check)
  measure FILE   measure the links over the VPN with iperf3 and ping and print each next to the benchmark's
                 figures for the same VPN at the closest impairment profile (--pairs a:b,c:d, --seconds N,
                 --port N, --pings N, and the SSH options of check)
  serve          run the app in a browser (same as npm run serve)

Run "clan-designer COMMAND --help" for a command's options; options may stand before or after the file.

Exit codes: 0 ok, 1 the input has problems, 2 unusable input or arguments, 3 the operation failed.
`;

/** The commands, in the order the help lists them; `preflight` is the old name of `check`. */
const commands = ['validate', 'advise', 'leaderboard', 'generate', 'check', 'preflight', 'plan', 'deploy', 'install', 'verify', 'measure', 'serve'] as const;

/** Runs the CLI with the given arguments and returns its exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // The command is the first argument that names one; every other argument, before or after it, is the command's
  // (so "--json validate x" and "validate x --json" are the same).
  const commandIndex = argv.findIndex((arg) => (commands as readonly string[]).includes(arg) || arg === 'help');
  const command = commandIndex === -1 ? undefined : argv[commandIndex];
  if (command !== undefined && command !== 'help') {
    const commandArgs = [...argv.slice(0, commandIndex), ...argv.slice(commandIndex + 1)];
    return runCommand(command as (typeof commands)[number], commandArgs, io);
  }
  let values;
  try {
    ({ values } = parseArgs({
      args: argv.filter((_, i) => i !== commandIndex),
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        json: { type: 'boolean' },
      },
    }));
  } catch (cause) {
    const first = argv.find((arg) => !arg.startsWith('-'));
    return usageError(io, first === undefined ? (cause as Error).message : `Unknown command "${first}".`, argv.includes('--json'));
  }
  const json = values.json === true;
  if (values.version === true) {
    io.stdout(json ? `${JSON.stringify({ name: productName, version: appVersion })}\n` : `${appVersion}\n`);
    return ExitCode.ok;
  }
  if (json) io.stdout(`${JSON.stringify({ name: productName, version: appVersion, commands: commands.filter((c) => c !== 'preflight') })}\n`);
  else io.stdout(help);
  return command === undefined && values.help !== true ? ExitCode.usage : ExitCode.ok;
}

async function runCommand(command: (typeof commands)[number], commandArgs: string[], io: CliIo): Promise<number> {
  if (command === 'validate') {
    const { runValidate } = await import('./validateCommand');
    return runValidate(commandArgs, io);
  }
  if (command === 'advise') {
    const { runAdvise } = await import('./adviseCommand');
    return runAdvise(commandArgs, io);
  }
  if (command === 'leaderboard') {
    const { runLeaderboard } = await import('./leaderboardCommand');
    return runLeaderboard(commandArgs, io);
  }
  if (command === 'generate') {
    const { runGenerate } = await import('./generateCommand');
    return runGenerate(commandArgs, io);
  }
  // `preflight` is what `check` was called before; scripts that still use it keep working.
  if (command === 'check' || command === 'preflight') {
    const { runCheckCommand } = await import('./checkCommand');
    return runCheckCommand(commandArgs, io);
  }
  if (command === 'plan') {
    const { runPlanCommand } = await import('./planCommand');
    return runPlanCommand(commandArgs, io);
  }
  if (command === 'deploy') {
    const { runDeployCommand } = await import('./deployCommand');
    return runDeployCommand(commandArgs, io);
  }
  if (command === 'install') {
    const { runInstallCommand } = await import('./installCommand');
    return runInstallCommand(commandArgs, io);
  }
  if (command === 'verify') {
    const { runVerifyCommand } = await import('./verifyCommand');
    return runVerifyCommand(commandArgs, io);
  }
  if (command === 'measure') {
    const { runMeasureCommand } = await import('./measureCommand');
    return runMeasureCommand(commandArgs, io);
  }
  const { runServe } = await import('../serve/runServe');
  return runServe(commandArgs, io);
}

function usageError(io: CliIo, message: string, json: boolean): number {
  if (json) io.stdout(`${JSON.stringify({ ok: false, error: { code: 'usage', message } })}\n`);
  else io.stderr(`${message}\nRun "clan-designer --help" to see the commands.\n`);
  return ExitCode.usage;
}
