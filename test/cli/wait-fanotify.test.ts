/**
 * `tsnotify wait --fanotify`: the mapping of the filesystem listener's
 * events to inotifywait's lines (pure, always run), and the command on a
 * fresh temp dir through a real kernel fanotify filesystem mark (root
 * only: skipped with the reason otherwise), and the refusal without
 * CAP_SYS_ADMIN.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, chmodSync, mkdirSync, realpathSync, renameSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { CLI, runCli, tempDir, type CliRun } from './helpers.js';
import { fanotifyToRaw, listenerKinds, unsupportedFanotifyEvent, type FanTarget } from '../../src/cli/fanotify-session.js';
import { eventNames } from '../../src/cli/format.js';
import type { FsEvent } from '../../src/host/index.js';
import { IN_ATTRIB, IN_CREATE } from '../../src/inotify/index.js';

const isRoot = process.platform === 'linux' && process.geteuid?.() === 0;
const NEEDS_ROOT = isRoot ? false : 'needs root: a fanotify filesystem mark needs CAP_SYS_ADMIN';

const SETUP = 'Setting up watches.\nWatches established.\n';
const SETUP_R = 'Setting up watches.  Beware: since -r was given, this may take a while!\nWatches established.\n';

/** A raw event as the default output line prints it. */
function lines(e: FsEvent, t: FanTarget, recursive = true, cookie = 7): string[] {
  return fanotifyToRaw(e, t, recursive, cookie).map((r) => `${r.w} ${eventNames(r.mask).join(',')} ${r.f}|${r.cookie}`);
}

const DIR: FanTarget = { given: '.', abs: '/srv/t', isDir: true };

test('fanotify events map to inotifywait lines: %w is the directory, ISDIR for directories', () => {
  const ev = (type: FsEvent['type'], path: string, isDirectory = false): FsEvent => ({ type, path, isDirectory });
  assert.deepEqual(lines(ev('create', '/srv/t/a'), DIR), ['./ CREATE a|0']);
  assert.deepEqual(lines(ev('create', '/srv/t/d/e', true), DIR), ['./d/ CREATE,ISDIR e|0']);
  assert.deepEqual(lines(ev('delete', '/srv/t/d/f'), DIR), ['./d/ DELETE f|0']);
  assert.deepEqual(lines(ev('modify', '/srv/t/f'), DIR), ['./ MODIFY f|0']);
  assert.deepEqual(lines(ev('attrib', '/srv/t/d', true), DIR), ['./ ATTRIB,ISDIR d|0']);
  assert.deepEqual(lines(ev('close-write', '/srv/t/f'), DIR), ['./ CLOSE_WRITE,CLOSE f|0']);
  assert.deepEqual(lines({ type: 'rename', path: '/srv/t/d/b', oldPath: '/srv/t/a', isDirectory: false }, DIR), ['./ MOVED_FROM a|7', './d/ MOVED_TO b|7']);
  assert.deepEqual(lines(ev('move-from', '/srv/t/x', true), DIR), ['./ MOVED_FROM,ISDIR x|7']);
  assert.deepEqual(lines(ev('move-to', '/srv/t/y'), DIR), ['./ MOVED_TO y|7']);
  assert.deepEqual(lines(ev('overflow', '/srv/t', true), DIR), [' Q_OVERFLOW |0']);
  assert.deepEqual(lines(ev('create', '/srv/other/a'), DIR), [], 'outside the target');
  assert.deepEqual(lines(ev('create', '/srv/tt/a'), DIR), [], 'a sibling sharing the prefix');
});

