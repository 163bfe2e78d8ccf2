// Seeded random frames and samples for the metric tests (not used outside tests).
import { Rng } from '../../engine/random.ts';
import type { ImageFrame } from './frame.ts';

export function seededUniform(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.uniform();
}

export function seededNormal(seed: number): () => number {
  const rng = new Rng(seed);
  return () => rng.normal();
}

export function randomFrame(seed: number, height: number, width: number, channels = 3): ImageFrame {
  const rng = new Rng(seed);
  const data = Uint8Array.from({ length: height * width * channels }, () => rng.int(256));
  return { data, height, width, channels };
}

// The frame plus seeded uniform noise of the given amplitude, clamped to uint8.
export function noisyCopy(frame: ImageFrame, seed: number, amplitude: number): ImageFrame {
  const rng = new Rng(seed);
  const data = frame.data.map((v) => Math.min(255, Math.max(0, Math.round(v + (rng.uniform() * 2 - 1) * amplitude))));
  return { ...frame, data };
}
