import assert from 'node:assert/strict';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { tempDir } from '../data/testing.ts';
import { resolveRunConfig, trainingPresets } from './run-config.ts';

const dir = tempDir('run-config');
after(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, json: unknown) => {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(json));
  return path;
};

test('a preset name gives the model preset with its training preset, and --set overrides any field', () => {
  const config = resolveRunConfig('tiny', ['train.tokenizer.lr=3e-4', 'model.dynamics.transformer.blocks=2']);
  assert.equal(config.model.name, 'tiny');
  assert.equal(config.train.tokenizer.lr, 3e-4);
  assert.equal(config.model.dynamics.transformer.blocks, 2);
  assert.equal(config.train.dynamics.steps, trainingPresets.tiny.dynamics.steps);
});

test('invalid values name the field', () => {
  assert.throws(() => resolveRunConfig('tiny', ['train.tokenizer.frames=9']), /field train\.tokenizer\.frames: must be in \[2, model\.video\.frames = 4\]/);
  assert.throws(() => resolveRunConfig('tiny', ['model.lam.patch=5']), /field lam\.patch|field model\.lam\.patch/);
  assert.throws(() => resolveRunConfig('tiny', ['train.tokenizer.lrr=1']), /no field "lrr" in train\.tokenizer/);
  assert.throws(() => resolveRunConfig('nope'), /neither a preset .* nor a file/);
});

test('config files: a partial run config extending a preset, a saved config, a model config', () => {
  const partial = resolveRunConfig(file('a.json', { extends: 'tiny', train: { seed: 5 } }));
  assert.equal(partial.train.seed, 5);
  assert.equal(partial.model.name, 'tiny');
  const saved = resolveRunConfig(file('b.json', partial));
  assert.deepEqual(saved, partial);
  const model = resolveRunConfig(file('c.json', { extends: 'tiny', name: 'mine' }));
  assert.equal(model.model.name, 'mine');
  assert.throws(() => resolveRunConfig(file('d.json', { extends: 'tiny', train: { tokenizer: { steps: 0 } } })), /d\.json: invalid config\n\s+field train\.tokenizer\.steps/);
});
