/**
 * Builds the benchmark's C helpers (native/gen.c, native/rawinotify.c) with
 * `cc -O2` into a cache directory keyed by the sources' hash, so a second
 * run reuses them. The sources stay in bench/peers/native/; the compiled
 * harness finds them from its own location in dist/.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root: this file runs as dist/bench/peers/native.js. */
export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const sourceDir = join(repoRoot, 'bench', 'peers', 'native');

export interface NativeTools {
  gen: string;
  rawinotify: string;
}

function build(name: string, cacheDir: string): string {
  const source = join(sourceDir, `${name}.c`);
  const hash = createHash('sha256').update(readFileSync(source)).digest('hex').slice(0, 12);
  const binary = join(cacheDir, `${name}-${hash}`);
  if (existsSync(binary)) return binary;
  const partial = `${binary}.${process.pid}.tmp`;
  execFileSync('cc', ['-O2', '-o', partial, source], { stdio: ['ignore', 'inherit', 'inherit'] });
  renameSync(partial, binary);
  return binary;
}

/** Compiles (or finds in the cache) both helpers; throws when cc fails. */
export function buildNative(cacheDir = join(tmpdir(), 'tsnotify-bench-native')): NativeTools {
  mkdirSync(cacheDir, { recursive: true });
  return { gen: build('gen', cacheDir), rawinotify: build('rawinotify', cacheDir) };
}
