import type { CheckStatus } from '../../shared/check';
import { checkMachines, targetRequestOf, type MachineCheckResult, type CheckPool } from '../services/checkMachines';
import { SshClientPool, type HostKeyPolicy } from '../ssh/sshClient';
import { ExitCode, fail, parseCommand, readDesignFile, type CliFailure, type CliIo } from './io';
import { loadSshSettings, sshCommandOptions, sshHelp, sshOptionsHelp, type SshEnvironment } from './sshOptions';

const usage = `Usage: clan-designer check <design-file> [--strict | --accept-new] [--known-hosts FILE]
                     [--ssh-config FILE] [--identity FILE]... [--concurrency N] [--timeout SECONDS] [--json]

Checks every managed machine of a design over SSH before a deploy, several at once: reachable, logged in, host
key known, NixOS (and version), Nix and flakes, architecture as in the design, memory, free disk, /dev/net/tun,
root or passwordless sudo, systemd-run and clock skew. Each finding says what was found, why it matters and what
to do, with a command to copy where there is one. Machines behind a drawn jump host are reached through it.

${sshHelp}

Options:
  --strict             refuse host keys that are not in known_hosts (OpenSSH StrictHostKeyChecking=yes)
  --accept-new         trust and record host keys seen for the first time (OpenSSH accept-new); a changed key is
                       always refused. Without --accept-new nothing is asked (no terminal is assumed): unknown keys
                       are refused, exactly as with --strict
${sshOptionsHelp}
  --concurrency N      machines checked at once (default 8)
  --timeout SECONDS    time limit per machine for connecting and checking (default 30)
  --json               print the findings as JSON

Exit codes: 0 every machine is ok (warnings may remain), 1 some machine has errors (including unreachable ones),
2 the design or the options cannot be used, 3 the check itself failed.
`;

const marks: Record<CheckStatus, string> = { ok: 'ok     ', warning: 'warning', error: 'error  ', skipped: 'skipped' };

/** Test seams: the pool the command uses (the real SshClientPool by default), and whose home and environment. */
export interface CheckCommandDeps extends SshEnvironment {
  createPool?: (options: { knownHostsPath: string; hostKeyPolicy: HostKeyPolicy; connectTimeoutMs: number }) => CheckPool & { dispose(): void };
}

/** `check <design-file>` (formerly `preflight`, still accepted): "Check machines" on the command line. */
export async function runCheckCommand(argv: string[], io: CliIo, deps: CheckCommandDeps = {}): Promise<number> {
  const parsed = parseCommand(
    argv,
    { strict: { type: 'boolean' }, 'accept-new': { type: 'boolean' }, ...sshCommandOptions, concurrency: { type: 'string' }, timeout: { type: 'string' } },
    { io, usage, files: 'one', name: 'check' },
  );
  if (typeof parsed === 'number') return parsed;
  const values = parsed.values as { strict?: boolean; 'accept-new'?: boolean; 'known-hosts'?: string; 'ssh-config'?: string; identity?: string[]; concurrency?: string; timeout?: string };
  const asJson = parsed.json;
  const file = parsed.positionals[0]!;
  const unusable = (failure: CliFailure, withUsage = false) => fail(io, asJson, ExitCode.usage, failure, { file, ...(withUsage ? { usage } : {}) });
  if (values.strict === true && values['accept-new'] === true) return unusable({ code: 'usage', message: '--strict and --accept-new contradict each other; give one of them.' }, true);
  const concurrency = values.concurrency === undefined ? 8 : Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) return unusable({ code: 'usage', message: `--concurrency must be a whole number from 1 to 256, not "${values.concurrency}".` });
  const timeoutSeconds = values.timeout === undefined ? 30 : Number(values.timeout);
  if (!Number.isFinite(timeoutSeconds) || timeoutSeconds <= 0 || timeoutSeconds > 3600) return unusable({ code: 'usage', message: `--timeout must be a number of seconds from 1 to 3600, not "${values.timeout}".` });

  const loaded = await readDesignFile(file);
  if (!loaded.ok) return unusable(loaded.failure);

  const loadedSsh = await loadSshSettings(values, deps);
  if (!loadedSsh.ok) return unusable(loadedSsh.failure);
  const { settings } = loadedSsh;
  const knownHostsPath = settings.knownHostsPath;
  const hostKeyPolicy: HostKeyPolicy =
    values['accept-new'] === true
      ? {
          mode: 'tofu',
          confirm: (prompt) => {
            io.stderr(`Trusting the new ${prompt.keyType} host key of ${prompt.host}${prompt.port === 22 ? '' : `:${prompt.port}`} (${prompt.fingerprint}) and recording it in ${knownHostsPath}.\n`);
            return Promise.resolve(true);
          },
        }
      : { mode: 'strict' };
  const timeoutMs = Math.round(timeoutSeconds * 1000);
  const createPool = deps.createPool ?? ((options) => new SshClientPool(options));
  const pool = createPool({ knownHostsPath, hostKeyPolicy, connectTimeoutMs: timeoutMs });
  let results: MachineCheckResult[];
  try {
    results = await checkMachines(loaded.value.design, { pool, resolveTarget: (machine, signal) => settings.resolveTarget(targetRequestOf(machine), signal), concurrency, timeoutMs });
  } catch (cause) {
    return fail(io, asJson, ExitCode.failed, { code: 'checkFailed', message: `The check could not run: ${(cause as Error).message}. Report it if it keeps happening.` }, { file });
  } finally {
    pool.dispose();
  }

  const failed = results.filter((r) => r.status === 'error').length;
  const exit = failed > 0 ? ExitCode.problems : ExitCode.ok;
  if (asJson) {
    io.stdout(`${JSON.stringify({ ok: failed === 0, file, machines: results })}\n`);
    return exit;
  }
  const lines = [`${file}: ${results.length} managed machines checked`];
  for (const r of results) {
    lines.push('', `${r.name} (${r.target ?? 'no SSH address'}${r.via === null ? '' : ` via ${r.via}`}): ${r.status}`);
    for (const f of r.findings) {
      lines.push(`  ${marks[f.status]}  ${f.id.padEnd(10)}  ${f.message}`);
      if (f.command !== undefined) lines.push(`                         to copy: ${f.command}`);
      if (f.id === 'hostKey' && f.status === 'error' && values['accept-new'] !== true && values.strict !== true) {
        lines.push('                         (run again with --accept-new to trust host keys seen for the first time)');
      }
    }
  }
  lines.push('', failed === 0 ? 'Every machine is ready for a deploy (see the warnings, if any).' : `${failed} of ${results.length} machines have errors; fix them before deploying.`);
  io.stdout(`${lines.join('\n')}\n`);
  return exit;
}
