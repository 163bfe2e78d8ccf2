// Video tokenizer: the ST-ViViT VQ-VAE of Genie (Bruce et al. 2024, Sec. 2.1 "Video Tokenizer", Fig. 6).
// Patches of each frame go through an ST-transformer encoder, are projected to Dz and quantised to one of
// K codes; an ST-transformer decoder maps the codes back to patches of pixels (sigmoid: pixels in [0, 1]).
// Temporal attention is causal in both halves, so the token z_t depends only on frames x_1..x_t.
//
// Dimension keys: B batch, T frames, H x W x C pixels, P patch, N = (H/P)(W/P) tokens per frame, D width,
// Dz code width, K codes.
import { Linear, Module, add, concat, mse, noGrad, sigmoid, slice } from '../engine/index.ts';
import type { Rng, Tensor } from '../engine/index.ts';
import { tokensPerFrame, type ModelConfig } from './config.ts';
import { patchify, unpatchify } from './patch.ts';
import { KVCache, PositionEmbedding, STTransformer } from './st-transformer.ts';
import { VectorQuantizer, type QuantizerOutput } from './vq.ts';

export interface TokenizerOutput {
  reconstruction: Tensor; // (B, T, H, W, C)
  tokens: Int32Array; // (B, T, N)
  reconstructionLoss: Tensor; // mean squared pixel error
  quantizer: QuantizerOutput; // its loss holds the codebook and commitment terms
  loss: Tensor; // reconstructionLoss + quantizer.loss
}

// Parameter names are the checkpoint's keys, hence snake_case.
export class VideoTokenizer extends Module {
  patch_embed: Linear;
  encoder_positions: PositionEmbedding;
  encoder: STTransformer;
  to_latent: Linear;
  quantizer: VectorQuantizer;
  from_latent: Linear;
  decoder_positions: PositionEmbedding;
  decoder: STTransformer;
  to_pixels: Linear;

  constructor(readonly config: ModelConfig, rng: Rng) {
    super();
    const { video, tokenizer } = config;
    const { encoder, decoder, quantizer, patch } = tokenizer;
    const pixels = patch * patch * video.channels;
    const tokens = tokensPerFrame(video, patch);
    // The four layers in and out of the transformers keep PyTorch's default init: at std 0.02 the cpu preset
    // underfit (continuous bottleneck, 25 dB at step 300 vs 30.9 dB at step 175) and stalled near 20 dB.
    this.patch_embed = new Linear(pixels, encoder.width, rng);
    this.encoder_positions = new PositionEmbedding(tokens, video.frames, encoder.width, rng);
    this.encoder = new STTransformer(encoder, rng);
    this.to_latent = new Linear(encoder.width, quantizer.latentDim, rng);
    this.quantizer = new VectorQuantizer(quantizer, rng);
    this.from_latent = new Linear(quantizer.latentDim, decoder.width, rng);
    this.decoder_positions = new PositionEmbedding(tokens, video.frames, decoder.width, rng);
    this.decoder = new STTransformer(decoder, rng);
    this.to_pixels = new Linear(decoder.width, pixels, rng);
  }

  // frames (B, T, H, W, C) in [0, 1] -> the quantiser's view of the encoder output.
  encode(frames: Tensor): QuantizerOutput {
    const patches = patchify(frames, this.config.tokenizer.patch); // (B, T, N, P*P*C)
    const x = this.encoder_positions.forward(this.patch_embed.forward(patches)); // (B, T, N, D)
    return this.quantizer.forward(this.to_latent.forward(this.encoder.forward(x))); // output (B, T, N, Dz)
  }

  // latents (B, T, N, Dz) -> frames (B, T, H, W, C). With a cache, the latents are the frames after the
  // cached ones (decoding a generated frame costs only its own tokens); `commit` appends them to it.
  // Like the dynamics cache, it holds at most video.frames frames: the caller starts a new one to slide.
  decodeLatents(latents: Tensor, cache?: KVCache, commit = true): Tensor {
    const { video, tokenizer } = this.config;
    const x = this.decoder_positions.forward(this.from_latent.forward(latents), cache?.frames ?? 0); // (B, T, N, D)
    const patches = sigmoid(this.to_pixels.forward(this.decoder.forward(x, cache, commit))); // (B, T, N, P*P*C)
    return unpatchify(patches, tokenizer.patch, video.height, video.width);
  }

  // tokens (B, T, N) -> frames (B, T, H, W, C).
  decode(tokens: Int32Array, shape: readonly [number, number, number], cache?: KVCache, commit = true): Tensor {
    return this.decodeLatents(this.quantizer.lookup(tokens, shape), cache, commit);
  }

  // For windows of up to `frames` frames (at most video.frames, the decoder's position table).
  newDecoderCache(frames = this.config.video.frames): KVCache {
    return new KVCache(this.config.tokenizer.decoder.blocks, frames);
  }

  forward(frames: Tensor): TokenizerOutput {
    const quantizer = this.encode(frames);
    const reconstruction = this.decodeLatents(quantizer.output);
    const reconstructionLoss = mse(reconstruction, frames);
    return { reconstruction, tokens: quantizer.indices, reconstructionLoss, quantizer, loss: add(reconstructionLoss, quantizer.loss) };
  }

  // Tokens only, without a graph: what phase 2 and play need.
  tokenize(frames: Tensor): Int32Array {
    return noGrad(() => this.encode(frames).indices);
  }

  // The tokenizer learns from windows of a few frames (train.tokenizer.frames) and its temporal positions
  // beyond them are never trained, so longer videos are tokenized and decoded window by window, each
  // window on its own, as training saw them.

  // frames (B, T, H, W, C) -> tokens (B, T, N), each run of `window` frames encoded on its own.
  tokenizeInWindows(frames: Tensor, window: number): Int32Array {
    const [batch, time] = frames.shape;
    let out: Int32Array | null = null;
    for (let start = 0; start < time; start += window) {
      const length = Math.min(window, time - start);
      const piece = this.tokenize(slice(frames, 1, start, start + length)); // (B, length, N)
      const n = piece.length / (batch * length);
      out ??= new Int32Array(batch * time * n);
      for (let b = 0; b < batch; b++) out.set(piece.subarray(b * length * n, (b + 1) * length * n), (b * time + start) * n);
    }
    return out!;
  }

  // tokens (B, T, N) -> frames (B, T, H, W, C), each run of `window` frames decoded on its own.
  decodeInWindows(tokens: Int32Array, shape: readonly [number, number, number], window: number): Tensor {
    const [batch, time, n] = shape;
    const pieces: Tensor[] = [];
    for (let start = 0; start < time; start += window) {
      const length = Math.min(window, time - start);
      const piece = new Int32Array(batch * length * n);
      for (let b = 0; b < batch; b++) piece.set(tokens.subarray((b * time + start) * n, (b * time + start + length) * n), b * length * n);
      pieces.push(noGrad(() => this.decode(piece, [batch, length, n])));
    }
    return concat(pieces, 1);
  }
}
