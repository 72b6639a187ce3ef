/**
 * One clock for the whole harness: CLOCK_MONOTONIC in milliseconds, the
 * clock native/gen.c stamps its first and last operation with.
 */
export function nowMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Resolves when CHECK() is true, or false after TIMEOUTMS; polls every 10 ms. */
export async function until(check: () => boolean, timeoutMs: number): Promise<boolean> {
  const deadline = nowMs() + timeoutMs;
  while (!check()) {
    if (nowMs() >= deadline) return false;
    await sleep(10);
  }
  return true;
}
