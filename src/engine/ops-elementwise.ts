// Element-wise ops: the `unary` and `binary` primitives (numpy broadcasting) and their public names.
import { type GradRules, record } from './autodiff.ts';
import { backend } from './backend.ts';
import type { BinaryOp, UnaryOp } from './kernels.ts';
import { broadcastShapes, broadcastStrides, collapseAxes, formatShape, sizeOf } from './shape.ts';
import { Tensor, uninitialized } from './tensor.ts';

// The unrecorded computations, shared by forward passes and gradient rules.
export function unaryRaw(op: UnaryOp, x: Tensor, scalar = 0): Tensor {
  const out = new Tensor(x.shape, uninitialized(x.size));
  backend().unary(op, x.data, out.data, scalar);
  return out;
}

export function binaryRaw(op: BinaryOp, a: Tensor, b: Tensor, opName: string = op): Tensor {
  const shape = broadcastShapes(opName, a.shape, b.shape);
  const collapsed = collapseAxes(shape, [broadcastStrides(a.shape, shape), broadcastStrides(b.shape, shape)]);
  if (collapsed.shape.length > 6) throw new Error(`${opName}: broadcasting a ${formatShape(a.shape)} with b ${formatShape(b.shape)} needs more than 6 axes`);
  const out = new Tensor(shape, uninitialized(sizeOf(shape)));
  backend().binary(op, a.data, collapsed.strides[0], b.data, collapsed.strides[1], out.data, collapsed.shape);
  return out;
}

function unary(op: UnaryOp, x: Tensor, scalar = 0): Tensor {
  return record('unary', [x], unaryRaw(op, x, scalar), { op, scalar }, null);
}

function binary(op: BinaryOp, opName: string, a: Tensor, b: Tensor | number): Tensor {
  const right = typeof b === 'number' ? new Tensor([], Float32Array.of(b)) : b;
  return record('binary', [a, right], binaryRaw(op, a, right, opName), { op }, null);
}

export function add(a: Tensor, b: Tensor | number): Tensor {
  return typeof b === 'number' ? unary('addScalar', a, b) : binary('add', 'add', a, b);
}
export function sub(a: Tensor, b: Tensor | number): Tensor {
  return typeof b === 'number' ? unary('addScalar', a, -b) : binary('sub', 'sub', a, b);
}
export function mul(a: Tensor, b: Tensor | number): Tensor {
  return typeof b === 'number' ? unary('mulScalar', a, b) : binary('mul', 'mul', a, b);
}
export function div(a: Tensor, b: Tensor | number): Tensor {
  return typeof b === 'number' ? unary('mulScalar', a, 1 / b) : binary('div', 'div', a, b);
}
// Where a and b tie, the gradient goes to b.
export function maximum(a: Tensor, b: Tensor | number): Tensor {
  return binary('max', 'maximum', a, b);
}
export function minimum(a: Tensor, b: Tensor | number): Tensor {
  return binary('min', 'minimum', a, b);
}

export const neg = (x: Tensor): Tensor => unary('neg', x);
export const exp = (x: Tensor): Tensor => unary('exp', x);
export const log = (x: Tensor): Tensor => unary('log', x);
export const sqrt = (x: Tensor): Tensor => unary('sqrt', x);
export const rsqrt = (x: Tensor): Tensor => unary('rsqrt', x);
export const abs = (x: Tensor): Tensor => unary('abs', x);
export const square = (x: Tensor): Tensor => unary('square', x);
export const pow = (x: Tensor, p: number): Tensor => unary('powScalar', x, p);
export const relu = (x: Tensor): Tensor => unary('relu', x);
// Exact GELU, 0.5 x (1 + erf(x / sqrt 2)), as PyTorch's default.
export const gelu = (x: Tensor): Tensor => unary('gelu', x);
export const silu = (x: Tensor): Tensor => unary('silu', x);
export const sigmoid = (x: Tensor): Tensor => unary('sigmoid', x);
export const tanh = (x: Tensor): Tensor => unary('tanh', x);

// grad * [a > b]: the relu derivative of (a - b) is exactly that mask.
function gradWhereGreater(grad: Tensor, a: Tensor, b: Tensor): Tensor {
  const difference = binaryRaw('sub', a, b);
  const out = new Tensor(grad.shape, uninitialized(grad.size));
  backend().unaryBackward('relu', difference.data, difference.data, grad.data, out.data, 0);
  return out;
}

export const elementwiseRules: Pick<GradRules, 'unary' | 'binary'> = {
  unary(grad, { inputs: [x], output, params }) {
    const dx = new Tensor(x.shape, uninitialized(x.size));
    backend().unaryBackward(params.op, x.data, output.data, grad.data, dx.data, params.scalar);
    return [dx];
  },

  binary(grad, { inputs: [a, b], output, params }, needsGrad) {
    switch (params.op) {
      case 'add':
        return [grad, grad];
      case 'sub':
        return [grad, needsGrad[1] ? unaryRaw('neg', grad) : null];
      case 'mul':
        return [needsGrad[0] ? binaryRaw('mul', grad, b) : null, needsGrad[1] ? binaryRaw('mul', grad, a) : null];
      case 'div': {
        const da = needsGrad[0] ? binaryRaw('div', grad, b) : null;
        // d(a/b)/db = -(a/b) / b
        const db = needsGrad[1] ? unaryRaw('neg', binaryRaw('div', binaryRaw('mul', grad, output), b)) : null;
        return [da, db];
      }
      case 'max': {
        const da = gradWhereGreater(grad, a, b);
        return [da, needsGrad[1] ? binaryRaw('sub', grad, da) : null];
      }
      case 'min': {
        const da = gradWhereGreater(grad, b, a);
        return [da, needsGrad[1] ? binaryRaw('sub', grad, da) : null];
      }
    }
  },
};
