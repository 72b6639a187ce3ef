/**
 * Running the built CLI as users do (`node dist/src/cli/main.js …`) in a
 * temp directory, reacting to its standard error (e.g. doing the filesystem
 * operations once "Watches established." is printed), with a deadline.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fdinfoTexts } from '../host/helpers.js';

export const CLI = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));
export const DEADLINE_MS = 15_000;

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface CliRun {
  /** Resolves when the process ends (killed with SIGKILL after the deadline). */
  done: Promise<CliResult>;
  kill(signal: NodeJS.Signals): void;
  /** Resolves once standard output (or error) contains `text`; rejects at the deadline. */
  waitOut(text: string): Promise<void>;
  waitErr(text: string): Promise<void>;
  /** Resolves once the process holds at least `n` inotify watches (from /proc/PID/fdinfo): for -q runs. */
  waitWatches(n: number): Promise<void>;
  /** Resolves once the process holds at least `n` fanotify marks (from /proc/PID/fdinfo): for -q --fanotify runs. */
  waitFanotifyMarks(n: number): Promise<void>;
}

/** fanotify marks (inode, mount or filesystem) held by process `pid`. */
export function fanotifyMarksOf(pid: number): number {
  let n = 0;
  for (const info of fdinfoTexts(pid)) n += [...info.matchAll(/^fanotify (ino|sdev|mnt_id):/gm)].length;
  return n;
}

/** Inotify watches with events in their mask held by process `pid`. */
export function watchesOf(pid: number): number {
  let n = 0;
  for (const info of fdinfoTexts(pid)) {
    for (const m of info.matchAll(/^inotify wd:\S+ .* mask:([0-9a-f]+)/gm)) if (parseInt(m[1]!, 16) & 0xfff) n++;
  }
  return n;
}

export function runCli(args: readonly string[], cwd: string, stdin?: string, env?: NodeJS.ProcessEnv): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['pipe', 'pipe', 'pipe'], ...(env !== undefined ? { env: { ...process.env, ...env } } : {}) });
  if (stdin !== undefined) child.stdin.end(stdin);
  else child.stdin.end();
  let stdout = '';
  let stderr = '';
  const waiters: { stream: 'out' | 'err'; text: string; resolve: () => void }[] = [];
  const check = (): void => {
    for (let i = waiters.length - 1; i >= 0; i--) {
      const w = waiters[i]!;
      if ((w.stream === 'out' ? stdout : stderr).includes(w.text)) {
        waiters.splice(i, 1);
        w.resolve();
      }
    }
  };
  child.stdout.setEncoding('utf8').on('data', (c: string) => {
    stdout += c;
    check();
  });
  child.stderr.setEncoding('utf8').on('data', (c: string) => {
    stderr += c;
    check();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
  const done = new Promise<CliResult>((resolve) => {
    child.on('close', (code, signal) => {
      clearTimeout(killer);
      resolve({ code, signal, stdout, stderr });
    });
  });
  const wait = (stream: 'out' | 'err', text: string): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      waiters.push({ stream, text, resolve });
      check();
      void done.then(() => {
        const have = stream === 'out' ? stdout : stderr;
        if (!have.includes(text)) reject(new Error(`the CLI ended without printing ${JSON.stringify(text)}; stdout:\n${stdout}\nstderr:\n${stderr}`));
      });
    });
  let ended = false;
  void done.then(() => (ended = true));
  const waitCount = async (count: (pid: number) => number, n: number, what: string): Promise<void> => {
    const deadline = Date.now() + DEADLINE_MS;
    while (!ended && count(child.pid!) < n) {
      if (Date.now() > deadline) throw new Error(`the CLI never held ${n} ${what}; stderr:\n${stderr}`);
      await new Promise<void>((resolve) => setTimeout(resolve, 5));
    }
  };
  return {
    done,
    kill: (s) => child.kill(s),
    waitOut: (t) => wait('out', t),
    waitErr: (t) => wait('err', t),
    waitWatches: (n) => waitCount(watchesOf, n, 'inotify watches'),
    waitFanotifyMarks: (n) => waitCount(fanotifyMarksOf, n, 'fanotify marks'),
  };
}

export function tempDir(): { path: string; cleanup(): void } {
  const path = mkdtempSync(join(tmpdir(), 'tsnotify-cli-'));
  return { path, cleanup: () => rmSync(path, { recursive: true, force: true }) };
}
