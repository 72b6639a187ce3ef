/**
 * Exact comparison of transcripts (FORMAT.md §5): the `transcript` arrays
 * must be equal as JSON, key order aside. A mismatch is shown as a unified
 * diff with one transcript entry or event per line.
 */
import type { TranscriptEntry } from './format.js';

/** JSON with sorted keys, so key order never matters. */
export function canonical(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(', ') + ']';
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return '{' + Object.keys(o).sort().map((k) => JSON.stringify(k) + ': ' + canonical(o[k])).join(', ') + '}';
  }
  return JSON.stringify(v);
}

/** One line per entry, and one per event under a drain. */
export function transcriptLines(t: readonly TranscriptEntry[]): string[] {
  const lines: string[] = [];
  for (const entry of t) {
    const { events, ...rest } = entry;
    lines.push(canonical(rest));
    for (const ev of events ?? []) lines.push('    ' + canonical(ev));
  }
  return lines;
}

export function transcriptsEqual(a: readonly TranscriptEntry[], b: readonly TranscriptEntry[]): boolean {
  return canonical(a) === canonical(b);
}

/** A unified diff (LCS-based) of expected vs actual lines, with 2 lines of context. */
export function unifiedDiff(expected: string[], actual: string[], context = 2): string {
  const n = expected.length;
  const m = actual.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = expected[i] === actual[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const ops: { tag: ' ' | '-' | '+'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && expected[i] === actual[j]) {
      ops.push({ tag: ' ', line: expected[i]! });
      i++;
      j++;
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) {
      ops.push({ tag: '-', line: expected[i]! });
      i++;
    } else {
      ops.push({ tag: '+', line: actual[j]! });
      j++;
    }
  }
  const keep = ops.map((o, k) => o.tag !== ' ' || ops.slice(Math.max(0, k - context), k + context + 1).some((x) => x.tag !== ' '));
  const out: string[] = ['--- expected', '+++ actual'];
  let skipping = false;
  ops.forEach((o, k) => {
    if (keep[k]) {
      out.push(o.tag + ' ' + o.line);
      skipping = false;
    } else if (!skipping) {
      out.push('  …');
      skipping = true;
    }
  });
  return out.join('\n');
}
