import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ssim as ssimJs } from 'ssim.js';
import type { ImageFrame } from './frame.ts';
import { gaussianWindow, meanPsnr, meanPsnrPerStep, psnr, PSNR_CAP_DB, ssim } from './image-quality.ts';
import { noisyCopy, randomFrame } from './test-fixtures.ts';

function toFloat(frame: ImageFrame): ImageFrame {
  return { ...frame, data: Float32Array.from(frame.data, (v) => v / 255) };
}

// Two deterministic 32x40 RGB images, reproducible in Python; the expected values below come from
// an independent PyTorch implementation (conv2d with the 11x11 Gaussian, valid, per-channel mean).
function formulaPair(kind: 'textured' | 'unrelated'): [ImageFrame, ImageFrame] {
  const height = 32;
  const width = 40;
  const x = new Uint8Array(height * width * 3);
  const y = new Uint8Array(height * width * 3);
  for (let i = 0; i < height; i++) {
    for (let j = 0; j < width; j++) {
      for (let c = 0; c < 3; c++) {
        const at = (i * width + j) * 3 + c;
        if (kind === 'textured') {
          x[at] = (i * i * 7 + j * 13 + c * 29 + i * j * 3) % 256;
          y[at] = Math.min(255, Math.max(0, x[at] + ((i * 31 + j * 17 + c * 11) % 97) - 48));
        } else {
          x[at] = (i * 4 + j * 2 + c * 50) % 256;
          y[at] = (i * j * (c + 1) * 7 + i * 11 + j * 5) % 256;
        }
      }
    }
  }
  return [{ data: x, height, width, channels: 3 }, { data: y, height, width, channels: 3 }];
}

// SSIM straight from the paper's formula: for every window position, the Gaussian-weighted means,
// variances and covariance summed over the 2-D window directly (no separable filtering).
function ssimByDefinition(a: ImageFrame, b: ImageFrame, dataRange: number): number {
  const g = gaussianWindow(11, 1.5);
  const c1 = (0.01 * dataRange) ** 2;
  const c2 = (0.03 * dataRange) ** 2;
  let total = 0;
  for (let c = 0; c < a.channels; c++) {
    let sum = 0;
    let count = 0;
    for (let r = 0; r + 11 <= a.height; r++) {
      for (let s = 0; s + 11 <= a.width; s++) {
        let mx = 0, my = 0, xx = 0, yy = 0, xy = 0;
        for (let u = 0; u < 11; u++) {
          for (let v = 0; v < 11; v++) {
            const w = g[u] * g[v];
            const at = ((r + u) * a.width + s + v) * a.channels + c;
            const x = a.data[at];
            const y = b.data[at];
            mx += w * x; my += w * y; xx += w * x * x; yy += w * y * y; xy += w * x * y;
          }
        }
        const vx = xx - mx * mx;
        const vy = yy - my * my;
        const cxy = xy - mx * my;
        sum += ((2 * mx * my + c1) * (2 * cxy + c2)) / ((mx * mx + my * my + c1) * (vx + vy + c2));
        count++;
      }
    }
    total += sum / count;
  }
  return total / a.channels;
}

