import { homedir } from 'node:os';
import { SshClientPool } from '../ssh/sshClient';
import { keyFilePath } from '../ssh/keyFiles';
import { SshSettings } from '../ssh/sshSettings';
import type { MachineSsh, MachineSshHooks } from './checkJobs';
import { targetRequestOf } from './checkMachines';

/**
 * The SSH side of a job on the design's machines (check, deploy) for the person running the app: their ~/.ssh/config, ssh-agent, keys and
 * known_hosts, as their own ssh command would use them (a machine without a user in the design logs in as root, as
 * clan does, unless the config names a User). Keys picked in the app (file names in ~/.ssh) are tried after the
 * agent instead of the default key files. New host keys are asked about (or refused in strict mode); key
 * passphrases are asked through the UI and kept in memory for this job only.
 */
export function createMachineSsh(hooks: MachineSshHooks): MachineSsh & { pool: SshClientPool } {
  const homeDir = homedir();
  const picked = hooks.keyFiles?.flatMap((name) => {
    const path = keyFilePath(homeDir, name);
    return path.ok ? [path.value] : [];
  });
  const settings = new SshSettings({
    homeDir,
    env: process.env,
    askPassphrase: hooks.askPassphrase,
    defaultUser: 'root',
    ...(picked === undefined ? {} : { identityFiles: picked, defaultKeys: false }),
  });
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
