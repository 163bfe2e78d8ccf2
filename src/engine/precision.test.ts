// bf16 and int8 inference (precision.ts, native/bf16.cc, native/int8.cc): the native kernels (AMX or AVX512-BF16) against the reference backend run on
// inputs rounded to bf16 the same way, so only the order of fp32 sums (and, in attention, the rounding of
// the probabilities) may differ; and the scope's rules: fp32 whenever a graph is recorded, packed weights
// remade after the weights change. The kernel tests need a CPU with either and skip elsewhere;
// they test whichever this machine runs (bf16Products()), and on AMX machines run again on AVX512-BF16. The
// int8 kernel (AVX512-VNNI) is checked against the exact integer arithmetic of its quantized operands.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { attention, linear } from './ops.ts';
import { isRecording, noGrad } from './autodiff.ts';
import { useBackend } from './backend.ts';
import type { AttentionParams } from './kernels.ts';
import { loadNative } from './native.ts';
import { AdamW } from './optim.ts';
import { bf16Backend, bf16Products, bf16Supported, choosePrecision, inference, int8Backend, int8Supported, withPrecision } from './precision.ts';
import { Rng } from './random.ts';
import { reference } from './reference.ts';
import { Tensor, parameter } from './tensor.ts';

const native = loadNative();
const hasBf16 = native.bf16Available?.() ?? false;
const needsBf16 = hasBf16 ? {} : { skip: 'this CPU (or build) has no bf16 products (AMX or AVX512-BF16)' };
const hasInt8 = native.int8Available?.() ?? false;
const needsInt8 = hasInt8 ? {} : { skip: 'this CPU (or build) has no int8 products (AVX512-VNNI with AVX512-BF16)' };
const rng = new Rng(7);

function uniform(n: number, low = -1, high = 1): Float32Array {
  return Float32Array.from({ length: n }, () => low + (high - low) * rng.uniform());
}

