import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from './random.ts';

test('xoshiro128** matches the reference C implementation', () => {
  const rng = new Rng(0);
  rng.setState([1, 2, 3, 4]);
  // From Blackman and Vigna's xoshiro128starstar.c with s = {1, 2, 3, 4}.
  assert.deepEqual(Array.from({ length: 6 }, () => rng.nextUint32()), [11520, 0, 5927040, 70819200, 2031721883, 1637235492]);
});

test('a saved state resumes the exact sequence; seeds give different streams', () => {
  const rng = new Rng(42);
  rng.normal();
  const state = rng.getState();
  const next = [rng.uniform(), rng.normal(), rng.int(1000)];
  const resumed = new Rng(0);
  resumed.setState(state);
  assert.deepEqual([resumed.uniform(), resumed.normal(), resumed.int(1000)], next);
  assert.notEqual(new Rng(1).uniform(), new Rng(2).uniform());
  assert.notEqual(new Rng(1).uniform(), new Rng(1 + 2 ** 32).uniform());
  assert.throws(() => rng.setState([0, 0, 0, 0]), /all-zero state/);
  assert.throws(() => rng.setState([1, 2, 3]), /four 32-bit unsigned integers/);
});

test('distributions have the right ranges and moments', () => {
  const rng = new Rng(3);
  const n = 20000;
  const normals = Array.from({ length: n }, () => rng.normal(1, 2));
  const mean = normals.reduce((s, x) => s + x, 0) / n;
  const std = Math.sqrt(normals.reduce((s, x) => s + (x - mean) ** 2, 0) / n);
  assert.ok(Math.abs(mean - 1) < 0.05 && Math.abs(std - 2) < 0.05, `normal mean ${mean} std ${std}`);
  const ints = Array.from({ length: n }, () => rng.int(5));
  assert.ok(ints.every((i) => Number.isInteger(i) && i >= 0 && i < 5));
  const counts = [0, 0, 0];
  for (let i = 0; i < n; i++) counts[rng.categorical([1, 0, 3])]++;
  assert.equal(counts[1], 0, 'zero weight never drawn');
  assert.ok(Math.abs(counts[2] / n - 0.75) < 0.02, `categorical ${counts}`);
  const items = [...Array(10).keys()];
  assert.deepEqual([...rng.shuffle([...items])].sort((a, b) => a - b), items);
  assert.throws(() => rng.categorical([0, 0]), /weights sum to 0/);
  assert.throws(() => rng.int(0), /Rng.int: n must be an integer/);
});
