import type { AssistantPresetId } from './schema';

// The endpoints the assistant's settings offer (issue 16), with the base URL each one's server answers on by default.
// One list for main (which fills an empty base URL from it) and the settings dialog (which shows it).

/** The base URL each preset stands for; empty for `custom`. Ollama on this computer is the default preset. */
export const assistantPresetBaseUrls: Readonly<Record<AssistantPresetId, string>> = {
  ollama: 'http://127.0.0.1:11434/v1',
  llamacpp: 'http://127.0.0.1:8080/v1',
  lmstudio: 'http://127.0.0.1:1234/v1',
  vllm: 'http://127.0.0.1:8000/v1',
  openai: 'https://api.openai.com/v1',
  openrouter: 'https://openrouter.ai/api/v1',
  custom: '',
};