// Round to the nearest bf16, ties to even (what the hardware conversion does).
const word = new Float32Array(1);
const bits = new Uint32Array(word.buffer);
function bf16(values: Float32Array, scale = 1): Float32Array {
  return values.map((x) => {
    word[0] = x * scale;
    bits[0] = ((bits[0] + 0x7fff + ((bits[0] >>> 16) & 1)) >>> 16) << 16;
    return word[0];
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.reduce((worst, x, i) => Math.max(worst, Math.abs(x - b[i])), 0);
}

function packed(w: Float32Array, rows: number, cols: number): Uint16Array {
  const out = new Uint16Array(native.bf16PackedLength!(rows, cols));
  native.bf16Pack!(w, rows, cols, out);
  return out;
}

test('bf16Linear equals an fp32 product of bf16-rounded inputs: odd sizes, tails of tiles, bias, threads', needsBf16, () => {
  // [m, k, n]: single rows, k and n off the 32/16 tile grid, and a product large enough for two threads.
  for (const [m, k, n] of [[1, 8, 3], [37, 100, 70], [33, 32, 16], [64, 129, 48], [600, 128, 512]]) {
    const a = uniform(m * k), w = uniform(n * k), bias = uniform(n);
    for (const withBias of [false, true]) {
      const ours = new Float32Array(m * n).fill(Number.NaN); // every element must be written
      native.bf16Linear!(m, n, k, a, packed(w, n, k), withBias ? bias : null, ours);
      const expected = new Float32Array(m * n);
      if (withBias) for (let r = 0; r < m; r++) expected.set(bias, r * n);
      reference.gemm({ batch: 1, m, n, k, transA: false, transB: true, alpha: 1, beta: withBias ? 1 : 0, lda: k, ldb: k, ldc: n,
        strideA: 0, strideB: 0, strideC: 0, offsetA: 0, offsetB: 0, offsetC: 0 }, bf16(a), bf16(w), expected);
      assert.ok(maxAbsDiff(ours, expected) < 1e-4, `${m}x${k}->${n} bias ${withBias}: off by ${maxAbsDiff(ours, expected)}`);
    }
  }
});

test('attentionBf16 matches attention on bf16-rounded q, k, v: spatial, causal, temporal, odd lengths', needsBf16, () => {
  const cases: [string, AttentionParams][] = [];
  const spatial = (groups: number, n: number, heads: number, dh: number, causal: boolean): AttentionParams => {
    const width = heads * dh, rows = { g1: n * width, g2: 0, row: width };
    return { g1: groups, g2: 1, lq: n, lk: n, heads, headDim: dh, causal, scale: 1 / Math.sqrt(dh), q: rows, k: rows, v: rows, o: rows };
  };
  cases.push(['spatial 256 tokens, 4 heads of 32', spatial(1, 256, 4, 32, false)]);
  cases.push(['spatial causal, 70 tokens, head dim 24', spatial(2, 70, 3, 24, true)]);
  // Temporal on (B, T, N, D): groups over (B, N), 40 frames of 3 tokens, keys a longer cache (lk 45).
  const [B, T, Tk, N, heads, dh] = [2, 40, 45, 3, 2, 16];
  const D = heads * dh, frames = (t: number) => ({ g1: t * N * D, g2: D, row: N * D });
  cases.push(['temporal causal, cache longer than queries', { g1: B, g2: N, lq: T, lk: Tk, heads, headDim: dh, causal: true, scale: 0.25, q: frames(T), k: frames(Tk), v: frames(Tk), o: frames(T) }]);
  for (const [name, p] of cases) {
    const span = (rows: number, s: { g1: number; g2: number; row: number }) => p.g1 * s.g1 + (p.g2 - 1) * s.g2 + (rows - 1) * s.row + p.heads * p.headDim;
    const q = uniform(span(p.lq, p.q), -2, 2), k = uniform(span(p.lk, p.k), -2, 2), v = uniform(span(p.lk, p.v));
    const ours = new Float32Array(span(p.lq, p.o));
    native.attentionBf16!(p, q, k, v, ours);
    const expected = new Float32Array(ours.length);
    reference.attention({ ...p, scale: 1 }, bf16(q, p.scale), bf16(k), bf16(v), expected, new Float32Array(p.g1 * p.g2 * p.heads * p.lq));
    // Each probability is rounded to bf16 (relative error <= 2^-9) before it weighs v (|v| <= 1).
    assert.ok(maxAbsDiff(ours, expected) < 4e-3, `${name}: off by ${maxAbsDiff(ours, expected)}`);
  }
});

test('bf16 kernels reject bad sizes with errors naming the kernel and argument', needsBf16, () => {
  const w = uniform(6);
  assert.throws(() => native.bf16Pack!(w, 2, 4, new Uint16Array(native.bf16PackedLength!(2, 4))), /bf16Pack: w has 6 elements, expected 8/);
  assert.throws(() => native.bf16Pack!(w, 2, 3, new Uint16Array(5)), /bf16Pack: packed has 5 elements/);
  assert.throws(() => native.bf16Linear!(2, 2, 3, uniform(6), new Uint16Array(3), null, new Float32Array(4)), /bf16Linear: packed has 3 elements/);
  const good = packed(w, 2, 3);
  assert.throws(() => native.bf16Linear!(2, 2, 3, uniform(6), good, uniform(3), new Float32Array(4)), /bf16Linear: bias has 3 elements, expected 2/);
  assert.throws(() => native.bf16Linear!(2, 2, 3, uniform(6), good, null, new Float32Array(3)), /bf16Linear: c has 3 elements, expected 4/);
  assert.throws(() => native.bf16Linear!(2, 2, 3, uniform(6), new Float32Array(4) as unknown as Uint16Array, null, new Float32Array(4)), /bf16Linear: packed must be a Uint16Array/);
});

// int8Linear's arithmetic in JS: each weight column and each row of a quantized to codes in -127..127 at a
// scale of max|.| / 127 (ties to even), the code products summed exactly, then scaled (one fused
// multiply-add with the bias, here in double then rounded: within an ulp).
function int8Product(m: number, n: number, k: number, a: Float32Array, w: Float32Array, bias: Float32Array | null): Float32Array {
  const toEven = (v: number) => {
    const low = Math.floor(v);
    return v - low > 0.5 || (v - low === 0.5 && low % 2 !== 0) ? low + 1 : low;
  };
  const quantize = (values: Float32Array, divide: boolean) => {
    const peak = values.reduce((top, v) => Math.max(top, Math.abs(v)), 0);
    const scale = peak > 0 ? Math.fround(peak / 127) : 1;
    const inverse = peak > 0 ? Math.fround(127 / peak) : 1; // rows multiply by it, weights divide by the scale
    const codes = values.map((v) => Math.min(127, Math.max(-127, toEven(Math.fround(divide ? v / scale : v * inverse)))));
    return { scale, codes };
  };
  const columns = Array.from({ length: n }, (_, j) => quantize(w.subarray(j * k, (j + 1) * k), true));
  const out = new Float32Array(m * n);
  for (let r = 0; r < m; r++) {
    const row = quantize(a.subarray(r * k, (r + 1) * k), false);
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let i = 0; i < k; i++) sum += row.codes[i] * columns[j].codes[i];
      out[r * n + j] = sum * Math.fround(row.scale * columns[j].scale) + (bias ? bias[j] : 0);
    }
  }
  return out;
}

