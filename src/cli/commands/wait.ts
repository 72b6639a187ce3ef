/**
 * `tsnotify wait`: inotifywait, option for option and byte for byte in its
 * output and exit codes, with one difference that matters: with -r a new
 * directory's contents are never missed (whatever it held when it was first
 * listed is reported as CREATE), and an overflow or the watch limit are
 * recovered from instead of leaving holes. Plus --json and --watcher.
 */
import { readFileSync } from 'node:fs';
import { IN_ALL_EVENTS, IN_ATTRIB, IN_CLOSE_WRITE, IN_CREATE, IN_DELETE, IN_MODIFY, IN_MOVE, IN_MOVE_SELF, IN_Q_OVERFLOW } from '../../inotify/index.js';
import type { WatchEvent } from '../../watcher/index.js';
import { lastValue, parseArgs, UsageError, type OptionSpec, type ParsedArgs } from '../args.js';
import { csvField, eventNames, formatEvent, formatUsesTime, parseEventList, strerror } from '../format.js';
import type { Io } from '../io.js';
import { LineWriter, SetupProgress } from '../output.js';
import { SetupError, WatchSession, type RawEvent } from '../session.js';

export const HELP = `Usage: tsnotify wait [options] PATH...

Wait for filesystem events on PATHs, as inotifywait does, and print them.
Without -m, exit after the first event.

Options:
  -h, --help            show this help
  -m, --monitor         keep listening (until --timeout expires without an event)
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
  --fanotify            use fanotify (not built yet: fails with ENOSYS)
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
watches." and "Watches established." go to standard error.

Exit status:
  0  an event was received (or -m ended)    1  an error occurred
  2  --timeout expired without an event

Examples:
  tsnotify wait -e close_write report.txt && make
  tsnotify wait -m -r -e create,moved_to --format '%w%f' ~/incoming
  tsnotify wait -m -r --exclude '/\\.git/' --timefmt '%F %T' --format '%T %e %w%f' src
  tsnotify wait -m -r --json /srv/data | jq .
  tsnotify wait -m -r --watcher --json ~/project
`;

const SPECS: readonly OptionSpec[] = [
  { long: 'help', short: 'h' },
  { long: 'monitor', short: 'm' },
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
  if (args.flags.has('fanotify')) {
    io.err("tsnotify wait: ENOSYS: function not implemented, fanotify_init (the fanotify backend of 'tsnotify wait' is not built yet; leave out --fanotify)\n");
    return 1;
  }
  const et = eventsAndTimeout(args, io);
  if (typeof et === 'number') return et;
  const { mask, timeout } = et;
  const format = lastValue(args, 'format');
  const timefmt = lastValue(args, 'timefmt');
  if (format !== undefined && formatUsesTime(format) && timefmt === undefined) {
    io.err('%T is in --format string, but --timefmt was not specified.\n');
    return 1;
  }
  const targets = targetsOf(args, io, 'wait');
  if (typeof targets === 'number') return targets;
  const { filter, lists } = targets;
  const monitor = args.flags.has('monitor');
  const recursive = args.flags.has('recursive');
  const quiet = args.flags.get('quiet') ?? 0;
  const csv = args.flags.has('csv');
  const json = args.flags.has('json');
  const watcherMode = args.flags.has('watcher');
  const newline = args.flags.has('no-newline') ? '' : '\n';
  const out = new LineWriter((t) => io.out(t));

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

  if (quiet === 0) io.err(recursive ? 'Setting up watches.  Beware: since -r was given, this may take a while!\n' : 'Setting up watches.\n');
  const progress = new SetupProgress(io, io.isTTY && recursive && quiet === 0);
  let session: WatchSession;
  try {
    session = await WatchSession.open({
      paths: lists.paths,
      exclusions: lists.exclusions,
      recursive,
      mask,
      noDereference: args.flags.has('no-dereference'),
      excludeDirectory: filter !== null && !filter.include ? (dir) => filter.re.test(dir) : undefined,
      onRaw,
      onWatcherEvent: watcherMode ? onWatcherEvent : undefined,
      onWatchGone: () => {
        if (!monitor) end(1);
      },
      onError: (e) => io.err(`tsnotify wait: ${e.message}\n`),
      onProgress: (n) => progress.update(n),
    });
  } catch (e) {
    progress.finish();
    if (e instanceof SetupError) {
      io.err(`Couldn't watch ${e.path}: ${strerror(e.reason)}\n`);
      return 1;
    }
    throw e;
  }
  const summary = progress.finish();
  if (quiet === 0) io.err(summary === null ? 'Watches established.\n' : `Watches established: ${summary}.\n`);
  const coverage = session.coverage();
  if (coverage !== null && coverage.polled.length > 0 && quiet < 2) {
    io.err(
      `tsnotify wait: the inotify watch limit (fs.inotify.max_user_watches) was reached: ` +
        `${coverage.polledDirs} directories are polled every ${coverage.pollIntervalMs / 1000} s instead\n`,
    );
  }
  armTimeout();
  const code = await result;
  await session.close();
  out.flush();
  return code;
}
