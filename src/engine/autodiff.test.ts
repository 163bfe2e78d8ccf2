// Forward values of the composite ops against independent computations, and the tape's behaviour:
// accumulation, noGrad, broadcast reduction, error messages.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { noGrad, reduceToShape, withScratchMemory } from './autodiff.ts';
import { randomTensor as rand, testBackends, withBackend } from './gradcheck.ts';
import * as op from './ops.ts';
import { Tensor, assertFinite, parameter, tensor } from './tensor.ts';

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance = 1e-5, what = 'values'): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

// Attention written out with the unfused ops: heads split by reshape/permute, softmax over keys.
function unfusedAttention(q: Tensor, k: Tensor, v: Tensor, heads: number, seqAxis: 1 | 2, causal: boolean): Tensor {
  const [b, tq, n, d] = q.shape;
  const tk = k.shape[1];
  const dh = d / heads;
  // To (B, groups, heads, L, dh) with L the attended axis.
  const split = (x: Tensor, t: number) => {
    const h = op.reshape(x, [b, t, n, heads, dh]);
    return seqAxis === 2 ? op.permute(h, [0, 1, 3, 2, 4]) : op.permute(h, [0, 2, 3, 1, 4]);
  };
  const scores = op.mul(op.matmul(split(q, tq), split(k, tk), { transB: true }), 1 / Math.sqrt(dh));
  const mixed = op.matmul(op.softmax(scores, { causal }), split(v, tk));
  const back = seqAxis === 2 ? op.permute(mixed, [0, 1, 3, 2, 4]) : op.permute(mixed, [0, 3, 1, 2, 4]);
  return op.reshape(back, [b, tq, n, d]);
}

for (const kernels of testBackends) {
  test(`${kernels.name}: fused attention equals the unfused composition (spatial, temporal, KV cache)`, () => {
    withBackend(kernels, () => {
      const q = rand([2, 3, 4, 6], 1), k = rand([2, 3, 4, 6], 2), v = rand([2, 3, 4, 6], 3);
      for (const [seqAxis, causal] of [[2, false], [2, true], [1, true], [1, false]] as const) {
        close(op.attention(q, k, v, { heads: 3, seqAxis, causal }).data, unfusedAttention(q, k, v, 3, seqAxis, causal).data, 1e-5, `seqAxis ${seqAxis} causal ${causal}`);
      }
      // Two query frames after four cached frames see the whole cache plus their own past.
      const kc = rand([2, 4, 4, 6], 4), vc = rand([2, 4, 4, 6], 5), qLast = op.slice(rand([2, 4, 4, 6], 6), 1, 2, 4);
      close(op.attention(qLast, kc, vc, { heads: 2, seqAxis: 1, causal: true }).data, unfusedAttention(qLast, kc, vc, 2, 1, true).data, 1e-5, 'KV cache');
      // The same cache preallocated for 6 frames, of which the first 4 are filled (the rest is garbage).
      const roomy = (t: Tensor) => op.concat([t, rand([2, 2, 4, 6], 7)], 1);
      close(op.attention(qLast, roomy(kc), roomy(vc), { heads: 2, seqAxis: 1, causal: true, keyFrames: 4 }).data, unfusedAttention(qLast, kc, vc, 2, 1, true).data, 1e-5, 'keyFrames');
    });
  });

  test(`${kernels.name}: matmul with broadcast batches equals per-item products`, () => {
    withBackend(kernels, () => {
      const a = rand([2, 1, 3, 4], 7), b = rand([3, 4, 5], 8);
      const out = op.matmul(a, b);
      assert.deepEqual(out.shape, [2, 3, 3, 5]);
      for (let i = 0; i < 2; i++) {
        for (let j = 0; j < 3; j++) {
          const expected = op.matmul(op.reshape(op.slice(a, 0, i, i + 1), [3, 4]), op.reshape(op.slice(b, 0, j, j + 1), [4, 5]));
          close(op.slice(op.slice(out, 0, i, i + 1), 1, j, j + 1).data, expected.data, 1e-6, `item ${i},${j}`);
        }
      }
      const manual = [1 * 5 + 2 * 7, 1 * 6 + 2 * 8, 3 * 5 + 4 * 7, 3 * 6 + 4 * 8];
      close(op.matmul(tensor([1, 2, 3, 4], [2, 2]), tensor([5, 6, 7, 8], [2, 2])).data, manual, 0, '2x2');
      close(op.linear(tensor([1, 2], [1, 2]), tensor([1, 0, 0, 1, 1, 1], [3, 2]), tensor([0.5, 0, -1], [3])).data, [1.5, 2, 2], 0, 'linear');
    });
  });

  test(`${kernels.name}: shape ops, reductions and crossEntropy give the expected values`, () => {
    withBackend(kernels, () => {
      const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
      assert.deepEqual([...op.transpose(x, 0, 1).data], [1, 4, 2, 5, 3, 6]);
      assert.deepEqual([...op.slice(x, 1, 1, 3).data], [2, 3, 5, 6]);
      assert.deepEqual([...op.concat([x, tensor([7, 8], [2, 1])], 1).data], [1, 2, 3, 7, 4, 5, 6, 8]);
      assert.deepEqual([...op.expand(tensor([1, 2], [2, 1]), [2, 2]).data], [1, 1, 2, 2]);
      assert.deepEqual([...op.sum(x, [0]).data], [5, 7, 9]);
      assert.deepEqual([...op.max(x, [1]).data], [3, 6]);
      assert.deepEqual(op.sum(x, [1], true).shape, [2, 1]);
      close(op.mean(x).data, [3.5]);
      const logits = tensor([1, 2, 3, 0, 0, 0], [2, 3]);
      const nll0 = Math.log(Math.exp(1) + Math.exp(2) + Math.exp(3)) - 3;
      const nll1 = Math.log(3);
      close(op.crossEntropy(logits, Int32Array.of(2, 0)).data, [(nll0 + nll1) / 2], 1e-6, 'mean');
      close(op.crossEntropy(logits, Int32Array.of(2, -1)).data, [nll0], 1e-6, 'ignored row');
      close(op.crossEntropy(logits, Int32Array.of(2, 0), Float32Array.of(1, 3)).data, [(nll0 + 3 * nll1) / 4], 1e-6, 'weighted');
      close(op.crossEntropy(logits, Int32Array.of(-1, -1)).data, [0], 0, 'all ignored');
      close(op.gelu(tensor([-1, 0.5], [2])).data, [-0.15865525393145707, 0.34573123063700656], 1e-7, 'exact gelu');
    });
  });
}