test('fanotify events on PATH itself are self events, as an inotify watch on PATH gives them', () => {
  const t: FanTarget = { given: 'w//', abs: '/srv/w', isDir: true };
  assert.deepEqual(lines({ type: 'attrib', path: '/srv/w', isDirectory: true }, t), ['w/ ATTRIB,ISDIR |0']);
  assert.deepEqual(lines({ type: 'move-from', path: '/srv/w', isDirectory: true }, t), ['w/ MOVE_SELF |0']);
  assert.deepEqual(lines({ type: 'rename', path: '/srv/w2', oldPath: '/srv/w', isDirectory: true }, t), ['w/ MOVE_SELF |0']);
  assert.deepEqual(lines({ type: 'delete', path: '/srv/w', isDirectory: true }, t), ['w/ DELETE_SELF |0']);
  assert.deepEqual(lines({ type: 'create', path: '/srv/w', isDirectory: true }, t), [], 'made again: inotify would not see it');
  assert.deepEqual(lines({ type: 'move-to', path: '/srv/w', isDirectory: true }, t), [], 'renamed onto PATH');
  const file: FanTarget = { given: 'f.txt', abs: '/srv/f.txt', isDir: false };
  assert.deepEqual(lines({ type: 'modify', path: '/srv/f.txt', isDirectory: false }, file), ['f.txt MODIFY |0']);
  assert.deepEqual(lines({ type: 'modify', path: '/srv/g.txt', isDirectory: false }, file), [], 'a sibling of a file target');
  const root: FanTarget = { given: '/', abs: '/', isDir: true };
  assert.deepEqual(lines({ type: 'create', path: '/etc/x', isDirectory: false }, root), ['/etc/ CREATE x|0']);
});

test('without -r only the direct entries of PATH are in scope, each half of a rename judged alone', () => {
  assert.deepEqual(lines({ type: 'create', path: '/srv/t/d/deep', isDirectory: false }, DIR, false), []);
  assert.deepEqual(lines({ type: 'create', path: '/srv/t/top', isDirectory: false }, DIR, false), ['./ CREATE top|0']);
  assert.deepEqual(lines({ type: 'rename', path: '/srv/t/d/b', oldPath: '/srv/t/a', isDirectory: false }, DIR, false), ['./ MOVED_FROM a|7']);
});

test('--fanotify refuses -e names fanotify cannot report; close and move are fine', () => {
  assert.equal(unsupportedFanotifyEvent(undefined), null);
  assert.equal(unsupportedFanotifyEvent(['create,close', 'move']), null);
  assert.equal(unsupportedFanotifyEvent(['create', 'access,open']), 'access');
  assert.equal(unsupportedFanotifyEvent(['CLOSE_NOWRITE']), 'CLOSE_NOWRITE');
  assert.deepEqual(listenerKinds(IN_CREATE), ['create', 'delete', 'rename', 'move-from', 'move-to']);
  assert.ok(listenerKinds(IN_ATTRIB).includes('attrib'));
});

test('wait --fanotify -e access is an argument error, before any setup', async () => {
  const dir = tempDir();
  try {
    const r = await runCli(['wait', '--fanotify', '-e', 'create,access', '.'], dir.path).done;
    assert.deepEqual(
      [r.code, r.stdout, r.stderr],
      [
        1,
        '',
        "tsnotify wait: EINVAL: invalid argument, fanotify_mark (--fanotify cannot report 'access' events: it reports create, delete, modify, attrib, close_write, moved_from, moved_to, move_self and delete_self)\n",
      ],
    );
  } finally {
    dir.cleanup();
  }
});

/**
 * `tsnotify wait ARGS` in a fresh temp dir holding w/ (with w/d/ and w/file1)
 * and out/, run from the temp dir; `act` once "Watches established." is
 * printed, or with -q once the process holds its fanotify mark (events
 * after the mark are queued by the kernel, not lost).
 */
async function fanRun(args: string[], act: (dir: string, run: CliRun) => void | Promise<void>) {
  const dir = tempDir();
  try {
    mkdirSync(`${dir.path}/w/d`, { recursive: true });
    mkdirSync(`${dir.path}/out`);
    writeFileSync(`${dir.path}/w/file1`, '');
    const run = runCli(['wait', ...args], dir.path);
    if (args.some((a) => /^-q+$/.test(a))) await run.waitFanotifyMarks(1);
    else await run.waitErr('Watches established.').catch(() => undefined);
    await act(dir.path, run);
    return await run.done;
  } finally {
    dir.cleanup();
  }
}

