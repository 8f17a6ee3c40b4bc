import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { describeError } from '../../shared/errors';
import { matchPatternList, parseProxyJump, SshConfigFile, type ResolvedChain } from './sshConfig';

function home(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cnd-sshconfig-'));
  mkdirSync(join(dir, '.ssh'));
  return dir;
}

async function load(text: string, options: { env?: Record<string, string>; files?: Record<string, string>; homeDir?: string; defaultUser?: string } = {}) {
  const homeDir = options.homeDir ?? home();
  for (const [name, content] of Object.entries(options.files ?? {})) {
    mkdirSync(join(homeDir, name, '..'), { recursive: true });
    writeFileSync(join(homeDir, name), content);
  }
  const path = join(homeDir, '.ssh', 'config');
  writeFileSync(path, text);
  const config = await SshConfigFile.load(path, { homeDir, env: options.env ?? {}, localUser: 'me', ...(options.defaultUser === undefined ? {} : { defaultUser: options.defaultUser }) });
  if (!config.ok) throw new Error(`unexpected: ${describeError(config.error)}`);
  return { config: config.value, homeDir, path };
}

function resolved(config: SshConfigFile, host: string, request = {}) {
  const result = config.resolve(host, request);
  if (!result.ok) throw new Error(`unexpected: ${describeError(result.error)}`);
  return result.value;
}

/** The hops of a chain from the target outwards: "user@host:port" each. */
function hops(chain: ResolvedChain): string[] {
  const out: string[] = [];
  for (let hop: ResolvedChain | undefined = chain; hop !== undefined; hop = hop.jump) out.push(`${hop.user}@${hop.hostName}:${hop.port}`);
  return out;
}

describe('ssh config: resolving a host as OpenSSH does', () => {
  test('an alias gives its HostName, User, Port and IdentityFile; Host * fills in what is left', async () => {
    const { config, homeDir } = await load(['Host nas', '  HostName 192.168.1.10', '  User admin', '  Port 2222', '  IdentityFile ~/.ssh/nas_key', '', 'Host *', '  User everyone', '  IdentityFile ~/.ssh/id_common', '  IdentitiesOnly yes', ''].join('\n'));
    expect(resolved(config, 'nas')).toEqual({
      host: 'nas',
      hostName: '192.168.1.10',
      user: 'admin',
      port: 2222,
      identityFiles: [join(homeDir, '.ssh/nas_key'), join(homeDir, '.ssh/id_common')],
      identitiesOnly: true,
      agentSocket: null,
      proxyJump: [],
    });
    expect(resolved(config, 'other.example')).toMatchObject({ hostName: 'other.example', user: 'everyone', port: 22, identityFiles: [join(homeDir, '.ssh/id_common')] });
  });

  test('the first value obtained wins, so a Host * written first overrides later specific blocks (as in OpenSSH)', async () => {
    const { config } = await load(['Host *', '  User first', 'Host nas', '  User second', '  HostName nas.lan'].join('\n'));
    expect(resolved(config, 'nas')).toMatchObject({ user: 'first', hostName: 'nas.lan' });
  });

  test('settings before any Host line apply to every host; keywords are case-insensitive, = works as separator', async () => {
    const { config } = await load(['PORT=2200', 'host nas', '  hostname=nas.lan'].join('\n'));
    expect(resolved(config, 'NAS')).toMatchObject({ host: 'nas', hostName: 'nas.lan', port: 2200 });
  });

  test('an explicit user and port win over the config (like ssh user@host -p)', async () => {
    const { config } = await load(['Host nas', '  User admin', '  Port 2222'].join('\n'));
    expect(resolved(config, 'nas', { user: 'root', port: 22 })).toMatchObject({ user: 'root', port: 22 });
  });

  test('without any User the default user applies: the local user, or the one the caller names', async () => {
    expect(resolved((await load('')).config, 'x').user).toBe('me');
    expect(resolved((await load('', { defaultUser: 'root' })).config, 'x').user).toBe('root');
  });

  test('negated patterns exclude a host from a block; ? matches exactly one character', async () => {
    const { config } = await load(['Host * !bastion', '  ProxyJump bastion', 'Host web-?', '  User web'].join('\n'));
    expect(resolved(config, 'bastion').proxyJump).toEqual([]);
    expect(resolved(config, 'nas').proxyJump).toEqual([{ host: 'bastion' }]);
    expect(resolved(config, 'web-1').user).toBe('web');
    expect(resolved(config, 'web-12').user).toBe('me');
    expect(resolved(config, 'web-').user).toBe('me');
    expect(matchPatternList(['*.lan', '!secret.lan'], 'nas.lan')).toBe(true);
    expect(matchPatternList(['*.lan', '!secret.lan'], 'secret.lan')).toBe(false);
    expect(matchPatternList(['!secret.lan'], 'nas.lan')).toBe(false);
  });

  test('IdentityFile: several, in order, without duplicates; ~ and the tokens %d %h %r %u %p %% are expanded', async () => {
    const { config, homeDir } = await load(['Host nas', '  HostName nas.lan', '  User admin', '  Port 2222', '  IdentityFile ~/.ssh/%h_%r', '  IdentityFile %d/keys/%u-%p', '  IdentityFile "~/.ssh/with space%%"', '  IdentityFile ~/.ssh/nas.lan_admin', '  IdentityFile keys/relative'].join('\n'));
    expect(resolved(config, 'nas').identityFiles).toEqual([join(homeDir, '.ssh/nas.lan_admin'), join(homeDir, 'keys/me-2222'), join(homeDir, '.ssh/with space%'), join(homeDir, 'keys/relative')]);
  });

  test('an unknown token or an unset ${VAR} is refused with the file and line', async () => {
    const { config, path } = await load(['Host nas', '', '  IdentityFile ~/.ssh/%z', 'Host env', '  IdentityFile ${NOPE}/key'].join('\n'));
    const bad = config.resolve('nas');
    expect(bad).toMatchObject({ ok: false, error: { code: 'sshConfigInvalid', details: { path, line: 3 } } });
    expect(!bad.ok && describeError(bad.error)).toContain(`${path} (line 3) could not be used: IdentityFile uses the unknown token %z`);
    expect(config.resolve('env')).toMatchObject({ ok: false, error: { details: { line: 5, reason: 'IdentityFile uses the environment variable NOPE, which is not set' } } });
  });

  test('IdentityAgent: none turns the agent off, a path is expanded, SSH_AUTH_SOCK and $VAR read the environment', async () => {
    const env = { SSH_AUTH_SOCK: '/run/agent.sock', OTHER_SOCK: '/run/other.sock' };
    const { config, homeDir } = await load(['Host off', '  IdentityAgent none', 'Host path', '  IdentityAgent ~/.ssh/agent-%r.sock', 'Host named', '  IdentityAgent SSH_AUTH_SOCK', 'Host var', '  IdentityAgent $OTHER_SOCK'].join('\n'), { env });
    expect(resolved(config, 'plain').agentSocket).toBe('/run/agent.sock');
    expect(resolved(config, 'off').agentSocket).toBeNull();
    expect(resolved(config, 'path').agentSocket).toBe(join(homeDir, '.ssh/agent-me.sock'));
    expect(resolved(config, 'named').agentSocket).toBe('/run/agent.sock');
    expect(resolved(config, 'var').agentSocket).toBe('/run/other.sock');
  });

  test('bad values are refused with the line: Port, IdentitiesOnly, ProxyJump', async () => {
    const { config } = await load(['Host a', '  Port twenty', 'Host b', '  IdentitiesOnly maybe', 'Host c', '  ProxyJump bastion:99999'].join('\n'));
    expect(config.resolve('a')).toMatchObject({ ok: false, error: { code: 'sshConfigInvalid', details: { line: 2, reason: 'Port "twenty" is not a number from 1 to 65535' } } });
    expect(config.resolve('b')).toMatchObject({ ok: false, error: { details: { line: 4 } } });
    expect(config.resolve('c')).toMatchObject({ ok: false, error: { details: { line: 6 } } });
  });
});

