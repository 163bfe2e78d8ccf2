import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clipFrechetDistance, pixelStatisticsExtractor, type FeatureExtractor, type VideoClip } from './feature-extractor.ts';
import type { ImageFrame } from './frame.ts';
import { seededUniform } from './test-fixtures.ts';

function constantFrame(value: number, height = 8, width = 8): ImageFrame {
  return { data: new Uint8Array(height * width * 3).fill(value), height, width, channels: 3 };
}

// Clips of a bright square moving right over noise; brighter backgrounds when shifted.
function movingSquareClips(count: number, seed: number, background: number): VideoClip[] {
  const uniform = seededUniform(seed);
  return Array.from({ length: count }, () => {
    const start = Math.floor(uniform() * 8);
    return Array.from({ length: 6 }, (_, t) => {
      const data = Uint8Array.from({ length: 16 * 16 * 3 }, () => background + Math.floor(uniform() * 40));
      for (let y = 4; y < 10; y++) for (let x = start + t; x < start + t + 4 && x < 16; x++) data.fill(250, (y * 16 + x) * 3, (y * 16 + x) * 3 + 3);
      return { data, height: 16, width: 16, channels: 3 };
    });
  });
}

describe('pixelStatisticsExtractor', () => {
  it('gives the mean frame and the mean absolute change per cell, divided by the data range', async () => {
    const extractor = pixelStatisticsExtractor({ dataRange: 255, grid: 2 });
    const clip = [constantFrame(51), constantFrame(102), constantFrame(51)];
    const features = await extractor.extract([clip]);
    assert.equal(features.dim, 24);
    for (let i = 0; i < 12; i++) assert.ok(Math.abs(features.data[i] - 68 / 255) < 1e-12);
    for (let i = 12; i < 24; i++) assert.ok(Math.abs(features.data[i] - 51 / 255) < 1e-12);
  });

  it('averages unequal cells correctly when the grid does not divide the frame', async () => {
    const frame: ImageFrame = { data: Uint8Array.from({ length: 5 * 5 }, (_, i) => (i % 5 < 3 ? 10 : 40)), height: 5, width: 5, channels: 1 };
    const features = await pixelStatisticsExtractor({ dataRange: 1, grid: 2, channels: 1 }).extract([[frame, frame]]);
    [10, 40, 10, 40].forEach((expected, cell) => assert.ok(Math.abs(features.data[cell] - expected) < 1e-12)); // columns 0-2 | 3-4
  });
});

describe('clipFrechetDistance', () => {
  it('is 0 for the same clips, small for two samples of one source and larger for a shifted source', async () => {
    const extractor = pixelStatisticsExtractor({ dataRange: 255, grid: 2 });
    const real = movingSquareClips(60, 1, 20);
    const same = await clipFrechetDistance(extractor, real, real);
    const resampled = await clipFrechetDistance(extractor, real, movingSquareClips(60, 2, 20));
    const shifted = await clipFrechetDistance(extractor, real, movingSquareClips(60, 3, 60));
    assert.ok(same.distance < 1e-9);
    assert.ok(shifted.distance > 5 * resampled.distance, `shifted ${shifted.distance} vs resampled ${resampled.distance}`);
    assert.equal(shifted.extractorId, 'pixel-statistics-2x2');
    assert.equal(shifted.realClips, 60);
  });

  it('accepts any extractor through the interface and checks what it returns', async () => {
    const meanBrightness: FeatureExtractor = {
      id: 'test-mean-and-first',
      description: 'mean of the first frame and its first value',
      dim: 2,
      async extract(clips) {
        const data = new Float64Array(clips.length * 2);
        clips.forEach((clip, i) => {
          data[2 * i] = Array.from(clip[0].data).reduce((s, v) => s + v, 0) / clip[0].data.length;
          data[2 * i + 1] = clip[0].data[0];
        });
        return { rows: clips.length, dim: 2, data };
      },
    };
    const a = [[constantFrame(0)], [constantFrame(2)]];
    const b = [[constantFrame(10)], [constantFrame(12)]];
    // Same covariance, means 10 apart in both components.
    assert.ok(Math.abs((await clipFrechetDistance(meanBrightness, a, b)).distance - 200) < 1e-9);

    const wrongRows: FeatureExtractor = { ...meanBrightness, id: 'broken', extract: async () => ({ rows: 1, dim: 2, data: new Float64Array(2) }) };
    await assert.rejects(clipFrechetDistance(wrongRows, a, b), /'broken' on the real clips: returned 1x2 features for 2 clips/);
  });
});
