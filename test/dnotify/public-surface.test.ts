import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as dnotify from '../../src/dnotify/index.js';

test('exports exactly the documented public surface of the dnotify front-end', () => {
  assert.deepEqual(Object.keys(dnotify).sort(), [
    'DN_ACCESS',
    'DN_ALL',
    'DN_ATTRIB',
    'DN_CREATE',
    'DN_DELETE',
    'DN_MODIFY',
    'DN_MULTISHOT',
    'DN_RENAME',
    'DN_SI_BAND',
    'Dnotify',
    'F_NOTIFY',
    'F_SETSIG',
    'dnotify',
    'dnotifyArgToMask',
  ]);
});
