/**
 * Dispatch cost against the number of marks on one object.
 *
 * K listeners (K inotify instances, or K fanotify groups in descriptor mode)
 * each hold one mark on the same directory /d, asking for FAN_MODIFY /
 * IN_MODIFY of its children; the writes go to the 1,024 files of /d in turn
 * (consecutive events differ, so neither front-end merges: one write = K
 * events). Two times are kept per pass:
 * - dispatch: only the rounds of 1,024 writes (the syscall, the walk over the
 *   K marks, one record queued per listener), timed round by round;
 * - total: the whole pass, including the K readers draining their queues
 *   after each round (every event is read back and counted).
 * The slope of ns per write over K = 1, 10, 100 is the cost of one more mark.
 * Each K has its own filesystem; the counts of one front-end are measured
 * interleaved, so a slow spell of a shared machine lands on all of them.
 */
import { performance } from 'node:perf_hooks';
import { FAN_EVENT_ON_CHILD, FAN_MARK_ADD, FAN_MODIFY } from '../../src/fanotify/index.js';
import { IN_MODIFY } from '../../src/inotify/index.js';
import { expectCount, int, nsPer, repeatInterleaved, slope } from './harness.js';
import { drainFanotify, drainInotify, FILES, newFanotify, newInotify, world } from './world.js';

export type FrontEnd = 'inotify' | 'fanotify';

export interface MarksResult {
  marks: number;
  ops: number;
  /** Medians: seconds in the writes alone, seconds of the whole pass, events read per pass. */
  dispatchSeconds: number;
  totalSeconds: number;
  events: number;
}

interface MarksSetup {
  marks: number;
  ops: number;
  pass(): { dispatchSeconds: number; totalSeconds: number; events: number };
  close(): void;
}

/** K listeners on /d of a fresh filesystem, and one pass of `ops` writes (rounded up to whole rounds). */
function marksSetup(front: FrontEnd, marks: number, ops: number): MarksSetup {
  const { fs, writer, fds } = world(FILES);
  const drains: (() => number)[] = [];
  const closers: (() => void)[] = [];
  for (let k = 0; k < marks; k++) {
    if (front === 'inotify') {
      const ino = newInotify(fs);
      ino.addWatch('/d', IN_MODIFY);
      drains.push(() => drainInotify(ino));
      closers.push(() => ino.close());
    } else {
      const fan = newFanotify(fs);
      fan.mark(FAN_MARK_ADD, FAN_MODIFY | FAN_EVENT_ON_CHILD, '/d');
      drains.push(() => drainFanotify(fs, fan));
      closers.push(() => fan.close());
    }
  }
  const buf = Buffer.from('x');
  const rounds = Math.ceil(ops / FILES);
  const pass = (): { dispatchSeconds: number; totalSeconds: number; events: number } => {
    let events = 0;
    let dispatch = 0;
    const t0 = performance.now();
    for (let round = 0; round < rounds; round++) {
      const r0 = performance.now();
      for (let i = 0; i < FILES; i++) writer.write(fds[i]!, buf);
      dispatch += performance.now() - r0;
      for (const drain of drains) events += drain();
    }
    const total = performance.now() - t0;
    expectCount(`${front} with ${marks} mark(s)`, events, rounds * FILES * marks);
    return { dispatchSeconds: dispatch / 1000, totalSeconds: total / 1000, events };
  };
  return { marks, ops: rounds * FILES, pass, close: () => closers.forEach((c) => c()) };
}

/** The mark counts of one front-end, measured interleaved (one pass of each in turn). */
export function marksRuns(front: FrontEnd, counts: readonly number[], opsFor: (marks: number) => number): MarksResult[] {
  const setups = counts.map((k) => marksSetup(front, k, opsFor(k)));
  const medians = repeatInterleaved(setups.map((s) => s.pass));
  for (const s of setups) s.close();
  return setups.map((s, i) => ({ marks: s.marks, ops: s.ops, ...medians[i]! }));
}

/** The table: one row per mark count, both front-ends side by side, then the slopes. */
export function marksTable(counts: readonly number[], opsFor: (marks: number) => number): string[] {
  const res: Record<FrontEnd, MarksResult[]> = { inotify: [], fanotify: [] };
  for (const front of ['inotify', 'fanotify'] as const) res[front] = marksRuns(front, counts, opsFor);
  const lines = [
    '| marks on /d (writes to its children) | writes | inotify ns/write (dispatch) | inotify ns/write (incl. read) | inotify events read/s | fanotify ns/write (dispatch) | fanotify ns/write (incl. read) | fanotify events read/s |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (let i = 0; i < counts.length; i++) {
    const a = res.inotify[i]!;
    const b = res.fanotify[i]!;
    const eps = (x: MarksResult): string => (x.events ? int(x.events / x.totalSeconds) : '–');
    lines.push(
      `| ${a.marks} | ${int(a.ops)} | ${nsPer(a.dispatchSeconds, a.ops)} | ${nsPer(a.totalSeconds, a.ops)} | ${eps(a)} | ${nsPer(b.dispatchSeconds, b.ops)} | ${nsPer(b.totalSeconds, b.ops)} | ${eps(b)} |`,
    );
  }
  // The slope over the counts that have marks (0 is the unwatched baseline, not on the line).
  const fit = (xs: MarksResult[], key: 'dispatchSeconds' | 'totalSeconds'): string => {
    const with1 = xs.filter((x) => x.marks > 0);
    return slope(with1.map((x) => x.marks), with1.map((x) => (x[key] * 1e9) / x.ops)).toFixed(1);
  };
  const step = (xs: MarksResult[], key: 'dispatchSeconds' | 'totalSeconds'): string => {
    const with1 = xs.filter((x) => x.marks > 0);
    const parts: string[] = [];
    for (let i = 1; i < with1.length; i++) {
      const lo = with1[i - 1]!;
      const hi = with1[i]!;
      const d = ((hi[key] * 1e9) / hi.ops - (lo[key] * 1e9) / lo.ops) / (hi.marks - lo.marks);
      parts.push(`${d.toFixed(1)} (${lo.marks}→${hi.marks})`);
    }
    return parts.join(', ');
  };
  lines.push(
    `| slope: ns per extra mark, least squares | | ${fit(res.inotify, 'dispatchSeconds')} | ${fit(res.inotify, 'totalSeconds')} | | ${fit(res.fanotify, 'dispatchSeconds')} | ${fit(res.fanotify, 'totalSeconds')} | |`,
    `| slope between steps | | ${step(res.inotify, 'dispatchSeconds')} | ${step(res.inotify, 'totalSeconds')} | | ${step(res.fanotify, 'dispatchSeconds')} | ${step(res.fanotify, 'totalSeconds')} | |`,
  );
  return lines;
}
