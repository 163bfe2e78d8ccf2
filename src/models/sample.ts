// Generation with the dynamics model (Genie, Sec. 2.2 and Fig. 8): frames are made one at a time by MaskGIT
// iterative decoding (Chang et al. 2022): start from a fully masked frame; at each of S steps sample every
// masked token from softmax(logits / temperature), keep the most confident ones and leave the rest masked,
// following a cosine schedule, until none is left (paper: 25 steps; temperature 2 on Platformers, 1 on
// CoinRun; random sampling).
//
// Past frames never change, so each layer's temporal keys and values of the frames already made are cached
// (st-transformer.ts KVCache): a MaskGIT step runs the new frame's N tokens only. The context window holds
// `video.frames` frames (paper: 16); once full it slides, and the cache is rebuilt for the remaining frames
// because every later key depends, through the layers below, on the frame that left the window and on its
// position. The result equals the uncached forward pass over the window (sample.test.ts).
//
// Dimension keys: B batch, F frames held, N tokens per frame, K codes (id K: mask token), Dz action width.
import { concat, noGrad, reshape, slice } from '../engine/index.ts';
import type { Rng, Tensor } from '../engine/index.ts';
import { tokensPerFrame } from './config.ts';
import type { DynamicsModel } from './dynamics.ts';
import type { KVCache } from './st-transformer.ts';

export interface MaskGITOptions {
  steps: number;
  temperature: number; // 0: always the most likely code
  rng: Rng;
}

// Tokens still masked after step `step` (0-based) of `steps`: N cos(pi/2 (step+1)/steps), 0 after the last.
export function maskedAfterStep(tokens: number, step: number, steps: number): number {
  return Math.floor(tokens * Math.cos((Math.PI / 2) * ((step + 1) / steps)));
}

export class FrameGenerator {
  readonly tokens: number; // N
  private frames: Int32Array[] = []; // tokens of every frame so far, each (B, N)
  private actions: (Tensor | null)[] = []; // latent action that produced each frame, (B, Dz); null for the first
  private windowStart = 0; // first frame in the context window (and in the cache)
  private cache: KVCache;

  constructor(readonly dynamics: DynamicsModel, readonly batch: number) {
    this.tokens = tokensPerFrame(dynamics.config.video, dynamics.config.tokenizer.patch);
    this.cache = dynamics.newCache();
  }

  get length(): number {
    return this.frames.length;
  }

  get contextFrames(): number {
    return this.dynamics.config.video.frames;
  }

  frame(index: number): Int32Array {
    return this.frames[index];
  }

  // Starts from prompt tokens (B, T, N) and the latent actions (B, T-1, Dz) between the prompt's frames.
  begin(tokens: Int32Array, frames: number, actions: Tensor | null = null): void {
    const size = this.batch * this.tokens;
    if (tokens.length !== frames * size || frames < 1) throw new Error(`generator: prompt of ${tokens.length} tokens is not ${frames} >= 1 frames of (${this.batch}, ${this.tokens})`);
    if (frames > 1 && (!actions || actions.shape[0] !== this.batch || actions.shape[1] !== frames - 1)) {
      throw new Error(`generator: a prompt of ${frames} frames needs actions (${this.batch}, ${frames - 1}, Dz) between them`);
    }
    this.frames = [];
    this.actions = [];
    for (let t = 0; t < frames; t++) {
      const frame = new Int32Array(size);
      for (let b = 0; b < this.batch; b++) frame.set(tokens.subarray((b * frames + t) * this.tokens, (b * frames + t + 1) * this.tokens), b * this.tokens);
      this.frames.push(frame);
      this.actions.push(t === 0 || !actions ? null : reshape(slice(actions, 1, t - 1, t), [this.batch, -1]));
    }
    this.windowStart = Math.max(0, frames - this.contextFrames);
    this.rebuild();
  }

  // Forgets every frame from `length` on (play's undo and branching).
  truncate(length: number): void {
    if (length < 1 || length > this.length) throw new Error(`generator: cannot truncate ${this.length} frames to ${length}`);
    this.frames.length = length;
    this.actions.length = length;
    this.windowStart = Math.max(0, length - this.contextFrames);
    this.rebuild();
  }

