import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { chromium, type BrowserContext } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { loadOrCreateCertificate } from '../../src/main/serve/tls';
import { chromiumFlags, screenshotPath } from '../e2e/support';
import { projectRoot, shouldRunLab, type LabHost } from '../lab/lab';
import { useLab } from '../lab/suite';

// Serve mode on a home network, for real: the server runs in the "homeserver" namespace bound to its LAN
// address, and a "laptop" namespace reaches it over the lab's network, first with a Node client that checks the
// certificate's fingerprint against the one the server printed before trusting it, then with Chromium. A second
// server sits behind nginx, the reverse proxy people put in front of it, with the configuration the README shows.

const runLab = (await shouldRunLab()) && existsSync(join(projectRoot, 'out/main/serve.js'));
const run = promisify(execFile);
const probeScript = join(projectRoot, 'test/lab/httpsProbe.mjs');

interface Started {
  child: ChildProcess;
  output: () => string;
  code: () => string;
  fingerprint: () => string;
}

/** Starts serve mode inside a namespace and waits for its banner. */
async function serveIn(namespace: string, args: string[]): Promise<Started> {
  const child = spawn('ip', ['netns', 'exec', namespace, process.execPath, join(projectRoot, 'out/main/serve.js'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve mode did not start:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('Press Ctrl+C to stop.')) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`serve mode exited with ${code}:\n${output}`)));
  });
  return {
    child,
    output: () => output,
    code: () => [...output.matchAll(/Pairing code: ([A-Z0-9]{4}-[A-Z0-9]{4})/g)].at(-1)![1]!,
    fingerprint: () => /SHA-256 fingerprint[^\n]*\n\s+([0-9A-F:]{95})/.exec(output)?.[1] ?? /fingerprint ([0-9A-F:]{95})/.exec(output)?.[1] ?? '',
  };
}

interface ProbeStep {
  method?: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  waitMs?: number;
}
interface ProbeResult {
  fingerprint: string;
  refused?: string;
  steps: { status: number; setCookie: string[]; retryAfter: string | null; location: string | null; body: string }[];
}

/** Runs the HTTPS probe from inside a namespace (the laptop). */
async function probe(namespace: string, plan: { url: string; fingerprint: string; servername?: string; hostHeader?: string; steps: ProbeStep[] }): Promise<ProbeResult> {
  const { stdout } = await run('ip', ['netns', 'exec', namespace, process.execPath, probeScript, JSON.stringify(plan)], { timeout: 30_000 });
  return JSON.parse(stdout) as ProbeResult;
}

const json = { 'Content-Type': 'application/json' };
const pairStep = (code: string, origin: string): ProbeStep => ({ method: 'POST', path: '/api/session/pair', headers: { ...json, Origin: origin }, body: JSON.stringify({ code }) });
const infoStep = (origin: string): ProbeStep => ({ method: 'POST', path: '/api/rpc/app:info.get', headers: { ...json, Origin: origin }, body: '{}' });

