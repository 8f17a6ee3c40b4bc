import { useEffect, useRef, type InputHTMLAttributes } from 'react';
import type { ExecuteOptions } from '../commands/registry';

/** The capture mode of one change of a slider: `eventually` while it is dragged, `immediately` when let go. */
export type RangeCapture = NonNullable<ExecuteOptions['capture']>;

/**
 * A range slider whose drag is one edit. Every value it passes on the way is shown at once (`eventually`); letting
 * go (the input's native `change` event, which browsers fire on release and after each key press) or leaving the
 * slider ends the gesture (`immediately`), so the whole drag is one undo step back to where it started.
 */
export function GestureRange({ onValue, ...props }: Omit<InputHTMLAttributes<HTMLInputElement>, 'type' | 'onChange' | 'value'> & { value: number; onValue: (value: number, capture: RangeCapture) => void }) {
  const ref = useRef<HTMLInputElement>(null);
  const latest = useRef(onValue);
  /** A gesture moved the value and has not ended yet. */
  const moving = useRef(false);
  useEffect(() => {
    latest.current = onValue;
  });
  useEffect(() => {
    const input = ref.current;
    if (input === null) return;
    // React's onChange is the input event (every step); the native change event marks the end of the gesture.
    const end = () => {
      if (!moving.current) return;
      moving.current = false;
      latest.current(Number(input.value), 'immediately');
    };
    input.addEventListener('change', end);
    input.addEventListener('blur', end);
    return () => {
      input.removeEventListener('change', end);
      input.removeEventListener('blur', end);
    };
  }, []);
  return (
    <input
      {...props}
      ref={ref}
      type="range"
      onChange={(e) => {
        moving.current = true;
        onValue(Number(e.currentTarget.value), 'eventually');
      }}
    />
  );
}
