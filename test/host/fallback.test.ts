/**
 * The portable host sources (fs.watch + stat snapshots, and polling) on real
 * temp directories, through the inotify front-end as a user would drive
 * them. Every wait is bounded; after the expected events, flush() rescans
 * everything and the queue must stay empty (nothing extra was reported).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, chmodSync, lutimesSync, mkdirSync, renameSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSystemError } from '../../src/errors.js';
import { createHostSource, FsWatchSource, PollSource } from '../../src/host/index.js';
import type { HostSource } from '../../src/host/index.js';
import {
  formatInotifyEvent,
  IN_ALL_EVENTS,
  IN_ATTRIB,
  IN_CREATE,
  IN_DELETE,
  IN_DELETE_SELF,
  IN_DONT_FOLLOW,
  IN_IGNORED,
  IN_ISDIR,
  IN_MODIFY,
  IN_MOVE_SELF,
  IN_MOVED_FROM,
  IN_MOVED_TO,
  IN_ONLYDIR,
  inotifyInit,
} from '../../src/inotify/index.js';
import type { Inotify, InotifyEvent } from '../../src/inotify/index.js';
import { Limits } from '../../src/core/index.js';
import { DEADLINE_MS, tempDir, waitUntil } from './helpers.js';

type Kind = 'fswatch' | 'poll';
type FallbackSource = FsWatchSource | PollSource;
const KINDS: readonly Kind[] = ['fswatch', 'poll'];
/** Short enough for quick tests, long enough that a scan never runs back to back. */
const POLL_MS = 20;
const CHILD_DEADLINE_MS = 10_000;

function makeSource(kind: Kind, opts: { limits?: Limits } = {}): FallbackSource {
  return kind === 'fswatch' ? new FsWatchSource(opts) : new PollSource({ ...opts, intervalMs: POLL_MS });
}

const show = (events: readonly InotifyEvent[]): string[] => events.map(formatInotifyEvent);

/** Read until `done(events)` holds; fail with what arrived after `ms`. */
async function readUntil(ino: Inotify, done: (events: InotifyEvent[]) => boolean, what: string, ms = DEADLINE_MS): Promise<InotifyEvent[]> {
  const events: InotifyEvent[] = [];
  const deadline = Date.now() + ms;
  while (!done(events)) {
    const left = deadline - Date.now();
    if (left <= 0) assert.fail(`timed out after ${ms} ms waiting for ${what}; got ${JSON.stringify(show(events))}`);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), left)));
    const got = await Promise.race([ino.readAsync(), timeout]);
    clearTimeout(timer);
    if (got) events.push(...got);
  }
  return events;
}

/** Read exactly `n` events. */
const readN = (ino: Inotify, n: number, what: string): Promise<InotifyEvent[]> => readUntil(ino, (e) => e.length >= n, what);

/** A full rescan reports nothing more: the events seen were all there was. */
async function assertQuiet(ino: Inotify, source: FallbackSource): Promise<void> {
  await source.flush();
  let extra: InotifyEvent[] = [];
  try {
    extra = ino.read();
  } catch (e) {
    if (!isSystemError(e, 'EAGAIN')) throw e;
  }
  assert.deepEqual(show(extra), [], 'no further events after a full rescan');
}

/** One source, one inotify instance, one temp dir; all released afterwards. */
async function withSetup(kind: Kind, body: (s: { source: FallbackSource; ino: Inotify; dir: string }) => Promise<void>): Promise<void> {
  const dir = tempDir('tsnotify-fallback-');
  const source = makeSource(kind);
  const ino = inotifyInit({ source });
  try {
    await body({ source, ino, dir: dir.path });
  } finally {
    if (!ino.closed) ino.close();
    await source.close();
    dir.cleanup();
  }
}