test('wait --fanotify -m -r: creates, writes, renames in, out and across, deletes, as inotifywait -r prints them', { skip: NEEDS_ROOT }, async () => {
  const r = await fanRun(['--fanotify', '-m', '-r', '-t', '1', '-e', 'create,delete,move,close_write', 'w'], async (d, run) => {
    writeFileSync(`${d}/w/a`, 'x');
    mkdirSync(`${d}/w/sub`);
    writeFileSync(`${d}/w/sub/f`, '');
    // Read before f is deleted: the kernel merges events on one name while they are queued (DELETE would join CREATE, earlier).
    await run.waitOut('w/sub/ CLOSE_WRITE,CLOSE f\n');
    renameSync(`${d}/w/a`, `${d}/w/sub/a2`);
    renameSync(`${d}/w/sub/a2`, `${d}/out/a3`);
    renameSync(`${d}/out/a3`, `${d}/w/b`);
    unlinkSync(`${d}/w/b`);
    writeFileSync(`${d}/out/elsewhere`, '');
    renameSync(`${d}/w/sub`, `${d}/w/sub2`);
    rmSync(`${d}/w/sub2`, { recursive: true });
  });
  assert.equal(
    r.stdout,
    [
      'w/ CREATE a',
      'w/ CLOSE_WRITE,CLOSE a',
      'w/ CREATE,ISDIR sub',
      'w/sub/ CREATE f',
      'w/sub/ CLOSE_WRITE,CLOSE f',
      'w/ MOVED_FROM a',
      'w/sub/ MOVED_TO a2',
      'w/sub/ MOVED_FROM a2',
      'w/ MOVED_TO b',
      'w/ DELETE b',
      'w/ MOVED_FROM,ISDIR sub',
      'w/ MOVED_TO,ISDIR sub2',
      'w/sub2/ DELETE f',
      'w/ DELETE,ISDIR sub2',
      '',
    ].join('\n'),
  );
  assert.equal(r.stderr, SETUP_R);
  assert.equal(r.code, 2);
});

test('wait --fanotify without -r reports PATH\'s direct entries only and exits 0 after the first', { skip: NEEDS_ROOT }, async () => {
  const r = await fanRun(['--fanotify', '-e', 'create', 'w'], (d) => {
    writeFileSync(`${d}/w/d/deep`, '');
    writeFileSync(`${d}/w/top`, '');
  });
  assert.deepEqual([r.code, r.stdout, r.stderr], [0, 'w/ CREATE top\n', SETUP]);
});

test('wait --fanotify --format: %w %f %e and one cookie for both halves of a rename', { skip: NEEDS_ROOT }, async () => {
  const r = await fanRun(['--fanotify', '-m', '-r', '-q', '-t', '1', '-e', 'move', '--format', '%w|%f|%e|%c', 'w'], (d) => {
    renameSync(`${d}/w/d`, `${d}/w/e`);
  });
  const [from, to, ...rest] = r.stdout.trim().split('\n').map((l) => l.split('|'));
  assert.equal(rest.length, 0, r.stdout);
  assert.deepEqual(from!.slice(0, 3), ['w/', 'd', 'MOVED_FROM,ISDIR']);
  assert.deepEqual(to!.slice(0, 3), ['w/', 'e', 'MOVED_TO,ISDIR']);
  assert.match(from![3]!, /^[1-9a-f][0-9a-f]*$/);
  assert.equal(from![3], to![3]);
  assert.deepEqual([r.code, r.stderr], [2, '']);
});

test('wait --fanotify on PATH itself: ATTRIB,ISDIR then MOVE_SELF; on a file: PATH and an empty name', { skip: NEEDS_ROOT }, async () => {
  const self = await fanRun(['--fanotify', '-m', '-t', '1', '-e', 'attrib,move_self', 'w/'], (d) => {
    chmodSync(`${d}/w`, 0o700);
    renameSync(`${d}/w`, `${d}/w2`);
    writeFileSync(`${d}/w2/after`, ''); // the listener follows the path: nothing more
  });
  assert.deepEqual([self.code, self.stdout, self.stderr], [2, 'w/ ATTRIB,ISDIR \nw/ MOVE_SELF \n', SETUP]);
  const file = await fanRun(['--fanotify', '-e', 'modify', 'w/file1'], (d) => {
    writeFileSync(`${d}/w/other`, 'x');
    appendFileSync(`${d}/w/file1`, 'x');
  });
  assert.deepEqual([file.code, file.stdout, file.stderr], [0, 'w/file1 MODIFY \n', SETUP]);
});

