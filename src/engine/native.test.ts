// Every native kernel against the reference backend (the oracle) on random inputs with odd sizes,
// broadcasting, strides, offsets and masks, plus bad input that must throw instead of touching memory.
// Sizes are chosen so that both the one-thread and the threaded paths of each kernel run.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { AttentionParams, GemmParams, Kernels, UnaryOp } from './kernels.ts';
import { loadNative } from './native.ts';
import { Rng } from './random.ts';
import { reference } from './reference.ts';

const native = loadNative();
const rng = new Rng(20240611);

type Buffers = Record<string, Float32Array | Int32Array>;

function uniform(n: number, low = -1, high = 1): Float32Array {
  return Float32Array.from({ length: n }, () => low + (high - low) * rng.uniform());
}

function ints(n: number, low: number, high: number): Int32Array {
  return Int32Array.from({ length: n }, () => low + rng.int(high - low));
}

function clone(buffers: Buffers): Buffers {
  return Object.fromEntries(Object.entries(buffers).map(([key, value]) => [key, value.slice()]));
}

interface Tolerance {
  rtol: number;
  atol: number;
}
const TIGHT: Tolerance = { rtol: 1e-5, atol: 1e-6 };
const SUMS: Tolerance = { rtol: 1e-5, atol: 1e-5 }; // dot products and sums of many float terms

function assertClose(what: string, actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance): void {
  assert.equal(actual.length, expected.length, `${what}: length`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i], e = expected[i];
    const agree = Number.isFinite(e) ? Math.abs(a - e) <= tol.atol + tol.rtol * Math.abs(e) : Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e));
    if (!agree) assert.fail(`${what}[${i}]: native ${a}, reference ${e}`);
  }
}

// Runs the same call on both backends with identical copies of the buffers and compares every buffer
// afterwards (outputs must agree, inputs must be untouched) and the return values.
function compare(what: string, buffers: Buffers, call: (k: Kernels, b: Buffers) => number | void, tol: Tolerance = TIGHT): void {
  const ours = clone(buffers);
  const theirs = clone(buffers);
  const ourResult = call(native, ours);
  const theirResult = call(reference, theirs);
  if (typeof theirResult === 'number') assertClose(`${what} result`, [ourResult as number], [theirResult], tol);
  for (const key of Object.keys(buffers)) assertClose(`${what} ${key}`, ours[key], theirs[key], tol);
}

function gemmParams(p: Partial<GemmParams> & Pick<GemmParams, 'm' | 'n' | 'k'>): GemmParams {
  const { m, n, k } = p;
  const transA = p.transA ?? false, transB = p.transB ?? false;
  const lda = p.lda ?? (transA ? m : k), ldb = p.ldb ?? (transB ? k : n), ldc = p.ldc ?? n;
  return {
    batch: 1, transA, transB, alpha: 1, beta: 0, lda, ldb, ldc,
    strideA: (transA ? k : m) * lda, strideB: (transB ? n : k) * ldb, strideC: m * ldc,
    offsetA: 0, offsetB: 0, offsetC: 0, ...p,
  };
}

// Buffer length a gemm operand needs: the last element it reads, plus one.
function operandLength(batch: number, stride: number, rows: number, ld: number, cols: number, offset: number): number {
  return offset + (batch - 1) * stride + (rows - 1) * ld + cols;
}

function runGemm(what: string, p: GemmParams, cFill?: number, tol: Tolerance = SUMS): void {
  const aLen = operandLength(p.batch, p.strideA, p.transA ? p.k : p.m, p.lda, p.transA ? p.m : p.k, p.offsetA);
  const bLen = operandLength(p.batch, p.strideB, p.transB ? p.n : p.k, p.ldb, p.transB ? p.k : p.n, p.offsetB);
  const cLen = operandLength(p.batch, p.strideC, p.m, p.ldc, p.n, p.offsetC);
  const c = cFill === undefined ? uniform(cLen) : new Float32Array(cLen).fill(cFill);
  compare(what, { a: uniform(aLen), b: uniform(bLen), c }, (k, x) => k.gemm(p, x.a as Float32Array, x.b as Float32Array, x.c as Float32Array), tol);
}

test('gemm: transposes, odd sizes, leading dimensions, batch strides and offsets', () => {
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      runGemm(`gemm ${transA}/${transB}`, gemmParams({ m: 7, n: 13, k: 5, transA, transB, alpha: 0.7, beta: 0.3 }));
      const p = gemmParams({ m: 5, n: 9, k: 11, transA, transB, alpha: 1.3, beta: 0.5, batch: 3 });
      runGemm(`gemm strided ${transA}/${transB}`, {
        ...p, lda: p.lda + 3, ldb: p.ldb + 2, ldc: p.ldc + 1,
        strideA: p.strideA + 40, strideB: p.strideB + 50, strideC: p.strideC + 20, offsetA: 4, offsetB: 7, offsetC: 3,
      });
    }
  }
});

