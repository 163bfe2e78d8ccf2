// Ops that training objectives are made of: losses composed from primitives, the vector-quantisation
// helpers (nearest code, straight-through estimator, stop-gradient) and dropout.
import { type GradRules, record } from './autodiff.ts';
import { backend } from './backend.ts';
import { formatShape, sameShape } from './shape.ts';
import { Tensor } from './tensor.ts';
import type { Rng } from './random.ts';
import { mul, square, sub } from './ops-elementwise.ts';
import { logSoftmax, pick } from './ops-nn.ts';
import { mean, sum } from './ops-reduce.ts';
import { reshape } from './ops-shape.ts';

// Mean negative log-likelihood of targets under softmax(logits) over the rows of logits (..., V).
// A row is ignored when its target is < 0 or its weight is 0; with weights, the mean is weighted
// (sum w_r * nll_r / sum w_r). With every row ignored the loss is 0.
export function crossEntropy(logits: Tensor, targets: Int32Array, weights?: Float32Array): Tensor {
  const vocab = logits.shape[logits.shape.length - 1];
  const rows = logits.size / vocab;
  if (targets.length !== rows) throw new Error(`crossEntropy: ${targets.length} targets for ${rows} rows of logits ${formatShape(logits.shape)}`);
  if (weights && weights.length !== rows) throw new Error(`crossEntropy: ${weights.length} weights for ${rows} rows of logits ${formatShape(logits.shape)}`);
  const ids = new Int32Array(rows);
  let totalWeight = 0;
  for (let r = 0; r < rows; r++) {
    const weight = weights ? weights[r] : 1;
    if (targets[r] >= vocab) throw new Error(`crossEntropy: target ${targets[r]} at row ${r} is outside the vocabulary of ${vocab}`);
    const kept = targets[r] >= 0 && weight !== 0;
    ids[r] = kept ? targets[r] : -1;
    if (kept) totalWeight += weight;
  }
  const logProbs = pick(logSoftmax(reshape(logits, [rows, vocab])), ids);
  const weighted = weights ? mul(logProbs, new Tensor([rows], weights)) : logProbs;
  return mul(sum(weighted), totalWeight > 0 ? -1 / totalWeight : 0);
}

// Mean squared error over all elements.
export function mse(a: Tensor, b: Tensor): Tensor {
  if (!sameShape(a.shape, b.shape)) throw new Error(`mse: shapes differ: a ${formatShape(a.shape)} vs b ${formatShape(b.shape)}`);
  return mean(square(sub(a, b)));
}

// Index of the nearest codebook row (squared L2) for each row of x (N, D); not differentiable.
export function nearestCode(x: Tensor, codebook: Tensor): Int32Array {
  if (x.shape.length !== 2 || codebook.shape.length !== 2 || x.shape[1] !== codebook.shape[1]) {
    throw new Error(`nearestCode: x ${formatShape(x.shape)} and codebook ${formatShape(codebook.shape)} must be (N, D) and (K, D)`);
  }
  const out = new Int32Array(x.shape[0]);
  backend().nearestCode(x.data, codebook.data, out, x.shape[0], codebook.shape[0], x.shape[1]);
  return out;
}

// The value of q with the gradient of x: x + stopGradient(q - x), without computing it.
export function straightThrough(x: Tensor, q: Tensor): Tensor {
  if (!sameShape(x.shape, q.shape)) throw new Error(`straightThrough: shapes differ: x ${formatShape(x.shape)} vs q ${formatShape(q.shape)}`);
  return record('straightThrough', [x], new Tensor(q.shape, q.data), null, null);
}

// The same values, cut from the graph.
export function stopGradient(x: Tensor): Tensor {
  return new Tensor(x.shape, x.data);
}

// Zeroes each element with probability p and scales the rest by 1 / (1 - p); identity when not training.
export function dropout(x: Tensor, p: number, rng: Rng, training: boolean): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  if (!training || p === 0) return x;
  const mask = new Float32Array(x.size);
  const keep = 1 / (1 - p);
  for (let i = 0; i < mask.length; i++) mask[i] = rng.uniform() < p ? 0 : keep;
  return mul(x, new Tensor(x.shape, mask));
}

export const trainingRules: Pick<GradRules, 'straightThrough'> = {
  straightThrough: (grad) => [grad],
};
