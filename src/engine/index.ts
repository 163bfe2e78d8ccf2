// The engine's public API: models, training and tools import from here only.
export { Tensor, assertFinite, full, ones, parameter, tensor, zeros } from './tensor.ts';
export { isRecording, noGrad, withScratchMemory } from './autodiff.ts';
export { PRECISIONS, type Precision, bf16Products, bf16Supported, choosePrecision, inference, int8Supported, withPrecision } from './precision.ts';
export {
  abs, add, attention, backward, concat, crossEntropy, div, dropout, embedding, exp, expand, gelu, layerNorm, linear, log,
  logSoftmax, matmul, max, maximum, mean, minimum, mse, mul, nearestCode, neg, permute, pick, pow, relu, reshape, rmsNorm,
  rsqrt, sigmoid, silu, slice, softmax, split, sqrt, square, stopGradient, straightThrough, sub, sum, tanh, transpose,
  type AttentionOptions,
} from './ops.ts';
export { type FusedAttention, type FusedSTBlock, PACKED_FRAMES, canFuseSTBlock, fusedSTBlockStep } from './ops-fused.ts';
export { type Draws, sampleRows } from './ops-sampling.ts';
export { Rng } from './random.ts';
export { Embedding, LayerNorm, Linear, type LinearOptions, Module, RMSNorm, buffer, normal, truncatedNormal, uniform } from './nn.ts';
export { AdamW, type AdamWOptions, type CosineScheduleOptions, type OptimizerState, clipGradNorm, cosineSchedule, vectorsOnly } from './optim.ts';
export { type SafetensorsContents, type StoredArray, readSafetensors, readTensors, writeSafetensors } from './safetensors.ts';
export { backend, useBackend } from './backend.ts';
export { formatProfile, profileKernels, type KernelProfile, type KernelTime } from './profile.ts';
export { reference } from './reference.ts';
export { loadNative, nativeThreadCount } from './native.ts';
export { formatShape, sizeOf } from './shape.ts';
export type { Kernels, PackedKeyValues } from './kernels.ts';
