/**
 * The conformance runner as a library: run scenario files against a source
 * and write `NAME.actual.json`; check actual transcripts against
 * `NAME.expected.json`. The CLI (`tsnotify conformance`) is a thin wrapper.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { canonical, transcriptLines, transcriptsEqual, unifiedDiff } from './compare.js';
import type { Scenario, TranscriptDocument, TranscriptEntry } from './format.js';
import { parseScenario } from './format.js';
import type { ScenarioFs } from './fs-driver.js';
import { vfsScenarioFs } from './fs-driver.js';
import type { FrontEnds } from './runner.js';
import { BUILT_FRONT_ENDS, notifySkipReason, runScenario, skipReason } from './runner.js';

export { runScenario, skipReason, BUILT_FRONT_ENDS } from './runner.js';
export type { FrontEnds } from './runner.js';
export type { ScenarioFs } from './fs-driver.js';
export { vfsScenarioFs, mkfile } from './fs-driver.js';
export * from './format.js';
export { canonical, transcriptLines, transcriptsEqual, unifiedDiff } from './compare.js';

/** Scenario files named by the arguments: files as given, directories expanded (sorted). */
export function scenarioFiles(args: readonly string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    if (statSync(a).isDirectory()) {
      for (const f of readdirSync(a).sort()) {
        if (f.endsWith('.json') && !f.endsWith('.expected.json') && !f.endsWith('.actual.json')) out.push(join(a, f));
      }
    } else out.push(a);
  }
  return out;
}

/** A way to get a fresh filesystem for one scenario, or a reason it cannot run there. */
export type SourceFactory = (scenario: Scenario) => ScenarioFs | { skip: string } | Promise<ScenarioFs | { skip: string }>;

export interface RunOptions {
  factory?: SourceFactory;
  frontEnds?: FrontEnds;
  /** Recorded as `kernel` in the documents (informational). */
  label?: string;
}

export interface RunResult {
  name: string;
  document: TranscriptDocument;
}

/** Run one scenario document and return its transcript document. */
export async function runScenarioDocument(scenario: Scenario, opts: RunOptions = {}): Promise<TranscriptDocument> {
  const fe = opts.frontEnds ?? BUILT_FRONT_ENDS;
  const reason = skipReason(scenario, fe);
  const doc: TranscriptDocument = { format: 1, scenario: scenario.name, kernel: opts.label ?? 'tsnotify-vfs', flaky: scenario.flaky ?? false };
  if (reason) return { ...doc, skipped: reason };
  const fs = await (opts.factory ?? (() => vfsScenarioFs()))(scenario);
  if ('skip' in fs) return { ...doc, skipped: fs.skip };
  const unsupported = notifySkipReason(scenario, fs);
  if (unsupported) {
    fs.teardown();
    return { ...doc, skipped: unsupported };
  }
  return { ...doc, transcript: await runScenario(scenario, fs) };
}

/** Run scenario files and write OUT/NAME.actual.json for each. */
export async function runConformance(files: readonly string[], outDir: string, opts: RunOptions = {}): Promise<RunResult[]> {
  mkdirSync(outDir, { recursive: true });
  const results: RunResult[] = [];
  for (const file of files) {
    const scenario = parseScenario(readFileSync(file, 'utf8'), file);
    const document = await runScenarioDocument(scenario, opts);
    writeFileSync(join(outDir, `${scenario.name}.actual.json`), JSON.stringify(document, null, 1) + '\n');
    results.push({ name: scenario.name, document });
  }
  return results;
}

export interface CheckOutcome {
  name: string;
  status: 'passed' | 'failed' | 'skipped';
  /** The diff or the reason. */
  detail: string;
}

/** Compare one expected document with one actual document. */
export function checkOne(name: string, expected: TranscriptDocument, actual: TranscriptDocument | null): CheckOutcome {
  if (!actual) return { name, status: 'failed', detail: 'no actual transcript' };
  if (actual.skipped !== undefined) return { name, status: 'skipped', detail: actual.skipped };
  const exp: TranscriptEntry[] = expected.transcript ?? [];
  const act: TranscriptEntry[] = actual.transcript ?? [];
  if (transcriptsEqual(exp, act)) return { name, status: 'passed', detail: '' };
  return { name, status: 'failed', detail: unifiedDiff(transcriptLines(exp), transcriptLines(act)) };
}

/** Compare NAME.expected.json beside each scenario file with DIR/NAME.actual.json. */
export function checkConformance(files: readonly string[], actualDir: string): CheckOutcome[] {
  return files.map((file) => {
    const name = basename(file, '.json');
    const expected = JSON.parse(readFileSync(file.replace(/\.json$/, '.expected.json'), 'utf8')) as TranscriptDocument;
    let actual: TranscriptDocument | null = null;
    try {
      const raw = JSON.parse(readFileSync(join(actualDir, `${name}.actual.json`), 'utf8')) as TranscriptDocument | TranscriptEntry[];
      actual = Array.isArray(raw) ? { format: 1, scenario: name, transcript: raw } : raw;
    } catch {
      actual = null;
    }
    return checkOne(name, expected, actual);
  });
}

/** The closing line CI reads: `N passed, N failed, N skipped`. */
export function summaryLine(outcomes: readonly CheckOutcome[]): string {
  const count = (s: CheckOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  return `${count('passed')} passed, ${count('failed')} failed, ${count('skipped')} skipped`;
}

export { canonical as canonicalJson };
