// The reference backend: every kernel of kernels.ts as plain TypeScript loops, written for clarity, not
// speed. It is the oracle the native addon is tested against, so each loop follows the contract literally
// and accumulates in float64 where a sum is involved.
//
// Layout choices the contract leaves open (the native addon must match them):
// - max: argmax holds the index along the reduced axis, in [0, n); ties go to the first maximum.
// - softmax: causalRows <= 0 means "not causal"; masked entries of y are exactly 0.
// - attention: lse[((g1 * G2 + g2) * heads + h) * lq + i] is the natural log-sum-exp of the scaled scores of
//   query row i; masked keys get probability 0.
// - gemm: beta = 0 overwrites C without reading it (BLAS semantics, so NaN garbage in C does not leak).
import type { AttentionParams, GemmParams, Kernels } from './kernels.ts';
import { categoricalPick, categoricalTotal } from './random.ts';
import { binaryOp, derivative, forward } from './scalar-math.ts';

function checkLength(kernel: string, name: string, array: { length: number }, expected: number): void {
  if (array.length !== expected) throw new RangeError(`${kernel}: ${name} has ${array.length} elements, expected ${expected}`);
}

// Visits every index of `shape` in row-major order, passing the offset of that index under each stride set.
function forEachOffset(kernel: string, shape: number[], strides: number[][], bases: number[], visit: (offsets: number[]) => void): void {
  if (shape.length > 6) throw new RangeError(`${kernel}: rank ${shape.length} exceeds 6`);
  for (const s of strides) if (s.length !== shape.length) throw new RangeError(`${kernel}: strides (${s}) do not match shape (${shape})`);
  if (shape.some((d) => d === 0)) return;
  const index = new Array<number>(shape.length).fill(0);
  const offsets = [...bases];
  for (;;) {
    visit(offsets);
    let axis = shape.length - 1;
    for (; axis >= 0; axis--) {
      index[axis]++;
      for (let t = 0; t < strides.length; t++) offsets[t] += strides[t][axis];
      if (index[axis] < shape[axis]) break;
      for (let t = 0; t < strides.length; t++) offsets[t] -= strides[t][axis] * shape[axis];
      index[axis] = 0;
    }
    if (axis < 0) return;
  }
}

function checkIds(kernel: string, ids: Int32Array, limit: number, allowNegative: boolean): void {
  for (const id of ids) {
    if (id >= limit || (id < 0 && !allowNegative)) throw new RangeError(`${kernel}: id ${id} out of range [0, ${limit})`);
  }
}

// Where group (g1, g2) starts in each attention buffer.
function groupBases(p: AttentionParams, g1: number, g2: number): { q: number; k: number; v: number; o: number; lse: number } {
  return {
    q: g1 * p.q.g1 + g2 * p.q.g2,
    k: g1 * p.k.g1 + g2 * p.k.g2,
    v: g1 * p.v.g1 + g2 * p.v.g2,
    o: g1 * p.o.g1 + g2 * p.o.g2,
    lse: (g1 * p.g2 + g2) * p.heads * p.lq,
  };
}

// Scaled scores of one (group, head) with the causal mask applied as -Infinity: (lq, lk).
function attentionScores(p: AttentionParams, q: Float32Array, k: Float32Array, qBase: number, kBase: number): Float64Array {
  const scores = new Float64Array(p.lq * p.lk);
  const shift = p.lk - p.lq;
  for (let i = 0; i < p.lq; i++) {
    for (let j = 0; j < p.lk; j++) {
      if (p.causal && j > i + shift) {
        scores[i * p.lk + j] = -Infinity;
        continue;
      }
      let dot = 0;
      for (let d = 0; d < p.headDim; d++) dot += q[qBase + i * p.q.row + d] * k[kBase + j * p.k.row + d];
      scores[i * p.lk + j] = p.scale * dot;
    }
  }
  return scores;
}

