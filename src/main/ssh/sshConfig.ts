import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { hostname as localHostName } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { parse as parseConfigText, type Line } from 'ssh-config';
import { appError, type AppError } from '../../shared/errors';
import { err, ok, type Result } from '../../shared/result';
import { errnoOf } from '../errno';

/**
 * ~/.ssh/config, read the way OpenSSH reads it (ssh_config(5)), for the settings people rely on to reach their
 * machines: HostName, User, Port, IdentityFile, IdentitiesOnly, IdentityAgent and ProxyJump.
 *
 * The text is parsed by the `ssh-config` library (quoting, `=` separators, multi-value lines). The library's own
 * `compute()` is not used to resolve a host, because it differs from OpenSSH where it matters here: it does not
 * follow `Include` at all, matches `?` as "zero or one character", runs `Match exec` commands and `nslookup` for
 * CanonicalizeHostName synchronously (which would freeze the app's main process), and nests `Host` blocks found in
 * a section. So this module walks the parsed lines itself:
 *
 * - Lines are read in order; for each setting the first value obtained wins (IdentityFile accumulates).
 * - `Host` patterns: `*` and `?` wildcards, `!` negation (a matching negated pattern makes the block not apply).
 *   The host is lowercased first, as ssh does with the name it is given.
 * - `Match` with `all`, `host`, `originalhost`, `user`, `localuser` and `final` (with OpenSSH's second pass), each
 *   optionally negated with `!`. `exec`, `canonical`, `localnetwork`, `tagged` and other criteria are not evaluated:
 *   a Match block that uses them does not apply (ssh would run a command or resolve names for them).
 * - `Include` is followed (the library does not do it): paths relative to ~/.ssh, `~` and `*`/`?` globs, at most 16
 *   levels deep. An Include inside a Host/Match block applies only when that block does, and the including file's
 *   Host/Match state is restored after it, as OpenSSH does.
 * - Tokens in IdentityFile and IdentityAgent: %% %d %h %i %l %L %n %p %r %u %C and ${ENV}; `~` is the home folder.
 *   HostName accepts %h and %%.
 *
 * ProxyCommand, CanonicalizeHostName, HostKeyAlias and the other settings are not applied.
 */

/** One directive from a config file, in file order, with where it was written (for messages). */
interface Directive {
  /** Lowercase keyword, e.g. "hostname". */
  keyword: string;
  args: string[];
  file: string;
  line: number;
  /** For Include: the directives of each file it named, in glob order. */
  included?: Directive[][];
}

/** One hop of a ProxyJump list: `[user@]host[:port]` or `ssh://[user@]host[:port]`. */
export interface ProxyJumpHop {
  host: string;
  user?: string;
  port?: number;
}

/** What the config says about one host, with every default filled in and every token expanded. */
export interface ResolvedHost {
  /** The name asked for (an alias or an address), lowercased as ssh does. */
  host: string;
  /** The address to connect to: HostName, or the name asked for. */
  hostName: string;
  user: string;
  port: number;
  /** IdentityFile entries, absolute, in order, without duplicates. Empty when the config names none. */
  identityFiles: string[];
  identitiesOnly: boolean;
  /** The ssh-agent socket: IdentityAgent (expanded), else $SSH_AUTH_SOCK; null for `IdentityAgent none` or no agent. */
  agentSocket: string | null;
  /** ProxyJump hops in connection order; empty for none. */
  proxyJump: ProxyJumpHop[];
}

/** A host with the jump host it is reached through (which may have its own), as ProxyJump chains them. */
export interface ResolvedChain extends ResolvedHost {
  jump?: ResolvedChain;
}

/** What the config cannot know by itself: whose config it is. */
export interface SshConfigContext {
  homeDir: string;
  env: Record<string, string | undefined>;
  /** The local user name (%u, `Match localuser`). */
  localUser: string;
  /** The remote user when neither the caller nor the config names one. Default: the local user, as ssh does. */
  defaultUser?: string;
}

/** What the caller asks for, like ssh's command line: an explicit user or port wins over the config. */
export interface ResolveRequest {
  user?: string;
  port?: number;
}

const maxIncludeDepth = 16;
const maxJumpDepth = 8;

/** A config error at a place in a file. */
function invalid(file: string, line: number | undefined, reason: string): AppError {
  return appError('sshConfigInvalid', { path: file, ...(line === undefined ? {} : { line }), reason });
}

class ConfigError extends Error {
  constructor(readonly error: AppError) {
    super(String(error.details?.reason ?? error.code));
  }
}

