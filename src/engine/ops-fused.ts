// A fused inference op: one spatiotemporal transformer block (Genie's ST block: spatial attention, causal
// temporal attention, feed-forward, pre-norm, QK-norm) over ONE new frame per clip, in a single native call
// (native/st-block.cc), like PyTorch's fused transformer-layer fast path. Op by op, a block is ~40 kernels
// with JS and allocations between them: the shipped world's 6 blocks took 7.7 ms a MaskGIT step, fused 3.1
// ms, with a block's activations kept in cache between layers. bf16 only (inputs of products rounded as in
// withPrecision('bf16')), and only under it; the op-by-op path stays the reference.
import type { LayerNorm, Linear } from './nn.ts';
import type { NormWeights, PackedLinear } from './kernels.ts';
import { BF16_MIN_QUERIES, bf16Backend, packedWeight } from './precision.ts';
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

// Whether fusedSTBlockStep runs now for frames of `tokens` tokens: inside withPrecision('bf16') with no
// graph recorded, on a backend with the kernel, and with spatial attention in bf16 op by op too (32 tokens).
export function canFuseSTBlock(tokens: number): boolean {
  return tokens >= BF16_MIN_QUERIES && bf16Backend()?.stBlockBf16 !== undefined;
}

// x (B, 1, N, D), the residual stream, is updated in place to the block's output. keys and values
// (B, capacity, N, I) are a KV cache holding `held` frames: this frame's keys and values are written after
// them (held is not advanced: the caller commits frames).
export function fusedSTBlockStep(block: FusedSTBlock, x: Tensor, keys: Tensor, values: Tensor, held: number): void {
  const kernels = bf16Backend();
  if (!kernels || !canFuseSTBlock(x.shape[2])) throw new Error('fusedSTBlockStep: needs withPrecision("bf16") on a backend with bf16 kernels, no graph, and >= 32 tokens');
  const [batch, frames, tokens, width] = x.shape;
  if (frames !== 1) throw new Error(`fusedSTBlockStep: x (${x.shape.join(', ')}) must hold one frame per clip`);
  const norm = (layer: LayerNorm): NormWeights => ({ weight: layer.weight?.data ?? null, bias: layer.bias?.data ?? null, eps: layer.eps });
  const linear = (layer: Linear): PackedLinear => ({ packed: packedWeight(kernels, layer.weight), bias: layer.bias?.data ?? null });
  const { spatial, temporal } = block;
  kernels.stBlockBf16(
    { batch, tokens, width, heads: block.heads, headDim: block.headDim, hidden: block.fc1.weight.shape[0], capacity: keys.shape[1], held },
    x.data,
    keys.data,
    values.data,
    {
      spatialNorm: norm(spatial.norm), spatialQkv: linear(spatial.qkv), spatialQNorm: norm(spatial.qNorm), spatialKNorm: norm(spatial.kNorm), spatialProj: linear(spatial.proj),
      temporalNorm: norm(temporal.norm), temporalQkv: linear(temporal.qkv), temporalQNorm: norm(temporal.qNorm), temporalKNorm: norm(temporal.kNorm), temporalProj: linear(temporal.proj),
      ffnNorm: norm(block.ffnNorm), fc1: linear(block.fc1), fc2: linear(block.fc2),
    },
  );
  x.markModified();
}
