// Shape ops. reshape is free (tensors are contiguous, so it shares the buffer); permute, slice, concat,
// split and expand are strided copies through the one `copy` kernel.
import { type GradRules, SliceGradient, record } from './autodiff.ts';
import { broadcastShapes, broadcastStrides, contiguousStrides, formatShape, normalizeAxis, sameShape, sizeOf } from './shape.ts';
import { stridedCopy } from './strided-copy.ts';
import { Tensor, uninitialized } from './tensor.ts';

export function reshape(x: Tensor, shape: readonly number[]): Tensor {
  const unknown = shape.indexOf(-1);
  if (unknown !== shape.lastIndexOf(-1)) throw new Error(`reshape: more than one -1 in ${formatShape(shape)}`);
  const resolved = [...shape];
  if (unknown >= 0) {
    const known = sizeOf(shape.filter((d) => d !== -1));
    if (known === 0 || x.size % known !== 0) throw new Error(`reshape: cannot reshape ${formatShape(x.shape)} to ${formatShape(shape)}`);
    resolved[unknown] = x.size / known;
  }
  if (sizeOf(resolved) !== x.size || resolved.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`reshape: cannot reshape ${formatShape(x.shape)} (${x.size} values) to ${formatShape(shape)}`);
  }
  if (sameShape(resolved, x.shape)) return x;
  return record('reshape', [x], new Tensor(resolved, x.data), null, null);
}

export function expandRaw(x: Tensor, shape: readonly number[], op = 'expand'): Tensor {
  const target = broadcastShapes(op, x.shape, shape);
  if (!sameShape(target, shape)) throw new Error(`${op}: cannot expand ${formatShape(x.shape)} to ${formatShape(shape)}`);
  const out = new Tensor(shape, uninitialized(sizeOf(shape)));
  stridedCopy(op, x.data, 0, broadcastStrides(x.shape, shape), out.data, 0, contiguousStrides(shape), shape);
  return out;
}

// Broadcast copy: x repeated along the axes where it has size 1 (or is missing on the left).
export function expand(x: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(x.shape, shape)) return x;
  return record('expand', [x], expandRaw(x, shape), null, null);
}

function permuteRaw(x: Tensor, axes: readonly number[]): Tensor {
  const rank = x.shape.length;
  const valid = axes.length === rank && [...axes].sort((a, b) => a - b).every((a, i) => a === i);
  if (!valid) throw new Error(`permute: axes (${axes.join(', ')}) are not a permutation of the ${rank} axes of ${formatShape(x.shape)}`);
  const shape = axes.map((a) => x.shape[a]);
  const strides = contiguousStrides(x.shape);
  const out = new Tensor(shape, uninitialized(x.size));
  stridedCopy('permute', x.data, 0, axes.map((a) => strides[a]), out.data, 0, contiguousStrides(shape), shape);
  return out;
}

export function permute(x: Tensor, axes: readonly number[]): Tensor {
  const normalized = axes.map((a) => normalizeAxis('permute', a, x.shape.length));
  if (normalized.every((a, i) => a === i) && normalized.length === x.shape.length) return x;
  return record('permute', [x], permuteRaw(x, normalized), { axes: normalized }, null);
}

export function transpose(x: Tensor, a: number, b: number): Tensor {
  const axes = x.shape.map((_, i) => i);
  const first = normalizeAxis('transpose', a, axes.length);
  const second = normalizeAxis('transpose', b, axes.length);
  [axes[first], axes[second]] = [axes[second], axes[first]];
  return permute(x, axes);
}

function sliceRaw(x: Tensor, axis: number, start: number, end: number): Tensor {
  const shape = [...x.shape];
  shape[axis] = end - start;
  const strides = contiguousStrides(x.shape);
  const out = new Tensor(shape, uninitialized(sizeOf(shape)));
  stridedCopy('slice', x.data, start * strides[axis], strides, out.data, 0, contiguousStrides(shape), shape);
  return out;
}

// Elements start..end-1 along one axis.
export function slice(x: Tensor, axis: number, start: number, end: number): Tensor {
  const a = normalizeAxis('slice', axis, x.shape.length);
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= x.shape[a])) {
    throw new Error(`slice: range [${start}, ${end}) is outside axis ${a} of ${formatShape(x.shape)}`);
  }
  if (start === 0 && end === x.shape[a]) return x;
  return record('slice', [x], sliceRaw(x, a, start, end), { axis: a, start, end }, null);
}

export function split(x: Tensor, axis: number, sizes: readonly number[]): Tensor[] {
  const a = normalizeAxis('split', axis, x.shape.length);
  if (sizes.reduce((s, d) => s + d, 0) !== x.shape[a]) {
    throw new Error(`split: sizes (${sizes.join(', ')}) do not add up to axis ${a} of ${formatShape(x.shape)}`);
  }
  let start = 0;
  return sizes.map((size) => slice(x, a, start, (start += size)));
}

export function concat(xs: readonly Tensor[], axis: number): Tensor {
  if (xs.length === 0) throw new Error('concat: no tensors given');
  const first = xs[0].shape;
  const a = normalizeAxis('concat', axis, first.length);
  for (const x of xs) {
    if (x.shape.length !== first.length || x.shape.some((d, i) => i !== a && d !== first[i])) {
      throw new Error(`concat: shapes differ outside axis ${a}: ${formatShape(first)} vs ${formatShape(x.shape)}`);
    }
  }
  const shape = [...first];
  shape[a] = xs.reduce((s, x) => s + x.shape[a], 0);
  const out = new Tensor(shape, uninitialized(sizeOf(shape)));
  const outStrides = contiguousStrides(shape);
  let offset = 0;
  for (const x of xs) {
    stridedCopy('concat', x.data, 0, contiguousStrides(x.shape), out.data, offset * outStrides[a], outStrides, x.shape);
    offset += x.shape[a];
  }
  return record('concat', [...xs], out, { axis: a }, null);
}

export const shapeRules: Pick<GradRules, 'reshape' | 'permute' | 'slice' | 'concat' | 'expand'> = {
  reshape: (grad, { inputs: [x] }) => [new Tensor(x.shape, grad.data)],

  permute(grad, { params }) {
    const inverse = new Array<number>(params.axes.length);
    params.axes.forEach((a, i) => (inverse[a] = i));
    return [permuteRaw(grad, inverse)];
  },

  slice: (grad, { params }) => [new SliceGradient(grad, params.axis, params.start)],

  concat(grad, { inputs, params }, needsGrad) {
    let start = 0;
    return inputs.map((x, i) => {
      const end = start + x.shape[params.axis];
      const dx = needsGrad[i] ? sliceRaw(grad, params.axis, start, end) : null;
      start = end;
      return dx;
    });
  },

  // The output gradient has the expanded shape; the engine sums it back over the repeated axes.
  expand: (grad) => [grad],
};
