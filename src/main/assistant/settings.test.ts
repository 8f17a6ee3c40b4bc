import { existsSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { AssistantSettingsChange } from '../../shared/assistant/schema';
import { describeError } from '../../shared/errors';
import { ASSISTANT_FOLDER, AssistantSettingsStore, KEY_FILE, SETTINGS_FILE, type KeyEncryption, type KeyStorage } from './settings';

// The assistant's settings and its API key in the data folder: which endpoint and model, redaction, and the key kept
// encrypted (desktop: Electron's safeStorage, faked here) or in a file only this user reads (serve mode, CLI), tied
// to the endpoint it was entered for, with OPENAI_BASE_URL / OPENAI_API_KEY used where the settings leave them empty.

const KEY = 'sk-test-0123456789abcdefSECRET';

/** A stand-in for safeStorage: reversible, and the key is not readable in what it returns. */
function fakeSafeStorage(options: { available?: boolean; backend?: string } = {}): KeyEncryption {
  return {
    isEncryptionAvailable: () => options.available ?? true,
    ...(options.backend === undefined ? {} : { getSelectedStorageBackend: () => options.backend! }),
    encryptString: (plain) => Buffer.from(`enc:${[...plain].reverse().join('')}`),
    decryptString: (encrypted) => {
      const text = encrypted.toString();
      if (!text.startsWith('enc:')) throw new Error('not ours');
      return [...text.slice(4)].reverse().join('');
    },
  };
}

function store(options: { keyStorage?: KeyStorage; env?: Record<string, string | undefined>; dataDir?: string } = {}) {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'cnd-assistant-settings-'));
  return { dataDir, settings: new AssistantSettingsStore({ dataDir, keyStorage: options.keyStorage ?? { kind: 'privateFile' }, env: options.env ?? {} }) };
}

const change = (fields: Partial<AssistantSettingsChange>): AssistantSettingsChange => ({ preset: 'ollama', baseUrl: '', model: '', redaction: 'auto', ...fields });
const modeOf = (path: string) => statSync(path).mode & 0o777;

describe('defaults and the environment', () => {
  test('without settings: Ollama on this computer, local, redaction auto (so off), no key', async () => {
    const { settings } = store();
    expect(await settings.get()).toEqual({
      ok: true,
      value: { preset: 'ollama', baseUrl: 'http://127.0.0.1:11434/v1', model: '', redaction: 'auto', hasApiKey: false, fromEnvironment: { apiKey: false, baseUrl: false }, local: true },
    });
    expect(await settings.endpoint()).toMatchObject({ ok: true, value: { baseUrl: 'http://127.0.0.1:11434/v1', apiKey: null, keySource: 'none', local: true, redact: false } });
  });

  test('OPENAI_BASE_URL and OPENAI_API_KEY are used where the settings leave them empty, and the settings say so', async () => {
    const { settings } = store({ env: { OPENAI_BASE_URL: 'https://api.openai.com/v1/', OPENAI_API_KEY: KEY } });
    const got = await settings.get();
    expect(got).toMatchObject({ ok: true, value: { preset: 'openai', baseUrl: 'https://api.openai.com/v1', local: false, hasApiKey: false, fromEnvironment: { apiKey: true, baseUrl: true } } });
    expect(JSON.stringify(got)).not.toContain(KEY);
    // Not on this computer, so `auto` redacts.
    expect(await settings.endpoint()).toMatchObject({ ok: true, value: { apiKey: KEY, keySource: 'environment', redact: true } });
  });

  test('saving the form unchanged while it follows OPENAI_BASE_URL pins nothing; another URL is kept', async () => {
    const env: Record<string, string | undefined> = { OPENAI_BASE_URL: 'http://127.0.0.1:9000/v1' };
    const { settings } = store({ env });
    expect(await settings.set(change({ preset: 'custom', baseUrl: 'http://127.0.0.1:9000/v1' }))).toMatchObject({ ok: true, value: { fromEnvironment: { baseUrl: true } } });
    env.OPENAI_BASE_URL = 'http://127.0.0.1:9001/v1';
    expect(await settings.get()).toMatchObject({ ok: true, value: { baseUrl: 'http://127.0.0.1:9001/v1' } });
    expect(await settings.set(change({ preset: 'lmstudio', baseUrl: 'http://127.0.0.1:1234/v1' }))).toMatchObject({ ok: true, value: { baseUrl: 'http://127.0.0.1:1234/v1', fromEnvironment: { baseUrl: false } } });
  });

  test('an empty base URL means the preset’s; a base URL with a password, another scheme or no URL at all is refused', async () => {
    const { settings } = store();
    expect(await settings.set(change({ preset: 'openrouter' }))).toMatchObject({ ok: true, value: { baseUrl: 'https://openrouter.ai/api/v1', local: false } });
    for (const [baseUrl, reason] of [
      ['http://me:secret@example.org/v1', 'credentials'],
      ['ftp://example.org/v1', 'protocol'],
      ['not a url', 'notAUrl'],
      ['http://127.0.0.1:11434/v1?key=x', 'query'],
    ] as const) {
      const refused = await settings.set(change({ preset: 'custom', baseUrl }));
      expect(refused).toMatchObject({ ok: false, error: { code: 'assistantBaseUrlInvalid', details: { reason } } });
      if (!refused.ok) expect(describeError(refused.error)).toMatch(/^That base URL was not saved because/);
    }
    expect(await settings.get()).toMatchObject({ ok: true, value: { preset: 'openrouter' } });
  });

  test('loopback in any spelling is local; anything else is not', async () => {
    const { settings } = store();
    for (const [baseUrl, local] of [
      ['http://localhost:8080/v1', true],
      ['http://[::1]:8080/v1', true],
      ['http://127.1.2.3:8080/v1', true],
      ['http://192.168.1.10:11434/v1', false],
      ['https://llm.example.org/v1', false],
    ] as const) {
      expect(await settings.set(change({ preset: 'custom', baseUrl }))).toMatchObject({ ok: true, value: { local } });
    }
  });
});

