import { countTokens } from 'gpt-tokenizer/encoding/o200k_base';

// Token estimates for the assistant's context budget. o200k_base is the encoding of current OpenAI models; local
// models (Llama, Qwen, Mistral) use their own vocabularies and come out within a few tenths of it on this kind of
// text, which is close enough for a budget.

// Text from designs and logs may contain "<|endoftext|>" and similar; counted as plain text it must never throw.
const asPlainText = { disallowedSpecial: new Set<string>() };

/** About how many tokens a model reads for this text. */
export function estimateTokens(text: string): number {
  return text === '' ? 0 : countTokens(text, asPlainText);
}
