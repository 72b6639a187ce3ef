/**
 * Driver for Node's own `fs.watch(root, { recursive: true })`. It only says
 * "rename" or "change" with a relative name, so its events are printed as
 * `fs-rename` / `fs-change` and cannot be replayed into a view.
 */
import { watch } from 'node:fs';
import { join } from 'node:path';
import { event, note, ready, rootArgument, serve } from './protocol.js';

const root = rootArgument();
const watcher = watch(root, { recursive: true }, (type, filename) => {
  if (filename === null) note(`${type} without a file name`);
  else event(type === 'rename' ? 'fs-rename' : 'fs-change', join(root, filename));
});
watcher.on('error', (error) => note(`error: ${error.message}`));

// On Linux the recursive watch is set up synchronously by the call above.
serve({ close: () => watcher.close() });
ready();
