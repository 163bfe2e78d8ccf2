import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { COINRUN_ACTION_CLASSES, keyMapFromCooccurrence, type ActionClasses } from './key-map.ts';

// A small 4-action game: 0 no-op, 1 left, 2 right, 3 jump.
const SMALL: ActionClasses = { noop: [0], left: [1], right: [2], jump: [3] };

describe('keyMapFromCooccurrence', () => {
  it('maps each role to the latent with the highest lift, distinct latents, arrows and space as the play page expects', () => {
    const counts = [
      [10, 0, 90, 0], // z0: mostly right
      [50, 10, 10, 30], // z1: mostly no-op by share, but jump has the higher lift here
      [5, 80, 5, 10], // z2: left
      [80, 5, 10, 5], // z3: no-op
    ];
    const result = keyMapFromCooccurrence(counts, { classes: SMALL });
    const latentOf = Object.fromEntries(result.choices.map((c) => [c.role, c.latent]));
    assert.deepEqual(latentOf, { right: 0, left: 2, jump: 1, noop: 3 });
    assert.deepEqual(result.keys, {
      ArrowRight: { action: 0, label: 'right' },
      ArrowLeft: { action: 2, label: 'left' },
      ArrowUp: { action: 1, label: 'jump' },
      Space: { action: 1, label: 'jump' },
      ArrowDown: { action: 3, label: 'wait' },
    });
    assert.ok(result.choices.every((c) => c.distinct));
    const right = result.choices.find((c) => c.role === 'right')!;
    // P(right | z0) = 0.9, P(right) = 115/400.
    assert.ok(Math.abs(right.lift - 0.9 / (115 / 400)) < 1e-12);
    assert.equal(result.transitions, 400);
  });

  it('ignores latents below the minimum support even when their lift is highest', () => {
    const counts = [
      [0, 0, 3, 0], // z0: 3 transitions, all right: lift 4 but too rare
      [40, 10, 40, 10],
      [10, 60, 20, 10],
      [60, 10, 10, 20],
    ];
    const result = keyMapFromCooccurrence(counts, { classes: SMALL, minSupport: 10 });
    assert.ok(result.choices.every((c) => c.latent !== 0));
    assert.equal(result.choices.find((c) => c.role === 'right')!.latent, 1);
  });

  it('shares a latent, and says so, when there are fewer eligible latents than roles', () => {
    const counts = [
      [10, 0, 80, 10],
      [20, 80, 0, 0],
    ];
    const result = keyMapFromCooccurrence(counts, { classes: SMALL });
    const latentOf = Object.fromEntries(result.choices.map((c) => [c.role, c.latent]));
    assert.deepEqual(latentOf, { right: 0, left: 1, jump: 0, noop: 1 });
    assert.deepEqual(result.choices.filter((c) => !c.distinct).map((c) => c.role), ['jump', 'noop']);
  });

  it('binds no key for a role whose actions never occur in the labels', () => {
    const result = keyMapFromCooccurrence([[10, 0, 90, 0], [10, 90, 0, 0]], { classes: SMALL });
    assert.deepEqual(result.choices.map((c) => c.role), ['right', 'left', 'noop']);
    assert.equal(result.keys.ArrowUp, undefined);
  });

  it('uses the CoinRun classes by default, where LEFT+UP counts for both left and jump', () => {
    const counts = Array.from({ length: 8 }, () => new Array(15).fill(1));
    counts[5][2] = 200; // z5 is LEFT+UP
    counts[6][7] = 200; // z6 is RIGHT
    counts[3][4] = 200; // z3 is NOOP
    const result = keyMapFromCooccurrence(counts);
    const latentOf = Object.fromEntries(result.choices.map((c) => [c.role, c.latent]));
    assert.equal(latentOf.right, 6);
    assert.equal(latentOf.left, 5);
    assert.equal(latentOf.noop, 3);
    assert.notEqual(latentOf.jump, 5, 'jump must get its own latent: 5 is taken by left, whose lift is higher');
    assert.deepEqual(COINRUN_ACTION_CLASSES.left, [0, 1, 2]);
  });

  it('rejects class ids outside the matrix and empty or unsupported counts', () => {
    assert.throws(() => keyMapFromCooccurrence([[1, 2]], { classes: SMALL }), /role 'right' lists true action 2, but the matrix has true actions 0..1/);
    assert.throws(() => keyMapFromCooccurrence([[0, 0, 0, 0]], { classes: SMALL }), /no labelled transitions/);
    assert.throws(() => keyMapFromCooccurrence([[1, 1, 1, 1]], { classes: SMALL, minSupport: 10 }), /no latent action has 10 or more/);
  });
});
