// What `genie eval` needs from a world: the three trained models seen through a handful of batched calls
// on pixel videos. load-world.ts builds one from a world folder's checkpoints; tests build small fakes
// (for example a world whose dynamics ignores its actions, to prove Delta_t PSNR can come out ~0).
//
// Dimension keys: B clips in a batch, T frames, H x W x C pixels, N tokens per frame, Dz code width.

import type { Precision } from '../engine/index.ts';
import type { ImageFrame } from './metrics/index.ts';

// Frames in [0, 1], (B, T, H, W, C) row-major with channels interleaved: the layout of the models'
// input tensors, so a batch goes to a model without copying.
export interface VideoBatch {
  data: Float32Array;
  batch: number;
  frames: number;
  height: number;
  width: number;
  channels: number;
}

export interface GenerateRequest {
  prompt: VideoBatch; // (B, 1): the frame the rollout starts from
  // (B, n) latent actions: actions[b * n + t] drives the transition from frame t to frame t+1 (frame 0 is
  // the prompt), i.e. the first action produces the first generated frame.
  actions: Int32Array;
  // (B, n) true frames. When given, generation is teacher-forced: each generated frame is scored but the
  // TRUE frame takes its place in the context for the next step (the upper bound of a rollout).
  teacherFrames?: VideoBatch;
  maskgitSteps: number;
  temperature: number;
  // Sampling randomness comes from this seed only, and generated frame t draws from a stream fixed by
  // (seed, t, clip b): not by the actions, nor by how many frames follow. Two rollouts of one batch with
  // the same seed then differ only through their actions and context (common random numbers).
  seed: number;
}

export interface ActionInference {
  actions: Int32Array; // (B, T-1): the latent action of transition t -> t+1, from frames 0..t+1
  predicted: VideoBatch; // (B, T-1): the LAM decoder's x_{t+1} from frames 0..t and that action
}

export interface CheckpointFile {
  component: string; // 'tokenizer' | 'lam' | 'dynamics' | ...
  path: string;
  sha256: string;
  bytes: number;
}

export interface EvalWorld {
  readonly name: string;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
  readonly contextFrames: number; // the LAM's and dynamics model's window (paper: 16)
  readonly tokenizerFrames: number; // the windows the tokenizer was trained on; it encodes longer videos in chunks of this
  readonly numActions: number; // |A|
  readonly defaults: { maskgitSteps: number; temperature: number };
  readonly precision: Precision; // of the models' products (engine/precision.ts)
  readonly config: unknown; // the resolved model config, written into report.json as is
  readonly checkpoints: readonly CheckpointFile[];
  readonly embeddingDim: number; // Dz of the tokenizer's latent vectors

  // Tokenizer round trip: encode, quantise, decode. (B, T) -> (B, T).
  reconstruct(video: VideoBatch): VideoBatch;
  // The tokenizer's latent vector of every token, (B, T, N, Dz): the unit-length code vectors it chose.
  encoderEmbeddings(video: VideoBatch): Float32Array;
  inferActions(video: VideoBatch): ActionInference;
  // The same actions (B, T-1) without decoding the frames (the LAM encoder alone): for labelling.
  latentActions(video: VideoBatch): Int32Array;
  generate(request: GenerateRequest): VideoBatch; // (B, n)
}

export function videoBatch(data: Float32Array, batch: number, frames: number, height: number, width: number, channels: number): VideoBatch {
  const expected = batch * frames * height * width * channels;
  if (data.length !== expected) {
    throw new Error(`video batch: ${data.length} values but (${batch}, ${frames}, ${height}, ${width}, ${channels}) needs ${expected}`);
  }
  return { data, batch, frames, height, width, channels };
}

export function frameSize(video: Pick<VideoBatch, 'height' | 'width' | 'channels'>): number {
  return video.height * video.width * video.channels;
}

// The pixels of clip b, frame t, as a view (no copy).
export function frameOf(video: VideoBatch, b: number, t: number): Float32Array {
  const size = frameSize(video);
  const start = (b * video.frames + t) * size;
  return video.data.subarray(start, start + size);
}

// Clip b, frame t as the metrics' and figures' ImageFrame (a view; data range 1).
export function imageFrame(video: VideoBatch, b: number, t: number): ImageFrame {
  return { data: frameOf(video, b, t), height: video.height, width: video.width, channels: video.channels };
}

export function imageFrames(video: VideoBatch, b: number): ImageFrame[] {
  return Array.from({ length: video.frames }, (_, t) => imageFrame(video, b, t));
}

// Frames [start, end) of every clip, copied into a new batch.
export function sliceFrames(video: VideoBatch, start: number, end: number): VideoBatch {
  if (!(0 <= start && start < end && end <= video.frames)) throw new Error(`sliceFrames: [${start}, ${end}) is not inside 0..${video.frames}`);
  const size = frameSize(video);
  const frames = end - start;
  const data = new Float32Array(video.batch * frames * size);
  for (let b = 0; b < video.batch; b++) {
    data.set(video.data.subarray((b * video.frames + start) * size, (b * video.frames + end) * size), b * frames * size);
  }
  return { ...video, data, frames };
}

// Batches of the same clips joined along time: (B, T1), (B, T2), ... -> (B, T1 + T2 + ...).
export function joinFrames(pieces: readonly VideoBatch[]): VideoBatch {
  const first = pieces[0];
  if (pieces.some((p) => p.batch !== first.batch || frameSize(p) !== frameSize(first))) throw new Error('joinFrames: the pieces differ in clips or frame size');
  const frames = pieces.reduce((n, p) => n + p.frames, 0);
  const size = frameSize(first);
  const data = new Float32Array(first.batch * frames * size);
  for (let b = 0; b < first.batch; b++) {
    let at = b * frames * size;
    for (const p of pieces) {
      data.set(p.data.subarray(b * p.frames * size, (b + 1) * p.frames * size), at);
      at += p.frames * size;
    }
  }
  return { ...first, data, frames };
}

// Clips [first, first + count) of a batch, copied.
export function selectClips(video: VideoBatch, first: number, count: number): VideoBatch {
  if (!(0 <= first && count > 0 && first + count <= video.batch)) throw new Error(`selectClips: clips [${first}, ${first + count}) are not inside 0..${video.batch}`);
  const size = video.frames * frameSize(video);
  return { ...video, batch: count, data: video.data.slice(first * size, (first + count) * size) };
}

// Checks a world's output has the shape the caller asked for, naming the call.
export function assertVideoShape(video: VideoBatch, batch: number, frames: number, like: Pick<VideoBatch, 'height' | 'width' | 'channels'>, what: string): void {
  const ok =
    video.batch === batch && video.frames === frames && video.height === like.height && video.width === like.width &&
    video.channels === like.channels && video.data.length === batch * frames * frameSize(like);
  if (!ok) {
    throw new Error(
      `${what}: returned (${video.batch}, ${video.frames}, ${video.height}, ${video.width}, ${video.channels}) with ${video.data.length} values, ` +
        `expected (${batch}, ${frames}, ${like.height}, ${like.width}, ${like.channels})`,
    );
  }
}
