/**
 * The queued records (struct fanotify_event and its variants) as the handler
 * builds them: every kind — path, FID, name, overflow — carries the same
 * fields in the same order (one shape, built by newRecord), with the fields
 * a kind does not use null or false. The records are looked at in the queue
 * of a group driven by the core directly, before read() turns them into
 * events.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { attachMark, FS_EVENT_ON_CHILD, FS_MODIFY, FS_Q_OVERFLOW, Mark } from '../../src/core/index.js';
import { FAN_CLASS_NOTIF, FAN_REPORT_DFID_NAME, FAN_REPORT_FID } from '../../src/fanotify/index.js';
import type { FanotifyMarkPriv, FanotifyRecord } from '../../src/fanotify/ops.js';
import { FanotifyGroup, newRecord } from '../../src/fanotify/ops.js';
import type { VfsProcess } from '../../src/vfs/index.js';
import { O_CREAT, O_WRONLY } from '../../src/vfs/index.js';
import { world } from './helpers.js';

const FIELDS = Object.keys(newRecord('overflow', FS_Q_OVERFLOW, 0, null, null));

/** A group whose one mark on /d wants its children's writes. */
function markedGroup(p: VfsProcess, flags: number, maxEvents = 100): FanotifyGroup {
  const group = new FanotifyGroup({ source: p, flags: FAN_CLASS_NOTIF | flags, eventFFlags: 0, maxEvents, unprivileged: false });
  const d = p.lookup('/d', { follow: true, directory: true, syscall: 'test' }).dentry.inode;
  const mark = new Mark<FanotifyMarkPriv>(group, { fsid: flags ? d.sb.fsid! : null, charged: false });
  mark.mask = FS_MODIFY | FS_EVENT_ON_CHILD;
  attachMark(mark, d);
  return group;
}

function write(p: VfsProcess, path: string): void {
  const fd = p.open(path, O_CREAT | O_WRONLY);
  p.write(fd, 'x');
  p.close(fd);
}

/** The records queued after one write to /d/f. */
function recordsAfterWrite(flags: number): FanotifyRecord[] {
  const p = world();
  const group = markedGroup(p, flags);
  write(p, '/d/f');
  return [...group.queue];
}

describe('queued records', () => {
  test('newRecord fills what it is not given with null and false', () => {
    const r = newRecord('fid', FS_MODIFY, 7, 'k', null, { objectFh: { type: 1, bytes: new Uint8Array([1]) }, hasObjectFh: true });
    assert.deepEqual(Object.keys(r), FIELDS);
    assert.equal(r.kind, 'fid');
    assert.equal(r.mask, FS_MODIFY);
    assert.equal(r.pid, 7);
    assert.equal(r.key, 'k');
    assert.equal(r.hasObjectFh, true);
    assert.deepEqual(
      [r.path, r.fsid, r.dirFh, r.hasDirFh, r.name, r.dir2Fh, r.hasDir2Fh, r.name2, r.perm],
      [null, null, null, false, null, null, false, null, null],
    );
  });

  test('a descriptor-mode record holds the path and no handle', () => {
    const [r, ...rest] = recordsAfterWrite(0);
    assert.equal(rest.length, 0, 'the write is one event');
    assert.deepEqual(Object.keys(r!), FIELDS);
    assert.equal(r!.kind, 'path');
    assert.equal(r!.path?.dentry.name, 'f');
    assert.ok(r!.key);
    assert.deepEqual([r!.objectFh, r!.hasObjectFh, r!.dirFh, r!.hasDirFh, r!.name], [null, false, null, false, null]);
  });

  test('a FAN_REPORT_FID record holds the object handle and no path', () => {
    const [r] = recordsAfterWrite(FAN_REPORT_FID);
    assert.deepEqual(Object.keys(r!), FIELDS);
    assert.equal(r!.kind, 'fid');
    assert.equal(r!.path, null);
    assert.ok(r!.objectFh);
    assert.equal(r!.hasObjectFh, true);
    assert.deepEqual([r!.dirFh, r!.hasDirFh, r!.name], [null, false, null]);
  });

  test('a FAN_REPORT_DFID_NAME record holds the directory handle and the name', () => {
    const [r] = recordsAfterWrite(FAN_REPORT_DFID_NAME);
    assert.deepEqual(Object.keys(r!), FIELDS);
    assert.equal(r!.kind, 'name');
    assert.ok(r!.dirFh);
    assert.equal(r!.hasDirFh, true);
    assert.equal(r!.name, 'f');
    assert.deepEqual([r!.path, r!.objectFh, r!.hasObjectFh, r!.dir2Fh, r!.hasDir2Fh, r!.name2], [null, null, false, null, false, null]);
  });

  test('a second write to the file merges; on a full queue the overflow record comes instead, even for that file', () => {
    const p = world();
    const group = markedGroup(p, 0, 2);
    write(p, '/d/f');
    write(p, '/d/f');
    assert.equal(group.queue.length, 1);
    write(p, '/d/h');
    write(p, '/d/f');
    const records = [...group.queue];
    assert.deepEqual(
      records.map((r) => r.kind),
      ['path', 'path', 'overflow'],
    );
    assert.equal(records[2]!.mask, FS_Q_OVERFLOW);
    assert.deepEqual(Object.keys(records[2]!), FIELDS);
  });
});
