// The world shipped in worlds/coinrun: what `npm start` plays. It must load, describe itself and play.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import sharp from 'sharp';
import { SHIPPED_WORLD } from '../src/cli/play.ts';
import { playableWorld } from '../src/play/playable-world.ts';
import { loadWorld } from '../src/world/world-folder.ts';

test('the shipped CoinRun world loads, has its model card, key map and examples, and plays reproducibly', async () => {
  const world = playableWorld(await loadWorld(SHIPPED_WORLD));
  assert.ok(existsSync(join(SHIPPED_WORLD, 'README.md')), 'model card');
  assert.deepEqual([world.width, world.height, world.numActions], [64, 64, 8]);
  assert.ok(world.examples.length >= 1);
  assert.ok(Object.keys(world.keyMap).length >= 1, 'arrow keys mapped from the labelled test split');
  const options = { temperature: 1, maskgitSteps: 2, seed: 3 };
  const frames = [0, 0, 5].map((action) => world.begin(world.examples[0]).step(action, options));
  for (const frame of frames) assert.deepEqual([frame.width, frame.height, frame.rgb.length], [64, 64, 64 * 64 * 3]);
  assert.deepEqual(frames[0].rgb, frames[1].rgb);
});

test('genie generate plays the shipped world when no --world is given', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'genie-shipped-')), 'clip.gif');
  const prompt = join(SHIPPED_WORLD, 'examples', 'example-0.png');
  const run = spawnSync(process.execPath, ['bin/genie.js', 'generate', '--prompt', prompt, '--actions', '1,2', '--steps', '2', '--scale', '1', '--out', out], { encoding: 'utf8', timeout: 120_000 });
  assert.equal(run.status, 0, run.stderr);
  const gif = await sharp(out, { pages: -1 }).metadata();
  assert.deepEqual([gif.width, gif.pages], [64, 3]);
});
