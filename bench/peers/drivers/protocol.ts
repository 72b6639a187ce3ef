/**
 * The driver side of the peer benchmark's line protocol (see ../README.md).
 * A driver watches one root and writes, on standard output, `READY` once
 * watching, then one line per event; it answers `VIEW` on standard input
 * with the paths it believes exist, and exits on `QUIT` or end of input.
 *
 * Lines are batched and flushed on the next turn of the event loop, so a
 * burst of callbacks costs one write, not one per event.
 */
import { createInterface } from 'node:readline';

let pending = '';
let scheduled = false;

function flush(): void {
  scheduled = false;
  if (pending.length === 0) return;
  const text = pending;
  pending = '';
  process.stdout.write(text);
}

function send(line: string): void {
  pending += line + '\n';
  if (pending.length > 1 << 16) flush();
  else if (!scheduled) {
    scheduled = true;
    setImmediate(flush);
  }
}

/** Announces that the watcher is watching. */
export function ready(): void {
  send('READY');
  flush();
}

/** One event; fields are TAB-separated, so paths may hold spaces. */
export function event(type: string, path: string, oldPath?: string): void {
  send(oldPath === undefined ? `EV\t${type}\t${path}` : `EV\t${type}\t${path}\t${oldPath}`);
}

/** The watcher said events were lost (queue overflow, recrawl, resync). */
export function overflow(detail = ''): void {
  send(detail ? `OVERFLOW\t${detail}` : 'OVERFLOW');
}

/** Anything else worth showing in the harness's notes. */
export function note(text: string): void {
  send(`NOTE\t${text.replace(/\s+/g, ' ')}`);
}

/** A driver that cannot run prints why and exits with status 3. */
export function skip(reason: string): never {
  process.stdout.write(`SKIP\t${reason.replace(/\s+/g, ' ')}\n`);
  process.exit(3);
}

export interface DriverHooks {
  /** Paths the watcher believes exist; undefined when it keeps no view. */
  view?: () => Promise<Iterable<string>>;
  close: () => Promise<void> | void;
}

/** Serves VIEW and QUIT on standard input for the rest of the process. */
export function serve(hooks: DriverHooks): void {
  const input = createInterface({ input: process.stdin });
  let closing = false;
  const quit = async (): Promise<void> => {
    if (closing) return;
    closing = true;
    flush();
    try {
      await hooks.close();
    } finally {
      process.exit(0);
    }
  };
  input.on('line', (line) => {
    if (line === 'QUIT') void quit();
    else if (line === 'VIEW') void answerView(hooks);
  });
  input.on('close', () => void quit());
}

async function answerView(hooks: DriverHooks): Promise<void> {
  flush();
  if (!hooks.view) {
    process.stdout.write('VIEW-NONE\n');
    return;
  }
  const paths = await hooks.view();
  let chunk = 'VIEW-BEGIN\n';
  let count = 0;
  for (const path of paths) {
    chunk += `P\t${path}\n`;
    count += 1;
    if (chunk.length > 1 << 16) {
      process.stdout.write(chunk);
      chunk = '';
    }
  }
  process.stdout.write(`${chunk}VIEW-END\t${count}\n`);
}

/** The root argument, made absolute without a trailing slash. */
export function rootArgument(): string {
  const root = process.argv[2];
  if (!root) skip('usage: driver ROOT');
  return root.length > 1 ? root.replace(/\/+$/, '') : root;
}
