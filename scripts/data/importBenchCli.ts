import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runImportBench } from './importBench';

// Entry of `npm run data:import` (run with tsx: a maintainer's data pipeline, not part of the app's bundles); the
// logic lives in importBench.ts so tests can call it without a process. The repository root is found from this
// file's location.

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg) && (JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'clan-network-designer') return dir;
    if (dirname(dir) === dir) return process.cwd();
  }
}

void runImportBench(process.argv.slice(2), {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
  // npm runs scripts from the package root; INIT_CWD is where the user typed the command.
  cwd: process.env.INIT_CWD ?? process.cwd(),
  repoRoot: findRepoRoot(dirname(fileURLToPath(import.meta.url))),
}).then((code) => {
  process.exitCode = code;
});
