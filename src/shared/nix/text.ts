import { quoteList } from '../text';

export { plural } from '../text';

/** The configuration notes name at most four machines in a list, then "and N more". */
export function notesList(names: readonly string[]): string {
  return quoteList(names, 4);
}
