import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { COIN_REWARD, PlatformerEnv } from './env.ts';
import { planToCoin } from './expert.ts';
import { pickTheme } from './themes.ts';
import { SeededRandom } from './random.ts';

function rollout(env: PlatformerEnv, seed: number, steps: number, actionSeed: number) {
  const rng = new SeededRandom(actionSeed);
  const frames = [env.reset(seed)];
  const infos = [];
  for (let i = 0; i < steps; i++) {
    const result = env.step(rng.int(0, 5));
    frames.push(result.frame);
    infos.push({ ...result.info, level: undefined, reward: result.reward, done: result.done });
    if (result.done) break;
  }
  return { frames, infos };
}

function hashFrames(frames: Uint8Array[]): string {
  const hash = createHash('sha256');
  for (const frame of frames) hash.update(frame);
  return hash.digest('hex').slice(0, 16);
}

test('the same seed and actions give identical frames and infos; another seed gives another level', () => {
  const a = rollout(new PlatformerEnv(), 7, 120, 1);
  const env = new PlatformerEnv();
  rollout(env, 3, 50, 2); // a used environment must not remember anything from its last episode
  const b = rollout(env, 7, 120, 1);
  assert.deepEqual(b.infos, a.infos);
  assert.equal(hashFrames(b.frames), hashFrames(a.frames));
  const other = rollout(new PlatformerEnv(), 8, 120, 1);
  assert.notEqual(hashFrames(other.frames), hashFrames(a.frames));
});

test('rendering is pixel-identical to the recorded reference', () => {
  // If this fails after an intended change to levels, physics or art, every recorded dataset is
  // stale: update the hashes and say so in the commit.
  const env = new PlatformerEnv();
  const hashes = [0, 1, 2].map((seed) => hashFrames(rollout(env, seed, 100, seed).frames));
  assert.deepEqual(hashes, ['2d36e80b83f1b46d', '918a3a081c1d93f9', '51625b37c2b57cb2']);
  const big = new PlatformerEnv({ size: 96 });
  const frame = big.reset(0);
  assert.equal(frame.length, 96 * 96 * 3);
});

test('frames are RGB at the requested size and differ from step to step while moving', () => {
  const env = new PlatformerEnv({ size: 64 });
  const first = env.reset(5);
  assert.equal(first.length, 64 * 64 * 3);
  let moved = 0;
  let previous = first;
  for (let i = 0; i < 10; i++) {
    const { frame } = env.step(2);
    if (Buffer.compare(frame, previous) !== 0) moved++;
    previous = frame;
  }
  assert.ok(moved >= 8, `running right changes the frame (changed ${moved} of 10 steps)`);
});

test('reaching the coin gives reward 10 on the last step and ends the episode', () => {
  const env = new PlatformerEnv();
  env.reset(11);
  const plan = planToCoin({ level: env.level, ...env.getState() });
  assert.ok(plan.reachesCoin);
  let total = 0;
  plan.actions.forEach((action, i) => {
    const { reward, done, info } = env.step(action);
    total += reward;
    const last = i === plan.actions.length - 1;
    assert.equal(done, last);
    assert.equal(reward, last ? COIN_REWARD : 0);
    if (last) assert.equal(info.episodeEnd, 'goal');
  });
  assert.equal(total, COIN_REWARD);
  assert.throws(() => env.step(0), /episode has ended \(goal\)/);
});

test('random play ends episodes by death or the time limit', () => {
  const env = new PlatformerEnv();
  const ends = new Set<string>();
  for (let seed = 0; seed < 6; seed++) {
    const { infos } = rollout(env, seed, 1000, seed);
    const last = infos[infos.length - 1];
    assert.ok(last.done);
    if (last.episodeEnd === 'timeout') assert.equal(last.t, 1000);
    ends.add(last.episodeEnd as string);
  }
  assert.ok(ends.has('death'));
});

test('getState/setState replays the same future', () => {
  const env = new PlatformerEnv();
  rollout(env, 4, 30, 4);
  const saved = env.getState();
  const first = [env.step(5).frame, env.step(2).frame];
  env.reset(9);
  env.setState(saved);
  const second = [env.step(5).frame, env.step(2).frame];
  assert.equal(hashFrames(second), hashFrames(first));
});

test('levels vary in looks: themes differ across seeds', () => {
  const patterns = new Set<string>();
  const palettes = new Set<number>();
  for (let seed = 0; seed < 40; seed++) {
    const theme = pickTheme(seed);
    patterns.add(`${theme.background.pattern}/${theme.ground.pattern}`);
    palettes.add(theme.background.low);
  }
  assert.ok(patterns.size >= 20, `${patterns.size} pattern combinations in 40 levels`);
  assert.ok(palettes.size >= 8, `${palettes.size} background palettes in 40 levels`);
});

test('bad actions and use before reset give clear errors', () => {
  const env = new PlatformerEnv();
  assert.throws(() => env.step(0), /call reset/);
  env.reset(0);
  assert.throws(() => env.step(6), /action must be an integer in \[0, 5\], got 6/);
  assert.throws(() => new PlatformerEnv({ size: 3 }), /frame size/);
});