  // Logits (B, 1, N, K) of the next frame given its current tokens (B, N) (mask id where unknown) and the
  // latent action (B, Dz) that leads to it. Reads the cache, does not extend it.
  nextFrameLogits(frame: Int32Array, action: Tensor): Tensor {
    this.makeRoom();
    return noGrad(() => {
      const x = this.dynamics.embed(frame, [this.batch, 1, this.tokens], this.asFrameAction(action), this.length - this.windowStart);
      return this.dynamics.logits(x, this.cache, false);
    });
  }

  // MaskGIT decoding of the next frame under `action` (B, Dz); returns its tokens (B, N) without appending.
  generate(action: Tensor, options: MaskGITOptions): Int32Array {
    const { steps, temperature, rng } = options;
    const { batch, tokens } = this;
    const maskId = this.dynamics.maskToken;
    const frame = new Int32Array(batch * tokens).fill(maskId);
    const probabilities = new Float64Array(maskId);
    for (let step = 0; step < steps; step++) {
      const logits = this.nextFrameLogits(frame, action).data; // (B, 1, N, K)
      const keepMasked = maskedAfterStep(tokens, step, steps);
      for (let b = 0; b < batch; b++) {
        const drawn: { n: number; id: number; confidence: number }[] = [];
        for (let n = 0; n < tokens; n++) {
          const at = b * tokens + n;
          if (frame[at] !== maskId) continue;
          const row = logits.subarray(at * maskId, (at + 1) * maskId);
          drawn.push({ n, ...sampleCode(row, temperature, rng, probabilities) });
        }
        drawn.sort((p, q) => q.confidence - p.confidence || p.n - q.n);
        for (const { n, id } of drawn.slice(0, Math.max(0, drawn.length - keepMasked))) frame[b * tokens + n] = id;
      }
    }
    return frame;
  }

  // Appends a frame (B, N) made under `action` (B, Dz), extending the cache by its keys and values.
  commit(frame: Int32Array, action: Tensor): void {
    this.makeRoom();
    noGrad(() => {
      const x = this.dynamics.embed(frame, [this.batch, 1, this.tokens], this.asFrameAction(action), this.length - this.windowStart);
      this.dynamics.transformer.forward(x, this.cache, true);
    });
    this.frames.push(frame.slice());
    this.actions.push(reshape(action, [this.batch, -1]));
  }

  step(action: Tensor, options: MaskGITOptions): Int32Array {
    const frame = this.generate(action, options);
    this.commit(frame, action);
    return frame;
  }

  private asFrameAction(action: Tensor): Tensor {
    if (this.length === 0) throw new Error('generator: begin() with a prompt frame first');
    return reshape(action, [this.batch, 1, -1]); // (B, 1, Dz)
  }

  // A new frame needs a slot in the window: once it is full, drop the oldest frame and rebuild the cache.
  private makeRoom(): void {
    if (this.length - this.windowStart < this.contextFrames) return;
    this.windowStart = this.length - this.contextFrames + 1;
    this.rebuild();
  }

  // Recomputes the cache from the frames in the window; the first of them, at position 0, gets no action,
  // as the first frame of every training clip.
  private rebuild(): void {
    const held = this.frames.slice(this.windowStart);
    const { batch, tokens } = this;
    const clip = new Int32Array(batch * held.length * tokens); // (B, F, N)
    held.forEach((frame, t) => {
      for (let b = 0; b < batch; b++) clip.set(frame.subarray(b * tokens, (b + 1) * tokens), (b * held.length + t) * tokens);
    });
    const acted = this.actions.slice(this.windowStart + 1) as Tensor[];
    this.cache = this.dynamics.newCache();
    noGrad(() => {
      const actions = acted.length ? concat(acted.map((a) => reshape(a, [batch, 1, -1])), 1) : null; // (B, F-1, Dz)
      this.dynamics.transformer.forward(this.dynamics.embed(clip, [batch, held.length, tokens], actions), this.cache, true);
    });
  }
}

// One code from a row of logits: random with temperature (0: the most likely), and its probability, by which
// MaskGIT ranks the tokens it keeps.
function sampleCode(row: Float32Array, temperature: number, rng: Rng, probabilities: Float64Array): { id: number; confidence: number } {
  const scale = temperature > 0 ? 1 / temperature : 1;
  let best = 0;
  for (let k = 1; k < row.length; k++) if (row[k] > row[best]) best = k;
  let total = 0;
  for (let k = 0; k < row.length; k++) total += probabilities[k] = Math.exp((row[k] - row[best]) * scale);
  const id = temperature > 0 ? rng.categorical(probabilities) : best;
  return { id, confidence: probabilities[id] / total };
}
