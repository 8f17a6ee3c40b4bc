import { useEffect, useRef, useState, type ReactNode } from 'react';

// A wide table in a box that scrolls both ways, the way js-framework-benchmark shows its results table: the header
// row and the first column stay put (CSS, chooseVpn.css). When the columns are wider than the box, a row above it
// says so with buttons that scroll by most of a screen, and a shadow marks the edge where columns are hidden, so no
// column is cut off without a visible cue (the scroll bar alone sits far below the fold). The row stays while the
// table is wider than the box, whatever the scroll position, so the table never jumps.

/** How the content relates to the box across: whether it is wider, and whether there is more on either side. */
function getOverflow(el: HTMLElement): { wider: boolean; left: boolean; right: boolean } {
  const max = el.scrollWidth - el.clientWidth;
  return { wider: max > 1, left: el.scrollLeft > 1, right: max > 1 && el.scrollLeft < max - 1 };
}

/** A horizontally and vertically scrolling box for a wide table, with a visible cue when columns are hidden. */
export function ScrollArea({ label, children }: { label: string; children: ReactNode }) {
  const ref = useRef<HTMLDivElement>(null);
  const [overflow, setOverflow] = useState({ wider: false, left: false, right: false });
  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const update = () =>
      setOverflow((was) => {
        const next = getOverflow(el);
        return next.wider === was.wider && next.left === was.left && next.right === was.right ? was : next;
      });
    update();
    const observer = new ResizeObserver(update);
    observer.observe(el);
    if (el.firstElementChild !== null) observer.observe(el.firstElementChild);
    el.addEventListener('scroll', update, { passive: true });
    return () => {
      observer.disconnect();
      el.removeEventListener('scroll', update);
    };
  }, []);
  const scroll = (direction: 1 | -1) => ref.current?.scrollBy({ left: direction * ref.current.clientWidth * 0.7, behavior: 'smooth' });
  return (
    <div className={`scroll-area${overflow.left ? ' more-left' : ''}${overflow.right ? ' more-right' : ''}`}>
      {overflow.wider && (
        <div className="scroll-cue-row">
          <span>Wider than the window: scroll sideways for every column.</span>
          <button type="button" className="scroll-back" disabled={!overflow.left} onClick={() => scroll(-1)} aria-label={`${label}: scroll to the columns on the left`}>
            ←
          </button>
          <button type="button" className="scroll-cue" disabled={!overflow.right} onClick={() => scroll(1)} aria-label={`${label}: scroll to more columns`}>
            More columns →
          </button>
        </div>
      )}
      {/* Focusable, so the keyboard can scroll it (arrow keys) like any scroll container. */}
      <div className="table-scroll" ref={ref} tabIndex={0} role="region" aria-label={label}>
        {children}
      </div>
    </div>
  );
}
