/** The CLI's entry point: command dispatch, help and argument errors (in process). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/io.js';

function capture(): Io & { stdout: string; stderr: string } {
  const io = { stdout: '', stderr: '', isTTY: false, out: (t: string) => void (io.stdout += t), err: (t: string) => void (io.stderr += t) };
  return io;
}

test('the usage lists wait, watch, trace and conformance', async () => {
  const io = capture();
  assert.equal(await main(['--help'], io), 0);
  for (const cmd of ['wait', 'watch', 'trace', 'conformance']) assert.match(io.stdout, new RegExp(`^  ${cmd}\\b`, 'm'));
});

test('trace rejects bad options with a clear error, and has its help', async () => {
  const io = capture();
  assert.equal(await main(['trace', '--seconds', 'soon'], io), 1);
  assert.match(io.stderr, /^tsnotify trace: --seconds takes a positive number of seconds\n/);
  const help = capture();
  assert.equal(await main(['trace', '--help'], help), 0);
  assert.match(help.stdout, /Examples/);
});

test('conformance still answers', async () => {
  const io = capture();
  assert.equal(await main(['conformance', '--help'], io), 0);
  assert.match(io.stdout, /conformance run/);
});

test('an unknown command is an error', async () => {
  const io = capture();
  assert.equal(await main(['nope'], io), 1);
  assert.match(io.stderr, /unknown command 'nope'/);
});
