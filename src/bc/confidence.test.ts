import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bootstrapMeanInterval, wilsonInterval } from './confidence.ts';

// Newcombe (1998), "Two-sided confidence intervals for the single proportion", Table I, method 3 (the
// Wilson score interval without continuity correction), to the 4 decimals it prints.
const NEWCOMBE_TABLE_I: [number, number, number, number][] = [
  [81, 263, 0.2553, 0.3662],
  [15, 148, 0.0624, 0.1605],
  [0, 20, 0, 0.1611],
  [1, 29, 0.0061, 0.1718],
];

test('the Wilson interval matches the published values', () => {
  for (const [successes, trials, low, high] of NEWCOMBE_TABLE_I) {
    const ci = wilsonInterval(successes, trials);
    assert.equal(ci.rate, successes / trials);
    assert.ok(Math.abs(ci.low - low) < 5e-5, `${successes}/${trials}: low ${ci.low} vs ${low}`);
    assert.ok(Math.abs(ci.high - high) < 5e-5, `${successes}/${trials}: high ${ci.high} vs ${high}`);
  }
});

test('the Wilson interval is symmetric around one half, stays in [0, 1] and narrows with more trials', () => {
  const half = wilsonInterval(5, 10);
  assert.ok(Math.abs(half.low + half.high - 1) < 1e-12);
  const all = wilsonInterval(20, 20);
  assert.equal(all.high, 1);
  assert.ok(all.low > 0.8 && all.low < 0.85, `20/20: low ${all.low}`); // 1 - 0.1611 by symmetry with 0/20
  assert.ok(wilsonInterval(50, 100).high - wilsonInterval(50, 100).low < half.high - half.low);
});

test('the Wilson interval rejects impossible counts', () => {
  assert.throws(() => wilsonInterval(0, 0), /trials must be a positive integer/);
  assert.throws(() => wilsonInterval(4, 3), /successes must be an integer in \[0, 3\]/);
  assert.throws(() => wilsonInterval(1.5, 3), /successes/);
});

test('the bootstrap interval of a mean: a point for constant data, close to the normal interval for a large sample', () => {
  assert.deepEqual(bootstrapMeanInterval([0.25, 0.25, 0.25]), { mean: 0.25, low: 0.25, high: 0.25 });
  // 400 values, half 0 and half 1: mean 0.5, standard error 0.025, normal 95% interval 0.451..0.549.
  const coin = Array.from({ length: 400 }, (_, i) => i % 2);
  const ci = bootstrapMeanInterval(coin, 1);
  assert.equal(ci.mean, 0.5);
  assert.ok(Math.abs(ci.low - 0.451) < 0.01 && Math.abs(ci.high - 0.549) < 0.01, `${ci.low}..${ci.high}`);
  assert.deepEqual(bootstrapMeanInterval(coin, 1), ci, 'seeded');
  assert.throws(() => bootstrapMeanInterval([]), /no values/);
});
