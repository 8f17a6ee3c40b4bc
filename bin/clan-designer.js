#!/usr/bin/env node
// The clan-designer command. The TypeScript sources are bundled by `npm run build`, which npm also runs on
// install (the "prepare" script), so this file only loads the bundle.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const entry = new URL('../out/main/cli.js', import.meta.url);
if (!existsSync(fileURLToPath(entry))) {
  process.stderr.write(
    `clan-designer is not built: ${fileURLToPath(entry)} is missing.\n` +
      `Run "npm run build" in ${fileURLToPath(new URL('..', import.meta.url))} and try again.\n`,
  );
  process.exit(3);
}
await import(entry.href);
