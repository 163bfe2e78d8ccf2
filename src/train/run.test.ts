// What `genie train` refuses before it writes anything, each with the way out.
import assert from 'node:assert/strict';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { makeTaggedCache, tempDir } from '../data/testing.ts';
import { writeCheckpoint } from './checkpoint.ts';
import { createProgress } from './progress.ts';
import { resolveRunConfig } from './run-config.ts';
import { trainDynamics, trainTokenizer, type TrainRunOptions } from './run.ts';
import type { StopSignal } from './stop-signal.ts';

let root: string;
let data4x4: string;
before(async () => {
  root = tempDir('train-run');
  data4x4 = join(root, 'data');
  await makeTaggedCache(data4x4, [20, 20, 20]);
});
after(() => rmSync(root, { recursive: true, force: true }));

const options = (overrides: Partial<TrainRunOptions>): TrainRunOptions => ({
  data: data4x4, out: join(root, 'run'), config: 'tiny', set: [], resume: false,
  progress: createProgress({ interactive: false }), stop: { reason: null } as unknown as StopSignal, ...overrides,
});

test('data at another resolution than the model, or not prepared at all', async () => {
  await assert.rejects(trainTokenizer(options({})), /holds 4x4 frames but model tiny expects 16x16; prepare the videos again with --size 16x16/);
  await assert.rejects(trainTokenizer(options({ data: join(root, 'raw') })), /is not a prepared dataset .* run `genie data prepare/);
  assert.ok(!existsSync(join(root, 'run')), 'nothing written');
});

test('an existing run is continued only with --resume, and --resume keeps its saved config', async () => {
  const out = join(root, 'existing');
  const config = resolveRunConfig('tiny');
  writeCheckpoint(join(out, 'tokenizer.safetensors'), {
    phase: 'tokenizer', step: 3, config, tensors: {},
    trainer: { optimizerStep: 3, rngs: {}, nextBatch: 3, best: null, elapsedSeconds: 1 },
  });
  await assert.rejects(trainTokenizer(options({ out })), /tokenizer\.safetensors already exists \(step 3\); pass --resume to continue it, or choose another --out/);
  await assert.rejects(trainTokenizer(options({ out, resume: true, config: 'cpu' })), /--resume continues with the config saved in .*; drop --config/);
  await assert.rejects(trainDynamics(options({ out, resume: true, config: undefined })), /dynamics\.safetensors does not exist; nothing to continue/);
  await assert.rejects(trainDynamics(options({ out: join(root, 'd'), config: undefined })), /needs --tokenizer PATH/);
  await assert.rejects(
    trainDynamics(options({ out: join(root, 'd'), tokenizer: join(out, 'tokenizer.safetensors'), set: ['model.tokenizer.quantizer.codes=32'] })),
    /model\.tokenizer of the config differs from the one .*tokenizer\.safetensors was trained with/,
  );
});