/** The arguments of a parsed line as a list of words. */
function argsOf(value: string | { val: string }[]): string[] {
  if (typeof value === 'string') return value === '' ? [] : [value];
  return value.map((part) => part.val);
}

function countNewlines(text: string | undefined): number {
  let n = 0;
  for (const ch of text ?? '') if (ch === '\n') n += 1;
  return n;
}

/** Matches one ssh pattern (`*` any run, `?` exactly one character) against text. */
export function matchPattern(pattern: string, text: string): boolean {
  let regex = '^';
  for (const ch of pattern) {
    if (ch === '*') regex += '.*';
    else if (ch === '?') regex += '.';
    else regex += ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&');
  }
  return new RegExp(`${regex}$`, 's').test(text);
}

/** ssh's pattern-list rule: some pattern matches and no negated pattern does. */
export function matchPatternList(patterns: readonly string[], text: string): boolean {
  let matched = false;
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) {
      if (matchPattern(pattern.slice(1), text)) return false;
    } else if (matchPattern(pattern, text)) matched = true;
  }
  return matched;
}

/** Parses a ProxyJump value; `none` is the empty list. */
export function parseProxyJump(value: string): Result<ProxyJumpHop[], string> {
  if (value.trim().toLowerCase() === 'none') return ok([]);
  const hops: ProxyJumpHop[] = [];
  for (const raw of value.split(',')) {
    let rest = raw.trim();
    if (rest === '') return err(`an empty entry in the ProxyJump list "${value}"`);
    if (rest.toLowerCase().startsWith('ssh://')) rest = rest.slice(6).replace(/\/$/, '');
    let user: string | undefined;
    const at = rest.lastIndexOf('@');
    if (at >= 0) {
      user = rest.slice(0, at);
      rest = rest.slice(at + 1);
      if (user === '') return err(`an empty user name in the ProxyJump entry "${raw.trim()}"`);
    }
    let host = rest;
    let port: number | undefined;
    const bracketed = /^\[([^\]]+)\](?::(.*))?$/.exec(rest);
    if (bracketed !== null) {
      host = bracketed[1]!;
      if (bracketed[2] !== undefined) port = Number(bracketed[2]);
    } else if ((rest.match(/:/g) ?? []).length === 1) {
      const colon = rest.indexOf(':');
      host = rest.slice(0, colon);
      port = Number(rest.slice(colon + 1));
    }
    if (host === '' || /\s/.test(host)) return err(`no host name in the ProxyJump entry "${raw.trim()}"`);
    if (port !== undefined && (!Number.isInteger(port) || port < 1 || port > 65535)) return err(`a port that is not a number from 1 to 65535 in the ProxyJump entry "${raw.trim()}"`);
    hops.push({ host, ...(user === undefined ? {} : { user }), ...(port === undefined ? {} : { port }) });
  }
  return ok(hops);
}

/** The paths an Include pattern names: `~` expanded, relative to ~/.ssh, `*` and `?` globbed per path segment, sorted. */
async function expandInclude(pattern: string, homeDir: string): Promise<string[]> {
  let path = pattern;
  if (path === '~' || path.startsWith('~/')) path = join(homeDir, path.slice(1));
  else if (!isAbsolute(path)) path = join(homeDir, '.ssh', path);
  if (!/[*?]/.test(path)) return [path];
  const segments = path.split('/').filter((s) => s !== '');
  let found = ['/'];
  for (const [i, segment] of segments.entries()) {
    const last = i === segments.length - 1;
    const next: string[] = [];
    for (const base of found) {
      if (!/[*?]/.test(segment)) {
        next.push(join(base, segment));
        continue;
      }
      let names: string[];
      try {
        names = await readdir(base);
      } catch {
        continue; // a folder that is not there matches nothing, as glob(3)
      }
      for (const name of names.sort()) {
        if (name.startsWith('.') && !segment.startsWith('.')) continue;
        if (matchPattern(segment, name)) next.push(join(base, name));
      }
    }
    found = next;
    if (last) break;
  }
  return found;
}

