import assert from 'node:assert/strict';
import { test } from 'node:test';
import { backend, useBackend } from './backend.ts';
import { add, gelu, matmul } from './ops.ts';
import { formatProfile, profileKernels } from './profile.ts';
import { tensor } from './tensor.ts';

test('the kernel profiler counts each kernel call, splits element-wise kernels by op, and passes results through', () => {
  const profile = profileKernels(backend());
  const a = tensor([1, 2, 3, 4], [2, 2]);
  const expected = gelu(add(matmul(a, a), a)).data;
  const previous = useBackend(profile.kernels);
  try {
    const y = gelu(add(matmul(a, a), a));
    assert.deepEqual(y.data, expected);
  } finally {
    useBackend(previous);
  }
  const calls = Object.fromEntries(profile.table().map((r) => [r.kernel, r.calls]));
  assert.equal(calls.gemm, 1);
  assert.equal(calls['binary add'], 1);
  assert.equal(calls['unary gelu'], 1);
  assert.ok(profile.table().every((r) => r.ms >= 0));
  assert.match(formatProfile(profile.table()), /^kernel .*\n(.*\n)*all kernels/);
  profile.reset();
  assert.deepEqual(profile.table(), []);
});
