import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePlayKey } from './terminal-play.ts';

test('terminal keys map to the six actions and to restart / next / quit', () => {
  const action = (input: string) => {
    const key = parsePlayKey(input);
    return key.kind === 'action' ? key.action : key.kind;
  };
  assert.deepEqual(['.', '\x1b[D', '\x1b[C', '\x1b[A', 'z', 'c'].map(action), [0, 1, 2, 3, 4, 5]);
  assert.deepEqual(['a', 'd', 'w', ' '].map(action), [1, 2, 3, 3]);
  assert.deepEqual(['r', 'n', 'q', '\x03', 'x'].map(action), ['restart', 'next', 'quit', 'quit', 'unknown']);
});
