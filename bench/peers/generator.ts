/**
 * The harness's side of native/gen.c: building a pre-tree, running an op
 * mix (asynchronously, so the harness keeps reading the driver's output
 * meanwhile), listing a tree, and reading back what the generator touched.
 */
import { execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** An op mix on a pre-tree of `dirs` × `filesPerDir` files. */
export interface Mix {
  creates: number;
  writes: number;
  renames: number;
  unlinks: number;
  newDirs: number;
  dirs: number;
  filesPerDir: number;
  seed: number;
}

/** Building or listing a tree is killed after this long (it takes about a second). */
const TOOL_TIMEOUT_MS = 300_000;

/** Files each new directory receives, as in gen.c. */
export const NEW_DIR_FILES = 4;

export function operationCount(mix: Mix): number {
  return mix.creates + mix.writes + mix.renames + mix.unlinks + mix.newDirs * (1 + NEW_DIR_FILES);
}

export function touchedCount(mix: Mix): number {
  return operationCount(mix) + mix.renames;
}

/** A mix of TOTAL operations in the given shares, on a pre-tree of 50 files a directory. */
export function mixOf(
  total: number,
  shares: { creates: number; writes: number; renames: number; unlinks: number; newDirs: number },
  seed: number,
): Mix {
  const count = (share: number): number => Math.round(total * share);
  const mix = {
    creates: count(shares.creates),
    writes: count(shares.writes),
    renames: count(shares.renames),
    unlinks: count(shares.unlinks),
    newDirs: count(shares.newDirs),
  };
  const filesPerDir = 50;
  const dirs = Math.max(1, Math.ceil((mix.writes + mix.renames + mix.unlinks) / filesPerDir));
  return { ...mix, dirs, filesPerDir, seed };
}

export function describeMix(mix: Mix): string {
  const int = (n: number): string => n.toLocaleString('en-US');
  return (
    `${int(mix.creates)} creates, ${int(mix.writes)} write+close, ${int(mix.renames)} renames, ` +
    `${int(mix.unlinks)} unlinks, ${int(mix.newDirs)} new dirs each followed at once by ` +
    `${NEW_DIR_FILES} creates inside (${int(operationCount(mix))} operations, ` +
    `${int(touchedCount(mix))} distinct paths touched), on a pre-tree of ` +
    `${int(mix.dirs * mix.filesPerDir)} files in ${int(mix.dirs)} dirs`
  );
}

export function makeTree(gen: string, root: string, dirs: number, files: number): void {
  execFileSync(gen, ['tree', root, String(dirs), String(files)], { stdio: ['ignore', 'ignore', 'inherit'], timeout: TOOL_TIMEOUT_MS });
}

/** Every path under ROOT (files and directories), absolute. */
export function listTree(gen: string, root: string, scratchFile: string): string[] {
  execFileSync(gen, ['list', root, scratchFile], { stdio: ['ignore', 'ignore', 'inherit'], timeout: TOOL_TIMEOUT_MS });
  return splitLines(readFileSync(scratchFile, 'utf8'));
}

export interface OpsResult {
  /** CLOCK_MONOTONIC ms of the first and last operation. */
  startMs: number;
  endMs: number;
  /** touched path → kind (create, write, rename-from, …). */
  touched: Map<string, string>;
  expected: string[];
}

/** Runs the mix on ROOT; rejects on failure or after TIMEOUTMS. */
export function runOps(gen: string, root: string, meta: string, mix: Mix, timeoutMs: number): Promise<OpsResult> {
  const counts = [mix.dirs, mix.filesPerDir, mix.seed, mix.creates, mix.writes, mix.renames, mix.unlinks, mix.newDirs];
  const child = spawn(gen, ['ops', root, ...counts.map(String), meta], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`generator timed out after ${timeoutMs / 1000} s`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      const start = /^START (\S+)$/m.exec(stdout)?.[1];
      const end = /^END (\S+)$/m.exec(stdout)?.[1];
      if (code !== 0 || start === undefined || end === undefined) {
        reject(new Error(`generator failed (exit ${code}): ${stderr.trim()}`));
        return;
      }
      resolve({ startMs: Number(start), endMs: Number(end), ...readOutputs(meta) });
    });
  });
}

function readOutputs(meta: string): { touched: Map<string, string>; expected: string[] } {
  const touched = new Map<string, string>();
  for (const line of splitLines(readFileSync(join(meta, 'touched.tsv'), 'utf8'))) {
    const tab = line.indexOf('\t');
    touched.set(line.slice(tab + 1), line.slice(0, tab));
  }
  return { touched, expected: splitLines(readFileSync(join(meta, 'expected.txt'), 'utf8')) };
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines;
}
