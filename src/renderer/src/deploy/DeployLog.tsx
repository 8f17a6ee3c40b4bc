import { memo, useCallback, useDeferredValue, useLayoutEffect, useRef, useState } from 'react';
import { MAX_LOG_LINES, type JobLogLine } from '../stores/jobsStore';

/**
 * Keys for log lines. The jobs store keeps each line as one object for its life and drops the oldest when a log is
 * full, so the object is the line's identity: React then moves the same rows instead of re-rendering them all when the
 * window of kept lines slides.
 */
const lineKeys = new WeakMap<JobLogLine, number>();
let nextKey = 0;
function keyOf(line: JobLogLine): number {
  let key = lineKeys.get(line);
  if (key === undefined) {
    key = nextKey += 1;
    lineKeys.set(line, key);
  }
  return key;
}

const LogLine = memo(function LogLine({ line }: { line: JobLogLine }) {
  return <div className={`log-line log-${line.stream}`}>{line.text}</div>;
});

/** How close to the end (px) still counts as "at the end", so a rounding pixel does not stop the follow. */
const END_SLACK = 8;

/**
 * A live log: the lines so far, following new ones while the person is at the end, and staying put (with a button
 * back to the end) once they scroll up to read. Lines are rendered as they change, deferred while lines pour in, so
 * typing and scrolling stay responsive.
 */
export const DeployLog = memo(function DeployLog({ lines, label, testId }: { lines: readonly JobLogLine[]; label: string; testId?: string }) {
  const ref = useRef<HTMLDivElement>(null);
  const following = useRef(true);
  const [detached, setDetached] = useState(false);
  const shown = useDeferredValue(lines);

  useLayoutEffect(() => {
    const el = ref.current;
    if (el !== null && following.current) el.scrollTop = el.scrollHeight;
  }, [shown]);

  const onScroll = useCallback(() => {
    const el = ref.current;
    if (el === null) return;
    const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight <= END_SLACK;
    following.current = atEnd;
    setDetached(!atEnd);
  }, []);

  const toEnd = useCallback(() => {
    const el = ref.current;
    following.current = true;
    setDetached(false);
    if (el !== null) el.scrollTop = el.scrollHeight;
  }, []);

  return (
    <div className="deploy-log-wrap">
      {shown.length >= MAX_LOG_LINES && <p className="deploy-meta">Only the last {MAX_LOG_LINES} lines are shown here; the deploy’s history keeps the whole log.</p>}
      {/* role="log" is a live region; announcing every build line would drown a screen reader, so it stays silent. */}
      <div ref={ref} className="deploy-log" role="log" aria-live="off" aria-label={label} tabIndex={0} onScroll={onScroll} data-testid={testId}>
        {shown.length === 0 ? <div className="log-line log-empty">No output yet.</div> : shown.map((line) => <LogLine key={keyOf(line)} line={line} />)}
      </div>
      {detached && (
        <button type="button" className="deploy-log-follow" onClick={toEnd}>
          Follow the log
        </button>
      )}
    </div>
  );
});
