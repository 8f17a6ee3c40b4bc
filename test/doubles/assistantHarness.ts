import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GroundingResults } from '../../src/shared/assistant/grounding';
import type { AssistantAskRequest, AssistantProgress } from '../../src/shared/ipc/contract';
import type { Design } from '../../src/shared/model/types';
import { historyFolderOf } from '../../src/main/deploy/history';
import { runHistoryFolderOf } from '../../src/main/jobs/runHistory';
import { measureHistory } from '../../src/main/measure/history';
import { checkReportFileOf } from '../../src/main/services/checkJobs';
import { designStem } from '../../src/main/services/projectFiles';
import { verifyHistory } from '../../src/main/verify/history';
import { createBackend, type Backend, type BackendOptions } from '../../src/main/rpc/createBackend';
import { startModelServer, type ModelServer, type ModelServerOptions } from './modelServer';

// The app's back end (createBackend, as serve mode and the desktop build it) pointed at the TEST DOUBLE of a model
// (test/doubles/modelServer.ts) through OPENAI_BASE_URL, with a question's events collected: shared by the
// assistant's tests and the evaluation runner (scripts/eval-assistant.ts).

/** The back end, the double, and the folders of one test. */
export interface AssistantHarness {
  backend: Backend;
  server: ModelServer;
  workspaceDir: string;
  dataDir: string;
  /** What the services logged. */
  logged: { message: string; details: unknown }[];
  /** Every assistant event, in order. */
  events: AssistantProgress[];
  close(): Promise<void>;
}

/** How an answer ended: its events and the `done` event. */
export interface AskedAnswer {
  jobId: string;
  events: AssistantProgress[];
  done: Extract<AssistantProgress, { type: 'done' }>;
}

/** Starts the double and a back end speaking to it (OPENAI_BASE_URL); serve mode's key storage unless told. */
export async function startAssistantHarness(
  options: { server?: ModelServerOptions; env?: Record<string, string | undefined>; assistant?: BackendOptions['assistant']; useServer?: ModelServer } = {},
): Promise<AssistantHarness> {
  const server = options.useServer ?? (await startModelServer(options.server));
  const workspaceDir = mkdtempSync(join(tmpdir(), 'cnd-assistant-ws-'));
  const dataDir = mkdtempSync(join(tmpdir(), 'cnd-assistant-data-'));
  const logged: AssistantHarness['logged'] = [];
  const backend = createBackend({
    mode: 'serve',
    workspaceDir,
    dataDir,
    cleanStaleTempFiles: false,
    log: (message, details) => logged.push({ message, details }),
    assistant: { ...options.assistant, env: { OPENAI_BASE_URL: server.baseUrl, ...options.env } },
  });
  const events: AssistantProgress[] = [];
  backend.services.events.connect((channel, payload) => {
    if (channel === 'job:onDidProgress' && (payload as { kind?: string }).kind === 'assistant') events.push(payload as AssistantProgress);
  });
  return {
    backend,
    server,
    workspaceDir,
    dataDir,
    logged,
    events,
    close: async () => {
      backend.services.jobs.dispose();
      if (options.useServer === undefined) await server.close();
    },
  };
}

/** Waits until a job's `done` event (or fails after `timeoutMs`). */
export async function waitForDone(harness: AssistantHarness, jobId: string, timeoutMs = 15_000): Promise<AskedAnswer> {
  const started = Date.now();
  for (;;) {
    const done = harness.events.find((e): e is AskedAnswer['done'] => e.jobId === jobId && e.type === 'done');
    if (done !== undefined) return { jobId, events: harness.events.filter((e) => e.jobId === jobId), done };
    if (Date.now() - started > timeoutMs) throw new Error(`the assistant job ${jobId} did not end within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** Asks through dispatch (as the renderer does) and waits for the answer; a refused question throws. */
export async function askAndWait(harness: AssistantHarness, request: AssistantAskRequest, timeoutMs?: number): Promise<AskedAnswer> {
  const started = await harness.backend.dispatch('assistant:ask', request);
  if (!started.ok) throw new Error(`assistant:ask was refused: ${JSON.stringify(started.error)}`);
  return waitForDone(harness, (started.value as { jobId: string }).jobId, timeoutMs);
}

/** Saves a design in the harness's workspace through the app (project:save); returns its file name. */
export async function saveDesign(harness: AssistantHarness, name: string, design: Design): Promise<string> {
  const saved = await harness.backend.dispatch('project:save', { name, design, overwrite: true });
  if (!saved.ok) throw new Error(`project:save was refused: ${JSON.stringify(saved.error)}`);
  return (saved.value as { name: string }).name;
}

/**
 * Puts results beside a saved design where the app keeps them (the last check, a deploy with its logs, a verify and
 * a measure run), so that a question about that design is grounded on them through the app's own readers.
 */
export function keepResults(harness: AssistantHarness, designFile: string, results: GroundingResults): void {
  const stem = designStem(designFile);
  const write = (relative: string, text: string) => {
    const path = join(harness.workspaceDir, relative);
    mkdirSync(join(path, '..'), { recursive: true });
    writeFileSync(path, text);
  };
  if (results.check !== null && results.check !== undefined) write(checkReportFileOf(designFile), JSON.stringify(results.check));
  if (results.deploy !== null && results.deploy !== undefined) {
    const folder = `${historyFolderOf(stem)}/${results.deploy.report.runId}`;
    write(`${folder}/result.json`, JSON.stringify(results.deploy.report));
    for (const [name, log] of Object.entries(results.deploy.logs ?? {})) write(`${folder}/logs/${name}.log`, log);
  }
  if (results.verify !== null && results.verify !== undefined) write(`${runHistoryFolderOf(verifyHistory, stem)}/${results.verify.runId}/verify.json`, JSON.stringify(results.verify));
  if (results.measure !== null && results.measure !== undefined) write(`${runHistoryFolderOf(measureHistory, stem)}/${results.measure.runId}/measure.json`, JSON.stringify(results.measure));
}
