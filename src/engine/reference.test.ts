// The reference kernels are the oracle for the native addon, so they are checked here against
// independent computations (Python's math.erf values, naive matrix products, softmax by hand).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AttentionParams } from './kernels.ts';
import { reference as k } from './reference.ts';
import { erf } from './scalar-math.ts';

function close(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    assert.ok(Math.abs(actual[i] - expected[i]) <= tolerance, `${what}[${i}]: ${actual[i]} vs ${expected[i]}`);
  }
}

function seq(n: number, scale = 0.1, shift = 0): Float32Array {
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 1.7 + shift) * scale * 10);
}

test('erf matches Python math.erf to 1e-14', () => {
  const expected: [number, number][] = [
    [-7, -1.0], [-3.2, -0.9999939742388483], [-2.5, -0.999593047982555], [-2.4999, -0.9995928300996666],
    [-1, -0.8427007929497149], [-0.3, -0.3286267594591274], [0, 0], [1e-4, 0.00011283791633342487],
    [0.5, 0.5204998778130465], [1.7, 0.9837904585907745], [2.5, 0.999593047982555], [3, 0.9999779095030014],
    [4.5, 0.9999999998033839], [6.5, 1.0],
  ];
  for (const [x, want] of expected) assert.ok(Math.abs(erf(x) - want) < 1e-14, `erf(${x}) = ${erf(x)}, want ${want}`);
});

test('gemm honours transposes, leading dimensions, batch strides and offsets', () => {
  // op(A) is (2, 3), op(B) is (3, 2); A stored transposed (3, 2) with lda 4, B stored (2, 3) transposed.
  const m = 2, n = 2, kk = 3;
  const a = seq(2 + 2 * 12);
  const b = seq(1 + 2 * 6, 0.1, 1);
  const c = new Float32Array(2 * 4).fill(1);
  k.gemm({ batch: 2, m, n, k: kk, transA: true, transB: true, alpha: 2, beta: 0.5, lda: 4, ldb: 3, ldc: 2, strideA: 12, strideB: 6, strideC: 4, offsetA: 2, offsetB: 1, offsetC: 0 }, a, b, c);
  const expected: number[] = [];
  for (let t = 0; t < 2; t++) {
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let dot = 0;
        for (let l = 0; l < kk; l++) dot += a[2 + t * 12 + l * 4 + i] * b[1 + t * 6 + j * 3 + l];
        expected.push(2 * dot + 0.5);
      }
    }
  }
  close(c, expected, 1e-5, 'gemm');
});

test('softmax with a causal mask zeroes future columns and normalises the rest', () => {
  const x = seq(2 * 4); // two rows, causalRows 2, cols 4: row 0 sees columns 0..2, row 1 sees 0..3
  const y = new Float32Array(8);
  k.softmax(x, y, 2, 4, 2);
  assert.equal(y[3], 0);
  close([y[0] + y[1] + y[2], y[4] + y[5] + y[6] + y[7]], [1, 1], 1e-6, 'row sums');
  assert.ok(Math.abs(y[1] / y[0] - Math.exp(x[1] - x[0])) < 1e-5);
});

test('attention equals softmax(scale q k^T) v per head, with a KV-cache causal shift', () => {
  // One group, 2 heads of dim 2, lq 2 queries after lk 3 keys: query i sees keys j <= i + 1.
  const heads = 2, dh = 2, lq = 2, lk = 3, width = heads * dh;
  const q = seq(lq * width), kk = seq(lk * width, 0.1, 2), v = seq(lk * width, 0.1, 3);
  const rows = (row: number) => ({ g1: 0, g2: 0, row });
  const p: AttentionParams = { g1: 1, g2: 1, lq, lk, heads, headDim: dh, causal: true, scale: 0.7, q: rows(width), k: rows(width), v: rows(width), o: rows(width) };
  const out = new Float32Array(lq * width);
  const lse = new Float32Array(heads * lq);
  k.attention(p, q, kk, v, out, lse);
  const expected = new Float32Array(lq * width);
  for (let h = 0; h < heads; h++) {
    for (let i = 0; i < lq; i++) {
      const weights = [0, 1, 2].map((j) => (j <= i + 1 ? Math.exp(0.7 * (q[i * width + h * dh] * kk[j * width + h * dh] + q[i * width + h * dh + 1] * kk[j * width + h * dh + 1])) : 0));
      const total = weights.reduce((s, w) => s + w, 0);
      assert.ok(Math.abs(lse[h * lq + i] - Math.log(total)) < 1e-5, 'lse');
      for (let d = 0; d < dh; d++) expected[i * width + h * dh + d] = weights.reduce((s, w, j) => s + (w / total) * v[j * width + h * dh + d], 0);
    }
  }
  close(out, expected, 1e-6, 'attention');
});

test('id-taking kernels reject out-of-range ids with a RangeError naming the id', () => {
  const table = new Float32Array(6);
  assert.throws(() => k.gather(table, Int32Array.of(0, 3), new Float32Array(4), 3, 2), /gather: id 3 out of range \[0, 3\)/);
  assert.throws(() => k.scatterAdd(new Float32Array(2), Int32Array.of(-1), table, 3, 2), /scatterAdd: id -1/);
  assert.throws(() => k.pick(table, Int32Array.of(0, 3), new Float32Array(2), 2, 3), /pick: id 3/);
  const picked = new Float32Array(2);
  k.pick(Float32Array.of(1, 2, 3, 4, 5, 6), Int32Array.of(-1, 2), picked, 2, 3);
  close(picked, [0, 6], 0, 'pick ignores negative ids');
});

test('layerNorm output has zero mean and unit variance per row before the affine', () => {
  const x = seq(2 * 5);
  const y = new Float32Array(10), mean = new Float32Array(2), rstd = new Float32Array(2);
  k.layerNorm(x, null, null, y, mean, rstd, 2, 5, 1e-5);
  for (let r = 0; r < 2; r++) {
    const row = y.subarray(r * 5, r * 5 + 5);
    const mu = row.reduce((s, a) => s + a, 0) / 5;
    const variance = row.reduce((s, a) => s + (a - mu) ** 2, 0) / 5;
    assert.ok(Math.abs(mu) < 1e-6 && Math.abs(variance - 1) < 1e-3, `row ${r}: mean ${mu} var ${variance}`);
  }
});

test('nearestCode breaks ties toward the lower index', () => {
  const out = new Int32Array(2);
  k.nearestCode(Float32Array.of(0.5, 0, 2, 2), Float32Array.of(0, 0, 1, 0, 2, 2.1), out, 2, 3, 2);
  assert.deepEqual([...out], [0, 2]);
});
