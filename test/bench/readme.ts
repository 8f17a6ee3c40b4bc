import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const readme = fileURLToPath(new URL('../../README.md', import.meta.url));

/**
 * Replaces the block between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->` in README.md with a freshly
 * measured Markdown table, so the README always shows what the last benchmark run wrote to bench-results/.
 */
export function writeReadmeTable(name: string, markdown: string): void {
  const text = readFileSync(readme, 'utf8');
  const start = `<!-- bench:${name} -->`;
  const end = `<!-- /bench:${name} -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from === -1 || to === -1 || to < from) throw new Error(`README.md has no ${start} ... ${end} block`);
  writeFileSync(readme, `${text.slice(0, from + start.length)}\n${markdown.trim()}\n${text.slice(to)}`);
}
