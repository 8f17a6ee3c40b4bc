import { homedir } from 'node:os';
import { describeError } from '../../shared/errors';
import type { CheckStatus } from '../../shared/check';
import { checkMachines, targetRequestOf, type MachineCheckResult, type CheckPool } from '../services/checkMachines';
import { SshClientPool, type HostKeyPolicy } from '../ssh/sshClient';
import { SshSettings } from '../ssh/sshSettings';
import { ExitCode, fail, parseCommand, readDesignFile, readTextFile, type CliFailure, type CliIo } from './io';

const usage = `Usage: clan-designer check <design-file> [--strict | --accept-new] [--known-hosts FILE]
                     [--ssh-config FILE] [--identity FILE]... [--concurrency N] [--timeout SECONDS] [--json]

Checks every managed machine of a design over SSH before a deploy, several at once: reachable, logged in, host
key known, NixOS (and version), Nix and flakes, architecture as in the design, memory, free disk, /dev/net/tun,
root or passwordless sudo, systemd-run and clock skew. Each finding says what was found, why it matters and what
to do, with a command to copy where there is one. Machines behind a drawn jump host are reached through it.

SSH works as your own ssh command does: a machine's address may be a Host alias from your SSH configuration,
whose HostName, User, Port, IdentityFile, IdentitiesOnly, IdentityAgent and ProxyJump apply (a jump host drawn
in the design wins over ProxyJump; a user or a port other than 22 set in the design wins over the file). Keys are
offered from ssh-agent (SSH_AUTH_SOCK), then from the key files. Nothing is asked on the terminal: a key with a
passphrase is used through ssh-agent only (add it once with ssh-add), otherwise it is skipped.

Options:
  --strict             refuse host keys that are not in known_hosts (OpenSSH StrictHostKeyChecking=yes)
  --accept-new         trust and record host keys seen for the first time (OpenSSH accept-new); a changed key is
                       always refused. Without --accept-new nothing is asked (no terminal is assumed): unknown keys
                       are refused, exactly as with --strict
  --known-hosts FILE   known_hosts file to check host keys against (default ~/.ssh/known_hosts)
  --ssh-config FILE    SSH configuration to read (default ~/.ssh/config; a missing default file is fine)
  --identity FILE      private key to log in with, tried before the configuration's IdentityFile; may be given
                       more than once (default: the IdentityFile entries, else ~/.ssh/id_ed25519, id_ecdsa and
                       id_rsa, those that exist)
  --concurrency N      machines checked at once (default 8)
  --timeout SECONDS    time limit per machine for connecting and checking (default 30)
  --json               print the findings as JSON

Exit codes: 0 every machine is ok (warnings may remain), 1 some machine has errors (including unreachable ones),
2 the design or the options cannot be used, 3 the check itself failed.
`;

const marks: Record<CheckStatus, string> = { ok: 'ok     ', warning: 'warning', error: 'error  ', skipped: 'skipped' };

/** Test seams: the pool the command uses (the real SshClientPool by default), and whose home and environment. */
export interface CheckCommandDeps {
  createPool?: (options: { knownHostsPath: string; hostKeyPolicy: HostKeyPolicy; connectTimeoutMs: number }) => CheckPool & { dispose(): void };
  /** Default os.homedir(). */
  homeDir?: string;
  /** Default process.env (SSH_AUTH_SOCK, USER, and ${VAR} in the SSH configuration). */
  env?: Record<string, string | undefined>;
}

/** `check <design-file>` (formerly `preflight`, still accepted): "Check machines" on the command line. */
export async function runCheckCommand(argv: string[], io: CliIo, deps: CheckCommandDeps = {}): Promise<number> {
  const parsed = parseCommand(
    argv,
    { strict: { type: 'boolean' }, 'accept-new': { type: 'boolean' }, 'known-hosts': { type: 'string' }, 'ssh-config': { type: 'string' }, identity: { type: 'string', multiple: true }, concurrency: { type: 'string' }, timeout: { type: 'string' } },
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

  const homeDir = deps.homeDir ?? homedir();
  const identityFiles = values.identity ?? [];
  for (const path of identityFiles) {
    const key = await readTextFile(path, 'the identity');
    if (!key.ok) return unusable(key.failure);
  }
  const configPath = values['ssh-config'];
  if (configPath !== undefined) {
    const config = await readTextFile(configPath, 'the SSH configuration');
    if (!config.ok) return unusable(config.failure);
  }
  // No askPassphrase: the command never prompts on the terminal. A locked key is used through ssh-agent, or skipped
  // with a message that says to run ssh-add. The design's empty user means root, as everywhere in the app.
  const settings = new SshSettings({
    homeDir,
    env: deps.env ?? process.env,
    ...(configPath === undefined ? {} : { configPath }),
    ...(values['known-hosts'] === undefined ? {} : { knownHostsPath: values['known-hosts'] }),
    identityFiles,
    defaultUser: 'root',
  });
  const config = await settings.loadConfig();
  if (!config.ok) return unusable({ code: config.error.code, message: describeError(config.error) });
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
