/**
 * `tsnotify wait`: inotifywait, option for option and byte for byte in its
 * output and exit codes, with one difference that matters: with -r a new
 * directory's contents are never missed (whatever it held when it was first
 * listed is reported as CREATE), and an overflow or the watch limit are
 * recovered from instead of leaving holes. Plus --json, --watcher and
 * --fanotify (one filesystem mark per PATH: fanotify-session.ts). -o, -d
 * and -s as inotifywait's, with the differences said at startDaemon and in
 * syslog.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isSystemError } from '../../errors.js';
import { IN_ALL_EVENTS, IN_ATTRIB, IN_CLOSE_WRITE, IN_CREATE, IN_DELETE, IN_MODIFY, IN_MOVE, IN_MOVE_SELF, IN_Q_OVERFLOW } from '../../inotify/index.js';
import type { WatchEvent } from '../../watcher/index.js';
import { lastValue, parseArgs, UsageError, type OptionSpec, type ParsedArgs } from '../args.js';
import { csvField, eventNames, formatEvent, formatUsesTime, parseEventList, strerror } from '../format.js';
import type { Io } from '../io.js';
import { explainFanotifyError, FanotifySession, unsupportedFanotifyEvent } from '../fanotify-session.js';
import { LineWriter, SetupProgress } from '../output.js';
import { SetupError, WatchSession, type RawEvent } from '../session.js';
import { SyslogWriter, syslogUnavailable } from '../syslog.js';

export const HELP = `Usage: tsnotify wait [options] PATH...

Wait for filesystem events on PATHs, as inotifywait does, and print them.
Without -m, exit after the first event.

Options:
  -h, --help            show this help
  -m, --monitor         keep listening (until --timeout expires without an event)
  -d, --daemon          like -m, but in the background: needs -o; implies -s.
                        Returns once the watches are set up (status 0), or
                        with status 1 and the error if they cannot be
  -o, --outfile FILE    append events to FILE (created, mode 0600) instead of
                        printing them on standard output
  -s, --syslog          send messages and errors to syslog (daemon.info,
                        tag 'tsnotify'; the socket is /dev/log or
                        $TSNOTIFY_SYSLOG_SOCKET, written through logger(1))
                        instead of standard error; without a syslog socket they
                        stay on standard error, after a note
  -r, --recursive       watch directories recursively; unlike inotifywait, the
                        contents of a new directory are never missed: what it
                        held when first listed is reported as CREATE
  -e, --event EVENT     listen for EVENT (repeatable, or a comma list); default: all
  -t, --timeout SEC     exit with status 2 after SEC seconds without an event (0: never)
  -q, --quiet           print no "Setting up watches." lines; twice: print nothing
  --format FMT          printf-like: %w watched path, %f file name, %e events
                        comma-separated, %Xe events separated by X, %T time
                        (per --timefmt), %c cookie (hex), %0 NUL, %% percent
  --no-newline          no newline after each --format line
  --timefmt FMT         strftime(3) format for %T
  -c, --csv             print events as CSV: watched path, events, file name
  --json                print one JSON object per event
  --watcher             print the recursive Watcher's normalized events
                        (create, modify, delete, rename, attrib,
                        write-complete, resync) instead of raw inotify events
  --fanotify            listen with one fanotify filesystem mark per PATH
                        instead of inotify watches: setup costs the same for
                        any tree size (needs root: CAP_SYS_ADMIN). Events keep
                        inotify's names; %w is the directory the event happened
                        in. Without -r only PATH's direct entries are reported.
                        No access, open, close_nowrite or unmount events.
                        With --watcher: the Watcher's fanotify mode
  --exclude RE          ignore events on paths matching the extended regex RE
                        (with -r, matching directories get no watch)
  --excludei RE         like --exclude, case-insensitive
  --include RE          ignore events on paths not matching RE
  --includei RE         like --include, case-insensitive
  --fromfile FILE       read PATHs from FILE ('-': standard input), one per
                        line; a line '@PATH' excludes PATH
  @PATH                 do not watch PATH (nor anything below it)
  -P, --no-dereference  do not follow a symbolic link given as PATH

Events:
  access modify attrib close_write close_nowrite close open moved_to
  moved_from move move_self create delete delete_self unmount

Output: by default '%w %e %f', e.g. './d/ CREATE,ISDIR sub'. "Setting up
watches." and "Watches established." go to standard error (syslog with -s).

Exit status:
  0  an event was received (or -m ended)    1  an error occurred
  2  --timeout expired without an event

Examples:
  tsnotify wait -e close_write report.txt && make
  tsnotify wait -m -r -e create,moved_to --format '%w%f' ~/incoming
  tsnotify wait -m -r --exclude '/\\.git/' --timefmt '%F %T' --format '%T %e %w%f' src
  tsnotify wait -m -r --json /srv/data | jq .
  tsnotify wait -m -r --watcher --json ~/project
  sudo tsnotify wait -m -r --fanotify -e create,delete,move /srv/big-tree
  tsnotify wait -d -o /var/log/incoming.log -r -e close_write ~/incoming
  tsnotify wait -m -s -o events.log -r ~/project
`;

const SPECS: readonly OptionSpec[] = [
  { long: 'help', short: 'h' },
  { long: 'monitor', short: 'm' },
  { long: 'daemon', short: 'd' },
  { long: 'outfile', short: 'o', value: true },
  { long: 'syslog', short: 's' },
  { long: 'recursive', short: 'r' },
  { long: 'event', short: 'e', value: true },
  { long: 'timeout', short: 't', value: true },
  { long: 'quiet', short: 'q' },
  { long: 'format', value: true },
  { long: 'no-newline' },
  { long: 'timefmt', value: true },
  { long: 'csv', short: 'c' },
  { long: 'json' },
  { long: 'watcher' },
  { long: 'fanotify' },
  { long: 'exclude', value: true },
  { long: 'excludei', value: true },
  { long: 'include', value: true },
  { long: 'includei', value: true },
  { long: 'fromfile', value: true },
  { long: 'no-dereference', short: 'P' },
];

/** The regex filter of --exclude/--include (the last one given wins, as in inotifywait). */
export interface PathFilter {
  re: RegExp;
  include: boolean;
}

