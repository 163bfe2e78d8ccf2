// Latent action model (LAM) of Genie (Bruce et al. 2024, Sec. 2.1 "Latent Action Model", Fig. 5): learns
// what happened between frames, unsupervised, as one of |A| discrete actions. It reads PIXELS (the paper's
// ablation, Table 2: pixel input is more controllable than token input), in [0, 1].
//   encoder: x_1..x_T through a causal ST-transformer; the latent of transition t -> t+1 is read from the
//            features of frames t and t+1 (all their tokens, flattened; config `latentFrom: 'next'`: of frame
//            t+1 alone), so it has seen x_1..x_{t+1} and nothing later; quantised to |A| codes;
//   decoder: x_1..x_{T-1}, each frame's tokens plus the ADDED embedding of the action that follows it ->
//            the change x_{t+1} - x_t, added to x_t. It has only the past and the action, so the action must
//            carry the change.
// The paper's decoder ends in a sigmoid that draws x_{t+1} afresh. Measured on coinrun-sticky (LAM alone,
// cpu preset, 120 train clips, batch 6 x 16 frames): that decoder's test error stayed above copying x_t
// (0.0074 vs 0.0064 at step 400) and its codes collapsed to one at step 300; predicting the change beat
// copying by step 300 (0.00643 vs 0.00645) and kept all 8 codes in use (each >= 4.7%) with twice the NMI
// against the true keys (0.12 vs 0.05). Neither decoder yet did better with its inferred codes than with
// random ones after 300-400 steps.
// Motion features (config `lam.motion`, off unless set; motion.ts): at the scale of a CPU these decoders did
// not learn to draw a 2-pixel scroll even when given the true keys, so the codes had nothing to say about
// the keys. With motion features the encoder's tokens also get the cost volume of each patch against the
// shifted previous frame, and the decoder draws each patch of x_{t+1} as a learned mixture of x_t's patch
// under every shift (CDNA's transformation kernels, Finn et al. 2016) plus the change. Measured in a LAM
// alone trained 300 steps on random play of the platformer (src/bc/README.md): its codes carry 0.29 NMI of
// an expert's keys against 0.016 for the plain LAM of the sixth measured world.
// At play time only the action codebook is kept: dynamics.ts is conditioned on its unit code vectors.
//
// Guards, both measured on a moving-block toy (lam.test.ts) and, for collapse, on CoinRun:
// - collapse to one code: plain VQ collapsed within 50 steps on CoinRun; the quantiser's batch-entropy term
//   and rare-code reset (config.lam.quantizer) kept all 8 in use (cpu-feasibility.md);
// - an encoder blind to motion, so that the decoder learns to ignore actions: reading the latent from one
//   pooled "action token" gave latents that barely depended on where things moved (attention starts out
//   uniform, and a moved object leaves a frame's mean unchanged); the flattened pair of frames sees the
//   motion from the first step. The action embedding starts at full scale for the same reason.
// - `forward(frames, actions)` decodes with chosen actions, so training and evaluation can measure how much
//   the inferred actions beat random ones (a decoder that ignores actions scores the same with both).
//
// Dimension keys: B batch, T frames, H x W x C pixels, P patch, N = (H/P)(W/P) tokens per frame, D width,
// Dz code width, A actions.
import { Linear, Module, add, concat, matmul, mse, reshape, slice, softmax, tensor } from '../engine/index.ts';
import type { Rng, Tensor } from '../engine/index.ts';
import { tokensPerFrame, type ModelConfig } from './config.ts';
import { costVolume, shiftGrid, shiftedPatches, type FrameShape, type Shift } from './motion.ts';
import { patchify, unpatchify } from './patch.ts';
import { PositionEmbedding, STTransformer } from './st-transformer.ts';
import { VectorQuantizer, type QuantizerOutput } from './vq.ts';

export interface LatentActionOutput {
  actions: Int32Array; // (B, T-1): the code of each transition t -> t+1
  latents: Tensor; // (B, T-1, Dz): their unit code vectors (straight-through), what the dynamics model sees
  prediction: Tensor; // (B, T-1, H, W, C): predicted frames 2..T
  reconstructionLoss: Tensor;
  quantizer: QuantizerOutput; // codebook, commitment and batch-entropy terms, code usage
  loss: Tensor; // reconstructionLoss + quantizer.loss
}

// Parameter names are the checkpoint's keys, hence snake_case.
export class LatentActionModel extends Module {
  patch_embed: Linear;
  encoder_positions: PositionEmbedding;
  encoder: STTransformer;
  to_latent: Linear;
  quantizer: VectorQuantizer;
  decoder_patch_embed: Linear;
  decoder_positions: PositionEmbedding;
  action_embed: Linear;
  decoder: STTransformer;
  to_pixels: Linear;
  // Motion features, null without config.lam.motion:
  cost_embed: Linear | null; // the cost volume of each patch (K shifts) -> encoder width
  shift_logits: Linear | null; // decoder features -> the weights of the K shifted copies of x_t
  private readonly shifts: readonly Shift[];

