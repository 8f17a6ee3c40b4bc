// The last line of defence of a long-running server: an exception or rejection that slipped past every handler
// is written to the log with its stack, and the server keeps serving the other requests and open tabs, whose
// unsaved work would otherwise be lost with the process. Node's default is to exit; for serve mode losing every
// open session to one bad request is worse than continuing, and each such entry is a bug to fix, so it is never
// silent.

/** What the guard writes to. */
export type GuardLog = (message: string) => void;

/** The two process listeners of the guard, and how many errors they caught. */
export function createGuardHandlers(log: GuardLog): { onException(cause: unknown): void; onRejection(cause: unknown): void; readonly caught: number } {
  let caught = 0;
  const describe = (cause: unknown) => (cause instanceof Error ? (cause.stack ?? `${cause.name}: ${cause.message}`) : String(cause));
  const report = (what: string, cause: unknown) => {
    caught += 1;
    log(`INTERNAL ERROR (the server keeps running; please report this): ${what}\n${describe(cause)}\n`);
  };
  return {
    onException: (cause) => report('uncaught exception', cause),
    onRejection: (cause) => report('unhandled promise rejection', cause),
    get caught() {
      return caught;
    },
  };
}

/** Installs the guard for this process; returns a function that removes it and how many errors it caught. */
export function installProcessGuard(log: GuardLog): { uninstall(): void; readonly caught: number } {
  const handlers = createGuardHandlers(log);
  process.on('uncaughtException', handlers.onException);
  process.on('unhandledRejection', handlers.onRejection);
  return {
    uninstall: () => {
      process.off('uncaughtException', handlers.onException);
      process.off('unhandledRejection', handlers.onRejection);
    },
    get caught() {
      return handlers.caught;
    },
  };
}
