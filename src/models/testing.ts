// Helpers shared by the model tests: small random clips and a few optimiser steps on a fixed batch.
import { AdamW, Module, Rng, backward, tensor } from '../engine/index.ts';
import type { Tensor } from '../engine/index.ts';
import { presets } from './presets.ts';
import type { ModelConfig } from './config.ts';
import type { VectorQuantizer } from './vq.ts';

export const tiny: ModelConfig = presets.tiny;
// tiny with the latent action model's motion features, covering the moving block's 4-pixel steps.
export const tinyWithMotion: ModelConfig = { ...tiny, lam: { ...tiny.lam, motion: { maxShiftX: 4, maxShiftY: 4 } } };
export const tinyReadingNext: ModelConfig = { ...tinyWithMotion, lam: { ...tinyWithMotion.lam, latentFrom: 'next' } };

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

// A 4x4 block on a grey 16x16 frame moves 4 pixels up, down, left or right at every step
// (the tiny preset's size): a clip whose transitions a latent action model can learn to tell apart.
export function movingBlock(batch: number, frames: number, seed: number) {
  const [H, W] = [16, 16];
  const moves = [[-4, 0], [4, 0], [0, -4], [0, 4]];
  const rng = new Rng(seed);
  const data = new Float32Array(batch * frames * H * W * 3).fill(0.2);
  for (let b = 0; b < batch; b++) {
    let [y, x] = [4 + 4 * rng.int(2), 4 + 4 * rng.int(2)];
    for (let t = 0; t < frames; t++) {
      for (let dy = 0; dy < 4; dy++) for (let dx = 0; dx < 4; dx++) data.fill(1, (((b * frames + t) * H + y + dy) * W + x + dx) * 3, (((b * frames + t) * H + y + dy) * W + x + dx + 1) * 3);
      const allowed = moves.filter(([my, mx]) => y + my >= 0 && y + my <= 12 && x + mx >= 0 && x + mx <= 12);
      const [my, mx] = allowed[rng.int(allowed.length)];
      [y, x] = [y + my, x + mx];
    }
  }
  return tensor(data, [batch, frames, H, W, 3]);
}

// Runs `steps` AdamW steps on `loss()`; returns the last loss value. With a quantiser, its dead codes are
// reset every `resetEvery` steps of its config, as the trainer does.
export function fit(module: Module, loss: (step: number) => Tensor, steps: number, lr: number, quantizer?: VectorQuantizer): number {
  const optimizer = new AdamW(module.namedParameters(), { lr, weightDecay: 0, beta2: 0.95 });
  let last = Infinity;
  for (let step = 0; step < steps; step++) {
    optimizer.zeroGrad();
    const value = loss(step);
    backward(value);
    optimizer.step();
    if (quantizer && (step + 1) % quantizer.config.resetEvery === 0) quantizer.resetDeadCodes(new Rng(step));
    last = value.item();
  }
  return last;
}

// Clips (B, T, H, W, C) whose frames are grids of P x P tiles drawn from a palette of `palette` random
// tiles: a position says nothing about its tile, so a tokenizer can only reconstruct them through its codes.
export function tiledClip(config: ModelConfig, batch: number, frames: number, palette: number, seed: number): Tensor {
  const { height, width, channels } = config.video;
  const patch = config.tokenizer.patch;
  const rng = new Rng(seed);
  const tiles = Array.from({ length: palette }, () => rng.fillUniform(new Float32Array(patch * patch * channels)));
  const data = new Float32Array(batch * frames * height * width * channels);
  for (let f = 0; f < batch * frames; f++) {
    for (let ty = 0; ty < height / patch; ty++) {
      for (let tx = 0; tx < width / patch; tx++) {
        const tile = tiles[rng.int(palette)];
        for (let y = 0; y < patch; y++) {
          const row = ((f * height + ty * patch + y) * width + tx * patch) * channels;
          data.set(tile.subarray(y * patch * channels, (y + 1) * patch * channels), row);
        }
      }
    }
  }
  return tensor(data, [batch, frames, height, width, channels]);
}

export function psnr(meanSquaredError: number): number {
  return -10 * Math.log10(meanSquaredError);
}

// Toy world: frame t+1 is frame t with every token shifted by (action + 1) mod V, so the next frame is a
// deterministic function of the action. Draw fresh clips for every step, so memorising clips cannot help.
export function shiftWorld(rng: Rng, batch: number, frames: number, tokensPerFrame: number, vocab: number, codes: Float32Array[]) {
  const N = tokensPerFrame;
  const Dz = codes[0].length;
  const tokens = new Int32Array(batch * frames * N);
  const actions = new Float32Array(batch * (frames - 1) * Dz);
  for (let b = 0; b < batch; b++) {
    for (let n = 0; n < N; n++) tokens[b * frames * N + n] = rng.int(vocab);
    for (let t = 1; t < frames; t++) {
      const action = rng.int(codes.length);
      actions.set(codes[action], (b * (frames - 1) + t - 1) * Dz);
      for (let n = 0; n < N; n++) tokens[(b * frames + t) * N + n] = (tokens[(b * frames + t - 1) * N + n] + action + 1) % vocab;
    }
  }
  return { tokens, actions: tensor(actions, [batch, frames - 1, Dz]) };
}
