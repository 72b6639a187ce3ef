/**
 * Startup and idle on a prepared tree of DIRS × FILES: time from spawn to
 * READY, CPU of the driver tree up to READY, peak RSS at READY, and the
 * inotify watches / fanotify marks held just after; idle measures the CPU
 * the tree spends over a quiet window after READY.
 */
import { sleep } from '../clock.js';
import { makeTree } from '../generator.js';
import { notifyMarks } from '../proc.js';
import { int, SharedTree, withSession, type Workload } from './workload.js';

export function startupWorkload(name: string, size: string, dirs: number, files: number): Workload {
  const tree = new SharedTree(name, dirs, files);
  return {
    name,
    title: `Startup, ${size} tree: ${int(dirs)} dirs × ${files} files = ${int(dirs * files)} files`,
    description:
      'Time from spawn to READY; CPU time (user+sys) of the driver and its descendants (and helper server) ' +
      'up to READY; their peak RSS (sum of VmHWM) at READY; inotify watches and fanotify marks they hold ' +
      'just after READY (from /proc/PID/fdinfo). median (min–max) over the repetitions.',
    columns: [
      { key: 'ready', label: 'ready (s)', kind: 'num', digits: 3, better: 'lower' },
      { key: 'cpu', label: 'CPU to ready (s)', kind: 'num', digits: 2, better: 'lower' },
      { key: 'rss', label: 'peak RSS (MiB)', kind: 'num', digits: 1, better: 'lower' },
      { key: 'watches', label: 'inotify watches', kind: 'int' },
      { key: 'marks', label: 'fanotify marks', kind: 'int' },
    ],
    prepare: (context) => tree.build(context, (root, d, f) => makeTree(context.native.gen, root, d, f)),
    dispose: (context) => tree.remove(context),
    run: (driver, context) =>
      withSession(driver, tree.root, context, async (session, ready) => {
        const pids = session.pids();
        // Helpers (a watchman server) started before the spawn: count only what they spent since.
        const cpu = session.cpuSeconds() - session.helperCpuAtSpawn;
        const marks = notifyMarks(pids);
        const values = { ready, cpu, rss: session.peakRssMiB(), watches: marks.inotify, marks: marks.fanotify };
        return { values, notes: session.notes };
      }),
  };
}

export function idleWorkload(dirs: number, files: number, idleMs: number): Workload {
  const tree = new SharedTree('idle', dirs, files);
  return {
    name: 'idle',
    title: `Idle: ${idleMs / 1000} s after READY, tree of ${int(dirs * files)} files`,
    description:
      'CPU time of the driver tree over the idle window (10 ms resolution), events it printed meanwhile, ' +
      'and peak RSS at the end.',
    columns: [
      { key: 'cpuMs', label: 'CPU (ms)', kind: 'int', better: 'lower' },
      { key: 'cpuPct', label: 'CPU %', kind: 'num', digits: 2 },
      { key: 'events', label: 'events', kind: 'int' },
      { key: 'rss', label: 'peak RSS (MiB)', kind: 'num', digits: 1, better: 'lower' },
    ],
    prepare: (context) => tree.build(context, (root, d, f) => makeTree(context.native.gen, root, d, f)),
    dispose: (context) => tree.remove(context),
    run: (driver, context) =>
      withSession(driver, tree.root, context, async (session) => {
        const cpu0 = session.cpuSeconds();
        const events0 = session.events;
        await sleep(idleMs);
        const cpuMs = (session.cpuSeconds() - cpu0) * 1000;
        const values = { cpuMs, cpuPct: (cpuMs / idleMs) * 100, events: session.events - events0, rss: session.peakRssMiB() };
        return { values, notes: session.notes };
      }),
  };
}