test('gradients accumulate across uses and across backward calls', () => {
  const x = parameter(tensor([1, 2, 3], [3]));
  op.backward(op.sum(op.add(op.mul(x, x), x))); // d/dx (x^2 + x) = 2x + 1
  assert.deepEqual([...x.grad!.data], [3, 5, 7]);
  op.backward(op.sum(op.mul(x, 2)));
  assert.deepEqual([...x.grad!.data], [5, 7, 9]);
  // Two leaves fed from one broadcast gradient get separate buffers.
  const a = parameter(tensor([1, 1], [2]));
  const b = parameter(tensor([1, 1], [2]));
  op.backward(op.sum(op.add(a, b)));
  a.grad!.data[0] = 100;
  assert.equal(b.grad!.data[0], 1);
});

test('noGrad records nothing and backward explains a loss without a graph', () => {
  const x = parameter(tensor([1, 2], [2]));
  const y = noGrad(() => op.sum(op.mul(x, x)));
  assert.equal(y.node, null);
  assert.equal(y.requiresGrad, false);
  assert.throws(() => op.backward(y), /backward: the loss does not depend on any tensor that requires gradients/);
  assert.throws(() => op.backward(op.mul(x, x)), /backward: loss has shape \(2\)/);
});

test('reshape shares the buffer; broadcast gradients are summed to the input shape', () => {
  const x = tensor([1, 2, 3, 4, 5, 6], [2, 3]);
  assert.equal(op.reshape(x, [3, -1]).data, x.data);
  const reduced = reduceToShape(tensor([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12], [2, 2, 3]), [2, 1]);
  assert.deepEqual(reduced.shape, [2, 1]);
  assert.deepEqual([...reduced.data], [1 + 2 + 3 + 7 + 8 + 9, 4 + 5 + 6 + 10 + 11 + 12]);
});

