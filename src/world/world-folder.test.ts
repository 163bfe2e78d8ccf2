import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Module } from '../engine/index.ts';
import { writeCheckpoint } from '../train/index.ts';
import { WORLD_CHECKPOINT } from './pack.ts';
import { makeTinyWorld } from './testing.ts';
import { WORLD_MANIFEST, loadWorld } from './world-folder.ts';

const folder = () => mkdtempSync(join(tmpdir(), 'genie-world-'));

test('a packed world loads with identical weights, its key map and its examples', async () => {
  const dir = folder();
  const weights = await makeTinyWorld(dir);
  const world = await loadWorld(dir);
  assert.equal(world.manifest.name, 'tiny test world');
  assert.deepEqual(world.manifest.keyMap, { ArrowRight: { action: 1, label: 'right' } });
  assert.equal(world.examples.length, 2);
  assert.equal(world.examples[0].rgb.length, world.config.model.video.width * world.config.model.video.height * 3);
  for (const [component, model] of Object.entries(world.models)) {
    for (const [name, t] of Object.entries((model as Module).stateDict())) {
      assert.deepEqual(t.data, weights.tensors[`model.${component}.${name}`].data, `${component}.${name}`);
    }
  }
  assert.match(world.checkpoint.sha256, /^[0-9a-f]{64}$/);
  assert.equal(Object.keys(JSON.parse(readFileSync(join(dir, WORLD_MANIFEST), 'utf8'))).includes('keyMap'), true);
});

test('a broken world folder names the file and the problem', async () => {
  await assert.rejects(loadWorld('/nonexistent/world'), /no such folder/);
  const empty = folder();
  await assert.rejects(loadWorld(empty), /no world.json in it/);

  const dir = folder();
  const weights = await makeTinyWorld(dir);
  const manifestPath = join(dir, WORLD_MANIFEST);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const withManifest = async (change: (m: any) => unknown, expected: RegExp) => {
    writeFileSync(manifestPath, JSON.stringify(change(structuredClone(manifest))));
    await assert.rejects(loadWorld(dir), expected);
  };
  writeFileSync(manifestPath, '{"format": ');
  await assert.rejects(loadWorld(dir), /world.json: not valid JSON/);
  await withManifest((m) => ({ ...m, name: 42 }), /world.json: field "name"/);
  await withManifest((m) => ({ ...m, format: 'something else' }), /field "format"/);
  await withManifest((m) => ({ ...m, keyMap: { Space: { action: 99, label: 'jump' } } }), /keyMap.Space sends action 99, but the world has actions 0..\d/);
  await withManifest((m) => ({ ...m, checkpoint: 'gone.safetensors' }), /checkpoint "gone.safetensors" is missing/);
  await withManifest((m) => ({ ...m, examples: ['examples/nope.png'] }), /examples\/nope.png is missing/);

  writeFileSync(manifestPath, JSON.stringify(manifest));
  writeFileSync(join(dir, 'examples/example-0.png'), 'not a png');
  await assert.rejects(loadWorld(dir), /example-0.png/);

  // A phase-1 checkpoint, and a truncated file, in place of the world's weights.
  const fresh = folder();
  await makeTinyWorld(fresh);
  const checkpoint = join(fresh, WORLD_CHECKPOINT);
  writeCheckpoint(checkpoint, { phase: 'tokenizer', step: 1, config: weights.config, trainer: { optimizerStep: 1, rngs: {}, nextBatch: 0, best: null, elapsedSeconds: 0 }, tensors: {} });
  await assert.rejects(loadWorld(fresh), /is a tokenizer checkpoint; a world needs the phase-2/);
  writeFileSync(checkpoint, readFileSync(join(dir, WORLD_CHECKPOINT)).subarray(0, 100));
  await assert.rejects(loadWorld(fresh), new RegExp(WORLD_CHECKPOINT));
  // Weights of another shape than the config says.
  const other = folder();
  await makeTinyWorld(other);
  const tensors = Object.fromEntries(Object.entries(weights.tensors).filter(([name]) => !name.startsWith('model.lam.')));
  writeCheckpoint(join(other, WORLD_CHECKPOINT), { phase: 'dynamics', step: 1, config: weights.config, trainer: { optimizerStep: 1, rngs: {}, nextBatch: 0, best: null, elapsedSeconds: 0 }, tensors });
  await assert.rejects(loadWorld(other), /has no lam weights/);
  for (const d of [dir, empty, fresh, other]) rmSync(d, { recursive: true, force: true });
});
