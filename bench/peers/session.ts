/**
 * One running driver: spawned, its output parsed line by line as it
 * arrives (each chunk stamped with the harness clock), measured through
 * /proc, stopped and resumed as a tree, and always shut down. Every wait
 * here has a deadline and says when it ran out.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { nowMs, until } from './clock.js';
import type { DriverSpec, Launch } from './drivers.js';
import type { NativeTools } from './native.js';
import { cpuSeconds, peakRssMiB, processState, processTree, signalAll } from './proc.js';

const isStopped = (state: string | undefined): boolean => state === undefined || state === 'T' || state === 't' || state === 'Z';

/** waitQuiet samples the tree's CPU this often; busy = at least this share of one core. */
const CPU_SAMPLE_MS = 250;
const BUSY_CPU = 0.08;

export type EventListener = (type: string, path: string, oldPath: string | undefined, atMs: number) => void;

const INOTIFYWAIT_TYPES: [string, string][] = [
  ['CREATE', 'create'],
  ['MOVED_FROM', 'moved-from'],
  ['MOVED_TO', 'moved-to'],
  ['DELETE', 'delete'],
  ['CLOSE_WRITE', 'write-complete'],
  ['MODIFY', 'modify'],
  ['ATTRIB', 'attrib'],
];

/** Sessions still open, so an interrupted run can end them. */
export const liveSessions = new Set<Session>();

export class Session {
  events = 0;
  overflows = 0;
  /** Harness time of the last EV or OVERFLOW line (0 before any). */
  lastEventMs = 0;
  /** Harness time of the last line of any kind. */
  lastLineMs = 0;
  readyMs: number | undefined;
  readonly notes: string[] = [];
  onEvent: EventListener | undefined;
  private skipReason: string | undefined;
  private exit: string | undefined;
  private stdoutRest = '';
  private stderrTail = '';
  private view: { paths: Set<string>; done: boolean; none: boolean } | undefined;
  private deferred: { text: string; atMs: number }[] | undefined;

  private constructor(
    readonly spec: DriverSpec,
    private readonly launch: Launch,
    private readonly child: ChildProcessWithoutNullStreams,
    readonly spawnMs: number,
    /** CPU seconds the helpers had used before the driver was spawned. */
    readonly helperCpuAtSpawn: number,
  ) {
    // setEncoding keeps a character split across two chunks whole.
    child.stdout.setEncoding('utf8').on('data', (text: string) => this.receive(text, nowMs()));
    child.stderr.setEncoding('utf8').on('data', (text: string) => this.receiveStderr(text, nowMs()));
    child.on('exit', (code, signal) => (this.exit = signal ? `killed by ${signal}` : `exited with ${code}`));
    child.on('error', (error) => (this.exit = `failed to start: ${error.message}`));
    child.stdin.on('error', () => {});
    liveSessions.add(this);
  }

  static async start(spec: DriverSpec, root: string, native: NativeTools): Promise<Session> {
    const launch = await spec.launch(root, native);
    const helperCpu = cpuSeconds(processTree(launch.helpers));
    const spawnMs = nowMs();
    let child: ChildProcessWithoutNullStreams;
    try {
      child = spawn(launch.command, launch.args, { env: launch.env ?? process.env, stdio: 'pipe' });
    } catch (error) {
      await launch.stop();
      throw error;
    }
    return new Session(spec, launch, child, spawnMs, helperCpu);
  }

  /** The driver, its helpers and all their descendants. */
  pids(): number[] {
    const roots = this.child.pid === undefined ? [] : [this.child.pid];
    return processTree([...roots, ...this.launch.helpers]);
  }

  cpuSeconds(): number {
    return cpuSeconds(this.pids());
  }

  peakRssMiB(): number {
    return peakRssMiB(this.pids());
  }

  /** Seconds from spawn to READY; rejects on SKIP, exit or timeout. */
  async waitReady(timeoutMs: number): Promise<number> {
    await until(() => this.readyMs !== undefined || this.exit !== undefined || this.skipReason !== undefined, timeoutMs);
    if (this.readyMs !== undefined) return (this.readyMs - this.spawnMs) / 1000;
    if (this.skipReason !== undefined) throw new Error(this.skipReason);
    const why = this.exit ?? `no READY within ${timeoutMs / 1000} s`;
    throw new Error(`${why}${this.stderrTail ? `: ${this.stderrTail.trim().split('\n').slice(-3).join(' | ')}` : ''}`);
  }

  /**
   * Waits until the driver printed nothing and its tree was idle (under
   * BUSY_CPU of CPU per sample) for QUIETMS, counted from FROMMS at the
   * earliest; gives up after CAPMS (timedOut) or when the driver exits. The
   * CPU test keeps a driver that computes for seconds between two lines
   * (Node's recursive fs.watch does) from being taken for done.
   */
  async waitQuiet(fromMs: number, quietMs: number, capMs: number): Promise<{ timedOut: boolean }> {
    let lastBusyMs = fromMs;
    let sampleMs = nowMs();
    let sampleCpu = this.cpuSeconds();
    const quiet = (): boolean => {
      const now = nowMs();
      if (now - sampleMs >= CPU_SAMPLE_MS) {
        const cpu = this.cpuSeconds();
        if (cpu - sampleCpu >= BUSY_CPU * ((now - sampleMs) / 1000)) lastBusyMs = now;
        [sampleMs, sampleCpu] = [now, cpu];
      }
      return this.exit !== undefined || now - Math.max(lastBusyMs, this.lastLineMs) >= quietMs;
    };
    const settled = await until(quiet, capMs);
    if (this.exit !== undefined) this.notes.push(`driver ${this.exit} before going quiet`);
    return { timedOut: !settled };
  }

