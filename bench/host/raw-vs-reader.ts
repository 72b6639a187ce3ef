/**
 * Host read path: kernel inotify events per second read back and decoded
 * (a) by a tight synchronous read(2) loop on the main thread and (b) through
 * KernelReader (worker thread + postMessage), in the same run, plus the
 * one-event latency of each. `node dist/bench/host/raw-vs-reader.js`
 *
 * Workload: a watched file alternately written and read with pwrite/pread of
 * one byte (IN_MODIFY, IN_ACCESS: consecutive events differ, so the kernel
 * never merges them). Each round produces PAIRS pairs with nobody reading
 * synchronously, then waits until every event has been decoded; PAIRS keeps
 * a round under the default queue limit (16384) so nothing overflows, and
 * overflows are counted to prove it. Fixed counts, results consumed.
 */
import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  decodeInotify,
  IN_ACCESS,
  IN_CLOEXEC,
  IN_MODIFY,
  IN_NONBLOCK,
  IN_Q_OVERFLOW,
  KernelReader,
  linuxSyscalls,
  PollSet,
  POLLIN,
  type KernelReaderOptions,
} from '../../src/host/linux/index.js';

const TRIALS = 5; // each mode runs TRIALS times, interleaved; the median is reported
const ROUNDS = 20;
const PAIRS = 4000; // 8000 events a round
const LATENCY_ITERATIONS = 3000;

const sys = linuxSyscalls();
const dir = mkdtempSync(join(tmpdir(), 'tsnotify-bench-'));
const file = join(dir, 'f');
writeFileSync(file, 'x');
const one = Buffer.from('y');
const scratch = Buffer.alloc(1);
let sink = 0;

function produce(fileFd: number, pairs: number): void {
  for (let i = 0; i < pairs; i++) {
    writeSync(fileFd, one, 0, 1, 0);
    readSync(fileFd, scratch, 0, 1, 0);
  }
}

function watch(): number {
  const fd = sys.inotifyInit1(IN_NONBLOCK | IN_CLOEXEC);
  sys.inotifyAddWatch(fd, file, IN_MODIFY | IN_ACCESS);
  return fd;
}

interface Result {
  name: string;
  events: number;
  seconds: number;
  overflows: number;
  batches: number;
}

/** Count records and overflows in one chunk of kernel bytes. */
function consume(buf: Buffer, acc: { events: number; overflows: number }): void {
  for (const r of decodeInotify(buf)) {
    acc.events++;
    if (r.mask === IN_Q_OVERFLOW) acc.overflows++;
    sink += r.wd;
  }
}

