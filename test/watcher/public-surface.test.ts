import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as root from '../../src/index.js';
import * as inotify from '../../src/inotify/index.js';
import { createVfs } from '../../src/vfs/index.js';

test('the package root exports watch, Watcher, the errors and the inotify API, by name', () => {
  const expected = [...Object.keys(inotify), 'SystemError', 'Watcher', 'isSystemError', 'watch'].sort();
  assert.deepEqual(Object.keys(root).sort(), expected);
});

test("the root's inotifyInit takes another source when given one", () => {
  const vfs = createVfs();
  const ino = root.inotifyInit({ source: vfs });
  assert.equal(ino.addWatch('/', root.IN_CREATE), 1);
  ino.close();
});
