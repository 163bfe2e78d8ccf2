// Dynamics model of Genie (Bruce et al. 2024, Sec. 2.1 "Dynamics Model", Fig. 7): a decoder-only MaskGIT
// (Chang et al. 2022) over an ST-transformer on the tokenizer's tokens. Training masks tokens of frames
// 2..T with a Bernoulli rate drawn from U[0.5, 1] and scores the masked ones with cross-entropy; frame 1 is
// always visible. Latent actions from the LAM enter as ADDITIVE embeddings on the frame tokens (the paper:
// more controllable than concatenation), behind a stop-gradient so the dynamics loss does not train the LAM.
//
// ALIGNMENT. The logits at frame p predict frame p's own masked tokens (MaskGIT), so frame p must carry the
// action of the transition that PRODUCED it, p-1 -> p: actions[:, p-1] is added to frame p's tokens, and
// frame 0 gets none. Causal temporal attention then lets frame p see actions 0..p-1 and nothing later.
// One step late (frame p carrying the action of p-2 -> p-1), no prediction would ever see the action that
// made its frame and actions would be useless; dynamics.test.ts trains both wirings on a toy to show it.
//
// Dimension keys: B batch, T frames, N tokens per frame, D width, K codes (the tokenizer's vocabulary; id K
// is the mask token), Dz latent action width.
import { Embedding, LayerNorm, Linear, Module, add, concat, crossEntropy, gelu, isRecording, linear, parameter, reshape, slice, stopGradient, tensor, zeros } from '../engine/index.ts';
import type { Rng, Tensor } from '../engine/index.ts';
import { tokensPerFrame, type ModelConfig } from './config.ts';
import { KVCache, PositionEmbedding, STTransformer } from './st-transformer.ts';

export type ClipShape = readonly [batch: number, frames: number, tokens: number];

export interface DynamicsOutput {
  logits: Tensor; // (B, T, N, K)
  mask: Uint8Array; // (B, T, N): 1 where the input token was replaced by the mask token
  loss: Tensor; // cross-entropy over the masked tokens
  accuracy: number; // fraction of masked tokens whose most likely code is right
}

// Parameter names are the checkpoint's keys, hence snake_case.
export class DynamicsModel extends Module {
  token_embed: Embedding; // K + 1 rows: the codes and the mask token
  positions: PositionEmbedding;
  action_embed: Linear;
  transformer: STTransformer;
  // MaskGIT's output layer (Chang et al. 2022; BERT's masked-token head): dense, GELU, layer norm, then
  // logits against the token embedding table plus a bias per code. Sharing the table makes copying a
  // token forward, most of what CoinRun's next frame needs, one linear path instead of a 1024-way map to
  // learn from scratch (measured: see presets.ts).
  head_dense: Linear;
  head_norm: LayerNorm;
  head_bias: Tensor; // (K)
  readonly maskToken: number;
  private codesCopy: { version: number; codes: Tensor } | null = null;

  constructor(readonly config: ModelConfig, rng: Rng) {
    super();
    const { video, tokenizer, lam, dynamics } = config;
    const width = dynamics.transformer.width;
    this.maskToken = tokenizer.quantizer.codes;
    this.token_embed = new Embedding(this.maskToken + 1, width, rng, 0.02);
    this.positions = new PositionEmbedding(tokensPerFrame(video, tokenizer.patch), video.frames, width, rng);
    this.action_embed = new Linear(lam.quantizer.latentDim, width, rng, { std: 0.02 });
    this.transformer = new STTransformer(dynamics.transformer, rng);
    this.head_dense = new Linear(width, width, rng, { std: 0.02 });
    this.head_norm = new LayerNorm(width);
    this.head_bias = parameter(zeros([this.maskToken]));
  }

  // Input embeddings of frames firstFrame..firstFrame+T-1 of a context window. `actions` holds, for every
  // frame p >= 1 among them, the latent action of p-1 -> p: (B, T-1, Dz) when firstFrame is 0, else (B, T, Dz).
  embed(tokens: Int32Array, shape: ClipShape, actions: Tensor | null, firstFrame = 0): Tensor {
    const [batch, frames] = shape;
    const x = this.positions.forward(this.token_embed.forward(tokens, shape), firstFrame); // (B, T, N, D)
    const acted = firstFrame === 0 ? frames - 1 : frames;
    if (acted === 0) return x;
    if (!actions || actions.shape[0] !== batch || actions.shape[1] !== acted) {
      throw new Error(`dynamics: ${frames} frames from frame ${firstFrame} need actions (${batch}, ${acted}, Dz), got ${actions ? `(${actions.shape.join(', ')})` : 'none'}`);
    }
    let action = reshape(this.action_embed.forward(stopGradient(actions)), [batch, acted, 1, x.shape[3]]); // (B, acted, 1, D)
    if (acted < frames) action = concat([zeros([batch, 1, 1, x.shape[3]]), action], 1); // frame 0: no action
    return add(x, action); // (B, T, N, D)
  }

