import ELK from 'elkjs/lib/elk-api.js';
// ELK's own worker build, copied as a file next to the app's scripts: a same-origin script the Content-Security-
// Policy allows (no blob: or eval), fetched only when the first layout starts. It is the same ELK build as
// elk.bundled.js, so layouts come out the same as in-process.
import elkWorkerUrl from 'elkjs/lib/elk-worker.min.js?url';
import { ChunkLoadError } from '../app/chunks';
import type { LayoutEngine } from './autoLayout';

/** The part name used in the "could not be loaded" message. */
const PART = 'the layout engine';

interface Engine {
  elk: InstanceType<typeof ELK>;
  /** Rejects when the worker fails to load or dies; elkjs itself would leave the layout waiting forever. */
  failed: Promise<never>;
}

let engine: Engine | null = null;

function startEngine(): Engine {
  const worker = new Worker(elkWorkerUrl, { name: 'layout' });
  let fail: (error: Error) => void = () => undefined;
  const failed = new Promise<never>((_resolve, reject) => {
    fail = reject;
  });
  // Nobody may be waiting when the worker dies between two layouts.
  failed.catch(() => undefined);
  worker.addEventListener('error', (event) => {
    worker.terminate();
    if (engine?.failed === failed) engine = null;
    // A script that could not be fetched fires a plain Event; an exception inside the worker an ErrorEvent.
    fail(event instanceof ErrorEvent && event.message !== '' ? new Error(`The layout engine stopped: ${event.message}`) : new ChunkLoadError(PART));
  });
  return { elk: new ELK({ workerFactory: () => worker }), failed };
}

/** Lays a graph out with ELK in a Web Worker, started on first use and kept for the next layouts. */
export const layoutInWorker: LayoutEngine = (graph) => {
  engine ??= startEngine();
  return Promise.race([engine.elk.layout(graph), engine.failed]);
};
