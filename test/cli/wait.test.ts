/**
 * `tsnotify wait` against a temp directory: standard output, standard error
 * and exit codes as inotifywait gives them, and -r never missing the
 * contents of a new directory.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { test } from 'node:test';
import { runCli, tempDir } from './helpers.js';

const SETUP = 'Setting up watches.\nWatches established.\n';
const SETUP_R = 'Setting up watches.  Beware: since -r was given, this may take a while!\nWatches established.\n';

/**
 * Run `tsnotify wait ARGS` in a temp dir holding d/ and file1, and `act`
 * once its watches are set up: after "Watches established.", or with -q
 * once it holds `watches` inotify watches.
 */
async function waitRun(args: string[], act: (dir: string) => void, stdin?: string, watches = 1) {
  const dir = tempDir();
  try {
    mkdirSync(`${dir.path}/d`);
    writeFileSync(`${dir.path}/file1`, '');
    const run = runCli(['wait', ...args], dir.path, stdin);
    if (args.some((a) => /^-q+$/.test(a))) await run.waitWatches(watches);
    else await run.waitErr('Watches established.').catch(() => undefined);
    act(dir.path);
    return await run.done;
  } finally {
    dir.cleanup();
  }
}

test('wait exits 0 after the first event and prints it as inotifywait does', async () => {
  const r = await waitRun(['-e', 'create', '.'], (d) => mkdirSync(`${d}/d/x`) ?? writeFileSync(`${d}/new`, ''));
  assert.equal(r.stdout, './ CREATE new\n');
  assert.equal(r.stderr, SETUP);
  assert.equal(r.code, 0);
});

test('wait on a file prints the file and an empty name', async () => {
  const r = await waitRun(['-e', 'modify', 'file1'], (d) => appendFileSync(`${d}/file1`, 'x'));
  assert.equal(r.stdout, 'file1 MODIFY \n');
  assert.equal(r.code, 0);
});

test('wait -t exits 2 when nothing happens', async () => {
  const r = await waitRun(['-t', '1', '.'], () => {});
  assert.deepEqual([r.code, r.stdout, r.stderr], [2, '', SETUP]);
});

test('wait -q prints no setup lines, -qq prints nothing', async () => {
  const q = await waitRun(['-q', '-e', 'close_write', 'd'], (d) => writeFileSync(`${d}/d/f`, ''));
  assert.deepEqual([q.code, q.stdout, q.stderr], [0, 'd/ CLOSE_WRITE,CLOSE f\n', '']);
  const qq = await waitRun(['-qq', '-e', 'close_write', 'd'], (d) => writeFileSync(`${d}/d/f`, ''));
  assert.deepEqual([qq.code, qq.stdout, qq.stderr], [0, '', '']);
});

test('wait -m -r reports everything in a new directory tree made at once', async () => {
  const r = await waitRun(['-m', '-r', '-q', '-t', '1', '-e', 'create', '.'], (d) => {
    mkdirSync(`${d}/a/b/c`, { recursive: true });
    writeFileSync(`${d}/a/b/c/f`, '');
    for (let i = 0; i < 20; i++) {
      mkdirSync(`${d}/n${i}`);
      writeFileSync(`${d}/n${i}/inner`, '');
    }
  }, undefined, 2);
  const lines = r.stdout.trim().split('\n').sort();
  const expected = ['./ CREATE,ISDIR a', './a/ CREATE,ISDIR b', './a/b/ CREATE,ISDIR c', './a/b/c/ CREATE f'];
  for (let i = 0; i < 20; i++) expected.push(`./ CREATE,ISDIR n${i}`, `./n${i}/ CREATE inner`);
  assert.deepEqual(lines, expected.sort());
  assert.equal(r.code, 2);
});

test('wait --format with %w %f %e %Xe %c %T and --timefmt', async () => {
  const r = await waitRun(['-m', '-q', '-t', '1', '-e', 'move', '--timefmt', '%Y', '--format', '%w|%f|%e|%:e|%c|%T|%%', '.'], (d) => {
    renameSync(`${d}/d`, `${d}/e`);
  });
  const year = String(new Date().getFullYear());
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 2, r.stdout);
  const [from, to] = lines.map((l) => l.split('|'));
  assert.deepEqual([from![0], from![1], from![2], from![3], from![5], from![6]], ['./', 'd', 'MOVED_FROM,ISDIR', 'MOVED_FROM:ISDIR', year, '%']);
  assert.deepEqual([to![1], to![2]], ['e', 'MOVED_TO,ISDIR']);
  assert.match(from![4]!, /^[0-9a-f]+$/);
  assert.equal(from![4], to![4], 'the two halves share their cookie');
});

test('wait --csv quotes fields with commas and quotes', async () => {
  const r = await waitRun(['-c', '-e', 'close_write', '.'], (d) => writeFileSync(`${d}/we,ird"n`, ''));
  assert.equal(r.stdout, './,"CLOSE_WRITE,CLOSE","we,ird""n"\n');
});