/** Reads and flattens one config file, following Include. A missing top-level file is an empty config. */
async function readConfigFile(path: string, homeDir: string, depth: number, includedFrom?: { file: string; line: number }): Promise<Directive[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    const errno = errnoOf(cause) ?? 'unknown';
    // No config file is an empty config; an Include naming a file that is not there is skipped, as OpenSSH does.
    if (errno === 'ENOENT') return [];
    throw new ConfigError(appError('sshConfigInvalid', { path, errno, ...(includedFrom === undefined ? {} : { includedFrom: includedFrom.file, line: includedFrom.line }) }));
  }
  let lines: Line[];
  try {
    lines = parseConfigText(text);
  } catch (cause) {
    throw new ConfigError(invalid(path, undefined, (cause as Error).message));
  }
  const out: Directive[] = [];
  let lineNo = 1;
  const walk = async (list: readonly Line[]) => {
    for (const line of list) {
      lineNo += countNewlines(line.before);
      if ('param' in line) {
        const at = lineNo;
        const keyword = line.param.toLowerCase();
        if (!/^[a-z][a-z0-9]*$/.test(keyword)) throw new ConfigError(invalid(path, at, `"${line.param.trim()}" is not a setting name`));
        const args = argsOf(line.value);
        const directive: Directive = { keyword, args, file: path, line: at };
        if ((keyword === 'host' || keyword === 'match') && args.length === 0) throw new ConfigError(invalid(path, at, `${line.param} needs at least one pattern`));
        if (keyword === 'include') {
          if (depth >= maxIncludeDepth) throw new ConfigError(invalid(path, at, `Include is nested more than ${maxIncludeDepth} levels deep (does a file include itself?)`));
          directive.included = [];
          for (const pattern of args) {
            for (const file of await expandInclude(pattern, homeDir)) directive.included.push(await readConfigFile(file, homeDir, depth + 1, { file: path, line: at }));
          }
        }
        out.push(directive);
        lineNo += countNewlines(line.after);
        if ('config' in line) await walk(line.config);
      } else {
        lineNo += countNewlines(line.after);
      }
    }
  };
  await walk(lines);
  return out;
}

/** Settings collected during one resolution; the first value of each wins. */
interface Collected {
  values: Map<string, Directive>;
  identityFiles: Directive[];
  wantsFinalPass: boolean;
}

const tokenNames = new Set(['%', 'd', 'h', 'i', 'l', 'L', 'n', 'p', 'r', 'u', 'C', 'j', 'k']);

/** A parsed ~/.ssh/config, ready to resolve hosts. */
export class SshConfigFile {
  private constructor(
    private readonly directives: Directive[],
    /** The file it was read from. */
    readonly path: string,
    private readonly context: SshConfigContext,
  ) {}

  /** Reads a config file and every file it includes. A missing file is an empty config; unreadable or malformed ones are sshConfigInvalid. */
  static async load(path: string, context: SshConfigContext): Promise<Result<SshConfigFile, AppError>> {
    try {
      return ok(new SshConfigFile(await readConfigFile(path, context.homeDir, 0), path, context));
    } catch (cause) {
      if (cause instanceof ConfigError) return err(cause.error);
      throw cause;
    }
  }

  /** What the config says about `host`, as `ssh -G host` would print it (for the settings this module knows). */
  resolve(host: string, request: ResolveRequest = {}): Result<ResolvedHost, AppError> {
    try {
      return ok(this.resolveOrThrow(host, request));
    } catch (cause) {
      if (cause instanceof ConfigError) return err(cause.error);
      throw cause;
    }
  }

  /**
   * Resolves a host and its ProxyJump chain. For `ProxyJump a,b` the target is reached through b, and b through a,
   * as ssh does (it runs `ssh -J a -W target b`): b's own ProxyJump is replaced by the rest of the list, while the
   * first hop a keeps its own ProxyJump from the config. Loops and chains deeper than 8 hops are sshConfigInvalid.
   */
  resolveChain(host: string, request: ResolveRequest = {}): Result<ResolvedChain, AppError> {
    try {
      return ok(this.chainOrThrow(host, request, undefined, []));
    } catch (cause) {
      if (cause instanceof ConfigError) return err(cause.error);
      throw cause;
    }
  }

  private chainOrThrow(host: string, request: ResolveRequest, jumpOverride: ProxyJumpHop[] | undefined, seen: string[]): ResolvedChain {
    const resolved = this.resolveOrThrow(host, request);
    const path = [...seen, resolved.host];
    if (seen.includes(resolved.host) || path.length > maxJumpDepth) {
      throw new ConfigError(invalid(this.path, undefined, `the ProxyJump chain loops or is too long: ${path.join(' -> ')}. Add "!${resolved.host}" to the Host line that gives it a ProxyJump, or set "ProxyJump none" for it`));
    }
    const hops = jumpOverride ?? resolved.proxyJump;
    const last = hops[hops.length - 1];
    if (last === undefined) return resolved;
    const rest = hops.slice(0, -1);
    const jump = this.chainOrThrow(last.host, { user: last.user, port: last.port }, rest.length > 0 ? rest : undefined, path);
    return { ...resolved, jump };
  }

