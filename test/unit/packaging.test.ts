import Ajv from 'ajv';
import { build, Platform, type Configuration } from 'electron-builder';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';

// electron-builder needs the Electron download, which our build machines cannot do, so `npm run dist` is not
// run here. Its configuration is instead checked against electron-builder's own JSON schema, and its packaging
// step, fuses included, runs on a stand-in for the Electron binary.
const root = resolve(import.meta.dirname, '../..');
const config = JSON.parse(readFileSync(join(root, 'electron-builder.json'), 'utf8')) as Record<string, unknown> & {
  linux: { target: string[]; icon: string; maintainer: string };
  mac: { target: string[]; icon: string };
  win: { target: string[]; icon: string };
  files: string[];
  electronFuses: Record<string, boolean>;
};
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string>; main: string };

describe('electron-builder configuration', () => {
  test('matches electron-builder schema', () => {
    const schema = JSON.parse(readFileSync(join(root, 'node_modules/app-builder-lib/scheme.json'), 'utf8'));
    const ajv = new Ajv({ allErrors: true, strict: false });
    const { $schema: _ignored, ...rest } = config;
    const valid = ajv.validate(schema, rest);
    expect(ajv.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  test('builds AppImage and deb for Linux, dmg for macOS and nsis for Windows', () => {
    expect(config.appId).toMatch(/^[a-z0-9.-]+$/);
    expect(config.productName).toBe('Clan Network Designer');
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.mac.target).toEqual(['dmg']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.linux.maintainer).toMatch(/<.+@.+>/);
  });

  test('icons exist under resources/ at sizes the platforms need', () => {
    for (const icon of [config.linux.icon, config.mac.icon, config.win.icon]) {
      const file = join(root, icon);
      expect(existsSync(file)).toBe(true);
      const png = readFileSync(file);
      expect(png.subarray(1, 4).toString()).toBe('PNG');
      expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(256);
    }
    expect(readFileSync(join(root, config.mac.icon)).readUInt32BE(16)).toBeGreaterThanOrEqual(512);
  });

  test('packages the built app and leaves out ssh2 native addons', () => {
    expect(config.files).toContain('out/**/*');
    expect(config.files.some((f) => f.startsWith('!node_modules/cpu-features'))).toBe(true);
    expect(pkg.main).toBe('./out/main/index.js');
    expect(pkg.scripts.dist).toContain('electron-builder');
  });
});

// The fuses electron-builder flips in the packaged Electron binary (Electron's "Electron Fuses" tutorial): no
// running as plain Node, no NODE_OPTIONS or --inspect to inject code, cookies encrypted at rest, the app only from
// app.asar and that archive checked against the hash in the binary (macOS and Windows), and no extra powers for
// file:// pages, which the app no longer uses (it is served from app://renderer).
const expectedFuses = {
  runAsNode: false,
  enableNodeOptionsEnvironmentVariable: false,
  enableNodeCliInspectArguments: false,
  enableCookieEncryption: true,
  enableEmbeddedAsarIntegrityValidation: true,
  onlyLoadAppFromAsar: true,
  grantFileProtocolExtraPrivileges: false,
};

describe('Electron fuses', () => {
  test('the configuration sets every hardening fuse', () => {
    expect(config.electronFuses).toEqual(expectedFuses);
    // Only loading from app.asar needs the app to be packed into one.
    expect(config.asar).toBe(true);
  });

  // The copy of @electron/fuses that electron-builder itself flips fuses with, to read them back.
  type FuseWire = Record<string, string | number>;
  const fuses = createRequire(createRequire(import.meta.url).resolve('app-builder-lib'))('@electron/fuses') as {
    getCurrentFuseWire(binary: string): Promise<FuseWire>;
    FuseV1Options: Record<string, number>;
  };
  const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
  const [DISABLE, ENABLE] = [0x30, 0x31];
  // Electron's shipped states, in wire order: RunAsNode on, cookie encryption off, NODE_OPTIONS on, --inspect on,
  // ASAR integrity off, only app.asar off, browser-specific V8 snapshot off, file:// privileges on.
  const shippedWire = '10110001';
  const work = mkdtempSync(join(tmpdir(), 'fuses-pack-'));
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  test('packaging flips them in the Electron binary', { timeout: 60_000 }, async () => {
    // A stand-in for Electron's unpacked distribution: a file holding the fuse wire where the real binary has it,
    // after the sentinel @electron/fuses looks for.
    const electronDist = join(work, 'electron-dist');
    mkdirSync(electronDist);
    writeFileSync(join(electronDist, 'electron'), Buffer.concat([Buffer.from('stand-in for the Electron binary\0'), Buffer.from(SENTINEL), Buffer.from([1, shippedWire.length]), Buffer.from(shippedWire), Buffer.from('\0end')]), { mode: 0o755 });
    // A project with the real package metadata and main entry, but no dependencies to collect.
    const project = join(work, 'project');
    mkdirSync(join(project, 'out', 'main'), { recursive: true });
    writeFileSync(join(project, 'out', 'main', 'index.js'), 'export {};\n');
    const { name, productName, version, description, author, license, main } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as Record<string, string>;
    writeFileSync(join(project, 'package.json'), JSON.stringify({ name, productName, version, description, author, license, main, type: 'module' }));
    const electronVersion = (JSON.parse(readFileSync(join(root, 'node_modules', 'electron', 'package.json'), 'utf8')) as { version: string }).version;

    // The real configuration (its schema is checked above), with only the Electron source and output moved.
    const { $schema: _ignored, ...rest } = config;
    const realConfig = rest as Configuration;
    const output = join(work, 'dist');
    await build({
      projectDir: project,
      targets: Platform.LINUX.createTarget('dir'),
      publish: 'never',
      config: { ...realConfig, electronDist, electronVersion, directories: { ...realConfig.directories, output } },
    });

    const appDir = join(output, 'linux-unpacked');
    expect(existsSync(join(appDir, 'resources', 'app.asar'))).toBe(true);
    expect(existsSync(join(appDir, 'resources', 'app'))).toBe(false);
    const wire = await fuses.getCurrentFuseWire(join(appDir, 'clan-network-designer'));
    const state = (option: string): number => wire[fuses.FuseV1Options[option]!] as number;
    expect({
      runAsNode: state('RunAsNode'),
      enableNodeOptionsEnvironmentVariable: state('EnableNodeOptionsEnvironmentVariable'),
      enableNodeCliInspectArguments: state('EnableNodeCliInspectArguments'),
      enableCookieEncryption: state('EnableCookieEncryption'),
      enableEmbeddedAsarIntegrityValidation: state('EnableEmbeddedAsarIntegrityValidation'),
      onlyLoadAppFromAsar: state('OnlyLoadAppFromAsar'),
      grantFileProtocolExtraPrivileges: state('GrantFileProtocolExtraPrivileges'),
    }).toEqual(Object.fromEntries(Object.entries(expectedFuses).map(([key, on]) => [key, on ? ENABLE : DISABLE])));
    // A fuse the configuration does not name keeps Electron's state.
    expect(state('LoadBrowserProcessSpecificV8Snapshot')).toBe(DISABLE);
  });
});
