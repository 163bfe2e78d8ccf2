// Matrix products through the one gemm kernel: batched matmul with transpose flags (no transpose copies)
// and linear layers with the bias folded into the gemm (C starts as the broadcast bias, beta = 1).
import { type GradRules, record } from './autodiff.ts';
import { backend } from './backend.ts';
import { broadcastShapes, formatShape, sameShape, sizeOf } from './shape.ts';
import { Tensor, uninitialized } from './tensor.ts';
import { expandRaw, reshape } from './ops-shape.ts';
import { bf16Backend, packedWeight } from './precision.ts';
import { stridedCopy } from './strided-copy.ts';

interface Product {
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
}

// C = op(A) @ op(B) over `batch` items at the given element strides (0 broadcasts one matrix to all).
function gemm(p: Product, batch: number, a: Float32Array, strideA: number, b: Float32Array, strideB: number, c: Float32Array, beta = 0): void {
  backend().gemm(
    {
      ...p, batch, alpha: 1, beta,
      lda: p.transA ? p.m : p.k, ldb: p.transB ? p.k : p.n, ldc: p.n,
      strideA, strideB, strideC: p.m * p.n, offsetA: 0, offsetB: 0, offsetC: 0,
    },
    a, b, c,
  );
}

function matrixDims(op: string, a: readonly number[], b: readonly number[], transA: boolean, transB: boolean): Product {
  if (a.length < 2 || b.length < 2) throw new Error(`${op}: both operands need at least 2 dimensions: a ${formatShape(a)} vs b ${formatShape(b)}`);
  const [a0, a1] = a.slice(-2);
  const [b0, b1] = b.slice(-2);
  const product = { m: transA ? a1 : a0, k: transA ? a0 : a1, n: transB ? b0 : b1, transA, transB };
  const kB = transB ? b1 : b0;
  if (product.k !== kB) throw new Error(`${op}: inner dimensions differ: a ${formatShape(a)} vs b ${formatShape(b)}`);
  return product;
}

// A batch operand as a buffer with one matrix per batch item (stride 0 when it is shared by all items).
function batchOperand(x: Tensor, batchShape: number[]): { data: Float32Array; stride: number } {
  const matrix = x.shape.slice(-2);
  const ownBatch = x.shape.slice(0, -2);
  if (sizeOf(ownBatch) === 1) return { data: x.data, stride: 0 };
  if (sameShape([...new Array<number>(batchShape.length - ownBatch.length).fill(1), ...ownBatch], batchShape)) return { data: x.data, stride: sizeOf(matrix) };
  return { data: expandRaw(x, [...batchShape, ...matrix], 'matmul').data, stride: sizeOf(matrix) };
}

export function matmulRaw(a: Tensor, b: Tensor, transA: boolean, transB: boolean): Tensor {
  const p = matrixDims('matmul', a.shape, b.shape, transA, transB);
  // A 2-D b shared by every batch item, with a stored untransposed: fold a's batch into M, one gemm.
  if (b.shape.length === 2 && !transA) {
    const rows = a.size / p.k;
    const out = new Tensor([...a.shape.slice(0, -1), p.n], uninitialized(rows * p.n));
    gemm({ ...p, m: rows }, 1, a.data, 0, b.data, 0, out.data);
    return out;
  }
  const aBatch = a.shape.slice(0, -2);
  const bBatch = b.shape.slice(0, -2);
  let batchShape: number[];
  try {
    batchShape = broadcastShapes('matmul', aBatch, bBatch);
  } catch {
    throw new Error(`matmul: batch dimensions do not broadcast: a ${formatShape(a.shape)} vs b ${formatShape(b.shape)}`);
  }
  const batch = sizeOf(batchShape);
  const left = batchOperand(a, batchShape);
  const right = batchOperand(b, batchShape);
  const out = new Tensor([...batchShape, p.m, p.n], uninitialized(batch * p.m * p.n));
  gemm(p, batch, left.data, left.stride, right.data, right.stride, out.data);
  return out;
}

