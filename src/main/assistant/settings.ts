import { z } from 'zod';
import { assistantPresetBaseUrls } from '../../shared/assistant/presets';
import { assistantPresetIds, redactionModes, type AssistantPresetId, type AssistantSettings, type AssistantSettingsChange } from '../../shared/assistant/schema';
import { appError, type AppError } from '../../shared/errors';
import { err, ok, type Result } from '../../shared/result';
import { ConfinedFolder } from '../fs/confinedFolder';
import { makePrivateFolder } from '../fs/privateFile';

// The assistant's settings (issue 16): which OpenAI-compatible endpoint it speaks to, which model, whether requests
// are redacted, and the endpoint's API key. Kept in the app's data folder, in a folder only this user may enter
// (`assistant/`, mode 0700, files 0600). The key never leaves main: the renderer learns only whether one is stored.
//
// - In the desktop app the key is encrypted with Electron's safeStorage (the system keyring). Where safeStorage
//   has no keyring to use (Linux without a secret service, where it would fall back to a fixed password), the key
//   is refused, not stored in a form anyone could read back: OPENAI_API_KEY still works there.
// - In serve mode and on the command line there is no keyring; the key is a file readable by this user only.
// - A stored key belongs to the endpoint (scheme, host and port) it was entered for, and is sent only there: moving
//   the settings to another endpoint never hands an OpenAI key to some other server. Going back finds it again.
// - OPENAI_BASE_URL and OPENAI_API_KEY are used where the settings leave them empty (an empty base URL; no stored
//   key for the endpoint), and the settings say so (`fromEnvironment`). An empty model means the first one the
//   endpoint lists (so a fresh Ollama with one model pulled just works).
// - Both files are written atomically through the data folder's ConfinedFolder with their mode set on the temp file
//   before the rename (not write-file-atomic, which follows a link planted under the target's name; see
//   fs/confinedFolder.ts), so a key is never readable by others, not even for a moment, and never written elsewhere.

/** The folder of the assistant's files in the data folder (mode 0700). */
export const ASSISTANT_FOLDER = 'assistant';
/** The settings (no secret in it; still 0600). */
export const SETTINGS_FILE = `${ASSISTANT_FOLDER}/settings.json`;
/** The API key, encrypted or private to this user, with the endpoint it belongs to (0600). */
export const KEY_FILE = `${ASSISTANT_FOLDER}/api-key.json`;

