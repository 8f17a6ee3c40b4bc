import { loadEvalSet, referenceAnswer, scoreAnswer, type EvalScore, type ResolvedQuestion } from '../../src/shared/assistant/evaluate';
import type { ChatMessage } from '../../src/shared/assistant/schema';
import type { BenchDataset } from '../../src/shared/bench/schema';
import { describeError } from '../../src/shared/errors';
import { benchDataset, evalFiles } from '../../test/unit/assistantFixtures';
import { askAndWait, keepResults, saveDesign, startAssistantHarness, type AssistantHarness } from '../../test/doubles/assistantHarness';
import { groundedModel, splitIntoPieces, type ModelScript } from '../../test/doubles/modelServer';

// The assistant's evaluation set (resources/assistant-eval/) run through the app's back end: each question asked as
// the Assistant area asks it (its design saved, the results it names kept beside it where the app keeps them), the
// answer scored with scoreAnswer (src/shared/assistant/evaluate.ts). Against the TEST DOUBLE of a model the
// double answers each question with its reference answer (the plumbing: streaming, tool calls, proposals, kept
// results; every score must be 1); with `grounded` it answers with its deterministic grounded script instead. Against
// a real endpoint (OPENAI_BASE_URL) the scores measure the model.

/** How the questions are answered. */
export type EvalTarget =
  /** The test double, with each question's reference answer: the plumbing must score 1 everywhere. */
  | { kind: 'reference' }
  /** The test double with its grounded script (test/doubles/modelServer.ts groundedModel). */
  | { kind: 'grounded' }
  /** A real OpenAI-compatible endpoint; `model` '' for the first it lists. */
  | { kind: 'endpoint'; baseUrl: string; apiKey?: string; model: string };

/** One question's outcome. */
export interface EvalOutcome {
  id: string;
  score: EvalScore;
  /** The answer ended with an error (its sentence), or never ended. */
  failure: string | null;
  answer: ChatMessage | null;
}

/** The eval set's questions, resolved against their designs, results and the dataset. */
export function readEvalSet(dataset: BenchDataset): ResolvedQuestion[] {
  const set = loadEvalSet(evalFiles(), dataset);
  if (!set.ok) throw new Error(`the eval set does not load: ${set.error}`);
  return set.value;
}

/** The double answering one question with its reference answer: the text in pieces, the example proposal as tool calls. */
export function referenceScript(resolved: ResolvedQuestion): ModelScript {
  const reference = referenceAnswer(resolved);
  return (request) => {
    if (request.messages.some((m) => m.role === 'tool')) return { pieces: [] };
    const toolCalls = reference.proposals.flatMap((p) => p.changes.map(({ tool, ...args }) => ({ name: tool, arguments: args })));
    return { pieces: splitIntoPieces(reference.text, 9), toolCalls };
  };
}

/** Asks every question (or those whose id matches `only`) and scores each answer. */
export async function runAssistantEval(target: EvalTarget, options: { only?: RegExp; timeoutMs?: number; onOutcome?: (outcome: EvalOutcome) => void } = {}): Promise<EvalOutcome[]> {
  const dataset = benchDataset();
  const questions = readEvalSet(dataset).filter((q) => options.only === undefined || options.only.test(q.question.id));
  const env = target.kind === 'endpoint' ? { OPENAI_BASE_URL: target.baseUrl, OPENAI_API_KEY: target.apiKey } : {};
  const harness: AssistantHarness = await startAssistantHarness({ env, assistant: { dataset: async () => ({ ok: true, value: dataset }) } });
  const outcomes: EvalOutcome[] = [];
  try {
    if (target.kind === 'endpoint' && target.model !== '') {
      const set = await harness.backend.dispatch('assistant:settings.set', { preset: 'custom', baseUrl: target.baseUrl, model: target.model, redaction: 'auto' });
      if (!set.ok) throw new Error(describeError(set.error));
    }
    for (const resolved of questions) {
      const { question } = resolved;
      if (target.kind !== 'endpoint') harness.server.setScript(target.kind === 'reference' ? referenceScript(resolved) : groundedModel);
      // Each question gets its own design file, so the results one question keeps never ground another.
      const name = await saveDesign(harness, `${question.id}.clan-design.json`, resolved.design);
      keepResults(harness, name, resolved.results);
      let outcome: EvalOutcome;
      try {
        const asked = await askAndWait(harness, { name, design: resolved.design, history: [], question: question.question, attachments: resolved.attachments }, options.timeoutMs ?? 300_000);
        const message = asked.done.report.message;
        const failure = message.error !== undefined ? describeError(message.error) : asked.done.outcome !== 'finished' ? `the answer ended ${asked.done.outcome}` : null;
        const score = scoreAnswer(resolved, { text: message.text, proposals: message.proposals ?? [] });
        outcome = { id: question.id, score: failure === null ? score : { score: 0, reasons: [failure, ...score.reasons] }, failure, answer: message };
      } catch (cause) {
        const failure = cause instanceof Error ? cause.message : String(cause);
        outcome = { id: question.id, score: { score: 0, reasons: [failure] }, failure, answer: null };
      }
      outcomes.push(outcome);
      options.onOutcome?.(outcome);
    }
  } finally {
    await harness.close();
  }
  return outcomes;
}
