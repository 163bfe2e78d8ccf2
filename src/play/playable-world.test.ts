import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { makeTinyWorld, testFrame } from '../world/testing.ts';
import { bf16Supported, int8Supported, loadNative, profileKernels, useBackend } from '../engine/index.ts';
import { type LoadedWorld, loadWorld } from '../world/world-folder.ts';
import { playableWorld } from './playable-world.ts';
import { PlaySession, replay } from './session.ts';
import type { PlayableWorld } from './world.ts';

let loaded: LoadedWorld;
let world: PlayableWorld;
before(async () => {
  const dir = mkdtempSync(join(tmpdir(), 'genie-play-world-'));
  await makeTinyWorld(dir);
  loaded = await loadWorld(dir);
  world = playableWorld(loaded);
});

const options = (seed: number) => ({ temperature: 1, maskgitSteps: 4, seed });

test('a tiny real world plays: frames at its resolution, deterministic per seed, different per action', () => {
  const prompt = testFrame(world.width, world.height);
  const rollout = world.begin(prompt);
  assert.deepEqual(rollout.frame(0).rgb, prompt.rgb, 'the prompt is shown as given');
  const peeked = [0, 1].map((a) => rollout.peek(a, options(7)));
  assert.notDeepEqual(peeked[0].rgb, peeked[1].rgb, 'two latent actions give two different frames');
  const made = rollout.step(1, options(7));
  assert.equal(made.rgb.length, world.width * world.height * 3);
  assert.deepEqual(made.rgb, peeked[1].rgb, 'a preview is exactly the frame the action then makes');
  assert.equal(rollout.length, 2);

  const again = world.begin(prompt);
  assert.deepEqual(again.step(1, options(7)).rgb, made.rgb, 'same prompt, action and seed: same frame');
  const before = rollout.bytes;
  rollout.step(0, options(8));
  assert.ok(rollout.bytes > before, 'memory accounting grows with the history');
  rollout.truncate(2);
  assert.equal(rollout.length, 2);
  assert.deepEqual(rollout.step(0, options(8)).rgb, rollout.frame(2).rgb);
  assert.throws(() => rollout.step(world.numActions, options(1)), /does not exist/);
});

test('a session on the real world replays from its recording, past the context window', () => {
  const session = new PlaySession(world, 3, 100);
  const frames = [session.start(testFrame(world.width, world.height, 2))];
  // More steps than the tiny preset's context window, so the generator slides and rebuilds its cache.
  for (let i = 0; i < 10; i++) frames.push(session.act(i % world.numActions));
  const replayed = replay(world, JSON.parse(JSON.stringify(session.recording())));
  assert.equal(replayed.length, frames.length);
  replayed.forEach((frame, i) => assert.deepEqual(frame.rgb, frames[i].rgb, `frame ${i}`));
});

// int8 differs from bf16 only in the fused block, which frames of >= 32 tokens take (the tiny world has 16:
// st-transformer.test.ts tests the fused int8 block); here it is recorded and replayed like bf16.
for (const precision of ['bf16', 'int8'] as const) {
  const supported = precision === 'bf16' ? bf16Supported() : int8Supported();
  test(`in ${precision} the world plays deterministically, replays exactly and records its precision`, { skip: supported ? false : `no ${precision} products here` }, async () => {
    const reducedWorld = playableWorld(loaded, precision);
    const profile = profileKernels(loadNative());
    const previous = useBackend(profile.kernels);
    try {
      const session = new PlaySession(reducedWorld, 5, 100);
      const frames = [session.start(testFrame(reducedWorld.width, reducedWorld.height, 1))];
      for (let i = 0; i < 6; i++) frames.push(session.act(i % reducedWorld.numActions));
      const recording = session.recording();
      assert.equal(recording.precision, precision);
      assert.ok(profile.table().some((row) => row.kernel === 'bf16Linear' && row.calls > 0), 'the models ran on the bf16 kernels');
      replay(reducedWorld, recording).forEach((frame, i) => assert.deepEqual(frame.rgb, frames[i].rgb, `frame ${i}`));
    } finally {
      useBackend(previous);
    }
  });
}
