import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import type { Page } from 'playwright-core';
import { createBackend, type BackendOptions } from '../../src/main/rpc/createBackend';
import { startServer, type ServeHandle } from '../../src/main/serve/server';
import { SessionStore } from '../../src/main/serve/sessions';
import { targetRequestOf } from '../../src/main/services/machineTargets';
import { SshClientPool } from '../../src/main/ssh/sshClient';
import { SshSettings } from '../../src/main/ssh/sshSettings';
import type { Design } from '../../src/shared/model/types';
import { serializeDesign } from '../../src/shared/schema/envelope';
import type { Lab } from '../lab/lab';
import { launchBrowser, openDesignFile, root } from './support';

/** A fresh browser, as launchBrowser starts it. */
export type LabBrowser = Awaited<ReturnType<typeof launchBrowser>>;

/** Serve mode running in the test's process against the SSH lab, with a home folder of the test's own. */
export interface LabServe {
  /** The person's home folder: ~/.ssh with the lab's key. */
  home: string;
  /** The folder design files are saved in. */
  workspace: string;
  /** The design's file in the workspace. */
  file: string;
  /** The folder for autosaves and recent files. */
  dataDir: string;
  server: ServeHandle;
  sessions: SessionStore;
  /** Stops the server and removes the folders. */
  close(): Promise<void>;
}

/**
 * Starts serve mode's own server and back end in this process (so the test may set the deploy's options), with the
 * app's own SSH side (machineSsh.ts) and a test folder as the person's home: ~/.ssh holds the lab's sudo user's key
 * as lab_sudo, a config that offers it to every host (no agent), and with `knownHosts` a known_hosts with the lab's
 * host keys (else none, so each host key is asked about). Writes `design` to the workspace as `file`.
 * `name` names the temporary folders.
 */
export async function startLabServe(
  lab: Lab,
  options: { name: string; knownHosts: boolean; deploy: NonNullable<BackendOptions['deploy']>; file: string; design: Design },
): Promise<LabServe> {
  const home = mkdtempSync(join(tmpdir(), `cnd-e2e-${options.name}-lab-home-`));
  const ssh = join(home, '.ssh');
  mkdirSync(ssh, { mode: 0o700 });
  copyFileSync(lab.users.sudo.privateKeyPath, join(ssh, 'lab_sudo'));
  writeFileSync(join(ssh, 'config'), ['Host *', '  IdentityFile ~/.ssh/lab_sudo', '  IdentitiesOnly yes', ''].join('\n'));
  if (options.knownHosts) writeFileSync(join(ssh, 'known_hosts'), Object.values(lab.hosts).map((h) => `${h.address} ssh-ed25519 ${h.hostKeyBase64}\n`).join(''));
  const workspace = mkdtempSync(join(tmpdir(), `cnd-e2e-${options.name}-lab-ws-`));
  const dataDir = mkdtempSync(join(tmpdir(), `cnd-e2e-${options.name}-lab-data-`));
  const backend = createBackend({
    mode: 'serve',
    workspaceDir: workspace,
    dataDir,
    log: () => undefined,
    createMachineSsh: (hooks) => {
      const settings = new SshSettings({ homeDir: home, env: { SSH_AUTH_SOCK: '' }, askPassphrase: hooks.askPassphrase, defaultUser: 'root' });
      const pool = new SshClientPool({ knownHostsPath: settings.knownHostsPath, hostKeyPolicy: hooks.hostKeyMode === 'strict' ? { mode: 'strict' } : { mode: 'tofu', confirm: hooks.confirmHostKey } });
      return { pool, knownHostsPath: settings.knownHostsPath, resolveTarget: (machine, signal) => settings.resolveTarget(targetRequestOf(machine), signal) };
    },
    deploy: options.deploy,
  });
  const sessions = new SessionStore();
  const server = await startServer({ backend, rendererDir: join(root, 'out/renderer'), port: 0, sessions, log: () => undefined });
  writeFileSync(join(workspace, options.file), serializeDesign(options.design, '0.0.0'));
  return {
    home,
    workspace,
    file: options.file,
    dataDir,
    server,
    sessions,
    close: async () => {
      await server.close();
      for (const dir of [home, workspace, dataDir]) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * Opens the app in a fresh browser (1440 × 900) signed in with the server's pairing code, dismisses the first-start
 * wizard and opens the design (Ctrl+O), then waits for its machines on the canvas. The browser is closed again when
 * any of that fails.
 */
export async function openLabDesign(serve: LabServe): Promise<{ browser: LabBrowser; page: Page }> {
  const browser = await launchBrowser();
  try {
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1440, height: 900 });
    // What the browser could not load, for the messages below.
    const failed: string[] = [];
    page.on('requestfailed', (request) => failed.push(`${request.url()}: ${request.failure()?.errorText ?? 'failed'}`));
    page.on('response', (response) => {
      if (response.status() >= 400) failed.push(`${response.url()}: HTTP ${response.status()}`);
    });
    await page.goto(`${serve.server.url}#pair=${serve.sessions.currentCode('start').code}`);
    // The first screen of a machine busy with the lab can take a while; if it is not the wizard, say what it is.
    await page
      .getByTestId('wizard')
      .waitFor({ timeout: 60_000 })
      .catch(async (error: Error) => {
        throw new Error(`${error.message}\nThe page shows instead: ${((await page.locator('body').textContent().catch(() => '')) ?? '').slice(0, 500)}\nFailed requests: ${failed.join('; ') || 'none'}`);
      });
    // The app's style sheet must have applied: the tests read colours and positions, which an unstyled page does not have.
    if (!(await appStyled(page))) {
      throw new Error(`The app's style sheet did not apply after the first screen showed. Failed requests: ${failed.join('; ') || 'none'}. Style sheets: ${await styleSheets(page)}`);
    }
    await page.getByRole('button', { name: 'Cancel' }).click();
    await openDesignFile(page, basename(serve.file, '.clan-design.json'));
    return { browser, page };
  } catch (error) {
    await browser.close();
    throw error;
  }
}

/** Whether the app's own style sheet (assets/index-*.css) is loaded and has its rules. */
async function appStyled(page: Page): Promise<boolean> {
  return page.evaluate(() =>
    [...document.styleSheets].some((sheet) => {
      try {
        return /\/assets\/index-[^/]*\.css$/.test(sheet.href ?? '') && sheet.cssRules.length > 0;
      } catch {
        return false;
      }
    }),
  );
}

/** The page's style sheets and how many rules each has (or why they cannot be read), for a message. */
async function styleSheets(page: Page): Promise<string> {
  return page.evaluate(
    () =>
      [...document.styleSheets]
        .map((sheet) => {
          try {
            return `${sheet.href ?? 'inline'} (${sheet.cssRules.length} rules)`;
          } catch (error) {
            return `${sheet.href ?? 'inline'} (${(error as Error).message})`;
          }
        })
        .join(', ') || 'none',
  );
}