function rawLoop(): Result {
  const fd = watch();
  const fileFd = openSync(file, 'r+');
  const big = Buffer.allocUnsafeSlow(256 * 1024);
  const acc = { events: 0, overflows: 0 };
  let batches = 0;
  const t0 = performance.now();
  for (let round = 0; round < ROUNDS; round++) {
    produce(fileFd, PAIRS);
    for (;;) {
      const n = sys.read(fd, big);
      if (n < 0) break;
      batches++;
      consume(big.subarray(0, n), acc);
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  closeSync(fileFd);
  sys.close(fd);
  return { name: 'raw read loop (main thread)', events: acc.events, seconds, overflows: acc.overflows, batches };
}

async function viaReader(options: KernelReaderOptions, name: string): Promise<Result> {
  const fd = watch();
  const fileFd = openSync(file, 'r+');
  const acc = { events: 0, overflows: 0 };
  let batches = 0;
  let waiter: { target: number; resolve: () => void } | undefined;
  const reader = new KernelReader(
    fd,
    (buf) => {
      batches++;
      consume(buf, acc);
      if (waiter !== undefined && acc.events >= waiter.target) waiter.resolve();
    },
    (err) => {
      throw err;
    },
    options,
  );
  reader.start();
  // Warm-up (not timed): the worker is up and has read one event.
  writeSync(fileFd, one, 0, 1, 0);
  await new Promise<void>((resolve) => (waiter = { target: 1, resolve }));
  acc.events = 0;
  batches = 0;
  const t0 = performance.now();
  for (let round = 1; round <= ROUNDS; round++) {
    produce(fileFd, PAIRS);
    const target = round * PAIRS * 2;
    if (acc.events < target) await new Promise<void>((resolve) => (waiter = { target, resolve }));
  }
  const seconds = (performance.now() - t0) / 1000;
  await reader.stop();
  closeSync(fileFd);
  sys.close(fd);
  return { name, events: acc.events, seconds, overflows: acc.overflows, batches };
}

const DRAIN_REPS = 15;
const DRAIN_PAIRS = 8000; // 16000 queued events, under the 16384 limit

/**
 * Consumer capacity alone: fill the kernel queue with nobody reading, then
 * time the drain. For KernelReader the drain can only start at start(), so
 * the time to start a worker and deliver a single queued event is measured
 * the same way and printed beside it.
 */
async function drain(): Promise<void> {
  const fd = watch();
  const fileFd = openSync(file, 'r+');
  const big = Buffer.allocUnsafeSlow(256 * 1024);
  const acc = { events: 0, overflows: 0 };
  const rawMs: number[] = [];
  for (let rep = 0; rep < DRAIN_REPS; rep++) {
    produce(fileFd, DRAIN_PAIRS);
    const t0 = performance.now();
    for (let n = sys.read(fd, big); n >= 0; n = sys.read(fd, big)) consume(big.subarray(0, n), acc);
    rawMs.push(performance.now() - t0);
  }
  const startAndRead = async (pairs: number): Promise<number> => {
    if (pairs === 0) writeSync(fileFd, one, 0, 1, 0);
    else produce(fileFd, pairs);
    const target = acc.events + Math.max(1, pairs * 2);
    let done: () => void = () => undefined;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const reader = new KernelReader(fd, (buf) => {
      consume(buf, acc);
      if (acc.events >= target) done();
    }, (err) => {
      throw err;
    });
    const t0 = performance.now();
    reader.start();
    await finished;
    const ms = performance.now() - t0;
    await reader.stop();
    return ms;
  };
  const fullMs: number[] = [];
  const oneMs: number[] = [];
  for (let rep = 0; rep < DRAIN_REPS; rep++) {
    oneMs.push(await startAndRead(0));
    fullMs.push(await startAndRead(DRAIN_PAIRS));
  }
  closeSync(fileFd);
  sys.close(fd);
  const events = DRAIN_PAIRS * 2;
  const raw = median(rawMs);
  const full = median(fullMs);
  const single = median(oneMs);
  console.log(`\ndrain a full queue of ${events} events, consumer only; median of ${DRAIN_REPS}; overflows ${acc.overflows}`);
  console.log(`raw read loop (main thread)      ${raw.toFixed(1).padStart(6)} ms  (${Math.round(events / (raw / 1000))} events/s)`);
  console.log(`KernelReader start() + drain     ${full.toFixed(1).padStart(6)} ms`);
  console.log(`KernelReader start() + 1 event   ${single.toFixed(1).padStart(6)} ms  (worker start-up; the difference, ${(full - single).toFixed(1)} ms, is the drain within start-up noise)`);
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

/** Microseconds from pwrite() to the decoded record, blocking in poll(2) on the main thread. */
function rawLatency(): number[] {
  const fd = watch();
  const fileFd = openSync(file, 'r+');
  const set = new PollSet([{ fd, events: POLLIN }]);
  const big = Buffer.allocUnsafeSlow(4096);
  const samples: number[] = [];
  for (let i = 0; i < LATENCY_ITERATIONS; i++) {
    const t0 = performance.now();
    writeSync(fileFd, one, 0, 1, 0);
    sys.poll(set, -1);
    const n = sys.read(fd, big);
    sink += decodeInotify(big.subarray(0, n)).length;
    samples.push((performance.now() - t0) * 1000);
  }
  closeSync(fileFd);
  sys.close(fd);
  return samples.sort((a, b) => a - b);
}

/** Microseconds from pwrite() to onData with the decoded record, through KernelReader. */
async function readerLatency(): Promise<number[]> {
  const fd = watch();
  const fileFd = openSync(file, 'r+');
  let resolveNext: (() => void) | undefined;
  const reader = new KernelReader(fd, (buf) => {
    sink += decodeInotify(buf).length;
    resolveNext?.();
  }, (err) => {
    throw err;
  });
  reader.start();
  const samples: number[] = [];
  for (let i = -50; i < LATENCY_ITERATIONS; i++) {
    const next = new Promise<void>((resolve) => (resolveNext = resolve));
    const t0 = performance.now();
    writeSync(fileFd, one, 0, 1, 0);
    await next;
    if (i >= 0) samples.push((performance.now() - t0) * 1000); // the first 50 warm the worker up
  }
  await reader.stop();
  closeSync(fileFd);
  sys.close(fd);
  return samples.sort((a, b) => a - b);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

/** The trial with the median rate, per mode. */
function medianTrial(trials: Result[]): Result {
  const rate = (r: Result): number => r.events / r.seconds;
  const m = median(trials.map(rate));
  return trials.find((r) => rate(r) === m) ?? (trials[0] as Result);
}

async function main(): Promise<void> {
  const trials: Result[][] = [[], [], []];
  for (let t = 0; t < TRIALS; t++) {
    trials[0]?.push(rawLoop());
    trials[1]?.push(await viaReader({}, 'KernelReader, batched (default)'));
    trials[2]?.push(await viaReader({ batch: false }, 'KernelReader, post per read'));
  }
  const results = trials.map(medianTrial);
  const [raw] = results;
  console.log(`${ROUNDS} rounds x ${PAIRS * 2} events (pwrite/pread of one byte on a watched file), produced on the main thread; median of ${TRIALS} trials`);
  console.log('mode                              events/s   events   batches  overflows  vs raw');
  for (const r of results) {
    const rate = r.events / r.seconds;
    const ratio = raw === undefined ? 1 : rate / (raw.events / raw.seconds);
    console.log(
      `${r.name.padEnd(32)} ${Math.round(rate).toString().padStart(9)} ${r.events.toString().padStart(8)} ${r.batches.toString().padStart(9)} ${r.overflows.toString().padStart(10)}  ${ratio.toFixed(2)}x`,
    );
  }
  await drain();
  const rawLat = rawLatency();
  const readerLat = await readerLatency();
  console.log(`\nlatency pwrite -> decoded record, ${LATENCY_ITERATIONS} samples (microseconds)`);
  for (const [name, s] of [['raw poll+read (main thread)', rawLat], ['KernelReader -> onData', readerLat]] as const) {
    console.log(`${name.padEnd(32)} p50 ${percentile(s, 50).toFixed(1).padStart(7)}  p99 ${percentile(s, 99).toFixed(1).padStart(7)}  max ${percentile(s, 100).toFixed(1).padStart(8)}`);
  }
  console.log(`ratio p50 reader/raw: ${(percentile(readerLat, 50) / percentile(rawLat, 50)).toFixed(1)}x   (sink ${sink})`);
}

try {
  await main();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