function int8Packed(w: Float32Array, rows: number, cols: number): Uint8Array {
  const out = new Uint8Array(native.int8PackedLength!(rows, cols));
  native.int8Pack!(w, rows, cols, out);
  return out;
}

test('int8Linear equals the exact arithmetic of its int8 codes: odd sizes, column tails, bias, a zero row, threads', needsInt8, () => {
  for (const [m, k, n] of [[1, 8, 3], [37, 100, 70], [33, 32, 16], [64, 129, 48], [600, 128, 512]]) {
    const a = uniform(m * k, -3, 3), w = uniform(n * k), bias = uniform(n);
    a.fill(0, k, 2 * k); // a row of zeros (scale 1, codes 0): its outputs are the bias
    for (const withBias of [false, true]) {
      const ours = new Float32Array(m * n).fill(Number.NaN); // every element must be written
      native.int8Linear!(m, n, k, a, int8Packed(w, n, k), withBias ? bias : null, ours);
      const expected = int8Product(m, n, k, a, w, withBias ? bias : null);
      const gap = ours.reduce((worst, v, i) => Math.max(worst, Math.abs(v - expected[i]) / (Math.abs(expected[i]) + 1)), 0);
      assert.ok(gap < 1e-6, `${m}x${k}->${n} bias ${withBias}: off the int8 arithmetic by ${gap}`);
      // And near the fp32 product: 8-bit codes of both operands.
      const exact = new Float32Array(m * n);
      if (withBias) for (let r = 0; r < m; r++) exact.set(bias, r * n);
      reference.gemm({ batch: 1, m, n, k, transA: false, transB: true, alpha: 1, beta: withBias ? 1 : 0, lda: k, ldb: k, ldc: n,
        strideA: 0, strideB: 0, strideC: 0, offsetA: 0, offsetB: 0, offsetC: 0 }, a, w, exact);
      const scale = exact.reduce((top, v) => Math.max(top, Math.abs(v)), 0);
      assert.ok(maxAbsDiff(ours, exact) < 0.02 * scale, `${m}x${k}->${n}: ${maxAbsDiff(ours, exact)} from fp32 (values up to ${scale})`);
      if (m > 1) for (let j = 0; j < n; j++) assert.equal(ours[n + j], withBias ? bias[j] : 0);
    }
  }
});