test('gemm: large products split over threads, batches of uneven count, beta 0 ignores NaN in C', () => {
  runGemm('gemm 150x97x130', gemmParams({ m: 150, n: 97, k: 130 }), Number.NaN);
  runGemm('gemm 70x200x64 transB', gemmParams({ m: 70, n: 200, k: 64, transB: true, beta: 1 }));
  runGemm('gemm batch 3 of 64x80x96', gemmParams({ m: 64, n: 80, k: 96, batch: 3, transA: true }));
  runGemm('gemm batch 8', gemmParams({ m: 33, n: 17, k: 40, batch: 8 }));
  runGemm('gemm row blocks, transA', gemmParams({ m: 200, n: 40, k: 64, transA: true, transB: true, beta: 0.5 }));
  // k >= 8 x max(m, n): split over k into per-thread partials (weight gradients), every transpose. Float
  // rounding over ~2,000 terms is summed in another order than the reference's, hence the wider tolerance.
  const longSums: Tolerance = { rtol: 1e-4, atol: 1e-4 };
  for (const transA of [false, true]) {
    for (const transB of [false, true]) {
      const p = gemmParams({ m: 24, n: 40, k: 2001, transA, transB, alpha: 0.7, beta: 0.5 });
      const strided = { ...p, lda: p.lda + 2, ldb: p.ldb + 3, ldc: p.ldc + 1, strideA: 0, strideB: 0, strideC: 0, offsetA: 5, offsetB: 2, offsetC: 3 };
      runGemm(`gemm split k ${transA}/${transB}`, strided, undefined, longSums);
    }
  }
  runGemm('gemm split k, beta 0 ignores NaN in C', gemmParams({ m: 32, n: 32, k: 4096, transA: true }), Number.NaN, longSums);
});

test('gemm: strideC 0 accumulates every batch item into one C, in order', () => {
  const p = gemmParams({ m: 48, n: 64, k: 96, batch: 4, beta: 1 });
  runGemm('gemm strideC 0', { ...p, strideC: 0 });
  runGemm('gemm k 0 scales C', gemmParams({ m: 3, n: 4, k: 0, beta: 0.5 }));
});

const UNARY_OPS: UnaryOp[] = ['neg', 'exp', 'log', 'sqrt', 'rsqrt', 'abs', 'square', 'relu', 'gelu', 'silu', 'sigmoid', 'tanh', 'powScalar', 'mulScalar', 'addScalar'];
const POSITIVE_ONLY = new Set<UnaryOp>(['log', 'sqrt', 'rsqrt', 'powScalar']);

function unaryInput(op: UnaryOp, n: number): Float32Array {
  if (POSITIVE_ONLY.has(op)) return uniform(n, 0.05, 4);
  const x = uniform(n, -9, 9);
  x[0] = 0;
  x[1] = -0;
  if (op !== 'tanh') {
    x[2] = Number.POSITIVE_INFINITY;
    x[3] = Number.NEGATIVE_INFINITY;
  }
  x[4] = Number.NaN;
  return x;
}

test('unary and unaryBackward: every op, small and threaded sizes, special values', () => {
  for (const op of UNARY_OPS) {
    for (const n of [1001, 40001]) {
      const s = op === 'powScalar' ? 1.7 : 0.37;
      const x = unaryInput(op, n);
      compare(`unary ${op}`, { x, y: new Float32Array(n) }, (k, b) => k.unary(op, b.x as Float32Array, b.y as Float32Array, s));
      const y = new Float32Array(n);
      reference.unary(op, x, y, s);
      const finite = x.map((v) => (Number.isFinite(v) ? v : 0.5)); // derivatives at Inf are NaN in both; keep the check informative
      const yFinite = new Float32Array(n);
      reference.unary(op, finite, yFinite, s);
      compare(`unaryBackward ${op}`, { x: finite, y: yFinite, dy: uniform(n), dx: new Float32Array(n) }, (k, b) =>
        k.unaryBackward(op, b.x as Float32Array, b.y as Float32Array, b.dy as Float32Array, b.dx as Float32Array, s));
    }
  }
  const negative = uniform(301, -3, 3);
  compare('powScalar 2 on negatives', { x: negative, y: new Float32Array(301) }, (k, b) => k.unary('powScalar', b.x as Float32Array, b.y as Float32Array, 2));
  compare('powScalar 0 derivative', { x: negative, y: new Float32Array(301).fill(1), dy: uniform(301), dx: new Float32Array(301) }, (k, b) =>
    k.unaryBackward('powScalar', b.x as Float32Array, b.y as Float32Array, b.dy as Float32Array, b.dx as Float32Array, 0));
});

function contiguous(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = stride;
    stride *= shape[axis];
  }
  return strides;
}

// Strides of a broadcast: 0 on the axes where `mask` is 1 (the operand has size 1 there).
function broadcastStrides(shape: number[], mask: number[]): { strides: number[]; size: number } {
  const own = shape.map((d, axis) => (mask[axis] ? 1 : d));
  const base = contiguous(own);
  return { strides: base.map((s, axis) => (mask[axis] ? 0 : s)), size: own.reduce((p, d) => p * d, 1) };
}

test('binary: every op with broadcasting (0 strides), a transposed operand, rank 6 and threaded sizes', () => {
  const cases: { shape: number[]; aMask: number[]; bMask: number[] }[] = [
    { shape: [3, 5, 7], aMask: [0, 0, 0], bMask: [0, 0, 0] },
    { shape: [3, 5, 7], aMask: [0, 0, 0], bMask: [1, 1, 0] },
    { shape: [3, 5, 7], aMask: [0, 1, 0], bMask: [1, 0, 1] },
    { shape: [2, 3, 1, 4, 3, 5], aMask: [0, 1, 0, 0, 1, 0], bMask: [1, 0, 0, 1, 0, 0] },
    { shape: [97, 1031], aMask: [0, 0], bMask: [1, 0] },
    { shape: [97, 1031], aMask: [0, 1], bMask: [0, 0] },
    { shape: [64, 33, 17], aMask: [0, 0, 0], bMask: [1, 1, 1] },
  ];
  for (const op of ['add', 'sub', 'mul', 'div', 'max', 'min'] as const) {
    for (const { shape, aMask, bMask } of cases) {
      const a = broadcastStrides(shape, aMask), b = broadcastStrides(shape, bMask);
      const count = shape.reduce((p, d) => p * d, 1);
      const bData = uniform(b.size);
      if (op === 'max' || op === 'min') bData[0] = Number.NaN; // NaN handling must match too
      compare(`binary ${op} ${shape}`, { a: uniform(a.size), b: bData, out: new Float32Array(count) }, (k, x) =>
        k.binary(op, x.a as Float32Array, a.strides, x.b as Float32Array, b.strides, x.out as Float32Array, shape));
    }
  }
  // a read transposed: out (5, 7) from a stored (7, 5).
  compare('binary transposed a', { a: uniform(35), b: uniform(35), out: new Float32Array(35) }, (k, x) =>
    k.binary('sub', x.a as Float32Array, [1, 5], x.b as Float32Array, [7, 1], x.out as Float32Array, [5, 7]));
});

