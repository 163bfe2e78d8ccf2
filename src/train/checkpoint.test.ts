import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { tensor, writeSafetensors } from '../engine/index.ts';
import { tempDir } from '../data/testing.ts';
import { readCheckpoint, tensorsUnder, writeCheckpoint, type Checkpoint } from './checkpoint.ts';
import { resolveRunConfig } from './run-config.ts';

const dir = tempDir('checkpoint');
after(() => rmSync(dir, { recursive: true, force: true }));

test('a checkpoint round-trips its config, trainer state and tensors', () => {
  const checkpoint: Checkpoint = {
    phase: 'dynamics',
    step: 12,
    config: resolveRunConfig('tiny', ['train.seed=3']),
    trainer: { optimizerStep: 12, rngs: { masks: [1, 2, 3, 4] }, nextBatch: 12, best: { metric: 'rolloutPsnr', value: 17.5, step: 8 }, elapsedSeconds: 4.5 },
    tensors: { 'model.lam.w': tensor([1, 2, 3], [3]), 'optimizer.m.lam.w': tensor([0, 0, 1], [3]) },
  };
  const path = join(dir, 'ok.safetensors');
  writeCheckpoint(path, checkpoint);
  const read = readCheckpoint(path);
  assert.equal(read.phase, 'dynamics');
  assert.equal(read.step, 12);
  assert.deepEqual(read.config, checkpoint.config);
  assert.deepEqual(read.trainer, checkpoint.trainer);
  assert.deepEqual(Array.from(tensorsUnder(read.tensors, 'model.lam').w.data), [1, 2, 3]);
});

test('files that are not genie-ts checkpoints are refused with the reason', () => {
  const foreign = join(dir, 'foreign.safetensors');
  writeSafetensors(foreign, { w: tensor([1], [1]) });
  assert.throws(() => readCheckpoint(foreign), /foreign\.safetensors: not a genie-ts checkpoint \(metadata "format" is undefined/);
  const badConfig = join(dir, 'bad-config.safetensors');
  writeSafetensors(badConfig, { w: tensor([1], [1]) }, { format: 'genie-ts checkpoint 1', phase: 'tokenizer', step: '1', config: '{"model":{}}', trainer: '{}' });
  assert.throws(() => readCheckpoint(badConfig), /bad-config\.safetensors \(metadata "config"\): invalid config/);
  assert.throws(() => readCheckpoint(join(dir, 'missing.safetensors')), /no such checkpoint/);
});
