/**
 * Driver for chokidar (`ignoreInitial: true`, otherwise defaults). chokidar
 * keeps the tree it watches, so VIEW dumps `getWatched()`.
 */
import { join } from 'node:path';
import { watch } from 'chokidar';
import { event, note, ready, rootArgument, serve } from './protocol.js';

const root = rootArgument();
const watcher = watch(root, { ignoreInitial: true });

watcher.on('add', (path) => event('create', path));
watcher.on('addDir', (path) => event('create', path));
watcher.on('change', (path) => event('modify', path));
watcher.on('unlink', (path) => event('delete', path));
watcher.on('unlinkDir', (path) => event('delete', path));
watcher.on('error', (error) => note(`error: ${String(error)}`));
watcher.on('ready', () => {
  serve({ view: async () => watchedPaths(), close: () => watcher.close() });
  ready();
});

function watchedPaths(): Set<string> {
  const inside = (path: string): boolean => path.startsWith(root + '/');
  const paths = new Set<string>();
  for (const [dir, names] of Object.entries(watcher.getWatched())) {
    if (inside(dir)) paths.add(dir);
    for (const name of names) {
      const path = join(dir, name);
      if (inside(path)) paths.add(path);
    }
  }
  return paths;
}