/** Chromium inside a namespace, trusting exactly the given certificates (as after comparing their fingerprints). */
async function chromiumIn(namespace: string, work: string, certificates: string[], resolverRules = ''): Promise<BrowserContext> {
  const wrapper = join(work, `chromium-${namespace}.sh`);
  writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec "${namespace}" /usr/bin/chromium "$@"\n`);
  chmodSync(wrapper, 0o755);
  const spki = certificates.map((pem) => createHash('sha256').update(new X509Certificate(pem).publicKey.export({ type: 'spki', format: 'der' })).digest('base64'));
  return chromium.launchPersistentContext(mkdtempSync(join(tmpdir(), 'cnd-lan-chromium-')), {
    executablePath: wrapper,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: [
      ...chromiumFlags,
      `--ignore-certificate-errors-spki-list=${spki.join(',')}`,
      ...(resolverRules === '' ? [] : [`--host-resolver-rules=${resolverRules}`]),
    ],
  });
}

describe.skipIf(!runLab)('serve mode on a LAN (network namespaces)', () => {
  const suite = useLab('serve-lan', {
    sites: [{ name: 'home', nat: false }],
    hosts: [
      { name: 'homeserver', site: 'home' },
      { name: 'laptop', site: 'home' },
      { name: 'intruder', site: 'home' },
    ],
  });
  const started: Started[] = [];
  suite.onTeardown(() => {
    for (const server of started) server.child.kill('SIGTERM');
  });
  const server = (): LabHost => suite.lab.host('homeserver');
  const laptop = (): LabHost => suite.lab.host('laptop');
  const intruder = (): LabHost => suite.lab.host('intruder');

  test('reached from another machine over TLS: the fingerprint matches, the code pairs once, wrong codes are limited, and a foreign Origin or Host is refused', async () => {
    const lan = await serveIn(server().namespace, ['--host', server().address, '--port', '7420', '--workspace', join(suite.work, 'lan-ws'), '--data-dir', join(suite.work, 'lan-data')]);
    started.push(lan);
    const base = `https://${server().address}:7420`;
    // The address printed is the LAN one, usable from the laptop.
    expect(lan.output()).toContain(`${base}/#pair=${lan.code()}`);
    expect(lan.output()).not.toContain('https://127.0.0.1');
    expect(lan.fingerprint()).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);

    // A client that expects another fingerprint stops before sending anything.
    const wrongPin = await probe(laptop().namespace, { url: base, fingerprint: `00${lan.fingerprint().slice(2)}`, steps: [pairStep(lan.code(), base)] });
    expect(wrongPin.refused).toBe('fingerprint mismatch');

    // Someone else on the network guesses: five wrong codes are answered, then the server stops listening to them.
    const guesses = await probe(intruder().namespace, { url: base, fingerprint: lan.fingerprint(), steps: [infoStep(base), ...Array.from({ length: 6 }, () => pairStep('AAAA-AAAA', base)), pairStep(lan.code(), base)] });
    expect(guesses.fingerprint).toBe(lan.fingerprint());
    expect(guesses.steps[0]!.status).toBe(401);
    expect(guesses.steps.slice(1, 6).map((s) => s.status)).toEqual([401, 401, 401, 401, 401]);
    expect(guesses.steps[6]!.status).toBe(429);
    expect(Number(guesses.steps[6]!.retryAfter)).toBeGreaterThan(0);
    // Limited, the guesser cannot pair even with the right code until the minute is over.
    expect(guesses.steps[7]!.status).toBe(429);

    // The laptop pairs with the printed code; the code works once.
    const paired = await probe(laptop().namespace, {
      url: base,
      fingerprint: lan.fingerprint(),
      steps: [
        pairStep(lan.code(), base),
        infoStep(base),
        { ...infoStep('https://evil.example'), headers: { ...json, Origin: 'https://evil.example' } },
        { method: 'GET', path: '/', headers: { Host: 'evil.example:7420' } },
        { method: 'POST', path: '/api/session/sign-out', headers: { ...json, Origin: base }, body: '{}' },
        pairStep(lan.code(), base),
      ],
    });
    const cookie = paired.steps[0]!.setCookie[0]!;
    expect(cookie).toMatch(/^__Host-cnd-session-7420=/);
    expect(cookie).toContain('Secure');
    expect(cookie).toContain('HttpOnly');
    expect(cookie).toContain('SameSite=Strict');
    expect(paired.steps[1]!.status).toBe(200);
    expect(JSON.parse(paired.steps[1]!.body).value.mode).toBe('serve');
    expect(paired.steps[2]!.status).toBe(403);
    expect(paired.steps[3]!.status).toBe(403);
    expect(paired.steps[5]!.status).toBe(401);
    expect(JSON.parse(paired.steps[5]!.body).error).toMatchObject({ code: 'pairingCodeInvalid', details: { reason: 'expired' } });

    // Plain HTTP typed by hand on the same port is redirected to HTTPS.
    const { stdout } = await run('ip', ['netns', 'exec', laptop().namespace, 'bash', '-c', 'exec 3<>"/dev/tcp/$1/7420"; printf "GET /x HTTP/1.1\\r\\nHost: $1:7420\\r\\nConnection: close\\r\\n\\r\\n" >&3; head -c 300 <&3', 'bash', server().address]);
    expect(stdout).toMatch(/^HTTP\/1\.1 308/);
    expect(stdout).toContain(`Location: ${base}/x`);
    expect(lan.child.exitCode).toBeNull();
  });

  test('a session ends at its lifetime (--session-lifetime)', async () => {
    const short = await serveIn(server().namespace, ['--host', server().address, '--port', '7422', '--workspace', join(suite.work, 'short-ws'), '--data-dir', join(suite.work, 'short-data'), '--session-lifetime', '3s']);
    started.push(short);
    const base = `https://${server().address}:7422`;
    expect(short.output()).toContain('stays signed in for 3 seconds');
    const result = await probe(laptop().namespace, { url: base, fingerprint: short.fingerprint(), steps: [pairStep(short.code(), base), infoStep(base), { ...infoStep(base), waitMs: 3500 }] });
    expect(result.steps[0]!.setCookie[0]).toContain('Max-Age=3');
    expect(result.steps[1]!.status).toBe(200);
    expect(result.steps[2]!.status).toBe(401);
    expect(JSON.parse(result.steps[2]!.body).error).toMatchObject({ code: 'notSignedIn', details: { reason: 'expired' } });
  });

  test('Chromium on the laptop opens the printed link, accepts the certificate it was told about, and gets the app', async () => {
    const lan = started[0]!;
    const certificate = await loadOrCreateCertificate(join(suite.work, 'lan-data'), []);
    expect(certificate.fingerprint256).toBe(lan.fingerprint());
    // The printed code was used by the first test: the browser asks the server for a new one.
    const browser = await chromiumIn(laptop().namespace, suite.work, [certificate.cert]);
    try {
      const page = await browser.newPage();
      await page.goto(`https://${server().address}:7420/`);
      await page.getByTestId('sign-in-page').waitFor();
      await page.getByRole('button', { name: /Ask the server to print a new one/ }).click();
      await expect.poll(() => page.getByRole('status').first().textContent()).toContain('now shows a valid pairing code');
      await page.getByTestId('pairing-code').fill(lan.code());
      await page.getByRole('button', { name: 'Pair this browser' }).click();
      await page.getByTestId('wizard').waitFor({ timeout: 20_000 });
      await page.getByRole('button', { name: 'Cancel' }).click();
      await expect.poll(() => page.getByTestId('connection-status').textContent(), { timeout: 15_000 }).toBe('Connected');
      await page.screenshot({ path: screenshotPath('serve-lan-laptop') });
    } finally {
      await browser.close();
    }
  });

  test('behind nginx with HTTPS: the proxy\'s origin works once allowed, the session cookie is Secure, and the event stream flows', async () => {
    const proxyDir = join(suite.work, 'nginx');
    mkdirSync(join(proxyDir, 'tmp'), { recursive: true });
    const proxyCert = await loadOrCreateCertificate(proxyDir, ['designer.lab.test']);
    const behind = await serveIn(server().namespace, ['--host', '127.0.0.1', '--port', '7421', '--no-tls', '--allow-origin', 'https://designer.lab.test', '--workspace', join(suite.work, 'proxy-ws'), '--data-dir', join(suite.work, 'proxy-data')]);
    started.push(behind);
    expect(behind.output()).toContain('https://designer.lab.test/');
    // The reverse proxy configuration the README shows, with this lab's address and files.
    writeFileSync(
      join(proxyDir, 'nginx.conf'),
      `daemon off;
user root;
pid ${proxyDir}/nginx.pid;
error_log ${proxyDir}/error.log;
events {}
http {
  access_log off;
  client_body_temp_path ${proxyDir}/tmp/body;
  proxy_temp_path ${proxyDir}/tmp/proxy;
  fastcgi_temp_path ${proxyDir}/tmp/fastcgi;
  uwsgi_temp_path ${proxyDir}/tmp/uwsgi;
  scgi_temp_path ${proxyDir}/tmp/scgi;
  server {
    listen ${server().address}:443 ssl;
    server_name designer.lab.test;
    ssl_certificate ${proxyCert.certPath};
    ssl_certificate_key ${proxyCert.keyPath};
    location / {
      proxy_pass http://127.0.0.1:7421;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_buffering off;
      proxy_read_timeout 1h;
    }
  }
}
`,
    );
    const nginx = spawn('ip', ['netns', 'exec', server().namespace, '/usr/sbin/nginx', '-c', join(proxyDir, 'nginx.conf')], { stdio: 'ignore' });
    suite.onTeardown(() => nginx.kill('SIGQUIT'));
    const origin = 'https://designer.lab.test';
    let result: ProbeResult | undefined;
    for (let attempt = 0; attempt < 50 && result === undefined; attempt += 1) {
      try {
        result = await probe(laptop().namespace, { url: `https://${server().address}:443`, servername: 'designer.lab.test', hostHeader: 'designer.lab.test', fingerprint: proxyCert.fingerprint256, steps: [pairStep(behind.code(), origin), infoStep(origin), infoStep('https://evil.example')] });
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
    expect(result?.steps[0]!.status).toBe(200);
    // The browser talks HTTPS to the proxy, so the cookie is Secure even though the proxy speaks plain HTTP inside.
    expect(result!.steps[0]!.setCookie[0]).toMatch(/^__Host-cnd-session-7421=.*; Secure$/);
    expect(result!.steps[1]!.status).toBe(200);
    expect(result!.steps[2]!.status).toBe(403);

    const newCode = await probe(laptop().namespace, { url: `https://${server().address}:443`, servername: 'designer.lab.test', hostHeader: 'designer.lab.test', fingerprint: proxyCert.fingerprint256, steps: [{ method: 'POST', path: '/api/session/request-code', headers: { ...json, Origin: origin }, body: '{}' }] });
    expect(newCode.steps[0]!.status).toBe(200);
    const browser = await chromiumIn(laptop().namespace, suite.work, [proxyCert.cert], `MAP designer.lab.test ${server().address}`);
    try {
      const page = await browser.newPage();
      await page.goto(`${origin}/#pair=${behind.code()}`);
      await page.getByTestId('wizard').waitFor({ timeout: 20_000 });
      await page.getByRole('button', { name: 'Cancel' }).click();
      await expect.poll(() => page.getByTestId('connection-status').textContent(), { timeout: 15_000 }).toBe('Connected');
      expect(page.url()).not.toContain('pair=');
      await page.screenshot({ path: screenshotPath('serve-behind-nginx') });
    } finally {
      await browser.close();
    }
    expect(behind.child.exitCode).toBeNull();
    rmSync(proxyDir, { recursive: true, force: true });
  });
});