describe('ssh config: ProxyJump', () => {
  test('parses user@host:port, ssh:// and [IPv6]:port forms, and none', () => {
    expect(parseProxyJump('admin@bastion:2222, ssh://jump@[2001:db8::1]:22,plain')).toEqual({
      ok: true,
      value: [{ host: 'bastion', user: 'admin', port: 2222 }, { host: '2001:db8::1', user: 'jump', port: 22 }, { host: 'plain' }],
    });
    expect(parseProxyJump('none')).toEqual({ ok: true, value: [] });
    expect(parseProxyJump('a,,b').ok).toBe(false);
    expect(parseProxyJump('@host').ok).toBe(false);
  });

  test('a chain a,b reaches the target through b and b through a; aliases in the chain are resolved too', async () => {
    const { config } = await load(
      ['Host nas', '  HostName 10.0.1.5', '  ProxyJump ops@gw1:2201,gw2', 'Host gw1', '  HostName gw1.example.org', 'Host gw2', '  HostName 10.0.0.2', '  User jumper', '  ProxyJump elsewhere'].join('\n'),
      { defaultUser: 'root' },
    );
    const chain = config.resolveChain('nas');
    expect(chain.ok && hops(chain.value)).toEqual(['root@10.0.1.5:22', 'jumper@10.0.0.2:22', 'ops@gw1.example.org:2201']);
  });

  test('the first hop keeps its own ProxyJump from the config', async () => {
    const { config } = await load(['Host nas', '  ProxyJump inner', 'Host inner', '  ProxyJump outer'].join('\n'));
    const chain = config.resolveChain('nas');
    expect(chain.ok && hops(chain.value)).toEqual(['me@nas:22', 'me@inner:22', 'me@outer:22']);
  });

  test('ProxyJump none ends the chain; a loop is refused with a hint instead of recursing forever', async () => {
    const { config } = await load(['Host bastion', '  ProxyJump none', 'Host *', '  ProxyJump bastion', ''].join('\n'));
    const chain = config.resolveChain('nas');
    expect(chain.ok && hops(chain.value)).toEqual(['me@nas:22', 'me@bastion:22']);
    const loop = await load(['Host *', '  ProxyJump bastion'].join('\n'));
    const refused = loop.config.resolveChain('nas');
    expect(refused).toMatchObject({ ok: false, error: { code: 'sshConfigInvalid' } });
    expect(!refused.ok && describeError(refused.error)).toContain('the ProxyJump chain loops or is too long: nas -> bastion -> bastion');
  });
});

