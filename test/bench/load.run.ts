import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { describe, expect, test } from 'vitest';
import { loadFirstScreen, totalBytes, type FirstScreenLoad, type NetworkConditions } from '../e2e/firstScreen';
import { chromiumFlags } from '../e2e/support';
import { writeReadmeTable } from './readme';

// `npm run bench:load`: how fast serve mode's first screen is there in a browser, for this working tree and for the
// app before its renderer was split into parts loaded on first use (commit ecf52f5), in one run on one machine.
//
// Both are built here: this tree with electron-vite into a temporary folder (out/ is left alone, others may be
// rebuilding it), the baseline in a temporary `git worktree` that borrows this checkout's node_modules. Each
// measured load starts its own server (`node out/main/serve.js --port 0` with empty folders, so the first-start
// wizard shows) and opens the address it prints, `…#token=…` or `…#pair=…`, in Debian's Chromium with a fresh
// profile (cold: no cache), headless, 1280x800, over loopback and over an emulated home network (Chromium's
// throttling: 50 Mbit/s down, 20 up, 5 ms round trip, as a modest Wi-Fi between a laptop and a home server). The
// two builds take turns.
//
// Time to interactive: from navigation start to the first frame in which the canvas is drawn and the first-start
// wizard is open, visible and its buttons enabled (test/e2e/firstScreen.ts). First-screen JavaScript: every
// script requested before that frame, raw, gzip-compressed (zlib level 9), and as transferred.
//
// Before each load the server's static files are requested once, so a server that compresses on first request
// (this tree) is measured as it serves every visit after its first. Writes bench-results/load.json and the
// table between the bench:load markers in README.md (BENCH_NO_README=1 skips the README).

const root = fileURLToPath(new URL('../../', import.meta.url));
const resultFile = join(root, 'bench-results/load.json');
const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const electronVite = join(root, 'node_modules/electron-vite/bin/electron-vite.js');
const baselineCommit = 'ecf52f5';
const runs = Number(process.env.BENCH_RUNS ?? 7);
const viewport = { width: 1280, height: 800 };
const chromiumArgs = [...chromiumFlags];

/** The targets for the first screen; the time is the one measured over loopback. */
const targets = { gzipKB: 600, timeToInteractiveS: 1 };
const homeNetwork: NetworkConditions = { latencyMs: 5, downloadMbitPerS: 50, uploadMbitPerS: 20 };
const networks = { loopback: undefined, home: homeNetwork } as const;
type NetworkName = keyof typeof networks;

type BuildName = 'baseline' | 'current';
const labels: Record<BuildName, string> = { baseline: `before (${baselineCommit})`, current: 'this tree' };

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round = (n: number, digits = 0): number => Math.round(n * 10 ** digits) / 10 ** digits;
const kb = (bytes: number): number => round(bytes / 1000, 1);

function build(cwd: string, outDir?: string): void {
  execFileSync(process.execPath, [electronVite, 'build', '--logLevel', 'warn', ...(outDir === undefined ? [] : ['--outDir', outDir])], { cwd, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** Starts `node <dir>/out/main/serve.js` with empty folders and returns the address it prints to open. */
async function startServer(dir: string, scratch: string): Promise<{ child: ChildProcess; url: string; stop: () => Promise<void> }> {
  const folders = mkdtempSync(join(scratch, 'serve-'));
  const child = spawn(process.execPath, [join(dir, 'out/main/serve.js'), '--port', '0', '--workspace', join(folders, 'workspace'), '--data-dir', join(folders, 'data')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve mode printed no address within 20 s:\n${output}`)), 20_000);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const match = /https?:\/\/\S+#(token|pair)=\S+/.exec(output);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[0]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve mode exited with ${code}:\n${output}`));
    });
  });
  return {
    child,
    url,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(folders, { recursive: true, force: true });
    },
  };
}

