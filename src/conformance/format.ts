/**
 * The golden-corpus format, version 1 (test/conformance/FORMAT.md): scenario
 * documents, transcript documents, flag-list parsing and event-record
 * normalisation. Pure data handling; no filesystem or front-end here.
 */

export interface Op {
  readonly op: string;
  readonly [key: string]: unknown;
}

export interface Scenario {
  readonly format: 1;
  readonly name: string;
  readonly description: string;
  readonly tags: readonly string[];
  readonly flaky?: boolean;
  readonly setup?: readonly Op[];
  readonly steps: readonly Op[];
}

export type EventRecord = Record<string, unknown>;

export interface TranscriptEntry {
  step: number | 'final';
  op: string;
  result: string;
  wd?: string | null;
  bytes?: number | null;
  events?: EventRecord[];
}

export interface TranscriptDocument {
  format: 1;
  scenario: string;
  /** Where the transcript came from (informational, not compared). */
  kernel?: string;
  flaky?: boolean;
  transcript?: TranscriptEntry[];
  /** Set instead of `transcript` when the scenario was not run, with the reason. */
  skipped?: string;
}

/** Parse a scenario document, rejecting unknown formats. */
export function parseScenario(text: string, file: string): Scenario {
  const doc = JSON.parse(text) as Partial<Scenario>;
  if (doc.format !== 1) throw new Error(`${file}: unknown scenario format ${String(doc.format)}`);
  if (typeof doc.name !== 'string' || !Array.isArray(doc.steps)) throw new Error(`${file}: not a scenario (name/steps missing)`);
  return doc as Scenario;
}

/**
 * Turn a flag list (§1.2: names from `table`, integers, "0x…" strings) into
 * a number. Unknown names are an error.
 */
export function flagsOf(list: unknown, table: Readonly<Record<string, number>>, what: string): number {
  if (list === undefined || list === null) return 0;
  if (!Array.isArray(list)) throw new Error(`${what}: expected a list, got ${JSON.stringify(list)}`);
  let v = 0;
  for (const item of list) {
    if (typeof item === 'number') v |= item;
    else if (typeof item === 'string' && /^0x[0-9a-f]+$/i.test(item)) v |= parseInt(item, 16);
    else if (typeof item === 'string' && item in table) v |= table[item]!;
    else throw new Error(`${what}: unknown flag ${JSON.stringify(item)}`);
  }
  return v >>> 0;
}

/** §4: a mask as sorted single-bit names; leftover bits as one hex string. */
export function maskNames(mask: number, singleBits: Readonly<Record<string, number>>): string[] {
  let rest = mask >>> 0;
  const names: string[] = [];
  for (const [name, bit] of Object.entries(singleBits)) {
    if (bit !== 0 && (rest & bit) >>> 0 === bit) {
      names.push(name);
      rest = (rest & ~bit) >>> 0;
    }
  }
  names.sort();
  if (rest !== 0) names.push('0x' + rest.toString(16));
  return names;
}

/** Modes are octal strings ("0644") or integers. */
export function modeOf(v: unknown, dflt: number): number {
  if (v === undefined) return dflt;
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[0-7]+$/.test(v)) return parseInt(v, 8);
  throw new Error(`bad mode ${JSON.stringify(v)}`);
}

/**
 * Replace kernel cookies by ordinals in order of first appearance across the
 * whole transcript (§5.1); 0 stays 0.
 */
export function normaliseCookies(transcript: TranscriptEntry[]): void {
  const seen = new Map<number, number>();
  for (const entry of transcript) {
    for (const ev of entry.events ?? []) {
      const c = ev['cookie'];
      if (typeof c !== 'number' || c === 0) continue;
      let ord = seen.get(c);
      if (ord === undefined) {
        ord = seen.size + 1;
        seen.set(c, ord);
      }
      ev['cookie'] = ord;
    }
  }
}