test('wait --json prints one object per event', async () => {
  const r = await waitRun(['-q', '--json', '-e', 'create', 'd'], (d) => mkdirSync(`${d}/d/sub`));
  assert.deepEqual(JSON.parse(r.stdout), { watch: 'd/', file: 'sub', path: 'd/sub', events: ['CREATE', 'ISDIR'], cookie: 0 });
});

test('wait --exclude and --includei filter by path, @path and --fromfile exclude paths', async () => {
  const ex = await waitRun(['-m', '-r', '-q', '-t', '1', '-e', 'close_write', '--exclude', 'skip', '.'], (d) => {
    writeFileSync(`${d}/skip.txt`, '');
    writeFileSync(`${d}/keep.txt`, '');
  }, undefined, 2);
  assert.equal(ex.stdout, './ CLOSE_WRITE,CLOSE keep.txt\n');
  const inc = await waitRun(['-m', '-r', '-q', '-t', '1', '-e', 'close_write', '--includei', 'LOG$', '.'], (d) => {
    writeFileSync(`${d}/a.log`, '');
    writeFileSync(`${d}/b.txt`, '');
  }, undefined, 2);
  assert.equal(inc.stdout, './ CLOSE_WRITE,CLOSE a.log\n');
  const at = await waitRun(['-m', '-r', '-q', '-t', '1', '-e', 'close_write', '@./d', '.'], (d) => {
    writeFileSync(`${d}/d/hidden`, '');
    writeFileSync(`${d}/shown`, '');
  });
  assert.equal(at.stdout, './ CLOSE_WRITE,CLOSE shown\n');
  const from = await waitRun(['-m', '-r', '-q', '-t', '1', '-e', 'close_write', '--fromfile', '-'], (d) => {
    writeFileSync(`${d}/d/hidden`, '');
    writeFileSync(`${d}/shown`, '');
  }, '.\n@d\n');
  assert.equal(from.stdout, './ CLOSE_WRITE,CLOSE shown\n');
});

test('wait --watcher prints normalized events, renames paired', async () => {
  const r = await waitRun(['-m', '-r', '-q', '-t', '1', '--watcher', '.'], (d) => {
    writeFileSync(`${d}/d/f`, 'x');
    renameSync(`${d}/d/f`, `${d}/d/g`);
  }, undefined, 2);
  assert.equal(r.stdout, 'create ./d/f\nmodify ./d/f\nwrite-complete ./d/f\nrename ./d/f -> ./d/g\n');
});

test('wait reports errors as inotifywait does, with exit status 1', async () => {
  const cases: [string[], string][] = [
    [['/nonexistent/x'], "Setting up watches.\nCouldn't watch /nonexistent/x: No such file or directory\n"],
    [['-r', '/nonexistent/x'], "Setting up watches.  Beware: since -r was given, this may take a while!\nCouldn't watch /nonexistent/x: No such file or directory\n"],
    [['-e', 'foo', '.'], "'foo' is not a valid event!  Run with the '--help' option to see a list of events.\n"],
    [[], 'No files specified to watch!\n'],
    [['-t', 'abc', '.'], "'abc' is not a valid timeout value.\nPlease specify a long int value.\n"],
    [['--format', '%T', '.'], '%T is in --format string, but --timefmt was not specified.\n'],
  ];
  for (const [args, stderr] of cases) {
    const r = await waitRun(args, () => {});
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', stderr], args.join(' '));
  }
});

test('wait --help shows the options and examples and exits 0', async () => {
  const r = await waitRun(['--help'], () => {});
  assert.equal(r.code, 0);
  assert.match(r.stdout, /^Usage: tsnotify wait/);
  assert.match(r.stdout, /Examples:/);
  for (const option of ['-d, --daemon', '-o, --outfile FILE', '-s, --syslog', '--fanotify']) assert.ok(r.stdout.includes(`\n  ${option} `), option);
  assert.match(r.stdout, /^  sudo tsnotify wait -m -r --fanotify /m);
  assert.match(r.stdout, /^  tsnotify wait -d -o \S+ /m);
  assert.match(r.stdout, /^  tsnotify wait -m -s -o /m);
  assert.doesNotMatch(r.stdout, /not built/);
  assert.equal(r.stderr, '');
});

test('a recursive wait with a watched directory deleted keeps running and stays correct', async () => {
  const r = await waitRun(['-m', '-r', '-q', '-t', '1', '-e', 'create,delete', '.'], (d) => {
    mkdirSync(`${d}/gone`);
    writeFileSync(`${d}/gone/f`, '');
  }, undefined, 2);
  assert.match(r.stdout, /\.\/ CREATE,ISDIR gone\n/);
  assert.equal(SETUP_R.length > 0, true);
});