  // (B, T, N, D) inputs -> (B, T, N, K) logits; with a cache, see STTransformer.forward. `rows` (ascending
  // rows of x seen as (B*T*N, D)): the logits of those tokens alone, (M, K).
  logits(x: Tensor, cache?: KVCache, commit = false, rows?: Int32Array): Tensor {
    const h = this.head_dense.forward(this.transformer.forward(x, cache, commit, rows)); // (B, T, N, D) or (M, D)
    return linear(this.head_norm.forward(gelu(h)), this.codeEmbeddings(), this.head_bias);
  }

  // (K, D): token_embed's rows but the mask token's, MaskGIT's tied output layer. Without a graph
  // (inference) one copy serves until the embedding changes, so it is not copied (and packed for bf16,
  // engine/precision.ts) at every MaskGIT step. The copy is a plain array: an op's output could live in
  // scratch memory (withScratchMemory) that the next step reuses.
  private codeEmbeddings(): Tensor {
    const weight = this.token_embed.weight;
    if (isRecording()) return slice(weight, 0, 0, this.maskToken);
    if (this.codesCopy?.version !== weight.version) {
      const width = weight.shape[1];
      this.codesCopy = { version: weight.version, codes: tensor(weight.data.slice(0, this.maskToken * width), [this.maskToken, width]) };
    }
    return this.codesCopy.codes;
  }

  // Which tokens training hides: none of frame 0; each token of a later frame with a probability drawn,
  // per frame, from U[maskRateMin, maskRateMax]. Per frame rather than per clip: at play time every frame
  // is decoded separately, from fully masked to fully known.
  drawMask(shape: ClipShape, rng: Rng): Uint8Array {
    const [batch, frames, tokens] = shape;
    const { maskRateMin, maskRateMax } = this.config.dynamics;
    const mask = new Uint8Array(batch * frames * tokens);
    for (let b = 0; b < batch; b++) {
      for (let t = 1; t < frames; t++) {
        const rate = maskRateMin + (maskRateMax - maskRateMin) * rng.uniform();
        const start = (b * frames + t) * tokens;
        for (let n = 0; n < tokens; n++) mask[start + n] = rng.uniform() < rate ? 1 : 0;
      }
    }
    return mask;
  }

  // tokens (B, T, N) of a clip and the latent actions (B, T-1, Dz) of its transitions. `mask` defaults to
  // drawMask(shape, rng).
  forward(tokens: Int32Array, shape: ClipShape, actions: Tensor | null, options: { mask?: Uint8Array; rng?: Rng }): DynamicsOutput {
    const mask = options.mask ?? (options.rng ? this.drawMask(shape, options.rng) : null);
    if (!mask) throw new Error('dynamics: give a mask or an rng to draw one');
    if (mask.length !== tokens.length) throw new Error(`dynamics: mask of ${mask.length} for ${tokens.length} tokens`);
    const input = tokens.map((id, i) => (mask[i] ? this.maskToken : id));
    const logits = this.logits(this.embed(input, shape, actions)); // (B, T, N, K)
    const loss = crossEntropy(logits, tokens, Float32Array.from(mask));
    return { logits, mask, loss, accuracy: maskedAccuracy(logits, tokens, mask) };
  }

  newCache(): KVCache {
    return new KVCache(this.config.dynamics.transformer.blocks, this.config.video.frames);
  }
}

function maskedAccuracy(logits: Tensor, targets: Int32Array, mask: Uint8Array): number {
  const vocab = logits.shape[logits.shape.length - 1];
  let right = 0;
  let total = 0;
  for (let r = 0; r < targets.length; r++) {
    if (!mask[r]) continue;
    const row = logits.data.subarray(r * vocab, (r + 1) * vocab);
    let best = 0;
    for (let k = 1; k < vocab; k++) if (row[k] > row[best]) best = k;
    total++;
    if (best === targets[r]) right++;
  }
  return total ? right / total : 0;
}
