import { quoteArgument } from '../../../shared/shellQuote';
import { PLACEHOLDER } from '../../../shared/deploy/commands';

/**
 * How a command of the plan is shown: each argument as a POSIX shell reads it back, so an argument with a space is
 * visibly one argument ('nix-command flakes') and the line can be pasted into a shell as it is.
 */
export function argvWords(argv: readonly string[]): string[] {
  // argv cannot carry NUL; shown as \0 rather than refused, since this is only for reading.
  return argv.map((arg) => quoteArgument(arg.replaceAll('\0', '\\0')));
}

/** The command as one line of shell words. */
export function argvText(argv: readonly string[]): string {
  return argvWords(argv).join(' ');
}

/** The placeholders the plan uses for what only the run knows (the built system, the previous one, the run's id). */
const placeholders = [PLACEHOLDER.system, PLACEHOLDER.previous, PLACEHOLDER.run];

/** Whether a shown word holds a placeholder, to mark it as "filled in by the run". */
export function hasPlaceholder(word: string): boolean {
  return placeholders.some((p) => word.includes(p));
}
