import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { blockSplit } from './testing.ts';
import { batchesOf, coveringWindows, loadWindows, transitionWindows, trueActionsOf, windowsAt } from './windows.ts';

const split = blockSplit({ clips: 2, frames: 20, size: 16 });

describe('eval windows', () => {
  it('covers every frame once with non-overlapping windows', () => {
    const windows = coveringWindows(split, 8);
    assert.deepEqual(windows.filter((w) => w.clip === 0).map((w) => [w.start, w.length]), [[0, 8], [8, 8], [16, 4]]);
    assert.equal(windows.reduce((n, w) => n + w.length, 0), 40);
  });

  it('gives every transition exactly one window by overlapping windows by one frame', () => {
    const windows = transitionWindows(split, 8).filter((w) => w.clip === 1);
    assert.deepEqual(windows.map((w) => [w.start, w.length]), [[0, 8], [7, 8], [14, 6]]);
    const transitions = windows.flatMap((w) => Array.from({ length: w.length - 1 }, (_, t) => w.start + t));
    assert.deepEqual(transitions, Array.from({ length: 19 }, (_, t) => t));
  });

  it('pairs transition t -> t+1 of a window with actions[start + t]', () => {
    assert.deepEqual(trueActionsOf(split.clips[0], { clip: 0, start: 5, length: 4 }), split.clips[0].actions.slice(5, 8));
  });

  it('batches only windows of one length and loads them as [0, 1] floats', () => {
    const batches = batchesOf(coveringWindows(split, 8), 3);
    assert.deepEqual(batches.map((b) => b.map((w) => w.length)), [[8, 8, 8], [8], [4, 4]]);
    const video = loadWindows(split, batches[2]);
    assert.deepEqual([video.batch, video.frames, video.height], [2, 4, 16]);
    const size = 16 * 16 * 3;
    assert.equal(video.data[size * 4 + 7], Math.fround(split.clips[1].frames[16 * size + 7] / 255)); // clip 1, frame 16
  });

  it('rejects rollout windows that do not fit in a clip', () => {
    assert.throws(() => windowsAt(split, [10], 16), /from frame 10 does not fit in clip_000000.mp4 \(20 frames\)/);
  });
});
