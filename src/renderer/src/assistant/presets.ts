import { assistantPresetBaseUrls } from '../../../shared/assistant/presets';
import type { AssistantPresetId, RedactionMode } from '../../../shared/assistant/schema';

/** How the settings dialog offers an endpoint: its name, the base URL it fills in, and where it runs. */
export interface PresetView {
  id: AssistantPresetId;
  label: string;
  /** The base URL the preset fills in; empty for "custom". */
  baseUrl: string;
  /** Runs on this computer (nothing leaves it). */
  local: boolean;
  /** Whether the endpoint wants an API key. */
  needsKey: boolean;
  /** One sentence on what it is and how to start it. */
  hint: string;
}

/**
 * The endpoints the settings offer, Ollama first (local, the default), with the base URLs main fills in
 * (shared/assistant/presets.ts). The back end decides what is local; this list only fills in the form.
 */
export const presets: readonly PresetView[] = [
  { id: 'ollama', label: 'Ollama (on this computer)', baseUrl: assistantPresetBaseUrls.ollama, local: true, needsKey: false, hint: 'Install Ollama, then run “ollama pull llama3.1” (or another model) once; it answers on port 11434.' },
  { id: 'llamacpp', label: 'llama.cpp server (on this computer)', baseUrl: assistantPresetBaseUrls.llamacpp, local: true, needsKey: false, hint: 'Start “llama-server -m your-model.gguf”; it answers on port 8080.' },
  { id: 'lmstudio', label: 'LM Studio (on this computer)', baseUrl: assistantPresetBaseUrls.lmstudio, local: true, needsKey: false, hint: 'Load a model in LM Studio and start its local server (port 1234).' },
  { id: 'vllm', label: 'vLLM', baseUrl: assistantPresetBaseUrls.vllm, local: true, needsKey: false, hint: 'Start “vllm serve <model>”; change the address if it runs on another machine.' },
  { id: 'openai', label: 'OpenAI', baseUrl: assistantPresetBaseUrls.openai, local: false, needsKey: true, hint: 'A cloud service: questions leave this computer. Needs an API key from platform.openai.com.' },
  { id: 'openrouter', label: 'OpenRouter', baseUrl: assistantPresetBaseUrls.openrouter, local: false, needsKey: true, hint: 'A cloud service routing to many models: questions leave this computer. Needs an API key from openrouter.ai.' },
  { id: 'custom', label: 'Another OpenAI-compatible endpoint', baseUrl: assistantPresetBaseUrls.custom, local: false, needsKey: false, hint: 'Any server that speaks the OpenAI chat API: give its base URL (ending in /v1, usually).' },
];

/** The preset with this id (Ollama for an id this window does not know). */
export function presetOf(id: AssistantPresetId): PresetView {
  return presets.find((p) => p.id === id) ?? presets[0]!;
}

/** What each redaction mode does, in one sentence each. */
export const redactionText: Record<RedactionMode, { label: string; text: string }> = {
  auto: { label: 'Automatic', text: 'On for an endpoint on another computer, off for one on this computer: names, addresses, keys and user names are replaced by placeholders only when the question leaves this computer.' },
  on: { label: 'Always', text: 'Names, addresses, keys and user names are always replaced by placeholders before a question is sent, and put back in the answer you read.' },
  off: { label: 'Never', text: 'Questions are sent with the real names and addresses of your network. Use this only with a model you run yourself.' },
};