  constructor(readonly config: ModelConfig, rng: Rng) {
    super();
    const { video, lam } = config;
    const { encoder, decoder, quantizer, patch } = lam;
    const pixels = patch * patch * video.channels;
    const tokens = tokensPerFrame(video, patch);
    // Layers in and out of the transformers keep PyTorch's default init (std 0.02 made the tokenizer underfit).
    this.patch_embed = new Linear(pixels, encoder.width, rng);
    this.encoder_positions = new PositionEmbedding(tokens, video.frames, encoder.width, rng);
    this.encoder = new STTransformer(encoder, rng);
    const latentFrames = lam.latentFrom === 'next' ? 1 : 2;
    this.to_latent = new Linear(latentFrames * tokens * encoder.width, quantizer.latentDim, rng);
    this.quantizer = new VectorQuantizer(quantizer, rng);
    this.decoder_patch_embed = new Linear(pixels, decoder.width, rng);
    this.decoder_positions = new PositionEmbedding(tokens, video.frames, decoder.width, rng);
    this.action_embed = new Linear(quantizer.latentDim, decoder.width, rng); // PyTorch's default scale, not 0.02: see the header
    this.decoder = new STTransformer(decoder, rng);
    this.to_pixels = new Linear(decoder.width, pixels, rng, { std: 0.02 }); // small: training starts from copying x_t
    this.shifts = lam.motion ? shiftGrid(lam.motion.maxShiftX, lam.motion.maxShiftY) : [];
    this.cost_embed = lam.motion ? new Linear(this.shifts.length, encoder.width, rng) : null;
    this.shift_logits = lam.motion ? new Linear(decoder.width, this.shifts.length, rng, { std: 0.02 }) : null;
    if (this.shift_logits?.bias) {
      // The unshifted copy starts with weight e^4 / (e^4 + K - 1): near copying x_t, as without motion features.
      this.shift_logits.bias.data[this.shifts.findIndex((s) => s.dy === 0 && s.dx === 0)] = 4;
    }
  }

  private frameShape(frames: Tensor): FrameShape {
    const [batch, time, height, width, channels] = frames.shape;
    return { frames: batch * time, height, width, channels };
  }

  // frames (B, T, H, W, C) -> the continuous latents of the T-1 transitions, before quantisation (B, T-1, Dz).
  continuousLatents(frames: Tensor): Tensor {
    const [batch, time] = frames.shape;
    const { patch } = this.config.lam;
    let x = this.patch_embed.forward(patchify(frames, patch)); // (B, T, N, D)
    if (this.cost_embed) {
      const volume = costVolume(frames.data, this.frameShape(frames), time, patch, this.shifts); // (B*T*N*K)
      x = add(x, this.cost_embed.forward(tensor(volume, [...x.shape.slice(0, 3), this.shifts.length])));
    }
    const h = this.encoder.forward(this.encoder_positions.forward(x)); // (B, T, N, D)
    const perFrame = reshape(h, [batch, time, -1]); // (B, T, N*D)
    const next = slice(perFrame, 1, 1, time); // (B, T-1, N*D)
    if (this.config.lam.latentFrom === 'next') return this.to_latent.forward(next); // (B, T-1, Dz)
    return this.to_latent.forward(concat([slice(perFrame, 1, 0, time - 1), next], 2)); // from (B, T-1, 2*N*D)
  }

  // frames (B, T, H, W, C) -> quantised latent actions of the T-1 transitions, output (B, T-1, Dz).
  encodeActions(frames: Tensor): QuantizerOutput {
    return this.quantizer.forward(this.continuousLatents(frames));
  }

  // frames (B, T, H, W, C) and latents (B, T-1, Dz) -> predicted frames 2..T, (B, T-1, H, W, C), not clamped
  // to [0, 1] (clamping would stop the gradient where a prediction overshoots).
  predict(frames: Tensor, latents: Tensor): Tensor {
    const [batch, time, height, width] = frames.shape;
    const past = slice(frames, 1, 0, time - 1); // x_1..x_{T-1}, (B, T-1, H, W, C)
    const x = this.decoder_positions.forward(this.decoder_patch_embed.forward(patchify(past, this.config.lam.patch))); // (B, T-1, N, D)
    const action = reshape(this.action_embed.forward(latents), [batch, time - 1, 1, x.shape[3]]); // (B, T-1, 1, D)
    const h = this.decoder.forward(add(x, action)); // (B, T-1, N, D)
    const change = this.to_pixels.forward(h); // (B, T-1, N, P*P*C)
    const { patch } = this.config.lam;
    if (!this.shift_logits) return add(past, unpatchify(change, patch, height, width));
    // x_{t+1} = sum over shifts of weight x (x_t shifted) + change, patch by patch.
    const [, , tokens, pixels] = change.shape;
    const rows = batch * (time - 1) * tokens;
    const weights = reshape(softmax(this.shift_logits.forward(h)), [rows, 1, this.shifts.length]); // (R, 1, K)
    const copies = tensor(shiftedPatches(past.data, this.frameShape(past), patch, this.shifts), [rows, this.shifts.length, pixels]); // (R, K, P*P*C)
    const moved = reshape(matmul(weights, copies), change.shape); // (B, T-1, N, P*P*C)
    return unpatchify(add(moved, change), patch, height, width);
  }

  // With `actions` (B, T-1), the decoder is given those codes instead of the inferred ones (the quantiser
  // still reports the inferred codes and losses): the check that the decoder does not ignore actions.
  forward(frames: Tensor, actions?: Int32Array): LatentActionOutput {
    if (frames.shape.length !== 5 || frames.shape[1] < 2) {
      throw new Error(`latent action model: frames (${frames.shape.join(', ')}) must be (B, T >= 2, H, W, C)`);
    }
    const quantizer = this.encodeActions(frames);
    const [batch, time] = frames.shape;
    const latents = actions ? this.quantizer.lookup(actions, [batch, time - 1]) : quantizer.output;
    const prediction = this.predict(frames, latents);
    const reconstructionLoss = mse(prediction, slice(frames, 1, 1, time));
    return {
      actions: quantizer.indices,
      latents: quantizer.output,
      prediction,
      reconstructionLoss,
      quantizer,
      loss: add(reconstructionLoss, quantizer.loss),
    };
  }

  // Unit vectors of the A actions (A, Dz): all that play needs from this model.
  actionCodes(): Tensor {
    return this.quantizer.normalizedCodes();
  }
}
