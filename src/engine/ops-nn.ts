// Row-wise neural-network primitives: softmax, log-softmax, LayerNorm, RMSNorm (all over the last axis),
// embedding lookup and pick (one entry per row, the core of cross-entropy).
import { type GradRules, record } from './autodiff.ts';
import { backend } from './backend.ts';
import { formatShape, sameShape, sizeOf } from './shape.ts';
import { Tensor, uninitialized, zeros } from './tensor.ts';

function rowsOf(x: Tensor, op: string): { rows: number; cols: number } {
  if (x.shape.length === 0) throw new Error(`${op}: needs at least one axis, got a scalar`);
  const cols = x.shape[x.shape.length - 1];
  return { rows: cols === 0 ? 0 : x.size / cols, cols };
}

function emptyLike(x: Tensor): Tensor {
  return new Tensor(x.shape, uninitialized(x.size));
}

// causal: the last two axes are (queries, keys) and query i sees keys j <= i + (keys - queries).
export function softmax(x: Tensor, options: { causal?: boolean } = {}): Tensor {
  const causal = options.causal ?? false;
  const { rows, cols } = rowsOf(x, 'softmax');
  if (causal && x.shape.length < 2) throw new Error(`softmax: causal needs (..., queries, keys), got ${formatShape(x.shape)}`);
  const out = emptyLike(x);
  backend().softmax(x.data, out.data, rows, cols, causal ? x.shape[x.shape.length - 2] : 0);
  return record('softmax', [x], out, { causal }, null);
}

export function logSoftmax(x: Tensor): Tensor {
  const { rows, cols } = rowsOf(x, 'logSoftmax');
  const out = emptyLike(x);
  backend().logSoftmax(x.data, out.data, rows, cols);
  return record('logSoftmax', [x], out, null, null);
}

function checkAffine(op: string, x: Tensor, cols: number, name: string, t: Tensor | undefined): void {
  if (t && !sameShape(t.shape, [cols])) throw new Error(`${op}: ${name} ${formatShape(t.shape)} should be (${cols}) for input ${formatShape(x.shape)}`);
}

export function layerNorm(x: Tensor, weight?: Tensor, bias?: Tensor, eps = 1e-5): Tensor {
  const { rows, cols } = rowsOf(x, 'layerNorm');
  checkAffine('layerNorm', x, cols, 'weight', weight);
  checkAffine('layerNorm', x, cols, 'bias', bias);
  const out = emptyLike(x);
  const mean = new Float32Array(rows);
  const rstd = new Float32Array(rows);
  backend().layerNorm(x.data, weight?.data ?? null, bias?.data ?? null, out.data, mean, rstd, rows, cols, eps);
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return record('layerNorm', inputs, out, { eps, hasWeight: weight !== undefined, hasBias: bias !== undefined }, { mean, rstd });
}

export function rmsNorm(x: Tensor, weight?: Tensor, eps = 1e-6): Tensor {
  const { rows, cols } = rowsOf(x, 'rmsNorm');
  checkAffine('rmsNorm', x, cols, 'weight', weight);
  const out = emptyLike(x);
  const rstd = new Float32Array(rows);
  backend().rmsNorm(x.data, weight?.data ?? null, out.data, rstd, rows, cols, eps);
  return record('rmsNorm', weight ? [x, weight] : [x], out, { eps, hasWeight: weight !== undefined }, { rstd });
}

// Rows of table (V, D) picked by ids: (...idsShape, D). Out-of-range ids throw before anything is written.
export function embedding(table: Tensor, ids: Int32Array, idsShape: readonly number[]): Tensor {
  if (table.shape.length !== 2) throw new Error(`embedding: table must be (vocab, dim), got ${formatShape(table.shape)}`);
  if (ids.length !== sizeOf(idsShape)) throw new Error(`embedding: ${ids.length} ids do not fill ids shape ${formatShape(idsShape)}`);
  const [vocab, dim] = table.shape;
  const out = new Tensor([...idsShape, dim], uninitialized(ids.length * dim));
  backend().gather(table.data, ids, out.data, vocab, dim);
  // The ids are copied so a caller reusing its buffer cannot change what backward sees.
  return record('embedding', [table], out, { ids: ids.slice() }, null);
}

// out[...] = x[..., ids[row]] over the rows of x (..., C); an id < 0 gives 0 and no gradient.
export function pick(x: Tensor, ids: Int32Array): Tensor {
  const { rows, cols } = rowsOf(x, 'pick');
  if (ids.length !== rows) throw new Error(`pick: ${ids.length} ids for ${rows} rows of ${formatShape(x.shape)}`);
  const out = new Tensor(x.shape.slice(0, -1), uninitialized(rows));
  backend().pick(x.data, ids, out.data, rows, cols);
  return record('pick', [x], out, { ids: ids.slice() }, null);
}

export const nnRules: Pick<GradRules, 'softmax' | 'logSoftmax' | 'layerNorm' | 'rmsNorm' | 'embedding' | 'pick'> = {
  softmax(grad, { inputs: [x], output }) {
    const { rows, cols } = rowsOf(x, 'softmax');
    const dx = emptyLike(x);
    backend().softmaxBackward(output.data, grad.data, dx.data, rows, cols);
    return [dx];
  },

  logSoftmax(grad, { inputs: [x], output }) {
    const { rows, cols } = rowsOf(x, 'logSoftmax');
    const dx = emptyLike(x);
    backend().logSoftmaxBackward(output.data, grad.data, dx.data, rows, cols);
    return [dx];
  },

  layerNorm(grad, { inputs, params, saved }, needsGrad) {
    const [x] = inputs;
    const weight = params.hasWeight ? inputs[1] : null;
    const { rows, cols } = rowsOf(x, 'layerNorm');
    const dx = emptyLike(x);
    const dw = params.hasWeight && needsGrad[1] ? zeros([cols]) : null;
    const db = params.hasBias && needsGrad[inputs.length - 1] ? zeros([cols]) : null;
    backend().layerNormBackward(x.data, weight?.data ?? null, saved.mean, saved.rstd, grad.data, dx.data, dw?.data ?? null, db?.data ?? null, rows, cols);
    return [dx, ...(params.hasWeight ? [dw] : []), ...(params.hasBias ? [db] : [])];
  },

  rmsNorm(grad, { inputs, params, saved }, needsGrad) {
    const [x] = inputs;
    const weight = params.hasWeight ? inputs[1] : null;
    const { rows, cols } = rowsOf(x, 'rmsNorm');
    const dx = emptyLike(x);
    const dw = params.hasWeight && needsGrad[1] ? zeros([cols]) : null;
    backend().rmsNormBackward(x.data, weight?.data ?? null, saved.rstd, grad.data, dx.data, dw?.data ?? null, rows, cols);
    return [dx, dw];
  },

  embedding(grad, { inputs: [table], params }) {
    const [vocab, dim] = table.shape;
    const dTable = zeros(table.shape);
    backend().scatterAdd(grad.data, params.ids, dTable.data, vocab, dim);
    return [dTable];
  },

  pick(grad, { inputs: [x], params }) {
    const { rows, cols } = rowsOf(x, 'pick');
    const dx = emptyLike(x);
    backend().pickBackward(grad.data, params.ids, dx.data, rows, cols);
    return [dx];
  },
};
