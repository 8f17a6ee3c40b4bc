import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli/io';
import { ConfinedFolder } from '../fs/confinedFolder';
import { createBackend } from '../rpc/createBackend';
import { defaultServeFolders, resolveProjectFolders } from '../services/projectFiles';
import { canonicalOrigin, checkHostName, isLoopbackHost, isWildcardHost, lanAddresses, localHostNames } from './access';
import { installProcessGuard } from './processGuard';
import { startServer, type ServeHandle } from './server';
import { DEFAULT_SESSION_LIFETIME_MS, formatPairingCode, parseDuration, SessionStore, type PairingCodeNotice } from './sessions';
import { loadOrCreateCertificate, readCertificateFiles, type ServeCertificate } from './tls';
import { readTextIn, writePrivateFile } from '../fs/privateFile';
import { errnoOf } from '../errno';

// Serve mode: the whole app in a browser, served from this computer or a home server.

/** The sign-ins of paired browsers (hashes only), in the data folder. */
const SESSIONS_FILE = 'serve-sessions.json';

const usage = `Usage: npm run serve -- [options]

Serves Clan Network Designer to a web browser. A browser gets in by pairing: open the link printed below
(or type the pairing code it shows); the browser then stays signed in until its session expires.

  --host ADDRESS          address to listen on (default 127.0.0.1: this computer only;
                          0.0.0.0 or a LAN address: other computers too, over HTTPS)
  --port N                port to listen on (default 7420; 0 picks a free one)
  --workspace DIR         folder for design files (default: $CLAN_DESIGNER_WORKSPACE, else ~/Clan Designs)
  --data-dir DIR          folder for recent files, autosaves, sign-ins and the certificate
                          (default: $CLAN_DESIGNER_DATA_DIR, else $XDG_DATA_HOME/clan-network-designer
                          or ~/.local/share/clan-network-designer)
  --allow-host NAME       another name the server is reached by, e.g. homeserver.local or the name of
                          a reverse proxy in front of it (repeatable)
  --allow-origin URL      the address of a reverse proxy in front of the server, e.g.
                          https://designer.example.org (repeatable)
  --tls-cert FILE         serve HTTPS with this certificate (PEM) instead of the server's own
  --tls-key FILE          the private key of --tls-cert (PEM)
  --tls                   serve HTTPS even on 127.0.0.1
  --no-tls                serve plain HTTP; only on 127.0.0.1 (behind a reverse proxy that does HTTPS)
  --session-lifetime D    how long a paired browser stays signed in: 30d (default), 12h, 90m, ...
`;

/**
 * The built renderer sits next to the main bundle (out/renderer beside out/main). This module may be bundled
 * into out/main or a chunk folder below it, so look in both places.
 */
export function findRendererDir(from = import.meta.dirname): string {
  const candidates = [join(from, '../renderer'), join(from, '../../renderer')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

/** A clock time for console lines, in the server's local time. */
function clock(ms: number): string {
  return new Date(ms).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
}

function lifetimeText(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'day'],
    [3_600_000, 'hour'],
    [60_000, 'minute'],
    [1000, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) return `${ms / size} ${name}${ms / size === 1 ? '' : 's'}`;
  }
  return `${Math.round(ms / 1000)} seconds`;
}

const codeReasons: Record<PairingCodeNotice['reason'], string> = {
  start: '',
  expired: 'someone tried to pair after the last one had expired',
  requested: 'a browser asked for one',
  signedOutEverywhere: 'every browser was signed out',
};

/**
 * Starts serve mode with command-line arguments. Returns an exit code, or -1 while the server keeps running
 * (it stops on SIGINT/SIGTERM).
 */
