import { parseArgs } from 'node:util';
import { appVersion, productName } from '../services/appInfo';

/** Exit codes of every command. */
export const ExitCode = {
  /** Everything is fine. */
  ok: 0,
  /** The input was read but has problems (for example validation errors). */
  problems: 1,
  /** The input or the arguments could not be used at all. */
  usage: 2,
  /** The operation itself failed (network, SSH, disk). */
  failed: 3,
} as const;

/** Where a command writes; a process in production, buffers in tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const help = `${productName} ${appVersion}

Usage: clan-designer [--json] <command> [options]
       clan-designer --help | --version

Draw a family network, choose a mesh VPN from measured data, generate a Clan configuration and deploy it.

Options:
  --help, -h     show this help
  --version, -v  print the version
  --json         print machine-readable JSON instead of text

Commands:
  validate FILE  check a design file and print its problems
  advise FILE    rank the ten VPNs for a design, with the figures, roles and caveats behind each
                 (--priority throughput|latency|resilience|selfHosted|clanNative|decentralised ...)
  leaderboard    print the VPN benchmark table with slowdown factors and scores
                 (--profile baseline|low|medium|high, --preset balanced|fileTransfer|videoCalls|flakyLinks)
  generate FILE  write the Clan flake for a design (--out DIR, --vpn ID what-if, --check, --force)
  preflight FILE check every managed machine over SSH before a deploy (--strict | --accept-new,
                 --ssh-config FILE, --known-hosts FILE, --identity FILE, --concurrency N, --timeout SECONDS)
  serve          run the app in a browser (same as npm run serve)

Run "clan-designer COMMAND --help" for a command's options.

Exit codes: 0 ok, 1 the input has problems, 2 unusable input or arguments, 3 the operation failed.
`;

/** Runs the CLI with the given arguments and returns its exit code. */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  // Global options come before the command; everything after the command belongs to it.
  const commandIndex = argv.findIndex((arg) => !arg.startsWith('-'));
  const globalArgs = commandIndex === -1 ? argv : argv.slice(0, commandIndex);
  const command = commandIndex === -1 ? undefined : argv[commandIndex];
  const commandArgs = commandIndex === -1 ? [] : argv.slice(commandIndex + 1);
  let values;
  try {
    ({ values } = parseArgs({
      args: globalArgs,
      strict: true,
      options: {
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
        json: { type: 'boolean' },
      },
    }));
  } catch (cause) {
    return usageError(io, (cause as Error).message, globalArgs.includes('--json'));
  }
  const json = values.json === true;

  if (values.version === true) {
    io.stdout(json ? `${JSON.stringify({ name: productName, version: appVersion })}\n` : `${appVersion}\n`);
    return ExitCode.ok;
  }
  if (values.help === true || command === undefined || command === 'help') {
    if (json) io.stdout(`${JSON.stringify({ name: productName, version: appVersion, commands: ['validate', 'advise', 'leaderboard', 'generate', 'preflight', 'serve'] })}\n`);
    else io.stdout(help);
    return command === undefined && values.help !== true ? ExitCode.usage : ExitCode.ok;
  }
  if (command === 'validate') {
    const { runValidate } = await import('./validateCommand');
    return runValidate(commandArgs, io, json);
  }
  if (command === 'advise') {
    const { runAdvise } = await import('./adviseCommand');
    return runAdvise(commandArgs, io, json);
  }
  if (command === 'leaderboard') {
    const { runLeaderboard } = await import('./leaderboardCommand');
    return runLeaderboard(commandArgs, io, json);
  }
  if (command === 'generate') {
    const { runGenerate } = await import('./generateCommand');
    return runGenerate(commandArgs, io, json);
  }
  if (command === 'preflight') {
    const { runPreflightCommand } = await import('./preflightCommand');
    return runPreflightCommand(commandArgs, io, json);
  }
  if (command === 'serve') {
    const { runServe } = await import('../serve/runServe');
    return runServe(commandArgs, io);
  }
  return usageError(io, `Unknown command "${command}".`, json);
}

function usageError(io: CliIo, message: string, json: boolean): number {
  if (json) io.stdout(`${JSON.stringify({ ok: false, error: { code: 'usage', message } })}\n`);
  else io.stderr(`${message}\nRun "clan-designer --help" to see the commands.\n`);
  return ExitCode.usage;
}
