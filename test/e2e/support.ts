import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** The project root. */
export const root = resolve(import.meta.dirname, '../..');
/** Where screenshots and other artefacts of the e2e run go. */
export const resultsDir = join(root, 'test-results');

const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/**
 * What the e2e tests need from the system, or a list of what is missing. On a developer machine a missing
 * dependency skips the tests with this message; with CI=true it fails the run instead.
 */
export function missingE2eDependencies(): string[] {
  const missing: string[] = [];
  if (!existsSync(chromiumPath)) missing.push(`Chromium (${chromiumPath}; install with: sudo bash scripts/install-test-deps.sh)`);
  if (!existsSync(join(root, 'out/main/serve.js')) || !existsSync(join(root, 'out/renderer/index.html'))) {
    missing.push('the built app (out/; run: npm run build)');
  }
  return missing;
}

/** Decides whether e2e tests run; prints why not, and throws under CI so a missing dependency fails loudly. */
export function shouldRunE2e(): boolean {
  const missing = missingE2eDependencies();
  if (missing.length === 0) return true;
  const message = `End-to-end tests need: ${missing.join('; ')}.`;
  if (process.env.CI === 'true') throw new Error(`${message} CI=true, so this fails instead of skipping.`);
  console.warn(`SKIPPING end-to-end tests. ${message}`);
  return false;
}

/** A serve-mode server started as its own process, the way a user starts it. */
export interface ServeProcess {
  /** The folder design files are saved in (a fresh temporary folder per server). */
  workspaceDir: string;
  /** The folder for autosaves and recent files. */
  dataDir: string;
  url: string;
  /** The address with the pairing code the server printed (#pair=…): opening it signs the browser in. */
  pairingUrl: string;
  /** The pairing code printed at start (one use). */
  pairingCode: string;
  /** Everything the server printed so far. */
  output(): string;
  child: ChildProcess;
  stop(options?: { keepFolders?: boolean }): Promise<void>;
}

/** Starts `node out/main/serve.js --port 0` and waits for the address it prints. */
export async function startServe(extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}, folders?: { workspaceDir: string; dataDir: string }): Promise<ServeProcess> {
  const ownFolders = folders === undefined;
  const workspaceDir = folders?.workspaceDir ?? mkdtempSync(join(tmpdir(), 'clan-designer-workspace-'));
  const dataDir = folders?.dataDir ?? mkdtempSync(join(tmpdir(), 'clan-designer-data-'));
  const child = spawn(process.execPath, [join(root, 'out/main/serve.js'), '--port', '0', '--workspace', workspaceDir, '--data-dir', dataDir, ...extraArgs], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const pairingUrl = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve mode did not print its address within 15 s:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(https?:\/\/\S+#pair=[A-Z0-9-]+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolvePromise(match[1]!);
      }
    };
    // Everything the server prints goes to test-results/ too, to read after a failed run.
    mkdirSync(resultsDir, { recursive: true });
    const log = createWriteStream(join(resultsDir, `serve-${child.pid}.log`));
    child.stdout!.pipe(log);
    child.stderr!.pipe(log);
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve mode exited with ${code}:\n${output}`));
    });
  });
  const [url, pairingCode] = pairingUrl.split('#pair=') as [string, string];
  return {
    workspaceDir,
    dataDir,
    url,
    pairingUrl,
    pairingCode,
    output: () => output,
    child,
    stop: async (options: { keepFolders?: boolean } = {}) => {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      if (ownFolders && options.keepFolders !== true) {
        rmSync(workspaceDir, { recursive: true, force: true });
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/** The flags Chromium needs on these machines: no sandbox as root, no GPU, and no calls to Google's services. */
export const chromiumFlags = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'] as const;

/** A fresh Chromium profile per test file, with the flags this machine needs. */
export async function launchBrowser(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'clan-designer-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
    args: [...chromiumFlags],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Path for a screenshot under test-results/, creating the folder. */
export function screenshotPath(name: string): string {
  mkdirSync(resultsDir, { recursive: true });
  return join(resultsDir, `${name}.png`);
}

/**
 * Drags a palette item onto the canvas with HTML5 drag-and-drop events. Headless Chromium here does not turn
 * mouse input into native drag sessions, so the same events a browser fires (dragstart on the source with a
 * shared DataTransfer, dragover and drop at the target point) are dispatched in the page; the app's own
 * handlers set and read the payload.
 */
export async function dragFromPalette(page: Page, testId: string, to: { x: number; y: number }): Promise<void> {
  await page.evaluate(
    ({ testId: id, x, y }) => {
      const source = document.querySelector(`[data-testid="${id}"]`);
      if (source === null) throw new Error(`no palette item ${id}`);
      const dataTransfer = new DataTransfer();
      source.dispatchEvent(new DragEvent('dragstart', { bubbles: true, cancelable: true, dataTransfer }));
      const target = document.elementFromPoint(x, y);
      if (target === null) throw new Error(`nothing at ${x},${y}`);
      const init = { bubbles: true, cancelable: true, dataTransfer, clientX: x, clientY: y };
      target.dispatchEvent(new DragEvent('dragenter', init));
      target.dispatchEvent(new DragEvent('dragover', init));
      target.dispatchEvent(new DragEvent('drop', init));
      source.dispatchEvent(new DragEvent('dragend', { bubbles: true, dataTransfer }));
    },
    { testId, x: to.x, y: to.y },
  );
}

/** A running app in a fresh browser: the server, the browser and the page, and one call to stop both. */
export interface OpenApp {
  serve: ServeProcess;
  browser: Awaited<ReturnType<typeof launchBrowser>>;
  page: Page;
  close(): Promise<void>;
}

/**
 * Starts serve mode and opens the app in a fresh browser. A first start offers the family-network wizard:
 * `wizard: 'close'` dismisses it, a pattern picks the template with that title and creates its design.
 */
export async function openApp(options: { wizard: 'close' | RegExp; env?: NodeJS.ProcessEnv }): Promise<OpenApp> {
  const serve = await startServe([], options.env ?? {});
  const browser = await launchBrowser();
  const page = await browser.context.newPage();
  await page.goto(serve.pairingUrl);
  await page.getByTestId('wizard').waitFor();
  if (options.wizard === 'close') {
    await page.getByRole('button', { name: 'Cancel' }).click();
    await page.getByTestId('wizard').waitFor({ state: 'detached' });
  } else {
    await page.getByRole('button', { name: options.wizard }).click();
    await page.getByTestId('wizard-create').click();
    await page.locator('.react-flow__node-machine').first().waitFor();
  }
  return {
    serve,
    browser,
    page,
    close: async () => {
      await browser.close();
      await serve.stop();
    },
  };
}

/**
 * Opens the design file `<stem>.clan-design.json` of the server's workspace from the Open dialog (Ctrl+O) and waits
 * for its machines on the canvas.
 */
export async function openDesignFile(page: Page, stem: string): Promise<void> {
  await page.keyboard.press('Control+o');
  await page.getByTestId(`open-${stem}`).click();
  await page.locator('.react-flow__node-machine').first().waitFor();
}

/** A loopback port nothing listens on (taken from the system, then let go). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}
