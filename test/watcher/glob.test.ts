import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileGlob, IgnoreMatcher } from '../../src/watcher/index.js';

test('* and ? stay within a segment; ** spans segments', () => {
  assert.ok(compileGlob('*.log').test('a.log'));
  assert.ok(!compileGlob('*.log').test('d/a.log'));
  assert.ok(compileGlob('a?c').test('abc'));
  assert.ok(!compileGlob('a?c').test('a/c'));
  assert.ok(compileGlob('**/x').test('x'));
  assert.ok(compileGlob('**/x').test('a/b/x'));
  assert.ok(compileGlob('a/**').test('a/b/c'));
  assert.ok(!compileGlob('a/**').test('a'));
  assert.ok(compileGlob('a/**/b').test('a/b'));
  assert.ok(compileGlob('a/**/b').test('a/x/y/b'));
  assert.ok(compileGlob('a**b').test('axxb'));
  assert.ok(!compileGlob('a**b').test('ax/xb'));
});

test('classes, braces and escapes', () => {
  assert.ok(compileGlob('[abc].txt').test('b.txt'));
  assert.ok(!compileGlob('[!abc].txt').test('b.txt'));
  assert.ok(compileGlob('[^abc].txt').test('d.txt'));
  assert.ok(compileGlob('[a-c]x').test('bx'));
  assert.ok(compileGlob('*.{js,ts}').test('a.ts'));
  assert.ok(compileGlob('{src,lib/{a,b}}/x').test('lib/b/x'));
  assert.ok(!compileGlob('*.{js,ts}').test('a.rs'));
  assert.ok(compileGlob('\\*lit').test('*lit'));
  assert.ok(!compileGlob('\\*lit').test('xlit'));
  assert.ok(compileGlob('a.b').test('a.b'));
  assert.ok(!compileGlob('a.b').test('axb'));
  assert.ok(compileGlob('[').test('['));
});

test('names match at any depth, paths from the root, a trailing slash only directories', () => {
  const m = new IgnoreMatcher(['*.log', 'node_modules', '/top', 'a/b', 'cache/', '/root/abs/x'], '/root/abs');
  assert.ok(m.ignored('/r/d/e.log', 'd/e.log', 'e.log', false));
  assert.ok(m.ignored('/r/p/node_modules', 'p/node_modules', 'node_modules', true));
  assert.ok(m.ignored('/r/top', 'top', 'top', true));
  assert.ok(!m.ignored('/r/d/top', 'd/top', 'top', true));
  assert.ok(m.ignored('/r/a/b', 'a/b', 'b', false));
  assert.ok(!m.ignored('/r/x/a/b', 'x/a/b', 'b', false));
  assert.ok(m.ignored('/r/cache', 'cache', 'cache', true));
  assert.ok(!m.ignored('/r/cache', 'cache', 'cache', false));
  assert.ok(m.ignored('/root/abs/x', 'x', 'x', false));
  assert.ok(!m.ignored('/r/ok.txt', 'ok.txt', 'ok.txt', false));
});

test('dir/** ignores the contents of dir but not dir itself', () => {
  const m = new IgnoreMatcher(['build/**'], '/r');
  assert.ok(m.contentsIgnored('build'));
  assert.ok(!m.ignored('/r/build', 'build', 'build', true));
  assert.ok(m.ignored('/r/build/x', 'build/x', 'x', false));
  assert.ok(!m.contentsIgnored('src'));
});