export async function runServe(argv: string[], io: CliIo, rendererDir = findRendererDir()): Promise<number> {
  let values: {
    host?: string;
    port?: string;
    workspace?: string;
    'data-dir'?: string;
    'allow-host'?: string[];
    'allow-origin'?: string[];
    'tls-cert'?: string;
    'tls-key'?: string;
    tls?: boolean;
    'no-tls'?: boolean;
    'session-lifetime'?: string;
    help?: boolean;
  };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        host: { type: 'string' },
        port: { type: 'string' },
        workspace: { type: 'string' },
        'data-dir': { type: 'string' },
        'allow-host': { type: 'string', multiple: true },
        'allow-origin': { type: 'string', multiple: true },
        'tls-cert': { type: 'string' },
        'tls-key': { type: 'string' },
        tls: { type: 'boolean' },
        'no-tls': { type: 'boolean' },
        'session-lifetime': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (cause) {
    io.stderr(`${(cause as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help === true) {
    io.stdout(usage);
    return 0;
  }
  const host = values.host ?? process.env.CLAN_DESIGNER_HOST ?? '127.0.0.1';
  const portText = values.port ?? process.env.CLAN_DESIGNER_PORT ?? '7420';
  const port = Number(portText);
  if (!/^\d+$/.test(portText) || port > 65535) {
    io.stderr(`The port "${portText}" is not a number between 0 and 65535. Pick another with --port.\n`);
    return 2;
  }
  const allowHosts = values['allow-host'] ?? [];
  const allowOrigins = values['allow-origin'] ?? [];
  try {
    allowHosts.forEach(checkHostName);
    allowOrigins.forEach(canonicalOrigin);
  } catch (cause) {
    io.stderr(`${(cause as Error).message}. Nothing was started.\n`);
    return 2;
  }
  const sessionLifetimeMs = values['session-lifetime'] === undefined ? DEFAULT_SESSION_LIFETIME_MS : parseDuration(values['session-lifetime']);
  if (sessionLifetimeMs === undefined) {
    io.stderr(`--session-lifetime "${values['session-lifetime']}" is not a duration. Give a number with s, m, h or d, for example 30d or 12h.\n`);
    return 2;
  }
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    io.stderr('--tls-cert and --tls-key go together: give the certificate and its private key. Nothing was started.\n');
    return 2;
  }
  const loopback = isLoopbackHost(host);
  if (values['no-tls'] === true && (values.tls === true || values['tls-cert'] !== undefined)) {
    io.stderr('--no-tls cannot be combined with --tls or --tls-cert. Nothing was started.\n');
    return 2;
  }
  if (values['no-tls'] === true && !loopback) {
    io.stderr(
      `--no-tls is only allowed on 127.0.0.1: on ${host}, the pairing code and the session cookie would cross your network unencrypted.\n` +
        'Leave out --no-tls (the server then makes its own certificate), or listen on 127.0.0.1 behind a reverse proxy that speaks HTTPS\n' +
        '(start with --host 127.0.0.1 --no-tls --allow-origin https://NAME-OF-THE-PROXY).\n',
    );
    return 2;
  }
  const useTls = values['tls-cert'] !== undefined || values.tls === true || !loopback;

  const folders = resolveProjectFolders({ workspace: values.workspace, dataDir: values['data-dir'] }, process.env, defaultServeFolders(process.env, homedir()), homedir(), process.cwd());

  let certificate: ServeCertificate | undefined;
  if (useTls) {
    try {
      if (values['tls-cert'] !== undefined) {
        certificate = await readCertificateFiles(values['tls-cert'], values['tls-key']!);
      } else {
        const names = ['localhost', '127.0.0.1', '::1', ...localHostNames(), ...allowHosts.map(checkHostName), ...(isWildcardHost(host) ? lanAddresses() : [host])];
        certificate = await loadOrCreateCertificate(folders.dataDir, names.filter((n) => !isWildcardHost(n)));
      }
    } catch (cause) {
      io.stderr(`Could not set up HTTPS: ${(cause as Error).message}. Nothing was started.\n`);
      return 3;
    }
  }

  const stamp = () => `[${new Date().toISOString()}] `;
  const log = (message: string, details?: unknown) => io.stderr(`${stamp()}${message}${details === undefined ? '' : ` ${details instanceof Error ? (details.stack ?? details.message) : JSON.stringify(details)}`}\n`);
  let handle: ServeHandle | undefined;
  const pairingLine = (notice: PairingCodeNotice): string => {
    const code = formatPairingCode(notice.code);
    return `Pairing code: ${code} (works once, until ${clock(notice.expiresAt)})${handle === undefined ? '' : `; link: ${handle.url}#pair=${code}`}`;
  };
  const dataFolder = new ConfinedFolder(folders.dataDir, 'data');
  let firstCode: PairingCodeNotice | undefined;
  let announced = false;
  const sessions = new SessionStore({
    sessionLifetimeMs,
    log,
    persistence: {
      read: () => readTextIn(dataFolder, SESSIONS_FILE, 16 * 1024 * 1024),
      write: (text) => writePrivateFile(dataFolder, SESSIONS_FILE, text),
    },
    onPairingCode: (notice) => {
      if (!announced) firstCode = notice;
      else io.stdout(`${stamp()}New ${pairingLine(notice)}. Made because ${codeReasons[notice.reason]}.\n`);
    },
  });
  await sessions.load();

  const backend = createBackend({ mode: 'serve', ...folders, log });
  try {
    handle = await startServer({ backend, rendererDir, host, port, sessions, allowHosts, allowOrigins, log, ...(certificate === undefined ? {} : { tls: { cert: certificate.cert, key: certificate.key } }) });
  } catch (cause) {
    const code = errnoOf(cause);
    const why = code === 'EADDRINUSE' ? `port ${port} is already in use` : code === 'EADDRNOTAVAIL' ? `${host} is not an address of this computer` : code === 'EACCES' ? `this user may not listen on port ${port}` : String(cause);
    io.stderr(`Could not start the server: ${why}. Choose another with --port or --host.\n`);
    return 3;
  }
  const guard = installProcessGuard((text) => io.stderr(`${stamp()}${text}`));
  sessions.currentCode('start');
  const code = formatPairingCode(firstCode!.code);
  const lines = ['Clan Network Designer is running in serve mode.', `Design files are saved in: ${folders.workspaceDir}`, ''];
  lines.push(loopback ? 'Open this address in your browser on this computer:' : 'Open one of these addresses in a browser on a computer of your network:');
  for (const url of handle.openUrls) lines.push(`  ${url}#pair=${code}`);
  lines.push('');
  if (certificate !== undefined) {
    if (values['tls-cert'] === undefined) {
      const made = certificate.created === undefined ? '' : certificate.created === 'missing' ? ', made just now' : ', made anew just now because the old one ' + (certificate.created === 'expiring' ? 'was about to expire' : certificate.created === 'newNames' ? 'did not name all addresses of this server' : 'could not be read');
      lines.push(
        `The connection is encrypted with this server's own certificate (${certificate.certPath}${made}).`,
        'Your browser will warn that it does not know who issued it. Before you go on, open the certificate',
        'details in the browser and check that its SHA-256 fingerprint is exactly:',
        `  ${certificate.fingerprint256}`,
        'If it is not, do not continue: something between you and the server is pretending to be it.',
        '',
      );
    } else {
      lines.push(`HTTPS with the certificate ${certificate.certPath} (SHA-256 fingerprint ${certificate.fingerprint256}).`, '');
    }
  }
  lines.push(
    `Pairing code: ${code} (works once, until ${clock(firstCode!.expiresAt)}). The links above contain it; where you cannot`,
    'click a link, open the address without "#pair=…" and type the code. A new code is printed here whenever one is',
    `needed. A paired browser stays signed in for ${lifetimeText(sessionLifetimeMs)}; "Sign out everywhere" in the app ends every sign-in.`,
    '',
  );
  if (!loopback) lines.push(`Anyone on the networks of ${host} can load the page, but only paired browsers can use it.`, '');
  lines.push('Press Ctrl+C to stop.', '');
  io.stdout(lines.join('\n'));
  announced = true;
  const stop = () => {
    backend.services.jobs.dispose();
    guard.uninstall();
    void handle!.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return -1;
}
