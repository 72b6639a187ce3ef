/**
 * Output helpers for the long-running commands: a line buffer that writes
 * once per turn of the event loop (a burst of events costs one write, not
 * one per line), and the setup progress shown on a terminal while a large
 * tree is being watched.
 */
import type { Io } from './io.js';

export class LineWriter {
  private pending = '';
  private scheduled = false;

  constructor(private readonly write: (text: string) => void) {}

  push(text: string): void {
    this.pending += text;
    if (this.pending.length > 1 << 16) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): void {
    this.scheduled = false;
    if (this.pending === '') return;
    const text = this.pending;
    this.pending = '';
    this.write(text);
  }
}

/** Directories after which a terminal gets a progress line. */
const PROGRESS_FROM = 2048;

function count(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** "Setting up watches: 12,288 directories (24,100/s)" on a terminal's stderr, rewritten in place. */
export class SetupProgress {
  private readonly started = performance.now();
  private shownAt = 0;
  private dirs = 0;

  constructor(
    private readonly io: Io,
    private readonly enabled: boolean,
  ) {}

  update(dirs: number): void {
    this.dirs = dirs;
    if (!this.enabled || dirs < PROGRESS_FROM) return;
    const now = performance.now();
    if (now - this.shownAt < 100) return;
    this.shownAt = now;
    const rate = dirs / ((now - this.started) / 1000);
    this.io.err(`\rSetting up watches: ${count(dirs)} directories (${count(rate)}/s)\x1b[K`);
  }

  /** Clear the progress line; the one-line summary to print, if progress was shown. */
  finish(): string | null {
    if (this.shownAt === 0) return null;
    const seconds = (performance.now() - this.started) / 1000;
    this.io.err('\r\x1b[K');
    return `${count(this.dirs)} directories in ${seconds.toFixed(2)} s (${count(this.dirs / seconds)}/s)`;
  }
}
