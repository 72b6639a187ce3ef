/**
 * `-s/--syslog`: diagnostics to the system log instead of standard error,
 * as inotifywait sends them (facility daemon, priority info: `<30>`, the
 * tag and the pid: `tsnotify[1234]: Watches established.`), one message per
 * line.
 *
 * Node cannot write to a Unix datagram socket, so each message is handed to
 * util-linux `logger` (`--socket-errors=on -u SOCKET`), which sends the same
 * RFC 3164 datagram glibc's syslog(3) does. The socket is /dev/log, or
 * $TSNOTIFY_SYSLOG_SOCKET. When there is no socket there, or no `logger`,
 * or logger fails, the messages go to the fallback (standard error) instead,
 * after a one-line note saying why — never silently lost. (inotifywait
 * falls back to /dev/console; a terminal-less console is not a better
 * place for a user's errors than their own stderr.)
 */
import { spawnSync } from 'node:child_process';
import { statSync } from 'node:fs';

export const SYSLOG_TAG = 'tsnotify';

/** The socket messages go to: $TSNOTIFY_SYSLOG_SOCKET, or /dev/log. */
export function syslogSocket(): string {
  const env = process.env['TSNOTIFY_SYSLOG_SOCKET'];
  return env !== undefined && env !== '' ? env : '/dev/log';
}

/** Why syslog cannot be used, or null when the socket is there. (logger itself is checked on first use.) */
export function syslogUnavailable(socket = syslogSocket()): string | null {
  try {
    if (statSync(socket).isSocket()) return null;
    return `${socket} is not a socket`;
  } catch (e) {
    return `no syslog socket at ${socket} (${(e as NodeJS.ErrnoException).code ?? 'error'})`;
  }
}

export class SyslogWriter {
  private failed: string | null;
  private noted = false;

  constructor(
    /** Where messages go when syslog cannot take them, after a note. */
    private readonly fallback: (text: string) => void,
    /** Who says so in the note, e.g. 'tsnotify wait'. */
    private readonly who = SYSLOG_TAG,
    private readonly socket = syslogSocket(),
  ) {
    this.failed = syslogUnavailable(socket);
  }

  /** Why messages go to the fallback, or null while syslog takes them. */
  get unavailable(): string | null {
    return this.failed;
  }

  /** Text as it would have gone to stderr: each non-empty line is one message. */
  write(text: string): void {
    for (const line of text.split('\n')) {
      if (line.replace(/\r/g, '') === '') continue;
      if (this.failed === null) this.send(line);
      if (this.failed !== null) {
        if (!this.noted) {
          this.noted = true;
          this.fallback(`${this.who}: syslog is unavailable (${this.failed}); messages go to standard error\n`);
        }
        this.fallback(line + '\n');
      }
    }
  }

  private send(line: string): void {
    const r = spawnSync('logger', ['--socket-errors=on', '-u', this.socket, '-p', 'daemon.info', '-t', SYSLOG_TAG, `--id=${process.pid}`, '--', line], {
      stdio: ['ignore', 'ignore', 'pipe'],
      encoding: 'utf8',
      timeout: 5000,
    });
    if (r.error !== undefined) {
      const code = (r.error as NodeJS.ErrnoException).code;
      this.failed = code === 'ENOENT' ? "no 'logger' command (util-linux) to write to it" : `logger: ${r.error.message}`;
    } else if (r.status !== 0) {
      this.failed = `logger exited with ${r.status ?? r.signal}: ${r.stderr.trim() || 'no message'}`;
    }
  }
}
