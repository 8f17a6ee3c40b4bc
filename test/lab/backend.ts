import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createBackend, type Backend, type BackendOptions } from '../../src/main/rpc/createBackend';
import { SshClientPool } from '../../src/main/ssh/sshClient';
import type { LabSuite } from './suite';

/**
 * The app's own back end (serve mode, as the server builds it) logging in to the lab: design files in `workspace`, its
 * data in the suite's scratch folder, and machine SSH with the lab user's key (`user`, default the sudo user) and a
 * known_hosts of the test's own (`knownHostsFile` in the scratch folder, default known_hosts). New host keys are
 * trusted, as a person would after comparing them (the host-key prompt itself is the check tests' subject). `verify`
 * sets the verify job's time limits.
 */
export function labBackend(
  suite: LabSuite,
  options: { workspace: string; user?: 'sudo' | 'plain'; knownHostsFile?: string; verify?: BackendOptions['verify'] },
): Backend {
  const dataDir = join(suite.work, 'data');
  mkdirSync(dataDir, { recursive: true });
  const knownHostsPath = join(suite.work, options.knownHostsFile ?? 'known_hosts');
  const user = suite.lab.users[options.user ?? 'sudo'];
  return createBackend({
    mode: 'serve',
    log: () => undefined,
    workspaceDir: options.workspace,
    dataDir,
    cleanStaleTempFiles: false,
    createMachineSsh: () => {
      const pool = suite.track(new SshClientPool({ knownHostsPath, connectTimeoutMs: 5_000, hostKeyPolicy: { mode: 'tofu', confirm: async () => true } }));
      return { pool, knownHostsPath, identityFor: () => ({ privateKey: user.privateKey }) };
    },
    ...(options.verify === undefined ? {} : { verify: options.verify }),
  });
}
