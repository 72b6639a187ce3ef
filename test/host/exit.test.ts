/**
 * Process lifetime with KernelReaders, checked in child processes that must
 * exit on their own within a deadline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tempDir } from './helpers.js';

const ENTRY = JSON.stringify(new URL('../../src/host/linux/index.js', import.meta.url).href);
const CHILD_DEADLINE_MS = 10_000;

const PRELUDE = `
  import { linuxSyscalls, KernelReader, decodeInotify, IN_CREATE, IN_NONBLOCK, IN_CLOEXEC } from ${ENTRY};
  import { writeFileSync } from 'node:fs';
  const sys = linuxSyscalls();
  const dir = process.argv[1];
  const fd = sys.inotifyInit1(IN_NONBLOCK | IN_CLOEXEC);
  sys.inotifyAddWatch(fd, dir, IN_CREATE);
`;

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run `body` as an ES module in a child (argv[1] = a temp dir); kill it after the deadline. */
function runChild(body: string, onStdout?: (line: string, dir: string) => void): Promise<ChildResult> {
  const dir = tempDir();
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', PRELUDE + body, dir.path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_DEADLINE_MS);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      for (const line of chunk.split('\n')) if (line !== '') onStdout?.(line, dir.path);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      dir.cleanup();
      resolve({ code, signal, stdout, stderr });
    });
  });
}

test('a process that starts and stops a reader exits on its own', async () => {
  const r = await runChild(`
    const reader = new KernelReader(fd, () => {}, (e) => { console.error(e); process.exitCode = 1; });
    reader.start();
    await reader.stop();
    sys.close(fd);
    console.log('stopped');
  `);
  assert.equal(r.signal, null, `child killed after ${CHILD_DEADLINE_MS} ms: it did not exit on its own`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim(), 'stopped');
});

test('a running reader keeps the process alive until an event arrives and it is stopped', async () => {
  const r = await runChild(`
    const reader = new KernelReader(fd, async (buf) => {
      console.log('got ' + decodeInotify(buf).map((e) => e.name).join(','));
      await reader.stop();
      sys.close(fd);
    }, (e) => { console.error(e); process.exitCode = 1; });
    reader.start();
    console.log('ready');
  `, (line, dir) => {
    if (line === 'ready') writeFileSync(join(dir, 'late'), ''); // only now: the child has nothing else keeping it alive
  });
  assert.equal(r.signal, null, r.stderr);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.stdout.trim().split('\n'), ['ready', 'got late']);
});

test('an unref()ed running reader lets the process exit without stop()', async () => {
  const r = await runChild(`
    // Once data has arrived the worker is certainly up and back in poll().
    const reader = new KernelReader(fd, () => { reader.unref(); console.log(reader.state); }, (e) => { console.error(e); process.exitCode = 1; });
    reader.start();
    writeFileSync(dir + '/f', '');
  `);
  assert.equal(r.signal, null, `child killed after ${CHILD_DEADLINE_MS} ms: the worker blocked the exit`);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stderr, '');
  assert.equal(r.stdout.trim(), 'running');
});

test('process.exit() with persistent readers running exits with its code', async () => {
  const r = await runChild(`
    const fd2 = sys.inotifyInit1(IN_NONBLOCK | IN_CLOEXEC);
    sys.inotifyAddWatch(fd2, dir, IN_CREATE);
    let got = 0;
    for (const f of [fd, fd2]) new KernelReader(f, () => { if (++got === 2) process.exit(7); }, (e) => console.error(e)).start();
    writeFileSync(dir + '/f', '');
  `);
  assert.equal(r.signal, null, `child killed after ${CHILD_DEADLINE_MS} ms: a worker blocked the exit`);
  assert.equal(r.code, 7, r.stderr);
  assert.equal(r.stderr, '');
});
