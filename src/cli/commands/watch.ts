/**
 * `tsnotify watch`: inotifywatch. Counts events per watched path (a
 * directory for its entries, or a file given as a path) for --timeout
 * seconds or until interrupted, then prints inotifywatch's table (or JSON).
 * With -r a new directory's contents are counted from the start: what it
 * held when first listed counts as create.
 */
import { lastValue, parseArgs, UsageError, type OptionSpec, type ParsedArgs } from '../args.js';
import { strerror, WATCH_COLUMNS } from '../format.js';
import type { Io } from '../io.js';
import { SetupProgress } from '../output.js';
import { SetupError, WatchSession, type RawEvent } from '../session.js';
import { eventsAndTimeout, targetsOf } from './wait.js';

export const HELP = `Usage: tsnotify watch [options] PATH...

Count filesystem events on PATHs, per watched path and event, as
inotifywatch does; print the table when --timeout expires or on Ctrl-C.

Options:
  -h, --help             show this help
  -r, --recursive        watch directories recursively (a new directory's
                         contents count from the start)
  -t, --timeout SEC      listen for SEC seconds (0 or none: until interrupted)
  -e, --event EVENT      count only EVENT (repeatable, or a comma list)
  -a, --ascending KEY    sort ascending by KEY: an event or 'total'
  -d, --descending KEY   sort descending by KEY (default: total)
  -z, --zero             also print rows and columns of zeros
  --json                 print the counts as one JSON object
  --exclude RE, --excludei RE, --include RE, --includei RE
                         leave out events on paths (not) matching RE
  --fromfile FILE        read PATHs from FILE ('-': stdin); '@PATH' excludes
  @PATH                  do not watch PATH (nor anything below it)
  -P, --no-dereference   do not follow a symbolic link given as PATH

Events (and sort keys): access modify attrib close_write close_nowrite open
  moved_from moved_to move_self create delete delete_self unmount (and
  close, move for -e)

Exit status: 0 normally, 1 on an error.

Examples:
  tsnotify watch -t 60 -r ~/project
  tsnotify watch -r -e modify,close_write -a modify /var/log
  tsnotify watch -t 10 -r --json /srv/data
`;

const SPECS: readonly OptionSpec[] = [
  { long: 'help', short: 'h' },
  { long: 'verbose', short: 'v' },
  { long: 'recursive', short: 'r' },
  { long: 'timeout', short: 't', value: true },
  { long: 'event', short: 'e', value: true },
  { long: 'ascending', short: 'a', value: true },
  { long: 'descending', short: 'd', value: true },
  { long: 'zero', short: 'z' },
  { long: 'json' },
  { long: 'exclude', value: true },
  { long: 'excludei', value: true },
  { long: 'include', value: true },
  { long: 'includei', value: true },
  { long: 'fromfile', value: true },
  { long: 'no-dereference', short: 'P' },
];

const KEYS = ['total', ...WATCH_COLUMNS.map(([, name]) => name)];

interface Row {
  path: string;
  total: number;
  counts: number[];
}

/** inotifywatch's table: `total`, the event columns, `filename`; each column padded to its widest cell plus two spaces. */
export function renderTable(rows: readonly Row[], columns: readonly number[]): string {
  const headers = ['total', ...columns.map((c) => WATCH_COLUMNS[c]![1])];
  const cells = rows.map((r) => [String(r.total), ...columns.map((c) => String(r.counts[c]))]);
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i]!.length)));
  const line = (values: string[], last: string): string => values.map((v, i) => v.padEnd(widths[i]! + 2)).join('') + last + '\n';
  return line(headers, 'filename') + rows.map((r, i) => line(cells[i]!, r.path)).join('');
}

