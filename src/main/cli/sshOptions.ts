import { homedir } from 'node:os';
import { describeError } from '../../shared/errors';
import { SshSettings } from '../ssh/sshSettings';
import { readTextFile, type CliFailure, type CommandOptions } from './io';

// The SSH options the commands that reach machines share (check, plan, deploy), and how they become the person's SSH
// settings: their ~/.ssh/config, ssh-agent, key files and known_hosts, as their own ssh command would use them. No
// command asks anything on the terminal: a key with a passphrase is used through ssh-agent only.

/** The options, for parseCommand. */
export const sshCommandOptions = {
  'known-hosts': { type: 'string' },
  'ssh-config': { type: 'string' },
  identity: { type: 'string', multiple: true },
} as const satisfies CommandOptions;

/** The same options, parsed. */
export interface SshOptionValues {
  'known-hosts'?: string;
  'ssh-config'?: string;
  identity?: string[];
}

/** The help text of the options, indented as every command's help is. */
export const sshOptionsHelp = `  --known-hosts FILE   known_hosts file to check host keys against (default ~/.ssh/known_hosts)
  --ssh-config FILE    SSH configuration to read (default ~/.ssh/config; a missing default file is fine)
  --identity FILE      private key to log in with, tried before the configuration's IdentityFile; may be given
                       more than once (default: the IdentityFile entries, else ~/.ssh/id_ed25519, id_ecdsa and
                       id_rsa, those that exist)`;

/** How SSH is used, for the help texts: the same words for every command that reaches machines. */
export const sshHelp = `SSH works as your own ssh command does: a machine's address may be a Host alias from your SSH configuration,
whose HostName, User, Port, IdentityFile, IdentitiesOnly, IdentityAgent and ProxyJump apply (a jump host drawn
in the design wins over ProxyJump; a user or a port other than 22 set in the design wins over the file). Keys are
offered from ssh-agent (SSH_AUTH_SOCK), then from the key files. Nothing is asked on the terminal: a key with a
passphrase is used through ssh-agent only (add it once with ssh-add), otherwise it is skipped.`;

/** Whose home and environment the settings are read for; tests pass their own. */
export interface SshEnvironment {
  /** Default os.homedir(). */
  homeDir?: string;
  /** Default process.env (SSH_AUTH_SOCK, USER, and ${VAR} in the SSH configuration). */
  env?: Record<string, string | undefined>;
}

/**
 * The person's SSH settings from the options: the identity files and the configuration must be readable and the
 * configuration must parse, else the failure says which file and why. Without passphrase questions (see above); the
 * design's empty user means root, as everywhere in the app.
 */
export async function loadSshSettings(values: SshOptionValues, environment: SshEnvironment = {}): Promise<{ ok: true; settings: SshSettings } | { ok: false; failure: CliFailure }> {
  const identityFiles = values.identity ?? [];
  for (const path of identityFiles) {
    const key = await readTextFile(path, 'the identity');
    if (!key.ok) return key;
  }
  const configPath = values['ssh-config'];
  if (configPath !== undefined) {
    const config = await readTextFile(configPath, 'the SSH configuration');
    if (!config.ok) return config;
  }
  const settings = new SshSettings({
    homeDir: environment.homeDir ?? homedir(),
    env: environment.env ?? process.env,
    ...(configPath === undefined ? {} : { configPath }),
    ...(values['known-hosts'] === undefined ? {} : { knownHostsPath: values['known-hosts'] }),
    identityFiles,
    defaultUser: 'root',
  });
  const config = await settings.loadConfig();
  if (!config.ok) return { ok: false, failure: { code: config.error.code, message: describeError(config.error) } };
  return { ok: true, settings };
}