describe('psnr', () => {
  it('of a constant error d on every value is 20 log10(255 / d)', () => {
    const a = randomFrame(1, 16, 16);
    const b = { ...a, data: a.data.map((v) => (v < 128 ? v + 5 : v - 5)) };
    assert.ok(Math.abs(psnr(a, b, 255) - 20 * Math.log10(255 / 5)) < 1e-9);
  });

  it('of uniform noise of amplitude A is close to 20 log10(255 / (A / sqrt 3))', () => {
    const a = { ...randomFrame(2, 64, 64), data: new Uint8Array(64 * 64 * 3).fill(128) };
    const b = noisyCopy(a, 3, 20);
    const expected = 20 * Math.log10(255 / (20 / Math.sqrt(3)));
    assert.ok(Math.abs(psnr(a, b, 255) - expected) < 0.1, `got ${psnr(a, b, 255)}, expected ~${expected}`);
  });

  it('matches a known value and is the same on uint8 and on [0,1] floats', () => {
    const [x, y] = formulaPair('textured');
    assert.ok(Math.abs(psnr(x, y, 255) - 19.629349785855915) < 1e-9);
    assert.ok(Math.abs(psnr(toFloat(x), toFloat(y), 1) - psnr(x, y, 255)) < 1e-4);
  });

  it('is Infinity for identical frames, and averages cap it at PSNR_CAP_DB', () => {
    const a = randomFrame(4, 8, 8);
    assert.equal(psnr(a, a, 255), Infinity);
    assert.equal(meanPsnr([Infinity, 20]), (PSNR_CAP_DB + 20) / 2);
    assert.deepEqual(meanPsnrPerStep([[10, Infinity], [20, 30]]), [15, (PSNR_CAP_DB + 30) / 2]);
  });

  it('rejects frames of different shapes, a missing data range and NaN', () => {
    assert.throws(() => psnr(randomFrame(1, 8, 8), randomFrame(1, 8, 9), 255), /differ in shape, 8x8x3 vs 8x9x3/);
    assert.throws(() => psnr(randomFrame(1, 8, 8), randomFrame(1, 8, 8), 0), /dataRange must be a positive number/);
    assert.throws(() => meanPsnr([NaN]), /NaN/);
    assert.throws(() => meanPsnrPerStep([[1, 2], [3]]), /curve 1 has 1 steps/);
  });
});

describe('ssim', () => {
  it('is 1 for identical frames and symmetric', () => {
    const a = randomFrame(5, 20, 24);
    const b = noisyCopy(a, 6, 40);
    assert.ok(Math.abs(ssim(a, a, 255) - 1) < 1e-12);
    assert.ok(Math.abs(ssim(a, b, 255) - ssim(b, a, 255)) < 1e-12);
    assert.ok(ssim(a, b, 255) < 0.99);
  });

  it('matches an independent PyTorch implementation on RGB images', () => {
    const [x, y] = formulaPair('textured');
    assert.ok(Math.abs(ssim(x, y, 255) - 0.9369409619848855) < 1e-10);
    assert.ok(Math.abs(ssim(toFloat(x), toFloat(y), 1) - 0.9369409619848855) < 1e-6);
    const [p, q] = formulaPair('unrelated');
    assert.ok(Math.abs(ssim(p, q, 255) - 0.011664872592629112) < 1e-10);
  });

  it('matches the formula evaluated directly, window by window, on random images', () => {
    for (const seed of [7, 8]) {
      const a = randomFrame(seed, 17, 23);
      const b = noisyCopy(a, seed + 100, 60);
      assert.ok(Math.abs(ssim(a, b, 255) - ssimByDefinition(a, b, 255)) < 1e-10);
    }
  });

  it('matches ssim.js (original Wang et al. variant) on grey images', () => {
    const a = randomFrame(9, 30, 37, 1);
    const b = noisyCopy(a, 10, 40);
    const rgba = (f: ImageFrame) => ({
      data: Uint8ClampedArray.from({ length: f.data.length * 4 }, (_, i) => (i % 4 === 3 ? 255 : f.data[i >> 2])),
      width: f.width,
      height: f.height,
    });
    const reference = ssimJs(rgba(a), rgba(b), { ssim: 'original', downsample: false }).mssim;
    assert.ok(Math.abs(ssim(a, b, 255) - reference) < 1e-9, `ours ${ssim(a, b, 255)} vs ssim.js ${reference}`);
  });

  it('falls as noise grows', () => {
    const a = randomFrame(11, 24, 24);
    const scores = [5, 20, 80].map((amplitude) => ssim(a, noisyCopy(a, 12, amplitude), 255));
    assert.ok(scores[0] > scores[1] && scores[1] > scores[2], `scores ${scores}`);
  });

  it('rejects frames smaller than the window', () => {
    assert.throws(() => ssim(randomFrame(1, 10, 40), randomFrame(2, 10, 40), 255), /smaller than the 11x11 window/);
  });
});
