// Which npm packages the browser-side layers may use, read by both the lint rules (eslint.config.js) and the
// dependency check (.dependency-cruiser.cjs), so the two never disagree.
//
// The renderer runs in a web page and src/shared in any JavaScript runtime, so neither may use a package that needs
// Node (ssh2, write-file-atomic, selfsigned), reads the admin's own files (ssh-config) or holds secrets (openai: its
// API key would end up in the page). Every runtime dependency in package.json counts as Node-side unless it is listed
// as browser-safe below, so a new dependency stays out of the renderer and shared until someone decides it belongs
// there (a forgotten entry fails lint, a wrong one would not).
const { dependencies } = require('../package.json');

/** Runtime dependencies that run in a browser, so the renderer and shared may import them. */
const browserPackages = ['@noble/hashes', '@xyflow/react', 'diff', 'gpt-tokenizer', 'react', 'react-dom', 'react-markdown', 'zod', 'zustand'];

/** Runtime dependencies only src/main may import: every other entry of package.json's dependencies. */
const nodeOnlyPackages = Object.keys(dependencies)
  .filter((name) => !browserPackages.includes(name))
  .sort();

/**
 * A regular expression (as source) matching a module specifier that names one of these modules, or a file inside
 * one ("ssh2", "ssh2/lib/client"), and nothing else: not "./ssh2", not "ssh2-extra". Never matches for no names.
 */
function specifierRegex(names) {
  return names.length === 0 ? '(?!)' : `^(?:${alternation(names)})(?:/.*)?$`;
}

/** The names as one regular-expression alternation, escaped ("ssh2|write-file-atomic|..."). */
function alternation(names) {
  return names.map((name) => name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|');
}

module.exports = { browserPackages, nodeOnlyPackages, specifierRegex, alternation };