test('copy: permute, slice with offsets, broadcast-expand, accumulate, accumulate into 0 strides', () => {
  // Permute (2, 3, 4) -> (4, 2, 3) from a source with an offset.
  compare('copy permute', { src: uniform(30), dst: uniform(24) }, (k, b) =>
    k.copy(b.src as Float32Array, 5, [1, 8, 2], b.dst as Float32Array, 0, [6, 3, 1], [4, 2, 3], false));
  // Slice rows 2..5 of a (9, 11) matrix into the middle of a wider destination.
  compare('copy slice', { src: uniform(99), dst: uniform(80) }, (k, b) =>
    k.copy(b.src as Float32Array, 22, [11, 1], b.dst as Float32Array, 3, [13, 1], [4, 11], false));
  compare('copy accumulate threaded', { src: uniform(300 * 257), dst: uniform(300 * 260) }, (k, b) =>
    k.copy(b.src as Float32Array, 0, [257, 1], b.dst as Float32Array, 2, [260, 1], [300, 257], true));
  compare('copy expand', { src: uniform(7), dst: uniform(5 * 7 * 3) }, (k, b) =>
    k.copy(b.src as Float32Array, 0, [0, 1, 0], b.dst as Float32Array, 0, [21, 3, 1], [5, 7, 3], false));
  compare('copy reduce into 0 strides', { src: uniform(6 * 5 * 4), dst: uniform(5) }, (k, b) =>
    k.copy(b.src as Float32Array, 0, [20, 4, 1], b.dst as Float32Array, 0, [0, 1, 0], [6, 5, 4], true));
  compare('copy rank 6', { src: uniform(2 * 3 * 2 * 2 * 3 * 2), dst: uniform(144) }, (k, b) =>
    k.copy(b.src as Float32Array, 0, [1, 2, 6, 12, 24, 72], b.dst as Float32Array, 0, contiguous([2, 3, 2, 2, 3, 2]), [2, 3, 2, 2, 3, 2], false));
  compare('copy empty shape', { src: uniform(3), dst: uniform(3) }, (k, b) =>
    k.copy(b.src as Float32Array, 0, [1, 1], b.dst as Float32Array, 0, [1, 1], [3, 0], false));
});

test('sum, max, maxBackward over the middle axis, inner 1 and inner > 1, ties', () => {
  for (const [outer, n, inner] of [[3, 17, 1], [5, 9, 13], [2, 300, 301], [400, 130, 1], [1, 7, 1000]]) {
    const x = uniform(outer * n * inner);
    compare(`sum ${outer}x${n}x${inner}`, { x, out: new Float32Array(outer * inner) }, (k, b) =>
      k.sum(b.x as Float32Array, b.out as Float32Array, outer, n, inner), SUMS);
    const tied = x.map((v) => Math.round(v * 2)); // few distinct values: ties must go to the first
    compare(`max ${outer}x${n}x${inner}`, { x: tied, out: new Float32Array(outer * inner), argmax: new Int32Array(outer * inner) }, (k, b) =>
      k.max(b.x as Float32Array, b.out as Float32Array, b.argmax as Int32Array, outer, n, inner));
    compare(`maxBackward ${outer}x${n}x${inner}`, { dOut: uniform(outer * inner), argmax: ints(outer * inner, 0, n), dx: uniform(outer * n * inner) }, (k, b) =>
      k.maxBackward(b.dOut as Float32Array, b.argmax as Int32Array, b.dx as Float32Array, outer, n, inner));
  }
});

test('softmax (plain and causal, with fully masked rows), logSoftmax, and their backward', () => {
  for (const [rows, cols, causalRows] of [[7, 13, 0], [12, 5, 4], [10, 5, 7], [300, 129, 0], [256, 64, 64], [40, 1000, 0]]) {
    const x = uniform(rows * cols, -6, 6);
    compare(`softmax ${rows}x${cols} causal ${causalRows}`, { x, y: new Float32Array(rows * cols) }, (k, b) =>
      k.softmax(b.x as Float32Array, b.y as Float32Array, rows, cols, causalRows));
    const y = new Float32Array(rows * cols);
    reference.softmax(x, y, rows, cols, causalRows);
    compare(`softmaxBackward ${rows}x${cols}`, { y, dy: uniform(rows * cols), dx: new Float32Array(rows * cols) }, (k, b) =>
      k.softmaxBackward(b.y as Float32Array, b.dy as Float32Array, b.dx as Float32Array, rows, cols));
    compare(`logSoftmax ${rows}x${cols}`, { x, y: new Float32Array(rows * cols) }, (k, b) =>
      k.logSoftmax(b.x as Float32Array, b.y as Float32Array, rows, cols));
    reference.logSoftmax(x, y, rows, cols);
    compare(`logSoftmaxBackward ${rows}x${cols}`, { y, dy: uniform(rows * cols), dx: new Float32Array(rows * cols) }, (k, b) =>
      k.logSoftmaxBackward(b.y as Float32Array, b.dy as Float32Array, b.dx as Float32Array, rows, cols));
  }
});

