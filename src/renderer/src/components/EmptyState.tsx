import type { ReactNode } from 'react';

interface Props {
  title: string;
  children: ReactNode;
}

/** A placeholder that says what an area will hold; it shows no invented data. */
export function EmptyState({ title, children }: Props) {
  return (
    <section className="empty-state" aria-label={title}>
      <h2>{title}</h2>
      <div className="empty-state-body">{children}</div>
    </section>
  );
}