  private resolveOrThrow(rawHost: string, request: ResolveRequest): ResolvedHost {
    const host = rawHost.trim().toLowerCase();
    const { context } = this;
    const collected: Collected = { values: new Map(), identityFiles: [], wantsFinalPass: false };
    const get = (keyword: string) => collected.values.get(keyword)?.args[0];
    const state = { host, request, collected, context, finalPass: false };
    this.evaluate(this.directives, state);
    if (collected.wantsFinalPass) {
      // OpenSSH's final pass: the config is read again, `Match final` now matches and Host lines see the HostName.
      const hostName = get('hostname');
      this.evaluate(this.directives, { ...state, host: hostName === undefined ? host : this.expandHostName(hostName, host), finalPass: true });
    }

    const hostNameDirective = collected.values.get('hostname');
    const hostName = hostNameDirective === undefined ? host : this.expandHostName(hostNameDirective.args[0] ?? '', host, hostNameDirective);
    const user = request.user ?? get('user') ?? context.defaultUser ?? context.localUser;
    let port = request.port;
    const portDirective = collected.values.get('port');
    if (port === undefined && portDirective !== undefined) {
      const value = Number(portDirective.args[0]);
      if (!/^\d+$/.test(portDirective.args[0] ?? '') || value < 1 || value > 65535) throw new ConfigError(invalid(portDirective.file, portDirective.line, `Port "${portDirective.args.join(' ')}" is not a number from 1 to 65535`));
      port = value;
    }
    port ??= 22;

    let identitiesOnly = false;
    const onlyDirective = collected.values.get('identitiesonly');
    if (onlyDirective !== undefined) {
      const value = (onlyDirective.args[0] ?? '').toLowerCase();
      if (value === 'yes' || value === 'true') identitiesOnly = true;
      else if (value !== 'no' && value !== 'false') throw new ConfigError(invalid(onlyDirective.file, onlyDirective.line, `IdentitiesOnly must be yes or no, not "${onlyDirective.args.join(' ')}"`));
    }

    let proxyJump: ProxyJumpHop[] = [];
    const jumpDirective = collected.values.get('proxyjump');
    if (jumpDirective !== undefined) {
      const parsed = parseProxyJump(jumpDirective.args.join(' '));
      if (!parsed.ok) throw new ConfigError(invalid(jumpDirective.file, jumpDirective.line, `ProxyJump has ${parsed.error}`));
      proxyJump = parsed.value;
    }

    const tokens = this.tokens({ host, hostName, user, port, jump: jumpDirective?.args.join(' ') ?? '' });
    const identityFiles: string[] = [];
    for (const directive of collected.identityFiles) {
      const value = directive.args.join(' ');
      if (value.toLowerCase() === 'none') continue;
      const path = this.expandPath(value, tokens, directive, 'IdentityFile');
      if (!identityFiles.includes(path)) identityFiles.push(path);
    }

    let agentSocket: string | null = context.env.SSH_AUTH_SOCK === undefined || context.env.SSH_AUTH_SOCK === '' ? null : context.env.SSH_AUTH_SOCK;
    const agentDirective = collected.values.get('identityagent');
    if (agentDirective !== undefined) {
      const value = agentDirective.args.join(' ');
      if (value.toLowerCase() === 'none') agentSocket = null;
      else if (value === 'SSH_AUTH_SOCK') {
        // The literal name means "the environment's socket", which is the default already.
      } else if (/^\$[A-Za-z_][A-Za-z0-9_]*$/.test(value)) agentSocket = context.env[value.slice(1)] || null;
      else agentSocket = this.expandPath(value, tokens, agentDirective, 'IdentityAgent');
    }
    return { host, hostName, user, port, identityFiles, identitiesOnly, agentSocket, proxyJump };
  }

