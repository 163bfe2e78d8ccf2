// The spatiotemporal (ST) transformer of Genie (Bruce et al. 2024, Sec. 2 and Fig. 4), shared by the
// video tokenizer, the latent action model and the dynamics model. Exactly the PyTorch reference in test/fixtures/st_block.py:
// pre-norm spatial attention over the tokens of a frame, pre-norm CAUSAL temporal attention over the frames
// at each token position, then ONE feed-forward layer; QK-norm (LayerNorm over the head width, shared by
// heads) on queries and keys. Parameter names are snake_case because they are the safetensors keys shared
// with the PyTorch fixtures (test/fixtures/st_block.py).
//
// Dimension keys: B batch, T frames, N tokens per frame, D width, I = heads x head width (the attention's
// inner width; I = D unless the config sets the paper's k/q size), F frames held in a KV cache.
import { LayerNorm, Linear, Module, PACKED_FRAMES, add, attention, canFuseSTBlock, embedding, fusedSTBlockStep, gelu, parameter, reshape, slice, split, tensor, truncatedNormal, zeros } from '../engine/index.ts';
import type { FusedSTBlock, PackedKeyValues, Rng, Tensor } from '../engine/index.ts';
import { headDim, mlpWidth, type STTransformerConfig } from './config.ts';

// Keys and values of one temporal attention: each (B, F, N, I).
export interface KeyValues {
  keys: Tensor;
  values: Tensor;
}

// Per block, the temporal keys and values of the frames already generated, so that a new frame costs only
// its own tokens (sample.ts). Spatial attention needs no cache: it never looks outside the frame. Each
// block's buffers are allocated once for `capacity` frames and written in place (no copy of the past per
// MaskGIT step), so the cache is for inference only, under noGrad.
export class KVCache {
  private readonly layers: (KeyValues | null)[];
  private readonly packedLayers: (PackedKeyValues | null)[]; // bf16 copies, for the fused bf16 block
  frames = 0; // frames held; a read-only pass writes its frames after them and leaves this unchanged

  constructor(blocks: number, readonly capacity: number) {
    this.layers = new Array<KeyValues | null>(blocks).fill(null);
    this.packedLayers = new Array<PackedKeyValues | null>(blocks).fill(null);
  }

  // Memory held by the buffers allocated so far.
  get bytes(): number {
    const fp32 = this.layers.reduce((total, held) => total + (held ? 4 * (held.keys.size + held.values.size) : 0), 0);
    return this.packedLayers.reduce((total, packed) => total + (packed ? 2 * (packed.keys.length + packed.values.length) : 0), fp32);
  }

  // Block `layer`'s buffers (B, capacity, N, I), after writing the keys and values (B, T, N, I) of the frames
  // that follow the held ones; attention reads their first frames + T frames.
  store(layer: number, present: KeyValues): KeyValues {
    const { keys, values } = present;
    if (keys.requiresGrad || keys.node || values.node) throw new Error('KV cache: for inference only; run it under noGrad');
    const [batch, frames, tokens, inner] = keys.shape;
    this.requireRoom(frames);
    const held = this.buffers(layer, batch, tokens, inner);
    const frameSize = tokens * inner;
    for (let b = 0; b < batch; b++) {
      const from = b * frames * frameSize;
      const at = (b * this.capacity + this.frames) * frameSize;
      held.keys.data.set(keys.data.subarray(from, from + frames * frameSize), at);
      held.values.data.set(values.data.subarray(from, from + frames * frameSize), at);
    }
    return held;
  }

  requireRoom(frames: number): void {
    if (this.frames + frames > this.capacity) {
      throw new Error(`KV cache: ${this.frames} frames held + ${frames} new exceed its ${this.capacity}; start a new cache to slide the window`);
    }
  }

  // Block `layer`'s buffers (B, capacity, N, I), allocated on first use.
  buffers(layer: number, batch: number, tokens: number, inner: number): KeyValues {
    const held = (this.layers[layer] ??= { keys: zeros([batch, this.capacity, tokens, inner]), values: zeros([batch, this.capacity, tokens, inner]) });
    const [heldBatch, , heldTokens, heldInner] = held.keys.shape;
    if (heldBatch !== batch || heldTokens !== tokens || heldInner !== inner) {
      throw new Error(`KV cache: block ${layer} holds (${held.keys.shape.join(', ')}), cannot add frames of (${batch}, T, ${tokens}, ${inner})`);
    }
    return held;
  }

