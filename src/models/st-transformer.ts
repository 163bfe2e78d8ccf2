// The spatiotemporal (ST) transformer of Genie (Bruce et al. 2024, Sec. 2 and Fig. 4), shared by the
// video tokenizer, the latent action model and the dynamics model. Exactly the PyTorch reference in test/fixtures/st_block.py:
// pre-norm spatial attention over the tokens of a frame, pre-norm CAUSAL temporal attention over the frames
// at each token position, then ONE feed-forward layer; QK-norm (LayerNorm over the head width, shared by
// heads) on queries and keys. Parameter names are snake_case because they are the safetensors keys shared
// with the PyTorch fixtures (test/fixtures/st_block.py).
//
// Dimension keys: B batch, T frames, N tokens per frame, D width, I = heads x head width (the attention's
// inner width; I = D unless the config sets the paper's k/q size), F frames held in a KV cache.
import { LayerNorm, Linear, Module, add, attention, concat, gelu, parameter, reshape, slice, split, truncatedNormal } from '../engine/index.ts';
import type { Rng, Tensor } from '../engine/index.ts';
import { headDim, mlpWidth, type STTransformerConfig } from './config.ts';

// Keys and values of one temporal attention for the frames seen so far: each (B, F, N, I).
export interface KeyValues {
  keys: Tensor;
  values: Tensor;
}

// Per block, the temporal keys and values of the frames already generated, so that a new frame costs only
// its own tokens (sample.ts). Spatial attention needs no cache: it never looks outside the frame.
export class KVCache {
  layers: (KeyValues | null)[];
  frames = 0;

  constructor(blocks: number) {
    this.layers = new Array<KeyValues | null>(blocks).fill(null);
  }
}

// GPT-2 / ViT initialisation: weights N(0, 0.02); projections that write into the residual stream are
// scaled down by sqrt(number of residual branches) so the stream's variance does not grow with depth.
const INIT_STD = 0.02;

class Attention extends Module {
  qkv: Linear;
  q_norm: LayerNorm;
  k_norm: LayerNorm;
  proj: Linear;

  constructor(
    width: number,
    readonly heads: number,
    readonly headDim: number,
    readonly causal: boolean,
    rng: Rng,
    residualStd: number,
  ) {
    super();
    const inner = heads * headDim;
    this.qkv = new Linear(width, 3 * inner, rng, { std: INIT_STD });
    this.q_norm = new LayerNorm(headDim);
    this.k_norm = new LayerNorm(headDim);
    this.proj = new Linear(inner, width, rng, { std: residualStd });
  }

  // LayerNorm over each head's slice of the inner width.
  private perHead(norm: LayerNorm, x: Tensor): Tensor {
    const [b, t, n, inner] = x.shape;
    return reshape(norm.forward(reshape(x, [b, t, n, this.heads, this.headDim])), [b, t, n, inner]);
  }

  // seqAxis 2: over the N tokens of each frame; 1: over the frames at each token position, after `past`.
  forward(h: Tensor, seqAxis: 1 | 2, past: KeyValues | null): { out: Tensor; present: KeyValues } {
    const inner = this.heads * this.headDim;
    const [q, k, v] = split(this.qkv.forward(h), 3, [inner, inner, inner]); // each (B, T, N, I)
    const qn = this.perHead(this.q_norm, q);
    let present = { keys: this.perHead(this.k_norm, k), values: v };
    if (past) present = { keys: concat([past.keys, present.keys], 1), values: concat([past.values, v], 1) }; // (B, F+T, N, I)
    const mixed = attention(qn, present.keys, present.values, { heads: this.heads, seqAxis, causal: this.causal }); // (B, T, N, I)
    return { out: this.proj.forward(mixed), present }; // (B, T, N, D)
  }
}

class FeedForward extends Module {
  fc1: Linear;
  fc2: Linear;

  constructor(width: number, hidden: number, rng: Rng, residualStd: number) {
    super();
    this.fc1 = new Linear(width, hidden, rng, { std: INIT_STD });
    this.fc2 = new Linear(hidden, width, rng, { std: residualStd });
  }

  forward(x: Tensor): Tensor {
    return this.fc2.forward(gelu(this.fc1.forward(x))); // exact (erf) GELU
  }
}

export interface STBlockOptions {
  width: number;
  heads: number;
  headDim?: number; // default width / heads
  mlpWidth?: number; // default 4 x width
  residualStd?: number; // default INIT_STD
}