test('layerNorm and rmsNorm with and without affine weights, forward and backward', () => {
  for (const [rows, cols] of [[9, 7], [300, 129], [1, 1000]]) {
    for (const affine of [true, false]) {
      const x = uniform(rows * cols, -3, 5);
      const w = affine ? uniform(cols) : null;
      const b = affine ? uniform(cols) : null;
      const mean = new Float32Array(rows), rstd = new Float32Array(rows);
      const base = { x, y: new Float32Array(rows * cols), mean, rstd };
      compare(`layerNorm ${rows}x${cols} affine ${affine}`, base, (k, t) =>
        k.layerNorm(t.x as Float32Array, w, b, t.y as Float32Array, t.mean as Float32Array, t.rstd as Float32Array, rows, cols, 1e-5));
      reference.layerNorm(x, w, b, new Float32Array(rows * cols), mean, rstd, rows, cols, 1e-5);
      const grads: Buffers = { x, mean, rstd, dy: uniform(rows * cols), dx: new Float32Array(rows * cols), dw: new Float32Array(cols), db: new Float32Array(cols) };
      compare(`layerNormBackward ${rows}x${cols} affine ${affine}`, grads, (k, t) =>
        k.layerNormBackward(t.x as Float32Array, w, t.mean as Float32Array, t.rstd as Float32Array, t.dy as Float32Array, t.dx as Float32Array,
          affine ? (t.dw as Float32Array) : null, affine ? (t.db as Float32Array) : null, rows, cols), SUMS);

      compare(`rmsNorm ${rows}x${cols} affine ${affine}`, { x, y: new Float32Array(rows * cols), rstd }, (k, t) =>
        k.rmsNorm(t.x as Float32Array, w, t.y as Float32Array, t.rstd as Float32Array, rows, cols, 1e-6));
      reference.rmsNorm(x, w, new Float32Array(rows * cols), rstd, rows, cols, 1e-6);
      compare(`rmsNormBackward ${rows}x${cols} affine ${affine}`, { x, rstd, dy: uniform(rows * cols), dx: new Float32Array(rows * cols), dw: new Float32Array(cols) }, (k, t) =>
        k.rmsNormBackward(t.x as Float32Array, w, t.rstd as Float32Array, t.dy as Float32Array, t.dx as Float32Array,
          affine ? (t.dw as Float32Array) : null, rows, cols), SUMS);
    }
  }
});

test('gather, scatterAdd with repeated ids, pick and pickBackward with ignored ids', () => {
  for (const [vocab, dim, count] of [[11, 5, 17], [300, 130, 900]]) {
    const ids = ints(count, 0, vocab);
    ids[1] = ids[0]; // a repeated id accumulates twice
    compare(`gather ${vocab}x${dim}`, { table: uniform(vocab * dim), ids, out: new Float32Array(count * dim) }, (k, b) =>
      k.gather(b.table as Float32Array, b.ids as Int32Array, b.out as Float32Array, vocab, dim));
    compare(`scatterAdd ${vocab}x${dim}`, { dOut: uniform(count * dim), ids, dTable: uniform(vocab * dim) }, (k, b) =>
      k.scatterAdd(b.dOut as Float32Array, b.ids as Int32Array, b.dTable as Float32Array, vocab, dim));
  }
  const rows = 37, cols = 23;
  const ids = ints(rows, 0, cols);
  ids[3] = -1;
  ids[10] = -100;
  compare('pick', { x: uniform(rows * cols), ids, out: uniform(rows) }, (k, b) =>
    k.pick(b.x as Float32Array, b.ids as Int32Array, b.out as Float32Array, rows, cols));
  compare('pickBackward', { dOut: uniform(rows), ids, dx: uniform(rows * cols) }, (k, b) =>
    k.pickBackward(b.dOut as Float32Array, b.ids as Int32Array, b.dx as Float32Array, rows, cols));
});

test('nearestCode: random codes, and duplicate codes tie to the lower index', () => {
  for (const [n, k, dim] of [[1, 1, 3], [37, 19, 7], [300, 64, 16]]) {
    compare(`nearestCode ${n}x${k}x${dim}`, { x: uniform(n * dim), codebook: uniform(k * dim), out: new Int32Array(n) }, (kk, b) =>
      kk.nearestCode(b.x as Float32Array, b.codebook as Float32Array, b.out as Int32Array, n, k, dim));
  }
  const codebook = uniform(4 * 3);
  codebook.copyWithin(6, 3, 6); // code 2 duplicates code 1
  const x = codebook.slice(3, 6).map((v) => v + 1e-3);
  const out = new Int32Array(1);
  native.nearestCode(x, codebook, out, 1, 4, 3);
  assert.equal(out[0], 1);
});

