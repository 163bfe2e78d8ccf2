import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tensor } from '../engine/index.ts';
import { patchify, unpatchify } from './patch.ts';

test('patchify puts each P x P patch in one token, raster order, (row, column, channel) inside', () => {
  const [B, T, H, W, C, P] = [2, 3, 4, 6, 2, 2];
  const frames = tensor(Float32Array.from({ length: B * T * H * W * C }, (_, i) => i), [B, T, H, W, C]);
  const tokens = patchify(frames, P);
  assert.deepEqual(tokens.shape, [B, T, (H / P) * (W / P), P * P * C]);
  const pixel = (b: number, t: number, y: number, x: number, c: number) => frames.data[(((b * T + t) * H + y) * W + x) * C + c];
  // clip 1, frame 2, patch (row 1, column 2), pixel (dy 1, dx 0), channel 1
  const token = 1 * 3 + 2;
  const feature = (1 * P + 0) * C + 1;
  assert.equal(tokens.data[((1 * T + 2) * 6 + token) * P * P * C + feature], pixel(1, 2, 1 * P + 1, 2 * P + 0, 1));
  assert.deepEqual(unpatchify(tokens, P, H, W).data, frames.data);
});

test('patchify rejects frames the patch does not tile', () => {
  assert.throws(() => patchify(tensor(new Float32Array(1 * 1 * 5 * 4 * 3), [1, 1, 5, 4, 3]), 2), /patchify: frames \(1, 1, 5, 4, 3\)/);
});
