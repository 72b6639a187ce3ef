#!/usr/bin/env node
/**
 * The `tsnotify` command line: one entry point dispatching to commands.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { conformanceCommand } from './commands/conformance.js';
import { traceCommand } from './commands/trace.js';
import { waitCommand } from './commands/wait.js';
import { watchCommand } from './commands/watch.js';
import type { Io } from './io.js';
import { processIo } from './io.js';

export const USAGE = `Usage: tsnotify <command> [options]

Commands:
  wait                    wait for events and print them (inotifywait; -r never
                          misses a new directory's contents)
  watch                   count events per path and event (inotifywatch)
  trace                   trace file accesses with fanotify (fatrace-style; root)
  conformance run|check   run kernel-recorded scenarios and compare transcripts

Run 'tsnotify <command> --help' for a command's options and examples.
`;

export async function main(argv: string[], io: Io = processIo): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'wait':
      return waitCommand(rest, io);
    case 'watch':
      return watchCommand(rest, io);
    case 'trace':
      return traceCommand(rest, io);
    case 'conformance':
      return conformanceCommand(rest, io);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      io.out(USAGE);
      return cmd === undefined ? 1 : 0;
    default:
      io.err(`tsnotify: unknown command '${cmd}'\n${USAGE}`);
      return 1;
  }
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (script === undefined) return false;
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url);
  } catch {
    return false;
  }
}

if (invokedDirectly()) {
  // `tsnotify wait -m … | head -1`: the reader went away; stop quietly, as inotifywait does on SIGPIPE.
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') process.exit(0);
    throw e;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      process.stderr.write(`tsnotify: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exitCode = 1;
    },
  );
}
