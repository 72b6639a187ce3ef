/**
 * Ignore rules: a small glob matcher (no dependency) and the predicate the
 * Watcher asks before it spends a watch, lists a directory or reports an
 * event.
 *
 * Glob syntax, gitignore-like, matched against the path relative to the
 * watched root with `/` separators:
 * - `*` any run of characters but `/`; `?` one character but `/`;
 *   `[abc]`, `[a-z]`, `[!abc]` (or `[^abc]`) one character of a class;
 *   `{a,b}` either alternative (nestable); `\x` the character x;
 * - `**` as a whole segment: any number of segments (`**\/x`, `a/**`,
 *   `a/**\/b`); elsewhere it acts as `*`;
 * - a pattern without `/` (e.g. `*.log`, `node_modules`) matches the
 *   entry's name at any depth; with a `/` (other than a trailing one) it
 *   matches the whole relative path; a leading `/` anchors at the root;
 * - a trailing `/` matches directories only;
 * - `dir/**` ignores everything below `dir`: the directory itself is still
 *   reported but gets no watch and is never listed.
 * A pattern starting with the root's absolute path is made relative to it.
 */
import type { IgnoreRule } from './types.js';

/** The RegExp source for one glob (without anchors). */
export function globToRegExpSource(glob: string): string {
  let out = '';
  let i = 0;
  while (i < glob.length) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        const startsSegment = i === 0 || glob[i - 1] === '/';
        const end = i + 2;
        if (startsSegment && end === glob.length) {
          out += '.*';
          i = end;
          continue;
        }
        if (startsSegment && glob[end] === '/') {
          out += '(?:[^/]*/)*';
          i = end + 1;
          continue;
        }
        out += '[^/]*';
        i = end;
        continue;
      }
      out += '[^/]*';
      i++;
    } else if (c === '?') {
      out += '[^/]';
      i++;
    } else if (c === '[') {
      const close = classEnd(glob, i);
      if (close < 0) {
        out += '\\[';
        i++;
        continue;
      }
      let body = glob.slice(i + 1, close);
      let negate = false;
      if (body[0] === '!' || body[0] === '^') {
        negate = true;
        body = body.slice(1);
      }
      body = body.replace(/\\/g, '\\\\').replace(/\]/g, '\\]');
      out += negate ? `(?!/)[^${body}]` : `[${body}]`;
      i = close + 1;
    } else if (c === '{') {
      const alternatives = braceAlternatives(glob, i);
      if (alternatives === null) {
        out += '\\{';
        i++;
        continue;
      }
      out += '(?:' + alternatives.parts.map(globToRegExpSource).join('|') + ')';
      i = alternatives.end + 1;
    } else if (c === '\\' && i + 1 < glob.length) {
      out += escapeRegExp(glob[i + 1]!);
      i += 2;
    } else {
      out += escapeRegExp(c);
      i++;
    }
  }
  return out;
}

/** Index of the `]` closing the class opened at `open`, or -1. A `]` first in the class is literal. */
function classEnd(glob: string, open: number): number {
  let j = open + 1;
  if (glob[j] === '!' || glob[j] === '^') j++;
  if (glob[j] === ']') j++;
  for (; j < glob.length; j++) if (glob[j] === ']') return j;
  return -1;
}

/** The top-level alternatives of the `{…}` opened at `open`, or null when unbalanced or without a comma. */
function braceAlternatives(glob: string, open: number): { parts: string[]; end: number } | null {
  let depth = 0;
  let start = open + 1;
  const parts: string[] = [];
  for (let j = open; j < glob.length; j++) {
    const c = glob[j];
    if (c === '\\') {
      j++;
    } else if (c === '{') {
      depth++;
    } else if (c === '}') {
      depth--;
      if (depth === 0) {
        parts.push(glob.slice(start, j));
        return parts.length > 1 ? { parts, end: j } : null;
      }
    } else if (c === ',' && depth === 1) {
      parts.push(glob.slice(start, j));
      start = j + 1;
    }
  }
  return null;
}

function escapeRegExp(c: string): string {
  return /[.*+?^${}()|[\]\\/]/.test(c) ? '\\' + c : c;
}

/** Compile a glob to a RegExp matching a whole string. */
export function compileGlob(glob: string): RegExp {
  return new RegExp('^(?:' + globToRegExpSource(glob) + ')$');
}

function union(sources: string[]): RegExp | null {
  return sources.length === 0 ? null : new RegExp('^(?:' + sources.join('|') + ')$');
}

/**
 * The compiled ignore rules of one Watcher. Globs are merged into a few
 * regular expressions by kind (name or path, any entry or directories
 * only), so one test per kind answers for all of them.
 */
export class IgnoreMatcher {
  /** No rule at all: callers skip the relative-path computation. */
  readonly empty: boolean;
  private readonly name: RegExp | null;
  private readonly nameDir: RegExp | null;
  private readonly path: RegExp | null;
  private readonly pathDir: RegExp | null;
  /** Directories whose whole contents are ignored (`dir/**`). */
  private readonly contents: RegExp | null;
  private readonly predicates: ((path: string, isDirectory: boolean) => boolean)[] = [];

  constructor(rules: IgnoreRule | readonly IgnoreRule[] | undefined, root: string) {
    const list: readonly IgnoreRule[] = rules === undefined ? [] : typeof rules === 'string' || typeof rules === 'function' ? [rules] : rules;
    const name: string[] = [];
    const nameDir: string[] = [];
    const path: string[] = [];
    const pathDir: string[] = [];
    const contents: string[] = [];
    const rootPrefix = root === '/' ? '/' : root + '/';
    for (const rule of list) {
      if (typeof rule === 'function') {
        this.predicates.push(rule);
        continue;
      }
      if (typeof rule !== 'string') throw new TypeError(`an ignore rule is a glob string or a function, not ${typeof rule}`);
      let glob = rule;
      if (glob.startsWith(rootPrefix) && glob.length > rootPrefix.length) glob = glob.slice(rootPrefix.length);
      while (glob.startsWith('./')) glob = glob.slice(2);
      let dirOnly = false;
      while (glob.length > 1 && glob.endsWith('/')) {
        dirOnly = true;
        glob = glob.slice(0, -1);
      }
      const anchored = glob.startsWith('/');
      if (anchored) glob = glob.slice(1);
      if (glob === '') continue;
      const source = globToRegExpSource(glob);
      if (!anchored && !glob.includes('/')) {
        (dirOnly ? nameDir : name).push(source);
      } else {
        (dirOnly ? pathDir : path).push(source);
        if (glob.endsWith('/**') && glob.length > 3) contents.push(globToRegExpSource(glob.slice(0, -3)));
      }
    }
    this.name = union(name);
    this.nameDir = union(nameDir);
    this.path = union(path);
    this.pathDir = union(pathDir);
    this.contents = union(contents);
    this.empty = list.length === 0;
  }

  /** Is the entry at `path` (`rel` from the root, last component `name`) ignored? */
  ignored(path: string, rel: string, name: string, isDirectory: boolean): boolean {
    if (this.name?.test(name) || this.path?.test(rel)) return true;
    if (isDirectory && (this.nameDir?.test(name) || this.pathDir?.test(rel))) return true;
    for (const p of this.predicates) if (p(path, isDirectory)) return true;
    return false;
  }

  /** Are all the contents of directory `rel` ignored (so it needs no watch and no listing)? */
  contentsIgnored(rel: string): boolean {
    return this.contents !== null && rel !== '' && this.contents.test(rel);
  }
}
