/**
 * The side-by-side peer benchmark: every watcher in its own process, the
 * same workloads on a scratch tmpfs, markdown tables shaped like
 * shared/PEERS.md on stdout (and in --out FILE). See README.md beside this
 * file for the driver protocol and the workloads.
 *
 *   npm run build && node dist/bench/peers/run.js [--quick] [--only=…] [--workloads=…] [--reps=N] [--out FILE]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { DRIVERS, type DriverSpec } from './drivers.js';
import { buildNative, type NativeTools } from './native.js';
import { parseOptions, USAGE, type Options } from './options.js';
import { renderHeader, renderSection } from './report.js';
import { Scratch } from './scratch.js';
import { liveSessions } from './session.js';
import type { Row } from './table.js';
import { burstWorkload } from './workloads/burst.js';
import { latencyWorkload } from './workloads/latency.js';
import { idleWorkload, startupWorkload } from './workloads/startup.js';
import { throughputWorkload } from './workloads/throughput.js';
import { withSession, type Context, type Workload } from './workloads/workload.js';

function workloads(options: Options): Workload[] {
  const s = options.sizes;
  const all = [
    startupWorkload('startup-small', 'small', ...s.startupSmall),
    startupWorkload('startup-big', 'big', ...s.startupBig),
    idleWorkload(...s.idleTree, s.idleMs),
    throughputWorkload('throughput-small', s.throughputSmall),
    throughputWorkload('throughput-big', s.throughputBig),
    latencyWorkload(...s.latencyTree, s.latencyWrites, s.latencyGapMs, s.latencyMissMs),
    burstWorkload('burst', s.burst, false),
    burstWorkload('stalled', s.burst, true),
  ];
  const wanted = options.workloads;
  if (!wanted) return all;
  const chosen = all.filter((w) => wanted.some((name) => w.name === name || w.name.startsWith(`${name}-`)));
  const unknown = wanted.filter((name) => !all.some((w) => w.name === name || w.name.startsWith(`${name}-`)));
  if (unknown.length > 0) throw new Error(`unknown workload(s): ${unknown.join(', ')}`);
  return chosen;
}

function selectDrivers(options: Options): DriverSpec[] {
  if (!options.only) return [...DRIVERS];
  const unknown = options.only.filter((name) => !DRIVERS.some((d) => d.name === name));
  if (unknown.length > 0) throw new Error(`unknown driver(s): ${unknown.join(', ')}`);
  return DRIVERS.filter((d) => options.only?.includes(d.name));
}

const log = (text: string): void => void process.stderr.write(`[peers] ${text}\n`);

const PROBE_TIMEOUT_MS = 30_000;

/** Starts each driver once on a tiny tree; keeps those that reach READY. */
async function probe(drivers: DriverSpec[], context: Context, skipped: Map<string, string>): Promise<DriverSpec[]> {
  const usable: DriverSpec[] = [];
  const run = context.scratch.newRun('probe');
  try {
    for (const driver of drivers) {
      const reason = driver.unavailable();
      if (reason) {
        skipped.set(driver.name, reason);
        continue;
      }
      try {
        await withSession(driver, run.root, context, async () => {}, PROBE_TIMEOUT_MS);
        usable.push(driver);
      } catch (error) {
        skipped.set(driver.name, (error as Error).message);
      }
    }
  } finally {
    context.scratch.removeRun(run);
  }
  for (const [driver, reason] of skipped) log(`skipping ${driver}: ${reason}`);
  return usable;
}

async function runWorkload(workload: Workload, drivers: DriverSpec[], context: Context): Promise<string> {
  const rows: Row[] = drivers.map((driver) => ({ driver: driver.name, reps: [] }));
  const notes: string[] = [];
  log(`${workload.name}: preparing`);
  try {
    workload.prepare?.(context);
    for (let rep = 0; rep < context.options.reps; rep++) {
      for (const [index, driver] of drivers.entries()) {
        log(`${workload.name}: ${driver.name} rep ${rep + 1}/${context.options.reps}`);
        try {
          const result = await workload.run(driver, context, rep);
          rows[index]?.reps.push(result.values);
          for (const note of result.notes) notes.push(`${driver.name}, rep ${rep + 1}: ${note}`);
        } catch (error) {
          notes.push(`${driver.name}, rep ${rep + 1}: failed: ${(error as Error).message}`);
          log(`${workload.name}: ${driver.name} failed: ${(error as Error).message}`);
        }
      }
    }
  } finally {
    workload.dispose?.(context);
  }
  return renderSection(workload, rows, notes);
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const chosenWorkloads = workloads(options);
  const chosenDrivers = selectDrivers(options);
  const native: NativeTools = buildNative();
  const scratch = Scratch.open();
  log(`scratch: ${scratch.description}`);
  const cleanup = (): void => {
    for (const session of liveSessions) session.kill();
    scratch.close();
  };
  process.once('SIGINT', () => {
    log('interrupted: cleaning up');
    cleanup();
    process.exit(130);
  });
  try {
    const context: Context = { native, scratch, options };
    const skipped = new Map<string, string>();
    const drivers = await probe(chosenDrivers, context, skipped);
    const sections = [renderHeader({ scratch: scratch.description, reps: options.reps, quick: options.quick, skipped })];
    console.log(`${sections[0]}\n`);
    for (const workload of chosenWorkloads) {
      const section = await runWorkload(workload, drivers, context);
      console.log(`${section}\n`);
      sections.push(section);
      if (options.out) writeReport(options.out, sections);
    }
    if (options.out) writeReport(options.out, sections);
    return 0;
  } finally {
    for (const session of liveSessions) await session.close();
    scratch.close();
  }
}

function writeReport(path: string, sections: readonly string[]): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${sections.join('\n\n')}\n`);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`peers: ${(error as Error).message}`);
    process.exit(1);
  },
);