  // Block `layer`'s bf16 copy for the fused bf16 block (engine/ops-fused.ts), allocated on first use; the
  // block converts the frames it lacks. None (null) for a cache of more than PACKED_FRAMES frames.
  packed(layer: number, batch: number, tokens: number, inner: number): PackedKeyValues | null {
    if (this.capacity > PACKED_FRAMES) return null;
    const size = batch * tokens * PACKED_FRAMES * inner;
    return (this.packedLayers[layer] ??= { keys: new Uint16Array(size), values: new Uint16Array(size), frames: 0 });
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

  // seqAxis 2: over the N tokens of each frame; 1: over the frames at each token position, after the
  // frames held in `cache` (block `layer`'s part of it), to which this call's keys and values are written.
  forward(h: Tensor, seqAxis: 1 | 2, cache?: { kv: KVCache; layer: number }): Tensor {
    const inner = this.heads * this.headDim;
    const [q, k, v] = split(this.qkv.forward(h), 3, [inner, inner, inner]); // each (B, T, N, I)
    const qn = this.perHead(this.q_norm, q);
    const kn = this.perHead(this.k_norm, k);
    const options = { heads: this.heads, seqAxis, causal: this.causal };
    let mixed: Tensor; // (B, T, N, I)
    if (cache) {
      const held = cache.kv.store(cache.layer, { keys: kn, values: v }); // each (B, capacity, N, I)
      mixed = attention(qn, held.keys, held.values, { ...options, keyFrames: cache.kv.frames + h.shape[1] });
    } else mixed = attention(qn, kn, v, options);
    return this.proj.forward(mixed); // (B, T, N, D)
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

  // One frame per clip after the frames `kv` holds, in one native call (engine/ops-fused.ts): x (B, 1, N, D)
  // is updated in place, and the frame's keys and values written to the cache as Attention.forward does;
  // with `rows`, those rows of x (B*N, D) only (fusedSTBlockStep).
  forwardFused(x: Tensor, kv: KVCache, layer: number, rows: Int32Array | null = null): void {
    const { heads, headDim } = this.temporal_attn;
    kv.requireRoom(1);
    const [batch, , tokens] = x.shape;
    const inner = heads * headDim;
    const { keys, values } = kv.buffers(layer, batch, tokens, inner);
    const packed = () => kv.packed(layer, batch, tokens, inner);
    fusedSTBlockStep(this.asFused(), x, { keys, values, held: kv.frames, packed }, rows);
  }

  private asFused(): FusedSTBlock {
    const attention = (norm: LayerNorm, a: Attention) => ({ norm, qkv: a.qkv, qNorm: a.q_norm, kNorm: a.k_norm, proj: a.proj });
    return {
      heads: this.spatial_attn.heads,
      headDim: this.spatial_attn.headDim,
      spatial: attention(this.spatial_norm, this.spatial_attn),
      temporal: attention(this.temporal_norm, this.temporal_attn),
      ffnNorm: this.ffn_norm,
      fc1: this.ffn.fc1,
      fc2: this.ffn.fc2,
    };
  }

  // x (B, T, N, D) -> (B, T, N, D); with a cache, the frames of x follow the frames it holds (see Attention).
  forward(x: Tensor, cache?: { kv: KVCache; layer: number }): Tensor {
    x = add(x, this.spatial_attn.forward(this.spatial_norm.forward(x), 2)); // (B, T, N, D)
    x = add(x, this.temporal_attn.forward(this.temporal_norm.forward(x), 1, cache)); // (B, T, N, D)
    return add(x, this.ffn.forward(this.ffn_norm.forward(x)));
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
  // One frame at inference takes the fused path (STBlock.forwardFused), on a copy of x. `outputRows`
  // (ascending rows of x seen as (B*T*N, D)) returns those rows alone, (M, D): a MaskGIT step reads the
  // outputs of its masked tokens only, so on the fused path the last block computes no others.
  forward(x: Tensor, cache?: KVCache, commit = false, outputRows?: Int32Array): Tensor {
    const width = x.shape[3];
    if (commit && outputRows) throw new Error('STTransformer: a pass that commits its frame caches every row; give no outputRows');
    if (cache && x.shape[1] === 1 && canFuseSTBlock(x.shape[2])) {
      const stream = tensor(x.data.slice(), x.shape);
      const last = this.blocks.length - 1;
      this.blocks.forEach((block, layer) => block.forwardFused(stream, cache, layer, layer === last ? (outputRows ?? null) : null));
      x = stream;
    } else {
      this.blocks.forEach((block, layer) => {
        x = block.forward(x, cache && { kv: cache, layer });
      });
    }
    if (cache && commit) cache.frames += x.shape[1];
    if (outputRows) x = embedding(reshape(x, [-1, width]), outputRows, [outputRows.length]); // (M, D)
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
