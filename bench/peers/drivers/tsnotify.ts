/**
 * Driver for tsnotify's own recursive Watcher: `tsnotify.js ROOT [inotify|fanotify]`.
 * It expects the package root, dist/src/index.js, to export
 *
 *   watch(root, { mode?: 'inotify' | 'fanotify' }) → {
 *     ready: Promise<void>,
 *     on('event', (e: { type, path, oldPath?, isDirectory }) => void),
 *     on('error', (error) => void)   (optional),
 *     close(): void | Promise<void>,
 *   }
 *
 * Events are printed as they come (`resync` also as OVERFLOW), one write per
 * batch the Watcher delivers (its 'batch' channel: one read of the queue),
 * as the raw reader prints one read at a time; the protocol's next-turn
 * batching would only add a turn of the event loop to each. The harness
 * replays create/delete/rename into its view of the tree. When the import or
 * the watch fails the driver prints SKIP and the harness leaves it out.
 * TSNOTIFY_BENCH_ENTRY, when set, names another module to import instead.
 */
import { pathToFileURL } from 'node:url';
import { note, ready, rootArgument, serve, skip } from './protocol.js';

interface WatchEvent {
  type: string;
  path: string;
  oldPath?: string;
  isDirectory: boolean;
}

interface Watcher {
  ready: Promise<unknown>;
  on(name: 'batch', listener: (events: readonly WatchEvent[]) => void): unknown;
  on(name: 'error', listener: (error: unknown) => void): unknown;
  close(): unknown;
}

type Watch = (root: string, options: { mode?: 'inotify' | 'fanotify' }) => Watcher;

const root = rootArgument();
const mode = process.argv[3] === 'fanotify' ? 'fanotify' : process.argv[3] === 'inotify' ? 'inotify' : undefined;
// TSNOTIFY_BENCH_ENTRY points the driver at another build (a file path or URL).
const override = process.env['TSNOTIFY_BENCH_ENTRY'];
const entry = override ? new URL(override, pathToFileURL(`${process.cwd()}/`)) : new URL('../../../src/index.js', import.meta.url);

let watch: Watch;
try {
  const module = (await import(entry.href)) as { watch?: unknown };
  if (typeof module.watch !== 'function') skip(`${entry.pathname} exports no watch()`);
  watch = module.watch as Watch;
} catch (error) {
  skip(`cannot import ${entry.pathname}: ${(error as Error).message}`);
}

try {
  const watcher = watch(root, mode === undefined ? {} : { mode });
  // Lines held until READY is out (nothing should come before it: the scan reports nothing).
  let early: string | null = '';
  watcher.on('batch', (events) => {
    let text = '';
    for (const e of events) {
      if (e.type === 'resync') text += `OVERFLOW\t${e.path}\n`;
      text += e.oldPath === undefined ? `EV\t${e.type}\t${e.path}\n` : `EV\t${e.type}\t${e.path}\t${e.oldPath}\n`;
    }
    if (early !== null) early += text;
    else process.stdout.write(text);
  });
  watcher.on('error', (error) => note(`error: ${String(error)}`));
  await watcher.ready;
  serve({ close: async () => void (await watcher.close()) });
  ready();
  if (early !== '') process.stdout.write(early);
  early = null;
} catch (error) {
  skip(`watch(${mode ?? 'default'}): ${(error as Error).message}`);
}
