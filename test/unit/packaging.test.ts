import Ajv from 'ajv';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, test } from 'vitest';

// electron-builder needs the Electron download, which our build machines cannot do, so `npm run dist` is not
// run here. Its configuration is instead checked against electron-builder's own JSON schema.
const root = resolve(import.meta.dirname, '../..');
const config = JSON.parse(readFileSync(join(root, 'electron-builder.json'), 'utf8')) as Record<string, unknown> & {
  linux: { target: string[]; icon: string; maintainer: string };
  mac: { target: string[]; icon: string };
  win: { target: string[]; icon: string };
  files: string[];
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
