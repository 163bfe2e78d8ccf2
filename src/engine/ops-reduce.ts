// Reductions. The kernels reduce the middle axis of an (outer, n, inner) view, so a reduction over
// neighbouring axes is one call; other axis sets run as one call per run of neighbours.
import { type GradRules, record } from './autodiff.ts';
import { backend } from './backend.ts';
import { normalizeAxis, sizeOf } from './shape.ts';
import { Tensor, uninitialized } from './tensor.ts';
import { mul } from './ops-elementwise.ts';
import { expandRaw, reshape } from './ops-shape.ts';

// Axes [axis, axis + count) of x as the middle of an (outer, n, inner) view; the output keeps them as 1s.
function reductionView(x: Tensor, axis: number, count: number): { outer: number; n: number; inner: number; shape: number[] } {
  const shape = [...x.shape];
  shape.fill(1, axis, axis + count);
  return {
    outer: sizeOf(x.shape.slice(0, axis)),
    n: sizeOf(x.shape.slice(axis, axis + count)),
    inner: sizeOf(x.shape.slice(axis + count)),
    shape,
  };
}

function sumRun(x: Tensor, axis: number, count: number): Tensor {
  const { outer, n, inner, shape } = reductionView(x, axis, count);
  const out = new Tensor(shape, uninitialized(outer * inner));
  backend().sum(x.data, out.data, outer, n, inner);
  return record('sum', [x], out, { axis, count }, null);
}

function maxAxis(x: Tensor, axis: number): Tensor {
  const { outer, n, inner, shape } = reductionView(x, axis, 1);
  if (n === 0) throw new Error(`max: axis ${axis} of the input is empty`);
  const out = new Tensor(shape, uninitialized(outer * inner));
  const argmax = new Int32Array(outer * inner);
  backend().max(x.data, out.data, argmax, outer, n, inner);
  return record('max', [x], out, { axis }, { argmax });
}

// Sorted, distinct, non-negative axes, split into runs of neighbours, last run first (so reducing one run
// with kept dimensions leaves the axis numbers of the earlier runs valid).
function axisRuns(op: string, rank: number, axes: readonly number[] | undefined): { axes: number[]; runs: [number, number][] } {
  const sorted = [...new Set((axes ?? [...Array(rank).keys()]).map((a) => normalizeAxis(op, a, rank)))].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const axis of sorted) {
    const last = runs[runs.length - 1];
    if (last && last[0] + last[1] === axis) last[1]++;
    else runs.push([axis, 1]);
  }
  return { axes: sorted, runs: runs.reverse() };
}

function dropAxes(x: Tensor, axes: number[], keepDims: boolean): Tensor {
  return keepDims ? x : reshape(x, x.shape.filter((_, i) => !axes.includes(i)));
}

// Sum over `axes` (all axes when omitted).
export function sum(x: Tensor, axes?: readonly number[], keepDims = false): Tensor {
  const { axes: sorted, runs } = axisRuns('sum', x.shape.length, axes);
  let out = x;
  for (const [axis, count] of runs) out = sumRun(out, axis, count);
  return dropAxes(out, sorted, keepDims);
}

export function mean(x: Tensor, axes?: readonly number[], keepDims = false): Tensor {
  const { axes: sorted } = axisRuns('mean', x.shape.length, axes);
  const count = sizeOf(sorted.map((a) => x.shape[a]));
  return mul(sum(x, sorted, keepDims), 1 / count);
}

// Maximum over `axes`; the gradient goes to the first maximal element.
export function max(x: Tensor, axes?: readonly number[], keepDims = false): Tensor {
  const { axes: sorted } = axisRuns('max', x.shape.length, axes);
  let out = x;
  for (const axis of [...sorted].reverse()) out = maxAxis(out, axis);
  return dropAxes(out, sorted, keepDims);
}

export const reduceRules: Pick<GradRules, 'sum' | 'max'> = {
  sum: (grad, { inputs: [x] }) => [expandRaw(grad, x.shape, 'sum')],

  max(grad, { inputs: [x], params, saved }) {
    const { outer, n, inner } = reductionView(x, params.axis, 1);
    const dx = new Tensor(x.shape, new Float32Array(x.size));
    backend().maxBackward(grad.data, saved.argmax, dx.data, outer, n, inner);
    return [dx];
  },
};