describe('ssh config: Include and Match', () => {
  test('Include follows globs relative to ~/.ssh; included settings count where the Include stands', async () => {
    const { config } = await load(['Include config.d/*', 'Host nas', '  User late'].join('\n'), {
      files: { '.ssh/config.d/10-nas': 'Host nas\n  User early\n  HostName nas.lan\n', '.ssh/config.d/20-more': 'Host *\n  Port 2022\n', '.ssh/config.d/.hidden': 'Port 1\n' },
    });
    expect(resolved(config, 'nas')).toMatchObject({ user: 'early', hostName: 'nas.lan', port: 2022 });
  });

  test('an Include inside a Host block applies only to that host, and the including file goes on as before', async () => {
    const { config } = await load(['Host nas', '  Include ~/.ssh/nas.conf', '  Port 2200', 'Host *', '  User everyone'].join('\n'), {
      files: { '.ssh/nas.conf': 'User nasuser\nHost other\n  HostName other.lan\n' },
    });
    expect(resolved(config, 'nas')).toMatchObject({ user: 'nasuser', port: 2200, hostName: 'nas' });
    expect(resolved(config, 'other')).toMatchObject({ user: 'everyone', port: 22, hostName: 'other' });
  });

  test('an Include that includes itself is refused instead of recursing forever', async () => {
    const homeDir = home();
    const path = join(homeDir, '.ssh', 'config');
    writeFileSync(path, 'Include config\n');
    const result = await SshConfigFile.load(path, { homeDir, env: {}, localUser: 'me' });
    expect(result).toMatchObject({ ok: false, error: { code: 'sshConfigInvalid', details: { line: 1 } } });
  });

  test('Match host, originalhost, user and all apply; exec is not run, so its block does not apply', async () => {
    const { config } = await load(
      ['Host nas', '  HostName nas.lan', 'Match host *.lan user admin', '  Port 2201', 'Match originalhost nas', '  IdentitiesOnly yes', 'Match exec "touch /tmp/cnd-match-exec"', '  User executed', 'Match !host *.lan', '  Port 2299', 'Match all', '  User fallback'].join('\n'),
    );
    expect(resolved(config, 'nas', { user: 'admin' })).toMatchObject({ port: 2201, identitiesOnly: true, user: 'admin' });
    expect(resolved(config, 'nas')).toMatchObject({ port: 22, user: 'fallback' });
    expect(resolved(config, 'box')).toMatchObject({ port: 2299, identitiesOnly: false, user: 'fallback' });
  });

  test('Match final applies in a second pass, after HostName is known', async () => {
    const { config } = await load(['Host nas', '  HostName nas.lan', 'Match final host nas.lan', '  User finaluser'].join('\n'));
    expect(resolved(config, 'nas').user).toBe('finaluser');
  });
});

describe('ssh config: files that cannot be used', () => {
  test('a missing file is an empty config', async () => {
    const homeDir = home();
    const result = await SshConfigFile.load(join(homeDir, '.ssh', 'config'), { homeDir, env: {}, localUser: 'me' });
    expect(result.ok && resolved(result.value, 'nas.lan')).toEqual({ host: 'nas.lan', hostName: 'nas.lan', user: 'me', port: 22, identityFiles: [], identitiesOnly: false, agentSocket: null, proxyJump: [] });
  });

  test('an unreadable file is an error that says why', async () => {
    const homeDir = home();
    const path = join(homeDir, '.ssh', 'config');
    mkdirSync(path); // a folder where the file should be: reading it fails with EISDIR, even as root
    const result = await SshConfigFile.load(path, { homeDir, env: {}, localUser: 'me' });
    expect(result).toMatchObject({ ok: false, error: { code: 'sshConfigInvalid', details: { path, errno: 'EISDIR' } } });
    expect(!result.ok && describeError(result.error)).toContain(`The SSH configuration ${path} could not be used: it could not be read because the system reported EISDIR. No machine was contacted.`);
  });

  test('a file that does not parse is an error naming the problem', async () => {
    const homeDir = home();
    const path = join(homeDir, '.ssh', 'config');
    writeFileSync(path, 'Host nas\n  HostName "nas.lan\n');
    const result = await SshConfigFile.load(path, { homeDir, env: {}, localUser: 'me' });
    expect(result).toMatchObject({ ok: false, error: { code: 'sshConfigInvalid', details: { path } } });
    expect(!result.ok && describeError(result.error)).toMatch(/could not be used: Unexpected line break/);
    writeFileSync(path, 'Host\n');
    expect(await SshConfigFile.load(path, { homeDir, env: {}, localUser: 'me' })).toMatchObject({ ok: false, error: { details: { line: 1 } } });
  });
});