export class STBlock extends Module {
  spatial_norm: LayerNorm;
  spatial_attn: Attention;
  temporal_norm: LayerNorm;
  temporal_attn: Attention;
  ffn_norm: LayerNorm;
  ffn: FeedForward;

  constructor(options: STBlockOptions, rng: Rng) {
    super();
    const { width, heads } = options;
    const dh = options.headDim ?? width / heads;
    if (!Number.isInteger(dh)) throw new Error(`STBlock: width ${width} does not split into ${heads} heads; give headDim`);
    const residualStd = options.residualStd ?? INIT_STD;
    this.spatial_norm = new LayerNorm(width);
    this.spatial_attn = new Attention(width, heads, dh, false, rng, residualStd);
    this.temporal_norm = new LayerNorm(width);
    this.temporal_attn = new Attention(width, heads, dh, true, rng, residualStd);
    this.ffn_norm = new LayerNorm(width);
    this.ffn = new FeedForward(width, options.mlpWidth ?? 4 * width, rng, residualStd);
  }

  // x (B, T, N, D) -> (B, T, N, D); `past` holds this block's temporal keys/values of earlier frames, and
  // `present` returns them with this call's frames appended.
  forwardCached(x: Tensor, past: KeyValues | null): { y: Tensor; present: KeyValues } {
    x = add(x, this.spatial_attn.forward(this.spatial_norm.forward(x), 2, null).out); // (B, T, N, D)
    const temporal = this.temporal_attn.forward(this.temporal_norm.forward(x), 1, past);
    x = add(x, temporal.out); // (B, T, N, D)
    return { y: add(x, this.ffn.forward(this.ffn_norm.forward(x))), present: temporal.present };
  }

  forward(x: Tensor): Tensor {
    return this.forwardCached(x, null).y;
  }
}

// `blocks` ST blocks and a final LayerNorm (pre-norm blocks leave the residual stream unnormalised).
export class STTransformer extends Module {
  blocks: STBlock[];
  norm: LayerNorm;

  constructor(config: STTransformerConfig, rng: Rng) {
    super();
    const residualStd = INIT_STD / Math.sqrt(3 * config.blocks); // three residual branches per block
    const options = { width: config.width, heads: config.heads, headDim: headDim(config), mlpWidth: mlpWidth(config), residualStd };
    this.blocks = Array.from({ length: config.blocks }, () => new STBlock(options, rng));
    this.norm = new LayerNorm(config.width);
  }

  // x (B, T, N, D) -> (B, T, N, D). With a cache, x holds the frames that follow the cached ones; `commit`
  // appends them to the cache (otherwise the cache is only read, as in the MaskGIT steps of one frame).
  forward(x: Tensor, cache?: KVCache, commit = false): Tensor {
    this.blocks.forEach((block, i) => {
      const { y, present } = block.forwardCached(x, cache?.layers[i] ?? null);
      if (cache && commit) cache.layers[i] = present;
      x = y;
    });
    if (cache && commit) cache.frames += x.shape[1];
    return this.norm.forward(x);
  }
}

// Learned spatial (one per token of a frame) and temporal (one per frame of the context window) position
// embeddings, added to the tokens of every model. `firstFrame` places frames after those in a KV cache.
export class PositionEmbedding extends Module {
  spatial: Tensor; // (N, D)
  temporal: Tensor; // (maxFrames, D)

  constructor(tokens: number, maxFrames: number, width: number, rng: Rng) {
    super();
    this.spatial = parameter(truncatedNormal(rng, [tokens, width], INIT_STD));
    this.temporal = parameter(truncatedNormal(rng, [maxFrames, width], INIT_STD));
  }

  forward(x: Tensor, firstFrame = 0): Tensor {
    const [, frames, tokens, width] = x.shape;
    const maxFrames = this.temporal.shape[0];
    if (firstFrame + frames > maxFrames || tokens !== this.spatial.shape[0]) {
      throw new Error(
        `positions: input (${x.shape.join(', ')}) from frame ${firstFrame} does not fit ${maxFrames} frames of ${this.spatial.shape[0]} tokens`,
      );
    }
    const temporal = reshape(slice(this.temporal, 0, firstFrame, firstFrame + frames), [frames, 1, width]); // (T, 1, D)
    return add(add(x, this.spatial), temporal); // (B, T, N, D)
  }
}