// Attention on (B, T, N, D) buffers with D = heads * headDim, in the two layouts the models use.
function attentionCase(kind: 'spatial' | 'temporal', B: number, T: number, Tk: number, N: number, heads: number, headDim: number, causal: boolean): void {
  const D = heads * headDim;
  const rowsQ = B * T * N * D, rowsK = B * Tk * N * D;
  const spatial = kind === 'spatial';
  const strides = (frames: number) =>
    spatial ? { g1: N * D, g2: 0, row: D } : { g1: frames * N * D, g2: D, row: N * D };
  const p: AttentionParams = {
    g1: spatial ? B * T : B, g2: spatial ? 1 : N, lq: spatial ? N : T, lk: spatial ? N : Tk,
    heads, headDim, causal, scale: 1 / Math.sqrt(headDim),
    q: strides(T), k: strides(Tk), v: strides(Tk), o: strides(T),
  };
  const lseLength = p.g1 * p.g2 * heads * p.lq;
  const name = `attention ${kind} B${B} T${T} Tk${Tk} N${N} H${heads} Dh${headDim} causal ${causal}`;
  const inputs = { q: uniform(rowsQ, -2, 2), k: uniform(rowsK, -2, 2), v: uniform(rowsK), out: new Float32Array(rowsQ), lse: new Float32Array(lseLength) };
  compare(name, inputs, (k, b) =>
    k.attention(p, b.q as Float32Array, b.k as Float32Array, b.v as Float32Array, b.out as Float32Array, b.lse as Float32Array), SUMS);
  reference.attention(p, inputs.q, inputs.k, inputs.v, inputs.out, inputs.lse);
  const grads = { ...inputs, dOut: uniform(rowsQ), dq: uniform(rowsQ), dk: uniform(rowsK), dv: uniform(rowsK) };
  compare(`${name} backward`, grads, (k, b) =>
    k.attentionBackward(p, b.q as Float32Array, b.k as Float32Array, b.v as Float32Array, b.out as Float32Array, b.lse as Float32Array,
      b.dOut as Float32Array, b.dq as Float32Array, b.dk as Float32Array, b.dv as Float32Array), SUMS);
}

test('attention: spatial and temporal layouts, causal, KV-cache lq < lk, query blocks past 64, odd head dims', () => {
  attentionCase('spatial', 2, 3, 3, 9, 2, 5, false);
  attentionCase('spatial', 1, 2, 2, 70, 3, 8, true);
  attentionCase('temporal', 2, 5, 5, 4, 2, 6, true);
  attentionCase('temporal', 2, 3, 7, 3, 2, 4, true);
  attentionCase('temporal', 1, 2, 6, 5, 1, 7, false);
  attentionCase('spatial', 2, 4, 4, 64, 4, 16, false); // enough work for the threaded path
  attentionCase('temporal', 2, 16, 16, 16, 4, 16, true);
});

test('adamw, axpby (beta 0 ignores NaN in y), sumSquares, countNonFinite, fill', () => {
  for (const n of [13, 50001]) {
    compare(`adamw ${n}`, { param: uniform(n), grad: uniform(n), m: uniform(n, -0.1, 0.1), v: uniform(n, 0, 0.01) }, (k, b) =>
      k.adamw(b.param as Float32Array, b.grad as Float32Array, b.m as Float32Array, b.v as Float32Array, 3e-3, 0.9, 0.95, 1e-8, 0.1, 7));
    compare(`axpby ${n}`, { x: uniform(n), y: uniform(n) }, (k, b) => k.axpby(0.3, b.x as Float32Array, -1.7, b.y as Float32Array));
    compare(`axpby beta 0 ${n}`, { x: uniform(n), y: new Float32Array(n).fill(Number.NaN) }, (k, b) => k.axpby(0.3, b.x as Float32Array, 0, b.y as Float32Array));
    compare(`sumSquares ${n}`, { x: uniform(n) }, (k, b) => k.sumSquares(b.x as Float32Array));
    const x = uniform(n);
    x[1] = Number.NaN;
    x[n - 1] = Number.POSITIVE_INFINITY;
    x[n >> 1] = Number.NEGATIVE_INFINITY;
    compare(`countNonFinite ${n}`, { x }, (k, b) => k.countNonFinite(b.x as Float32Array));
    compare(`fill ${n}`, { x: uniform(n) }, (k, b) => k.fill(b.x as Float32Array, -2.5));
  }
  assert.equal(native.countNonFinite(new Float32Array([1, Number.NaN, Number.POSITIVE_INFINITY, -3.4e38])), 2);
});