test('wait --fanotify honours --exclude (below excluded directories too), --include and @PATH', { skip: NEEDS_ROOT }, async () => {
  const ex = await fanRun(['--fanotify', '-m', '-r', '-q', '-t', '1', '-e', 'close_write', '--exclude', '(skip|/d/$)', '@w/out-of-scope', 'w'], (d) => {
    writeFileSync(`${d}/w/skip.txt`, '');
    writeFileSync(`${d}/w/d/in-excluded-dir`, '');
    mkdirSync(`${d}/w/out-of-scope`);
    writeFileSync(`${d}/w/out-of-scope/hidden`, '');
    writeFileSync(`${d}/w/keep.txt`, '');
  });
  assert.deepEqual([ex.code, ex.stdout, ex.stderr], [2, 'w/ CLOSE_WRITE,CLOSE keep.txt\n', '']);
  const inc = await fanRun(['--fanotify', '-m', '-r', '-q', '-t', '1', '-e', 'close_write', '--includei', 'LOG$', 'w'], (d) => {
    writeFileSync(`${d}/w/d/a.log`, '');
    writeFileSync(`${d}/w/b.txt`, '');
  });
  assert.deepEqual([inc.code, inc.stdout], [2, 'w/d/ CLOSE_WRITE,CLOSE a.log\n']);
});

test('wait --fanotify --json and --csv print the same fields as the inotify mode', { skip: NEEDS_ROOT }, async () => {
  const r = await fanRun(['--fanotify', '-r', '-q', '--json', '-e', 'create', 'w'], (d) => mkdirSync(`${d}/w/d/sub`));
  assert.deepEqual(JSON.parse(r.stdout), { watch: 'w/d/', file: 'sub', path: 'w/d/sub', events: ['CREATE', 'ISDIR'], cookie: 0 });
  const c = await fanRun(['--fanotify', '-q', '-c', '-e', 'close_write', 'w'], (d) => writeFileSync(`${d}/w/we,ird`, ''));
  assert.equal(c.stdout, 'w/,"CLOSE_WRITE,CLOSE","we,ird"\n');
});

test('wait --watcher --fanotify prints the Watcher\'s normalized events from its fanotify mode', { skip: NEEDS_ROOT }, async () => {
  const r = await fanRun(['--watcher', '--fanotify', '-m', '-r', '-t', '1', 'w'], (d) => {
    writeFileSync(`${d}/w/d/f`, 'x');
    renameSync(`${d}/w/d/f`, `${d}/w/d/g`);
  });
  assert.deepEqual([r.code, r.stdout, r.stderr], [2, 'create w/d/f\nmodify w/d/f\nwrite-complete w/d/f\nrename w/d/f -> w/d/g\n', SETUP_R]);
});

test('wait --fanotify on a missing PATH fails as inotifywait words it', async () => {
  const r = await fanRun(['--fanotify', '-r', 'w/nope'], () => {});
  assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', "Setting up watches.  Beware: since -r was given, this may take a while!\nCouldn't watch w/nope: No such file or directory\n"]);
});

test('wait --fanotify and --watcher --fanotify without CAP_SYS_ADMIN name it, with the code, the call and the path, and exit 1', () => {
  const dir = tempDir();
  try {
    chmodSync(dir.path, 0o755);
    // As root, run it as nobody; otherwise as ourselves.
    const r = spawnSync(process.execPath, [CLI, 'wait', '--fanotify', '-t', '1', '.'], {
      cwd: dir.path,
      encoding: 'utf8',
      timeout: 15_000,
      ...(isRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    assert.equal(r.status, 1, r.stderr);
    assert.equal(r.stdout, '');
    const real = realpathSync(dir.path).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    assert.match(r.stderr, new RegExp(`^Setting up watches\\.\\nCouldn't watch \\.: EPERM: operation not permitted, fanotify_(init|mark)( '${real}')? \\(.*CAP_SYS_ADMIN.*\\)\\n$`));
    const w = spawnSync(process.execPath, [CLI, 'wait', '--watcher', '--fanotify', '-t', '1', '.'], {
      cwd: dir.path,
      encoding: 'utf8',
      timeout: 15_000,
      ...(isRoot ? { uid: 65534, gid: 65534 } : {}),
    });
    assert.equal(w.status, 1, w.stderr);
    assert.equal(w.stdout, '');
    assert.match(w.stderr, new RegExp(`^Setting up watches\\.\\nCouldn't watch \\.: EPERM: operation not permitted, fanotify_(init|mark)( '${real}')? \\(.*CAP_SYS_ADMIN.*\\)\\n$`));
  } finally {
    dir.cleanup();
  }
});
