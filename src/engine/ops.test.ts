// Finite-difference gradient checks for every differentiable op, on every backend that loads.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gradcheck, randomTensor as rand, testBackends, withBackend } from './gradcheck.ts';
import * as op from './ops.ts';
import { gradRules } from './ops.ts';
import { Rng } from './random.ts';
import { parameter, type Tensor } from './tensor.ts';

type Case = [name: string, f: (...xs: Tensor[]) => Tensor, inputs: () => Tensor[]];

const unaryCases: Case[] = [
  ['neg', op.neg, () => [rand([2, 3], 1)]],
  ['exp', op.exp, () => [rand([2, 3], 2)]],
  ['log', op.log, () => [rand([2, 3], 3, 0.5, 2)]],
  ['sqrt', op.sqrt, () => [rand([2, 3], 4, 0.5, 2)]],
  ['rsqrt', op.rsqrt, () => [rand([2, 3], 5, 0.5, 2)]],
  ['abs', op.abs, () => [rand([2, 3], 6, -1, 1, 0.1)]],
  ['square', op.square, () => [rand([2, 3], 7)]],
  ['pow', (x) => op.pow(x, 2.5), () => [rand([2, 3], 8, 0.5, 2)]],
  ['relu', op.relu, () => [rand([2, 3], 9, -1, 1, 0.1)]],
  ['gelu', op.gelu, () => [rand([2, 3], 10, -3, 3)]],
  ['silu', op.silu, () => [rand([2, 3], 11, -3, 3)]],
  ['sigmoid', op.sigmoid, () => [rand([2, 3], 12, -3, 3)]],
  ['tanh', op.tanh, () => [rand([2, 3], 13, -2, 2)]],
  ['add scalar', (x) => op.add(x, 1.5), () => [rand([4], 14)]],
  ['sub scalar', (x) => op.sub(x, 1.5), () => [rand([4], 15)]],
  ['mul scalar', (x) => op.mul(x, -1.5), () => [rand([4], 16)]],
  ['div scalar', (x) => op.div(x, 4), () => [rand([4], 17)]],
];

const binaryCases: Case[] = [
  ['add broadcast', op.add, () => [rand([2, 3, 4], 20), rand([3, 1], 21)]],
  ['sub broadcast', op.sub, () => [rand([3, 1], 22), rand([2, 3, 4], 23)]],
  ['mul broadcast', op.mul, () => [rand([2, 1, 4], 24), rand([3, 1], 25)]],
  ['div broadcast', op.div, () => [rand([2, 3], 26), rand([3], 27, 0.5, 2)]],
  ['maximum', op.maximum, () => [rand([2, 3], 28), rand([2, 3], 29)]],
  ['minimum broadcast', op.minimum, () => [rand([2, 3], 30), rand([1, 3], 31)]],
  ['maximum scalar', (x) => op.maximum(x, 0.2), () => [rand([6], 32, -1, 1, 0.1)]],
  ['same input twice', (x) => op.mul(x, x), () => [rand([5], 33)]],
];

const matmulCases: Case[] = [
  ['matmul 2-D', (a, b) => op.matmul(a, b), () => [rand([3, 4], 40), rand([4, 2], 41)]],
  ['matmul transA', (a, b) => op.matmul(a, b, { transA: true }), () => [rand([4, 3], 42), rand([4, 2], 43)]],
  ['matmul transB', (a, b) => op.matmul(a, b, { transB: true }), () => [rand([3, 4], 44), rand([2, 4], 45)]],
  ['matmul batched with 2-D b', (a, b) => op.matmul(a, b), () => [rand([2, 3, 4], 46), rand([4, 2], 47)]],
  ['matmul batched with 2-D b transB', (a, b) => op.matmul(a, b, { transB: true }), () => [rand([2, 3, 4], 48), rand([2, 4], 49)]],
  ['matmul batched transA with 2-D b', (a, b) => op.matmul(a, b, { transA: true }), () => [rand([2, 4, 3], 50), rand([4, 2], 51)]],
  ['matmul batched both transposed', (a, b) => op.matmul(a, b, { transA: true, transB: true }), () => [rand([2, 4, 3], 52), rand([2, 2, 4], 53)]],
  ['matmul batch broadcast', (a, b) => op.matmul(a, b), () => [rand([2, 1, 3, 4], 54), rand([3, 4, 2], 55)]],
  ['matmul shared a', (a, b) => op.matmul(a, b), () => [rand([1, 3, 4], 56), rand([2, 4, 2], 57)]],
  ['linear with bias', op.linear, () => [rand([2, 3, 4], 58), rand([5, 4], 59), rand([5], 60)]],
  ['linear without bias', (x, w) => op.linear(x, w), () => [rand([3, 4], 61), rand([2, 4], 62)]],
];