/** Requests a static file once (as a browser would, accepting gzip) and reads it to the end. */
function fetchOnce(url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    get(url, { headers: { 'Accept-Encoding': 'gzip, deflate' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve(Buffer.concat(chunks).toString('latin1')));
    }).on('error', reject);
  });
}

/** Requests index.html and every script and stylesheet of the build once. */
async function warmUp(dir: string, url: string): Promise<void> {
  const origin = new URL(url).origin;
  await fetchOnce(`${origin}/`);
  const assets = readdirSync(join(dir, 'out/renderer/assets')).filter((f) => /\.(js|css)$/.test(f));
  for (const asset of assets) await fetchOnce(`${origin}/assets/${asset}`);
}

async function measureOnce(name: BuildName, dir: string, scratch: string, network: NetworkConditions | undefined): Promise<FirstScreenLoad> {
  const server = await startServer(dir, scratch);
  const profile = mkdtempSync(join(scratch, 'chromium-'));
  try {
    await warmUp(dir, server.url);
    const context = await chromium.launchPersistentContext(profile, { executablePath: chromiumPath, headless: true, viewport, colorScheme: 'light', args: chromiumArgs });
    try {
      const load = await loadFirstScreen(context, server.url, { page: context.pages()[0], network });
      return { timeToInteractiveMs: load.timeToInteractiveMs, scriptsRunMs: load.scriptsRunMs, scripts: load.scripts };
    } finally {
      await context.close();
    }
  } catch (cause) {
    throw new Error(`measuring ${name} failed`, { cause });
  } finally {
    rmSync(profile, { recursive: true, force: true });
    await server.stop();
  }
}

interface BuildResult {
  build: BuildName;
  label: string;
  scripts: number;
  rawKB: number;
  gzipKB: number;
  transferredKB: number;
  encodings: string[];
  timeToInteractiveMs: { median: number; min: number; max: number; runs: number[] };
  scriptsRunMs: { median: number; runs: number[] };
  /** The same over the emulated home network. */
  homeNetwork: { timeToInteractiveMs: { median: number; min: number; max: number; runs: number[] }; scriptsRunMs: { median: number; runs: number[] } };
  files: { path: string; rawKB: number; gzipKB: number; transferredKB: number; encoding: string | null }[];
}

const timings = (loads: readonly FirstScreenLoad[]) => {
  const tti = loads.map((l) => round(l.timeToInteractiveMs));
  const scriptsRun = loads.map((l) => round(l.scriptsRunMs));
  return {
    timeToInteractiveMs: { median: round(median(tti)), min: Math.min(...tti), max: Math.max(...tti), runs: tti },
    scriptsRunMs: { median: round(median(scriptsRun)), runs: scriptsRun },
  };
};

function summarize(build: BuildName, byNetwork: Record<NetworkName, FirstScreenLoad[]>): BuildResult {
  // The scripts are the same in every run; sizes come from the first, and each run is checked against it.
  const loads = byNetwork.loopback;
  const first = loads[0]!;
  const paths = first.scripts.map((s) => s.path).sort();
  for (const load of [...loads, ...byNetwork.home]) {
    const other = load.scripts.map((s) => s.path).sort();
    if (JSON.stringify(other) !== JSON.stringify(paths)) throw new Error(`${build}: the first screen loaded different scripts in two runs:\n${paths.join('\n')}\n---\n${other.join('\n')}`);
  }
  return {
    build,
    label: labels[build],
    scripts: first.scripts.length,
    rawKB: kb(totalBytes(first.scripts, 'rawBytes')),
    gzipKB: kb(totalBytes(first.scripts, 'gzipBytes')),
    transferredKB: kb(median(loads.map((l) => totalBytes(l.scripts, 'transferredBytes')))),
    encodings: [...new Set(first.scripts.map((s) => s.encoding ?? 'none'))].sort(),
    ...timings(loads),
    homeNetwork: timings(byNetwork.home),
    files: first.scripts.map((s) => ({ path: s.path, rawKB: kb(s.rawBytes), gzipKB: kb(s.gzipBytes), transferredKB: kb(s.transferredBytes), encoding: s.encoding })),
  };
}

