// Entry for `npm run lab:up` / `npm run lab:down`. Node 20 cannot run TypeScript, so this bundles test/lab/cli.ts
// with Vite (a direct devDependency) into .lab/cli/ and runs it: no extra runner package needed.
import process from 'node:process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'vite';

const root = join(import.meta.dirname, '../..');
const outDir = join(root, '.lab', 'cli');
await build({
  configFile: false,
  root,
  logLevel: 'warn',
  build: { ssr: join(root, 'test/lab/cli.ts'), outDir, emptyOutDir: true, target: 'node20', rollupOptions: { output: { entryFileNames: 'cli.mjs' } } },
});
const { main } = await import(pathToFileURL(join(outDir, 'cli.mjs')).href);
try {
  await main(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`lab: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}
