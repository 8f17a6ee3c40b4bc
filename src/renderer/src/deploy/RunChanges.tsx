import type { ChangesText } from '../../../shared/runChanges';
import { dateTimeFormat } from './deployStatus';
import './verify.css';

/**
 * What changed since the run before, under a result's summary (Verify and Measure tabs): the sentence, then a line per
 * pair where the kind has one (a measurement's figures then and now). When the run before was is on hover.
 */
export function RunChanges({ changes, before, testId }: { changes: ChangesText; before: { startedAt: number }; testId: string }) {
  return (
    <div className="run-changes" data-testid={testId} title={`The run before: ${dateTimeFormat.format(before.startedAt)}`}>
      <p className="run-changes-sentence">{changes.sentence}</p>
      {changes.lines.length > 0 && (
        <ul className="run-changes-lines">
          {changes.lines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
    </div>
  );
}
