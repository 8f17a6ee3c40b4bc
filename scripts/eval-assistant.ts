import { parseArgs } from 'node:util';
import { runAssistantEval, type EvalOutcome, type EvalTarget } from './eval/assistantEval';

// `npm run eval:assistant`: the assistant's evaluation set through the app's back end, one line per question with
// its score, then the total. Without OPENAI_BASE_URL it runs against the TEST DOUBLE of a model, answering each
// question with its reference answer: that checks the plumbing (streaming, tool calls, proposals, kept results),
// and any question that does not score 1 there is a failure (exit 1). With OPENAI_BASE_URL (and OPENAI_API_KEY where
// the endpoint needs one) it asks that endpoint, and the scores measure the model (exit 0 whatever they are).

const usage = `Usage: npm run eval:assistant -- [options]

  --grounded        against the test double, answer with its grounded script instead of the reference answers
                    (scores are printed; only failures of the plumbing fail the run)
  --model NAME      the model to ask at OPENAI_BASE_URL (default: the first the endpoint lists)
  --only REGEX      only the questions whose id matches
  --verbose         print each answer
`;

async function main(argv: string[]): Promise<number> {
  let values: { grounded?: boolean; model?: string; only?: string; verbose?: boolean; help?: boolean };
  try {
    ({ values } = parseArgs({ args: argv, options: { grounded: { type: 'boolean' }, model: { type: 'string' }, only: { type: 'string' }, verbose: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } } }));
  } catch (cause) {
    process.stderr.write(`${(cause as Error).message}\n\n${usage}`);
    return 2;
  }
  if (values.help === true) {
    process.stdout.write(usage);
    return 0;
  }
  const baseUrl = process.env.OPENAI_BASE_URL?.trim() ?? '';
  const target: EvalTarget =
    baseUrl !== ''
      ? { kind: 'endpoint', baseUrl, ...(process.env.OPENAI_API_KEY === undefined ? {} : { apiKey: process.env.OPENAI_API_KEY }), model: values.model ?? '' }
      : values.grounded === true
        ? { kind: 'grounded' }
        : { kind: 'reference' };
  const against = target.kind === 'endpoint' ? `the endpoint ${target.baseUrl}${target.model === '' ? '' : ` (model ${target.model})`}` : `the test double of a model (${target.kind === 'reference' ? 'reference answers: checks the plumbing' : 'its grounded script'})`;
  process.stdout.write(`Assistant evaluation against ${against}\n\n`);
  const print = (o: EvalOutcome) => {
    process.stdout.write(`${o.score.score.toFixed(3)}  ${o.id}\n`);
    for (const reason of o.score.reasons) process.stdout.write(`         - ${reason}\n`);
    if (values.verbose === true && o.answer !== null) {
      process.stdout.write(`         answer: ${o.answer.text.replace(/\n/g, '\n                 ')}\n`);
      for (const p of o.answer.proposals ?? []) process.stdout.write(`         proposal: ${JSON.stringify(p.changes)}\n`);
    }
  };
  let outcomes: EvalOutcome[];
  try {
    outcomes = await runAssistantEval(target, { ...(values.only === undefined ? {} : { only: new RegExp(values.only) }), onOutcome: print });
  } catch (cause) {
    process.stderr.write(`The evaluation could not run: ${(cause as Error).message}\n`);
    return 1;
  }
  const total = outcomes.reduce((sum, o) => sum + o.score.score, 0);
  const failed = outcomes.filter((o) => o.failure !== null);
  process.stdout.write(`\nTotal: ${total.toFixed(2)} of ${outcomes.length} (${outcomes.length === 0 ? 0 : ((total / outcomes.length) * 100).toFixed(1)} %)`);
  process.stdout.write(failed.length === 0 ? '; every question was answered.\n' : `; ${failed.length} answers failed: ${failed.map((o) => o.id).join(', ')}.\n`);
  if (target.kind === 'endpoint') return 0;
  // Against the double, anything but a whole answer is a failure of the plumbing; with reference answers, so is any
  // point lost.
  const broken = target.kind === 'reference' ? outcomes.filter((o) => o.failure !== null || o.score.score < 1) : failed;
  if (broken.length > 0) {
    process.stderr.write(`Plumbing failure: ${broken.map((o) => o.id).join(', ')}.\n`);
    return 1;
  }
  return 0;
}

void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
