/**
 * `tsnotify wait -o FILE`, `-d` (daemon) and `-s` (syslog): standard
 * output, standard error, exit codes and the outfile, checked against what
 * inotifywait 3.22 does (its messages and their order), in fresh temp dirs.
 * Waits are bounded: on "Watches established.", on the daemon's parent
 * returning (it returns once the daemon's watches are set up), on the
 * outfile holding a line, on the syslog receiver printing its datagrams.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { DEADLINE_MS, runCli, tempDir } from './helpers.js';

const SETUP = 'Setting up watches.\nWatches established.\n';
/** A syslog socket that is not there: the fallback, whatever this machine has at /dev/log. */
const NO_SYSLOG = (dir: string) => ({ TSNOTIFY_SYSLOG_SOCKET: join(dir, 'no-such-socket') });

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + DEADLINE_MS;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise<void>((r) => setTimeout(r, 10));
  }
}

function readOr(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** Processes whose standard output is `file` (the daemons writing one test's outfile). */
function writersOf(file: string): number[] {
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readlinkSync(`/proc/${name}/fd/1`) === file) out.push(Number(name));
    } catch {
      // gone meanwhile, or not ours to look at
    }
  }
  return out;
}

test('wait -o appends events to the file (0600), not to stdout; setup lines stay on stderr', async () => {
  const dir = tempDir();
  try {
    const log = join(dir.path, 'events.log');
    writeFileSync(log, 'earlier\n', { mode: 0o644 });
    const run = runCli(['wait', '-o', log, '-e', 'create', '.'], dir.path);
    await run.waitErr('Watches established.');
    writeFileSync(join(dir.path, 'new'), '');
    const r = await run.done;
    assert.deepEqual([r.code, r.stdout, r.stderr], [0, '', SETUP]);
    assert.equal(readFileSync(log, 'utf8'), 'earlier\n./ CREATE new\n');

    const fresh = join(dir.path, 'fresh.log');
    const run2 = runCli(['wait', '--outfile', fresh, '-e', 'delete', '.'], dir.path);
    await run2.waitErr('Watches established.');
    spawnSync('rm', [join(dir.path, 'new')]);
    assert.equal((await run2.done).code, 0);
    assert.equal(readFileSync(fresh, 'utf8'), './ DELETE new\n');
    assert.equal(statSync(fresh).mode & 0o777, 0o600);
  } finally {
    dir.cleanup();
  }
});

test('wait -o and -d argument errors: the messages and the order of inotifywait', async () => {
  const dir = tempDir();
  try {
    const cases: [string[], string][] = [
      [['-d', '.'], '-o must be specified with -d.\n'],
      [['-d'], '-o must be specified with -d.\n'],
      [['-s', '-d', '.'], '-o must be specified with -d.\n'],
      [['-d', '-e', 'foo', '.'], "'foo' is not a valid event!  Run with the '--help' option to see a list of events.\n"],
      [['-d', '--format', '%T', '.'], '%T is in --format string, but --timefmt was not specified.\n'],
      [['-d', '-o', 'x.log'], 'No files specified to watch!\n'],
      [['-o', '/nonexistent/dir/x.log', '.'], 'Failed to open output file /nonexistent/dir/x.log\n'],
      [['-o', '/nonexistent/dir/x.log', '-e', 'foo', '.'], "'foo' is not a valid event!  Run with the '--help' option to see a list of events.\n"],
      [['-d', '-o', '/nonexistent/dir/x.log', '.'], 'Failed to open output file /nonexistent/dir/x.log\n'],
      [['-s', '-t', 'abc', '.'], "'abc' is not a valid timeout value.\nPlease specify a long int value.\n"],
    ];
    for (const [args, stderr] of cases) {
      const r = await runCli(['wait', ...args], dir.path).done;
      assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', stderr], args.join(' '));
    }
  } finally {
    dir.cleanup();
  }
});

