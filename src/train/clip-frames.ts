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

// One uint8 RGB image (rows x columns of equally sized [0, 1] frames, no gaps): a GIF frame showing clips
// side by side, e.g. real clips above their rollouts.
export function mosaic(rows: ImageFrame[][]): { rgb: Uint8Array; width: number; height: number } {
  const { height, width, channels } = rows[0][0];
  const columns = Math.max(...rows.map((r) => r.length));
  const out = new Uint8Array(rows.length * height * columns * width * 3);
  const stride = columns * width * 3;
  rows.forEach((row, r) =>
    row.forEach((frame, c) => {
      for (let y = 0; y < height; y++) {
        for (let x = 0; x < width; x++) {
          for (let k = 0; k < 3; k++) {
            const value = frame.data[(y * width + x) * channels + Math.min(k, channels - 1)];
            out[(r * height + y) * stride + (c * width + x) * 3 + k] = Math.round(Math.min(1, Math.max(0, value)) * 255);
          }
        }
      }
    }),
  );
  return { rgb: out, width: columns * width, height: rows.length * height };
}