export const reference: Kernels = {
  name: 'reference',

  gemm(p: GemmParams, a: Float32Array, b: Float32Array, c: Float32Array): void {
    for (let t = 0; t < p.batch; t++) {
      const aBase = p.offsetA + t * p.strideA;
      const bBase = p.offsetB + t * p.strideB;
      const cBase = p.offsetC + t * p.strideC;
      for (let i = 0; i < p.m; i++) {
        for (let j = 0; j < p.n; j++) {
          let dot = 0;
          for (let l = 0; l < p.k; l++) {
            const av = p.transA ? a[aBase + l * p.lda + i] : a[aBase + i * p.lda + l];
            const bv = p.transB ? b[bBase + j * p.ldb + l] : b[bBase + l * p.ldb + j];
            dot += av * bv;
          }
          const at = cBase + i * p.ldc + j;
          c[at] = p.beta === 0 ? p.alpha * dot : p.alpha * dot + p.beta * c[at];
        }
      }
    }
  },

  unary(op, x, y, s) {
    checkLength(`unary ${op}`, 'y', y, x.length);
    for (let i = 0; i < x.length; i++) y[i] = forward(op, x[i], s);
  },

  unaryBackward(op, x, y, dy, dx, s) {
    checkLength(`unaryBackward ${op}`, 'dx', dx, x.length);
    for (let i = 0; i < x.length; i++) dx[i] = dy[i] * derivative(op, x[i], y[i], s);
  },

  binary(op, a, aStrides, b, bStrides, out, shape) {
    checkLength(`binary ${op}`, 'out', out, shape.reduce((n, d) => n * d, 1));
    let i = 0;
    forEachOffset(`binary ${op}`, shape, [aStrides, bStrides], [0, 0], ([ia, ib]) => {
      out[i++] = binaryOp(op, a[ia], b[ib]);
    });
  },

  copy(src, srcOffset, srcStrides, dst, dstOffset, dstStrides, shape, accumulate) {
    forEachOffset('copy', shape, [srcStrides, dstStrides], [srcOffset, dstOffset], ([is, id]) => {
      dst[id] = accumulate ? dst[id] + src[is] : src[is];
    });
  },

  sum(x, out, outer, n, inner) {
    checkLength('sum', 'out', out, outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        let total = 0;
        for (let r = 0; r < n; r++) total += x[(o * n + r) * inner + j];
        out[o * inner + j] = total;
      }
    }
  },

  max(x, out, argmax, outer, n, inner) {
    checkLength('max', 'out', out, outer * inner);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) {
        let best = 0;
        for (let r = 1; r < n; r++) if (x[(o * n + r) * inner + j] > x[(o * n + best) * inner + j]) best = r;
        out[o * inner + j] = x[(o * n + best) * inner + j];
        argmax[o * inner + j] = best;
      }
    }
  },

  maxBackward(dOut, argmax, dx, outer, n, inner) {
    dx.fill(0);
    for (let o = 0; o < outer; o++) {
      for (let j = 0; j < inner; j++) dx[(o * n + argmax[o * inner + j]) * inner + j] = dOut[o * inner + j];
    }
  },

  softmax(x, y, rows, cols, causalRows) {
    for (let r = 0; r < rows; r++) {
      const visible = causalRows > 0 ? Math.min(cols, (r % causalRows) + (cols - causalRows) + 1) : cols;
      let peak = -Infinity;
      for (let j = 0; j < visible; j++) peak = Math.max(peak, x[r * cols + j]);
      let total = 0;
      for (let j = 0; j < visible; j++) total += Math.exp(x[r * cols + j] - peak);
      for (let j = 0; j < cols; j++) y[r * cols + j] = j < visible ? Math.exp(x[r * cols + j] - peak) / total : 0;
    }
  },

  sampleRows(logits, cols, rows, temperature, uniforms, ids, probabilities) {
    const p = new Float32Array(cols);
    rows.forEach((row, i) => {
      if (!(row >= 0 && (row + 1) * cols <= logits.length)) throw new RangeError(`sampleRows: rows[${i}] = ${row} is outside the logits`);
      const x = logits.subarray(row * cols, (row + 1) * cols);
      if (temperature > 0) reference.unary('mulScalar', x, p, 1 / temperature);
      else p.set(x);
      reference.softmax(p, p, 1, cols, 0);
      let id = 0;
      if (temperature > 0) id = categoricalPick(p, categoricalTotal(p), uniforms[i]);
      else for (let j = 1; j < cols; j++) if (p[j] > p[id]) id = j;
      ids[i] = id;
      probabilities[i] = p[id];
    });
  },

  softmaxBackward(y, dy, dx, rows, cols) {
    for (let r = 0; r < rows; r++) {
      let dot = 0;
      for (let j = 0; j < cols; j++) dot += y[r * cols + j] * dy[r * cols + j];
      for (let j = 0; j < cols; j++) dx[r * cols + j] = y[r * cols + j] * (dy[r * cols + j] - dot);
    }
  },

  logSoftmax(x, y, rows, cols) {
    for (let r = 0; r < rows; r++) {
      let peak = -Infinity;
      for (let j = 0; j < cols; j++) peak = Math.max(peak, x[r * cols + j]);
      let total = 0;
      for (let j = 0; j < cols; j++) total += Math.exp(x[r * cols + j] - peak);
      const lse = peak + Math.log(total);
      for (let j = 0; j < cols; j++) y[r * cols + j] = x[r * cols + j] - lse;
    }
  },

  logSoftmaxBackward(y, dy, dx, rows, cols) {
    for (let r = 0; r < rows; r++) {
      let total = 0;
      for (let j = 0; j < cols; j++) total += dy[r * cols + j];
      for (let j = 0; j < cols; j++) dx[r * cols + j] = dy[r * cols + j] - Math.exp(y[r * cols + j]) * total;
    }
  },

  layerNorm(x, w, b, y, mean, rstd, rows, cols, eps) {
    for (let r = 0; r < rows; r++) {
      let total = 0;
      for (let j = 0; j < cols; j++) total += x[r * cols + j];
      const mu = total / cols;
      let squares = 0;
      for (let j = 0; j < cols; j++) squares += (x[r * cols + j] - mu) ** 2;
      const inv = 1 / Math.sqrt(squares / cols + eps);
      mean[r] = mu;
      rstd[r] = inv;
      for (let j = 0; j < cols; j++) {
        const normed = (x[r * cols + j] - mu) * inv;
        y[r * cols + j] = normed * (w ? w[j] : 1) + (b ? b[j] : 0);
      }
    }
  },

  layerNormBackward(x, w, mean, rstd, dy, dx, dw, db, rows, cols) {
    const dwAcc = new Float64Array(cols);
    const dbAcc = new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      let gMean = 0;
      let gxMean = 0;
      for (let j = 0; j < cols; j++) {
        const normed = (x[r * cols + j] - mean[r]) * rstd[r];
        const g = dy[r * cols + j] * (w ? w[j] : 1);
        gMean += g;
        gxMean += g * normed;
        dwAcc[j] += dy[r * cols + j] * normed;
        dbAcc[j] += dy[r * cols + j];
      }
      gMean /= cols;
      gxMean /= cols;
      for (let j = 0; j < cols; j++) {
        const normed = (x[r * cols + j] - mean[r]) * rstd[r];
        const g = dy[r * cols + j] * (w ? w[j] : 1);
        dx[r * cols + j] = rstd[r] * (g - gMean - normed * gxMean);
      }
    }
    if (dw) dw.set(dwAcc);
    if (db) db.set(dbAcc);
  },

  rmsNorm(x, w, y, rstd, rows, cols, eps) {
    for (let r = 0; r < rows; r++) {
      let squares = 0;
      for (let j = 0; j < cols; j++) squares += x[r * cols + j] ** 2;
      const inv = 1 / Math.sqrt(squares / cols + eps);
      rstd[r] = inv;
      for (let j = 0; j < cols; j++) y[r * cols + j] = x[r * cols + j] * inv * (w ? w[j] : 1);
    }
  },

  rmsNormBackward(x, w, rstd, dy, dx, dw, rows, cols) {
    const dwAcc = new Float64Array(cols);
    for (let r = 0; r < rows; r++) {
      let gxMean = 0;
      for (let j = 0; j < cols; j++) {
        const normed = x[r * cols + j] * rstd[r];
        gxMean += dy[r * cols + j] * (w ? w[j] : 1) * normed;
        dwAcc[j] += dy[r * cols + j] * normed;
      }
      gxMean /= cols;
      for (let j = 0; j < cols; j++) {
        const normed = x[r * cols + j] * rstd[r];
        dx[r * cols + j] = rstd[r] * (dy[r * cols + j] * (w ? w[j] : 1) - normed * gxMean);
      }
    }
    if (dw) dw.set(dwAcc);
  },

  gather(table, ids, out, vocab, dim) {
    checkIds('gather', ids, vocab, false);
    checkLength('gather', 'out', out, ids.length * dim);
    for (let i = 0; i < ids.length; i++) out.set(table.subarray(ids[i] * dim, ids[i] * dim + dim), i * dim);
  },

  scatterAdd(dOut, ids, dTable, vocab, dim) {
    checkIds('scatterAdd', ids, vocab, false);
    for (let i = 0; i < ids.length; i++) {
      for (let d = 0; d < dim; d++) dTable[ids[i] * dim + d] += dOut[i * dim + d];
    }
  },

  pick(x, ids, out, rows, cols) {
    checkIds('pick', ids, cols, true);
    for (let r = 0; r < rows; r++) out[r] = ids[r] < 0 ? 0 : x[r * cols + ids[r]];
  },

  pickBackward(dOut, ids, dx, rows, cols) {
    checkIds('pickBackward', ids, cols, true);
    dx.fill(0);
    for (let r = 0; r < rows; r++) if (ids[r] >= 0) dx[r * cols + ids[r]] = dOut[r];
  },

  nearestCode(x, codebook, out, n, k, dim) {
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestDistance = Infinity;
      for (let c = 0; c < k; c++) {
        let distance = 0;
        for (let d = 0; d < dim; d++) distance += (x[i * dim + d] - codebook[c * dim + d]) ** 2;
        if (distance < bestDistance) {
          bestDistance = distance;
          best = c;
        }
      }
      out[i] = best;
    }
  },

  attention(p, q, k, v, out, lse) {
    for (let g1 = 0; g1 < p.g1; g1++) {
      for (let g2 = 0; g2 < p.g2; g2++) {
        const base = groupBases(p, g1, g2);
        for (let h = 0; h < p.heads; h++) {
          const hd = h * p.headDim;
          const scores = attentionScores(p, q, k, base.q + hd, base.k + hd);
          for (let i = 0; i < p.lq; i++) {
            const row = scores.subarray(i * p.lk, (i + 1) * p.lk);
            const peak = Math.max(...row);
            let total = 0;
            for (let j = 0; j < p.lk; j++) total += Math.exp(row[j] - peak);
            lse[base.lse + h * p.lq + i] = peak + Math.log(total);
            for (let d = 0; d < p.headDim; d++) {
              let acc = 0;
              for (let j = 0; j < p.lk; j++) acc += (Math.exp(row[j] - peak) / total) * v[base.v + hd + j * p.v.row + d];
              out[base.o + hd + i * p.o.row + d] = acc;
            }
          }
        }
      }
    }
  },

  attentionBackward(p, q, k, v, out, lse, dOut, dq, dk, dv) {
    for (let g1 = 0; g1 < p.g1; g1++) {
      for (let g2 = 0; g2 < p.g2; g2++) {
        const base = groupBases(p, g1, g2);
        for (let h = 0; h < p.heads; h++) {
          const hd = h * p.headDim;
          const qAt = (i: number, d: number) => base.q + hd + i * p.q.row + d;
          const kAt = (j: number, d: number) => base.k + hd + j * p.k.row + d;
          const vAt = (j: number, d: number) => base.v + hd + j * p.v.row + d;
          const oAt = (i: number, d: number) => base.o + hd + i * p.o.row + d;
          const scores = attentionScores(p, q, k, base.q + hd, base.k + hd);
          const dqAcc = new Float64Array(p.lq * p.headDim);
          const dkAcc = new Float64Array(p.lk * p.headDim);
          const dvAcc = new Float64Array(p.lk * p.headDim);
          for (let i = 0; i < p.lq; i++) {
            let rowDot = 0; // sum_d dOut[i, d] * out[i, d] = sum_j P[i, j] dP[i, j]
            for (let d = 0; d < p.headDim; d++) rowDot += dOut[oAt(i, d)] * out[oAt(i, d)];
            for (let j = 0; j < p.lk; j++) {
              const prob = Math.exp(scores[i * p.lk + j] - lse[base.lse + h * p.lq + i]);
              if (prob === 0) continue;
              let dProb = 0;
              for (let d = 0; d < p.headDim; d++) {
                dProb += dOut[oAt(i, d)] * v[vAt(j, d)];
                dvAcc[j * p.headDim + d] += prob * dOut[oAt(i, d)];
              }
              const dScore = prob * (dProb - rowDot) * p.scale;
              for (let d = 0; d < p.headDim; d++) {
                dqAcc[i * p.headDim + d] += dScore * k[kAt(j, d)];
                dkAcc[j * p.headDim + d] += dScore * q[qAt(i, d)];
              }
            }
          }
          for (let d = 0; d < p.headDim; d++) {
            for (let i = 0; i < p.lq; i++) dq[qAt(i, d)] = dqAcc[i * p.headDim + d];
            for (let j = 0; j < p.lk; j++) {
              dk[kAt(j, d)] = dkAcc[j * p.headDim + d];
              dv[vAt(j, d)] = dvAcc[j * p.headDim + d];
            }
          }
        }
      }
    }
  },

  adamw(param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step) {
    const correction1 = 1 - beta1 ** step;
    const correction2 = 1 - beta2 ** step;
    for (let i = 0; i < param.length; i++) {
      m[i] = beta1 * m[i] + (1 - beta1) * grad[i];
      v[i] = beta2 * v[i] + (1 - beta2) * grad[i] * grad[i];
      const update = m[i] / correction1 / (Math.sqrt(v[i] / correction2) + eps);
      param[i] -= lr * (weightDecay * param[i] + update);
    }
  },

  axpby(alpha, x, beta, y) {
    checkLength('axpby', 'y', y, x.length);
    for (let i = 0; i < x.length; i++) y[i] = beta === 0 ? alpha * x[i] : alpha * x[i] + beta * y[i];
  },

  sumSquares(x) {
    let total = 0;
    for (const value of x) total += value * value;
    return total;
  },

  countNonFinite(x) {
    let count = 0;
    for (const value of x) if (!Number.isFinite(value)) count++;
    return count;
  },

  fill(x, value) {
    x.fill(value);
  },
};
