/**
 * The errno code of a failed system call (ENOENT, EACCES, ...), or undefined when the value is not such an error.
 * Safe on anything a catch clause receives, including null and strings.
 */
export function errnoOf(cause: unknown): string | undefined {
  const code = (cause as { code?: unknown } | null | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