for (const kind of KINDS) {
  test(`${kind}: create, modify and delete in a watched directory are reported with their masks and names`, () =>
    withSetup(kind, async ({ source, ino, dir }) => {
      const wd = ino.addWatch(dir, IN_ALL_EVENTS);
      writeFileSync(join(dir, 'f'), 'one');
      mkdirSync(join(dir, 'sub'));
      assert.deepEqual(show(await readN(ino, 2, 'two creates')), [`wd ${wd} IN_CREATE "f"`, `wd ${wd} IN_CREATE|IN_ISDIR "sub"`]);
      appendFileSync(join(dir, 'f'), 'two');
      const [modify] = await readN(ino, 1, 'IN_MODIFY');
      assert.deepEqual(modify, { wd, mask: IN_MODIFY, cookie: 0, name: 'f' });
      unlinkSync(join(dir, 'f'));
      rmSync(join(dir, 'sub'), { recursive: true });
      assert.deepEqual(show(await readN(ino, 2, 'two deletes')), [`wd ${wd} IN_DELETE "f"`, `wd ${wd} IN_DELETE|IN_ISDIR "sub"`]);
      await assertQuiet(ino, source);
    }));

  test(`${kind}: a rename in one directory is one MOVED_FROM/MOVED_TO pair sharing a fresh cookie`, () =>
    withSetup(kind, async ({ source, ino, dir }) => {
      writeFileSync(join(dir, 'old'), 'x');
      writeFileSync(join(dir, 'other'), 'y');
      const wd = ino.addWatch(dir, IN_ALL_EVENTS);
      renameSync(join(dir, 'old'), join(dir, 'new'));
      const [from, to] = await readN(ino, 2, 'the rename pair');
      assert.deepEqual([from!.wd, from!.mask, from!.name], [wd, IN_MOVED_FROM, 'old']);
      assert.deepEqual([to!.wd, to!.mask, to!.name], [wd, IN_MOVED_TO, 'new']);
      assert.notEqual(from!.cookie, 0);
      assert.equal(to!.cookie, from!.cookie);
      // Over an existing name: still a pair, and no IN_DELETE for the replaced entry (as the kernel).
      renameSync(join(dir, 'new'), join(dir, 'other'));
      const pair = await readN(ino, 2, 'the rename-over pair');
      assert.deepEqual(pair.map((e) => [e.mask, e.name]), [[IN_MOVED_FROM, 'new'], [IN_MOVED_TO, 'other']]);
      assert.notEqual(pair[0]!.cookie, from!.cookie, 'each rename has its own cookie');
      assert.equal(pair[1]!.cookie, pair[0]!.cookie);
      await assertQuiet(ino, source);
    }));

  test(`${kind}: a rename between two watched directories pairs by cookie across watches`, () =>
    withSetup(kind, async ({ source, ino, dir }) => {
      mkdirSync(join(dir, 'a'));
      mkdirSync(join(dir, 'b'));
      mkdirSync(join(dir, 'a', 'tree'));
      const wa = ino.addWatch(join(dir, 'a'), IN_ALL_EVENTS);
      const wb = ino.addWatch(join(dir, 'b'), IN_ALL_EVENTS);
      renameSync(join(dir, 'a', 'tree'), join(dir, 'b', 'moved'));
      const [from, to] = await readN(ino, 2, 'the cross-directory pair');
      assert.deepEqual([from!.wd, from!.mask, from!.name], [wa, IN_MOVED_FROM | IN_ISDIR, 'tree']);
      assert.deepEqual([to!.wd, to!.mask, to!.name], [wb, IN_MOVED_TO | IN_ISDIR, 'moved']);
      assert.equal(to!.cookie, from!.cookie);
      assert.notEqual(from!.cookie, 0);
      await assertQuiet(ino, source);
    }));

  test(`${kind}: chmod is IN_ATTRIB for the child (with its name) and for a watched directory itself`, () =>
    withSetup(kind, async ({ source, ino, dir }) => {
      writeFileSync(join(dir, 'f'), 'x');
      const wd = ino.addWatch(dir, IN_ATTRIB);
      chmodSync(join(dir, 'f'), 0o600);
      assert.deepEqual(await readN(ino, 1, 'IN_ATTRIB on the child'), [{ wd, mask: IN_ATTRIB, cookie: 0, name: 'f' }]);
      chmodSync(dir, 0o700);
      assert.deepEqual(await readN(ino, 1, 'IN_ATTRIB on the directory'), [{ wd, mask: IN_ATTRIB | IN_ISDIR, cookie: 0, name: '' }]);
      await assertQuiet(ino, source);
    }));

  test(`${kind}: removing the watched directory reports its entries, IN_DELETE_SELF, then IN_IGNORED`, () =>
    withSetup(kind, async ({ source, ino, dir }) => {
      const victim = join(dir, 'victim');
      mkdirSync(victim);
      writeFileSync(join(victim, 'f'), 'x');
      const wd = ino.addWatch(victim, IN_ALL_EVENTS);
      assert.equal(source.stats().watches, 1);
      rmSync(victim, { recursive: true });
      const events = await readUntil(ino, (e) => e.some((x) => x.mask & IN_IGNORED), 'IN_IGNORED');
      assert.deepEqual(show(events), [`wd ${wd} IN_DELETE "f"`, `wd ${wd} IN_DELETE_SELF`, `wd ${wd} IN_IGNORED`]);
      assert.deepEqual(ino.watches(), []);
      assert.deepEqual(source.stats(), { watches: 0, objects: 0 });
      await assertQuiet(ino, source);
    }));

  test(`${kind}: a watched file renamed in its watched directory gets IN_MOVE_SELF and is followed to its new name`, () =>
    withSetup(kind, async ({ source, ino, dir }) => {
      writeFileSync(join(dir, 'f'), 'x');
      const wdir = ino.addWatch(dir, IN_ALL_EVENTS);
      const wf = ino.addWatch(join(dir, 'f'), IN_ALL_EVENTS);
      renameSync(join(dir, 'f'), join(dir, 'g'));
      const moved = await readN(ino, 3, 'the pair and IN_MOVE_SELF');
      assert.deepEqual(
        moved.map((e) => [e.wd, e.mask, e.name]),
        [[wdir, IN_MOVED_FROM, 'f'], [wdir, IN_MOVED_TO, 'g'], [wf, IN_MOVE_SELF, '']],
      );
      appendFileSync(join(dir, 'g'), 'more');
      assert.deepEqual(show(await readN(ino, 2, 'IN_MODIFY at the new name')), [`wd ${wdir} IN_MODIFY "g"`, `wd ${wf} IN_MODIFY`]);
      unlinkSync(join(dir, 'g'));
      const gone = await readN(ino, 3, 'the unlink');
      assert.deepEqual(show(gone), [`wd ${wf} IN_DELETE_SELF`, `wd ${wf} IN_IGNORED`, `wd ${wdir} IN_DELETE "g"`]);
      await assertQuiet(ino, source);
    }));

  test(`${kind}: two groups on one directory cost one watch, and both hear every event`, async () => {
    const dir = tempDir('tsnotify-fallback-');
    const source = makeSource(kind);
    const one = inotifyInit({ source });
    const two = inotifyInit({ source });
    try {
      const w1 = one.addWatch(dir.path, IN_CREATE);
      const w2 = two.addWatch(dir.path, IN_CREATE | IN_DELETE);
      assert.deepEqual(source.stats(), { watches: 1, objects: 1 });
      writeFileSync(join(dir.path, 'f'), '');
      assert.deepEqual(show(await readN(one, 1, 'group one')), [`wd ${w1} IN_CREATE "f"`]);
      assert.deepEqual(show(await readN(two, 1, 'group two')), [`wd ${w2} IN_CREATE "f"`]);
      one.close();
      assert.deepEqual(source.stats(), { watches: 1, objects: 1 }, 'the other group still watches');
      two.close();
      assert.deepEqual(source.stats(), { watches: 0, objects: 0 }, 'the last group took the watch with it');
    } finally {
      if (!one.closed) one.close();
      if (!two.closed) two.close();
      await source.close();
      dir.cleanup();
    }
  });

  test(`${kind}: an add_watch that fails after the lookup (watch limit) leaves no watch behind`, async () => {
    const dir = tempDir('tsnotify-fallback-');
    const source = makeSource(kind, { limits: new Limits({ 'fs.inotify.max_user_watches': 1 }) });
    const ino = inotifyInit({ source });
    try {
      mkdirSync(join(dir.path, 'b'));
      ino.addWatch(dir.path, IN_CREATE);
      assert.throws(() => ino.addWatch(join(dir.path, 'b'), IN_CREATE), (e) => isSystemError(e, 'ENOSPC'));
      await new Promise<void>((resolve) => queueMicrotask(resolve));
      assert.deepEqual(source.stats(), { watches: 1, objects: 1 });
    } finally {
      ino.close();
      await source.close();
      dir.cleanup();
    }
  });

  test(`${kind}: lookups fail with the kernel's errno, naming inotify_add_watch and the path`, () =>
    withSetup(kind, async ({ source, ino, dir }) => {
      writeFileSync(join(dir, 'file'), '');
      assert.throws(() => ino.addWatch(join(dir, 'missing'), IN_CREATE), (e) => isSystemError(e, 'ENOENT') && e.syscall === 'inotify_add_watch');
      assert.throws(() => ino.addWatch('', IN_CREATE), (e) => isSystemError(e, 'ENOENT'));
      assert.throws(
        () => ino.addWatch(join(dir, 'file'), IN_CREATE | IN_ONLYDIR),
        (e) => isSystemError(e, 'ENOTDIR') && e.path === join(dir, 'file'),
      );
      assert.throws(() => ino.addWatch(join(dir, 'file', 'x'), IN_CREATE), (e) => isSystemError(e, 'ENOTDIR'));
      await new Promise<void>((resolve) => queueMicrotask(resolve));
      assert.deepEqual(source.stats(), { watches: 0, objects: 0 });
    }));

  test(`${kind}: IN_DONT_FOLLOW watches the symlink itself`, () =>
    withSetup(kind, async ({ source, ino, dir }) => {
      writeFileSync(join(dir, 'target'), '');
      symlinkSync('target', join(dir, 'link'));
      const wd = ino.addWatch(join(dir, 'link'), IN_ATTRIB | IN_DELETE_SELF | IN_DONT_FOLLOW);
      lutimesSync(join(dir, 'link'), 1000, 1000);
      assert.deepEqual(show(await readN(ino, 1, 'IN_ATTRIB on the link')), [`wd ${wd} IN_ATTRIB`]);
      chmodSync(join(dir, 'target'), 0o600); // the target is not watched
      unlinkSync(join(dir, 'link'));
      assert.deepEqual(show(await readN(ino, 2, 'the link removed')), [`wd ${wd} IN_DELETE_SELF`, `wd ${wd} IN_IGNORED`]);
      await assertQuiet(ino, source);
    }));

  test(`${kind}: closing the last group lets the process exit; marks alive keep it running`, async () => {
    const r = await runChild(kind, `
      const ino = inotifyInit({ source });
      ino.addWatch(dir, IN_CREATE);
      console.log('ready');
      const [e] = await ino.readAsync();
      ino.close();
      console.log('got ' + e.name + ' ' + JSON.stringify(source.stats()));
    `, (line, dir) => {
      // Only now: until this file exists, the marks alone keep the child alive.
      if (line === 'ready') writeFileSync(join(dir, 'late'), '');
    });
    assert.equal(r.signal, null, `child killed after ${CHILD_DEADLINE_MS} ms: it did not exit on its own\n${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), ['ready', 'got late {"watches":0,"objects":0}']);
  });

  test(`${kind}: with persistent: false, live marks do not hold the process`, async () => {
    const r = await runChild(
      kind,
      `
      const ino = inotifyInit({ source });
      ino.addWatch(dir, IN_CREATE);
      console.log('watching ' + JSON.stringify(source.stats()));
    `,
      undefined,
      false,
    );
    assert.equal(r.signal, null, `child killed after ${CHILD_DEADLINE_MS} ms: the source held the process\n${r.stderr}`);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'watching {"watches":1,"objects":1}');
  });

  test(`${kind}: the limitations list says what the source cannot report, open and close events first`, () => {
    const source: HostSource = createHostSource(kind);
    assert.equal(source.kind, kind);
    assert.ok(source.limitations.length >= 5);
    assert.match(source.limitations[0]!, /IN_OPEN/);
    assert.match(source.limitations[0]!, /IN_CLOSE_WRITE/);
    assert.ok(source.limitations.some((l) => /IN_UNMOUNT/.test(l)));
    assert.ok(source.limitations.some((l) => /IN_Q_OVERFLOW/.test(l)));
    assert.ok(source.limitations.some((l) => /cookie/.test(l)));
    for (const l of source.limitations) assert.equal(typeof l, 'string');
    return source.close();
  });
}

test('fswatch: flush() reports a change before fs.watch has said anything', () =>
  withSetup('fswatch', async ({ source, ino, dir }) => {
    const wd = ino.addWatch(dir, IN_CREATE);
    writeFileSync(join(dir, 'f'), '');
    await source.flush();
    assert.deepEqual(show(ino.read()), [`wd ${wd} IN_CREATE "f"`]);
    // The fs.watch notification that follows finds nothing new.
    await assertQuiet(ino, source);
  }));

/** A source whose fs.watch errors can be injected. */
class FaultySource extends FsWatchSource {
  fault(error: Error): void {
    for (const obj of [...this.objects.values()]) this.onWatchError(obj, error);
  }
}

test('fswatch: an fs.watch error reaches the reader, then the watch is IN_IGNORED', async () => {
  const dir = tempDir('tsnotify-fallback-');
  const source = new FaultySource();
  const ino = inotifyInit({ source });
  try {
    const wd = ino.addWatch(dir.path, IN_CREATE);
    source.fault(Object.assign(new Error('EIO: i/o error, watch'), { code: 'EIO' }));
    assert.throws(() => ino.read(), (e) => isSystemError(e, 'EIO') && e.syscall === 'fs.watch' && e.path === dir.path);
    assert.deepEqual(show(ino.read()), [`wd ${wd} IN_IGNORED`]);
    assert.deepEqual(source.stats(), { watches: 0, objects: 0 });
  } finally {
    ino.close();
    await source.close();
    dir.cleanup();
  }
});

test('fswatch: an fs.watch error on a directory already removed is reported as its deletion', async () => {
  const dir = tempDir('tsnotify-fallback-');
  const source = new FaultySource();
  const ino = inotifyInit({ source });
  try {
    const victim = join(dir.path, 'victim');
    mkdirSync(victim);
    const wd = ino.addWatch(victim, IN_DELETE_SELF);
    rmSync(victim, { recursive: true });
    // As Windows does: EPERM when the watched directory goes away.
    source.fault(Object.assign(new Error('EPERM: operation not permitted, watch'), { code: 'EPERM' }));
    assert.deepEqual(show(ino.read()), [`wd ${wd} IN_DELETE_SELF`, `wd ${wd} IN_IGNORED`]);
  } finally {
    ino.close();
    await source.close();
    dir.cleanup();
  }
});

test('poll: the interval must be a positive number', () => {
  for (const intervalMs of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    assert.throws(() => new PollSource({ intervalMs }), (e) => isSystemError(e, 'EINVAL'));
  }
  const source = new PollSource();
  assert.equal(source.intervalMs, 1000);
  return source.close();
});

test('poll: the timer runs only while some object has marks', () =>
  withSetup('poll', async ({ ino, dir }) => {
    const poll = new PollSource({ intervalMs: POLL_MS });
    const other = inotifyInit({ source: poll });
    try {
      assert.equal(poll.polling, false);
      const wd = other.addWatch(dir, IN_CREATE);
      assert.equal(poll.polling, true);
      const start = poll.polls;
      await waitUntil(() => poll.polls >= start + 2, 'two polls');
      other.rmWatch(wd);
      assert.equal(poll.polling, false, 'the last mark stopped the timer');
      ino.addWatch(dir, IN_CREATE); // another source's marks are none of its business
      assert.equal(poll.polling, false);
    } finally {
      other.close();
      await poll.close();
    }
  }));

test('createHostSource names the portable sources; the default is the kernel source where its FFI loads', async () => {
  const fswatch = createHostSource('fswatch');
  const poll = createHostSource('poll', { intervalMs: 5 });
  assert.ok(fswatch instanceof FsWatchSource);
  assert.ok(poll instanceof PollSource && poll.intervalMs === 5);
  const dflt = createHostSource('default');
  assert.equal(dflt.kind, process.platform === 'linux' ? 'host' : 'fswatch');
  await Promise.all([fswatch.close(), poll.close(), dflt.close()]);
});

// ---------------------------------------------------------------- child processes

const HOST_ENTRY = JSON.stringify(new URL('../../src/host/index.js', import.meta.url).href);
const INOTIFY_ENTRY = JSON.stringify(new URL('../../src/inotify/index.js', import.meta.url).href);

interface ChildResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Run `body` as an ES module in a child with `source` and `dir` (a temp dir) in scope; kill it after the deadline. */
function runChild(kind: Kind, body: string, onStdout?: (line: string, dir: string) => void, persistent = true): Promise<ChildResult> {
  const dir = tempDir('tsnotify-fallback-');
  const options = kind === 'poll' ? `{ intervalMs: ${POLL_MS}, persistent: ${persistent} }` : `{ persistent: ${persistent} }`;
  const prelude = `
    import { createHostSource } from ${HOST_ENTRY};
    import { inotifyInit, IN_CREATE } from ${INOTIFY_ENTRY};
    const dir = process.argv[1];
    const source = createHostSource(${JSON.stringify(kind)}, ${options});
  `;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--input-type=module', '-e', prelude + body, dir.path], { stdio: ['ignore', 'pipe', 'pipe'] });
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
