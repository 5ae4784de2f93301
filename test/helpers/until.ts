// Waits on a condition instead of a fixed sleep: machines are shared and slow at times, so
// a test says what it waits for and how long is too long, never how long things take.

export interface UntilOptions {
  /** Give up after this long (ms); generous by default. */
  timeout?: number;
  /** What is awaited, for the error message. */
  what?: string;
  /** Pause between checks (ms). */
  every?: number;
}

/** Resolves with the first truthy value `check` returns; rejects after the timeout. */
export async function until<T>(
  check: () => T | Promise<T>,
  { timeout = 20_000, what = "condition", every = 50 }: UntilOptions = {},
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeout;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
      last = value;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline)
      throw new Error(`waited ${timeout} ms for ${what}; last seen: ${String(last)}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
