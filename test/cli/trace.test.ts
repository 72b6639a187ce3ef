/**
 * `tsnotify trace` (fatrace-like): as root, a filesystem mark on a scratch
 * tmpfs reports another process's open/write/close with its pid and the
 * path; without root it refuses clearly. Bounded: -s ends the trace.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CLI, runCli } from './helpers.js';
import { traceTypes } from '../../src/cli/commands/trace.js';
import { FAN_CLOSE_WRITE, FAN_MODIFY, FAN_OPEN } from '../../src/fanotify/index.js';

const root = process.platform === 'linux' && process.geteuid?.() === 0;

test('trace letters follow fatrace: open, read, write, close', () => {
  assert.equal(traceTypes(FAN_OPEN | FAN_MODIFY | FAN_CLOSE_WRITE), 'OWC');
  assert.equal(traceTypes(0), '');
});

test('trace reports who wrote what on a traced filesystem', { skip: root ? false : 'needs root (CAP_SYS_ADMIN)' }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsnotify-trace-'));
  spawnSync('mount', ['-t', 'tmpfs', 'tmpfs', dir]);
  try {
    const run = runCli(['trace', '-s', '4', '--json', dir], dir);
    await run.waitErr('Tracing the filesystem of');
    const writer = spawn('sh', ['-c', `echo hi > ${join(dir, 'traced')}`]);
    await new Promise((r) => writer.once('exit', r));
    const result = await run.done;
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trim().split('\n').map((l) => JSON.parse(l) as { pid: number; types: string; path: string });
    const mine = lines.filter((l) => l.pid === writer.pid && l.path === join(dir, 'traced'));
    assert.ok(mine.length > 0, `no event of the writer in ${result.stdout}`);
    const types = mine.map((l) => l.types).join('');
    for (const t of ['O', 'W', 'C']) assert.ok(types.includes(t), `${t} missing from ${types}`);
  } finally {
    spawnSync('umount', ['-l', dir]);
    rmdirSync(dir);
  }
});

test('trace without root says CAP_SYS_ADMIN is needed and exits 1', { skip: root ? false : 'needs root to drop to another user' }, () => {
  const r = spawnSync(process.execPath, [CLI, 'trace', '-s', '1', '/'], { uid: 65534, gid: 65534, encoding: 'utf8', timeout: 15_000 });
  assert.equal(r.status, 1);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /CAP_SYS_ADMIN/);
});