const shapeCases: Case[] = [
  ['reshape', (x) => op.mul(op.reshape(x, [3, -1]), op.reshape(x, [3, 2])), () => [rand([2, 3], 70)]],
  ['permute', (x) => op.permute(x, [2, 0, 1]), () => [rand([2, 3, 4], 71)]],
  ['transpose', (x) => op.transpose(x, 0, -1), () => [rand([2, 3, 4], 72)]],
  ['slice', (x) => op.slice(x, 1, 1, 3), () => [rand([2, 4, 3], 73)]],
  ['split', (x) => { const [a, b] = op.split(x, -1, [1, 2]); return op.mul(op.sum(a), b); }, () => [rand([2, 3], 74)]],
  ['slices and a full use of one intermediate', (x) => {
    const h = op.exp(x);
    return op.mul(op.concat([op.slice(h, 1, 2, 4), op.slice(h, 1, 0, 2)], 1), h);
  }, () => [rand([2, 4], 79)]],
  ['concat', (a, b, c) => op.concat([a, b, c], 1), () => [rand([2, 1, 3], 75), rand([2, 2, 3], 76), rand([2, 1, 3], 77)]],
  ['expand', (x) => op.expand(x, [2, 3, 4]), () => [rand([3, 1], 78)]],
];

const reduceCases: Case[] = [
  ['sum all', (x) => op.sum(x), () => [rand([2, 3], 80)]],
  ['sum axes 0 and 2', (x) => op.sum(x, [0, 2]), () => [rand([2, 3, 4], 81)]],
  ['sum keepDims', (x) => op.sum(x, [-1], true), () => [rand([2, 3], 82)]],
  ['mean', (x) => op.mean(x, [1]), () => [rand([2, 3, 2], 83)]],
  ['max axis', (x) => op.max(x, [1]), () => [rand([2, 5, 3], 84)]],
  ['max two axes', (x) => op.max(x, [0, 2], true), () => [rand([2, 3, 4], 85)]],
];

const nnCases: Case[] = [
  ['softmax', (x) => op.softmax(x), () => [rand([3, 5], 90, -2, 2)]],
  ['softmax causal', (x) => op.softmax(x, { causal: true }), () => [rand([2, 3, 4], 91, -2, 2)]],
  ['logSoftmax', op.logSoftmax, () => [rand([3, 5], 92, -2, 2)]],
  ['layerNorm affine', (x, w, b) => op.layerNorm(x, w, b), () => [rand([3, 6], 93, -2, 2), rand([6], 94), rand([6], 95)]],
  ['layerNorm plain', (x) => op.layerNorm(x), () => [rand([3, 6], 96, -2, 2)]],
  ['layerNorm weight only', (x, w) => op.layerNorm(x, w), () => [rand([2, 5], 97, -2, 2), rand([5], 98)]],
  ['rmsNorm weight', (x, w) => op.rmsNorm(x, w), () => [rand([3, 6], 99, -2, 2), rand([6], 100)]],
  ['rmsNorm plain', (x) => op.rmsNorm(x), () => [rand([3, 6], 101, -2, 2)]],
  ['embedding', (t) => op.embedding(t, Int32Array.of(2, 0, 2, 1), [2, 2]), () => [rand([3, 4], 102)]],
  ['pick', (x) => op.pick(x, Int32Array.of(1, -1, 3)), () => [rand([3, 4], 103)]],
];

