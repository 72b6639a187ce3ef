/**
 * A private watchman server for one session: its own socket, state file,
 * log file and pid file in a fresh temporary directory, started in the
 * foreground as a child of the harness and killed when the session ends.
 * Drivers reach it through WATCHMAN_SOCK, which fb-watchman and
 * @parcel/watcher's watchman backend both honour.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from './clock.js';

export interface WatchmanServer {
  sock: string;
  pid: number;
  stop(): Promise<void>;
}

export async function startWatchman(): Promise<WatchmanServer> {
  const dir = mkdtempSync(join(tmpdir(), 'tsnotify-watchman-'));
  const sock = join(dir, 'sock');
  const args = [
    '--foreground',
    '--no-save-state',
    `--sockname=${sock}`,
    `--statefile=${join(dir, 'state')}`,
    `--logfile=${join(dir, 'log')}`,
    `--pidfile=${join(dir, 'pid')}`,
  ];
  const child = spawn('watchman', args, { stdio: 'ignore' });
  let exited = false;
  child.on('exit', () => (exited = true));
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  const stop = async (): Promise<void> => {
    if (!exited) {
      child.kill('SIGCONT');
      child.kill('SIGTERM');
      if (!(await until(() => exited, 5000))) child.kill('SIGKILL');
      await until(() => exited, 5000);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  if (!(await until(() => existsSync(sock) || exited, 10_000)) || exited) {
    await stop();
    throw new Error('the private watchman server did not start within 10 s');
  }
  return { sock, pid: child.pid ?? 0, stop };
}
