// Sentence helpers and the one sort order for names, shared by every message the app writes (problems, advice,
// deploy order, configuration notes, the CLI).

/** A name in double quotes, as messages show names people typed: "grandma-pi". */
export function quote(name: string): string {
  return `"${name}"`;
}

/**
 * Items as an English list: "a", "a and b", "a, b and c"; with `limit`, a longer list shows that many and ends in
 * "and N more". Callers quote, sort and remove duplicates first where the list needs it.
 */
export function listText(items: readonly string[], limit = Number.POSITIVE_INFINITY): string {
  if (items.length > limit) return `${items.slice(0, limit).join(', ')} and ${items.length - limit} more`;
  if (items.length <= 1) return items.join('');
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/** Names in quotes as an English list, at most `limit` shown: "a", "b" and 2 more. */
export function quoteList(names: readonly string[], limit = Number.POSITIVE_INFINITY): string {
  return listText(names.map(quote), limit);
}

/** The singular or plural form by count. */
export function plural(count: number, one: string, many: string): string {
  return count === 1 ? one : many;
}

/**
 * The app's one order for text: by UTF-16 code unit, like Array.prototype.sort. Not localeCompare: generated files,
 * messages and lists must come out the same on every computer, whatever its language settings.
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders records by name, then id (for records with the same name), in the app's one text order. */
export function byNameThenId(a: { name: string; id: string }, b: { name: string; id: string }): number {
  return compareText(a.name, b.name) || compareText(a.id, b.id);
}

/** The text with its first letter in lower case, to continue a sentence with a label ("Single-stream TCP" -> "single-stream TCP"). */
export function lowerFirst(text: string): string {
  return `${text.charAt(0).toLowerCase()}${text.slice(1)}`;
}
