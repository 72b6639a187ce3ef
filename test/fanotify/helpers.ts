/**
 * Helpers for the fanotify tests: a fresh in-memory filesystem with a few
 * files, and compact renderings of events (mask names, descriptor path,
 * info records resolved to paths) so expectations read like the kernel's.
 */
import type { FanotifyEvent, FanotifyFidInfo } from '../../src/fanotify/index.js';
import { fanotifyMaskToNames } from '../../src/fanotify/index.js';
import type { VfsProcess } from '../../src/vfs/index.js';
import { createVfs, O_CREAT, O_WRONLY } from '../../src/vfs/index.js';

/** A root process with /d, /d/f ("hello"), /d/s/ and /g. */
export function world(): VfsProcess {
  const p = createVfs();
  p.mkdir('/d');
  const fd = p.open('/d/f', O_CREAT | O_WRONLY);
  p.write(fd, 'hello');
  p.close(fd);
  p.mkdir('/d/s');
  p.close(p.open('/g', O_CREAT | O_WRONLY));
  return p;
}

/** `FAN_OPEN|FAN_CLOSE_NOWRITE /d/f` (descriptor closed) or `FAN_CREATE [2 /d "x"]` (handles resolved). */
export function show(p: VfsProcess, events: readonly FanotifyEvent[]): string[] {
  return events.map((e) => {
    let s = fanotifyMaskToNames(e.mask);
    if (e.fd >= 0) {
      s += ' ' + p.fdPath(e.fd);
      p.close(e.fd);
    } else if (e.fd !== -1) s += ` fd=${e.fd}`;
    for (const i of e.info) {
      if (!('handle' in i)) continue;
      const fid = i as FanotifyFidInfo;
      let where: string;
      try {
        const fd = p.openByHandleAt('/', fid.handle);
        where = p.fdPath(fd);
        p.close(fd);
      } catch (err) {
        where = '!' + (err as { code: string }).code;
      }
      s += ` [${fid.type} ${where}${fid.name !== null ? ' ' + JSON.stringify(fid.name) : ''}]`;
    }
    return s;
  });
}

/** Read everything queued (nothing → []). */
export function drain(fan: { read(): FanotifyEvent[] }): FanotifyEvent[] {
  try {
    return fan.read();
  } catch (e) {
    if ((e as { code?: string }).code === 'EAGAIN') return [];
    throw e;
  }
}
