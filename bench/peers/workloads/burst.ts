/**
 * Bursts beyond the kernel queue: a large op mix while the watcher runs,
 * or while its whole process tree is SIGSTOPped (so the inotify queue
 * overflows for everyone alike and only what the watcher does about
 * IN_Q_OVERFLOW counts). At the end the watcher's view of the tree —
 * dumped by stateful drivers, replayed from typed events otherwise — is
 * compared with the disk.
 */
import { join } from 'node:path';
import { nowMs } from '../clock.js';
import { describeMix, listTree, makeTree, operationCount, runOps, type Mix } from '../generator.js';
import { maxQueuedEvents, signalAll } from '../proc.js';
import { compareView, ReplayView } from '../view.js';
import { Coverage } from './loss.js';
import { int, withSession, type Workload } from './workload.js';

const VIEW_HELP =
  '"dump" = what the watcher itself reports as existing (stateful watchers), "replay" = the pre-tree with ' +
  'the emitted add/remove events applied (what a consumer of a typed event stream would believe), "none" = ' +
  "events cannot be replayed (fs.watch only says rename/change). missing = on disk but not in the view; " +
  'extra = in the view but gone.';

export function burstWorkload(name: string, mix: Mix, stalled: boolean): Workload {
  const operations = operationCount(mix);
  const how = stalled
    ? 'The driver and its descendants (and helper server) get SIGSTOP before the first operation and SIGCONT ' +
      'after the last, so the kernel queue overflows for every watcher alike. "recovery" = from SIGCONT to ' +
      'the last line the driver printed.'
    : '"last event" = from the first operation to the last line the driver printed.';
  return {
    name,
    title: stalled
      ? `Burst with the watcher stalled: ${int(operations)} operations while its processes are stopped (max_queued_events = ${maxQueuedEvents()})`
      : `Burst beyond the kernel queue: ${int(operations)} operations in one go, watcher running (max_queued_events = ${maxQueuedEvents()})`,
    description:
      `Mix: ${describeMix(mix)}. ${how} After the generator ends the harness waits for the driver to stay ` +
      `quiet (no line, under 8 % CPU), then lists the tree and compares it with the watcher's view: ${VIEW_HELP}`,
    columns: [
      { key: 'overflow', label: 'overflow signalled', kind: 'flag' },
      { key: 'lost', label: 'lost paths', kind: 'int', better: 'lower' },
      { key: 'lostKinds', label: 'lost by kind (mean)', kind: 'kinds' },
      { key: 'events', label: 'events', kind: 'int' },
      { key: 'view', label: 'view', kind: 'text' },
      { key: 'missing', label: 'missing', kind: 'int', better: 'lower' },
      { key: 'extra', label: 'extra', kind: 'int', better: 'lower' },
      stalled
        ? { key: 'settle', label: 'recovery (s)', kind: 'num', digits: 2, better: 'lower' }
        : { key: 'settle', label: 'last event (s)', kind: 'num', digits: 2, better: 'lower' },
      { key: 'cpu', label: 'CPU (s)', kind: 'num', digits: 2, better: 'lower' },
      { key: 'rss', label: 'peak RSS (MiB)', kind: 'num', digits: 1, better: 'lower' },
    ],
    correctness: ['missing', 'extra'],
    run: async (driver, context, rep) => {
      const { sizes } = context.options;
      const { gen } = context.native;
      const run = context.scratch.newRun(`${name}-${driver.name}`);
      try {
        makeTree(gen, run.root, mix.dirs, mix.filesPerDir);
        const replay = driver.view === 'replay' ? new ReplayView(listTree(gen, run.root, join(run.meta, 'pre.txt'))) : undefined;
        return await withSession(driver, run.root, context, async (session) => {
          const coverage = new Coverage();
          session.onEvent = (type, path, oldPath, atMs) => {
            coverage.note(path, oldPath, atMs);
            replay?.apply(type, path, oldPath);
          };
          const cpu0 = session.cpuSeconds();
          const events0 = session.events;
          session.deferParsing();
          const stoppedPids = stalled ? await session.stopTree() : [];
          const ops = await runOps(gen, run.root, run.meta, { ...mix, seed: mix.seed + rep }, sizes.burstCapMs).finally(() =>
            signalAll(stoppedPids, 'SIGCONT'),
          );
          const resumedMs = stalled ? nowMs() : ops.startMs;
          const notes: string[] = [];
          const quiet = await session.waitQuiet(stalled ? resumedMs : ops.endMs, sizes.burstQuietMs, sizes.burstCapMs);
          if (quiet.timedOut) notes.push(`still printing ${sizes.burstCapMs / 1000} s after the generator ended; cut off`);
          session.catchUp();
          const cpu = session.cpuSeconds() - cpu0;
          const rss = session.peakRssMiB();
          const disk = listTree(gen, run.root, join(run.meta, 'disk.txt'));
          if (disk.length !== ops.expected.length) notes.push(`generator model says ${ops.expected.length} paths, disk has ${disk.length}`);
          const view = driver.view === 'dump' ? await session.requestView(sizes.burstCapMs) : replay?.paths();
          const diff = view ? compareView(view, disk) : undefined;
          const { lost, lostKinds } = coverage.against(ops.touched);
          const values = {
            overflow: session.overflows > 0,
            lost,
            lostKinds,
            events: session.events - events0,
            view: driver.view,
            missing: diff?.missing ?? null,
            extra: diff?.extra ?? null,
            settle: session.lastEventMs > resumedMs ? (session.lastEventMs - resumedMs) / 1000 : 0,
            cpu,
            rss,
          };
          return { values, notes: [...session.notes, ...notes] };
        });
      } finally {
        context.scratch.removeRun(run);
      }
    },
  };
}
