import { readdirSync, readFileSync } from 'node:fs';
import { loadDataset } from '../../src/shared/bench/load';
import type { BenchDataset } from '../../src/shared/bench/schema';
import type { DeployMachineResult, DeployReport } from '../../src/shared/deploy/report';
import type { EvalFiles } from '../../src/shared/assistant/evaluate';
import type { AttachedItem } from '../../src/shared/assistant/schema';

// Files the assistant's tests read: the committed benchmark dataset, the evaluation set and the prompt-injection
// corpus (test/fixtures/assistant/injection.json, shared with the service's and the UI's tests).

const root = new URL('../../', import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

let dataset: BenchDataset | undefined;

/** The benchmark dataset the app ships (loaded once per test file). */
export function benchDataset(): BenchDataset {
  if (dataset === undefined) {
    const loaded = loadDataset(JSON.parse(read('resources/bench/vpn-bench.json')));
    if (!loaded.ok) throw new Error('the committed dataset does not load');
    dataset = loaded.value;
  }
  return dataset;
}

/** The evaluation set's files as text, as a runner reads them from resources/assistant-eval/. */
export function evalFiles(): EvalFiles {
  const folder = (name: string) =>
    Object.fromEntries(
      readdirSync(new URL(`resources/assistant-eval/${name}/`, root))
        .filter((f) => f.endsWith('.json'))
        .map((f) => [f.slice(0, -'.json'.length), read(`resources/assistant-eval/${name}/${f}`)]),
    );
  return { questions: read('resources/assistant-eval/questions.json'), designs: folder('designs'), results: folder('results') };
}

/** The prompt-injection corpus. */
export interface InjectionCorpus {
  machineNames: string[];
  siteNames: string[];
  notes: string[];
  logLines: string[];
  attachments: AttachedItem[];
  toolCalls: { name: string; arguments: string }[];
}

/** The prompt-injection corpus. */
export function injectionCorpus(): InjectionCorpus {
  return JSON.parse(read('test/fixtures/assistant/injection.json')) as InjectionCorpus;
}

/** A finished deploy in which these machines failed, with their logs by machine name. */
export function failedDeploy(
  failed: readonly Pick<DeployMachineResult, 'machineId' | 'name' | 'step' | 'message' | 'whatToDo'>[],
  logs: Record<string, string>,
  vars: DeployReport['vars'] = { status: 'made', helper: null, message: 'The keys were made.' },
): { report: DeployReport; logs: Record<string, string> } {
  const machines = failed.map((m): DeployMachineResult => ({ ...m, status: 'failed', system: null, previousSystem: null, startedAt: 0, finishedAt: 1 }));
  return { report: { kind: 'clan-designer-deploy', version: 1, runId: 'run-1', startedAt: 0, finishedAt: 1, outcome: 'finished', way: 'onMachine', vars, machines, nextSteps: [] }, logs };
}
