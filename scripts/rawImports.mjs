// Lets Node (and tsx) load `import text from './file.nix?raw'` as Vite, vitest and electron-vite do: the file's
// text as the default export. For scripts run with tsx that reach the shared Nix generator (npm run eval:assistant).
// Usage: tsx --import ./scripts/rawImports.mjs <script>
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
export async function resolve(specifier, context, next) {
  if (!specifier.endsWith('?raw')) return next(specifier, context);
  const resolved = await next(specifier.slice(0, -'?raw'.length), context);
  return { ...resolved, url: resolved.url + '?raw', format: 'raw-text', shortCircuit: true };
}
export async function load(url, context, next) {
  if (!url.endsWith('?raw')) return next(url, context);
  const text = await readFile(fileURLToPath(url.slice(0, -'?raw'.length)), 'utf8');
  return { format: 'module', source: 'export default ' + JSON.stringify(text) + ';', shortCircuit: true };
}
`)}`,
  import.meta.url,
);
