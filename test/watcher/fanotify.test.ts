/**
 * The Watcher's fanotify mode on the real kernel (one filesystem mark for
 * the tree), and the switch from inotify to fanotify at the watch limit.
 * Needs root (CAP_SYS_ADMIN); every wait is for an event or a state, with a
 * deadline.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { isSystemError, watch, type WatchEvent, type Watcher } from '../../src/index.js';
import { fdinfoTexts } from '../host/helpers.js';
import { DEADLINE_MS, diskTree, limitWatches, line, setSysctl, tempRoot, waitFor } from './helpers.js';

const isRoot = process.getuid?.() === 0;
// A test that waits on something that never comes fails after a minute instead of holding up the run.
const needsRoot = { skip: !isRoot && 'a fanotify filesystem mark needs CAP_SYS_ADMIN (run as root)', timeout: 60_000 };

async function fanWatch(root: string, options: Parameters<typeof watch>[1] = {}) {
  const w = watch(root, { mode: 'fanotify', ...options });
  const events: WatchEvent[] = [];
  w.on('event', (e) => events.push(e));
  await w.ready;
  return { w, events, lines: () => events.map((e) => line(e, root)) };
}

/** Inotify instances open in this process. */
function ownInotifyFds(): number {
  return fdinfoTexts('self').filter((info) => info.includes('inotify wd:')).length;
}

async function closeAndClean(w: Watcher, root: string): Promise<void> {
  await w.close();
  rmSync(root, { recursive: true, force: true });
}

test('fanotify mode: creates, writes, attribs, renames in, out and within, removed trees; no inotify watch; model = disk', needsRoot, async () => {
  const root = tempRoot();
  for (let i = 0; i < 40; i++) {
    mkdirSync(`${root}/d${i}/x`, { recursive: true });
    writeFileSync(`${root}/d${i}/x/f`, 'a');
  }
  const outside = mkdtempSync(join(tmpdir(), 'tsnotify-outside-'));
  const { w, lines } = await fanWatch(root);
  try {
    assert.equal(ownInotifyFds(), 0, 'fanotify mode holds no inotify instance');
    mkdirSync(`${root}/n/a/b`, { recursive: true });
    writeFileSync(`${root}/n/a/b/file`, 'x');
    renameSync(`${root}/d1`, `${root}/n/d1moved`);
    rmSync(`${root}/d2`, { recursive: true });
    chmodSync(`${root}/d4/x/f`, 0o600);
    mkdirSync(`${outside}/m/q`, { recursive: true });
    writeFileSync(`${outside}/m/q/z`, '');
    renameSync(`${outside}/m`, `${root}/movedin`);
    renameSync(`${root}/d5`, `${outside}/d5`);
    await w.drain();
    const got = lines();
    const expected = [
      'create/ n',
      'create/ n/a',
      'create/ n/a/b',
      'create n/a/b/file',
      'modify n/a/b/file',
      'write-complete n/a/b/file',
      'rename/ n/d1moved <- d1',
      'delete d2/x/f',
      'delete/ d2/x',
      'delete/ d2',
      'attrib d4/x/f',
      'create/ movedin',
      'create/ movedin/q',
      'create movedin/q/z',
      'delete/ d5',
    ];
    assert.deepEqual(got, expected);
    const c = w.coverage();
    assert.deepEqual(c.fanotify, [root]);
    assert.deepEqual(c.eventDriven, [root]);
    assert.equal(c.watchedDirs, 0);
    assert.equal(c.complete, true);
    assert.deepEqual(w.paths().sort(), diskTree(root));
  } finally {
    await closeAndClean(w, root);
    rmSync(outside, { recursive: true, force: true });
  }
});

test('fanotify mode: 1,000 nested directories made in a burst and a file at the bottom are all reported, once each', needsRoot, async () => {
  const root = tempRoot();
  const { w, events } = await fanWatch(root);
  try {
    let p = root;
    const made: string[] = [];
    for (let i = 0; i < 1000; i++) {
      p += `/${i % 10}`;
      made.push(p);
    }
    mkdirSync(p, { recursive: true });
    writeFileSync(`${p}/bottom`, '');
    made.push(`${p}/bottom`);
    await waitFor(() => events.some((e) => e.type === 'create' && e.path === `${p}/bottom`), 'the file at the bottom');
    await w.drain();
    const creates = events.filter((e) => e.type === 'create').map((e) => e.path);
    assert.deepEqual(creates, made);
  } finally {
    await closeAndClean(w, root);
  }
});

