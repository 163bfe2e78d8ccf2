import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { modelSize, presets } from '../models/index.ts';
import { formatModelInfo, loadModelConfig } from './model.ts';

const dir = mkdtempSync(join(tmpdir(), 'genie-model-'));
function file(name: string, json: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify(json));
  return path;
}

test('--config takes a preset name, a file extending a preset, or a saved run config', () => {
  assert.deepEqual(loadModelConfig('cpu'), presets.cpu);
  const extended = loadModelConfig(file('a.json', { extends: 'cpu', name: 'mine', dynamics: { transformer: { blocks: 8 } } }));
  assert.equal(extended.dynamics.transformer.blocks, 8);
  assert.equal(extended.dynamics.transformer.width, presets.cpu.dynamics.transformer.width);
  assert.equal(extended.name, 'mine');
  assert.deepEqual(loadModelConfig(file('run.json', { model: presets.tiny, train: { lr: 1 } })), presets.tiny);
});

test('--config errors name the file and the field', () => {
  assert.throws(() => loadModelConfig('no-such-preset'), /neither a preset \(tiny, cpu, coinrun-paper, platformers-11b\) nor a file/);
  assert.throws(() => loadModelConfig(file('b.json', { extends: 'cpu', lam: { patch: 24 } })), /b\.json: invalid config\n.*field lam\.patch/);
  assert.throws(() => loadModelConfig(file('c.json', { extends: 'huge' })), /"extends": "huge" is not a preset/);
  const partial = { ...presets.cpu } as Record<string, unknown>;
  delete partial.dynamics;
  assert.throws(() => loadModelConfig(file('d.json', partial)), /field dynamics:/);
});

test('model info prints a row per component and part, with the total', () => {
  const config = presets['platformers-11b'];
  const text = formatModelInfo(config, modelSize(config));
  assert.match(text, /^dynamics +10,231,160,832 +10\.23B$/m);
  assert.match(text, /^total +10,801,498,224 +10\.80B$/m);
  assert.match(text, /^ {2}codebook +256 +256$/m);
  assert.match(text, /tokens per frame: tokenizer\/dynamics 960, latent action model 60/);
});
