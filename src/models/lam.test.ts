import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng, noGrad } from '../engine/index.ts';
import type { ModelConfig } from './config.ts';
import { LatentActionModel } from './lam.ts';
import { changeFrame, fit, maxDifferencePerSlice, movingBlock, randomClip, tiny, tinyReadingNext, tinyWithMotion } from './testing.ts';

const features = (config: ModelConfig) =>
  `${config.lam.motion ? 'with' : 'without'} motion features${config.lam.latentFrom === 'next' ? ', latent from frame t+1' : ''}`;

for (const config of [tiny, tinyWithMotion, tinyReadingNext]) {
  test(`causal (${features(config)}): changing frame k changes no latent action or prediction of the frames before k`, () => {
    const model = new LatentActionModel(config, new Rng(0)).eval();
    const [B, T, k] = [2, 4, 2];
    const clip = randomClip(config, B, T, 1);
    const other = changeFrame(clip, k, 2);
    const [out, changed] = noGrad(() => [model.forward(clip), model.forward(other)]);
    const [before, after] = noGrad(() => [model.continuousLatents(clip), model.continuousLatents(other)]);
    // Transition t -> t+1 has seen frames up to t+1; prediction t is frame t+1.
    const latents = maxDifferencePerSlice(before.data, after.data, 8); // (B * (T-1))
    const predictions = maxDifferencePerSlice(out.prediction.data, changed.prediction.data, 16 * 16 * 3);
    for (let b = 0; b < B; b++) {
      const row = (values: number[]) => values.slice(b * (T - 1), (b + 1) * (T - 1));
      assert.deepEqual(row(latents).slice(0, k - 1), [0], 'transition 0 -> 1');
      assert.deepEqual(Array.from(changed.actions.subarray(b * (T - 1), b * (T - 1) + k - 1)), Array.from(out.actions.subarray(b * (T - 1), b * (T - 1) + k - 1)));
      assert.ok(row(latents)[k - 1] > 0, 'transition k-1 -> k sees frame k');
      assert.deepEqual(row(predictions).slice(0, k - 1), [0], 'prediction of frame 1');
    }
  });

  test(`overfits a moving-block batch with several codes, and its decoder relies on them (${features(config)})`, () => {
    const model = new LatentActionModel(config, new Rng(0));
    const clip = movingBlock(8, 4, 11);
    fit(model, () => model.forward(clip).loss, 300, 3e-3, model.quantizer);
    model.eval();
    const out = noGrad(() => model.forward(clip));
    assert.ok(out.quantizer.codesUsed > 1, `codes used: ${out.quantizer.codesUsed}`);
    const others = out.actions.map((a) => (a + 1) % config.lam.quantizer.codes);
    const withOthers = noGrad(() => model.forward(clip, others)).reconstructionLoss.item();
    const inferred = out.reconstructionLoss.item();
    assert.ok(inferred < 0.005, `prediction error ${inferred}`);
    assert.ok(withOthers > 4 * inferred, `other actions: ${withOthers} vs inferred ${inferred}`);
  });
}
