/**
 * What every workload shares: the context it runs in, the shape of one
 * run's result, and `withSession`, which starts a driver on a root, waits
 * for READY and always closes it again.
 */
import type { DriverSpec } from '../drivers.js';
import type { NativeTools } from '../native.js';
import type { Options } from '../options.js';
import type { RunDir, Scratch } from '../scratch.js';
import { Session } from '../session.js';
import type { Column, Rep } from '../table.js';

export interface Context {
  native: NativeTools;
  scratch: Scratch;
  options: Options;
}

export interface RunResult {
  values: Rep;
  /** Timeouts and oddities, printed under the table. */
  notes: string[];
}

export interface Workload {
  name: string;
  title: string;
  description: string;
  columns: Column[];
  /** Columns that must be 0 for a peer to be "best" at the others (see renderRatios). */
  correctness?: string[];
  /** Runs once before the first driver (e.g. builds a shared tree). */
  prepare?(context: Context): void;
  run(driver: DriverSpec, context: Context, rep: number): Promise<RunResult>;
  /** Runs once after the last driver, also after a failure. */
  dispose?(context: Context): void;
}

/** Starts DRIVER on ROOT, waits for READY, runs BODY, always closes. */
export async function withSession<T>(
  driver: DriverSpec,
  root: string,
  context: Context,
  body: (session: Session, readySeconds: number) => Promise<T>,
  readyTimeoutMs = context.options.sizes.readyTimeoutMs,
): Promise<T> {
  const session = await Session.start(driver, root, context.native);
  try {
    const readySeconds = await session.waitReady(readyTimeoutMs);
    return await body(session, readySeconds);
  } finally {
    await session.close();
  }
}

/** A tree built once in prepare() and shared by every driver and repetition. */
export class SharedTree {
  private run: RunDir | undefined;

  constructor(
    private readonly label: string,
    private readonly dirs: number,
    private readonly files: number,
  ) {}

  build(context: Context, make: (root: string, dirs: number, files: number) => void): void {
    this.run = context.scratch.newRun(this.label);
    make(this.run.root, this.dirs, this.files);
  }

  get root(): string {
    if (!this.run) throw new Error(`${this.label}: tree not built`);
    return this.run.root;
  }

  remove(context: Context): void {
    if (this.run) context.scratch.removeRun(this.run);
    this.run = undefined;
  }
}

export const int = (n: number): string => n.toLocaleString('en-US');
