/**
 * Command line and sizes. Full sizes are PEERS.md's; `--quick` shrinks
 * every workload about tenfold and runs one repetition.
 *
 *   --quick  --reps=N  --only=a,b  --workloads=a,b  --out FILE  --help
 */
import { mixOf, type Mix } from './generator.js';

export interface Sizes {
  startupSmall: [dirs: number, files: number];
  startupBig: [dirs: number, files: number];
  idleTree: [dirs: number, files: number];
  idleMs: number;
  throughputSmall: Mix;
  throughputBig: Mix;
  latencyTree: [dirs: number, files: number];
  latencyWrites: number;
  latencyGapMs: number;
  latencyMissMs: number;
  burst: Mix;
  /** No line for this long after the generator ends = the driver is done. */
  quietMs: number;
  burstQuietMs: number;
  readyTimeoutMs: number;
  /** Caps on waiting for quiet, so a slow driver is reported, never waited on forever. */
  throughputCapMs: number;
  burstCapMs: number;
}

export interface Options {
  quick: boolean;
  reps: number;
  only: string[] | undefined;
  workloads: string[] | undefined;
  out: string | undefined;
  help: boolean;
  sizes: Sizes;
}

const THROUGHPUT_SHARES = { creates: 0.25, writes: 0.2, renames: 0.15, unlinks: 0.15, newDirs: 0.05 };
const BURST_SHARES = { creates: 0.4, writes: 0.1, renames: 0.1, unlinks: 0.1, newDirs: 0.06 };

function sizes(quick: boolean): Sizes {
  const scale = quick ? 10 : 1;
  return {
    startupSmall: [1000 / scale, 10],
    startupBig: [10_000 / scale, 10],
    idleTree: [10_000 / scale, 10],
    idleMs: quick ? 2000 : 10_000,
    throughputSmall: mixOf(10_000 / scale, THROUGHPUT_SHARES, 1),
    throughputBig: mixOf(100_000 / scale, THROUGHPUT_SHARES, 2),
    latencyTree: [1000 / scale, 10],
    latencyWrites: quick ? 50 : 200,
    latencyGapMs: 20,
    latencyMissMs: 3000,
    burst: mixOf(200_000 / scale, BURST_SHARES, 3),
    quietMs: quick ? 1000 : 2000,
    burstQuietMs: quick ? 3000 : 5000,
    readyTimeoutMs: 120_000,
    throughputCapMs: quick ? 60_000 : 180_000,
    burstCapMs: quick ? 120_000 : 300_000,
  };
}

export const USAGE = `usage: node dist/bench/peers/run.js [--quick] [--reps=N] [--only=a,b] [--workloads=a,b] [--out FILE]

  --quick         small sizes (about a tenth) and 1 repetition
  --reps=N        repetitions per driver and workload (default 3; 1 with --quick)
  --only=a,b      drivers: rawinotify inotifywait parcel parcel-watchman watchman
                  chokidar fswatch tsnotify tsnotify-fanotify
  --workloads=a,b startup-small startup-big idle throughput-small throughput-big
                  latency burst stalled (a prefix such as "startup" selects both)
  --out FILE      also write the markdown report to FILE`;

const list = (text: string): string[] => text.split(',').map((s) => s.trim()).filter(Boolean);

export function parseOptions(argv: readonly string[]): Options {
  let quick = false;
  let reps: number | undefined;
  let only: string[] | undefined;
  let workloads: string[] | undefined;
  let out: string | undefined;
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [name, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${name} needs a value`);
      return v;
    };
    if (name === '--quick') quick = true;
    else if (name === '--reps') reps = Number(value());
    else if (name === '--only') only = list(value());
    else if (name === '--workloads') workloads = list(value());
    else if (name === '--out') out = value();
    else if (name === '--help' || name === '-h') help = true;
    else throw new Error(`unknown argument ${arg}`);
  }
  if (reps !== undefined && !(Number.isInteger(reps) && reps > 0)) throw new Error('--reps needs a positive integer');
  return { quick, reps: reps ?? (quick ? 1 : 3), only, workloads, out, help, sizes: sizes(quick) };
}
