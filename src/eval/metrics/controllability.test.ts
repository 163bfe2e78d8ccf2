import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deltaPsnrPerStep, meanDeltaPsnrPerStep, type ControllabilityRollout } from './controllability.ts';
import type { ImageFrame } from './frame.ts';
import { PSNR_CAP_DB, psnrPerStep, ssimPerStep } from './image-quality.ts';
import { randomFrame } from './test-fixtures.ts';

// The frame with every value moved by d towards the middle grey: MSE exactly d^2.
function offBy(frame: ImageFrame, d: number): ImageFrame {
  return { ...frame, data: frame.data.map((v) => (v < 128 ? v + d : v - d)) };
}

function near(actual: number, expected: number, tolerance = 1e-9): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `got ${actual}, expected ${expected}`);
}

const truth = [1, 2, 3].map((seed) => randomFrame(seed, 12, 12));

describe('deltaPsnrPerStep', () => {
  it('is PSNR with inferred actions minus PSNR with random actions, per step', () => {
    const rollout: ControllabilityRollout = {
      truth,
      withInferredActions: truth.map((f, t) => offBy(f, t + 1)),
      withRandomActions: truth.map((f) => offBy(f, 10)),
    };
    // 20 log10(255/d1) - 20 log10(255/d2) = 20 log10(d2/d1)
    deltaPsnrPerStep(rollout, 255).forEach((delta, t) => near(delta, 20 * Math.log10(10 / (t + 1))));
  });

  it('is exactly 0 for a world that ignores its actions', () => {
    const generated = truth.map((f) => offBy(f, 7));
    assert.deepEqual(deltaPsnrPerStep({ truth, withInferredActions: generated, withRandomActions: generated }, 255), [0, 0, 0]);
  });

  it('caps a perfect prediction at PSNR_CAP_DB instead of returning Infinity', () => {
    const delta = deltaPsnrPerStep({ truth, withInferredActions: truth, withRandomActions: truth.map((f) => offBy(f, 5)) }, 255);
    delta.forEach((d) => near(d, PSNR_CAP_DB - 20 * Math.log10(255 / 5)));
  });

  it('averages over clips as E[PSNR inferred] - E[PSNR random]', () => {
    const rollouts = [2, 4].map((d) => ({ truth, withInferredActions: truth.map((f) => offBy(f, d)), withRandomActions: truth.map((f) => offBy(f, 8)) }));
    const expected = (20 * Math.log10(8 / 2) + 20 * Math.log10(8 / 4)) / 2;
    meanDeltaPsnrPerStep(rollouts, 255).forEach((delta) => near(delta, expected));
  });

  it('rejects sequences of different lengths', () => {
    assert.throws(() => deltaPsnrPerStep({ truth, withInferredActions: truth.slice(1), withRandomActions: truth }, 255), /3 true frames but 2 generated/);
  });
});

describe('per-step curves', () => {
  it('score each generated frame against the true frame at the same step', () => {
    const frames = [11, 12].map((seed) => randomFrame(seed, 16, 16));
    const curve = psnrPerStep(frames, [frames[0], offBy(frames[1], 3)], 255);
    assert.equal(curve[0], Infinity);
    near(curve[1], 20 * Math.log10(255 / 3));
    const ssims = ssimPerStep(frames, [frames[0], frames[0]], 255);
    near(ssims[0], 1);
    assert.ok(ssims[1] < 0.5);
  });
});