/** Electron's safeStorage as the store uses it; main/index.ts passes safeStorage itself. */
export interface KeyEncryption {
  isEncryptionAvailable(): boolean;
  /** Linux only: which keyring safeStorage uses; `basic_text` means a fixed password, which is no protection. */
  getSelectedStorageBackend?(): string;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

/** How the key is kept: encrypted by the desktop's keyring, or in a file only this user can read (serve mode, CLI). */
export type KeyStorage = { kind: 'encrypted'; encryption: KeyEncryption } | { kind: 'privateFile' };

/** The endpoint a request goes to, with its key: main only, never sent to the renderer. */
export interface AssistantEndpoint {
  preset: AssistantPresetId;
  baseUrl: string;
  /** The model to ask; '' means the first model the endpoint lists. */
  model: string;
  apiKey: string | null;
  /** Where the key came from, for the 401 message. */
  keySource: 'settings' | 'environment' | 'none';
  /** The base URL's host is this computer (loopback). */
  local: boolean;
  /** Names and addresses are replaced by placeholders before anything is sent. */
  redact: boolean;
}

const storedSettingsSchema = z.object({
  format: z.literal('clan-designer-assistant-settings'),
  version: z.literal(1),
  preset: z.enum(assistantPresetIds),
  baseUrl: z.string().max(2000),
  model: z.string().max(300),
  redaction: z.enum(redactionModes),
});
type StoredSettings = z.infer<typeof storedSettingsSchema>;

const storedKeySchema = z.object({
  format: z.literal('clan-designer-assistant-key'),
  version: z.literal(1),
  /** The endpoint (URL origin) the key was entered for; it is sent nowhere else. */
  origin: z.string(),
  /** `safeStorage`: base64 of Electron's encrypted bytes. `plain`: the key itself, in a file only this user reads. */
  storage: z.enum(['safeStorage', 'plain']),
  key: z.string().max(20_000),
});
type StoredKey = z.infer<typeof storedKeySchema>;

/** Whether a URL's host is this computer. */
/** Whether requests to this base URL cross the network unencrypted: plain http to a host that is not this computer. */
function sendsInClear(baseUrl: string): boolean {
  return baseUrl.startsWith('http:') && !isLoopbackUrl(baseUrl);
}

export function isLoopbackUrl(baseUrl: string): boolean {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.replace(/^\[|\]$/g, '').toLowerCase();
  } catch {
    return false;
  }
  return host === 'localhost' || host.endsWith('.localhost') || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * A base URL the app accepts: http or https, without a user name or password in it (a key belongs in the key
 * field, where it is stored encrypted), without query or fragment; the trailing slash is dropped.
 */
export function checkBaseUrl(text: string): Result<string, AppError> {
  const trimmed = text.trim();
  let url: URL;
  try {
    url = new URL(trimmed);
  } catch {
    return err(appError('assistantBaseUrlInvalid', { reason: 'notAUrl' }));
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return err(appError('assistantBaseUrlInvalid', { reason: 'protocol', protocol: url.protocol }));
  if (url.username !== '' || url.password !== '') return err(appError('assistantBaseUrlInvalid', { reason: 'credentials' }));
  if (url.search !== '' || url.hash !== '') return err(appError('assistantBaseUrlInvalid', { reason: 'query', baseUrl: `${url.origin}${url.pathname}` }));
  return ok(`${url.origin}${url.pathname}`.replace(/\/+$/, ''));
}

/** The origin a key belongs to ("https://api.openai.com"). */
function originOf(baseUrl: string): string | null {
  try {
    return new URL(baseUrl).origin;
  } catch {
    return null;
  }
}

const nonEmpty = (value: string | undefined): string | null => (value === undefined || value.trim() === '' ? null : value.trim());

export interface AssistantSettingsStoreOptions {
  dataDir: string;
  keyStorage: KeyStorage;
  /** OPENAI_BASE_URL and OPENAI_API_KEY are read from here (default: process.env). */
  env?: Record<string, string | undefined>;
  log?: (message: string, details?: unknown) => void;
}

/** The settings file and the key file in the data folder. */
export class AssistantSettingsStore {
  private readonly folder: ConfinedFolder;
  private readonly env: Record<string, string | undefined>;

  constructor(private readonly options: AssistantSettingsStoreOptions) {
    this.folder = new ConfinedFolder(options.dataDir, 'data');
    this.env = options.env ?? process.env;
  }

  /** The settings as the renderer sees them: where requests go, and whether a key is stored, never the key. */
  async get(): Promise<Result<AssistantSettings, AppError>> {
    const stored = await this.readSettings();
    if (!stored.ok) return stored;
    const key = await this.readKey();
    if (!key.ok) return key;
    return ok(this.view(stored.value, key.value));
  }

  /**
   * Changes the settings. A base URL equal to OPENAI_BASE_URL, while the settings followed it, keeps following it
   * (saving the form unchanged pins nothing); an empty one means OPENAI_BASE_URL, else the preset's. `apiKey`: a new
   * key for the endpoint, null (or '') removes it, omitted keeps it. Nothing is written when the key is refused.
   */
  async set(change: AssistantSettingsChange): Promise<Result<AssistantSettings, AppError>> {
    let baseUrl = '';
    if (change.baseUrl.trim() !== '') {
      const checked = checkBaseUrl(change.baseUrl);
      if (!checked.ok) return checked;
      baseUrl = checked.value;
    }
    const before = await this.readSettings();
    if (!before.ok) return before;
    const envUrl = this.envBaseUrl();
    if (before.value.baseUrl === '' && envUrl !== null && baseUrl === envUrl) baseUrl = '';
    const next: StoredSettings = { format: 'clan-designer-assistant-settings', version: 1, preset: change.preset, baseUrl, model: change.model.trim(), redaction: change.redaction };
    const effective = this.effectiveBaseUrl(next);
    let key: StoredKey | null | undefined;
    if (change.apiKey !== undefined) {
      const given = change.apiKey === null ? null : nonEmpty(change.apiKey);
      if (given === null) key = null;
      else {
        const origin = originOf(effective);
        if (origin === null) return err(appError('assistantNotConfigured', { missing: 'baseUrl', preset: next.preset }));
        if (sendsInClear(effective)) return err(appError('assistantBaseUrlInvalid', { reason: 'keyInClear', baseUrl: effective }));
        const sealed = this.seal(given);
        if (!sealed.ok) return sealed;
        key = { format: 'clan-designer-assistant-key', version: 1, origin, ...sealed.value };
      }
    }
    const folder = await makePrivateFolder(this.folder, ASSISTANT_FOLDER);
    if (!folder.ok) return folder;
    if (key === null) {
      const removed = await this.folder.remove(KEY_FILE);
      if (!removed.ok) return removed;
    } else if (key !== undefined) {
      const written = await this.folder.writeFile(KEY_FILE, `${JSON.stringify(key)}\n`, { mode: 0o600 });
      if (!written.ok) return written;
    }
    const written = await this.folder.writeFile(SETTINGS_FILE, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
    if (!written.ok) return written;
    return this.get();
  }

  /**
   * The endpoint to send to, with its key. `override`: the base URL or preset of settings being edited and not
   * saved yet (listing models before saving); the stored key goes along only when that URL is of the key's endpoint.
   */
  async endpoint(override: { preset?: AssistantPresetId; baseUrl?: string } = {}): Promise<Result<AssistantEndpoint, AppError>> {
    const stored = await this.readSettings();
    if (!stored.ok) return stored;
    const settings = { ...stored.value };
    if (override.preset !== undefined) settings.preset = override.preset;
    if (override.baseUrl !== undefined) {
      if (override.baseUrl.trim() === '') settings.baseUrl = '';
      else {
        const checked = checkBaseUrl(override.baseUrl);
        if (!checked.ok) return checked;
        settings.baseUrl = checked.value;
      }
    }
    const baseUrl = this.effectiveBaseUrl(settings);
    if (baseUrl === '') return err(appError('assistantNotConfigured', { missing: 'baseUrl', preset: settings.preset }));
    const checked = checkBaseUrl(baseUrl);
    if (!checked.ok) return checked;
    const key = await this.readKey();
    if (!key.ok) return key;
    // A key never crosses the network unencrypted: plain http to another computer gets no key (a key stored for it is
    // refused when it is set; OPENAI_API_KEY, meant for a cloud endpoint, is not sent there either).
    const inClear = sendsInClear(checked.value);
    const storedKey = inClear ? null : this.keyFor(key.value, checked.value);
    const envKey = inClear ? null : nonEmpty(this.env.OPENAI_API_KEY);
    const apiKey = storedKey ?? envKey;
    const local = isLoopbackUrl(checked.value);
    return ok({
      preset: settings.preset,
      baseUrl: checked.value,
      model: settings.model,
      apiKey,
      keySource: storedKey !== null ? 'settings' : envKey !== null ? 'environment' : 'none',
      local,
      redact: settings.redaction === 'on' || (settings.redaction === 'auto' && !local),
    });
  }

  private envBaseUrl(): string | null {
    const value = nonEmpty(this.env.OPENAI_BASE_URL);
    if (value === null) return null;
    const checked = checkBaseUrl(value);
    return checked.ok ? checked.value : value;
  }

  /** Where requests go: the settings' URL, else OPENAI_BASE_URL, else the preset's. */
  private effectiveBaseUrl(settings: StoredSettings): string {
    return settings.baseUrl !== '' ? settings.baseUrl : (this.envBaseUrl() ?? assistantPresetBaseUrls[settings.preset]);
  }

  private view(settings: StoredSettings, key: StoredKey | null): AssistantSettings {
    const baseUrl = this.effectiveBaseUrl(settings);
    const hasApiKey = key !== null && key.origin === originOf(baseUrl);
    return {
      preset: settings.preset,
      baseUrl,
      model: settings.model,
      redaction: settings.redaction,
      hasApiKey,
      fromEnvironment: { apiKey: !hasApiKey && nonEmpty(this.env.OPENAI_API_KEY) !== null, baseUrl: settings.baseUrl === '' && this.envBaseUrl() !== null },
      local: isLoopbackUrl(baseUrl),
    };
  }

  /** The settings file, or the defaults: Ollama on this computer, or the preset OPENAI_BASE_URL names (else custom). */
  private async readSettings(): Promise<Result<StoredSettings, AppError>> {
    const read = await this.folder.readFile(SETTINGS_FILE, { maxBytes: 64 * 1024 });
    if (!read.ok) return read;
    if (read.value !== undefined) {
      const parsed = parseJson(read.value.bytes, storedSettingsSchema);
      if (parsed !== null) return ok(parsed);
      // The app's own settings, damaged: the defaults apply, and the next save replaces the file.
      this.options.log?.('the assistant settings file could not be read; using the defaults');
    }
    const envUrl = this.envBaseUrl();
    const preset = envUrl === null ? 'ollama' : (assistantPresetIds.find((id) => id !== 'custom' && assistantPresetBaseUrls[id] === envUrl) ?? 'custom');
    return ok({ format: 'clan-designer-assistant-settings', version: 1, preset, baseUrl: '', model: '', redaction: 'auto' });
  }

  private async readKey(): Promise<Result<StoredKey | null, AppError>> {
    const read = await this.folder.readFile(KEY_FILE, { maxBytes: 64 * 1024 });
    if (!read.ok) return read;
    if (read.value === undefined) return ok(null);
    const parsed = parseJson(read.value.bytes, storedKeySchema);
    if (parsed === null) this.options.log?.('the assistant key file could not be read; no key is used');
    return ok(parsed);
  }

  /** The stored key in clear when it belongs to the endpoint of `baseUrl`; null otherwise or when it cannot be opened. */
  private keyFor(stored: StoredKey | null, baseUrl: string): string | null {
    if (stored === null || stored.origin !== originOf(baseUrl)) return null;
    if (stored.storage === 'plain') return this.options.keyStorage.kind === 'privateFile' ? stored.key : null;
    if (this.options.keyStorage.kind !== 'encrypted') return null;
    try {
      return this.options.keyStorage.encryption.decryptString(Buffer.from(stored.key, 'base64'));
    } catch {
      // A keyring that changed (another login, a new machine): the key cannot be opened; the person enters it again.
      this.options.log?.('the stored assistant key could not be decrypted; no key is used');
      return null;
    }
  }

  private seal(key: string): Result<Pick<StoredKey, 'storage' | 'key'>, AppError> {
    const storage = this.options.keyStorage;
    if (storage.kind === 'privateFile') return ok({ storage: 'plain', key });
    const backend = storage.encryption.getSelectedStorageBackend?.();
    if (!storage.encryption.isEncryptionAvailable() || backend === 'basic_text' || backend === 'unknown') {
      return err(appError('assistantKeyStorageUnavailable', backend === undefined ? {} : { backend }));
    }
    try {
      return ok({ storage: 'safeStorage', key: storage.encryption.encryptString(key).toString('base64') });
    } catch {
      return err(appError('assistantKeyStorageUnavailable', { reason: 'encryptFailed' }));
    }
  }
}

function parseJson<T>(bytes: Uint8Array, schema: z.ZodType<T>): T | null {
  try {
    const parsed = schema.safeParse(JSON.parse(new TextDecoder().decode(bytes)));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