export async function watchCommand(argv: string[], io: Io): Promise<number> {
  let args: ParsedArgs;
  try {
    args = parseArgs(argv, SPECS);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    io.err(`tsnotify watch: ${e.message}\nRun 'tsnotify watch --help' for the options.\n`);
    return 1;
  }
  if (args.flags.has('help')) {
    io.out(HELP);
    return 0;
  }
  const et = eventsAndTimeout(args, io);
  if (typeof et === 'number') return et;
  const { mask, timeout } = et;
  const ascending = lastValue(args, 'ascending');
  const sortKey = ascending ?? lastValue(args, 'descending') ?? 'total';
  if (!KEYS.includes(sortKey)) {
    io.err(`'${sortKey}' is not a valid key for sorting!\n`);
    return 1;
  }
  const targets = targetsOf(args, io, 'watch');
  if (typeof targets === 'number') return targets;
  const { filter, lists } = targets;
  const recursive = args.flags.has('recursive');
  const zero = args.flags.has('zero');

  const rows = new Map<string, Row>();
  const onRaw = (e: RawEvent): void => {
    if (filter !== null && filter.re.test(e.w + e.f) !== filter.include) return;
    let row: Row | undefined;
    for (let c = 0; c < WATCH_COLUMNS.length; c++) {
      if (e.mask & mask & WATCH_COLUMNS[c]![0]) {
        row ??= rows.get(e.w);
        if (row === undefined) {
          row = { path: e.w, total: 0, counts: new Array<number>(WATCH_COLUMNS.length).fill(0) };
          rows.set(e.w, row);
        }
        row.counts[c]!++;
        row.total++;
      }
    }
  };

  io.err('Establishing watches...\n');
  const progress = new SetupProgress(io, io.isTTY && recursive);
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
      onError: (e) => io.err(`tsnotify watch: ${e.message}\n`),
      onProgress: (n) => progress.update(n),
    });
  } catch (e) {
    progress.finish();
    if (e instanceof SetupError) {
      io.err(`Failed to watch ${e.path}: ${strerror(e.reason)}\n`);
      return 1;
    }
    throw e;
  }
  const summary = progress.finish();
  if (summary !== null) io.err(`Watches established: ${summary}.\n`);
  const started = performance.now();
  // The end (timeout, Ctrl-C, SIGTERM) is armed before the line that says collection started.
  const collected = new Promise<void>((resolve) => {
    const done = (): void => {
      process.off('SIGINT', done);
      process.off('SIGTERM', done);
      if (timer !== null) clearTimeout(timer);
      resolve();
    };
    const timer = timeout > 0 ? setTimeout(done, timeout * 1000) : null;
    process.once('SIGINT', done);
    process.once('SIGTERM', done);
  });
  io.err('Finished establishing watches, now collecting statistics.\n');
  await collected;
  const seconds = (performance.now() - started) / 1000;
  if (zero) for (const name of session.watchedNames()) if (!rows.has(name)) rows.set(name, { path: name, total: 0, counts: new Array<number>(WATCH_COLUMNS.length).fill(0) });
  await session.close();

  const keyIndex = sortKey === 'total' ? -1 : WATCH_COLUMNS.findIndex(([, n]) => n === sortKey);
  const value = (r: Row): number => (keyIndex < 0 ? r.total : r.counts[keyIndex]!);
  const sorted = [...rows.values()]
    .filter((r) => zero || r.total > 0)
    .sort((a, b) => (ascending !== undefined ? value(a) - value(b) : value(b) - value(a)) || (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  const columns = WATCH_COLUMNS.map((_, i) => i).filter((i) => (WATCH_COLUMNS[i]![0] & mask) !== 0 && (zero || sorted.some((r) => r.counts[i]! > 0)));

  if (args.flags.has('json')) {
    const watches = sorted.map((r) => {
      const o: Record<string, string | number> = { path: r.path, total: r.total };
      for (const c of columns) o[WATCH_COLUMNS[c]![1]] = r.counts[c]!;
      return o;
    });
    io.out(JSON.stringify({ seconds: Number(seconds.toFixed(3)), events: columns.map((c) => WATCH_COLUMNS[c]![1]), watches }) + '\n');
    return 0;
  }
  if (sorted.length === 0 || sorted.every((r) => r.total === 0) && !zero) {
    io.err('No events occurred.\n');
    return 0;
  }
  io.out(renderTable(sorted, columns));
  return 0;
}
