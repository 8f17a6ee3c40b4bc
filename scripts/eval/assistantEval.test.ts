import { describe, expect, test } from 'vitest';
import { checkChanges } from '../../src/shared/assistant/changes';
import { referenceAnswer } from '../../src/shared/assistant/evaluate';
import { benchDataset } from '../../test/unit/assistantFixtures';
import { readEvalSet, runAssistantEval, type EvalOutcome } from './assistantEval';

// The evaluation set through the app's back end against the TEST DOUBLE of a model (npm run eval:assistant without
// OPENAI_BASE_URL): every question is asked as the Assistant area asks it and goes through, its answer streamed to
// the end, without an error, and every proposal in it a change the design accepts.

const questions = readEvalSet(benchDataset());
const byId = new Map(questions.map((q) => [q.question.id, q]));

function expectWentThrough(outcomes: readonly EvalOutcome[]): void {
  expect(outcomes.map((o) => o.id)).toEqual(questions.map((q) => q.question.id));
  for (const o of outcomes) {
    expect({ id: o.id, failure: o.failure }).toEqual({ id: o.id, failure: null });
    expect(o.answer?.text.trim().length ?? 0).toBeGreaterThan(0);
    for (const proposal of o.answer?.proposals ?? []) {
      expect(proposal.state).toBe('open');
      expect(checkChanges(byId.get(o.id)!.design, proposal.changes).every((c) => c.ok)).toBe(true);
    }
  }
}

describe('the assistant evaluation set', () => {
  test('has at least 30 questions a self-hoster asks', () => {
    expect(questions.length).toBeGreaterThanOrEqual(30);
  });

  test('every question goes through with the reference answers: answered, and each proposal of the reference arrives as a valid card', { timeout: 120_000 }, async () => {
    const outcomes = await runAssistantEval({ kind: 'reference' });
    expectWentThrough(outcomes);
    for (const o of outcomes) {
      const reference = referenceAnswer(byId.get(o.id)!);
      expect(o.answer?.proposals?.map((p) => p.changes) ?? []).toEqual(reference.proposals.map((p) => p.changes));
    }
  });

  test('every question goes through with the grounded script of the double', { timeout: 120_000 }, async () => {
    expectWentThrough(await runAssistantEval({ kind: 'grounded' }));
  });
});