test('int8: a NaN or infinity in a row of a makes that row NaN, in a weight column that column; bad sizes name the argument', needsInt8, () => {
  const [m, k, n] = [3, 40, 5];
  const a = uniform(m * k), w = uniform(n * k), c = new Float32Array(m * n);
  a[k + 7] = Number.NaN;
  w[2 * k + 3] = Number.POSITIVE_INFINITY;
  native.int8Linear!(m, n, k, a, int8Packed(w, n, k), null, c);
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < n; j++) assert.equal(Number.isNaN(c[r * n + j]), r === 1 || j === 2, `row ${r} column ${j}: ${c[r * n + j]}`);
  }
  assert.throws(() => native.int8Pack!(uniform(6), 2, 4, new Uint8Array(native.int8PackedLength!(2, 4))), /int8Pack: w has 6 elements, expected 8/);
  assert.throws(() => native.int8Pack!(uniform(6), 2, 3, new Uint8Array(5)), /int8Pack: packed has 5 elements/);
  const good = int8Packed(uniform(6), 2, 3);
  assert.throws(() => native.int8Linear!(2, 2, 3, uniform(6), new Uint8Array(3), null, new Float32Array(4)), /int8Linear: packed has 3 elements/);
  assert.throws(() => native.int8Linear!(2, 2, 3, uniform(6), good, uniform(3), new Float32Array(4)), /int8Linear: bias has 3 elements, expected 2/);
  assert.throws(() => native.int8Linear!(2, 2, 3, uniform(6), good, null, new Float32Array(3)), /int8Linear: c has 3 elements, expected 4/);
  assert.throws(() => native.int8Linear!(2, 2, 3, uniform(6), new Uint16Array(good.length) as unknown as Uint8Array, null, new Float32Array(4)), /int8Linear: packed must be a Uint8Array/);
});

test('withPrecision int8 is bf16 with int8 for the fused block; not while recording, not in bf16', needsInt8, () => {
  const seen = inference('int8', () => ({ bf16: bf16Backend() !== null, int8: int8Backend() !== null }));
  assert.deepEqual(seen, { bf16: true, int8: true });
  assert.equal(inference('bf16', () => int8Backend()), null);
  assert.equal(withPrecision('int8', () => int8Backend()), null, 'a graph is being recorded');
  assert.equal(int8Backend(), null);
});

test('withPrecision bf16: linear and attention use bf16 without a graph, fp32 while recording', needsBf16, () => {
  const x = new Tensor([2, 1, 64, 32], uniform(2 * 64 * 32));
  const weight = parameter(new Tensor([48, 32], uniform(48 * 32)));
  const fp32 = noGrad(() => linear(x, weight)).data;
  const inBf16 = noGrad(() => withPrecision('bf16', () => linear(x, weight))).data;
  const difference = maxAbsDiff(inBf16, fp32);
  assert.ok(difference > 0 && difference < 0.05, `bf16 linear differs from fp32 by ${difference}`);
  // Recording (training): fp32 exactly, and the graph is there to run backward.
  const recorded = withPrecision('bf16', () => linear(x, weight));
  assert.deepEqual(recorded.data, fp32);
  assert.ok(recorded.node, 'a recorded linear keeps its graph');
  const options = { heads: 2, seqAxis: 2 as const, causal: false };
  const fp32Attention = noGrad(() => attention(x, x, x, options)).data;
  const bf16Attention = noGrad(() => withPrecision('bf16', () => attention(x, x, x, options))).data;
  assert.ok(maxAbsDiff(bf16Attention, fp32Attention) > 0 && maxAbsDiff(bf16Attention, fp32Attention) < 0.05);
  // Fewer than 32 queries (one query frame of temporal attention at play time) stay fp32.
  const short = new Tensor([1, 1, 8, 32], uniform(8 * 32));
  assert.deepEqual(noGrad(() => withPrecision('bf16', () => attention(short, short, short, options))).data, noGrad(() => attention(short, short, short, options)).data);
});

test('a packed weight is remade after an optimizer step changes the weight', needsBf16, () => {
  const x = new Tensor([4, 16], uniform(64));
  const weight = parameter(new Tensor([8, 16], uniform(128)));
  const before = noGrad(() => withPrecision('bf16', () => linear(x, weight))).data;
  weight.grad = new Tensor([8, 16], new Float32Array(128).fill(1));
  new AdamW([['weight', weight]], { lr: 0.1 }).step();
  const after = noGrad(() => withPrecision('bf16', () => linear(x, weight))).data;
  const fp32After = noGrad(() => linear(x, weight)).data;
  assert.ok(maxAbsDiff(after, before) > 0.1, 'the step moved the output');
  assert.ok(maxAbsDiff(after, fp32After) < 0.05, 'bf16 follows the updated weight');
});

