import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RandomPolicy, StickyRandomPolicy } from './policies.ts';

const take = (policy: { act(): number }, n: number) => Array.from({ length: n }, () => policy.act());

test('the random policy draws every action about equally often, reproducibly per seed', () => {
  const actions = take(new RandomPolicy(1), 6000);
  assert.deepEqual(take(new RandomPolicy(1), 6000), actions);
  assert.notDeepEqual(take(new RandomPolicy(2), 6000), actions);
  for (let a = 0; a < 6; a++) {
    const count = actions.filter((x) => x === a).length;
    assert.ok(count > 850 && count < 1150, `action ${a} drawn ${count} times of 6000`);
  }
});

test('the sticky random policy holds each action for 1-12 steps', () => {
  const actions = take(new StickyRandomPolicy(1), 20000);
  const runs: number[] = [];
  let run = 1;
  for (let i = 1; i < actions.length; i++) {
    if (actions[i] === actions[i - 1]) run++;
    else {
      runs.push(run);
      run = 1;
    }
  }
  const mean = runs.reduce((s, r) => s + r, 0) / runs.length;
  // Holds average 6.5 steps; consecutive holds of the same action merge, so runs are a bit longer.
  assert.ok(mean > 6.5 && mean < 8.5, `mean run ${mean.toFixed(2)}`);
  assert.ok(new Set(actions).size === 6);
});