test('shape errors name the op and both shapes', () => {
  const a = rand([2, 3], 1), b = rand([4, 5], 2);
  assert.throws(() => op.matmul(a, b), { message: 'matmul: inner dimensions differ: a (2, 3) vs b (4, 5)' });
  assert.throws(() => op.add(a, b), { message: 'add: shapes do not broadcast: a (2, 3) vs b (4, 5)' });
  assert.throws(() => op.reshape(a, [4, -1]), /reshape: cannot reshape \(2, 3\) to \(4, -1\)/);
  assert.throws(() => op.concat([a, b], 0), /concat: shapes differ outside axis 0: \(2, 3\) vs \(4, 5\)/);
  assert.throws(() => op.linear(a, b), /linear: input \(2, 3\) does not match weight \(4, 5\)/);
  assert.throws(() => op.attention(rand([1, 2, 3, 4], 3), rand([1, 3, 3, 4], 4), rand([1, 3, 3, 4], 5), { heads: 2, seqAxis: 2, causal: false }), /attention: spatial attention needs the same frames in q and k: q \(1, 2, 3, 4\) vs k \(1, 3, 3, 4\)/);
  assert.throws(() => op.attention(rand([1, 1, 3, 4], 3), rand([1, 3, 3, 4], 4), rand([1, 3, 3, 4], 5), { heads: 2, seqAxis: 1, causal: true, keyFrames: 4 }), /attention: keyFrames 4 is not within 1..3/);
  assert.throws(() => op.attention(rand([1, 2, 3, 4], 3), rand([1, 2, 3, 4], 4), rand([1, 2, 3, 4], 5), { heads: 2, seqAxis: 2, causal: false, keyFrames: 1 }), /attention: keyFrames is for temporal attention/);
  assert.throws(() => op.embedding(rand([3, 2], 6), Int32Array.of(3), [1]), /gather: id 3.* out of range/);
  assert.throws(() => new Tensor([2, 2], new Float32Array(3)), /tensor: 3 values do not fill shape \(2, 2\)/);
});

test('assertFinite reports NaN and infinities with the caller\'s label', () => {
  assertFinite(tensor([1, 2], [2]), 'ok');
  assert.throws(() => assertFinite(tensor([1, NaN, Infinity], [3]), 'loss at step 7'), /loss at step 7: 2 of 3 values are NaN or infinite/);
});

test('withScratchMemory: outputs reuse one region scope after scope, nested scopes keep outer values, no graph', () => {
  const x = parameter(tensor(Float32Array.from({ length: 1000 }, (_, i) => i / 7), [10, 100]));
  const expected = op.mul(x, 2).data.slice();
  const where = () => withScratchMemory(() => {
    const y = op.mul(x, 2);
    assert.deepEqual(y.data, expected);
    assert.equal(y.node, null, 'nothing is recorded');
    return { buffer: y.data.buffer, offset: y.data.byteOffset };
  });
  const first = where();
  const second = where();
  assert.equal(second.buffer, first.buffer);
  assert.equal(second.offset, first.offset, 'the second scope reuses the memory the first released');

  withScratchMemory(() => {
    const outer = op.add(x, 1);
    const kept = outer.data.slice();
    for (let i = 0; i < 3; i++) withScratchMemory(() => void op.mul(x, -5));
    assert.deepEqual(outer.data, kept, 'inner scopes never write over the outer scope\'s tensors');
    // More than the slab holds: it grows, and tensors in the old slab stay intact.
    const big = op.expand(op.reshape(x, [1, 10, 100]), [5000, 10, 100]);
    assert.equal(big.data[big.size - 1], x.data[999]);
    assert.deepEqual(outer.data, kept);
  });
});

test('withScratchMemory refuses to return a tensor that lives in scratch memory', () => {
  const x = tensor([1, 2, 3], [3]);
  assert.throws(() => withScratchMemory(() => op.add(x, x)), /withScratchMemory: the result lives in scratch memory/);
  const copied = withScratchMemory(() => tensor(op.add(x, x).data.slice(), [3]));
  assert.deepEqual([...copied.data], [2, 4, 6]);
});