test('wait -d returns 0 once the daemon watches; the daemon appends events to -o FILE, from its own session, in /', async () => {
  const dir = tempDir();
  try {
    mkdirSync(join(dir.path, 'd'));
    const env = NO_SYSLOG(dir.path);
    // Relative PATH and FILE, and a path from --fromfile on stdin: all read by the parent in its directory.
    const r = await runCli(['wait', '-d', '-o', 'events.log', '-r', '-e', 'create', '--fromfile', '-'], dir.path, 'd\n', env).done;
    assert.deepEqual(
      [r.code, r.stdout, r.stderr],
      [0, '', `tsnotify wait: syslog is unavailable (no syslog socket at ${env.TSNOTIFY_SYSLOG_SOCKET} (ENOENT)): the daemon's messages and errors are discarded\n`],
    );
    const log = join(dir.path, 'events.log');
    const daemons = writersOf(log);
    try {
      assert.equal(daemons.length, 1, 'one daemon');
      const pid = daemons[0]!;
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const [, , , sid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      assert.equal(Number(sid), pid, 'a session leader (setsid)');
      assert.equal(readlinkSync(`/proc/${pid}/cwd`), '/');
      mkdirSync(join(dir.path, 'd', 'sub'));
      writeFileSync(join(dir.path, 'd', 'sub', 'f'), '');
      await until('the daemon to log two events', () => (readOr(log).split('\n').length >= 3 ? true : undefined));
      assert.equal(readOr(log), 'd/ CREATE,ISDIR sub\nd/sub/ CREATE f\n');
    } finally {
      for (const pid of daemons) process.kill(pid, 'SIGTERM');
    }
    await until('the daemon to end', () => (writersOf(log).length === 0 ? true : undefined));
  } finally {
    dir.cleanup();
  }
});

test('wait -d reports a setup failure from the daemon: exit 1 and the error on stderr, no daemon left', async () => {
  const dir = tempDir();
  try {
    const r = await runCli(['wait', '-d', '-o', 'events.log', join(dir.path, 'missing')], dir.path, undefined, NO_SYSLOG(dir.path)).done;
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', `Couldn't watch ${join(dir.path, 'missing')}: No such file or directory\n`]);
    await until('the daemon to end', () => (writersOf(join(dir.path, 'events.log')).length === 0 ? true : undefined));
    assert.equal(readFileSync(join(dir.path, 'events.log'), 'utf8'), '', 'the outfile is created, and empty');
  } finally {
    dir.cleanup();
  }
});

test('wait -s without a syslog socket keeps its messages on stderr, after a note saying why', async () => {
  const dir = tempDir();
  try {
    const env = NO_SYSLOG(dir.path);
    const r = await runCli(['wait', '-s', '-t', '1', 'missing'], dir.path, undefined, env).done;
    assert.deepEqual(
      [r.code, r.stdout, r.stderr],
      [1, '', `tsnotify wait: syslog is unavailable (no syslog socket at ${env.TSNOTIFY_SYSLOG_SOCKET} (ENOENT)); messages go to standard error\nSetting up watches.\nCouldn't watch missing: No such file or directory\n`],
    );
  } finally {
    dir.cleanup();
  }
});

const python = spawnSync('python3', ['-c', 'import socket; socket.AF_UNIX'], { encoding: 'utf8' }).status === 0;
const logger = spawnSync('logger', ['--version'], { encoding: 'utf8' }).status === 0;

test('wait -s sends its messages to syslog as inotifywait does: <30> (daemon.info), tag[pid], one datagram per line', {
  skip: python && logger ? false : 'needs python3 (a Unix datagram receiver: Node has none) and util-linux logger',
}, async () => {
  const dir = tempDir();
  const sock = join(dir.path, 'log');
  const receiver = spawn('python3', [
    '-u',
    '-c',
    'import socket,sys\ns=socket.socket(socket.AF_UNIX,socket.SOCK_DGRAM)\ns.bind(sys.argv[1])\nprint("ready")\nwhile True:\n  print(s.recv(65536).decode())',
    sock,
  ]);
  let got = '';
  receiver.stdout.setEncoding('utf8').on('data', (c: string) => (got += c));
  try {
    await until('the receiver', () => (got.includes('ready\n') ? true : undefined));
    const r = await runCli(['wait', '-s', '-t', '1', '.', 'missing'], dir.path, undefined, { TSNOTIFY_SYSLOG_SOCKET: sock }).done;
    assert.deepEqual([r.code, r.stdout, r.stderr], [1, '', '']);
    const datagrams = await until('two datagrams', () => {
      const l = got.split('\n').slice(1).filter((x) => x !== '');
      return l.length >= 2 ? l : undefined;
    });
    assert.equal(datagrams.length, 2, got);
    assert.match(datagrams[0]!, /^<30>[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d tsnotify\[\d+\]: Setting up watches\.$/);
    assert.match(datagrams[1]!, /^<30>.* tsnotify\[\d+\]: Couldn't watch missing: No such file or directory$/);
  } finally {
    receiver.kill('SIGKILL');
    dir.cleanup();
  }
});
