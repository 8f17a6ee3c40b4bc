import type { ReactNode } from 'react';
import type { JobMachineView } from '../stores/jobsStore';

/** What a machine (or pair) shows once its result is in: its look (a class), the symbol and words of its state, and its line. */
export interface RunItemResult {
  look: string;
  symbol: string;
  stateText: string;
  line: string;
}

/**
 * One machine (or pair) of a running verify or measurement: the symbol and words of its state (never colour alone),
 * its name, its line (its result once it is in, else its step, or that it waits) and, while it runs, its last log
 * line. Its parent subscribes to that one machine's view and result, so a log line of another leaves it alone.
 */
export function RunItem({
  kind,
  view,
  name,
  label,
  result,
  words,
}: {
  kind: 'verify' | 'measure';
  view: JobMachineView | undefined;
  /** Its name, as its test ids carry it. */
  name: string;
  /** Its name as shown. */
  label: ReactNode;
  result: RunItemResult | undefined;
  /** The words of its state while it runs and once the job is done with it, and the line of its wait. */
  words: { running: string; done: string; waiting: string };
}) {
  const own = view?.state === 'running' ? { look: 'running', symbol: '◌', stateText: words.running } : view?.state === 'done' ? { look: 'ok', symbol: '✓', stateText: words.done } : { look: 'pending', symbol: '·', stateText: 'Waiting' };
  const shown = result ?? own;
  const step = view?.step ?? null;
  const line = result !== undefined ? result.line : view?.state === 'running' ? (step === null ? 'Starting…' : `Step ${step.index} of ${step.total}: ${step.label}`) : words.waiting;
  const lastLine = result === undefined && view?.state === 'running' ? view.log.at(-1)?.text : undefined;
  return (
    <li className={`run-machine ${kind}-run-${shown.look}`} data-testid={`${kind}-run-${name}`}>
      <div className="run-machine-head">
        <span className="deploy-status-icon" role="img" aria-label={shown.stateText} title={shown.stateText}>
          {shown.symbol}
        </span>
        {label}
        <span className="run-machine-line" data-testid={`${kind}-run-line-${name}`}>
          {line}
        </span>
      </div>
      {lastLine !== undefined && <div className={`run-last-line ${kind}-last-line`}>{lastLine}</div>}
    </li>
  );
}
