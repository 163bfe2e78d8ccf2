import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { evaluateRollouts, generateActionGrid } from './rollout-eval.ts';
import { blockSplit, fakeWorld } from './testing.ts';

const split = blockSplit({ clips: 4, frames: 20, size: 16 });
const settings = { starts: [0, 2], rolloutSteps: 10, clipFrames: 16, deltaT: 4, maskgitSteps: 2, temperature: 1, seed: 3, batchSize: 3 };

describe('evaluateRollouts', () => {
  it('gives Delta_t PSNR exactly 0 for a world whose dynamics ignores its actions', () => {
    const { result } = evaluateRollouts(fakeWorld({ size: 16, dynamics: 'ignore' }), split, settings);
    assert.equal(result.windows, 8);
    assert.deepEqual(result.controllability.deltaPsnrPerStep, new Array(10).fill(0));
    assert.equal(result.controllability.standardError, 0);
  });

  it('gives a non-zero Delta_t PSNR when the actions change the frames', () => {
    const { result } = evaluateRollouts(fakeWorld({ size: 16, dynamics: 'shift' }), split, settings);
    assert.ok(result.controllability.deltaPsnrPerStep.some((d) => Math.abs(d) > 0.1), `${result.controllability.deltaPsnrPerStep}`);
  });

  it('scores the copy baseline, teacher forcing and the Fréchet clips on the right frames', () => {
    const world = fakeWorld({ size: 16, dynamics: 'ignore' });
    const output = evaluateRollouts(world, split, settings);
    const { result } = output;
    // The block moves every step, so copying the prompt is exact at no later step; the fake world's
    // teacher-forced frame is the previous TRUE frame plus small noise, so it beats copying the prompt.
    assert.ok(result.copyPrompt.psnrPerStep.every((db) => Number.isFinite(db) && db < 100));
    assert.ok(result.teacherForced.psnr > result.copyPrompt.psnr);
    assert.equal(result.lamActions.psnrPerStep.length, 10);
    // 8 windows: LAM rollouts of 15 frames, random and teacher-forced of 10.
    assert.equal(result.generation.frames, 8 * (15 + 10 + 10));
    assert.equal(world.generatedFrames, 8 * 35);
    assert.deepEqual(output.generatedClips.map((c) => [c.batch, c.frames]), [[3, 16], [3, 16], [2, 16]]);
    assert.deepEqual(output.realClips[0].data.subarray(0, 10), output.generatedClips[0].data.subarray(0, 10)); // same prompt frame
    assert.deepEqual([output.examples.truth.batch, output.examples.truth.frames, output.examples.lamActions.frames], [3, 11, 10]);
  });

  it('is reproducible from the seed', () => {
    const a = evaluateRollouts(fakeWorld({ size: 16, dynamics: 'shift' }), split, settings).result;
    const b = evaluateRollouts(fakeWorld({ size: 16, dynamics: 'shift' }), split, settings).result;
    assert.deepEqual({ ...a, generation: null }, { ...b, generation: null });
  });

  it('refuses a Delta_t beyond the rollout and a clip shorter than the rollout', () => {
    const world = fakeWorld({ size: 16, dynamics: 'ignore' });
    assert.throws(() => evaluateRollouts(world, split, { ...settings, deltaT: 11 }), /t=11 needs 1 <= t <= 10/);
    assert.throws(() => evaluateRollouts(world, split, { ...settings, clipFrames: 8 }), /at least the rollout steps \+ 1/);
  });
});

describe('generateActionGrid', () => {
  it('generates one row per latent action from the same prompt', () => {
    const world = fakeWorld({ size: 16, numActions: 3, dynamics: 'shift' });
    const prompt = { data: new Float32Array(16 * 16 * 3).fill(0.2), batch: 1, frames: 1, height: 16, width: 16, channels: 3 };
    const grid = generateActionGrid(world, prompt, 4, { maskgitSteps: 2, temperature: 1, seed: 0 });
    assert.deepEqual([grid.batch, grid.frames], [3, 4]);
    const meanOf = (b: number) => grid.data.subarray(b * 4 * 768, b * 4 * 768 + 768).reduce((s, v) => s + v, 0) / 768;
    assert.ok(meanOf(2) > meanOf(1) && meanOf(1) > meanOf(0));
  });
});
