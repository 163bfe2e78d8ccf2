import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng, tensor } from '../engine/index.ts';
import { costVolume, shiftGrid, shiftedPatches } from './motion.ts';
import { patchify } from './patch.ts';

const [H, W, C, P] = [16, 16, 3, 8];
const shape = (frames: number) => ({ frames, height: H, width: W, channels: C });

function randomFrame(seed: number): Float32Array {
  return new Rng(seed).fillUniform(new Float32Array(H * W * C));
}

// The frame a camera move by (dy, dx) makes: content at (y + dy, x + dx) lands at (y, x), edges repeated.
function moved(frame: Float32Array, dy: number, dx: number): Float32Array {
  const out = new Float32Array(frame.length);
  for (let y = 0; y < H; y++) {
    for (let x = 0; x < W; x++) {
      const sy = Math.min(H - 1, Math.max(0, y + dy));
      const sx = Math.min(W - 1, Math.max(0, x + dx));
      for (let c = 0; c < C; c++) out[(y * W + x) * C + c] = frame[(sy * W + sx) * C + c];
    }
  }
  return out;
}

test('shiftGrid lists every shift within the ranges once, the unshifted one included', () => {
  const shifts = shiftGrid(2, 1);
  assert.equal(shifts.length, 15);
  assert.equal(new Set(shifts.map((s) => `${s.dy},${s.dx}`)).size, 15);
  assert.deepEqual(shifts[7], { dy: 0, dx: 0 });
  assert.deepEqual(shiftGrid(0, 0), [{ dy: 0, dx: 0 }]);
});

test('shiftedPatches: the unshifted copy is patchify, a shifted one reads the moved frame patch by patch', () => {
  const shifts = shiftGrid(2, 3);
  const frame = randomFrame(1);
  const copies = shiftedPatches(frame, shape(1), P, shifts); // (N, K, P*P*C)
  const perPatch = P * P * C;
  const tokens = patchify(tensor(frame, [1, 1, H, W, C]), P).data; // (N, P*P*C)
  for (const [k, { dy, dx }] of shifts.entries()) {
    const expected = patchify(tensor(moved(frame, dy, dx), [1, 1, H, W, C]), P).data;
    for (let n = 0; n < 4; n++) {
      const got = copies.subarray((n * shifts.length + k) * perPatch, (n * shifts.length + k + 1) * perPatch);
      assert.deepEqual(Array.from(got), Array.from(expected.subarray(n * perPatch, (n + 1) * perPatch)), `shift (${dy}, ${dx}) patch ${n}`);
      if (dy === 0 && dx === 0) assert.deepEqual(Array.from(got), Array.from(tokens.subarray(n * perPatch, (n + 1) * perPatch)));
    }
  }
});

test('costVolume: the camera move that made a frame fits its patches best; first frames of clips are zero', () => {
  const shifts = shiftGrid(2, 2);
  const first = randomFrame(2);
  const [dy, dx] = [-1, 2];
  // Two clips of two frames: the second frame of each is the first moved by (dy, dx) and by nothing.
  const pixels = new Float32Array([...first, ...moved(first, dy, dx), ...first, ...first]);
  const volume = costVolume(pixels, shape(4), 2, P, shifts); // (4, N, K)
  const tokens = 4;
  const row = (f: number, n: number) => Array.from(volume.subarray((f * tokens + n) * shifts.length, (f * tokens + n + 1) * shifts.length));
  for (let n = 0; n < tokens; n++) {
    assert.ok(row(0, n).every((v) => v === 0) && row(2, n).every((v) => v === 0), 'first frames of clips');
    for (const [frame, expected] of [[1, { dy, dx }], [3, { dy: 0, dx: 0 }]] as const) {
      const costs = row(frame, n);
      assert.ok(Math.abs(costs.reduce((a, b) => a + b, 0)) < 1e-3, 'centred over the shifts');
      const best = shifts[costs.indexOf(Math.min(...costs))];
      assert.deepEqual(best, expected, `frame ${frame} patch ${n}`);
    }
  }
  assert.throws(() => costVolume(pixels, shape(4), 3, P, shifts), /4 frames are not whole clips of 3/);
});
