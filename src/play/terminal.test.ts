import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseKey, renderHalfBlocks } from './terminal.ts';

test('half blocks put the top pixel in the foreground and the bottom pixel in the background', () => {
  // 1 x 2 frame: red above blue
  const out = renderHalfBlocks({ width: 1, height: 2, rgb: new Uint8Array([255, 0, 0, 0, 0, 255]) });
  assert.equal(out, '\x1b[38;2;255;0;0m\x1b[48;2;0;0;255m▀\x1b[0m');
  // odd height: the last row repeats its own pixel; 3 rows make 2 lines of 2 cells
  const odd = renderHalfBlocks({ width: 2, height: 3, rgb: new Uint8Array(2 * 3 * 3).fill(9) });
  assert.equal(odd.split('\n').length, 2);
  assert.equal((odd.match(/▀/g) ?? []).length, 4);
});

test('keys map to latent actions, the world key map, and commands', () => {
  const world = { numActions: 8, keyMap: { ArrowRight: { action: 5, label: 'right' }, Space: { action: 2, label: 'jump' } } };
  assert.deepEqual(parseKey('1', world), { kind: 'action', action: 0 });
  assert.deepEqual(parseKey('8', world), { kind: 'action', action: 7 });
  assert.deepEqual(parseKey('9', world), { kind: 'unknown' });
  assert.deepEqual(parseKey('0', world), { kind: 'unknown' });
  assert.deepEqual(parseKey('\x1b[C', world), { kind: 'action', action: 5 });
  assert.deepEqual(parseKey(' ', world), { kind: 'action', action: 2 });
  assert.deepEqual(parseKey('\x1b[D', world), { kind: 'unknown' }, 'an arrow with no mapping does nothing');
  assert.deepEqual(parseKey('q', world), { kind: 'quit' });
  assert.deepEqual(parseKey('\x03', world), { kind: 'quit' });
  assert.deepEqual(parseKey('b', world), { kind: 'back' });
  assert.deepEqual(parseKey('r', world), { kind: 'reset' });
});
