import { diffLines } from 'diff';
import { useMemo } from 'react';
import './diffView.css';

// One file's changes as a unified line diff: removed lines in red, added in green, long unchanged runs folded to
// their first and last three lines. The Deploy area shows it against what was last written; the Choose VPN area's
// what-if panel shows it between the configuration now and after a VPN switch.

/** The lines of a unified diff, unchanged runs of more than eight lines folded. */
function diffRows(before: string, after: string): { kind: 'add' | 'del' | 'same'; line: string }[] {
  const rows: { kind: 'add' | 'del' | 'same'; line: string }[] = [];
  for (const part of diffLines(before, after)) {
    const lines = part.value.replace(/\n$/, '').split('\n');
    const kind = part.added ? 'add' : part.removed ? 'del' : 'same';
    const shown = kind === 'same' && lines.length > 8 ? [...lines.slice(0, 3), `… ${lines.length - 6} unchanged lines …`, ...lines.slice(-3)] : lines;
    for (const line of shown) rows.push({ kind, line });
  }
  return rows;
}

const signs = { add: '+', del: '-', same: ' ' } as const;

/** A unified line diff of one file, old in red and new in green, unchanged runs folded to their edges. */
export function DiffView({ before, after, label }: { before: string; after: string; label?: string }) {
  const rows = useMemo(() => diffRows(before, after), [before, after]);
  return (
    <pre className="code-view diff-view" data-testid="diff-view" aria-label={label}>
      {rows.map((row, i) => (
        <div key={i} className={`diff-${row.kind}`}>
          <span className="diff-sign">{signs[row.kind]}</span>
          {row.line}
        </div>
      ))}
    </pre>
  );
}
