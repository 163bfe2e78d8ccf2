// Seeded random frames and samples for the metric tests (not used outside tests).
import type { ImageFrame } from './frame.ts';

// mulberry32: tiny, fast, and good enough to draw test images and Gaussian samples.
export function seededUniform(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function seededNormal(seed: number): () => number {
  const uniform = seededUniform(seed);
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

export function randomFrame(seed: number, height: number, width: number, channels = 3): ImageFrame {
  const uniform = seededUniform(seed);
  const data = Uint8Array.from({ length: height * width * channels }, () => Math.floor(uniform() * 256));
  return { data, height, width, channels };
}

// The frame plus seeded noise of the given amplitude, clamped to uint8.
export function noisyCopy(frame: ImageFrame, seed: number, amplitude: number): ImageFrame {
  const uniform = seededUniform(seed);
  const data = frame.data.map((v) => Math.min(255, Math.max(0, Math.round(v + (uniform() * 2 - 1) * amplitude))));
  return { ...frame, data };
}
