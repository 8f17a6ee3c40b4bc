import { useId, useState, type ReactNode } from 'react';

/**
 * A labelled text input that commits on Enter or when it loses focus: one edit, one undo step. `hint` says, while
 * the user types, what the typed text will become (a machine name "will be saved as grandma-pi").
 */
export function TextField(props: {
  label: string;
  value: string;
  onCommit: (value: string) => void;
  placeholder?: string;
  multiline?: boolean;
  invalid?: boolean;
  describedBy?: string;
  testId?: string;
  /** Names the field for requests to focus it (a problem's "Enter the SSH address"). */
  field?: string;
  inputMode?: 'text' | 'numeric';
  hint?: (draft: string) => ReactNode;
}) {
  const id = useId();
  const hintId = useId();
  const [draft, setDraft] = useState(props.value);
  const [shown, setShown] = useState(props.value);
  // An undo or another edit changed the value underneath: show it (React's "adjust state on prop change").
  if (shown !== props.value) {
    setShown(props.value);
    setDraft(props.value);
  }
  const commit = () => {
    if (draft !== props.value) props.onCommit(draft);
  };
  const hint = props.hint?.(draft);
  const hasHint = hint !== undefined && hint !== null;
  const describedBy = [props.describedBy, hasHint ? hintId : undefined].filter((d) => d !== undefined).join(' ');
  const common = {
    id,
    value: draft,
    placeholder: props.placeholder,
    'aria-invalid': props.invalid === true ? true : undefined,
    'aria-describedby': describedBy === '' ? undefined : describedBy,
    'data-testid': props.testId,
    'data-field': props.field,
    onChange: (e: { currentTarget: { value: string } }) => setDraft(e.currentTarget.value),
    onBlur: commit,
  };
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      {props.multiline === true ? (
        <textarea {...common} rows={3} />
      ) : (
        <input
          {...common}
          type="text"
          inputMode={props.inputMode}
          spellCheck={false}
          onKeyDown={(e) => {
            if (e.key === 'Enter') commit();
            if (e.key === 'Escape') setDraft(props.value);
          }}
        />
      )}
      {hasHint && (
        <div className="field-hint" id={hintId} aria-live="polite">
          {hint}
        </div>
      )}
    </div>
  );
}

/** A labelled select over a fixed list of options. */
export function SelectField<T extends string>(props: {
  label: string;
  value: T;
  options: readonly { value: T; label: string }[];
  onChange: (value: T) => void;
  testId?: string;
  /** Names the field for requests to focus it. */
  field?: string;
  hint?: ReactNode;
}) {
  const id = useId();
  const hintId = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <select
        id={id}
        value={props.value}
        data-testid={props.testId}
        data-field={props.field}
        aria-describedby={props.hint === undefined ? undefined : hintId}
        onChange={(e) => props.onChange(e.currentTarget.value as T)}
      >
        {props.options.map((o) => (
          <option key={o.value} value={o.value}>
            {o.label}
          </option>
        ))}
      </select>
      {props.hint !== undefined && (
        <div className="field-hint" id={hintId}>
          {props.hint}
        </div>
      )}
    </div>
  );
}

/** A labelled checkbox. */
export function CheckField(props: { label: string; checked: boolean; onChange: (checked: boolean) => void; hint?: ReactNode; field?: string }) {
  const id = useId();
  return (
    <div className="field field-check">
      <input id={id} type="checkbox" checked={props.checked} data-field={props.field} onChange={(e) => props.onChange(e.currentTarget.checked)} />
      <label htmlFor={id}>{props.label}</label>
      {props.hint !== undefined && <div className="field-hint">{props.hint}</div>}
    </div>
  );
}

/**
 * A labelled whole-number input within a range, committed on Enter or when it loses focus: one edit, one undo step.
 * What the user typed is kept within the range before it is committed, and the field then shows the value that was
 * saved, so it never shows a number the design does not hold; text that is no number puts the saved value back.
 */
export function NumberField(props: { label: string; value: number; min: number; max: number; unit: string; onCommit: (value: number) => void; testId?: string; field?: string }) {
  const id = useId();
  const hintId = useId();
  const [draft, setDraft] = useState(String(props.value));
  const [shown, setShown] = useState(props.value);
  if (shown !== props.value) {
    setShown(props.value);
    setDraft(String(props.value));
  }
  const commit = () => {
    const typed = Number(draft.trim());
    if (draft.trim() === '' || !Number.isFinite(typed)) {
      setDraft(String(props.value));
      return;
    }
    const value = Math.min(props.max, Math.max(props.min, Math.round(typed)));
    setDraft(String(value));
    if (value !== props.value) props.onCommit(value);
  };
  return (
    <div className="field">
      <label htmlFor={id}>{props.label}</label>
      <input
        id={id}
        type="text"
        inputMode="numeric"
        spellCheck={false}
        value={draft}
        aria-describedby={hintId}
        data-testid={props.testId}
        data-field={props.field}
        onChange={(e) => setDraft(e.currentTarget.value)}
        onBlur={commit}
        onKeyDown={(e) => {
          if (e.key === 'Enter') commit();
          if (e.key === 'Escape') setDraft(String(props.value));
        }}
      />
      <div className="field-hint" id={hintId}>
        {props.min} to {props.max} {props.unit}
      </div>
    </div>
  );
}
