// The shared loop with a toy phase (a 3x3 colour map predicting the next frame's pixels) on a frame cache
// written directly: resume after an interruption, the NaN guard and checkpoint retention, in-process.
import assert from 'node:assert/strict';
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Linear, Module, Rng, mse, reshape, slice, tensor, noGrad } from '../engine/index.ts';
import type { ClipBatch } from '../data/index.ts';
import { makeTaggedCache, tempDir } from '../data/testing.ts';
import { readCheckpoint } from './checkpoint.ts';
import { trainPhase, type TrainPhaseOptions } from './loop.ts';
import { readMetrics } from './metrics-log.ts';
import type { Phase, StepLoss } from './phase.ts';
import type { ProgressReporter, StepStatus } from './progress.ts';
import { resolveRunConfig } from './run-config.ts';
import type { StopSignal } from './stop-signal.ts';

class ColourMap extends Module {
  map: Linear;
  constructor(rng: Rng) {
    super();
    this.map = new Linear(3, 3, rng);
  }
}

function clipTensor(batch: ClipBatch) {
  const [b, t, h, w] = batch.shape;
  return reshape(tensor(Float32Array.from(batch.frames, (v) => v / 255), batch.shape), [b, t, h * w, 3]);
}

// Learns x[t+1] ~ map(x[t]); draws one random frame offset per step so the generator state matters.
function toyPhase(seed: number): Phase {
  const model = new ColourMap(new Rng(seed));
  const draws = new Rng(seed + 1);
  const loss = (batch: ClipBatch): StepLoss => {
    const x = clipTensor(batch);
    const t = batch.shape[1];
    const start = draws.int(t - 1);
    const predicted = model.map.forward(slice(x, 1, start, start + 1));
    const term = mse(predicted, slice(x, 1, start + 1, start + 2));
    return { loss: term, terms: { next: term }, stats: {}, frames: batch.shape[0] * t, tokens: batch.frames.length / 3 };
  };
  return {
    name: 'tokenizer',
    trained: { tokenizer: model },
    frozen: {},
    rngs: { draws },
    bestMetric: { name: 'mse', higherIsBetter: false },
    loss,
    afterStep: () => {},
    validate: async (clips) => {
      const x = clipTensor(clips);
      const value = noGrad(() => mse(model.map.forward(slice(x, 1, 0, 1)), slice(x, 1, 1, 2)).item());
      return { metrics: { mse: value }, warnings: [], samples: [] };
    },
  };
}

let dataDir: string;
let runsDir: string;
before(async () => {
  dataDir = tempDir('loop-data');
  runsDir = tempDir('loop-runs');
  await makeTaggedCache(dataDir, [30, 40, 25, 35, 30, 28]);
});
after(() => {
  rmSync(dataDir, { recursive: true, force: true });
  rmSync(runsDir, { recursive: true, force: true });
});

const config = resolveRunConfig('tiny', [
  'model.video.height=4', 'model.video.width=4', 'model.tokenizer.patch=4', 'model.lam.patch=4',
  'train.tokenizer.steps=9', 'train.tokenizer.validateEvery=4', 'train.checkpoint.everySteps=2', 'train.checkpoint.keepLast=2',
]);

// A progress reporter that raises the stop flag after `stopAfter` steps, as a signal would.
function quietProgress(stop: { reason: string | null }, stopAfter = Infinity): ProgressReporter {
  return { start() {}, note() {}, stop() {}, update: (s: StepStatus) => void (s.step === stopAfter && (stop.reason = 'SIGTERM')) };
}

async function run(runDir: string, stopAfter = Infinity, resume = false) {
  const stop = { reason: null as string | null };
  const options: TrainPhaseOptions = {
    runDir, dataDir, config, phase: toyPhase(7), progress: quietProgress(stop, stopAfter), stop: stop as unknown as StopSignal,
    resume: resume ? readCheckpoint(join(runDir, 'tokenizer.safetensors')) : null,
  };
  return trainPhase(options);
}

const trainLosses = (runDir: string) => readMetrics(join(runDir, 'metrics.jsonl')).flatMap((r) => (r.kind === 'train' ? [[r.step, r.loss]] : []));

test('a run stopped by a signal and resumed logs the same losses as an uninterrupted one', async () => {
  const whole = join(runsDir, 'whole');
  const split = join(runsDir, 'split');
  assert.equal((await run(whole)).status, 'completed');
  const stopped = await run(split, 5);
  assert.equal(stopped.status, 'interrupted');
  assert.equal(readCheckpoint(join(split, 'tokenizer.safetensors')).step, 5);
  const resumed = await run(split, Infinity, true);
  assert.equal(resumed.status, 'completed');
  assert.equal(resumed.step, 9);
  assert.deepEqual(trainLosses(split), trainLosses(whole));
  assert.equal(trainLosses(whole).length, 9);
  // Retention: the last two step files, plus latest and best beside them.
  assert.deepEqual(readdirSync(join(whole, 'checkpoints')), ['tokenizer-step0000008.safetensors', 'tokenizer-step0000009.safetensors']);
  const best = readCheckpoint(join(whole, 'tokenizer-best.safetensors'));
  assert.equal(best.trainer.best?.metric, 'mse');
});

test('a NaN loss stops the run naming the step and the last good checkpoint, which stays untouched', async () => {
  const runDir = join(runsDir, 'nan');
  process.env.GENIE_INJECT_NAN_AT_STEP = '6';
  try {
    const result = await run(runDir);
    assert.equal(result.status, 'diverged');
    assert.match(result.message, /loss is NaN at step 6; stopped without saving\. Last good checkpoint: .*tokenizer\.safetensors/);
  } finally {
    delete process.env.GENIE_INJECT_NAN_AT_STEP;
  }
  assert.equal(readCheckpoint(join(runDir, 'tokenizer.safetensors')).step, 4);
  const last = readMetrics(join(runDir, 'metrics.jsonl')).at(-1);
  assert.equal(last?.kind === 'event' && last.event, 'diverged');
  assert.deepEqual(readdirSync(join(runDir, 'checkpoints')), ['tokenizer-step0000002.safetensors', 'tokenizer-step0000004.safetensors']);
});