test('fanotify mode: ignore globs and a non-recursive Watcher filter in user space', needsRoot, async () => {
  const root = tempRoot();
  mkdirSync(`${root}/node_modules/pkg`, { recursive: true });
  mkdirSync(`${root}/src/deep`, { recursive: true });
  const { w, lines } = await fanWatch(root, { ignore: ['node_modules', '*.log'] });
  const flat = await fanWatch(root, { recursive: false });
  try {
    writeFileSync(`${root}/node_modules/pkg/index.js`, '');
    writeFileSync(`${root}/src/app.log`, '');
    writeFileSync(`${root}/src/deep/kept.ts`, '');
    writeFileSync(`${root}/top.ts`, '');
    await w.drain();
    await flat.w.drain();
    assert.deepEqual(lines().filter((l) => l.startsWith('create')), ['create src/deep/kept.ts', 'create top.ts']);
    assert.deepEqual(flat.lines().filter((l) => l.startsWith('create')), ['create top.ts']);
    assert.ok(!w.paths().some((x) => x.includes('node_modules')), 'nothing of node_modules in the model');
  } finally {
    await flat.w.close();
    await closeAndClean(w, root);
  }
});

test('fanotify mode: a root reached through a symbolic link reports paths under the name it was given', needsRoot, async () => {
  const real = tempRoot();
  const link = `${real}-link`;
  symlinkSync(real, link);
  const { w, lines } = await fanWatch(link);
  try {
    writeFileSync(`${real}/f`, '');
    await w.drain();
    assert.equal(w.root, link);
    assert.ok(lines().includes('create f'), lines().join('\n'));
  } finally {
    await closeAndClean(w, real);
    rmSync(link, { force: true });
  }
});

