// Generation with the dynamics model (Genie, Sec. 2.2 and Fig. 8): frames are made one at a time by MaskGIT
// iterative decoding (Chang et al. 2022): start from a fully masked frame; at each of S steps sample every
// masked token from softmax(logits / temperature), keep the most confident ones and leave the rest masked,
// following a cosine schedule, until none is left (paper: 25 steps; temperature 2 on Platformers, 1 on
// CoinRun; random sampling).
//
// Past frames never change, so each layer's temporal keys and values of the frames already made are cached
// (st-transformer.ts KVCache): a MaskGIT step runs the new frame's N tokens only, and of those it reads the
// logits of the tokens still masked only, so the last block and the output layer skip the others (a third
// of the tokens over the 25 steps, on average). The context window holds
// `video.frames` frames (paper: 16); once full it slides by `windowSlide` frames (config.ts), and the frames
// it keeps need new keys and values, because every later key depends, through the layers below, on the
// frames that left the window and on its position. Sliding by half the window recomputes 8 frames every 8
// frames instead of 15 every frame. For play (`fillAhead`), those 8 are computed as they arrive, into a
// second cache for the next window, so that no frame pays for the slide at once: at 4 MaskGIT steps the
// p95 frame took 63 ms this way against 110 ms computing them at the slide (median 44-51 ms). A slide
// shorter than half the window still computes the frames the window after the next already shares when it
// opens. The result equals the uncached forward pass over the window (sample.test.ts).
// The window is a function of the frame count alone, and the cache is always filled one frame at a time,
// so a frame made after an undo (truncate) is bit for bit the frame made live. Each MaskGIT step and each
// cache write runs in scratch memory (engine withScratchMemory): the cache copies what it keeps.
//
// Dimension keys: B batch, F frames held, N tokens per frame, K codes (id K: mask token), Dz action width.
import { noGrad, reshape, sampleRows, slice, withScratchMemory } from '../engine/index.ts';
import type { Rng, Tensor } from '../engine/index.ts';
import { tokensPerFrame, windowSlide } from './config.ts';
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
  private window: Window; // the context window frames are made in
  // With `fillAhead` (interactive play), the window after it, filled with the frames it shares with this
  // one as they arrive: twice the cache memory, and no frame computes a slide's frames at once. Without
  // (batch generation, where no single frame is waited for), null.
  private next: Window | null;
  private readonly slide: number;

  constructor(readonly dynamics: DynamicsModel, readonly batch: number, readonly fillAhead = false) {
    this.tokens = tokensPerFrame(dynamics.config.video, dynamics.config.tokenizer.patch);
    this.slide = windowSlide(dynamics.config);
    this.window = { start: 0, cache: dynamics.newCache() };
    this.next = this.openNext(0);
  }

  get length(): number {
    return this.frames.length;
  }

  get cacheBytes(): number {
    return this.window.cache.bytes + (this.next?.cache.bytes ?? 0);
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
    this.rebuild(this.windowFor(frames));
  }

  // Forgets every frame from `length` on (play's undo and branching).
  truncate(length: number): void {
    if (length < 1 || length > this.length) throw new Error(`generator: cannot truncate ${this.length} frames to ${length}`);
    this.frames.length = length;
    this.actions.length = length;
    this.rebuild(this.windowFor(length));
  }

  // Logits (B, 1, N, K) of the next frame given its current tokens (B, N) (mask id where unknown) and the
  // latent action (B, Dz) that leads to it; with `rows` (ascending, of b * N + n), those tokens' alone,
  // (M, K). Reads the cache, does not extend it.
  nextFrameLogits(frame: Int32Array, action: Tensor, rows?: Int32Array): Tensor {
    this.makeRoom();
    return noGrad(() => {
      const x = this.dynamics.embed(frame, [this.batch, 1, this.tokens], this.asFrameAction(action), this.length - this.window.start);
      return this.dynamics.logits(x, this.window.cache, false, rows);
    });
  }

  // MaskGIT decoding of the next frame under `action` (B, Dz); returns its tokens (B, N) without appending.
  generate(action: Tensor, options: MaskGITOptions): Int32Array {
    const { steps, temperature, rng } = options;
    const { batch, tokens } = this;
    const maskId = this.dynamics.maskToken;
    const frame = new Int32Array(batch * tokens).fill(maskId);
    for (let step = 0; step < steps; step++) {
      // Each step's tensors die with it; only `frame` (its tokens) carries over.
      withScratchMemory(() => {
        const masked = Int32Array.from(frame.keys()).filter((at) => frame[at] === maskId); // rows b * N + n still masked
        const logits = this.nextFrameLogits(frame, action, masked); // (M, K): the masked tokens' only
        const { ids, probabilities } = sampleRows(logits, Int32Array.from(masked.keys()), temperature, rng); // one draw per masked token
        const keepMasked = maskedAfterStep(tokens, step, steps);
        for (let b = 0; b < batch; b++) {
          // Clip b's draws; MaskGIT keeps those with the highest probability.
          const drawn = Array.from(masked.keys()).filter((i) => Math.floor(masked[i] / tokens) === b);
          drawn.sort((p, q) => probabilities[q] - probabilities[p] || masked[p] - masked[q]);
          for (const i of drawn.slice(0, Math.max(0, drawn.length - keepMasked))) frame[masked[i]] = ids[i];
        }
      });
    }
    return frame;
  }

  // Appends a frame (B, N) made under `action` (B, Dz), extending the caches by its keys and values.
  commit(frame: Int32Array, action: Tensor): void {
    this.requirePrompt();
    this.makeRoom();
    this.frames.push(frame.slice());
    this.actions.push(reshape(action, [this.batch, -1]));
    const t = this.length - 1;
    this.fill(this.window, t);
    if (this.next && t >= this.next.start) this.fill(this.next, t);
  }

  step(action: Tensor, options: MaskGITOptions): Int32Array {
    const frame = this.generate(action, options);
    this.commit(frame, action);
    return frame;
  }

  private asFrameAction(action: Tensor): Tensor {
    this.requirePrompt();
    return reshape(action, [this.batch, 1, -1]); // (B, 1, Dz)
  }

  private requirePrompt(): void {
    if (this.length === 0) throw new Error('generator: begin() with a prompt frame first');
  }

  // First frame of the window in which frame `index` is made: 0 until the window is full, then it moves
  // `slide` frames at a time, each time the frames since the last move fill it again.
  windowFor(index: number): number {
    const { contextFrames, slide } = this;
    return index < contextFrames ? 0 : slide * (Math.floor((index - contextFrames) / slide) + 1);
  }

  // The next frame's window: when it moved, the next window (filled already) takes over.
  private makeRoom(): void {
    const start = this.windowFor(this.length);
    if (start === this.window.start) return;
    this.window = this.next?.start === start ? this.next : this.openWindow(start);
    this.next = this.openNext(start);
  }

  // Both windows of the frame after the last, computed afresh (a new prompt, an undo).
  private rebuild(start: number): void {
    this.window = this.openWindow(start);
    this.next = this.openNext(start);
  }

  // The window after the one starting at `start`, when filling ahead.
  private openNext(start: number): Window | null {
    return this.fillAhead ? this.openWindow(this.windowFor(start + this.contextFrames)) : null;
  }

  // A window starting at frame `start`, holding the frames from there to the last.
  private openWindow(start: number): Window {
    const window = { start, cache: this.dynamics.newCache() };
    for (let t = start; t < this.length; t++) this.fill(window, t);
    return window;
  }

  // Appends frame t's keys and values to a window's cache, one frame at a time as generation appends them,
  // so that a window holds the same values however it was filled. Its first frame, at position 0, gets no
  // action, as the first frame of every training clip.
  private fill(window: Window, t: number): void {
    const { batch, tokens } = this;
    const action = t === window.start ? null : reshape(this.actions[t] as Tensor, [batch, 1, -1]); // (B, 1, Dz)
    withScratchMemory(() => {
      this.dynamics.transformer.forward(this.dynamics.embed(this.frames[t], [batch, 1, tokens], action, t - window.start), window.cache, true);
    });
  }
}

// A context window: its first frame, and the cache of the frames it holds.
interface Window {
  start: number;
  cache: KVCache;
}
