/** A sentence about something that went wrong, read out as it appears; nothing when there is none. */
export function AlertText({ text, testId }: { text: string | null; testId?: string }) {
  if (text === null) return null;
  return (
    <p className="error-text" role="alert" data-testid={testId}>
      {text}
    </p>
  );
}
