import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mappedAccuracy, majorityVoteMapping } from './action-mapping.ts';

test('each latent code maps to its most frequent real action; unseen codes to the overall most common', () => {
  // Code 0: real 2 twice, 5 once -> 2. Code 1: 1, 1, 4 -> 1. Code 2: 3 once -> 3. Code 3: never seen -> the
  // most common real action over all 7 transitions (1 and 2 appear twice: the tie goes to 1).
  const latent = [0, 0, 0, 1, 1, 1, 2];
  const real = [2, 5, 2, 1, 4, 1, 3];
  const { mapping, counts, unseenCodes } = majorityVoteMapping(latent, real, 4, 6);
  assert.deepEqual(mapping, [2, 1, 3, 1]);
  assert.deepEqual(unseenCodes, [3]);
  assert.deepEqual(counts[0], [0, 0, 2, 0, 0, 1]);
});

test('a tie within a code goes to the lower real action id', () => {
  assert.deepEqual(majorityVoteMapping([0, 0, 1], [5, 3, 4], 2, 6).mapping, [3, 4]);
});

test('mapped accuracy counts the transitions whose real action the mapping recovers', () => {
  assert.equal(mappedAccuracy([2, 1], [0, 0, 1, 1], [2, 0, 1, 1], 3), 3 / 4);
});

test('the mapping needs at least one labelled transition and valid labels', () => {
  assert.throws(() => majorityVoteMapping([], [], 4, 6), /no labelled transitions/);
  assert.throws(() => majorityVoteMapping([4], [0], 4, 6), /latent action 0 is 4, outside 0..3/);
  assert.throws(() => majorityVoteMapping([0, 1], [0], 4, 6), /2 latent actions but 1 true actions/);
});
