/**
 * Host source throughput and latency (`npm run bench`, Linux only): kernel
 * inotify events delivered to a JS reader through the whole tsnotify path
 * (kernel → KernelReader worker → core dispatch → inotify group → read())
 * against a raw reader of the same kind of stream (read(2) + decode on the
 * main thread), in the same run, interleaved, medians reported.
 *
 * Throughput: each round writes and reads one byte of a watched file PAIRS
 * times (IN_MODIFY and IN_ACCESS alternate, so the kernel never merges),
 * then waits until every event reached the reader. Rounds stay under the
 * kernel queue limit, so nothing may be lost: losses are counted.
 * Latency: single writes 20 ms apart, from write(2) to the event in JS.
 */
import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { LinuxInotifySource } from '../../src/host/index.js';
import { decodeInotify, IN_CLOEXEC, IN_NONBLOCK, IN_Q_OVERFLOW, linuxSyscalls, PollSet, POLLIN } from '../../src/host/linux/index.js';
import { IN_ACCESS, IN_MODIFY, IN_NONBLOCK as USER_NONBLOCK, inotifyInit } from '../../src/inotify/index.js';

const EVENTS = 200_000; // per trial; the producer writes and reads one byte alternately
const TRIALS = 3;
const LATENCY_WRITES = 200;

const sys = linuxSyscalls();
const dir = mkdtempSync(join(tmpdir(), 'tsnotify-bench-host-'));
const file = join(dir, 'f');
writeFileSync(file, 'x');
const one = Buffer.from('y');

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const pct = (xs: number[], p: number): number => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;

/** A separate process producing EVENTS events as fast as it can (IN_MODIFY and IN_ACCESS alternate). */
function startProducer(): ChildProcess {
  const script = `const fs = require('fs'); const fd = fs.openSync(${JSON.stringify(file)}, 'r+');
    const b = Buffer.from('y'); for (let i = 0; i < ${EVENTS / 2}; i++) { fs.writeSync(fd, b, 0, 1, 0); fs.readSync(fd, b, 0, 1, 0); }`;
  return spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
}

const exited = (child: ChildProcess): Promise<void> => new Promise((resolve) => child.once('exit', () => resolve()));

interface Trial {
  seconds: number;
  events: number;
  overflows: number;
}