describe('first load benchmark', () => {
  test(`measures serve mode's first screen for this tree and for ${baselineCommit}; writes bench-results/load.json`, async () => {
    const started = Date.now();
    // Other work on the machine slows every page load; the one-minute load average is kept with the results.
    const loadAtStart = round(loadavg()[0]!, 1);
    const scratch = mkdtempSync(join(tmpdir(), 'clan-designer-bench-load-'));
    const dirs: Record<BuildName, string> = { baseline: join(scratch, 'baseline'), current: join(scratch, 'current') };
    try {
      // This tree, built into the scratch folder; serve.js finds its renderer beside it and its packages via the link.
      mkdirSync(dirs.current);
      symlinkSync(join(root, 'node_modules'), join(dirs.current, 'node_modules'), 'dir');
      copyFileSync(join(root, 'package.json'), join(dirs.current, 'package.json'));
      build(root, join(dirs.current, 'out'));
      // The baseline from git, in a worktree outside this checkout, with the same node_modules.
      execFileSync('git', ['worktree', 'add', '--detach', '--quiet', dirs.baseline, baselineCommit], { cwd: root, stdio: 'inherit' });
      symlinkSync(join(root, 'node_modules'), join(dirs.baseline, 'node_modules'), 'dir');
      build(dirs.baseline);

      const loads: Record<BuildName, Record<NetworkName, FirstScreenLoad[]>> = { baseline: { loopback: [], home: [] }, current: { loopback: [], home: [] } };
      for (let run = 0; run < runs; run += 1) {
        // Alternate which build goes first, so neither always meets a warmer or busier machine.
        const order: BuildName[] = run % 2 === 0 ? ['baseline', 'current'] : ['current', 'baseline'];
        for (const network of ['loopback', 'home'] as const) {
          for (const name of order) {
            const load = await measureOnce(name, dirs[name], scratch, networks[network]);
            loads[name][network].push(load);
            console.log(`run ${run + 1} ${name}, ${network}: ${round(load.timeToInteractiveMs)} ms (scripts run at ${round(load.scriptsRunMs)} ms), ${load.scripts.length} scripts, ${kb(totalBytes(load.scripts, 'gzipBytes'))} KB gzipped, ${kb(totalBytes(load.scripts, 'transferredBytes'))} KB transferred`);
          }
        }
      }
      const results = (['baseline', 'current'] as const).map((name) => summarize(name, loads[name]));
      const [baseline, current] = results as [BuildResult, BuildResult];
      const targetResults = [
        { target: `first-screen JavaScript <= ${targets.gzipKB} KB gzipped`, value: `${current.gzipKB} KB`, pass: current.gzipKB <= targets.gzipKB },
        {
          target: `time to interactive <= ${targets.timeToInteractiveS} s (median, cold, loopback)`,
          value: `${(current.timeToInteractiveMs.median / 1000).toFixed(2)} s`,
          pass: current.timeToInteractiveMs.median <= targets.timeToInteractiveS * 1000,
        },
      ];
      const versionText = execFileSync(chromiumPath, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      const chromiumVersion = /Chromium [\d.]+/.exec(versionText)?.[0] ?? versionText.trim();
      const report = {
        date: new Date().toISOString(),
        chromium: chromiumVersion,
        node: process.version,
        cpu: cpus()[0]?.model ?? 'unknown',
        cpuCount: cpus().length,
        loadAverage: { start: loadAtStart, end: round(loadavg()[0]!, 1) },
        baselineCommit,
        method: {
          timeToInteractive: 'navigation start -> first animation frame with the canvas drawn and the first-start wizard open, visible and all its buttons enabled',
          scriptsRun: 'navigation start -> end of DOMContentLoaded (the module scripts have been downloaded and have run)',
          scripts: 'every script requested before that frame; gzip = zlib level 9 of each file; transferred = response body bytes as received',
          browser: `Chromium headless, fresh profile per load, ${viewport.width}x${viewport.height}, flags ${chromiumArgs.join(' ')}`,
          networks: { loopback: 'no throttling', homeNetwork: `${homeNetwork.downloadMbitPerS} Mbit/s down, ${homeNetwork.uploadMbitPerS} Mbit/s up, ${homeNetwork.latencyMs} ms round trip (Chromium DevTools throttling)` },
          server: 'a new server per load; its static files requested once before the browser starts',
          runs,
          statistic: 'median (min-max) of the runs for time to interactive',
        },
        results,
        targets: targetResults,
        durationSeconds: Math.round((Date.now() - started) / 1000),
      };
      mkdirSync(join(root, 'bench-results'), { recursive: true });
      writeFileSync(resultFile, `${JSON.stringify(report, null, 2)}\n`);

      const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
      const span = (t: BuildResult['timeToInteractiveMs']) => `${seconds(t.median)} (${seconds(t.min)}–${seconds(t.max)})`;
      const row = (r: BuildResult) =>
        `| ${r.label} | ${r.scripts} | ${r.rawKB.toLocaleString('en')} KB | ${r.gzipKB.toLocaleString('en')} KB | ${r.transferredKB.toLocaleString('en')} KB (${r.encodings.join(', ')}) | ${seconds(r.scriptsRunMs.median)} | ${span(r.timeToInteractiveMs)} | ${seconds(r.homeNetwork.scriptsRunMs.median)} | ${span(r.homeNetwork.timeToInteractiveMs)} |`;
      const markdown = [
        `Serve mode's first screen in Chromium (${report.cpu}, ${report.cpuCount} cores, load average ${report.loadAverage.start} at the start and ${report.loadAverage.end} at the end, ${chromiumVersion}, ${report.date.slice(0, 10)}); cold loads, medians (min–max) of ${runs}:`,
        '',
        '| build | scripts | JavaScript | gzipped | transferred (encoding) | scripts run | time to interactive | home network: scripts run | home network: time to interactive |',
        '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
        row(baseline),
        row(current),
        '',
        ...targetResults.map((t) => `- ${t.target}: ${t.value} — ${t.pass ? 'pass' : 'FAIL'}`),
        '',
        'Time to interactive: from navigation start until the first frame in which the canvas is drawn and the first-start wizard is open, visible and its buttons enabled (a person can pick a template).',
        'Scripts run: until the page\'s scripts are downloaded and have run (DOMContentLoaded); the rest of the time to interactive is the app talking to its server: signing in (this tree) and asking for the first screen\'s data.',
        'JavaScript: every script requested until then; gzipped is each file compressed with zlib level 9, transferred what the browser received from the server.',
        `Home network: Chromium's throttling at ${homeNetwork.downloadMbitPerS} Mbit/s down, ${homeNetwork.uploadMbitPerS} Mbit/s up and ${homeNetwork.latencyMs} ms round trip, a modest Wi-Fi between a laptop and a home server; the other columns are over loopback.`,
        `Both builds are made by the benchmark (the baseline, commit ${baselineCommit}, in a temporary git worktree). Each load starts its own server with empty folders and opens the address it prints in a fresh Chromium profile; the server's files are requested once beforehand.`,
      ].join('\n');
      if (process.env.BENCH_NO_README !== '1') writeReadmeTable('load', markdown);
      console.log(`\n${markdown}\n`);

      expect(JSON.parse(readFileSync(resultFile, 'utf8')).results).toHaveLength(2);
      expect(current.scripts).toBeGreaterThan(0);
    } finally {
      try {
        execFileSync('git', ['worktree', 'remove', '--force', dirs.baseline], { cwd: root, stdio: 'ignore' });
      } catch {
        // Not created (the build before it failed) or already gone; prune below forgets it either way.
      }
      execFileSync('git', ['worktree', 'prune'], { cwd: root, stdio: 'ignore' });
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});
