// Small helpers for the preview's sentences.

/** Names in quotes as an English list: "a", "b" and "c"; longer lists end in "and N more". */
export function quoteList(names: readonly string[], limit = 4): string {
  const quoted = names.slice(0, limit).map((n) => `"${n}"`);
  const more = names.length - quoted.length;
  if (more > 0) return `${quoted.join(', ')} and ${more} more`;
  if (quoted.length <= 1) return quoted.join('');
  return `${quoted.slice(0, -1).join(', ')} and ${quoted[quoted.length - 1]}`;
}

/** The singular or plural form by count. */
export function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}
