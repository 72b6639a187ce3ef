/**
 * `tsnotify conformance run|check`: run kernel-recorded scenarios against a
 * source and compare transcripts (test/conformance/FORMAT.md).
 */
import { checkConformance, runConformance, scenarioFiles, summaryLine } from '../../conformance/index.js';
import type { SourceFactory } from '../../conformance/index.js';
import type { Io } from '../io.js';

export const HELP = `Usage:
  tsnotify conformance run --source vfs|host --out DIR FILE_OR_DIR...
  tsnotify conformance check --actual-dir DIR FILE_OR_DIR...

run    executes each scenario exactly as FORMAT.md specifies and writes
       DIR/NAME.actual.json (scenarios for front-ends not built are written
       as skipped, with the reason).
check  compares DIR/NAME.actual.json with NAME.expected.json beside each
       scenario, prints a diff per mismatch, and ends with
       'N passed, N failed, N skipped'; exit 1 on any failure.

Examples:
  tsnotify conformance run --source vfs --out .out/vfs test/conformance/scenarios
  tsnotify conformance check --actual-dir .out/vfs test/conformance/scenarios
`;

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const v = args[i + 1];
  args.splice(i, 2);
  return v;
}

async function factoryFor(source: string): Promise<SourceFactory | string> {
  if (source === 'vfs') {
    const { vfsScenarioFs } = await import('../../conformance/index.js');
    return () => vfsScenarioFs();
  }
  if (source === 'host') {
    try {
      // Loaded on demand: the host source brings in the FFI library.
      const spec = '../../conformance/host-fs.js';
      const mod = (await import(spec)) as { hostFactory(): SourceFactory };
      return mod.hostFactory();
    } catch (e) {
      return `the host source is not available: ${(e as Error).message}`;
    }
  }
  return `unknown source '${source}' (vfs or host)`;
}

export async function conformanceCommand(argv: string[], io: Io): Promise<number> {
  const args = [...argv];
  const sub = args.shift();
  if (sub === undefined || sub === '--help' || sub === '-h') {
    io.out(HELP);
    return sub === undefined ? 1 : 0;
  }
  if (sub === 'run') {
    const source = option(args, '--source') ?? 'vfs';
    const out = option(args, '--out');
    if (!out || args.length === 0) {
      io.err('tsnotify conformance run: --out DIR and at least one scenario file or directory are required\n');
      return 1;
    }
    const factory = await factoryFor(source);
    if (typeof factory === 'string') {
      io.err(`tsnotify conformance run: ${factory}\n`);
      return 1;
    }
    const results = await runConformance(scenarioFiles(args), out, { factory, label: `tsnotify-${source}` });
    const skipped = results.filter((r) => r.document.skipped !== undefined).length;
    io.out(`ran ${results.length - skipped} scenario(s) on ${source}, skipped ${skipped}; transcripts in ${out}\n`);
    return 0;
  }
  if (sub === 'check') {
    const dir = option(args, '--actual-dir');
    if (!dir || args.length === 0) {
      io.err('tsnotify conformance check: --actual-dir DIR and at least one scenario file or directory are required\n');
      return 1;
    }
    const outcomes = checkConformance(scenarioFiles(args), dir);
    for (const o of outcomes) {
      if (o.status === 'failed') io.out(`FAIL ${o.name}\n${o.detail}\n\n`);
      else if (o.status === 'skipped') io.out(`SKIP ${o.name}: ${o.detail}\n`);
    }
    io.out(summaryLine(outcomes) + '\n');
    return outcomes.some((o) => o.status === 'failed') ? 1 : 0;
  }
  io.err(`tsnotify conformance: unknown subcommand '${sub}'\n${HELP}`);
  return 1;
}
