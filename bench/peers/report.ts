/**
 * The markdown report: a header saying what was measured where (machine,
 * peer versions, scratch filesystem, skipped drivers), then one section per
 * workload with its table, notes, and tsnotify's ratios.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './native.js';
import { maxQueuedEvents } from './proc.js';
import { renderRatios, renderTable, type Row } from './table.js';
import type { Workload } from './workloads/workload.js';

function packageVersion(name: string): string {
  try {
    const text = readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8');
    return (JSON.parse(text) as { version?: string }).version ?? '?';
  } catch {
    return 'not installed';
  }
}

function commandVersion(command: string, args: string[], pattern: RegExp): string {
  try {
    const text = execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return pattern.exec(text)?.[1] ?? text.trim();
  } catch (error) {
    const text = String((error as { stdout?: unknown }).stdout ?? '');
    return pattern.exec(text)?.[1] ?? 'not installed';
  }
}

export interface HeaderFacts {
  scratch: string;
  reps: number;
  quick: boolean;
  skipped: Map<string, string>;
}

export function renderHeader(facts: HeaderFacts): string {
  const versions = [
    `inotify-tools ${commandVersion('inotifywait', ['--help'], /inotifywait (\S+)/)}`,
    `@parcel/watcher ${packageVersion('@parcel/watcher')}`,
    `watchman ${commandVersion('watchman', ['--version'], /^(\S+)/)} (fb-watchman ${packageVersion('fb-watchman')}, private server)`,
    `chokidar ${packageVersion('chokidar')}`,
    `Node ${process.version} fs.watch recursive`,
  ];
  const lines = [
    `# Peer benchmark (${new Date().toISOString().slice(0, 10)}${facts.quick ? ', --quick sizes' : ''})`,
    '',
    `Machine: Linux ${release()}, ${cpus().length} cores, Node ${process.version}; ` +
      `max_queued_events = ${maxQueuedEvents()}; scratch: ${facts.scratch}. ` +
      `Medians of ${facts.reps} repetition${facts.reps === 1 ? '' : 's'}.`,
    '',
    `Peers: ${versions.join(', ')}. Floor: rawinotify (native/rawinotify.c).`,
  ];
  if (facts.skipped.size > 0) {
    lines.push('', 'Skipped:');
    for (const [driver, reason] of facts.skipped) lines.push(`- ${driver}: ${reason}`);
  }
  return lines.join('\n');
}

export function renderSection(workload: Workload, rows: readonly Row[], notes: readonly string[]): string {
  const parts = [`### ${workload.title}`, '', workload.description, '', renderTable(workload.columns, rows)];
  if (notes.length > 0) parts.push('', 'Notes:', ...notes.map((note) => `- ${note}`));
  const correctness = workload.correctness ?? [];
  const ratios = renderRatios(workload.columns, rows, correctness);
  if (ratios) {
    const rule = correctness.length
      ? ` For the other columns only peers with ${correctness.join(' = ')} = 0 compete.`
      : '';
    parts.push('', `tsnotify against the best peer (any watcher but rawinotify and tsnotify) and the floor, on medians.${rule}`, '', ratios);
  }
  return parts.join('\n');
}
