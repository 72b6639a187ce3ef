/**
 * Throughput and loss: the generator runs an op mix on a fresh pre-tree
 * while the driver watches; "all reported" is the time from the first
 * operation until every touched path had been named by some event.
 */
import { describeMix, makeTree, operationCount, runOps, type Mix } from '../generator.js';
import { Coverage } from './loss.js';
import { int, withSession, type Workload } from './workload.js';

export function throughputWorkload(name: string, mix: Mix): Workload {
  const operations = operationCount(mix);
  return {
    name,
    title: `Throughput and loss: ${int(operations)} operations`,
    description:
      `Mix: ${describeMix(mix)}. "all reported" runs from the first operation to the arrival of the last ` +
      'touched path (– when some never came: then "last event" is the arrival of the last line). "lost" = ' +
      'touched paths never named by any event. CPU and peak RSS of the driver tree from READY to the end. ' +
      'The run ends when the driver stays quiet (no line, under 8 % CPU) after the generator finished.',
    columns: [
      { key: 'allReported', label: 'all reported (s)', kind: 'num', digits: 3, better: 'lower' },
      { key: 'lastEvent', label: 'last event (s)', kind: 'num', digits: 3 },
      { key: 'pathsPerSecond', label: 'paths/s', kind: 'int', better: 'higher' },
      { key: 'lost', label: 'lost', kind: 'int', better: 'lower' },
      { key: 'lostKinds', label: 'lost by kind (mean)', kind: 'kinds' },
      { key: 'events', label: 'events', kind: 'int' },
      { key: 'overflow', label: 'overflow signalled', kind: 'flag' },
      { key: 'cpu', label: 'CPU (s)', kind: 'num', digits: 2, better: 'lower' },
      { key: 'rss', label: 'peak RSS (MiB)', kind: 'num', digits: 1, better: 'lower' },
      { key: 'generator', label: 'generator (s)', kind: 'num', digits: 3 },
    ],
    correctness: ['lost'],
    run: async (driver, context, rep) => {
      const { sizes } = context.options;
      const run = context.scratch.newRun(`${name}-${driver.name}`);
      try {
        makeTree(context.native.gen, run.root, mix.dirs, mix.filesPerDir);
        return await withSession(driver, run.root, context, async (session) => {
          const coverage = new Coverage();
          session.onEvent = (_type, path, oldPath, atMs) => coverage.note(path, oldPath, atMs);
          const cpu0 = session.cpuSeconds();
          const events0 = session.events;
          session.deferParsing();
          const ops = await runOps(context.native.gen, run.root, run.meta, { ...mix, seed: mix.seed + rep }, sizes.throughputCapMs);
          const quiet = await session.waitQuiet(ops.endMs, sizes.quietMs, sizes.throughputCapMs);
          session.catchUp();
          const cpu = session.cpuSeconds() - cpu0;
          const { lost, lostKinds, lastSeenMs } = coverage.against(ops.touched);
          const allReported = lost === 0 ? (lastSeenMs - ops.startMs) / 1000 : null;
          const notes: string[] = [];
          if (quiet.timedOut) notes.push(`still printing ${sizes.throughputCapMs / 1000} s after the generator ended; cut off`);
          const values = {
            allReported,
            lastEvent: session.lastEventMs > 0 ? (session.lastEventMs - ops.startMs) / 1000 : null,
            pathsPerSecond: allReported ? ops.touched.size / allReported : null,
            lost,
            lostKinds,
            events: session.events - events0,
            overflow: session.overflows > 0,
            cpu,
            rss: session.peakRssMiB(),
            generator: (ops.endMs - ops.startMs) / 1000,
          };
          return { values, notes: [...session.notes, ...notes] };
        });
      } finally {
        context.scratch.removeRun(run);
      }
    },
  };
}
