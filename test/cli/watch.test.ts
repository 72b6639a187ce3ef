/**
 * `tsnotify watch` against a temp directory: inotifywatch's table on
 * standard output, its messages on standard error, its exit codes.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { runCli, tempDir } from './helpers.js';

const SETUP = 'Establishing watches...\nFinished establishing watches, now collecting statistics.\n';

async function watchRun(args: string[], act: (dir: string) => void, signal?: NodeJS.Signals) {
  const dir = tempDir();
  try {
    mkdirSync(`${dir.path}/d`);
    mkdirSync(`${dir.path}/e`);
    const run = runCli(['watch', ...args], dir.path);
    await run.waitErr('now collecting statistics.').catch(() => undefined);
    act(dir.path);
    if (signal !== undefined) run.kill(signal);
    return await run.done;
  } finally {
    dir.cleanup();
  }
}

test('watch -t prints inotifywatch\'s table, sorted by total', async () => {
  const r = await watchRun(['-t', '1', '-r', '-e', 'create,modify,close_write', '.'], (d) => {
    writeFileSync(`${d}/d/a`, 'x');
    writeFileSync(`${d}/d/b`, 'x');
    writeFileSync(`${d}/top`, 'x');
  });
  assert.equal(r.stderr, SETUP);
  assert.equal(
    r.stdout,
    'total  modify  close_write  create  filename\n' + '6      2       2            2       ./d/\n' + '3      1       1            1       ./\n',
  );
  assert.equal(r.code, 0);
});

test('watch counts a new directory\'s contents from the start (-r)', async () => {
  const r = await watchRun(['-t', '1', '-r', '-e', 'create', '.'], (d) => {
    mkdirSync(`${d}/n`);
    for (let i = 0; i < 5; i++) writeFileSync(`${d}/n/f${i}`, '');
  });
  assert.equal(r.stdout, 'total  create  filename\n' + '5      5       ./n/\n' + '1      1       ./\n');
});

test('watch -a sorts ascending, -z shows zero rows and columns', async () => {
  const r = await watchRun(['-t', '1', '-r', '-z', '-a', 'total', '-e', 'create,delete', '.'], (d) => {
    writeFileSync(`${d}/d/x`, '');
  });
  assert.equal(r.stdout, 'total  create  delete  filename\n' + '0      0       0       ./\n' + '0      0       0       ./e/\n' + '1      1       0       ./d/\n');
});

test('watch --json prints the counts as one object', async () => {
  const r = await watchRun(['-t', '1', '--json', '-e', 'create', 'd'], (d) => writeFileSync(`${d}/d/x`, ''));
  const o = JSON.parse(r.stdout) as { events: string[]; watches: unknown[] };
  assert.deepEqual(o.events, ['create']);
  assert.deepEqual(o.watches, [{ path: 'd/', total: 1, create: 1 }]);
});

test('watch prints the table on SIGINT and exits 0', async () => {
  const r = await watchRun(['-z', '-e', 'create', 'd'], () => {}, 'SIGINT');
  assert.equal(r.signal, null);
  assert.equal(r.code, 0);
  assert.equal(r.stdout, 'total  create  filename\n0      0       d/\n');
});

test('watch with no event says so on standard error', async () => {
  const r = await watchRun(['-t', '1', 'd'], () => {});
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', SETUP + 'No events occurred.\n']);
});

test('watch rejects a bad sort key and a missing path', async () => {
  const bad = await watchRun(['-t', '1', '-d', 'foo', 'd'], () => {});
  assert.deepEqual([bad.code, bad.stdout, bad.stderr], [1, '', "'foo' is not a valid key for sorting!\n"]);
  const missing = await watchRun(['-t', '1', '/nonexistent/y'], () => {});
  assert.deepEqual([missing.code, missing.stderr], [1, 'Establishing watches...\nFailed to watch /nonexistent/y: No such file or directory\n']);
});

test('watch --help shows the options and examples; trace is an extension point', async () => {
  const r = await watchRun(['--help'], () => {});
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: tsnotify watch/);
  assert.match(r.stdout, /Examples:/);
});
