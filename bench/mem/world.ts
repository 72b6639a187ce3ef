/**
 * The in-memory setup the fanotify, marks and merge benchmarks share: one
 * directory of files held open for writing, and readers that drain an
 * inotify instance or a fanotify group through its read API (closing the
 * descriptors fanotify opens in descriptor mode).
 */
import type { Fanotify } from '../../src/fanotify/index.js';
import { FAN_CLASS_NOTIF, FAN_NONBLOCK, fanotifyInit } from '../../src/fanotify/index.js';
import type { Inotify } from '../../src/inotify/index.js';
import { IN_NONBLOCK, inotifyInit } from '../../src/inotify/index.js';
import type { VfsProcess } from '../../src/vfs/index.js';
import { createVfs, O_CREAT, O_RDWR } from '../../src/vfs/index.js';
import { sink } from './harness.js';

/** Files written in turn; a power of two so `i & (FILES - 1)` picks one. Also the ops between two drains. */
export const FILES = 1024;

/** Queue limit of every benchmark group: far above what any pass leaves unread, so nothing overflows. */
export const BIG_QUEUE = 1 << 22;

export interface World {
  /** The listener's process: groups are created here and fanotify opens its event descriptors here. */
  fs: VfsProcess;
  /** Another root process on the same filesystem, the one that writes. */
  writer: VfsProcess;
  /** The writer's open (O_RDWR) descriptors of /d/f0 … /d/f<count-1>. */
  fds: number[];
}

/**
 * /d holding `count` files, each held open for writing by a writer process.
 * The listener is another process, whose descriptor table holds only the
 * event descriptors being read: the VFS finds the lowest free descriptor by
 * scanning the table from 3, so a listener that also held the files open
 * would pay for each of them on every event descriptor.
 */
export function world(count: number): World {
  const fs = createVfs();
  fs.mkdir('/d');
  const writer = fs.spawn();
  const fds: number[] = [];
  for (let i = 0; i < count; i++) fds.push(writer.open(`/d/f${i}`, O_CREAT | O_RDWR));
  return { fs, writer, fds };
}

export function newInotify(fs: VfsProcess): Inotify {
  return inotifyInit({ source: fs, flags: IN_NONBLOCK, maxQueuedEvents: BIG_QUEUE });
}

/** A notification-class group, descriptor mode unless `extraFlags` asks for file handles. */
export function newFanotify(fs: VfsProcess, extraFlags = 0): Fanotify {
  return fanotifyInit({ source: fs, flags: FAN_CLASS_NOTIF | FAN_NONBLOCK | extraFlags, maxQueuedEvents: BIG_QUEUE });
}

const isEagain = (e: unknown): boolean => (e as { code?: unknown }).code === 'EAGAIN';

/** Read up to `max` events from an inotify instance (all by default); returns how many. */
export function drainInotify(ino: Inotify, max = Infinity): number {
  let events;
  try {
    events = ino.read(max);
  } catch (e) {
    if (isEagain(e)) return 0;
    throw e;
  }
  for (const e of events) sink.value += e.mask & 1;
  return events.length;
}

/**
 * Events per fanotify read(): between what a 4 KiB buffer holds in FID mode
 * (~70) and in descriptor mode (~170); each event's descriptor is closed
 * before the next read.
 */
const FAN_BATCH = 128;

/** Read up to `max` events from a fanotify group (all by default), closing their descriptors; returns how many. */
export function drainFanotify(fs: VfsProcess, fan: Fanotify, max = Infinity): number {
  let n = 0;
  while (n < max) {
    const want = Math.min(FAN_BATCH, max - n);
    let events;
    try {
      events = fan.read(want);
    } catch (e) {
      if (isEagain(e)) break;
      throw e;
    }
    for (const e of events) {
      sink.value += e.mask & 1;
      if (e.fd >= 0) fs.close(e.fd);
    }
    n += events.length;
    if (events.length < want) break;
  }
  return n;
}