const attentionCases: Case[] = [
  ['attention spatial', (q, k, v) => op.attention(q, k, v, { heads: 2, seqAxis: 2, causal: false }), () => [rand([2, 2, 3, 4], 110), rand([2, 2, 3, 4], 111), rand([2, 2, 3, 4], 112)]],
  ['attention spatial causal', (q, k, v) => op.attention(q, k, v, { heads: 1, seqAxis: 2, causal: true, scale: 0.7 }), () => [rand([1, 2, 3, 4], 113), rand([1, 2, 3, 4], 114), rand([1, 2, 3, 4], 115)]],
  ['attention temporal causal', (q, k, v) => op.attention(q, k, v, { heads: 2, seqAxis: 1, causal: true }), () => [rand([2, 3, 2, 4], 116), rand([2, 3, 2, 4], 117), rand([2, 3, 2, 4], 118)]],
  ['attention temporal KV cache', (q, k, v) => op.attention(q, k, v, { heads: 2, seqAxis: 1, causal: true }), () => [rand([1, 2, 3, 4], 119), rand([1, 4, 3, 4], 120), rand([1, 4, 3, 4], 121)]],
  ['attention temporal keyFrames', (q, k, v) => op.attention(q, k, v, { heads: 2, seqAxis: 1, causal: true, keyFrames: 3 }), () => [rand([1, 2, 3, 4], 122), rand([1, 4, 3, 4], 123), rand([1, 4, 3, 4], 124)]],
];

const trainingCases: Case[] = [
  ['crossEntropy', (x) => op.crossEntropy(x, Int32Array.of(0, 3, -1, 2)), () => [rand([2, 2, 4], 130, -2, 2)]],
  ['crossEntropy weighted', (x) => op.crossEntropy(x, Int32Array.of(1, 2, 0), Float32Array.of(0.5, 0, 2)), () => [rand([3, 4], 131, -2, 2)]],
  ['mse', op.mse, () => [rand([2, 3], 132), rand([2, 3], 133)]],
  ['dropout', (x) => op.dropout(x, 0.5, new Rng(7), true), () => [rand([10], 137)]],
];

const groups: [string, Case[]][] = [
  ['unary', unaryCases], ['binary', binaryCases], ['matmul', matmulCases], ['shape', shapeCases],
  ['reduce', reduceCases], ['nn', nnCases], ['attention', attentionCases], ['training', trainingCases],
];

for (const kernels of testBackends) {
  for (const [group, cases] of groups) {
    test(`${kernels.name}: gradients of ${group} ops match finite differences`, () => {
      withBackend(kernels, () => {
        for (const [name, f, inputs] of cases) gradcheck(name, f, inputs());
      });
    });
  }
}

test('a wrong gradient rule fails the check', () => {
  const original = gradRules.unary;
  gradRules.unary = (grad, node, needsGrad) => original(grad, node, needsGrad).map((g) => g && op.mul(g as Tensor, 1.05));
  try {
    assert.throws(() => gradcheck('tanh', op.tanh, [rand([3], 1)]), /tanh: gradient of input 0/);
  } finally {
    gradRules.unary = original;
  }
});

// These two change gradients on purpose, so finite differences do not apply.
test('stopGradient blocks the gradient along its path only', () => {
  const x = parameter(rand([4], 3));
  op.backward(op.sum(op.mul(op.stopGradient(x), x)));
  assert.deepEqual([...x.grad!.data], [...x.data]);
});

test('straightThrough passes the gradient to x as identity and none to q', () => {
  const x = parameter(rand([4], 1));
  const q = parameter(rand([4], 2));
  const out = op.straightThrough(x, q);
  assert.deepEqual([...out.data], [...q.data]);
  op.backward(op.sum(op.mul(out, 3)));
  assert.deepEqual([...x.grad!.data], [3, 3, 3, 3]);
  assert.equal(q.grad, null);
});