// (..., M, K) @ (..., K, N); transA / transB read an operand as transposed in its last two axes.
export function matmul(a: Tensor, b: Tensor, options: { transA?: boolean; transB?: boolean } = {}): Tensor {
  const transA = options.transA ?? false;
  const transB = options.transB ?? false;
  return record('matmul', [a, b], matmulRaw(a, b, transA, transB), { transA, transB }, null);
}

// x (..., in) @ weight (out, in)^T + bias (out): PyTorch's weight layout.
export function linear(x: Tensor, weight: Tensor, bias?: Tensor): Tensor {
  const [outFeatures, inFeatures] = weight.shape;
  if (weight.shape.length !== 2 || x.shape[x.shape.length - 1] !== inFeatures) {
    throw new Error(`linear: input ${formatShape(x.shape)} does not match weight ${formatShape(weight.shape)} (out, in)`);
  }
  if (bias && !sameShape(bias.shape, [outFeatures])) throw new Error(`linear: bias ${formatShape(bias.shape)} should be (${outFeatures})`);
  const rows = x.size / inFeatures;
  const out = new Tensor([...x.shape.slice(0, -1), outFeatures], uninitialized(rows * outFeatures));
  const bf16 = bf16Backend();
  if (bf16) bf16.bf16Linear(rows, outFeatures, inFeatures, x.data, packedWeight(bf16, weight), bias?.data ?? null, out.data);
  else {
    if (bias) stridedCopy('linear', bias.data, 0, [0, 1], out.data, 0, [outFeatures, 1], [rows, outFeatures]);
    gemm({ m: rows, n: outFeatures, k: inFeatures, transA: false, transB: true }, 1, x.data, 0, weight.data, 0, out.data, bias ? 1 : 0);
  }
  const inputs = bias ? [x, weight, bias] : [x, weight];
  return record('linear', inputs, out, { hasBias: bias !== undefined }, null);
}

export const matmulRules: Pick<GradRules, 'matmul' | 'linear'> = {
  // With C = op(A) op(B): dop(A) = dC op(B)^T and dop(B) = op(A)^T dC, arranged so that no operand is
  // copied to transpose it. Batch-broadcast operands get full-batch gradients that the engine sums down.
  matmul(grad, { inputs: [a, b], params: { transA, transB } }, needsGrad) {
    let da: Tensor | null = null;
    let db: Tensor | null = null;
    if (needsGrad[0]) da = transA ? matmulRaw(b, grad, transB, true) : matmulRaw(grad, b, false, !transB);
    if (needsGrad[1]) {
      if (b.shape.length === 2 && !transA) {
        // b was shared by every row of a: one gemm over the folded rows sums its gradient directly.
        const rowsA = reshape(a, [-1, a.shape[a.shape.length - 1]]);
        const rowsGrad = reshape(grad, [-1, grad.shape[grad.shape.length - 1]]);
        db = transB ? matmulRaw(rowsGrad, rowsA, true, false) : matmulRaw(rowsA, rowsGrad, true, false);
      } else {
        db = transB ? matmulRaw(grad, a, true, transA) : matmulRaw(a, grad, !transA, false);
      }
    }
    return [da, db];
  },

  linear(grad, { inputs: [x, weight] }, needsGrad) {
    const [outFeatures, inFeatures] = weight.shape;
    const rows = x.size / inFeatures;
    let dx: Tensor | null = null;
    let dw: Tensor | null = null;
    if (needsGrad[0]) {
      dx = new Tensor(x.shape, uninitialized(x.size));
      gemm({ m: rows, n: inFeatures, k: outFeatures, transA: false, transB: false }, 1, grad.data, 0, weight.data, 0, dx.data);
    }
    if (needsGrad[1]) {
      dw = new Tensor(weight.shape, uninitialized(weight.size));
      gemm({ m: outFeatures, n: inFeatures, k: rows, transA: true, transB: false }, 1, grad.data, 0, x.data, 0, dw.data);
    }
    // The bias gradient is the output gradient summed over rows, which the engine's broadcast reduction does.
    return [dx, dw, grad];
  },
};
