// @vitest-environment happy-dom
import { act } from 'react';
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import { setBackend } from '../app/appContext';
import { initialEndpointState, useEndpointStore } from './endpointStore';
import { SettingsDialog } from './SettingsDialog';
import { assistantBackend, sampleSettings, TestRoot } from './testAssistant';

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

// The assistant's settings dialog against a back end double. The API key is write-only: the dialog sends it once
// with assistant:settings.set and never receives or shows it; it only says whether one is stored.

const secret = 'sk-test-DO-NOT-SHOW-4242';
const mount = new TestRoot();

const byTestId = (id: string) => document.querySelector<HTMLElement>(`[data-testid="${id}"]`);
const settle = (ms = 0) => act(async () => await new Promise((r) => setTimeout(r, ms)));
/** The model list is read once a typed address settled (300 ms). */
const modelsRead = () => settle(350);

async function click(element: Element | null) {
  expect(element).not.toBeNull();
  await act(async () => (element as HTMLElement).click());
  await settle();
}

async function input(element: HTMLInputElement | HTMLSelectElement, value: string, type: 'input' | 'change' = 'input') {
  Object.getOwnPropertyDescriptor(Object.getPrototypeOf(element) as object, 'value')!.set!.call(element, value);
  await act(async () => element.dispatchEvent(new Event(type, { bubbles: true })));
}

/** Everything the dialog shows or holds: its text, its attributes and its fields' values. */
const everything = () => {
  const dialog = byTestId('assistant-settings-dialog');
  if (dialog === null) return '';
  const values = [...dialog.querySelectorAll<HTMLInputElement>('input, textarea, select')].map((el) => el.value);
  return `${dialog.outerHTML}\n${values.join('\n')}`;
};

async function openDialog(settings = sampleSettings) {
  const double = assistantBackend({ 'assistant:settings.get': () => ({ ok: true, value: settings }) });
  setBackend(double.backend, 'electron');
  const onClose = vi.fn();
  await mount.render(<SettingsDialog onClose={onClose} />);
  return { ...double, onClose };
}

beforeEach(() => {
  useEndpointStore.setState({ ...initialEndpointState });
  mount.setUp();
});

afterEach(() => mount.tearDown());

describe('the assistant settings', () => {
  test('a new key is sent once with settings.set, then forgotten: the dialog never receives or shows it', async () => {
    const { requestsTo, onClose } = await openDialog();
    expect(byTestId('assistant-settings-key-status')!.textContent).toMatch(/^No key is stored/);
    const key = byTestId('assistant-settings-key') as HTMLInputElement;
    expect([key.type, key.value]).toEqual(['password', '']);
    await input(key, secret);
    await click(byTestId('assistant-settings-save'));
    expect(requestsTo('assistant:settings.set')).toEqual([{ preset: 'ollama', baseUrl: sampleSettings.baseUrl, model: 'llama3.1', redaction: 'auto', apiKey: secret }]);
    expect(onClose).toHaveBeenCalled();
    // What main answered holds no key, only that one is stored.
    expect(JSON.stringify(useEndpointStore.getState().settings)).not.toContain(secret);
    expect(useEndpointStore.getState().settings!.hasApiKey).toBe(true);

    // Opened again: the key field is empty and says a key is stored; the key is nowhere.
    mount.remount();
    await mount.render(<SettingsDialog onClose={onClose} />);
    expect((byTestId('assistant-settings-key') as HTMLInputElement).value).toBe('');
    expect(byTestId('assistant-settings-key-status')!.textContent).toMatch(/^A key is stored/);
    expect(everything()).not.toContain(secret);
  });

  test('saving without touching the key field keeps the stored key', async () => {
    const { requestsTo } = await openDialog({ ...sampleSettings, preset: 'openai', baseUrl: 'https://api.openai.com/v1', local: false, hasApiKey: true });
    expect(byTestId('assistant-settings-key-status')!.textContent).toMatch(/^A key is stored/);
    await click(byTestId('assistant-settings-save'));
    expect(requestsTo('assistant:settings.set').at(-1)).not.toHaveProperty('apiKey');
  });

  test('Remove sends null for the key', async () => {
    const { requestsTo } = await openDialog({ ...sampleSettings, hasApiKey: true });
    await click(byTestId('assistant-settings-remove-key'));
    expect(byTestId('assistant-settings-key-status')!.textContent).toMatch(/^The stored key will be removed/);
    await click(byTestId('assistant-settings-save'));
    expect(requestsTo('assistant:settings.set').at(-1)).toMatchObject({ apiKey: null });
  });

  test('a key from OPENAI_API_KEY is named, not shown', async () => {
    await openDialog({ ...sampleSettings, fromEnvironment: { apiKey: true, baseUrl: false } });
    expect(byTestId('assistant-settings-key-status')!.textContent).toMatch(/^The key comes from OPENAI_API_KEY/);
  });

  test('a preset fills in its address; the models are listed from the endpoint being edited, with a refresh', async () => {
    const { requestsTo } = await openDialog();
    await input(byTestId('assistant-settings-preset') as HTMLSelectElement, 'openrouter', 'change');
    expect((byTestId('assistant-settings-base-url') as HTMLInputElement).value).toBe('https://openrouter.ai/api/v1');
    await modelsRead();
    expect(requestsTo('assistant:models.list').at(-1)).toEqual({ preset: 'openrouter', baseUrl: 'https://openrouter.ai/api/v1' });
    const listed = requestsTo('assistant:models.list').length;
    await click(byTestId('assistant-settings-refresh-models'));
    await modelsRead();
    expect(requestsTo('assistant:models.list').length).toBe(listed + 1);
    expect(byTestId('assistant-settings-models')!.textContent).toMatch(/offers 2 models/);
    // Each redaction mode says what it does.
    for (const mode of ['auto', 'on', 'off']) expect(byTestId(`assistant-settings-redaction-${mode}`)!.closest('label')!.textContent!.length).toBeGreaterThan(60);
  });
});