test('bad input throws an error naming the kernel and argument, and leaves outputs untouched', () => {
  const a = new Float32Array(6), b = new Float32Array(6), c = new Float32Array(4).fill(7);
  assert.throws(() => native.gemm(gemmParams({ m: 2, n: 2, k: 4 }), a, b, c), /gemm: a view reaches/);
  assert.throws(() => native.gemm({ ...gemmParams({ m: 2, n: 2, k: 3 }), lda: 2 }, a, b, c), /gemm: p\.lda \(2\) must be >= 3/);
  assert.throws(() => native.gemm({ ...gemmParams({ m: 2, n: 2, k: 3 }), m: -1 }, a, b, c), /gemm: p\.m must be >= 0/);
  assert.deepEqual([...c], [7, 7, 7, 7]);
  assert.throws(() => native.unary('exp', new Float32Array(3), new Float32Array(4), 0), /unary exp: y has 4 elements, expected 3/);
  assert.throws(() => native.unary('cube' as UnaryOp, a, b, 0), /unknown unary op 'cube'/);
  assert.throws(() => native.unary('exp', new Float64Array(3) as unknown as Float32Array, a, 0), /unary exp: x must be a Float32Array, got a Float64Array/);
  const rank7 = [1, 1, 1, 1, 1, 2, 3];
  assert.throws(() => native.binary('add', a, rank7, b, rank7, new Float32Array(6), rank7), /binary add: aStrides has rank 7, the most is 6/);
  assert.throws(() => native.copy(a, 0, rank7, b, 0, rank7, rank7, false), /copy: srcStrides has rank 7/);
  assert.throws(() => native.copy(a, 2, [1], b, 0, [1], [5], false), /copy: src view reaches elements \[2, 6\] but the buffer has 6 elements/);
  assert.throws(() => native.binary('add', a, [3, 1], new Float32Array(2), [0, 1], new Float32Array(6), [2, 3]), /binary add: b view reaches elements \[0, 2\]/);

  const table = new Float32Array(4 * 3), out = new Float32Array(2 * 3).fill(5);
  assert.throws(() => native.gather(table, new Int32Array([1, 4]), out, 4, 3), (err: Error) =>
    err instanceof RangeError && /gather: id 4 at ids\[1\] is out of range for vocab size 4/.test(err.message));
  assert.deepEqual([...out], [5, 5, 5, 5, 5, 5]);
  assert.throws(() => native.scatterAdd(out, new Int32Array([-1, 0]), table, 4, 3), /scatterAdd: id -1 at ids\[0\] is out of range for vocab size 4/);
  assert.ok(table.every((v) => v === 0));
  assert.throws(() => native.pick(table, new Int32Array([0, 3, 0, 0]), new Float32Array(4), 4, 3), /pick: id 3 at ids\[1\] is out of range for cols 3/);
  assert.throws(() => native.maxBackward(new Float32Array(2), new Int32Array([0, 9]), new Float32Array(6), 2, 3, 1), /maxBackward: argmax\[1\] = 9 is out of range \[0, 3\)/);

  const p: AttentionParams = {
    g1: 1, g2: 1, lq: 4, lk: 4, heads: 1, headDim: 2, causal: false, scale: 1,
    q: { g1: 8, g2: 0, row: 2 }, k: { g1: 8, g2: 0, row: 2 }, v: { g1: 8, g2: 0, row: 2 }, o: { g1: 8, g2: 0, row: 2 },
  };
  const t = () => new Float32Array(8);
  assert.throws(() => native.attention(p, t(), t(), t(), t(), new Float32Array(3)), /attention: lse has 3 elements, expected 4/);
  assert.throws(() => native.attention({ ...p, lq: 5, causal: true }, t(), t(), t(), t(), new Float32Array(5)), /attention: causal attention needs lq <= lk/);
  assert.throws(() => native.attention(p, t(), new Float32Array(7), t(), t(), new Float32Array(4)), /attention: k view/);
  assert.throws(() => native.attention({ ...p, o: { g1: 8, g2: 0, row: 1 } }, t(), t(), t(), t(), new Float32Array(4)), /attention: p\.o\.row \(1\) is smaller/);
  assert.throws(() => native.adamw(a, a, a, new Float32Array(5), 1e-3, 0.9, 0.99, 1e-8, 0, 1), /adamw: v has 5 elements, expected 6/);
});

test('random argument sizes never crash: each call either runs or throws', () => {
  const size = () => rng.int(7);
  const f32 = () => uniform(rng.int(50));
  const i32 = () => ints(rng.int(12), -2, 6);
  const dims = () => Array.from({ length: rng.int(4) }, size);
  const strides = (rank: number) => Array.from({ length: rank }, () => rng.int(12) - 3);
  const layout = () => ({ g1: rng.int(40), g2: rng.int(12), row: rng.int(12) });
  const calls: (() => unknown)[] = [
    () => native.gemm({ batch: size(), m: size(), n: size(), k: size(), transA: rng.int(2) === 1, transB: rng.int(2) === 1, alpha: 1, beta: 1,
      lda: size(), ldb: size(), ldc: size(), strideA: rng.int(20), strideB: rng.int(20), strideC: rng.int(20), offsetA: size(), offsetB: size(), offsetC: size() }, f32(), f32(), f32()),
    () => {
      const shape = dims();
      native.binary('mul', f32(), strides(shape.length), f32(), strides(shape.length), f32(), shape);
    },
    () => {
      const shape = dims();
      native.copy(f32(), size(), strides(shape.length), f32(), size(), strides(shape.length), shape, rng.int(2) === 1);
    },
    () => native.sum(f32(), f32(), size(), size(), size()),
    () => native.max(f32(), f32(), i32(), size(), size(), size()),
    () => native.maxBackward(f32(), i32(), f32(), size(), size(), size()),
    () => native.softmax(f32(), f32(), size(), size(), size() - 2),
    () => native.layerNorm(f32(), f32(), null, f32(), f32(), f32(), size(), size(), 1e-5),
    () => native.rmsNormBackward(f32(), null, f32(), f32(), f32(), f32(), size(), size()),
    () => native.gather(f32(), i32(), f32(), size(), size()),
    () => native.scatterAdd(f32(), i32(), f32(), size(), size()),
    () => native.pick(f32(), i32(), f32(), size(), size()),
    () => native.nearestCode(f32(), f32(), i32(), size(), size(), size()),
    () => native.attention({ g1: size(), g2: size(), lq: size(), lk: size(), heads: size(), headDim: size(), causal: rng.int(2) === 1, scale: 1,
      q: layout(), k: layout(), v: layout(), o: layout() }, f32(), f32(), f32(), f32(), f32()),
    () => native.attentionBackward({ g1: size(), g2: size(), lq: size(), lk: size(), heads: size(), headDim: size(), causal: rng.int(2) === 1, scale: 1,
      q: layout(), k: layout(), v: layout(), o: layout() }, f32(), f32(), f32(), f32(), f32(), f32(), f32(), f32(), f32()),
    () => native.adamw(f32(), f32(), f32(), f32(), 1e-3, 0.9, 0.99, 1e-8, 0, size()),
  ];
  let thrown = 0, ran = 0;
  for (let round = 0; round < 300; round++) {
    for (const call of calls) {
      try {
        call();
        ran++;
      } catch (err) {
        assert.ok(err instanceof Error && /^\w+( \w+)?: /.test(err.message), `unexpected error: ${err}`);
        thrown++;
      }
    }
  }
  assert.ok(ran > 0 && thrown > 0, `ran ${ran}, threw ${thrown}`);
});

