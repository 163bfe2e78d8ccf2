// A fused inference op: one spatiotemporal transformer block (Genie's ST block: spatial attention, causal
// temporal attention, feed-forward, pre-norm, QK-norm) over ONE new frame per clip, in a single native call
// (native/st-block.cc), like PyTorch's fused transformer-layer fast path. Op by op, a block is ~40 kernels
// with JS and allocations between them: in bf16 the shipped world's 6 blocks took 7.7 ms a MaskGIT step,
// fused 3.1 ms, with a block's activations kept in cache between layers. Inside withPrecision('bf16') its
// products round their inputs as op by op does there; elsewhere it is fp32 on the op-by-op kernels' own row
// code. Inside withPrecision('int8') its linear layers multiply in int8 (precision.ts). Inference only (no
// graph); the op-by-op path stays the reference.
import { isRecording } from './autodiff.ts';
import { backend } from './backend.ts';
import type { LinearWeights, NormWeights, PackedKeyValues } from './kernels.ts';
import type { LayerNorm, Linear } from './nn.ts';
import { BF16_MIN_QUERIES, bf16Backend, int8Backend, packedInt8Weight, packedWeight } from './precision.ts';
import type { Tensor } from './tensor.ts';

export interface FusedAttention {
  norm: LayerNorm; // pre-norm of the residual stream
  qkv: Linear; // D -> 3 I, as [q | k | v]
  qNorm: LayerNorm; // QK-norm over each head's width, shared by the heads
  kNorm: LayerNorm;
  proj: Linear; // I -> D
}

export interface FusedSTBlock {
  heads: number;
  headDim: number;
  spatial: FusedAttention; // over the N tokens of the frame
  temporal: FusedAttention; // causal, over the cached frames and this one at each token position
  ffnNorm: LayerNorm;
  fc1: Linear; // D -> hidden, then GELU
  fc2: Linear; // hidden -> D
}

// Whether fusedSTBlockStep runs now for frames of `tokens` tokens: no graph recorded, a backend with the
// kernel, and in bf16 only where op by op takes spatial attention to bf16 too (32 tokens).
export function canFuseSTBlock(tokens: number): boolean {
  if (isRecording() || backend().stBlock === undefined) return false;
  return bf16Backend() === null || tokens >= BF16_MIN_QUERIES;
}

// Frames a cache's bf16 copy holds per token (PackedKeyValues): a larger cache has none.
export const PACKED_FRAMES = 16;

// One block's KV cache as the fused block reads it: keys and values (B, capacity, N, I) holding `held`
// frames, and in bf16 their bf16 copy (made on first use; null for a cache of more than PACKED_FRAMES).
export interface FusedCache {
  keys: Tensor;
  values: Tensor;
  held: number;
  packed(): PackedKeyValues | null;
}

// x (B, 1, N, D), the residual stream, is updated in place to the block's output. This frame's keys and
// values are written after the cache's held frames (held is not advanced: the caller commits frames).
// With `rows` (ascending rows of x seen as (B*N, D)), only those rows are updated and only their keys and
// values written: for a block whose other outputs nothing reads.
export function fusedSTBlockStep(block: FusedSTBlock, x: Tensor, cache: FusedCache, rows: Int32Array | null = null): void {
  const kernels = backend();
  if (!kernels.stBlock || !canFuseSTBlock(x.shape[2])) throw new Error('fusedSTBlockStep: needs a backend with the fused kernel, no graph, and in bf16 >= 32 tokens');
  const bf16 = bf16Backend(); // inside withPrecision('bf16') or ('int8'), on a backend with bf16 kernels
  const int8 = int8Backend(); // inside withPrecision('int8'), on a backend with int8 kernels too
  const [batch, frames, tokens, width] = x.shape;
  if (frames !== 1) throw new Error(`fusedSTBlockStep: x (${x.shape.join(', ')}) must hold one frame per clip`);
  const norm = (layer: LayerNorm): NormWeights => ({ weight: layer.weight?.data ?? null, bias: layer.bias?.data ?? null, eps: layer.eps });
  const linear = (layer: Linear): LinearWeights => {
    const bias = layer.bias?.data ?? null;
    if (int8) return { int8: packedInt8Weight(int8, layer.weight), bias };
    return bf16 ? { packed: packedWeight(bf16, layer.weight), bias } : { weight: layer.weight.data, bias };
  };
  const { spatial, temporal } = block;
  const { keys, values, held } = cache;
  const packed = bf16 ? cache.packed() : null;
  kernels.stBlock(
    { batch, tokens, width, heads: block.heads, headDim: block.headDim, hidden: block.fc1.weight.shape[0], capacity: keys.shape[1], held, bf16: bf16 !== null, int8: int8 !== null },
    x.data,
    keys.data,
    values.data,
    {
      spatialNorm: norm(spatial.norm), spatialQkv: linear(spatial.qkv), spatialQNorm: norm(spatial.qNorm), spatialKNorm: norm(spatial.kNorm), spatialProj: linear(spatial.proj),
      temporalNorm: norm(temporal.norm), temporalQkv: linear(temporal.qkv), temporalQNorm: norm(temporal.qNorm), temporalKNorm: norm(temporal.kNorm), temporalProj: linear(temporal.proj),
      ffnNorm: norm(block.ffnNorm), fc1: linear(block.fc1), fc2: linear(block.fc2),
    },
    rows,
    packed,
  );
  if (packed) packed.frames = held;
  x.markModified();
}