  /** Asks a dumping driver for its view; undefined when it has none. */
  async requestView(timeoutMs: number): Promise<Set<string> | undefined> {
    this.catchUp();
    const view = { paths: new Set<string>(), done: false, none: false };
    this.view = view;
    this.child.stdin.write('VIEW\n');
    if (!(await until(() => view.done || this.exit !== undefined, timeoutMs)) || !view.done) {
      throw new Error(`no complete VIEW within ${timeoutMs / 1000} s${this.exit ? ` (${this.exit})` : ''}`);
    }
    return view.none ? undefined : view.paths;
  }

  /** SIGSTOPs the whole tree and waits until the kernel says it stopped. */
  async stopTree(): Promise<number[]> {
    const pids = this.pids();
    signalAll(pids, 'SIGSTOP');
    const stopped = await until(() => pids.every((pid) => isStopped(processState(pid))), 2000);
    if (!stopped) this.notes.push('not every process showed as stopped within 2 s');
    return pids;
  }

  /** Ends the driver (QUIT, then SIGTERM, then SIGKILL) and its helpers. */
  async close(): Promise<void> {
    const pids = this.pids();
    signalAll(pids, 'SIGCONT');
    if (this.exit === undefined) {
      this.child.stdin.end('QUIT\n');
      if (!(await until(() => this.exit !== undefined, 3000))) {
        signalAll(this.pids(), 'SIGTERM');
        if (!(await until(() => this.exit !== undefined, 3000))) signalAll(this.pids(), 'SIGKILL');
        await until(() => this.exit !== undefined, 5000);
      }
    }
    await this.launch.stop();
    liveSessions.delete(this);
  }

  /** Synchronous last resort for an interrupted run. */
  kill(): void {
    signalAll(this.pids(), 'SIGKILL');
  }

  /**
   * From now on only store output with its arrival time, to keep the
   * harness off the CPU while the watcher races a burst; catchUp() parses it.
   */
  deferParsing(): void {
    this.deferred ??= [];
  }

  /** Parses what deferParsing() stored, stamped as it arrived; parses live again after. */
  catchUp(): void {
    const chunks = this.deferred ?? [];
    this.deferred = undefined;
    for (const { text, atMs } of chunks) this.parse(text, atMs);
  }

  private receive(text: string, atMs: number): void {
    this.lastLineMs = atMs;
    if (this.deferred) this.deferred.push({ text, atMs });
    else this.parse(text, atMs);
  }

  private parse(text: string, atMs: number): void {
    const lines = (this.stdoutRest + text).split('\n');
    this.stdoutRest = lines.pop() ?? '';
    for (const line of lines) {
      if (this.launch.output === 'inotifywait') this.inotifywaitLine(line, atMs);
      else this.protocolLine(line, atMs);
    }
  }

  private receiveStderr(text: string, atMs: number): void {
    this.stderrTail = (this.stderrTail + text).slice(-2000);
    if (this.launch.output === 'inotifywait' && this.readyMs === undefined && text.includes('Watches established')) {
      this.readyMs = atMs;
    }
  }

  private protocolLine(line: string, atMs: number): void {
    if (line.startsWith('EV\t')) {
      const fields = line.split('\t');
      this.record(fields[1] ?? '', fields[2] ?? '', fields[3], atMs);
    } else if (line.startsWith('P\t')) {
      this.view?.paths.add(line.slice(2));
    } else if (line === 'OVERFLOW' || line.startsWith('OVERFLOW\t')) {
      this.overflows += 1;
      this.lastEventMs = atMs;
    } else if (line === 'READY') {
      this.readyMs ??= atMs;
    } else if (line.startsWith('VIEW-END') || line === 'VIEW-NONE') {
      if (this.view) Object.assign(this.view, { done: true, none: line === 'VIEW-NONE' });
    } else if (line.startsWith('NOTE\t')) {
      if (this.notes.length < 5) this.notes.push(line.slice(5));
    } else if (line.startsWith('SKIP\t')) {
      this.skipReason = line.slice(5);
    }
  }

  /** inotifywait's `--format '%e %w%f'`: comma-separated flags, a space, the path. */
  private inotifywaitLine(line: string, atMs: number): void {
    const space = line.indexOf(' ');
    const flags = (space < 0 ? line : line.slice(0, space)).split(',');
    if (flags.includes('Q_OVERFLOW')) {
      this.overflows += 1;
      this.lastEventMs = atMs;
      return;
    }
    if (space < 0) return;
    const type = INOTIFYWAIT_TYPES.find(([flag]) => flags.includes(flag))?.[1] ?? (flags[0] ?? '').toLowerCase();
    this.record(type, line.slice(space + 1).replace(/\/+$/, ''), undefined, atMs);
  }

  private record(type: string, path: string, oldPath: string | undefined, atMs: number): void {
    this.events += 1;
    this.lastEventMs = atMs;
    this.onEvent?.(type, path, oldPath, atMs);
  }
}
