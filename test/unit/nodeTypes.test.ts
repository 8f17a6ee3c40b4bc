import ts from 'typescript';
import { describe, expect, test } from 'vitest';

// tsconfig.shared.json and tsconfig.web.json leave out Node's types (`types: []`), but that only stops TypeScript
// from adding them on its own. A package whose types say `/// <reference types="node" />` (ssh2's do) still brings
// all of @types/node into the program, and then Buffer, process and `await import('node:child_process')` type-check
// in the renderer and in shared. No compiler option turns such a reference off, so this test builds both programs
// and fails when any file of @types/node is in them, naming the files that referenced it. Lint bans the known
// Node-side packages by name (layering.test.ts); this catches every other way in, such as a browser-safe package
// whose types start to reference Node.

const root = new URL('../..', import.meta.url).pathname;

/** A program of one of the project's tsconfig files, or of its options with only the given (virtual) files. */
function programOf(configFile: string, virtualFiles?: Record<string, string>): ts.Program {
  const parsed = ts.getParsedCommandLineOfConfigFile(`${root}${configFile}`, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  if (parsed === undefined) throw new Error(`cannot read ${configFile}`);
  if (virtualFiles === undefined) return ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options });
  const files = new Map(Object.entries(virtualFiles).map(([path, text]) => [`${root}${path}`, text]));
  const host = ts.createCompilerHost(parsed.options);
  const { fileExists, readFile, getSourceFile } = host;
  host.fileExists = (path) => files.has(path) || fileExists.call(host, path);
  host.readFile = (path) => files.get(path) ?? readFile.call(host, path);
  host.getSourceFile = (path, language, ...rest) => {
    const text = files.get(path);
    return text === undefined ? getSourceFile.call(host, path, language, ...rest) : ts.createSourceFile(path, text, language);
  };
  return ts.createProgram({ rootNames: [...files.keys()], options: parsed.options, host });
}

/** How many files of @types/node a program holds, and which of its other files reference Node's types. */
function nodeTypesIn(program: ts.Program): { nodeTypeFiles: number; referencedBy: string[] } {
  const isNodeTypes = (fileName: string) => fileName.includes('/node_modules/@types/node/');
  const files = program.getSourceFiles();
  return {
    nodeTypeFiles: files.filter((file) => isNodeTypes(file.fileName)).length,
    referencedBy: files
      .filter((file) => !isNodeTypes(file.fileName) && file.typeReferenceDirectives.some((reference) => reference.fileName === 'node'))
      .map((file) => file.fileName.slice(file.fileName.lastIndexOf('/node_modules/') + 1)),
  };
}

describe('Node types stay out of the browser-side programs', () => {
  test.each(['tsconfig.shared.json', 'tsconfig.web.json'])('%s holds no file of @types/node', (configFile) => {
    const program = programOf(configFile);
    expect(program.getSourceFiles().length).toBeGreaterThan(50);
    expect(nodeTypesIn(program)).toEqual({ nodeTypeFiles: 0, referencedBy: [] });
  }, 30_000);

  test('the check fires: a type-only import of ssh2 brings in @types/node through its types', () => {
    const program = programOf('tsconfig.shared.json', { 'src/shared/nodeTypesProbe.ts': "import type { ConnectConfig } from 'ssh2';\nexport type Probe = ConnectConfig;\n" });
    const found = nodeTypesIn(program);
    expect(found.nodeTypeFiles).toBeGreaterThan(0);
    expect(found.referencedBy).toContain('node_modules/@types/ssh2/index.d.ts');
  }, 30_000);
});
