/**
 * The Watcher on the real filesystem (the kernel's inotify through the host
 * source), on fresh temp directories. Every wait is for an event or a state,
 * with a deadline; nothing sleeps a fixed time.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, renameSync, rmSync, unlinkSync, writeFileSync, mkdtempSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { watch, type WatchEvent, type Watcher } from '../../src/index.js';
import { DEADLINE_MS, diskTree, limitWatches, line, tempRoot, waitFor } from './helpers.js';

const isRoot = process.getuid?.() === 0;

async function hostWatch(root: string, options: Parameters<typeof watch>[1] = {}) {
  const w = watch(root, options);
  const events: WatchEvent[] = [];
  w.on('event', (e) => events.push(e));
  await w.ready;
  return { w, events, lines: () => events.map((e) => line(e, root)) };
}

async function closeAndClean(w: Watcher, root: string): Promise<void> {
  await w.close();
  rmSync(root, { recursive: true, force: true });
}

test('host: 1,000 nested directories made in a burst and a file at the bottom are all reported', async () => {
  const root = tempRoot();
  const { w, events } = await hostWatch(root);
  try {
    let deep = root;
    for (let i = 0; i < 1000; i++) deep += '/x';
    mkdirSync(deep, { recursive: true });
    writeFileSync(deep + '/f', '');
    await waitFor(() => events.some((e) => e.path === deep + '/f'), 'the file at the bottom');
    const creates = events.filter((e) => e.type === 'create');
    assert.equal(creates.length, 1001);
    assert.equal(new Set(creates.map((e) => e.path)).size, 1001, 'each reported once');
    assert.equal(w.coverage().watchedDirs, 1001);
  } finally {
    await closeAndClean(w, root);
  }
});

test('host: files created at once inside each of 300 new directories are all reported, once each', async () => {
  const root = tempRoot();
  const { w, events } = await hostWatch(root);
  try {
    const expected = new Set<string>();
    for (let i = 0; i < 300; i++) {
      const d = `${root}/d${i}`;
      mkdirSync(d);
      expected.add(d);
      for (let j = 0; j < 4; j++) {
        writeFileSync(`${d}/f${j}`, '');
        expected.add(`${d}/f${j}`);
      }
    }
    const created = () => events.filter((e) => e.type === 'create').map((e) => e.path);
    await waitFor(() => created().length >= expected.size, `${expected.size} creates`);
    assert.deepEqual(new Set(created()), expected);
    assert.equal(created().length, expected.size, 'no create reported twice');
    await waitFor(() => w.paths().length === expected.size, 'the model to settle');
    assert.deepEqual(w.paths().sort(), diskTree(root));
  } finally {
    await closeAndClean(w, root);
  }
});

test('host: renames are paired within, across, into and out of the tree', async () => {
  const root = tempRoot();
  const outside = tempRoot();
  mkdirSync(`${root}/a`);
  mkdirSync(`${root}/b`);
  writeFileSync(`${root}/a/f`, '');
  writeFileSync(`${root}/a/g`, '');
  writeFileSync(`${outside}/in`, '');
  const { w, lines } = await hostWatch(root);
  try {
    renameSync(`${root}/a/f`, `${root}/a/f2`);
    renameSync(`${root}/a/f2`, `${root}/b/f3`);
    renameSync(`${outside}/in`, `${root}/b/in`);
    renameSync(`${root}/a/g`, `${outside}/g`);
    renameSync(`${root}/a`, `${root}/c`);
    writeFileSync(`${root}/c/after`, '');
    await waitFor(() => lines().includes('create c/after'), 'the last event');
    assert.deepEqual(lines().slice(0, 5), ['rename a/f2 <- a/f', 'rename b/f3 <- a/f2', 'create b/in', 'delete a/g', 'rename/ c <- a']);
    assert.deepEqual(w.paths().sort(), diskTree(root));
  } finally {
    await closeAndClean(w, root);
    rmSync(outside, { recursive: true, force: true });
  }
});

test('host: an overflow of a small queue is recovered with the exact creates and deletes, then resync', async () => {
  const root = tempRoot();
  mkdirSync(`${root}/keep`);
  for (let i = 0; i < 20; i++) writeFileSync(`${root}/keep/k${i}`, 'x');
  writeFileSync(`${root}/gone`, '');
  writeFileSync(`${root}/chg`, '');
  const { w, events } = await hostWatch(root, { maxQueuedEvents: 2 });
  try {
    const made = new Set<string>();
    for (let i = 0; i < 300; i++) {
      writeFileSync(`${root}/n${i}`, 'y');
      made.add(`${root}/n${i}`);
    }
    mkdirSync(`${root}/nd`);
    writeFileSync(`${root}/nd/inner`, '');
    made.add(`${root}/nd`).add(`${root}/nd/inner`);
    unlinkSync(`${root}/gone`);
    writeFileSync(`${root}/chg`, 'changed');
    const of = (type: string) => events.filter((e) => e.type === type).map((e) => e.path);
    await waitFor(() => of('create').length >= made.size && of('delete').length >= 1 && of('modify').includes(`${root}/chg`), 'every change');
    assert.ok(of('resync').length >= 1, 'the overflow was signalled');
    assert.deepEqual(new Set(of('create')), made);
    assert.equal(of('create').length, made.size, 'no create twice');
    assert.deepEqual(of('delete'), [`${root}/gone`]);
    await waitFor(() => w.paths().length === diskTree(root).length, 'the model to settle');
    assert.deepEqual(w.paths().sort(), diskTree(root));
  } finally {
    await closeAndClean(w, root);
  }
});

test("host: at the watch limit with onLimit 'poll' the Watcher polls the rest, loses no change, and heals", { skip: !isRoot && 'lowering fs.inotify.max_user_watches needs root' }, async () => {
  const root = tempRoot();
  for (const d of ['a', 'b', 'c', 'c/d', 'c/d/e']) mkdirSync(`${root}/${d}`);
  writeFileSync(`${root}/c/d/e/old`, '');
  let w: Watcher | null = null;
  const events: string[] = [];
  const restore = limitWatches(2);
  try {
    w = watch(root, { pollIntervalMs: 60_000, onLimit: 'poll' }); // polling even as root (fanotify.test.ts: the switch)
    w.on('event', (e) => events.push(line(e, root)));
    await w.ready;
    const c = w.coverage();
    assert.equal(c.complete, false);
    assert.ok(c.polledDirs >= 4, JSON.stringify(c));
    writeFileSync(`${root}/c/d/e/new`, '');
    writeFileSync(`${root}/c/d/e/old`, 'grown');
    mkdirSync(`${root}/c/d/e/deeper`);
    writeFileSync(`${root}/c/d/e/deeper/f`, '');
    w.poll();
    for (const expected of ['create c/d/e/new', 'modify c/d/e/old', 'create/ c/d/e/deeper', 'create c/d/e/deeper/f']) {
      assert.ok(events.includes(expected), `${expected} in\n${events.join('\n')}`);
    }
  } finally {
    restore();
  }
  try {
    w.poll(); // the limit changed: the polled subtrees are watched again
    assert.equal(w.coverage().complete, true, JSON.stringify(w.coverage()));
    events.length = 0;
    writeFileSync(`${root}/c/d/e/deeper/g`, '');
    await waitFor(() => events.includes('create c/d/e/deeper/g'), 'an event from a healed subtree', DEADLINE_MS);
  } finally {
    await closeAndClean(w, root);
  }
});

test('host: atomic saves fold into one modify', async () => {
  const root = tempRoot();
  writeFileSync(`${root}/doc`, 'v1');
  const { w, lines } = await hostWatch(root, { atomic: true, batch: { settleMs: 30 } });
  try {
    writeFileSync(`${root}/.doc.tmp`, 'v2');
    renameSync(`${root}/.doc.tmp`, `${root}/doc`);
    await waitFor(() => lines().length > 0, 'the folded event');
    assert.deepEqual(lines(), ['modify doc']);
  } finally {
    await closeAndClean(w, root);
  }
});

test('host: a process exits on its own once its Watcher is closed', async () => {
  const root = tempRoot();
  const entry = JSON.stringify(new URL('../../src/index.js', import.meta.url).href);
  const body = `
    import { watch } from ${entry};
    import { writeFileSync } from 'node:fs';
    const w = watch(process.argv[1]);
    w.on('event', async (e) => { console.log(e.type); await w.close(); });
    await w.ready;
    writeFileSync(process.argv[1] + '/f', '');
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', body, root], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  clearTimeout(timer);
  rmSync(root, { recursive: true, force: true });
  assert.equal(signal, null, 'the child had to be killed: it did not exit after close()');
  assert.equal(code, 0);
  assert.equal(out.trim(), 'create');
});
