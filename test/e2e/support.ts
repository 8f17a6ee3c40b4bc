import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

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
  url: string;
  urlWithToken: string;
  token: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `node out/main/serve.js --port 0` and waits for the address it prints. */
export async function startServe(extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [join(root, 'out/main/serve.js'), '--port', '0', ...extraArgs], {
    cwd: root,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const urlWithToken = await new Promise<string>((resolvePromise, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve mode did not print its address within 15 s:\n${output}`)), 15_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /(http:\/\/\S+#token=[A-Za-z0-9_-]+)/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolvePromise(match[1]!);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve mode exited with ${code}:\n${output}`));
    });
  });
  const [url, token] = urlWithToken.split('#token=') as [string, string];
  return {
    url,
    urlWithToken,
    token,
    child,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** A fresh Chromium profile per test file, with the flags this machine needs. */
export async function launchBrowser(options: { colorScheme?: 'light' | 'dark' } = {}): Promise<{ context: BrowserContext; close(): Promise<void> }> {
  const profile = mkdtempSync(join(tmpdir(), 'clan-designer-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 800 },
    colorScheme: options.colorScheme ?? 'light',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
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
