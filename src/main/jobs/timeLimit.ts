/**
 * A time limit that stands still while a person is being asked something (a host key, a passphrase): work that
 * waits for an answer must not be cut off, or a machine reported unreachable, because the person took a while.
 * Without `isWaiting` it is a plain timer. Returns the function that stops it.
 */
export function startTimeLimit(timeoutMs: number, isWaiting: (() => boolean) | undefined, onExpired: () => void): () => void {
  if (isWaiting === undefined) {
    const timer = setTimeout(onExpired, timeoutMs);
    return () => clearTimeout(timer);
  }
  // Counted down in ticks rather than one timer, so that the time spent waiting for the person is left out.
  let remaining = timeoutMs;
  const tickMs = Math.min(100, timeoutMs);
  const ticker = setInterval(() => {
    if (isWaiting()) return;
    remaining -= tickMs;
    if (remaining <= 0) {
      clearInterval(ticker);
      onExpired();
    }
  }, tickMs);
  return () => clearInterval(ticker);
}
