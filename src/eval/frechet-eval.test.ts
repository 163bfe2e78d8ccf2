import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { imageFrames, videoBatch } from './eval-world.ts';
import { clipFrechetDistances, substituteExtractors, tokenizerEmbeddingExtractor } from './frechet-eval.ts';
import { fakeWorld } from './testing.ts';

// Clips of flat frames: clip b, frame t is grey level value(b, t) everywhere.
function flatClips(count: number, frames: number, value: (b: number, t: number) => number) {
  const size = 16 * 16 * 3;
  const data = new Float32Array(count * frames * size);
  for (let b = 0; b < count; b++) for (let t = 0; t < frames; t++) data.fill(value(b, t), (b * frames + t) * size, (b * frames + t + 1) * size);
  return videoBatch(data, count, frames, 16, 16, 3);
}

describe('tokenizerEmbeddingExtractor', () => {
  it("pools the world's latent vectors per clip into their mean and standard deviation per channel", async () => {
    // The fake world's latent vector of a frame is its mean colour (one token per frame, Dz = 3).
    const clips = flatClips(2, 4, (b, t) => (b === 0 ? 0.5 : t % 2 === 0 ? 0.2 : 0.6));
    const extractor = tokenizerEmbeddingExtractor(fakeWorld({ size: 16, dynamics: 'ignore' }), 1);
    const features = await extractor.extract([imageFrames(clips, 0), imageFrames(clips, 1)]);
    assert.equal(features.dim, 6);
    const expected = [0.5, 0.5, 0.5, 0, 0, 0, 0.4, 0.4, 0.4, 0.2, 0.2, 0.2];
    [...features.data].forEach((v, i) => assert.ok(Math.abs(v - expected[i]) < 1e-6, `feature ${i}: ${v} vs ${expected[i]}`));
    assert.match(extractor.description, /NOT FVD/);
  });
});

describe('clipFrechetDistances', () => {
  it('is 0 between a set of clips and itself and grows as the generated clips drift', async () => {
    const world = fakeWorld({ size: 16, dynamics: 'ignore' });
    const real = [flatClips(3, 4, (b, t) => 0.1 * b + 0.05 * t), flatClips(2, 4, (b, t) => 0.3 + 0.1 * b - 0.02 * t)];
    const near = real.map((v) => ({ ...v, data: v.data.map((x) => x + 0.01) }));
    const far = real.map((v) => ({ ...v, data: v.data.map((x) => x + 0.2) }));
    const same = await clipFrechetDistances(substituteExtractors(world, 2), real, real);
    assert.deepEqual(same.map((r) => [r.extractorId, r.realClips, r.clipFrames]), [['tokenizer-codes-mean-std', 5, 4], ['pixel-statistics-4x4', 5, 4]]);
    same.forEach((r) => assert.ok(r.distance < 1e-9, `${r.extractorId}: ${r.distance}`));
    const [nearDistance, farDistance] = [await clipFrechetDistances(substituteExtractors(world, 2), real, near), await clipFrechetDistances(substituteExtractors(world, 2), real, far)];
    nearDistance.forEach((r, i) => assert.ok(r.distance > 0 && r.distance < farDistance[i].distance, `${r.extractorId}: ${r.distance} vs ${farDistance[i].distance}`));
  });
});
