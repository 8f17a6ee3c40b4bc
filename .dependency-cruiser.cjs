// `npm run check:deps`: dependency-cruiser reads every import in src (static, dynamic and type-only, resolved to
// files) and fails on an import cycle or an import across the layers of docs/architecture.md. ESLint enforces the
// same layers per file as you type (eslint.config.js); this check sees resolved paths and the whole graph, which is
// what cycles need. test/unit/dependencyCheck.test.ts proves each rule fires on a small tree of bad files.
const { alternation, nodeOnlyPackages } = require('./scripts/packageLayers.cjs');

/** Test files are not a layer: they may read fixtures with node:fs and import what they test from anywhere. */
const notATest = '\\.test\\.tsx?$';
// Packages are matched by their resolved path, anywhere in a node_modules folder.
/** Node-side npm packages (every runtime dependency not marked browser-safe in scripts/packageLayers.cjs) and Electron. */
const nodeOnlyPackagePaths = `(?:^|/)node_modules/(?:@types/)?(?:${alternation(['electron', ...nodeOnlyPackages])})/`;
/** UI libraries, which the pure core never needs. */
const uiPackagePaths = '(?:^|/)node_modules/(?:react|react-dom|@xyflow/[^/]+|zustand|zundo)/';
/** Electron itself. */
const electronPath = '(?:^|/)node_modules/electron/';
/** Modules that hold ids and defaults saved in design files: they import nothing, so no feature can change what files hold. */
const fileFormatLeaves = '^src/shared/(?:schema/(?:[^/]+Ids|designDefaults)|vpn/ids)\\.ts$';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment:
        'Import cycles make modules load half-initialised and tie features into knots (a cycle through types counts too: it is still a knot). Move what both sides need into a module both import.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'shared-imports-only-shared',
      severity: 'error',
      comment: 'src/shared is the pure core: it imports nothing from main, preload or the renderer.',
      from: { path: '^src/shared/', pathNot: notATest },
      to: { path: '^src/(?!shared/)' },
    },
    {
      name: 'browser-layers-no-node-builtins',
      severity: 'error',
      comment: 'src/shared runs in any JavaScript runtime and the renderer in a web page: neither imports a Node built-in.',
      from: { path: '^src/(?:shared|renderer)/', pathNot: notATest },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'browser-layers-no-node-packages',
      severity: 'error',
      comment:
        'src/shared and the renderer import no Electron and no package that needs Node or holds secrets (ssh2, openai, ...: every runtime dependency not listed as browser-safe in scripts/packageLayers.cjs).',
      from: { path: '^src/(?:shared|renderer)/', pathNot: notATest },
      to: { path: nodeOnlyPackagePaths },
    },
    {
      name: 'shared-no-ui',
      severity: 'error',
      comment: 'src/shared holds the model without a UI: no React, React Flow or zustand.',
      from: { path: '^src/shared/', pathNot: notATest },
      to: { path: uiPackagePaths },
    },
    {
      name: 'renderer-not-main-or-preload',
      severity: 'error',
      comment: 'The renderer reaches main only through the contract (window.api or serve mode), never by importing it.',
      from: { path: '^src/renderer/', pathNot: notATest },
      to: { path: '^src/(?:main|preload)/' },
    },
    {
      name: 'main-not-renderer',
      severity: 'error',
      comment: 'main has no UI and imports nothing from the renderer.',
      from: { path: '^src/main/', pathNot: notATest },
      to: { path: '^src/renderer/' },
    },
    {
      name: 'preload-only-electron-and-ipc',
      severity: 'error',
      comment: 'The preload script forwards the contract and nothing else: it imports electron, src/shared/ipc and its own files only.',
      from: { path: '^src/preload/', pathNot: notATest },
      to: { pathNot: ['^src/shared/ipc/', '^src/preload/', electronPath] },
    },
    {
      name: 'electron-only-in-the-shell',
      severity: 'error',
      comment: 'Only main/index.ts, main/ipc/ and the preload import Electron, so every service also runs under plain Node (serve mode, the CLI, tests).',
      from: { path: '^src/', pathNot: [notATest, '^src/main/index\\.ts$', '^src/main/ipc/', '^src/preload/'] },
      to: { path: electronPath },
    },
    {
      name: 'file-format-ids-are-leaves',
      severity: 'error',
      comment: 'The ids and defaults design files hold are defined in modules that import nothing of the app, so no feature change can change them.',
      from: { path: fileFormatLeaves },
      to: { path: '^src/' },
    },
    {
      name: 'design-format-no-features',
      severity: 'error',
      comment:
        'The design file format takes its ids and defaults from the leaf id modules, never from a feature (bench, model, vpn catalog): features import the format, not the other way round.',
      from: { path: '^src/shared/schema/design\\.ts$' },
      to: { path: '^src/', pathNot: fileFormatLeaves },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    // Type-only imports count: they carry a package's types (and with ssh2's, all of Node's) into a layer.
    tsPreCompilationDeps: true,
    // Only the analyses the rules above need (cycles), which keeps the check at a few seconds.
    skipAnalysisNotInRules: true,
  },
};
