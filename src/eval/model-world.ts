// An EvalWorld made of the three trained models: the video tokenizer, the latent action model and the
// dynamics model with its KV-cached MaskGIT generator. Batched throughout: one call handles B clips.
//
// Windows. The tokenizer learned from short windows (train.tokenizer.frames) and its temporal positions
// beyond them were never trained, so frames are tokenized and decoded in consecutive chunks of that length,
// as training did. The LAM and the dynamics model see at most the context window (model.video.frames);
// the generator slides its window by itself.
import { type Precision, Rng, inference, noGrad, tensor, type Tensor } from '../engine/index.ts';
import { tokensPerFrame } from '../models/index.ts';
import { FrameGenerator } from '../models/sample.ts';
import type { RunConfig } from '../train/index.ts';
import type { WorldModels } from '../world/world-folder.ts';
import { joinFrames, sliceFrames, videoBatch, type CheckpointFile, type EvalWorld, type GenerateRequest, type VideoBatch } from './eval-world.ts';

// `precision` bf16 runs the models' products in bfloat16 (engine/precision.ts).
export function modelWorld(models: WorldModels, config: RunConfig, provenance: { name: string; checkpoints: CheckpointFile[] }, precision: Precision = 'fp32'): EvalWorld {
  const { tokenizer, lam, dynamics } = models;
  for (const model of [tokenizer, lam, dynamics]) model.eval(); // no code-usage bookkeeping, no dropout
  const { video } = config.model;
  const chunk = config.train.tokenizer.frames;
  const tokens = tokensPerFrame(video, config.model.tokenizer.patch);
  const codes = noGrad(() => lam.actionCodes()); // (A, Dz) unit vectors: what the dynamics model was trained on
  const latentDim = codes.shape[1];

  const asTensor = (v: VideoBatch) => tensor(v.data, [v.batch, v.frames, v.height, v.width, v.channels]);
  const asVideo = (t: Tensor) => videoBatch(t.data, t.shape[0], t.shape[1], t.shape[2], t.shape[3], t.shape[4]);
  // Runs `perChunk` on consecutive chunks of at most `size` frames and joins the outputs along time.
  const inChunks = (v: VideoBatch, size: number, perChunk: (piece: VideoBatch) => VideoBatch): VideoBatch => {
    const pieces: VideoBatch[] = [];
    for (let start = 0; start < v.frames; start += size) pieces.push(perChunk(sliceFrames(v, start, Math.min(v.frames, start + size))));
    return joinFrames(pieces);
  };
  // (B, Dz) action vectors of the latent actions in column t of (B, n) ids.
  const actionVectors = (ids: Int32Array, batch: number, n: number, t: number): Tensor => {
    const data = new Float32Array(batch * latentDim);
    for (let b = 0; b < batch; b++) {
      const a = ids[b * n + t];
      data.set(codes.data.subarray(a * latentDim, (a + 1) * latentDim), b * latentDim);
    }
    return tensor(data, [batch, latentDim]);
  };

  return {
    name: provenance.name,
    height: video.height,
    width: video.width,
    channels: video.channels,
    contextFrames: video.frames,
    tokenizerFrames: chunk,
    numActions: codes.shape[0],
    defaults: { maskgitSteps: config.model.dynamics.maskgitSteps, temperature: config.model.dynamics.temperature },
    precision,
    config,
    checkpoints: provenance.checkpoints,
    embeddingDim: config.model.tokenizer.quantizer.latentDim,

    reconstruct: (v) => inChunks(v, chunk, (piece) => inference(precision, () => asVideo(tokenizer.decodeLatents(tokenizer.encode(asTensor(piece)).output)))),

    encoderEmbeddings(v) {
      const pieces = inChunks(v, chunk, (piece) => {
        const latents = inference(precision, () => tokenizer.encode(asTensor(piece)).output); // (B, T, N, Dz)
        // Carried in a VideoBatch whose "pixels" are the N x Dz latents of each frame, to reuse the chunking.
        return videoBatch(latents.data, piece.batch, piece.frames, tokens, latents.shape[3], 1);
      });
      return pieces.data;
    },

    latentActions: (v) => inference(precision, () => lam.encodeActions(asTensor(v)).indices),

    inferActions(v) {
      const out = inference(precision, () => lam.forward(asTensor(v)));
      const predicted = asVideo(out.prediction);
      for (let i = 0; i < predicted.data.length; i++) predicted.data[i] = Math.min(1, Math.max(0, predicted.data[i])); // the LAM's x_t + change may overshoot
      return { actions: out.actions, predicted };
    },

    generate: (request: GenerateRequest) => inference(precision, () => generate(request)),
  };

  // B rollouts from one prompt frame each: MaskGIT frame by frame, then decoded.
  function generate(request: GenerateRequest): VideoBatch {
    const { prompt, actions, teacherFrames } = request;
    if (prompt.frames !== 1) throw new Error(`generate: the eval worlds start from one prompt frame, got ${prompt.frames}`);
    const B = prompt.batch;
    const n = actions.length / B;
    // Tokens of the prompt and, when teacher-forcing, of the true frames after it: (B, 1 + n, N) or (B, 1, N).
    const trueTokens = tokenizer.tokenizeInWindows(asTensor(teacherFrames ? joinFrames([prompt, teacherFrames]) : prompt), chunk);
    const trueFrames = teacherFrames ? 1 + n : 1;
    const generator = new FrameGenerator(dynamics, B);
    generator.begin(framesOfTokens(trueTokens, B, trueFrames, tokens, 0, 1), 1);
    const all = new Int32Array(B * (1 + n) * tokens); // (B, 1 + n, N): the prompt's tokens, then the generated ones
    for (let b = 0; b < B; b++) all.set(trueTokens.subarray(b * trueFrames * tokens, (b * trueFrames + 1) * tokens), b * (1 + n) * tokens);
    for (let t = 0; t < n; t++) {
      const action = actionVectors(actions, B, n, t);
      // Frame t's randomness depends on (seed, t) only: the GenerateRequest contract.
      const frame = generator.generate(action, { steps: request.maskgitSteps, temperature: request.temperature, rng: new Rng(frameSeed(request.seed, t)) });
      for (let b = 0; b < B; b++) all.set(frame.subarray(b * tokens, (b + 1) * tokens), (b * (1 + n) + 1 + t) * tokens);
      // Teacher forcing: the TRUE frame, not the generated one, joins the context.
      generator.commit(teacherFrames ? framesOfTokens(trueTokens, B, trueFrames, tokens, 1 + t, 2 + t) : frame, action);
    }
    // Decoded in the tokenizer's windows from the prompt on, as training decoded clips.
    return sliceFrames(asVideo(tokenizer.decodeInWindows(all, [B, 1 + n, tokens], chunk)), 1, 1 + n);
  }
}

// A seed per generated frame, from the request's seed and the frame's index.
function frameSeed(seed: number, t: number): number {
  return (Math.imul(seed ^ 0x27d4eb2f, 0x165667b1) + Math.imul(t + 1, 0x9e3779b1)) >>> 0;
}

// Frames [start, end) of (B, T, N) tokens as (B, end - start, N).
function framesOfTokens(ids: Int32Array, batch: number, frames: number, tokens: number, start: number, end: number): Int32Array {
  const out = new Int32Array(batch * (end - start) * tokens);
  for (let b = 0; b < batch; b++) out.set(ids.subarray((b * frames + start) * tokens, (b * frames + end) * tokens), b * (end - start) * tokens);
  return out;
}
