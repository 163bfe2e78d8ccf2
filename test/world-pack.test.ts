// `genie world pack`: a training run's phase-2 checkpoint and a labelled split become a world folder that
// `genie play` and `genie eval` load, with a key map and example prompts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { temporaryFolder, writeBlockSplit } from '../src/eval/testing.ts';
import { playableWorld } from '../src/play/playable-world.ts';
import { writeCheckpoint } from '../src/train/index.ts';
import { freshWorldWeights } from '../src/world/testing.ts';
import { loadWorld } from '../src/world/world-folder.ts';

const root = temporaryFolder('world-pack');
const run = join(root, 'run');
let split: string;

const genie = (...args: string[]) => spawnSync(process.execPath, ['bin/genie.js', ...args], { encoding: 'utf8', timeout: 120_000 });

before(async () => {
  split = await writeBlockSplit(join(root, 'blocks'), { clips: 4, frames: 12, size: 16 });
  const weights = freshWorldWeights('tiny', 3);
  mkdirSync(run, { recursive: true });
  const trainer = { optimizerStep: 5, rngs: {}, nextBatch: 0, best: null, elapsedSeconds: 0 };
  writeCheckpoint(join(run, 'dynamics.safetensors'), { phase: 'dynamics', step: 5, config: weights.config, trainer, tensors: weights.tensors });
});

test('genie world pack writes a world that plays, with mapped keys and example prompts', async () => {
  const out = join(root, 'world');
  const result = genie('world', 'pack', '--checkpoint', run, '--data', split, '--out', out, '--examples', '3', '--name', 'blocks');
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /wrote world "blocks" .* \(3 example prompts\)/);
  assert.match(result.stdout, /right +-> action \d/);
  const world = await loadWorld(out);
  assert.equal(world.examples.length, 3);
  assert.equal(world.checkpoint.step, 5);
  const keys = Object.keys(world.manifest.keyMap).sort();
  assert.deepEqual(keys, ['ArrowDown', 'ArrowLeft', 'ArrowRight', 'ArrowUp', 'Space']);
  const rollout = playableWorld(world).begin(world.examples[0]);
  rollout.step(world.manifest.keyMap.ArrowRight.action, { temperature: 1, maskgitSteps: 2, seed: 0 });
  assert.equal(rollout.length, 2);
});

test('genie world pack without labels, and with a bad checkpoint', () => {
  const out = join(root, 'unlabelled');
  const result = genie('world', 'pack', '--checkpoint', join(run, 'dynamics.safetensors'), '--out', out);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /no --data: keys 1..\|A\| only/);
  const bad = genie('world', 'pack', '--checkpoint', join(root, 'nothing-here'), '--out', join(root, 'x'));
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /nothing-here: no such file or folder/);
});
