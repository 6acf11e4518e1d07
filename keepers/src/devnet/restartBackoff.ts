/** Parameters of {@link createRestartBackoff}. */
export type RestartBackoffParameters = {
  /** Restarts allowed within `windowMs`; the next crash in the window gives up. @default 5 */
  maxRestarts?: number;
  /** The sliding window crashes are counted in. @default 600,000 (10 min) */
  windowMs?: number;
  /** Delay before the first restart in the window; doubled for each further one. @default 1,000 */
  baseDelayMs?: number;
  /** Bound of the delay. @default 30,000 */
  maxDelayMs?: number;
};

/** A crashed process's restart schedule: the delay before the next restart, or `undefined` (give up). */
export type RestartBackoff = {
  /** Records a crash at `now` and returns the delay before restarting, or `undefined` once `maxRestarts` crashes fell in the window. */
  next(now: number): number | undefined;
  /** Crashes recorded within the window at the last {@link RestartBackoff.next}. */
  crashes(): number;
};

/**
 * Bounded exponential backoff for a supervised process: the n-th crash within `windowMs` is
 * restarted after `baseDelayMs` × 2^(n−1) (at most `maxDelayMs`); crash `maxRestarts + 1` within
 * the window is not restarted, so a keeper that cannot start does not loop for ever. Crashes older
 * than the window are forgotten.
 *
 * @example
 * const backoff = createRestartBackoff({ maxRestarts: 3 });
 * backoff.next(Date.now()); // 1000
 */
export function createRestartBackoff({ maxRestarts = 5, windowMs = 600_000, baseDelayMs = 1_000, maxDelayMs = 30_000 }: RestartBackoffParameters = {}): RestartBackoff {
  let crashes: number[] = [];
  return {
    next(now) {
      crashes = [...crashes.filter((at) => now - at < windowMs), now];
      if (crashes.length > maxRestarts) return undefined;
      let delay = baseDelayMs;
      for (let i = 1; i < crashes.length && delay < maxDelayMs; i++) delay *= 2;
      return Math.min(delay, maxDelayMs);
    },
    crashes: () => crashes.length,
  };
}
