/** Setup progress on a terminal: shown for a large tree, with a summary when ready (in process, stderr a fake TTY). */
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { test } from 'node:test';
import type { Io } from '../../src/cli/io.js';
import { main } from '../../src/cli/main.js';
import { tempDir } from './helpers.js';

test('wait -r on a large tree shows progress on a terminal and a one-line summary', async () => {
  const dir = tempDir();
  try {
    for (let i = 0; i < 60; i++) for (let j = 0; j < 50; j++) mkdirSync(`${dir.path}/d${i}/s${j}`, { recursive: true });
    const io: Io & { stderr: string } = { stderr: '', isTTY: true, out: () => {}, err: (t) => void (io.stderr += t) };
    const code = await main(['wait', '-r', '-t', '0.05', dir.path], io);
    assert.equal(code, 2);
    assert.match(io.stderr, /^Setting up watches\. {2}Beware: since -r was given, this may take a while!\n/);
    assert.match(io.stderr, /\rSetting up watches: [\d,]+ directories \([\d,]+\/s\)/);
    assert.match(io.stderr, /Watches established: 3,061 directories in \d+\.\d\d s \([\d,]+\/s\)\.\n$/);
  } finally {
    dir.cleanup();
  }
});

test('without a terminal there is no progress line', async () => {
  const dir = tempDir();
  try {
    for (let i = 0; i < 3000; i++) mkdirSync(`${dir.path}/d${i}`);
    const io: Io & { stderr: string } = { stderr: '', isTTY: false, out: () => {}, err: (t) => void (io.stderr += t) };
    assert.equal(await main(['wait', '-r', '-t', '0.05', dir.path], io), 2);
    assert.equal(io.stderr, 'Setting up watches.  Beware: since -r was given, this may take a while!\nWatches established.\n');
  } finally {
    dir.cleanup();
  }
});
