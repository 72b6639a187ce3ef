/**
 * Events per second through fanotify groups on the VFS.
 *
 * Each group is a notification-class group with three marks, all FAN_MODIFY:
 * an inode mark on /d with FAN_EVENT_ON_CHILD, a mount mark and a filesystem
 * mark, so every write to a file in /d makes the core collect three marks of
 * the group (parent, mount, sb) and the group queue one record. The writes go
 * to the 1,024 files of /d in turn and every group is drained after each
 * round of 1,024, so no record ever merges (fanotify merges any unread event
 * of the same object): one write = one event read per group. Reading is part
 * of the timed work: read() builds the event and, in descriptor mode, opens
 * a descriptor the reader then closes; in FID mode it carries a file handle.
 */
import { FAN_EVENT_ON_CHILD, FAN_MARK_ADD, FAN_MARK_FILESYSTEM, FAN_MARK_MOUNT, FAN_MODIFY, FAN_REPORT_FID } from '../../src/fanotify/index.js';
import type { Fanotify } from '../../src/fanotify/index.js';
import type { Row } from './harness.js';
import { expectCount, repeat, timeIt } from './harness.js';
import { drainFanotify, FILES, newFanotify, world } from './world.js';

export type FanotifyMode = 'fd' | 'fid';

/** Writes to FILES files with `groups` groups listening; returns the write row and the events row. */
export function fanotifyThroughput(groups: number, mode: FanotifyMode, ops: number): Row[] {
  const { fs, writer, fds } = world(FILES);
  const fans: Fanotify[] = [];
  for (let g = 0; g < groups; g++) {
    const fan = newFanotify(fs, mode === 'fid' ? FAN_REPORT_FID : 0);
    fan.mark(FAN_MARK_ADD, FAN_MODIFY | FAN_EVENT_ON_CHILD, '/d');
    fan.mark(FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_MODIFY, '/d');
    fan.mark(FAN_MARK_ADD | FAN_MARK_FILESYSTEM, FAN_MODIFY, '/d');
    fans.push(fan);
  }
  const buf = Buffer.from('x');
  const r = repeat(() => {
    let events = 0;
    const seconds = timeIt(() => {
      for (let i = 0; i < ops; i++) {
        writer.write(fds[i & (FILES - 1)]!, buf);
        if ((i & (FILES - 1)) === FILES - 1) for (const fan of fans) events += drainFanotify(fs, fan);
      }
      for (const fan of fans) events += drainFanotify(fs, fan);
    });
    expectCount(`fanotify ${mode} ${groups} group(s)`, events, ops * groups);
    return { seconds, events };
  });
  for (const fan of fans) fan.close();
  const what = mode === 'fd' ? 'descriptor mode' : 'FAN_REPORT_FID';
  if (groups === 0) return [{ name: `fanotify: write to ${FILES.toLocaleString('en-US')} files in turn, no group`, ops, seconds: r.seconds }];
  return [
    { name: `fanotify ${what}: write → events read, ${groups} group(s), inode (dir) + mount + fs mark each`, ops, seconds: r.seconds },
    { name: `  events read through ${groups} ${what} group(s)`, ops: r.events, seconds: r.seconds },
  ];
}
