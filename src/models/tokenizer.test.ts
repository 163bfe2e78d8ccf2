import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng, concat, noGrad, slice } from '../engine/index.ts';
import { VideoTokenizer } from './tokenizer.ts';
import { changeFrame, fit, maxDifferencePerSlice, psnr, randomClip, tiledClip, tiny } from './testing.ts';

const [B, T] = [2, 4];
const N = 16; // tiny: 16x16 frames, patch 4

test('tokens are causal in time: changing frame k leaves the tokens of frames before k alone', () => {
  const model = new VideoTokenizer(tiny, new Rng(0)).eval();
  const clip = randomClip(tiny, B, T, 1);
  const tokens = model.tokenize(clip);
  const changed = model.tokenize(changeFrame(clip, 2, 2));
  for (let b = 0; b < B; b++) {
    const frame = (t: number, ids: Int32Array) => Array.from(ids.subarray((b * T + t) * N, (b * T + t + 1) * N));
    assert.deepEqual(frame(0, changed), frame(0, tokens));
    assert.deepEqual(frame(1, changed), frame(1, tokens));
    assert.notDeepEqual(frame(2, changed), frame(2, tokens));
  }
});

test('decoding the tokens gives the reconstruction; frame by frame through the KV cache as well', () => {
  const model = new VideoTokenizer(tiny, new Rng(3)).eval();
  const clip = randomClip(tiny, B, T, 4);
  const { reconstruction, tokens } = noGrad(() => model.forward(clip));
  const decoded = noGrad(() => model.decode(tokens, [B, T, N]));
  assert.deepEqual(decoded.shape, [B, T, 16, 16, 3]);
  assert.ok(Math.max(...maxDifferencePerSlice(decoded.data, reconstruction.data, decoded.size)) < 1e-6);
  const cache = model.newDecoderCache();
  const latents = noGrad(() => model.quantizer.lookup(tokens, [B, T, N]));
  const stepwise = noGrad(() => concat([0, 1, 2, 3].map((t) => model.decodeLatents(slice(latents, 1, t, t + 1), cache)), 1));
  const worst = Math.max(...maxDifferencePerSlice(stepwise.data, decoded.data, decoded.size));
  assert.ok(worst < 1e-5, `cached decode differs by ${worst}`);
});

test('overfits a fixed batch of tiled clips above 30 dB PSNR, through its codes', () => {
  const model = new VideoTokenizer(tiny, new Rng(0));
  const clip = tiledClip(tiny, 4, 2, 8, 7); // 8 tile kinds at random places: positions alone cannot tell them
  fit(model, () => model.forward(clip).loss, 200, 3e-3, model.quantizer);
  model.eval();
  const out = noGrad(() => model.forward(clip));
  const value = psnr(out.reconstructionLoss.item());
  assert.ok(value > 30, `PSNR ${value.toFixed(1)} dB`);
  assert.ok(out.quantizer.codesUsed >= 8, `codes used: ${out.quantizer.codesUsed}`);
});
