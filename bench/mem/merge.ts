/**
 * Queue merge at depth: the cost of offering one event to a group whose
 * queue already holds N unread events (N = 0, 1,024, 16,384), in the cases
 * where the front-end's merge rule decides.
 *
 * - inotify merges only with the last queued event (inotify_merge):
 *   "same as the last" writes one file again and again (every event folds
 *   into the tail); "differs from the last" writes the files of /d in turn
 *   (every event is queued).
 * - fanotify merges with any unread event of the same object (fanotify_merge;
 *   the kernel looks it up in a 128-bucket hash and walks at most 128 events
 *   of the bucket). "same object, newest" writes the file whose event was
 *   queued last; "same object, oldest" writes the file whose event is at the
 *   head, N events back; "new object" writes files with no unread event (each
 *   is queued).
 *
 * Merging cases keep the depth fixed (N + 1) and are read back after the
 * timed writes; queueing cases write rounds of 1,024 events and, untimed,
 * read 1,024 from the head after each round, so the depth stays between N and
 * N + 1,024. Every event offered is accounted for by what is read back. The
 * depths of one case are measured interleaved (one pass of each in turn), each
 * pass on a fresh listener whose queue is filled untimed.
 */
import { performance } from 'node:perf_hooks';
import type { Fanotify } from '../../src/fanotify/index.js';
import { FAN_EVENT_ON_CHILD, FAN_MARK_ADD, FAN_MODIFY, FAN_REPORT_FID } from '../../src/fanotify/index.js';
import type { Inotify } from '../../src/inotify/index.js';
import { IN_MODIFY } from '../../src/inotify/index.js';
import { expectCount, int, repeatInterleaved, timeIt } from './harness.js';
import type { World } from './world.js';
import { drainFanotify, drainInotify, FILES, newFanotify, newInotify, world } from './world.js';

type Case = 'tail' | 'oldest' | 'queued';
type Front = 'inotify' | 'fanotify-fd' | 'fanotify-fid';

interface Listener {
  write(i: number): void;
  drain(max?: number): number;
  close(): void;
}

function listener(w: World, front: Front): Listener {
  const buf = Buffer.from('x');
  const write = (i: number): void => void w.writer.write(w.fds[i]!, buf);
  if (front === 'inotify') {
    const ino: Inotify = newInotify(w.fs);
    ino.addWatch('/d', IN_MODIFY);
    return { write, drain: (max) => drainInotify(ino, max), close: () => ino.close() };
  }
  const fan: Fanotify = newFanotify(w.fs, front === 'fanotify-fid' ? FAN_REPORT_FID : 0);
  fan.mark(FAN_MARK_ADD, FAN_MODIFY | FAN_EVENT_ON_CHILD, '/d');
  return { write, drain: (max) => drainFanotify(w.fs, fan, max), close: () => fan.close() };
}

/**
 * One pass at `depth` unread events: a fresh listener, the queue filled
 * (untimed), `ops` events offered (timed), everything read back and counted,
 * the listener closed. File 0 is the merge target; files 1…depth fill the queue.
 */
function depthPass(w: World, front: Front, kind: Case, depth: number, ops: number): { seconds: number } {
  const l = listener(w, front);
  let seconds = 0;
  if (kind === 'queued') {
    // The files are written in turn, at every depth over the same pool of
    // (largest depth + FILES) files: a file written now has no unread event
    // left (fanotify cannot merge), consecutive writes name different files
    // (inotify cannot merge), and only the depth changes between columns.
    const pool = w.fds.length;
    const rounds = ops / FILES;
    let c = 0;
    for (; c < depth; c++) l.write(c % pool);
    let read = 0;
    for (let round = 0; round < rounds; round++) {
      const t0 = performance.now();
      for (let j = 0; j < FILES; j++, c++) l.write(c % pool);
      seconds += (performance.now() - t0) / 1000;
      read += l.drain(FILES);
    }
    read += l.drain();
    expectCount(`${front} queued at depth ${depth}`, read, depth + ops);
  } else {
    if (kind === 'oldest') l.write(0);
    for (let i = 1; i <= depth; i++) l.write(i);
    if (kind === 'tail') l.write(0);
    seconds = timeIt(() => {
      for (let i = 0; i < ops; i++) l.write(0);
    });
    expectCount(`${front} ${kind} at depth ${depth}`, l.drain(), depth + 1);
  }
  l.close();
  return { seconds };
}

const CASES: readonly { front: Front; kind: Case; label: string }[] = [
  { front: 'inotify', kind: 'tail', label: 'inotify: same as the last queued (merged into the tail)' },
  { front: 'inotify', kind: 'queued', label: 'inotify: differs from the last (queued)' },
  { front: 'fanotify-fd', kind: 'tail', label: 'fanotify descriptor mode: same object as the newest (merged)' },
  { front: 'fanotify-fd', kind: 'oldest', label: 'fanotify descriptor mode: same object as the oldest, N back (merged)' },
  { front: 'fanotify-fd', kind: 'queued', label: 'fanotify descriptor mode: new object (queued)' },
  { front: 'fanotify-fid', kind: 'tail', label: 'fanotify FAN_REPORT_FID: same object as the newest (merged)' },
  { front: 'fanotify-fid', kind: 'oldest', label: 'fanotify FAN_REPORT_FID: same object as the oldest, N back (merged)' },
  { front: 'fanotify-fid', kind: 'queued', label: 'fanotify FAN_REPORT_FID: new object (queued)' },
];

/** The table: one row per case, one column per depth (measured interleaved), and the deepest against the shallowest. */
export function mergeTable(depths: readonly number[], ops: number): string[] {
  const w = world(Math.max(...depths) + FILES);
  ops = Math.ceil(ops / FILES) * FILES;
  const lines = [
    `| events offered to one group with N unread events queued (events/s) | ${depths.map((d) => `N = ${int(d)}`).join(' | ')} | N = ${int(depths[depths.length - 1]!)} vs N = ${int(depths[0]!)} |`,
    `| --- | ${depths.map(() => '---:').join(' | ')} | ---: |`,
  ];
  for (const c of CASES) {
    const rates = repeatInterleaved(depths.map((d) => () => depthPass(w, c.front, c.kind, d, ops))).map((r) => ops / r.seconds);
    lines.push(`| ${c.label} | ${rates.map(int).join(' | ')} | ${(rates[rates.length - 1]! / rates[0]!).toFixed(2)} |`);
  }
  return lines;
}