test('fanotify mode without CAP_SYS_ADMIN: ready rejects with EPERM, saying what is needed', needsRoot, async () => {
  const root = tempRoot();
  chmodSync(root, 0o755);
  const entry = JSON.stringify(new URL('../../src/index.js', import.meta.url).href);
  const body = `
    import { watch } from ${entry};
    try { await watch(process.argv[1], { mode: 'fanotify' }).ready; console.log('ready?!'); }
    catch (e) { console.log(e.code + ' ' + e.message); }
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', body, root], { stdio: ['ignore', 'pipe', 'pipe'], uid: 65534, gid: 65534 });
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  const timer = setTimeout(() => child.kill('SIGKILL'), DEADLINE_MS);
  await new Promise((resolve) => child.on('close', resolve));
  clearTimeout(timer);
  rmSync(root, { recursive: true, force: true });
  assert.match(out, /^EPERM .*CAP_SYS_ADMIN/);
});

/**
 * A child process watching in fanotify mode prints each event as JSON; it is
 * stopped (SIGSTOP) while a burst overflows its kernel queue (lowered
 * fs.fanotify.max_queued_events), then resumed: the stream it printed,
 * replayed on the tree it started from, must equal the disk, with a resync.
 */
test('fanotify mode: a kernel queue overflow is recovered with the exact delta, then resync', needsRoot, async () => {
  const root = tempRoot();
  for (let i = 0; i < 30; i++) {
    mkdirSync(`${root}/old${i}`);
    writeFileSync(`${root}/old${i}/f`, '');
  }
  const before = diskTree(root);
  const entry = JSON.stringify(new URL('../../src/index.js', import.meta.url).href);
  const body = `
    import { watch } from ${entry};
    const w = watch(process.argv[1], { mode: 'fanotify' });
    w.on('event', (e) => process.stdout.write(JSON.stringify(e) + '\\n'));
    w.on('error', (e) => process.stdout.write(JSON.stringify({ type: 'error', path: String(e) }) + '\\n'));
    await w.ready; // stopped at once: an overflow right after ready must still be diffed exactly
    process.stdout.write(JSON.stringify({ type: 'READY' }) + '\\n');
  `;
  let child: ReturnType<typeof spawn> | null = null;
  const events: WatchEvent[] = [];
  let restore = (): void => undefined;
  try {
    restore = setSysctl('/proc/sys/fs/fanotify/max_queued_events', 64); // read by fanotify_init in the child
    child = spawn(process.execPath, ['--input-type=module', '-e', body, root], { stdio: ['ignore', 'pipe', 'inherit'] });
    let buf = '';
    child.stdout!.setEncoding('utf8').on('data', (c: string) => {
      buf += c;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        events.push(JSON.parse(buf.slice(0, nl)) as WatchEvent);
        buf = buf.slice(nl + 1);
      }
    });
    await waitFor(() => events.some((e) => (e.type as string) === 'READY'), 'the child to be ready');
    restore();
    child.kill('SIGSTOP');
    for (let i = 0; i < 400; i++) writeFileSync(`${root}/new${i}`, '');
    for (let i = 0; i < 10; i++) rmSync(`${root}/old${i}`, { recursive: true });
    for (let i = 10; i < 15; i++) renameSync(`${root}/old${i}`, `${root}/renamed${i}`);
    mkdirSync(`${root}/newdir/sub`, { recursive: true });
    writeFileSync(`${root}/newdir/sub/g`, '');
    child.kill('SIGCONT');
    await waitFor(() => events.some((e) => e.type === 'resync'), 'resync after the overflow');
    // Replay the stream on the starting tree: it must end equal to the disk.
    const view = new Set(before);
    const dropUnder = (p: string): void => {
      for (const x of [...view]) if (x === p || x.startsWith(p + '/')) view.delete(x);
    };
    await waitFor(
      () => {
        view.clear();
        for (const p of before) view.add(p);
        for (const e of events) {
          if (e.type === 'create') view.add(e.path);
          else if (e.type === 'delete') dropUnder(e.path);
          else if (e.type === 'rename') {
            const moved = [...view].filter((x) => x === e.oldPath || x.startsWith(e.oldPath + '/'));
            dropUnder(e.oldPath!);
            for (const x of moved) view.add(e.path + x.slice(e.oldPath!.length));
          }
        }
        return [...view].sort().join('\n') === diskTree(root).join('\n');
      },
      'the replayed stream to equal the disk',
    );
    assert.ok(!events.some((e) => (e.type as string) === 'error'), JSON.stringify(events.filter((e) => (e.type as string) === 'error')));
  } finally {
    restore();
    if (child !== null) {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    }
    rmSync(root, { recursive: true, force: true });
  }
});

test('at the watch limit, as root, the Watcher switches to fanotify: watches freed, no polling, exact model', needsRoot, async () => {
  const root = tempRoot();
  for (const d of ['a', 'b', 'c', 'c/d', 'c/d/e', 'c/d/e/f']) mkdirSync(`${root}/${d}`);
  writeFileSync(`${root}/c/d/e/old`, '');
  let w: Watcher | null = null;
  const events: string[] = [];
  const restore = limitWatches(2);
  try {
    w = watch(root, { pollIntervalMs: 3_600_000 }); // a poll could not explain any event below
    w.on('event', (e) => events.push(line(e, root)));
    let switched = false;
    w.on('coverage', (c) => (switched ||= c.fanotify.length > 0));
    await w.ready;
    await waitFor(() => switched, 'the switch to fanotify');
  } finally {
    restore();
  }
  try {
    const c = w.coverage();
    assert.deepEqual(c.fanotify, [root]);
    assert.equal(c.complete, true, JSON.stringify(c));
    assert.equal(c.polled.length, 0);
    assert.equal(ownInotifyFds(), 0, 'the inotify instance and its watches were released');
    assert.ok(events.includes('resync/ .'), events.join('\n'));
    events.length = 0;
    writeFileSync(`${root}/c/d/e/f/new`, '');
    mkdirSync(`${root}/c/d/e/f/g`);
    writeFileSync(`${root}/c/d/e/f/g/h`, '');
    await waitFor(() => events.includes('create c/d/e/f/g/h'), 'events from the deepest subtree, event-driven');
    assert.deepEqual(events.filter((l) => l.startsWith('create')), ['create c/d/e/f/new', 'create/ c/d/e/f/g', 'create c/d/e/f/g/h']);
    assert.deepEqual(w.paths().sort(), diskTree(root));
  } finally {
    await closeAndClean(w, root);
  }
});

test("at the watch limit with onLimit 'poll' there is no switch", needsRoot, async () => {
  const root = tempRoot();
  for (const d of ['a', 'b', 'c']) mkdirSync(`${root}/${d}`);
  let w: Watcher | null = null;
  const restore = limitWatches(1);
  try {
    w = watch(root, { pollIntervalMs: 3_600_000, onLimit: 'poll' });
    await w.ready;
    await new Promise<void>((resolve) => setImmediate(resolve)); // where the switch would be scheduled
    await w.drain();
  } finally {
    restore();
  }
  try {
    const c = w.coverage();
    assert.deepEqual(c.fanotify, []);
    assert.ok(c.polledDirs >= 2, JSON.stringify(c));
  } finally {
    await closeAndClean(w, root);
  }
});

test('fanotify mode: a missing root rejects ready with ENOENT', needsRoot, async () => {
  await assert.rejects(watch('/nonexistent-tsnotify-root', { mode: 'fanotify' }).ready, (e) => isSystemError(e, 'ENOENT'));
});
