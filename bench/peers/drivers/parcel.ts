/**
 * Driver for @parcel/watcher: `parcel.js ROOT [inotify|watchman]`. It
 * streams create/update/delete and keeps no view, so the harness replays
 * its events. With the watchman backend it reaches the harness's private
 * server through WATCHMAN_SOCK.
 */
import parcelWatcher from '@parcel/watcher';
import { event, note, overflow, ready, rootArgument, serve, skip } from './protocol.js';

const TYPES = { create: 'create', update: 'modify', delete: 'delete' } as const;

const root = rootArgument();
const backend = process.argv[3] === 'watchman' ? 'watchman' : 'inotify';

try {
  const subscription = await parcelWatcher.subscribe(
    root,
    (error, events) => {
      if (error) {
        if (/overflow|recrawl|dropped/i.test(error.message)) overflow(error.message);
        else note(`error: ${error.message}`);
      }
      for (const e of events) event(TYPES[e.type], e.path);
    },
    { backend },
  );
  serve({ close: () => subscription.unsubscribe() });
  ready();
} catch (error) {
  skip(`@parcel/watcher (${backend}): ${(error as Error).message}`);
}
