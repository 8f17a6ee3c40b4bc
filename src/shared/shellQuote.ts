/**
 * POSIX shell quoting, the one way strings are turned into shell words: for remote commands (src/main/ssh) and
 * for commands the app shows people to copy. Pure, so both main and shared use the same rules.
 */

/** Characters that never need quoting in a POSIX shell word (no '=', so a bare word can't become an assignment; no '~' or '%'). */
const safeWord = /^[A-Za-z0-9_@+:,./-]+$/;

/** Quotes one argument so a POSIX shell reads it back as exactly that string. Throws on NUL, which argv cannot carry. */
export function quoteArgument(value: string): string {
  if (value.includes('\0')) throw new RangeError('A remote command argument cannot contain a NUL byte.');
  if (safeWord.test(value)) return value;
  // Inside single quotes nothing is special except the closing quote: end the quote, add \' and reopen.
  return `'${value.replaceAll("'", `'\\''`)}'`;
}

/** Quotes an argument vector into one command string; argv[0] is the program. */
