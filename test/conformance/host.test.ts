/**
 * Differential conformance: the same kernel-recorded scenarios on the real
 * kernel through the host source (each on a fresh private tmpfs, as root).
 * Without root, scenarios run in a scratch directory and those that need
 * mounts or other privileges are skipped with the reason.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkOne, parseScenario, runScenarioDocument, scenarioFiles } from '../../src/conformance/index.js';
import type { TranscriptDocument } from '../../src/conformance/index.js';
import { hostFactory } from '../../src/conformance/host-fs.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..', 'test', 'conformance');
const linux = process.platform === 'linux';

for (const dir of ['scenarios', 'extra']) {
  for (const file of scenarioFiles([join(root, dir)])) {
    const scenario = parseScenario(readFileSync(file, 'utf8'), file);
    const expected = JSON.parse(readFileSync(file.replace(/\.json$/, '.expected.json'), 'utf8')) as TranscriptDocument;
    test(`${dir}/${scenario.name} on the host kernel matches the recording`, { skip: linux ? false : 'the host source needs Linux' }, async (t) => {
      const actual = await runScenarioDocument(scenario, { factory: hostFactory(), label: 'tsnotify-host' });
      const outcome = checkOne(scenario.name, expected, actual);
      if (outcome.status === 'skipped') return t.skip(outcome.detail);
      assert.equal(outcome.status, 'passed', outcome.detail);
    });
  }
}