test('choosePrecision: auto follows the machine (never int8); bf16 or int8 where unsupported is an error', () => {
  assert.equal(choosePrecision('fp32'), 'fp32');
  assert.equal(choosePrecision('auto'), hasBf16 ? 'bf16' : 'fp32');
  assert.equal(int8Supported(), hasInt8);
  if (hasInt8) assert.equal(choosePrecision('int8'), 'int8');
  else assert.throws(() => choosePrecision('int8'), /--precision int8: this CPU has no int8 products/);
  // bf16Products names the kernels exactly where there are some; AVX512-BF16 always underlies AMX here.
  const products = bf16Products();
  assert.equal(products !== null, hasBf16);
  if (products) assert.ok(['amx', 'avx512-bf16'].includes(products), products);
  const previous = useBackend(reference); // the reference backend has no bf16 kernels
  try {
    assert.equal(bf16Supported(), false);
    assert.equal(bf16Products(), null);
    assert.equal(choosePrecision('auto'), 'fp32');
    assert.throws(() => choosePrecision('bf16'), /--precision bf16: this CPU has no bf16 products/);
    assert.equal(int8Supported(), false);
    assert.throws(() => choosePrecision('int8'), /--precision int8: this CPU has no int8 products \(AVX512-VNNI with AVX512-BF16\)/);
    // Without bf16 kernels the scope changes nothing.
    const x = new Tensor([3, 4], uniform(12)), w = new Tensor([2, 4], uniform(8));
    assert.deepEqual(noGrad(() => withPrecision('bf16', () => linear(x, w))).data, noGrad(() => linear(x, w)).data);
  } finally {
    useBackend(previous);
  }
});

test('inference(precision, fn) records no graph and runs fn in that precision', () => {
  const w = parameter(new Tensor([3, 2], Float32Array.of(1, 2, 3, 4, 5, 6)));
  const seen = inference('bf16', () => ({ recording: isRecording(), bf16: bf16Backend() !== null, out: linear(new Tensor([1, 2], Float32Array.of(1, 1)), w) }));
  assert.equal(seen.recording, false);
  assert.equal(seen.bf16, hasBf16);
  assert.equal(seen.out.node, null, 'no tape node: nothing to backpropagate through');
  assert.deepEqual(Array.from(seen.out.data), [3, 7, 11]);
  assert.equal(inference('fp32', () => bf16Backend()), null);
});

// The kernel is chosen once per process: on AMX machines, where the tiles are the default, this file and the
// fused-block test run again in a child process on the dot-product kernel, so both kernels are tested there.
test('on AMX machines the bf16 tests pass on the AVX512-BF16 kernel too (GENIE_BF16_PRODUCTS)', bf16Products() === 'amx' ? {} : { skip: 'runs where AMX tiles are the default' }, () => {
  const files = [fileURLToPath(import.meta.url), fileURLToPath(new URL('../models/st-transformer.test.ts', import.meta.url))];
  // Without NODE_TEST_CONTEXT, which the runner sets for its own children: the child reports as a plain run.
  const { NODE_TEST_CONTEXT: _, ...env } = process.env;
  const child = spawnSync(process.execPath, ['--import', 'tsx', '--test', ...files], { env: { ...env, GENIE_BF16_PRODUCTS: 'avx512-bf16' }, encoding: 'utf8' });
  assert.equal(child.status, 0, child.stdout.slice(-4000) + child.stderr);
  assert.match(child.stdout, /# fail 0/);
});

test('GENIE_BF16_PRODUCTS=avx512-bf16 selects the dot-product kernel', process.env.GENIE_BF16_PRODUCTS === 'avx512-bf16' && hasBf16 ? {} : { skip: 'set by the test above' }, () => {
  assert.equal(bf16Products(), 'avx512-bf16');
});
