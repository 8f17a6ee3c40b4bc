import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../cli/run';
import { parseArgs } from 'node:util';
import { createBackend } from '../rpc/createBackend';
import { defaultServeFolders, resolveProjectFolders } from '../services/projectFiles';
import { isLoopbackHost, startServer } from './server';

// Serve mode: the whole app in a browser, served from this computer or a home server.

const usage = `Usage: npm run serve -- [--host ADDRESS] [--port N] [--workspace DIR] [--data-dir DIR]

Serves Clan Network Designer to a web browser.
  --host ADDRESS     address to listen on (default 127.0.0.1: this computer only)
  --port N           port to listen on (default 7420; 0 picks a free one)
  --workspace DIR    folder for design files (default: $CLAN_DESIGNER_WORKSPACE, else ~/Clan Designs)
  --data-dir DIR     folder for recent files and autosaves (default: $CLAN_DESIGNER_DATA_DIR,
                     else $XDG_DATA_HOME/clan-network-designer or ~/.local/share/clan-network-designer)
`;

/**
 * The built renderer sits next to the main bundle (out/renderer beside out/main). This module may be bundled
 * into out/main or a chunk folder below it, so look in both places.
 */
export function findRendererDir(from = import.meta.dirname): string {
  const candidates = [join(from, '../renderer'), join(from, '../../renderer')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html'))) ?? candidates[0]!;
}

/**
 * Starts serve mode with command-line arguments. Returns an exit code, or -1 while the server keeps running
 * (it stops on SIGINT/SIGTERM).
 */
export async function runServe(argv: string[], io: CliIo, rendererDir = findRendererDir()): Promise<number> {
  let values: { host?: string; port?: string; workspace?: string; 'data-dir'?: string; help?: boolean };
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { host: { type: 'string' }, port: { type: 'string' }, workspace: { type: 'string' }, 'data-dir': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
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
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    io.stderr(`The port "${portText}" is not a number between 0 and 65535. Pick another with --port.\n`);
    return 2;
  }
  if (!isLoopbackHost(host)) {
    io.stderr(
      `WARNING: listening on ${host}, so other computers on that network can reach this server.\n` +
        'Anyone who gets the address with its token can use the app, including deploying to your machines.\n' +
        'Share the address only over a channel you trust; omit --host to serve this computer only.\n',
    );
  }
  const folders = resolveProjectFolders({ workspace: values.workspace, dataDir: values['data-dir'] }, process.env, defaultServeFolders(process.env, homedir()), homedir(), process.cwd());
  const backend = createBackend({ mode: 'serve', ...folders });
  let handle;
  try {
    handle = await startServer({ backend, rendererDir, host, port });
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const why = code === 'EADDRINUSE' ? `port ${port} is already in use` : code === 'EADDRNOTAVAIL' ? `${host} is not an address of this computer` : String(cause);
    io.stderr(`Could not start the server: ${why}. Choose another with --port or --host.\n`);
    return 3;
  }
  io.stdout(
    `Clan Network Designer is running in serve mode.\nDesign files are saved in: ${folders.workspaceDir}\n` +
      `Open this address in your browser (it contains this run's access token):\n\n  ${handle.urlWithToken}\n\nPress Ctrl+C to stop.\n`,
  );
  const stop = () => {
    backend.services.checkJobs.dispose();
    void handle.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return -1;
}