/** Raw: the main thread blocks in poll(2) and read(2)s + decodes, concurrently with the producer. */
async function rawTrial(): Promise<Trial> {
  const ifd = sys.inotifyInit1(IN_NONBLOCK | IN_CLOEXEC);
  sys.inotifyAddWatch(ifd, file, IN_MODIFY | IN_ACCESS);
  const set = new PollSet([{ fd: ifd, events: POLLIN }]);
  const buf = Buffer.alloc(256 * 1024);
  let events = 0;
  let overflows = 0;
  const child = startProducer();
  const done = exited(child);
  await new Promise((r) => child.once('spawn', r));
  const t0 = performance.now();
  let idle = 0;
  while (events < EVENTS && idle < 20) {
    if (sys.poll(set, 100) === 0) {
      idle++;
      continue;
    }
    for (let n = sys.read(ifd, buf); n > 0; n = sys.read(ifd, buf)) {
      for (const r of decodeInotify(buf.subarray(0, n))) {
        if (r.mask & IN_Q_OVERFLOW) overflows++;
        else events++;
      }
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  await done;
  sys.close(ifd);
  return { seconds, events, overflows };
}

/** tsnotify: the host source and an inotify group read with readAsync(), concurrently with the producer. */
async function sourceTrial(): Promise<Trial> {
  const source = new LinuxInotifySource();
  const ino = inotifyInit({ source, flags: USER_NONBLOCK, maxQueuedEvents: 1 << 20 });
  ino.addWatch(file, IN_MODIFY | IN_ACCESS);
  await source.flush(); // the reader thread is up
  let events = 0;
  let overflows = 0;
  const child = startProducer();
  const done = exited(child);
  let finished = false;
  void done.then(() => source.flush()).then(() => (finished = true));
  await new Promise((r) => child.once('spawn', r));
  const t0 = performance.now();
  while (events < EVENTS && !(finished && ino.queuedBytes === 0)) {
    const batch = await Promise.race([ino.readAsync(1 << 20), done.then(() => source.flush()).then(() => [])]);
    for (const e of batch) {
      if (e.mask & IN_Q_OVERFLOW) overflows++;
      else events++;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  await done;
  ino.close();
  await source.close();
  return { seconds, events, overflows };
}

async function latency(): Promise<{ raw: number[]; ts: number[] }> {
  const fileFd = openSync(file, 'r+');
  const raw: number[] = [];
  const ifd = sys.inotifyInit1(IN_NONBLOCK | IN_CLOEXEC);
  sys.inotifyAddWatch(ifd, file, IN_MODIFY);
  const set = new PollSet([{ fd: ifd, events: POLLIN }]);
  const buf = Buffer.alloc(4096);
  const source = new LinuxInotifySource();
  const ino = inotifyInit({ source });
  ino.addWatch(file, IN_MODIFY);
  await source.flush();
  const ts: number[] = [];
  const tsOnce = async (): Promise<number> => {
    const t0 = performance.now();
    const got = ino.readAsync();
    writeSync(fileFd, one, 0, 1, 0);
    await got;
    return (performance.now() - t0) * 1000;
  };
  for (let i = 0; i < LATENCY_WRITES; i++) {
    await new Promise((r) => setTimeout(r, 20));
    // Alternate which reader goes first, so neither always meets a cold cache after the pause.
    const rawFirst = i % 2 === 0;
    if (!rawFirst) ts.push(await tsOnce());
    // The raw reader blocks in poll(2) right after the write, as a dedicated C reader would.
    const t0 = performance.now();
    writeSync(fileFd, one, 0, 1, 0);
    sys.poll(set, 1000);
    sys.read(ifd, buf);
    raw.push((performance.now() - t0) * 1000);
    if (rawFirst) ts.push(await tsOnce());
  }
  ino.close();
  await source.close();
  sys.close(ifd);
  closeSync(fileFd);
  return { raw, ts };
}

export async function hostBench(): Promise<string[]> {
  const raw: Trial[] = [];
  const ts: Trial[] = [];
  for (let t = 0; t < TRIALS; t++) {
    raw.push(await rawTrial());
    ts.push(await sourceTrial());
  }
  const lat = await latency();
  rmSync(dir, { recursive: true, force: true });
  const rate = (xs: Trial[]): number => median(xs.map((x) => x.events / x.seconds));
  const lost = (xs: Trial[]): number => xs.reduce((a, x) => a + (EVENTS - x.events), 0);
  const f = (x: number): string => Math.round(x).toLocaleString('en-US');
  return [
    '| host path (Linux inotify) | raw reader | tsnotify host source | ratio |',
    '| --- | ---: | ---: | ---: |',
    `| events/s delivered while a producer process runs flat out, median of ${TRIALS} × ${f(EVENTS)} | ${f(rate(raw))} | ${f(rate(ts))} | ${(rate(ts) / rate(raw)).toFixed(2)} |`,
    `| events lost (kernel overflows seen) over all trials | ${lost(raw)} (${raw.reduce((a, x) => a + x.overflows, 0)}) | ${lost(ts)} (${ts.reduce((a, x) => a + x.overflows, 0)}) | |`,
    `| latency median (µs), ${LATENCY_WRITES} writes 20 ms apart | ${median(lat.raw).toFixed(0)} | ${median(lat.ts).toFixed(0)} | ${(median(lat.ts) / median(lat.raw)).toFixed(1)} |`,
    `| latency p99 (µs) | ${pct(lat.raw, 99).toFixed(0)} | ${pct(lat.ts, 99).toFixed(0)} | ${(pct(lat.ts, 99) / pct(lat.raw, 99)).toFixed(1)} |`,
  ];
}