describe('the API key', () => {
  test('serve mode and CLI: a file readable by this user only (0600) in a folder only this user enters (0700); never in a response', async () => {
    const { settings, dataDir } = store();
    const set = await settings.set(change({ preset: 'openai', apiKey: KEY }));
    expect(set).toMatchObject({ ok: true, value: { hasApiKey: true, fromEnvironment: { apiKey: false } } });
    expect(JSON.stringify(set)).not.toContain(KEY);
    expect(JSON.stringify(await settings.get())).not.toContain(KEY);
    expect(modeOf(join(dataDir, ASSISTANT_FOLDER))).toBe(0o700);
    expect(modeOf(join(dataDir, KEY_FILE))).toBe(0o600);
    expect(modeOf(join(dataDir, SETTINGS_FILE))).toBe(0o600);
    expect(readFileSync(join(dataDir, SETTINGS_FILE), 'utf8')).not.toContain(KEY);
    expect(await settings.endpoint()).toMatchObject({ ok: true, value: { apiKey: KEY, keySource: 'settings' } });
  });

  test('an existing folder with loose permissions is made private before the key goes in', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'cnd-assistant-settings-'));
    mkdirSync(join(dataDir, ASSISTANT_FOLDER), { mode: 0o755 });
    const { settings } = store({ dataDir });
    expect(await settings.set(change({ preset: 'openai', apiKey: KEY }))).toMatchObject({ ok: true });
    expect(modeOf(join(dataDir, ASSISTANT_FOLDER))).toBe(0o700);
  });

  test('desktop: encrypted with safeStorage; the file does not hold the key', async () => {
    const { settings, dataDir } = store({ keyStorage: { kind: 'encrypted', encryption: fakeSafeStorage({ backend: 'gnome_libsecret' }) } });
    expect(await settings.set(change({ preset: 'openai', apiKey: KEY }))).toMatchObject({ ok: true, value: { hasApiKey: true } });
    const file = readFileSync(join(dataDir, KEY_FILE), 'utf8');
    expect(file).not.toContain(KEY);
    expect(JSON.parse(file)).toMatchObject({ storage: 'safeStorage', origin: 'https://api.openai.com' });
    expect(modeOf(join(dataDir, KEY_FILE))).toBe(0o600);
    expect(await settings.endpoint()).toMatchObject({ ok: true, value: { apiKey: KEY } });
  });

  test('desktop without a keyring (or with the fixed-password fallback): the key is refused and nothing is written', async () => {
    for (const encryption of [fakeSafeStorage({ available: false }), fakeSafeStorage({ backend: 'basic_text' })]) {
      const { settings, dataDir } = store({ keyStorage: { kind: 'encrypted', encryption } });
      const refused = await settings.set(change({ preset: 'openai', apiKey: KEY }));
      expect(refused).toMatchObject({ ok: false, error: { code: 'assistantKeyStorageUnavailable' } });
      if (!refused.ok) expect(describeError(refused.error)).toMatch(/does not keep keys unencrypted.*OPENAI_API_KEY/);
      expect(existsSync(join(dataDir, KEY_FILE))).toBe(false);
      expect(existsSync(join(dataDir, SETTINGS_FILE))).toBe(false);
      // Settings without a key are still saved.
      expect(await settings.set(change({ preset: 'openai' }))).toMatchObject({ ok: true, value: { preset: 'openai', hasApiKey: false } });
    }
  });

  test('a key belongs to its endpoint: other endpoints never get it, and going back finds it', async () => {
    const { settings } = store();
    await settings.set(change({ preset: 'openai', apiKey: KEY }));
    expect(await settings.set(change({ preset: 'openrouter' }))).toMatchObject({ ok: true, value: { hasApiKey: false } });
    expect(await settings.endpoint()).toMatchObject({ ok: true, value: { apiKey: null, keySource: 'none' } });
    // Listing models of settings being edited for another URL does not take the key along either.
    expect(await settings.endpoint({ preset: 'custom', baseUrl: 'https://evil.example.org/v1' })).toMatchObject({ ok: true, value: { apiKey: null } });
    expect(await settings.set(change({ preset: 'openai' }))).toMatchObject({ ok: true, value: { hasApiKey: true } });
    expect(await settings.endpoint({ baseUrl: 'https://api.openai.com/v1' })).toMatchObject({ ok: true, value: { apiKey: KEY } });
  });

  test('a key never travels in clear: none is stored for plain http to another computer, and OPENAI_API_KEY is not sent there', async () => {
    const { dataDir, settings } = store({ env: { OPENAI_API_KEY: KEY } });
    const refused = await settings.set(change({ preset: 'custom', baseUrl: 'http://192.168.1.20:11434/v1', apiKey: KEY }));
    expect(refused).toMatchObject({ ok: false, error: { code: 'assistantBaseUrlInvalid', details: { reason: 'keyInClear' } } });
    if (refused.ok) return;
    expect(describeError(refused.error)).toBe(
      'The settings were not saved: the API key would travel unencrypted to http://192.168.1.20:11434/v1, which is plain http:// to another computer. Use its https:// address (behind a reverse proxy, for example), or leave the key empty if the server needs none.',
    );
    expect(existsSync(join(dataDir, ASSISTANT_FOLDER, KEY_FILE))).toBe(false);
    // Without a key the same endpoint is fine (Ollama on a home server), and the environment's key stays home.
    expect(await settings.set(change({ preset: 'custom', baseUrl: 'http://192.168.1.20:11434/v1' }))).toMatchObject({ ok: true });
    expect(await settings.endpoint()).toMatchObject({ ok: true, value: { apiKey: null, keySource: 'none', local: false } });
    // Over https, or plain http on this computer, the key goes.
    expect(await settings.endpoint({ preset: 'custom', baseUrl: 'https://llm.home.example/v1' })).toMatchObject({ ok: true, value: { apiKey: KEY } });
    expect(await settings.endpoint({ preset: 'custom', baseUrl: 'http://127.0.0.1:8080/v1' })).toMatchObject({ ok: true, value: { apiKey: KEY } });
  });

  test('null removes the stored key; omitted keeps it', async () => {
    const { settings, dataDir } = store();
    await settings.set(change({ preset: 'openai', apiKey: KEY }));
    expect(await settings.set(change({ preset: 'openai', model: 'gpt-4o-mini' }))).toMatchObject({ ok: true, value: { hasApiKey: true, model: 'gpt-4o-mini' } });
    expect(await settings.set(change({ preset: 'openai', apiKey: null }))).toMatchObject({ ok: true, value: { hasApiKey: false } });
    expect(existsSync(join(dataDir, KEY_FILE))).toBe(false);
  });

  test('a link planted where the key or the folder goes is refused, never written through', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'cnd-outside-'));
    const dataDir = mkdtempSync(join(tmpdir(), 'cnd-assistant-settings-'));
    mkdirSync(join(dataDir, ASSISTANT_FOLDER), { mode: 0o700 });
    writeFileSync(join(outside, 'target'), 'untouched');
    symlinkSync(join(outside, 'target'), join(dataDir, KEY_FILE));
    const { settings } = store({ dataDir });
    expect(await settings.set(change({ preset: 'openai', apiKey: KEY }))).toMatchObject({ ok: false, error: { code: 'notARegularFile' } });
    expect(readFileSync(join(outside, 'target'), 'utf8')).toBe('untouched');

    const linked = mkdtempSync(join(tmpdir(), 'cnd-assistant-settings-'));
    symlinkSync(outside, join(linked, ASSISTANT_FOLDER));
    const other = store({ dataDir: linked });
    expect(await other.settings.set(change({ preset: 'openai', apiKey: KEY }))).toMatchObject({ ok: false });
    expect(existsSync(join(outside, 'api-key.json'))).toBe(false);
  });
});