/** Shared by wait and watch: --exclude/--excludei/--include/--includei. */
export function pathFilter(args: ParsedArgs): PathFilter | string | null {
  const pick = (plain: string, insensitive: string): { pattern: string; flags: string } | undefined => {
    const a = lastValue(args, plain);
    if (a !== undefined) return { pattern: a, flags: '' };
    const b = lastValue(args, insensitive);
    return b === undefined ? undefined : { pattern: b, flags: 'i' };
  };
  const ex = pick('exclude', 'excludei');
  const inc = pick('include', 'includei');
  if (ex !== undefined && inc !== undefined) return '--exclude and --include cannot be given together';
  const chosen = ex ?? inc;
  if (chosen === undefined) return null;
  try {
    return { re: new RegExp(chosen.pattern, chosen.flags), include: inc !== undefined };
  } catch (e) {
    return `invalid regular expression '${chosen.pattern}': ${(e as Error).message}`;
  }
}

/** PATHs and @exclusions from the command line and --fromfile. */
export function pathsFrom(args: ParsedArgs, readFile: (name: string) => string): { paths: string[]; exclusions: string[] } {
  const paths: string[] = [];
  const exclusions: string[] = [];
  const add = (p: string): void => {
    if (p === '') return;
    if (p.startsWith('@')) exclusions.push(p.slice(1));
    else paths.push(p);
  };
  for (const p of args.positionals) add(p);
  const from = lastValue(args, 'fromfile');
  if (from !== undefined) for (const line of readFile(from).split('\n')) add(line.replace(/\r$/, ''));
  return { paths, exclusions };
}

export function readFromFile(name: string): string {
  return readFileSync(name === '-' ? 0 : name, 'utf8');
}


/**
 * `-e` and `-t`, as `wait` and `watch` both read them: the event mask and the
 * timeout, or, after printing inotify-tools' message, the exit code 1.
 */
export function eventsAndTimeout(args: ParsedArgs, io: Io): { mask: number; timeout: number } | number {
  const eventValues = args.values.get('event');
  const parsed = eventValues === undefined ? IN_ALL_EVENTS : parseEventList(eventValues);
  if (typeof parsed !== 'number') {
    io.err(`'${parsed.bad}' is not a valid event!  Run with the '--help' option to see a list of events.\n`);
    return 1;
  }
  const timeoutValue = lastValue(args, 'timeout');
  const timeout = parseTimeout(timeoutValue);
  if (Number.isNaN(timeout)) {
    io.err(`'${timeoutValue}' is not a valid timeout value.\nPlease specify a long int value.\n`);
    return 1;
  }
  return { mask: parsed, timeout };
}

/**
 * What `wait` and `watch` both take from their arguments: the include/
 * exclude filter and the paths (from the command line and --fromfile), or,
 * after printing inotify-tools' message for the problem, the exit code 1.
 */
