#!/usr/bin/env node
// `npm start`: install what is missing, build, and open the desktop app. When the Electron runtime cannot
// start on this computer (no binary could be downloaded, no display, missing system libraries), say so plainly
// and start serve mode instead, which runs the same app in a browser.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const say = (text) => process.stdout.write(`${text}\n`);

function run(command, args, env = process.env) {
  return spawnSync(command, args, { cwd: root, stdio: 'inherit', env, shell: process.platform === 'win32' }).status ?? 1;
}

// 1. Dependencies. npm may block Electron's download script; the binary is fetched in step 3 instead.
if (!existsSync(join(root, 'node_modules', 'electron-vite'))) {
  say('Installing dependencies (first start only)…');
  if (run(npm, ['install']) !== 0) {
    say('Installing dependencies failed; trying again without downloading the Electron runtime.');
    if (run(npm, ['install'], { ...process.env, ELECTRON_SKIP_BINARY_DOWNLOAD: '1' }) !== 0) {
      say('Could not install the dependencies. Check your network connection and run "npm start" again.');
      process.exit(1);
    }
  }
}

// 2. Build the desktop bundles, serve mode and the CLI.
if (run(npm, ['run', 'build', '--silent']) !== 0) {
  say('The build failed (see the messages above), so the app cannot start.');
  process.exit(1);
}

// 3. Find the Electron runtime, downloading it when it is missing.
function electronBinary() {
  try {
    return { path: createRequire(import.meta.url)(join(root, 'node_modules', 'electron')) };
  } catch (error) {
    return { error: error instanceof Error ? error.message : String(error) };
  }
}

let electron = electronBinary();
if (electron.path === undefined && existsSync(join(root, 'node_modules', 'electron', 'install.js'))) {
  say('Downloading the Electron runtime (first start only)…');
  const env = { ...process.env };
  delete env.ELECTRON_SKIP_BINARY_DOWNLOAD;
  const download = spawnSync(process.execPath, [join(root, 'node_modules', 'electron', 'install.js')], { cwd: root, env, encoding: 'utf8' });
  electron = electronBinary();
  if (electron.path === undefined) {
    const firstError = `${download.stderr ?? ''}`.split('\n').find((line) => /error/i.test(line)) ?? 'no details';
    electron.error = `the download failed: ${firstError.trim()}`;
  }
}

function startServeMode(reason) {
  say('');
  say(`The desktop window cannot open on this computer: ${reason}`);
  say('Starting the same app in serve mode instead; open the address below in your browser.');
  say('');
  const child = spawn(process.execPath, [join(root, 'out', 'main', 'serve.js'), ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
}

if (electron.path === undefined || !existsSync(electron.path)) {
  startServeMode(`the Electron runtime is not installed (${electron.error ?? 'its binary is missing'}).`);
} else {
  // 4. Start Electron. If it dies within a few seconds, it could not start here: fall back to serve mode.
  const startedAt = Date.now();
  let stderr = '';
  const child = spawn(electron.path, [root], { cwd: root, stdio: ['inherit', 'inherit', 'pipe'] });
  child.stderr.on('data', (chunk) => {
    stderr += chunk.toString();
    process.stderr.write(chunk);
  });
  child.on('error', (error) => startServeMode(`Electron could not be run (${error.message}).`));
  child.on('exit', (code, signal) => {
    const quick = Date.now() - startedAt < 5000;
    if (code !== 0 && signal === null && quick) {
      const lastLine = stderr.trim().split('\n').pop() ?? '';
      startServeMode(`Electron exited at once with code ${code}${lastLine ? ` (${lastLine})` : ''}.`);
    } else {
      process.exit(code ?? 0);
    }
  });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
}
