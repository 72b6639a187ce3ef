/**
 * Markdown tables in PEERS.md's shape: one row per driver, each cell the
 * median (min–max) over the repetitions, "(×n)" when every repetition gave
 * the same value, and a ratio table putting tsnotify beside the best peer
 * and the raw reader.
 */
import { isPeer } from './drivers.js';

export type Cell = number | string | boolean | null | Record<string, number>;
export type Rep = Record<string, Cell>;

export interface Column {
  key: string;
  label: string;
  kind: 'num' | 'int' | 'flag' | 'kinds' | 'text';
  digits?: number;
  /** Compared in the ratio table when set. */
  better?: 'lower' | 'higher';
}

export interface Row {
  driver: string;
  reps: Rep[];
}

const int = (n: number): string => Math.round(n).toLocaleString('en-US');

function fixed(column: Column, n: number): string {
  return column.kind === 'int' ? int(n) : n.toFixed(column.digits ?? 2);
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? (sorted[mid] ?? NaN) : ((sorted[mid - 1] ?? NaN) + (sorted[mid] ?? NaN)) / 2;
}

function numbers(reps: readonly Rep[], key: string): number[] {
  return reps.map((rep) => rep[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
}

function numberCell(column: Column, reps: readonly Rep[]): string {
  const values = numbers(reps, column.key);
  if (values.length === 0) return '–';
  const [mid, low, high] = [median(values), Math.min(...values), Math.max(...values)].map((n) => fixed(column, n));
  let text = `${mid}`;
  if (values.length > 1) text += low === high ? ` (×${values.length})` : ` (${low}–${high})`;
  return values.length < reps.length ? `${text} [${values.length}/${reps.length} reps]` : text;
}

function kindsCell(reps: readonly Rep[], key: string): string {
  const totals = new Map<string, number>();
  for (const rep of reps) {
    const value = rep[key];
    if (value === null || typeof value !== 'object') continue;
    for (const [kind, n] of Object.entries(value)) totals.set(kind, (totals.get(kind) ?? 0) + n);
  }
  const means = [...totals].map(([kind, n]) => [kind, n / Math.max(1, reps.length)] as const).filter(([, n]) => n >= 0.5);
  if (means.length === 0) return 'none';
  return means.sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${kind} ${int(n)}`).join(', ');
}

function cell(column: Column, reps: readonly Rep[]): string {
  if (reps.length === 0) return '–';
  switch (column.kind) {
    case 'num':
    case 'int':
      return numberCell(column, reps);
    case 'flag': {
      const yes = reps.filter((rep) => rep[column.key] === true).length;
      return yes === 0 ? 'no' : yes === reps.length ? 'yes' : `${yes}/${reps.length}`;
    }
    case 'kinds':
      return kindsCell(reps, column.key);
    case 'text':
      return [...new Set(reps.map((rep) => String(rep[column.key] ?? '–')))].join('/');
  }
}

export function renderTable(columns: readonly Column[], rows: readonly Row[]): string {
  const right = (column: Column): boolean => column.kind !== 'text';
  const lines = [
    `| driver | reps | ${columns.map((c) => c.label).join(' | ')} |`,
    `| --- | ---: | ${columns.map((c) => (right(c) ? '---:' : '---')).join(' | ')} |`,
  ];
  for (const row of rows) {
    lines.push(`| ${row.driver} | ${row.reps.length} | ${columns.map((c) => cell(c, row.reps)).join(' | ')} |`);
  }
  return lines.join('\n');
}

function medianOf(row: Row | undefined, key: string): number | undefined {
  const values = row ? numbers(row.reps, key) : [];
  return values.length > 0 && values.length === row?.reps.length ? median(values) : undefined;
}

function ratio(ours: number | undefined, theirs: number | undefined): string {
  if (ours === undefined || theirs === undefined) return '–';
  if (theirs === 0) return ours === 0 ? '1.00×' : '–';
  return `${(ours / theirs).toFixed(2)}×`;
}

/**
 * tsnotify's medians beside the best peer's and rawinotify's; '' without
 * tsnotify rows. For a column outside CORRECTNESS, only peers whose
 * correctness medians are all 0 compete: being fast by losing events does
 * not make a peer the one to beat.
 */
export function renderRatios(columns: readonly Column[], rows: readonly Row[], correctness: readonly string[] = []): string {
  const ours = rows.filter((row) => row.driver.startsWith('tsnotify') && row.reps.length > 0);
  if (ours.length === 0) return '';
  const raw = rows.find((row) => row.driver === 'rawinotify');
  const lines = [
    '| driver | metric | value | best peer | peer value | vs best peer | rawinotify | vs rawinotify |',
    '| --- | --- | ---: | --- | ---: | ---: | ---: | ---: |',
  ];
  for (const row of ours) {
    for (const column of columns.filter((c) => c.better)) {
      const value = medianOf(row, column.key);
      let best: { driver: string; value: number } | undefined;
      const correct = (peer: Row): boolean => correctness.every((key) => medianOf(peer, key) === 0);
      const rivals = rows.filter((r) => isPeer(r.driver) && (correctness.includes(column.key) || correct(r)));
      for (const peer of rivals) {
        const v = medianOf(peer, column.key);
        if (v === undefined) continue;
        const better = column.better === 'lower' ? v < (best?.value ?? Infinity) : v > (best?.value ?? -Infinity);
        if (better) best = { driver: peer.driver, value: v };
      }
      const rawValue = medianOf(raw, column.key);
      const show = (n: number | undefined): string => (n === undefined ? '–' : fixed(column, n));
      lines.push(
        `| ${row.driver} | ${column.label} | ${show(value)} | ${best?.driver ?? '–'} | ${show(best?.value)} | ` +
          `${ratio(value, best?.value)} | ${show(rawValue)} | ${ratio(value, rawValue)} |`,
      );
    }
  }
  return lines.join('\n');
}
