// Which window each transition's latent action is read from: a stand-in LAM whose code for a transition
// says where in its window it sat and which frame it started from.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { frameSize, videoBatch, type VideoBatch } from './eval-world.ts';
import { inferActionsInWindows, inferActionsWithHistory } from './lam-eval.ts';
import { fakeWorld } from './testing.ts';

const SIZE = 2;
const CONTEXT = 4;

// Frame f of clip b has every value (b * 50 + f) / 255; a transition's code is 100 x (its place in the
// window) + the number of its first frame.
function placeWorld(calls: number[]) {
  const base = fakeWorld({ size: SIZE, numActions: 1000, dynamics: 'ignore' });
  return {
    ...base,
    contextFrames: CONTEXT,
    inferActions(video: VideoBatch) {
      calls.push(video.batch);
      const n = frameSize(video);
      const transitions = video.frames - 1;
      const actions = Int32Array.from({ length: video.batch * transitions }, (_, i) => {
        const place = i % transitions;
        const frame = Math.floor(i / transitions) * video.frames + place;
        return 100 * place + Math.round(video.data[frame * n] * 255);
      });
      return { actions, predicted: videoBatch(new Float32Array(video.batch * transitions * n), video.batch, transitions, SIZE, SIZE, 3) };
    },
  };
}

function clips(batch: number, frames: number): VideoBatch {
  const n = SIZE * SIZE * 3;
  const data = new Float32Array(batch * frames * n);
  for (let b = 0; b < batch; b++) for (let f = 0; f < frames; f++) data.fill((b * 50 + f) / 255, (b * frames + f) * n, (b * frames + f + 1) * n);
  return videoBatch(data, batch, frames, SIZE, SIZE, 3);
}

test('inferActionsWithHistory reads every transition after the first window as the last of its window, in any batch', () => {
  const calls: number[] = [];
  const video = clips(2, 11); // 10 transitions a clip
  const codes = inferActionsWithHistory(placeWorld(calls), video, 5);
  for (let b = 0; b < 2; b++) {
    const expected = Array.from({ length: 10 }, (_, t) => (t < CONTEXT - 1 ? 100 * t : 100 * (CONTEXT - 2)) + b * 50 + t);
    assert.deepEqual(Array.from(codes.subarray(b * 10, (b + 1) * 10)), expected, `clip ${b}`);
  }
  // The first window, then the 7 later windows of both clips, 2 ends (4 windows) to a call.
  assert.deepEqual(calls, [2, 4, 4, 4, 2]);

  // The grid of windows reads transitions at every place instead.
  const grid = inferActionsInWindows(placeWorld([]), clips(1, 11));
  assert.deepEqual(Array.from(grid), [0, 101, 202, 3, 104, 205, 6, 107, 208, 9]);
});

test('inferActionsWithHistory on clips no longer than the context is one window', () => {
  const calls: number[] = [];
  const codes = inferActionsWithHistory(placeWorld(calls), clips(1, 3));
  assert.deepEqual(Array.from(codes), [0, 101]);
  assert.deepEqual(calls, [1]);
});