test('sampleRows draws exactly what Rng.categorical draws from the softmax kernel, at any temperature, and rejects bad rows', () => {
  const [rows, cols] = [40, 1024];
  const logits = uniform(rows * cols, -6, 6);
  logits.fill(3, 5 * cols, 6 * cols); // a flat row: ties everywhere
  const listed = Int32Array.from([0, 5, 7, 8, 9, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 30, 39, 1]); // not in order, > 2 groups of 8
  for (const temperature of [1, 0.5, 2, 0]) {
    const seed = 11;
    // The loop generation ran before the kernel: mulScalar, softmax over all rows, then categorical per row.
    const scaled = new Float32Array(logits.length);
    if (temperature > 0) native.unary('mulScalar', logits, scaled, 1 / temperature);
    else scaled.set(logits);
    const probabilities = new Float32Array(logits.length);
    native.softmax(scaled, probabilities, rows, cols, 0);
    const draw = new Rng(seed);
    const expected = Array.from(listed, (row) => {
      const p = probabilities.subarray(row * cols, (row + 1) * cols);
      return temperature > 0 ? draw.categorical(p) : p.indexOf(Math.max(...p));
    });
    const replay = new Rng(seed);
    const uniforms = Float64Array.from(listed, () => replay.uniform());
    for (const kernels of [native, reference]) {
      const ids = new Int32Array(listed.length), chance = new Float32Array(listed.length);
      kernels.sampleRows(logits, cols, listed, temperature, temperature > 0 ? uniforms : new Float64Array(0), ids, chance);
      if (kernels === native) {
        assert.deepEqual(Array.from(ids), expected, `native, temperature ${temperature}`);
        assert.deepEqual(Array.from(chance), expected.map((id, i) => probabilities[listed[i] * cols + id]));
      } else {
        // The reference's softmax uses Math.exp: the same draws except where a uniform falls within ~1e-7 of an edge.
        assert.ok(ids.filter((id, i) => id === expected[i]).length >= listed.length - 1, `reference, temperature ${temperature}`);
      }
    }
  }
  const ids = new Int32Array(1), chance = new Float32Array(1);
  assert.throws(() => native.sampleRows(logits, cols, Int32Array.of(rows), 1, Float64Array.of(0.5), ids, chance), /sampleRows: rows\[0\] = 40 is outside the 40 rows of logits/);
  assert.throws(() => native.sampleRows(logits, cols, Int32Array.of(0), 1, new Float64Array(2), ids, chance), /sampleRows: uniforms has 2 elements, expected 1/);
  assert.throws(() => native.sampleRows(logits, cols, Int32Array.of(0), -1, new Float64Array(0), ids, chance), /sampleRows: temperature must be a finite number >= 0/);
  const broken = logits.slice();
  broken[3 * cols + 10] = Number.NaN;
  assert.throws(() => native.sampleRows(broken, cols, Int32Array.of(2, 3), 1, Float64Array.of(0.1, 0.2), new Int32Array(2), new Float32Array(2)), /sampleRows: row 3 of logits gives probabilities that are not finite/);
});

