/**
 * Latency: single appends to distinct existing files, a fixed gap apart,
 * each timed from just before the write to the arrival of the first line
 * naming that file.
 */
import { appendFileSync } from 'node:fs';
import { nowMs, sleep, until } from '../clock.js';
import { makeTree } from '../generator.js';
import { median } from '../table.js';
import { int, SharedTree, withSession, type Workload } from './workload.js';

/** Coprime with every tree size used here (powers of ten), so the files differ. */
const STRIDE = 7919;

function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}

export function latencyWorkload(dirs: number, files: number, writes: number, gapMs: number, missMs: number): Workload {
  const tree = new SharedTree('latency', dirs, files);
  const total = dirs * files;
  const fileAt = (root: string, i: number): string => {
    const index = (i * STRIDE) % total;
    const pad = (n: number, width: number): string => String(n).padStart(width, '0');
    return `${root}/d${pad(Math.floor(index / files), 5)}/f${pad(index % files, 3)}`;
  };
  return {
    name: 'latency',
    title: `Latency: ${writes} single writes, ${gapMs} ms apart, tree of ${int(total)} files`,
    description:
      'Per write (append + close of an existing file, each write a different file): time from just before ' +
      'the write to the arrival of the first line naming that file. Median and p99 per repetition, then ' +
      `median (min–max) of those over the repetitions. "missed" = writes with no line within ${missMs / 1000} s.`,
    columns: [
      { key: 'median', label: 'median (ms)', kind: 'num', digits: 2, better: 'lower' },
      { key: 'p99', label: 'p99 (ms)', kind: 'num', digits: 2, better: 'lower' },
      { key: 'max', label: 'max (ms)', kind: 'num', digits: 1 },
      { key: 'missed', label: 'missed', kind: 'int', better: 'lower' },
    ],
    correctness: ['missed'],
    prepare: (context) => tree.build(context, (root, d, f) => makeTree(context.native.gen, root, d, f)),
    dispose: (context) => tree.remove(context),
    run: (driver, context) =>
      withSession(driver, tree.root, context, async (session) => {
        await sleep(300);
        const pending = new Map<string, number>();
        const latencies: number[] = [];
        session.onEvent = (_type, path, _oldPath, atMs) => {
          const start = pending.get(path);
          if (start === undefined) return;
          pending.delete(path);
          if (atMs - start <= missMs) latencies.push(atMs - start);
        };
        let lastWriteMs = 0;
        for (let i = 0; i < writes; i++) {
          const path = fileAt(tree.root, i);
          lastWriteMs = nowMs();
          pending.set(path, lastWriteMs);
          appendFileSync(path, 'x');
          await sleep(gapMs);
        }
        await until(() => pending.size === 0, Math.max(0, lastWriteMs + missMs - nowMs()));
        latencies.sort((a, b) => a - b);
        const values = {
          median: latencies.length ? median(latencies) : null,
          p99: percentile(latencies, 99),
          max: latencies.at(-1) ?? null,
          missed: writes - latencies.length,
        };
        return { values, notes: session.notes };
      }),
  };
}