  /** One pass over the directives (and the files they include), setting what is not set yet. */
  private evaluate(directives: readonly Directive[], state: { host: string; request: ResolveRequest; collected: Collected; context: SshConfigContext; finalPass: boolean }): void {
    let active = true;
    for (const directive of directives) {
      switch (directive.keyword) {
        case 'host':
          active = matchPatternList(directive.args, state.host);
          continue;
        case 'match':
          active = this.matchCriteria(directive, state);
          continue;
        case 'include':
          // Included files start active when the including block is, and never change the including file's state.
          if (active) for (const file of directive.included ?? []) this.evaluate(file, state);
          continue;
      }
      if (!active) continue;
      if (directive.keyword === 'identityfile') state.collected.identityFiles.push(directive);
      else if (!state.collected.values.has(directive.keyword)) state.collected.values.set(directive.keyword, directive);
    }
  }

  private matchCriteria(directive: Directive, state: { host: string; request: ResolveRequest; collected: Collected; context: SshConfigContext; finalPass: boolean }): boolean {
    const words = directive.args;
    const currentHostName = () => {
      const set = state.collected.values.get('hostname')?.args[0];
      return set === undefined ? state.host : this.expandHostName(set, state.host);
    };
    const currentUser = () => state.request.user ?? state.collected.values.get('user')?.args[0] ?? state.context.defaultUser ?? state.context.localUser;
    let result = true;
    for (let i = 0; i < words.length; i += 1) {
      const word = words[i]!;
      const negated = word.startsWith('!');
      const criterion = (negated ? word.slice(1) : word).toLowerCase();
      let matched: boolean;
      if (criterion === 'all') matched = true;
      else if (criterion === 'final') {
        if (!state.finalPass) state.collected.wantsFinalPass = true;
        matched = state.finalPass;
      } else if (criterion === 'canonical') matched = false;
      else {
        const arg = words[i + 1];
        i += 1;
        if (arg === undefined) throw new ConfigError(invalid(directive.file, directive.line, `Match ${criterion} needs an argument`));
        const list = arg.split(',');
        switch (criterion) {
          case 'host':
            matched = matchPatternList(list, currentHostName());
            break;
          case 'originalhost':
            matched = matchPatternList(list, state.host);
            break;
          case 'user':
            matched = matchPatternList(list, currentUser());
            break;
          case 'localuser':
            matched = matchPatternList(list, state.context.localUser);
            break;
          default:
            // exec, localnetwork, tagged, ...: not evaluated here (see the module comment), so the block does not apply.
            return false;
        }
      }
      if (negated ? matched : !matched) result = false;
    }
    return result;
  }

  private expandHostName(value: string, host: string, directive?: Directive): string {
    return value.replace(/%(.)/g, (whole, token: string) => {
      if (token === '%') return '%';
      if (token === 'h') return host;
      if (directive !== undefined) throw new ConfigError(invalid(directive.file, directive.line, `HostName may only use the tokens %h and %%, not ${whole}`));
      return whole;
    });
  }

  private tokens(values: { host: string; hostName: string; user: string; port: number; jump: string }): Record<string, string> {
    const { context } = this;
    const full = localHostName();
    const short = full.split('.')[0] ?? full;
    return {
      '%': '%',
      d: context.homeDir,
      h: values.hostName,
      i: String(process.getuid?.() ?? ''),
      l: full,
      L: short,
      n: values.host,
      p: String(values.port),
      r: values.user,
      u: context.localUser,
      k: values.hostName,
      j: values.jump,
      C: createHash('sha1').update(`${full}${values.hostName}${values.port}${values.user}${values.jump}`).digest('hex'),
    };
  }

  /** `~`, %tokens and ${ENV} in a path; relative results are taken from the home folder. */
  private expandPath(value: string, tokens: Record<string, string>, directive: Directive, name: string): string {
    let path = value.replace(/%(.)|\$\{([^}]*)\}/g, (whole, token: string | undefined, env: string | undefined) => {
      if (token !== undefined) {
        if (!tokenNames.has(token)) throw new ConfigError(invalid(directive.file, directive.line, `${name} uses the unknown token ${whole}`));
        return tokens[token]!;
      }
      const found = this.context.env[env ?? ''];
      if (found === undefined) throw new ConfigError(invalid(directive.file, directive.line, `${name} uses the environment variable ${env}, which is not set`));
      return found;
    });
    if (path === '~' || path.startsWith('~/')) path = join(this.context.homeDir, path.slice(1));
    else if (path.startsWith('~')) throw new ConfigError(invalid(directive.file, directive.line, `${name} "${value}": ~user paths are not supported; write the full path`));
    // ssh takes a relative IdentityFile from its working folder, which for the app means nothing; the home folder is
    // where a person typing ssh usually is.
    else if (!isAbsolute(path)) path = join(this.context.homeDir, path);
    return path;
  }
}
