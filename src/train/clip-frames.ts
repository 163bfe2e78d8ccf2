// Between the sampler's uint8 clips, the models' float tensors and the eval writers' frames.
import { tensor, type Tensor } from '../engine/index.ts';
import type { ClipBatch } from '../data/index.ts';
import type { ImageFrame } from '../eval/metrics/index.ts';

// (B, T, H, W, C) uint8 -> the same shape in [0, 1], the models' input.
export function clipTensor(batch: ClipBatch): Tensor {
  const data = new Float32Array(batch.frames.length);
  for (let i = 0; i < data.length; i++) data[i] = batch.frames[i] / 255;
  return tensor(data, batch.shape);
}

// Frame t of clip b of a (B, T, H, W, C) tensor, as a view.
export function frameOf(video: Tensor, b: number, t: number): ImageFrame {
  const [, frames, height, width, channels] = video.shape;
  const size = height * width * channels;
  const start = (b * frames + t) * size;
  return { data: video.data.subarray(start, start + size), height, width, channels };
}

// Frames from..to-1 of clip b.
export function framesOf(video: Tensor, b: number, from = 0, to = video.shape[1]): ImageFrame[] {
  return Array.from({ length: to - from }, (_, i) => frameOf(video, b, from + i));
}

export function stepLabel(step: number): string {
  return `step${String(step).padStart(7, '0')}`;
}
