// What a policy sees at step t: the K most recent frames t-K+1..t, oldest first. Before the episode has K
// frames, the first frame stands in for the missing ones (as Atari agents pad with the reset frame), so
// training samples and closed-loop play build their inputs the same way.
import { tensor, type Tensor } from '../engine/index.ts';

export interface FrameShape {
  height: number;
  width: number;
  channels: number;
}

// frames[i] is the frame seen before the i-th action of an episode.
export function historyAt(frames: readonly Uint8Array[], t: number, historyFrames: number): Uint8Array[] {
  if (!(t >= 0 && t < frames.length)) throw new Error(`historyAt: step ${t} is outside the episode's ${frames.length} frames`);
  return Array.from({ length: historyFrames }, (_, i) => frames[Math.max(0, t - historyFrames + 1 + i)]);
}

// B histories of K RGB uint8 frames -> (B, K, H, W, C) in [0, 1].
export function historyBatch(histories: readonly (readonly Uint8Array[])[], shape: FrameShape): Tensor {
  const frameSize = shape.height * shape.width * shape.channels;
  const historyFrames = histories[0]?.length ?? 0;
  const data = new Float32Array(histories.length * historyFrames * frameSize);
  histories.forEach((history, b) => {
    if (history.length !== historyFrames) throw new Error(`historyBatch: history ${b} has ${history.length} frames, history 0 has ${historyFrames}`);
    history.forEach((frame, k) => {
      if (frame.length !== frameSize) throw new Error(`historyBatch: frame ${k} of history ${b} has ${frame.length} values, expected ${shape.height}x${shape.width}x${shape.channels}`);
      const offset = (b * historyFrames + k) * frameSize;
      for (let i = 0; i < frameSize; i++) data[offset + i] = frame[i] / 255;
    });
  });
  return tensor(data, [histories.length, historyFrames, shape.height, shape.width, shape.channels]);
}
