import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../engine/index.ts';
import { playEpisode } from '../envs/clips.ts';
import { ExpertPolicy, PlatformerEnv } from '../envs/platformer/index.ts';
import { playClosedLoop, policyAgent, randomAgent, summariseOutcomes, type Agent } from './closed-loop.ts';
import { PolicyNet } from './policy-net.ts';

const SIZE = 16;
const LEVELS = [11, 12, 13];

// Plays a fixed list of actions, one per call: for one episode at a time.
function replayAgent(actions: number[]): Agent {
  let t = 0;
  return { historyFrames: 1, act: () => [actions[t++]] };
}

test("replaying the expert's actions reaches the coin in the same number of steps: the loop is the real game", () => {
  const env = new PlatformerEnv({ size: SIZE });
  for (const level of LEVELS) {
    const episode = playEpisode(env, level, new ExpertPolicy());
    assert.equal(episode.end, 'goal');
    const [outcome] = playClosedLoop(replayAgent(episode.actions), [level], { size: SIZE, maxSteps: 1000, seed: 0 });
    assert.deepEqual(outcome, { seed: level, end: 'goal', steps: episode.actions.length, progress: 1 });
  }
});

test('standing still never reaches the coin; maxSteps cuts episodes short as timeouts', () => {
  const noop: Agent = { historyFrames: 2, act: (histories) => histories.map(() => 0) };
  const outcomes = playClosedLoop(noop, LEVELS, { size: SIZE, maxSteps: 30, seed: 0 });
  for (const o of outcomes) assert.ok(o.end !== 'goal' && o.steps <= 30 && o.progress === 0, JSON.stringify(o));
  const summary = summariseOutcomes(outcomes);
  assert.equal(summary.success.successes, 0);
  assert.equal(summary.meanStepsToCoin, null);
  assert.equal(summary.ends.death + summary.ends.timeout, LEVELS.length);
});

test('each level has its own random stream: outcomes do not depend on which levels are played together', () => {
  const options = { size: SIZE, maxSteps: 200, seed: 7 };
  const together = playClosedLoop(randomAgent(), LEVELS, options);
  const alone = LEVELS.map((level) => playClosedLoop(randomAgent(), [level], options)[0]);
  assert.deepEqual(together, alone);
  // Another seed plays differently (random play mostly times out at 200 steps, so compare where it got).
  assert.notDeepEqual(playClosedLoop(randomAgent(), LEVELS, { ...options, seed: 8 }).map((o) => o.progress), together.map((o) => o.progress));
});

test("a policy agent's classes go through its mapping to real actions", () => {
  const net = new PolicyNet({ historyFrames: 2, convs: [{ kernel: 4, channels: 4 }], hidden: 8 }, { height: SIZE, width: SIZE, channels: 3 }, 3, new Rng(0));
  const histories = [[new Uint8Array(SIZE * SIZE * 3), new Uint8Array(SIZE * SIZE * 3)]];
  for (const choice of ['sample', 'greedy'] as const) assert.deepEqual(policyAgent(net, [5, 5, 5], choice).act(histories, [new Rng(1)]), [5]);
  assert.throws(() => policyAgent(net, [0, 1], 'sample'), /2 entries for 3 classes/);
  assert.throws(() => policyAgent(net, [0, 1, 6], 'sample'), /sends a class to 6/);
});