export function targetsOf(
  args: ParsedArgs,
  io: Io,
  command: 'wait' | 'watch',
): { filter: PathFilter | null; lists: { paths: string[]; exclusions: string[] } } | number {
  const filter = pathFilter(args);
  if (typeof filter === 'string') {
    io.err(`tsnotify ${command}: ${filter}\n`);
    return 1;
  }
  let lists;
  try {
    lists = pathsFrom(args, readFromFile);
  } catch (e) {
    io.err(`Couldn't read ${lastValue(args, 'fromfile')}: ${strerror(e)}\n`);
    return 1;
  }
  if (lists.paths.length === 0) {
    io.err('No files specified to watch!\n');
    return 1;
  }
  return { filter, lists };
}

/** Seconds from -t: a non-negative number; NaN when invalid. */
export function parseTimeout(value: string | undefined): number {
  if (value === undefined) return 0;
  if (!/^\s*\d+(\.\d+)?\s*$/.test(value)) return NaN;
  return Number(value);
}

/** Which normalized event types an inotify mask asks for (--watcher -e …). */
function watcherTypes(mask: number): Set<string> {
  const types = new Set<string>(['resync']);
  if (mask & IN_CREATE) types.add('create');
  if (mask & IN_DELETE) types.add('delete');
  if (mask & IN_MODIFY) types.add('modify');
  if (mask & IN_ATTRIB) types.add('attrib');
  if (mask & IN_CLOSE_WRITE) types.add('write-complete');
  if (mask & (IN_MOVE | IN_MOVE_SELF)) types.add('rename');
  return types;
}

/** Set in the environment of the background process `-d` starts (see startDaemon). */
const DAEMON_ENV = 'TSNOTIFY_WAIT_DAEMON';
/** The CLI entry point, for re-spawning it. */
const CLI_PATH = fileURLToPath(new URL('../main.js', import.meta.url));

/** What the parent of a daemon and the daemon tell each other over the IPC channel. */
type DaemonPlan = { type: 'plan'; paths: string[]; exclusions: string[] };
type DaemonReport = { type: 'ready' } | { type: 'failed'; text: string };

/** This process is the background half of `wait -d` (started by startDaemon). */
function isDaemonChild(): boolean {
  return process.env[DAEMON_ENV] === '1' && typeof process.send === 'function';
}

/** In the daemon: the paths the parent read (from the command line and --fromfile, whose stdin the daemon has not). */
function receivePlan(): Promise<DaemonPlan> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: unknown): void => {
      if ((m as DaemonPlan | null)?.type !== 'plan') return;
      process.off('message', onMessage);
      process.off('disconnect', onGone);
      resolve(m as DaemonPlan);
    };
    const onGone = (): void => reject(new Error('the parent went away before sending the paths'));
    process.on('message', onMessage);
    process.once('disconnect', onGone);
  });
}

function report(r: DaemonReport): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected) return resolve();
    process.send!(r, undefined, {}, () => resolve());
  });
}

/**
 * `-d`: inotifywait forks, the parent exits 0 at once and the child runs
 * setsid()'d, from '/', with stdout on the outfile. Node cannot fork: the
 * same command is started again, detached (a new session), stdin and
 * stderr on /dev/null, stdout on FILE (opened here, appending, 0600), with
 * an IPC channel. The parent sends it the paths, then waits for its report:
 * watches established → exit 0 (nothing printed, no pid, like inotifywait),
 * setup failed → the error on stderr and exit 1 (inotifywait would have
 * exited 0 and logged it). The daemon then drops the channel and moves to '/'.
 */
