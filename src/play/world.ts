import type { Precision } from '../engine/index.ts';

// What the play server needs from a world: encode a prompt frame, then generate one frame per action.
// src/play/load-world.ts builds this from a world folder's checkpoints; tests may build it from a tiny model.

/** An RGB frame, row-major, 3 bytes a pixel. */
export interface Frame {
  width: number;
  height: number;
  rgb: Uint8Array; // (H, W, 3)
}

export interface SampleOptions {
  temperature: number;
  maskgitSteps: number;
  seed: number; // the frame's own seed: the same (seed, context, action) always gives the same frame
}

/** Keyboard keys mapped to latent actions, computed once per world from labelled test actions. */
export interface KeyMap {
  [key: string]: { action: number; label: string };
}

export interface PlayableWorld {
  readonly name: string;
  readonly precision: Precision; // of the models' products (engine/precision.ts)
  readonly width: number;
  readonly height: number;
  readonly numActions: number;
  readonly keyMap: KeyMap;
  readonly examples: Frame[];
  readonly defaults: { temperature: number; maskgitSteps: number };
  /** Starts a rollout whose first frame is the prompt (already at the world's resolution). */
  begin(prompt: Frame): Rollout;
}

/** One branch of play: frames so far, the next frame generated on demand. */
export interface Rollout {
  readonly length: number; // frames so far, the prompt included
  frame(index: number): Frame;
  /** Generates the next frame under an action and appends it. */
  step(action: number, options: SampleOptions): Frame;
  /** What the next frame would be under an action, without appending it (the action legend). */
  peek(action: number, options: SampleOptions): Frame;
  /** Drops every frame from `length` on, so play can branch from an earlier frame. */
  truncate(length: number): void;
  /** Bytes held (frames, tokens, caches), for per-session memory accounting. */
  readonly bytes: number;
}
