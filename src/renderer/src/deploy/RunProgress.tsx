import { Fragment, useId, type ReactNode } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useJobsStore } from '../stores/jobsStore';

const noOrder: readonly string[] = [];

/**
 * A running verify or measurement: how far it is (a sentence and a bar), the job's last line, and one row per machine
 * (or pair) in the job's order. The rows subscribe to themselves (RunItem); this only to the order and the counts.
 */
export function RunProgress({
  kind,
  jobId,
  heading,
  label,
  barLabel,
  row,
}: {
  kind: 'verify' | 'measure';
  jobId: string;
  heading: string;
  /** How far it is, in a sentence. */
  label: (done: number, total: number) => string;
  /** The progress bar's name for screen readers. */
  barLabel: string;
  /** The row of one machine (or pair), by its id in the job. */
  row: (id: string) => ReactNode;
}) {
  const { order, done, total, lastJobLine } = useJobsStore(
    useShallow((s) => {
      const job = s.jobs[jobId];
      return { order: job?.order ?? noOrder, done: job?.done ?? 0, total: job?.total ?? 0, lastJobLine: job?.log.at(-1)?.text ?? null };
    }),
  );
  const headingId = useId();
  return (
    <section className={`${kind}-run`} aria-labelledby={headingId} data-testid={`${kind}-run`}>
      <h3 id={headingId}>{heading}</h3>
      <div className="run-progress">
        <span className="run-progress-label" role="status">
          {label(done, total)}
        </span>
        <progress className="run-progress-bar" max={Math.max(1, total)} value={done} aria-label={barLabel} />
        {lastJobLine !== null && <span className="run-last-line">{lastJobLine}</span>}
      </div>
      <ul className="run-machines">
        {order.map((id) => (
          <Fragment key={id}>{row(id)}</Fragment>
        ))}
      </ul>
    </section>
  );
}
