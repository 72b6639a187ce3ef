/**
 * Every kernel-recorded scenario runs on the in-memory filesystem and must
 * produce the kernel's transcript exactly. Scenarios for front-ends not yet
 * built are skipped with their reason (and counted by the runner's summary).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { checkOne, parseScenario, runScenarioDocument, scenarioFiles } from '../../src/conformance/index.js';
import type { TranscriptDocument } from '../../src/conformance/index.js';

const here = dirname(fileURLToPath(import.meta.url));
/** Scenario data lives in the source tree (test/conformance/…), not in dist/. */
const root = join(here, '..', '..', '..', 'test', 'conformance');

for (const dir of ['scenarios', 'extra']) {
  let files: string[] = [];
  try {
    files = scenarioFiles([join(root, dir)]);
  } catch {
    continue;
  }
  for (const file of files) {
    const scenario = parseScenario(readFileSync(file, 'utf8'), file);
    const expected = JSON.parse(readFileSync(file.replace(/\.json$/, '.expected.json'), 'utf8')) as TranscriptDocument;
    test(`${dir}/${scenario.name} on the vfs matches the kernel`, async (t) => {
      const actual = await runScenarioDocument(scenario);
      const outcome = checkOne(scenario.name, expected, actual);
      if (outcome.status === 'skipped') return t.skip(outcome.detail);
      assert.equal(outcome.status, 'passed', outcome.detail);
    });
  }
}
