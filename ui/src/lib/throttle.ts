/**
 * Returns a function that calls `fn` at most once every `intervalMs`.
 * Calls in between are dropped (not deferred): activity pings only need to be
 * frequent enough, not exact. Returns true when `fn` was called.
 */
export function createThrottle(intervalMs: number, fn: () => void, now: () => number = Date.now) {
  let last = Number.NEGATIVE_INFINITY;
  return (): boolean => {
    const t = now();
    if (t - last < intervalMs) return false;
    last = t;
    fn();
    return true;
  };
}
