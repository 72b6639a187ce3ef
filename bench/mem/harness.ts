/**
 * What every in-memory benchmark shares: one warm-up pass, then REPS timed
 * passes, medians reported; a sink every result is added to, so no loop is
 * dead code; number formatting for the tables.
 */
import { performance } from 'node:perf_hooks';

/** Timed passes per measurement (after one untimed warm-up pass). BENCH_REPS overrides. */
export const REPS = Math.max(1, Number(process.env['BENCH_REPS'] ?? 5));

/** Everything a benchmark read back is added here; printed only if impossible, so it is never dead. */
export const sink = { value: 0 };

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Seconds of one call. */
export function timeIt(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return (performance.now() - t0) / 1000;
}

/**
 * Run `pass` once untimed (warm-up), then REPS times, and return the median
 * of each numeric field of what the passes returned. A pass times itself
 * (it knows which part is the measured work) and reports what it read back.
 */
export function repeat<T extends Record<string, number>>(pass: () => T): T {
  return repeatInterleaved([pass])[0]!;
}

/**
 * Like repeat() for several passes measured side by side: each runs once
 * untimed, then REPS rounds run every pass in turn, so a slow spell of a
 * shared machine lands on all of them alike. Returns each pass's medians.
 */
export function repeatInterleaved<T extends Record<string, number>>(passes: readonly (() => T)[]): T[] {
  for (const pass of passes) pass();
  const samples: T[][] = passes.map(() => []);
  for (let i = 0; i < REPS; i++) passes.forEach((pass, j) => samples[j]!.push(pass()));
  return samples.map((xs) => {
    const out = {} as Record<string, number>;
    for (const key of Object.keys(xs[0]!)) out[key] = median(xs.map((x) => x[key]!));
    return out as T;
  });
}

/** 1234567.8 → "1,234,568". */
export function int(x: number): string {
  return Math.round(x).toLocaleString('en-US');
}

/** Nanoseconds per item of `count` items done in `seconds`, one decimal below 100. */
export function nsPer(seconds: number, count: number): string {
  const ns = (seconds * 1e9) / count;
  return ns < 100 ? ns.toFixed(1) : int(ns);
}

/** Least-squares slope of y over x. */
export function slope(xs: readonly number[], ys: readonly number[]): number {
  const n = xs.length;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i]! - mx) * (ys[i]! - my);
    den += (xs[i]! - mx) ** 2;
  }
  return num / den;
}

/** Throw when a pass did not read back what it should have: a benchmark of lost events measures nothing. */
export function expectCount(what: string, got: number, want: number): void {
  if (got !== want) throw new Error(`bench: ${what}: read back ${got} events, expected ${want}`);
}

/** One line of the main table: `ops` done in `seconds` (a median). */
export interface Row {
  name: string;
  ops: number;
  seconds: number;
}
