// Cutting the test clips into the windows each measurement runs its models on, and turning windows into
// batches of [0, 1] float frames. Every window lies inside one clip; frame indices are the clip's own.
import { videoBatch, type VideoBatch } from './eval-world.ts';
import type { EvalClip, EvalSplit } from './split.ts';

export interface ClipWindow {
  clip: number; // index into split.clips
  start: number; // first frame
  length: number; // frames
}

// Consecutive non-overlapping windows of up to `size` frames covering every frame once (the tokenizer is
// causal and trained on `size`-frame sequences, so each frame sees at most size-1 frames of history).
export function coveringWindows(split: EvalSplit, size: number): ClipWindow[] {
  return split.clips.flatMap((clip, index) =>
    Array.from({ length: Math.ceil(clip.frameCount / size) }, (_, w) => ({ clip: index, start: w * size, length: Math.min(size, clip.frameCount - w * size) })),
  );
}

// Windows of up to `size` frames overlapping by one frame, so each transition t -> t+1 of a clip lies in
// exactly one window and gets exactly one latent action.
export function transitionWindows(split: EvalSplit, size: number): ClipWindow[] {
  if (size < 2) throw new Error(`transitionWindows: a window needs at least 2 frames, got ${size}`);
  return split.clips.flatMap((clip, index) => {
    const windows: ClipWindow[] = [];
    for (let start = 0; start < clip.frameCount - 1; start += size - 1) windows.push({ clip: index, start, length: Math.min(size, clip.frameCount - start) });
    return windows;
  });
}

// One window of `length` frames at each start of every clip (rollouts: prompt frame plus generated ones).
export function windowsAt(split: EvalSplit, starts: readonly number[], length: number): ClipWindow[] {
  return split.clips.flatMap((clip, index) =>
    starts.map((start) => {
      if (!Number.isInteger(start) || start < 0 || start + length > clip.frameCount) {
        throw new Error(`a rollout window of ${length} frames from frame ${start} does not fit in ${clip.name} (${clip.frameCount} frames)`);
      }
      return { clip: index, start, length };
    }),
  );
}

// Groups windows of equal length into batches of at most `size`, keeping their order within a length.
export function batchesOf(windows: readonly ClipWindow[], size: number): ClipWindow[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`batch size must be a positive integer, got ${size}`);
  const byLength = new Map<number, ClipWindow[]>();
  for (const w of windows) {
    const group = byLength.get(w.length);
    if (group) group.push(w);
    else byLength.set(w.length, [w]);
  }
  return [...byLength.values()].flatMap((group) => Array.from({ length: Math.ceil(group.length / size) }, (_, i) => group.slice(i * size, (i + 1) * size)));
}

// The windows' frames as one (B, T, H, W, C) batch in [0, 1]; all windows must have the same length.
export function loadWindows(split: EvalSplit, windows: readonly ClipWindow[]): VideoBatch {
  const length = windows[0].length;
  if (windows.some((w) => w.length !== length)) throw new Error('loadWindows: every window of a batch must have the same length');
  const size = split.height * split.width * split.channels;
  const data = new Float32Array(windows.length * length * size);
  windows.forEach((w, b) => {
    const pixels = split.clips[w.clip].frames.subarray(w.start * size, (w.start + length) * size);
    const offset = b * length * size;
    for (let i = 0; i < pixels.length; i++) data[offset + i] = pixels[i] / 255;
  });
  return videoBatch(data, windows.length, length, split.height, split.width, split.channels);
}

// The true action of each transition in the window: actions[start + t] for t -> t+1 (CoinRun alignment).
export function trueActionsOf(clip: EvalClip, window: ClipWindow): number[] {
  return clip.actions.slice(window.start, window.start + window.length - 1);
}
