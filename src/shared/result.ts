/** A value that is either a success with `value` or a failure with a coded `error`; never thrown across a boundary. */
export type Result<T, E = AppErrorLike> = { ok: true; value: T } | { ok: false; error: E };

/** The minimal shape every error value carries. */
export interface AppErrorLike {
  code: string;
  details?: unknown;
}

/** Wraps a success value. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** Wraps a failure value. */
export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}