// The fused ST block (st-block.cc) in its arithmetics: fp32 reads each linear layer's weight, bf16 its
// packed copy, int8 (bf16 with int8 products) its int8 copy; its numbers are checked against the op-by-op
// path in src/models/st-transformer.test.ts.
for (const arithmetic of ['fp32', 'bf16', 'int8'] as const) {
  const bf16 = arithmetic !== 'fp32', int8 = arithmetic === 'int8';
  const available = { fp32: true, bf16: native.bf16Available?.() ?? false, int8: native.int8Available?.() ?? false }[arithmetic];
  test(`stBlock (${arithmetic}) rejects sizes and weights that do not fit, naming the argument`, available ? {} : { skip: `no ${arithmetic} products here` }, () => {
    const [batch, tokens, width, heads, headDim, hidden, capacity] = [1, 32, 32, 1, 32, 64, 2];
    const norm = () => ({ weight: new Float32Array(width), bias: null, eps: 1e-5 });
    const headNorm = () => ({ weight: null, bias: new Float32Array(headDim), eps: 1e-5 });
    const weight = { fp32: 'weight', bf16: 'packed', int8: 'int8' }[arithmetic];
    const linear = (out: number, inp: number) => {
      if (!bf16) return { weight: uniform(out * inp), bias: new Float32Array(out) };
      if (int8) {
        const packed = new Uint8Array(native.int8PackedLength!(out, inp));
        native.int8Pack!(uniform(out * inp), out, inp, packed);
        return { int8: packed, bias: new Float32Array(out) };
      }
      const packed = new Uint16Array(native.bf16PackedLength!(out, inp));
      native.bf16Pack!(uniform(out * inp), out, inp, packed);
      return { packed, bias: new Float32Array(out) };
    };
    const side = (name: string) => ({
      [`${name}Norm`]: norm(), [`${name}Qkv`]: linear(3 * width, width), [`${name}QNorm`]: headNorm(), [`${name}KNorm`]: headNorm(), [`${name}Proj`]: linear(width, width),
    });
    const weights = { ...side('spatial'), ...side('temporal'), ffnNorm: norm(), fc1: linear(hidden, width), fc2: linear(width, hidden) };
    const p = { batch, tokens, width, heads, headDim, hidden, capacity, held: 1, bf16, int8 };
    const cache = () => new Float32Array(batch * capacity * tokens * width);
    const x = uniform(tokens * width);
    const packedSize = batch * 16 * tokens * width; // 16 frames a token, whatever the cache's capacity
    const packedCache = (frames = 0) => ({ keys: new Uint16Array(packedSize), values: new Uint16Array(packedSize), frames });
    const packed = () => (bf16 ? packedCache() : null);
    const run = (params: object, w: object, input = x, rows: Int32Array | null = null) => native.stBlock!(params as never, input, cache(), cache(), w as never, rows, packed());
    run(p, weights); // fits
    run(p, weights, x, Int32Array.of(0, 5, 31)); // some rows
    assert.throws(() => run(p, weights, x, Int32Array.of(3, 3)), /stBlock: rows must ascend within 0\.\.31 \(B x N rows\); rows\[1\] is 3/);
    assert.throws(() => run(p, weights, x, Int32Array.of(32)), /stBlock: rows must ascend within 0\.\.31 \(B x N rows\); rows\[0\] is 32/);
    assert.throws(() => run(p, weights, x, Int32Array.of(-1)), /rows\[0\] is -1/);
    assert.throws(() => native.stBlock!(p, x, cache(), cache(), weights as never, new Float32Array(1) as never, packed()), /stBlock: rows must be an Int32Array, got a Float32Array/);
    // The cache's bf16 copy: bf16 only, optional there, whole, for caches of at most 16 frames.
    const withPacked = (copy: object | null, params = p) => () => {
      const room = params.batch * params.capacity * tokens * width;
      native.stBlock!(params, x, new Float32Array(room), new Float32Array(room), weights as never, null, copy as never);
    };
    if (bf16) {
      withPacked(null)(); // reads the fp32 cache
      assert.throws(withPacked(5 as never), /stBlock: packed must be an object, got the number 5/);
      assert.throws(withPacked(packedCache(), { ...p, capacity: 17 }), /stBlock: packed holds 16 frames a token; the cache has room for 17/);
      assert.throws(withPacked({ ...packedCache(), keys: new Uint16Array(3) }), /stBlock: packed\.keys has 3 elements, expected 16384/);
      assert.throws(withPacked(packedCache(2)), /stBlock: packed\.frames \(2\) exceeds p\.held \(1\)/);
      const shared = packedCache();
      assert.throws(withPacked({ ...shared, values: shared.keys }), /stBlock: packed\.keys share memory with packed\.values/);
    } else assert.throws(withPacked(packedCache()), /stBlock: packed is for bf16 only \(p\.bf16 is false\)/);
    assert.throws(() => run(p, weights, new Float32Array(5)), /stBlock: x has 5 elements, expected 1024/);
    assert.throws(() => run({ ...p, held: 2 }, weights), /stBlock: p\.held \(2\) leaves no room in a cache of 2 frames/);
    assert.throws(() => run({ ...p, bf16: undefined }, weights), /stBlock: p\.bf16 must be a boolean/);
    assert.throws(() => run(p, { ...weights, fc1: undefined }), /stBlock: w\.fc1 must be an object/);
    assert.throws(() => run(p, { ...weights, fc2: linear(width, 3) }), new RegExp(`stBlock: w\\.fc2\\.${weight} has \\d+ elements, expected \\d+`));
    assert.throws(() => run(p, { ...weights, ffnNorm: { ...norm(), eps: -1 } }), /stBlock: w\.ffnNorm\.eps must be a finite number >= 0/);
    assert.throws(() => run(p, { ...weights, spatialQNorm: { ...headNorm(), bias: new Float32Array(3) } }), /stBlock: w\.spatialQNorm\.bias has 3 elements, expected 32/);
    const shared = cache();
    assert.throws(() => native.stBlock!(p, shared.subarray(0, tokens * width), shared, cache(), weights as never, null, packed()), /stBlock: x shares memory with keys/);
    const wrongType = { fp32: { weight: new Uint16Array(4) }, bf16: { packed: new Float32Array(4) }, int8: { int8: new Uint16Array(4) } }[arithmetic];
    const typeName = { fp32: 'Float32Array, got a Uint16Array', bf16: 'Uint16Array, got a Float32Array', int8: 'Uint8Array, got a Uint16Array' }[arithmetic];
    assert.throws(() => run(p, { ...weights, temporalQkv: { ...wrongType, bias: null } }), new RegExp(`stBlock: w\\.temporalQkv\\.${weight} must be a ${typeName}`));
    // The other arithmetic's weights are missing, not silently read; int8 runs inside bf16 only.
    const other = { fp32: { bf16: true }, bf16: { bf16: false }, int8: { int8: false } }[arithmetic];
    assert.throws(() => run({ ...p, ...other }, weights), new RegExp(`stBlock: w\\.spatialQkv\\.${{ fp32: 'packed', bf16: 'weight', int8: 'packed' }[arithmetic]}`));
    assert.throws(() => run({ ...p, bf16: false, int8: true }, weights), /stBlock: p\.int8 needs p\.bf16: int8 products run inside the bf16 arithmetic/);
    assert.throws(() => run({ ...p, int8: undefined }, weights), /stBlock: p\.int8 must be a boolean/);
  });
}