async function startDaemon(argv: string[], lists: { paths: string[]; exclusions: string[] }, outfile: string, quiet: number, io: Io): Promise<number> {
  let fd: number;
  try {
    fd = openSync(outfile, 'a', 0o600);
  } catch {
    io.err(`Failed to open output file ${outfile}\n`);
    return 1;
  }
  const nodeFlags = process.execArgv.filter((a) => !a.startsWith('--inspect'));
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [...nodeFlags, CLI_PATH, 'wait', ...argv], {
      cwd: process.cwd(),
      detached: true,
      stdio: ['ignore', fd, 'ignore', 'ipc'],
      env: { ...process.env, [DAEMON_ENV]: '1' },
    });
  } finally {
    closeSync(fd);
  }
  const outcome = await new Promise<DaemonReport | { type: 'exit'; status: string } | { type: 'error'; error: Error }>((resolve) => {
    child.on('message', (m: DaemonReport) => resolve(m));
    child.once('exit', (code, signal) => resolve({ type: 'exit', status: signal ?? String(code) }));
    child.once('error', (error) => resolve({ type: 'error', error }));
    child.send({ type: 'plan', paths: lists.paths, exclusions: lists.exclusions } satisfies DaemonPlan);
  });
  if (child.connected) child.disconnect();
  child.unref();
  switch (outcome.type) {
    case 'ready': {
      const why = syslogUnavailable();
      if (why !== null && quiet < 2) io.err(`tsnotify wait: syslog is unavailable (${why}): the daemon's messages and errors are discarded\n`);
      return 0;
    }
    case 'failed':
      io.err(outcome.text);
      return 1;
    case 'exit':
      io.err(`tsnotify wait: the daemon ended during setup (status ${outcome.status})\n`);
      return 1;
    case 'error':
      io.err(`tsnotify wait: cannot start the daemon: ${outcome.error.message}\n`);
      return 1;
  }
}

/** A setup failure as inotifywait words it; fanotify errors keep their code, call, path and advice. */
function setupFailure(e: SetupError, fanotify: boolean): string {
  const detail = fanotify && isSystemError(e.reason) ? explainFanotifyError(e.reason) : strerror(e.reason);
  return `Couldn't watch ${e.path}: ${detail}\n`;
}

