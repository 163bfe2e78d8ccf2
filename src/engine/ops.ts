// The one gradient table, keyed by primitive. Its type lists every primitive of PrimitiveParams
// (autodiff.ts), so adding a primitive without a gradient rule does not compile. The rules sit next to
// their forward passes in the ops-*.ts files, grouped by concern.
import { type GradRules, runBackward } from './autodiff.ts';
import type { Tensor } from './tensor.ts';
import { attentionRules } from './ops-attention.ts';
import { elementwiseRules } from './ops-elementwise.ts';
import { matmulRules } from './ops-matmul.ts';
import { nnRules } from './ops-nn.ts';
import { reduceRules } from './ops-reduce.ts';
import { shapeRules } from './ops-shape.ts';
import { trainingRules } from './ops-training.ts';

export const gradRules: GradRules = {
  ...elementwiseRules,
  ...matmulRules,
  ...shapeRules,
  ...reduceRules,
  ...nnRules,
  ...attentionRules,
  ...trainingRules,
};

// Backpropagates from a one-element loss; leaves with requiresGrad receive their gradient in .grad.
// `seed` starts from a given output gradient instead (a loss of any shape).
export function backward(loss: Tensor, seed?: Tensor): void {
  runBackward(gradRules, loss, seed);
}

export { abs, add, div, exp, gelu, log, maximum, minimum, mul, neg, pow, relu, rsqrt, sigmoid, silu, sqrt, square, sub, tanh } from './ops-elementwise.ts';
export { linear, matmul } from './ops-matmul.ts';
export { concat, expand, permute, reshape, slice, split, transpose } from './ops-shape.ts';
export { max, mean, sum } from './ops-reduce.ts';
export { embedding, layerNorm, logSoftmax, pick, rmsNorm, softmax } from './ops-nn.ts';
export { attention, type AttentionOptions } from './ops-attention.ts';
export { crossEntropy, dropout, mse, nearestCode, stopGradient, straightThrough } from './ops-training.ts';
