// Helpers shared by the model tests: small random clips and a few optimiser steps on a fixed batch.
import { AdamW, Module, Rng, backward, tensor } from '../engine/index.ts';
import type { Tensor } from '../engine/index.ts';
import { presets } from './presets.ts';
import type { ModelConfig } from './config.ts';

export const tiny: ModelConfig = presets.tiny;

// Frames (B, T, H, W, C) in [0, 1] of the config's size.
export function randomClip(config: ModelConfig, batch: number, frames: number, seed: number): Tensor {
  const { height, width, channels } = config.video;
  const data = new Float32Array(batch * frames * height * width * channels);
  new Rng(seed).fillUniform(data);
  return tensor(data, [batch, frames, height, width, channels]);
}

// A copy of `clip` with frame `frame` of every clip replaced by other values.
export function changeFrame(clip: Tensor, frame: number, seed: number): Tensor {
  const [batch, frames] = clip.shape;
  const perFrame = clip.size / (batch * frames);
  const data = clip.data.slice();
  const rng = new Rng(seed);
  for (let b = 0; b < batch; b++) rng.fillUniform(data.subarray((b * frames + frame) * perFrame, (b * frames + frame + 1) * perFrame));
  return tensor(data, clip.shape);
}

// Largest absolute difference between two equally long arrays, per slice of `sliceSize` values.
export function maxDifferencePerSlice(a: ArrayLike<number>, b: ArrayLike<number>, sliceSize: number): number[] {
  const out: number[] = [];
  for (let start = 0; start < a.length; start += sliceSize) {
    let worst = 0;
    for (let i = start; i < start + sliceSize; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
    out.push(worst);
  }
  return out;
}

// Runs `steps` AdamW steps on `loss()`; returns the last loss value.
export function fit(module: Module, loss: (step: number) => Tensor, steps: number, lr: number): number {
  const optimizer = new AdamW(module.namedParameters(), { lr, weightDecay: 0, beta2: 0.95 });
  let last = Infinity;
  for (let step = 0; step < steps; step++) {
    optimizer.zeroGrad();
    const value = loss(step);
    backward(value);
    optimizer.step();
    last = value.item();
  }
  return last;
}
