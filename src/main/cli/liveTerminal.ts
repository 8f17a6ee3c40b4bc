import { createLogUpdate } from 'log-update';

// The live part of `deploy` on a terminal: log-update redraws the view in place (inside the terminal's synchronized
// output where it has it), keeps messages above it in the scrollback, hides the cursor meanwhile and shows it again
// on exit. Loaded only when standard output is a terminal.

/** A region of the terminal that is redrawn in place, with lines that scroll away above it. */
export interface LiveRegion {
  /** Replaces the region with `text` (lines no wider than the terminal). */
  render(text: string): void;
  /** Writes `text` above the region, where it stays in the scrollback. */
  persist(text: string): void;
  /** Removes the region and gives the terminal back (cursor shown). */
  close(): void;
  /** The terminal's size now. */
  size(): { columns: number; rows: number };
}

/** The live region on a terminal stream. */
export function createLiveTerminal(stream: NodeJS.WriteStream): LiveRegion {
  const update = createLogUpdate(stream);
  /** Lines of the region on the screen now; 0 when there is none. */
  let height = 0;
  return {
    render: (text) => {
      // log-update rewrites only the lines that changed, which goes wrong when the region grows or shrinks while the
      // terminal is full (the cursor cannot move below its last row, and lines are overwritten or lost). A region of
      // another height is therefore erased and written whole; one of the same height is patched in place.
      const lines = text.split('\n').length;
      if (height !== 0 && lines !== height) update.clear();
      update(text);
      height = lines;
    },
    persist: (text) => {
      update.persist(text);
      height = 0;
    },
    close: () => {
      update.clear();
      update.done();
      height = 0;
    },
    size: () => ({ columns: stream.columns ?? 80, rows: stream.rows ?? 24 }),
  };
}
