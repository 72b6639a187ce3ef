/**
 * In-memory benchmarks (`npm run bench`): VFS operations per second and
 * inotify events per second delivered to a reader, with 0, 1 and 100
 * watching instances; fanotify events per second through 1 and 10 groups
 * (bench/mem/fanotify.ts); dispatch cost with 1/10/100 marks on one object
 * (bench/mem/marks.ts); queue merging at depth (bench/mem/merge.ts). Fixed
 * iteration counts, every event read back, one core; each measurement is one
 * warm-up pass then BENCH_REPS (default 5) timed passes, medians reported.
 */
import { IN_ALL_EVENTS, IN_MODIFY, IN_NONBLOCK, inotifyInit } from '../src/inotify/index.js';
import type { Inotify } from '../src/inotify/index.js';
import { createVfs, O_CREAT, O_RDWR } from '../src/vfs/index.js';
import { fanotifyThroughput } from './mem/fanotify.js';
import type { Row } from './mem/harness.js';
import { REPS, repeat, sink, timeIt } from './mem/harness.js';
import { marksTable } from './mem/marks.js';
import { mergeTable } from './mem/merge.js';

const rows: Row[] = [];

/** One warm-up pass of `fn` on its setup, then REPS timed passes; the median goes in the table. */
function measure(name: string, ops: number, fn: () => void): void {
  const { seconds } = repeat(() => ({ seconds: timeIt(fn) }));
  rows.push({ name, ops, seconds });
}

function drainAll(instances: Inotify[]): number {
  let n = 0;
  for (const i of instances) {
    for (;;) {
      const q = i.queuedBytes;
      if (q === 0) break;
      n += i.read().length;
    }
  }
  return n;
}

/** Writes to one file, read back in batches of 1024 by `instances.length` readers. */
function writeBench(watchers: number, mask: number, N: number): void {
  const fs = createVfs();
  fs.mkdir('d');
  const fd = fs.open('d/f', O_CREAT | O_RDWR);
  const instances: Inotify[] = [];
  for (let i = 0; i < watchers; i++) {
    const ino = inotifyInit({ source: fs, flags: IN_NONBLOCK, maxQueuedEvents: 1 << 20 });
    ino.addWatch('d/f', mask);
    ino.addWatch('d', mask);
    instances.push(ino);
  }
  const buf = Buffer.from('x');
  let delivered = 0;
  const run = (): void => {
    delivered = 0;
    for (let i = 0; i < N; i++) {
      fs.write(fd, buf);
      // Alternate with a read so consecutive events differ and never coalesce.
      fs.lseek(fd, 0, 0);
      fs.read(fd, 1);
      if ((i & 1023) === 1023) delivered += drainAll(instances);
    }
    delivered += drainAll(instances);
    sink.value += delivered;
  };
  measure(`write+read, ${watchers} instance(s) watching file and dir`, N, run);
  const last = rows[rows.length - 1]!;
  if (watchers > 0) rows.push({ name: `  events delivered to readers (${watchers} instance(s))`, ops: delivered, seconds: last.seconds });
}

function vfsOps(N: number): void {
  const fs = createVfs();
  fs.mkdir('d');
  measure('mkfile+rename+unlink (unwatched)', N * 3, () => {
    for (let i = 0; i < N; i++) {
      const fd = fs.open(`d/f${i}`, O_CREAT | O_RDWR);
      fs.close(fd);
      fs.rename(`d/f${i}`, `d/g${i}`);
      fs.unlink(`d/g${i}`);
    }
  });
}

function oneInstanceThroughput(N: number): void {
  const fs = createVfs();
  fs.mkdir('d');
  const fd = fs.open('d/f', O_CREAT | O_RDWR);
  const ino = inotifyInit({ source: fs, flags: IN_NONBLOCK, maxQueuedEvents: 1 << 20 });
  ino.addWatch('d', IN_MODIFY);
  ino.addWatch('d/f', IN_MODIFY);
  const buf = Buffer.from('x');
  let delivered = 0;
  measure('write on watched file → events read (file+parent watch, 1 instance)', N, () => {
    delivered = 0;
    for (let i = 0; i < N; i++) {
      fs.write(fd, buf);
      if ((i & 4095) === 4095) delivered += ino.read().length;
    }
    delivered += ino.queuedBytes ? ino.read().length : 0;
    sink.value += delivered;
  });
  const last = rows[rows.length - 1]!;
  rows.push({ name: '  events/s through one instance', ops: delivered, seconds: last.seconds });
}

function unwatchedCost(N: number): void {
  const fs = createVfs();
  fs.mkdir('d');
  const fd = fs.open('d/f', O_CREAT | O_RDWR);
  const buf = Buffer.from('x');
  measure('write, nobody watching', N, () => {
    for (let i = 0; i < N; i++) fs.write(fd, buf);
  });
  fs.lseek(fd, 0, 0);
  const other = inotifyInit({ source: fs, flags: IN_NONBLOCK });
  other.addWatch('.', IN_ALL_EVENTS); // a watch elsewhere (the root) must not slow d/f down
  measure('write, a watch on an unrelated directory', N, () => {
    for (let i = 0; i < N; i++) fs.write(fd, buf);
  });
  sink.value += other.queuedBytes;
}

const N = Number(process.env['BENCH_N'] ?? 200_000);
vfsOps(N / 4);
unwatchedCost(N);
oneInstanceThroughput(N * 5);
for (const w of [0, 1, 100]) writeBench(w, IN_ALL_EVENTS, w === 100 ? N / 20 : N);
rows.push(...fanotifyThroughput(0, 'fd', N));
for (const groups of [1, 10]) {
  for (const mode of ['fd', 'fid'] as const) rows.push(...fanotifyThroughput(groups, mode, groups === 1 ? N : N / 10));
}

console.log(`In-memory, medians of ${REPS} timed passes after a warm-up pass.`);
console.log('');
console.log('| benchmark | ops | seconds | ops/s |');
console.log('| --- | ---: | ---: | ---: |');
for (const r of rows) {
  console.log(`| ${r.name} | ${r.ops.toLocaleString('en-US')} | ${r.seconds.toFixed(3)} | ${Math.round(r.ops / r.seconds).toLocaleString('en-US')} |`);
}
console.log('');
// 0 marks is the unwatched baseline; about 2N events read per mark count.
for (const line of marksTable([0, 1, 10, 100], (k) => Math.max(8 * 1024, (N * 2) / Math.max(1, k)))) console.log(line);
console.log('');
for (const line of mergeTable([0, 1024, 16_384], N / 2)) console.log(line);
if (sink.value < 0) console.log(sink.value);

if (process.platform === 'linux' && process.env['BENCH_HOST'] !== '0') {
  const { hostBench } = await import('./host/source.js');
  console.log('');
  for (const line of await hostBench()) console.log(line);
}