export async function waitCommand(argv: string[], io: Io): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, SPECS);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`tsnotify wait: ${e.message}\nRun 'tsnotify wait --help' for the options.\n`);
    return 1;
  }
  if (args.flags.has('help')) {
    io.out(HELP);
    return 0;
  }
  const et = eventsAndTimeout(args, io);
  if (typeof et === 'number') return et;
  const { mask, timeout } = et;
  const fanotify = args.flags.has('fanotify');
  const watcherMode = args.flags.has('watcher');
  if (fanotify && !watcherMode) {
    const bad = unsupportedFanotifyEvent(args.values.get('event'));
    if (bad !== null) {
      io.err(
        `tsnotify wait: EINVAL: invalid argument, fanotify_mark (--fanotify cannot report '${bad}' events: ` +
          'it reports create, delete, modify, attrib, close_write, moved_from, moved_to, move_self and delete_self)\n',
      );
      return 1;
    }
  }
  const format = lastValue(args, 'format');
  const timefmt = lastValue(args, 'timefmt');
  if (format !== undefined && formatUsesTime(format) && timefmt === undefined) {
    io.err('%T is in --format string, but --timefmt was not specified.\n');
    return 1;
  }
  const daemon = args.flags.has('daemon');
  const outfile = lastValue(args, 'outfile');
  if (daemon && outfile === undefined) {
    io.err('-o must be specified with -d.\n');
    return 1;
  }
  const quiet = args.flags.get('quiet') ?? 0;
  const daemonChild = daemon && isDaemonChild();
  let filter: PathFilter | null;
  let lists: { paths: string[]; exclusions: string[] };
  if (daemonChild) {
    delete process.env[DAEMON_ENV];
    const f = pathFilter(args);
    filter = typeof f === 'string' ? null : f;
    lists = await receivePlan();
  } else {
    const targets = targetsOf(args, io, 'wait');
    if (typeof targets === 'number') return targets;
    ({ filter, lists } = targets);
    if (daemon) return startDaemon(argv, lists, outfile!, quiet, io);
  }
  // The daemon's stdout already is the outfile.
  let outFd: number | null = null;
  if (outfile !== undefined && !daemonChild) {
    try {
      outFd = openSync(outfile, 'a', 0o600);
    } catch {
      io.err(`Failed to open output file ${outfile}\n`);
      return 1;
    }
  }
  try {
    return await run();
  } finally {
    if (outFd !== null) closeSync(outFd);
  }

  async function run(): Promise<number> {
    const monitor = args.flags.has('monitor') || daemon;
    const recursive = args.flags.has('recursive');
    const csv = args.flags.has('csv');
    const json = args.flags.has('json');
    const newline = args.flags.has('no-newline') ? '' : '\n';
    const fd = outFd;
    const out = new LineWriter(fd === null ? (t) => io.out(t) : (t) => writeSync(fd, t));
    // -s (and -d): what would go to stderr from here on goes to syslog.
    const syslog = args.flags.has('syslog') || daemon ? new SyslogWriter((t) => io.err(t), 'tsnotify wait') : null;
    const diag = (t: string): void => (syslog !== null ? syslog.write(t) : io.err(t));

    let finish: (code: number) => void = () => {};
    const result = new Promise<number>((resolve) => (finish = resolve));
    let finished = false;
    let timer: NodeJS.Timeout | null = null;
    const armTimeout = (): void => {
      if (timeout <= 0) return;
      if (timer !== null) clearTimeout(timer);
      timer = setTimeout(() => end(2), timeout * 1000);
    };
    const end = (code: number): void => {
      if (finished) return;
      finished = true;
      if (timer !== null) clearTimeout(timer);
      finish(code);
    };

    const passes = (path: string): boolean => filter === null || filter.re.test(path) === filter.include;

    const onRaw = (e: RawEvent): void => {
      if (finished) return;
      if (!(e.mask & mask) && !(e.mask & IN_Q_OVERFLOW)) return;
      if (!passes(e.w + e.f)) return;
      if (quiet < 2) {
        if (csv) out.push(`${csvField(e.w)},${csvField(eventNames(e.mask).join(','))},${csvField(e.f)}\n`);
        else if (json) out.push(JSON.stringify({ watch: e.w, file: e.f, path: e.w + e.f, events: eventNames(e.mask), cookie: e.cookie }) + '\n');
        else if (format !== undefined) out.push(formatEvent(format, { ...e, time: new Date() }, timefmt) + newline);
        else out.push(`${e.w} ${eventNames(e.mask).join(',')} ${e.f}\n`);
      }
      if (!monitor) end(0);
      else armTimeout();
    };

    const types = watcherTypes(mask);
    const onWatcherEvent = (e: WatchEvent, show: (abs: string) => string): void => {
      if (finished || !types.has(e.type)) return;
      if (!passes(show(e.path)) && (e.oldPath === undefined || !passes(show(e.oldPath)))) return;
      if (quiet < 2) {
        const slash = e.isDirectory && e.type !== 'resync' ? '/' : '';
        if (json) out.push(JSON.stringify(e) + '\n');
        else if (e.oldPath !== undefined) out.push(`${e.type} ${show(e.oldPath)}${slash} -> ${show(e.path)}${slash}\n`);
        else out.push(`${e.type} ${show(e.path)}${slash}\n`);
      }
      if (!monitor) end(0);
      else armTimeout();
    };

    if (quiet === 0) diag(recursive ? 'Setting up watches.  Beware: since -r was given, this may take a while!\n' : 'Setting up watches.\n');
    const progress = new SetupProgress(io, io.isTTY && recursive && quiet === 0 && syslog === null);
    const common = {
      paths: lists.paths,
      exclusions: lists.exclusions,
      recursive,
      mask,
      noDereference: args.flags.has('no-dereference'),
      excludeDirectory: filter !== null && !filter.include ? (dir: string) => filter.re.test(dir) : undefined,
      onRaw,
      onWatchGone: () => {
        if (!monitor) end(1);
      },
      onError: (e: Error) => diag(`tsnotify wait: ${e.message}\n`),
    };
    let session: WatchSession | FanotifySession;
    try {
      if (fanotify && !watcherMode) session = await FanotifySession.open(common);
      else
        session = await WatchSession.open({
          ...common,
          ...(fanotify ? { mode: 'fanotify' as const } : {}),
          onWatcherEvent: watcherMode ? onWatcherEvent : undefined,
          onProgress: (n) => progress.update(n),
        });
    } catch (e) {
      progress.finish();
      if (e instanceof SetupError) {
        const text = setupFailure(e, fanotify);
        diag(text);
        if (daemonChild) await report({ type: 'failed', text });
        return 1;
      }
      throw e;
    }
    const summary = progress.finish();
    if (quiet === 0) diag(summary === null ? 'Watches established.\n' : `Watches established: ${summary}.\n`);
    const coverage = session instanceof WatchSession ? session.coverage() : null;
    if (coverage !== null && coverage.polled.length > 0 && quiet < 2) {
      diag(
        `tsnotify wait: the inotify watch limit (fs.inotify.max_user_watches) was reached: ` +
          `${coverage.polledDirs} directories are polled every ${coverage.pollIntervalMs / 1000} s instead\n`,
      );
    }
    if (daemonChild) {
      await report({ type: 'ready' });
      if (process.connected) process.disconnect();
      process.chdir('/'); // like inotifywait's daemon: hold no directory busy
    }
    armTimeout();
    const code = await result;
    await session.close();
    out.flush();
    return code;
  }
}
