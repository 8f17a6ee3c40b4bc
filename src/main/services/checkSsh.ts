import { homedir } from 'node:os';
import { SshClientPool } from '../ssh/sshClient';
import { SshSettings } from '../ssh/sshSettings';
import type { CheckSsh, CheckSshHooks } from './checkJobs';
import { targetRequestOf } from './preflight';

/**
 * The SSH side of "Check machines" for the person running the app: their ~/.ssh/config, ssh-agent, keys and
 * known_hosts, as their own ssh command would use them (a machine without a user in the design logs in as root, as
 * clan does, unless the config names a User). New host keys are asked about (or refused in strict
 * mode); key passphrases are asked through the UI and kept in memory for this check only.
 */
export function createCheckSsh(hooks: CheckSshHooks): CheckSsh {
  const settings = new SshSettings({ homeDir: homedir(), env: process.env, askPassphrase: hooks.askPassphrase, defaultUser: 'root' });
  const pool = new SshClientPool({
    knownHostsPath: settings.knownHostsPath,
    hostKeyPolicy: hooks.hostKeyMode === 'strict' ? { mode: 'strict' } : { mode: 'tofu', confirm: hooks.confirmHostKey },
  });
  return {
    pool,
    knownHostsPath: settings.knownHostsPath,
    resolveTarget: (machine, signal) => settings.resolveTarget(targetRequestOf(machine), signal),
  };
}
