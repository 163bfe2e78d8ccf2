// The tape: each op that takes a tensor requiring gradients records a node (primitive, inputs, params,
// saved values) on its output. backward() walks the nodes reachable from the loss newest-first (node ids
// grow as ops run, so that order is a valid reverse topological order), asks each primitive's gradient rule
// for its input gradients, reduces broadcast gradients back to the input shapes, and accumulates.
//
// Every primitive is listed once in PrimitiveParams with its parameters and the values its forward pass
// saves for backward; ops.ts holds the one table of gradient rules, typed so the compiler rejects a
// primitive without a rule.
import { backend } from './backend.ts';
import type { AttentionParams, BinaryOp, UnaryOp } from './kernels.ts';
import { contiguousStrides, formatShape, sameShape, sizeOf } from './shape.ts';
import { stridedCopy } from './strided-copy.ts';
import { Tensor, inScratchArena, uninitialized, withScratchArena } from './tensor.ts';

export interface PrimitiveParams {
  unary: { params: { op: UnaryOp; scalar: number }; saved: null };
  binary: { params: { op: BinaryOp }; saved: null };
  // (..., M, K) @ (..., K, N) with batch broadcasting.
  matmul: { params: { transA: boolean; transB: boolean }; saved: null };
  linear: { params: { hasBias: boolean }; saved: null };
  reshape: { params: null; saved: null };
  permute: { params: { axes: number[] }; saved: null };
  slice: { params: { axis: number; start: number; end: number }; saved: null };
  concat: { params: { axis: number }; saved: null };
  expand: { params: null; saved: null };
  sum: { params: { axis: number; count: number }; saved: null };
  max: { params: { axis: number }; saved: { argmax: Int32Array } };
  softmax: { params: { causal: boolean }; saved: null };
  logSoftmax: { params: null; saved: null };
  layerNorm: { params: { eps: number; hasWeight: boolean; hasBias: boolean }; saved: { mean: Float32Array; rstd: Float32Array } };
  rmsNorm: { params: { eps: number; hasWeight: boolean }; saved: { rstd: Float32Array } };
  embedding: { params: { ids: Int32Array }; saved: null };
  pick: { params: { ids: Int32Array }; saved: null };
  attention: { params: AttentionParams; saved: { lse: Float32Array } };
  straightThrough: { params: null; saved: null };
}
export type Primitive = keyof PrimitiveParams;

export interface TapeNode<P extends Primitive = Primitive> {
  id: number;
  primitive: P;
  inputs: Tensor[];
  output: Tensor;
  params: PrimitiveParams[P]['params'];
  saved: PrimitiveParams[P]['saved'];
}

// The gradient of a slice: `values` placed at `start` along `axis` of the input, zero elsewhere. The
// engine adds it into place instead of materialising the zeros, so split and slice cost one copy each.
export class SliceGradient {
  constructor(
    readonly values: Tensor,
    readonly axis: number,
    readonly start: number,
  ) {}
}

// Returns one gradient per input (null where the input needs none). A Tensor gradient may have the output's
// broadcast shape: the engine sums it down to the input's shape. Rules never modify `grad`.
export type GradRule<P extends Primitive> = (grad: Tensor, node: TapeNode<P>, needsGrad: boolean[]) => (Tensor | SliceGradient | null)[];
export type GradRules = { [P in Primitive]: GradRule<P> };

let recording = true;
let nextNodeId = 0;

// Runs fn without recording: results carry no graph, so intermediates are freed as soon as JS drops them.
export function noGrad<T>(fn: () => T): T {
  const previous = recording;
  recording = false;
  try {
    return fn();
  } finally {
    recording = previous;
  }
}

// noGrad with op outputs in scratch memory (tensor.ts): for inference steps run many times, such as one
// MaskGIT step. Nothing fn computes may be kept after it returns: copy out what is needed (a KV cache
// copies keys and values into its own buffers). A tensor returned from fn is refused.
export function withScratchMemory<T>(fn: () => T): T {
  const result = noGrad(() => withScratchArena(fn));
  if (result instanceof Tensor && inScratchArena(result)) throw new Error('withScratchMemory: the result lives in scratch memory that is reused next; copy it out inside fn');
  return result;
}

// Whether ops record a graph now (false inside noGrad).
export function isRecording(): boolean {
  return recording;
}

// Attaches a node to `output` when any input requires gradients (and we are recording); returns output.
export function record<P extends Primitive>(
  primitive: P,
  inputs: Tensor[],
  output: Tensor,
  params: PrimitiveParams[P]['params'],
  saved: PrimitiveParams[P]['saved'],
): Tensor {
  if (recording && inputs.some((t) => t.requiresGrad)) {
    output.requiresGrad = true;
    const node: TapeNode<P> = { id: nextNodeId++, primitive, inputs, output, params, saved };
    output.node = node;
  }
  return output;
}

// Sums a gradient of a broadcast shape down to `shape` (numpy broadcasting in reverse), one kernel call
// per run of neighbouring broadcast axes.
export function reduceToShape(grad: Tensor, shape: readonly number[]): Tensor {
  if (sameShape(grad.shape, shape)) return grad;
  const rank = grad.shape.length;
  const padded = [...new Array<number>(rank - shape.length).fill(1), ...shape];
  if (padded.length !== rank || padded.some((d, i) => d !== 1 && d !== grad.shape[i])) {
    throw new Error(`backward: gradient of shape ${formatShape(grad.shape)} cannot be reduced to ${formatShape(shape)}`);
  }
  let current = grad;
  let currentShape = [...grad.shape];
  for (let axis = rank - 1; axis >= 0; ) {
    if (padded[axis] === currentShape[axis]) {
      axis--;
      continue;
    }
    let first = axis;
    while (first > 0 && padded[first - 1] !== currentShape[first - 1]) first--;
    const outer = sizeOf(currentShape.slice(0, first));
    const count = sizeOf(currentShape.slice(first, axis + 1));
    const inner = sizeOf(currentShape.slice(axis + 1));
    const reduced = uninitialized(outer * inner);
    backend().sum(current.data, reduced, outer, count, inner);
    currentShape = [...currentShape.slice(0, first), ...new Array<number>(axis + 1 - first).fill(1), ...currentShape.slice(axis + 1)];
    current = new Tensor(currentShape, reduced);
    axis = first - 1;
  }
  return new Tensor(shape, current.data);
}

// A gradient being summed during backward. The first contribution is borrowed when it is a full tensor
// (it may share its buffer with another tensor); the first accumulation copies it, so shared buffers are
// never written.
interface Pending {
  grad: Tensor;
  owned: boolean;
}

// Adds a contribution into a buffer of the target's shape.
function addInto(target: Tensor, into: Float32Array, grad: Tensor | SliceGradient): void {
  if (grad instanceof Tensor) {
    backend().axpby(1, grad.data, 1, into);
    return;
  }
  const strides = contiguousStrides(target.shape);
  const offset = grad.start * strides[grad.axis];
  stridedCopy('slice', grad.values.data, 0, contiguousStrides(grad.values.shape), into, offset, strides, grad.values.shape, true);
}

// A fresh buffer holding one contribution.
function materialise(target: Tensor, grad: Tensor | SliceGradient): Tensor {
  if (grad instanceof Tensor) return new Tensor(target.shape, new Float32Array(grad.data));
  const out = new Tensor(target.shape, new Float32Array(target.size));
  addInto(target, out.data, grad);
  return out;
}

function accumulate(pending: Map<Tensor, Pending>, target: Tensor, grad: Tensor | SliceGradient): void {
  const existing = pending.get(target);
  if (!existing) {
    if (grad instanceof Tensor) pending.set(target, { grad, owned: false });
    else pending.set(target, { grad: materialise(target, grad), owned: true });
    return;
  }
  if (!existing.owned) {
    existing.grad = materialise(target, existing.grad);
    existing.owned = true;
  }
  addInto(target, existing.grad.data, grad);
}

// Leaves (parameters, inputs) collect into .grad, which must own its buffer: the optimiser and
// clipGradNorm scale it in place.
function addToLeaf(leaf: Tensor, grad: Tensor | SliceGradient): void {
  if (!leaf.grad) leaf.grad = materialise(leaf, grad);
  else addInto(leaf, leaf.grad.data, grad);
}

function reachableNodes(loss: Tensor): TapeNode[] {
  const seen = new Set<TapeNode>();
  const stack: TapeNode[] = loss.node ? [loss.node] : [];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    for (const input of node.inputs) if (input.node && !seen.has(input.node)) stack.push(input.node);
  }
  return [...seen].sort((a, b) => b.id - a.id);
}

function applyRule<P extends Primitive>(rules: GradRules, node: TapeNode<P>, grad: Tensor, needsGrad: boolean[]): (Tensor | SliceGradient | null)[] {
  const rule: GradRule<P> = rules[node.primitive];
  return rule(grad, node, needsGrad);
}

// Backpropagates from a one-element loss (or from `seed`, a gradient of the loss's shape) and adds the
// gradients of leaves with requiresGrad to their .grad. The graph is released as it is walked (outputs
// become plain tensors), so a second backward through the same intermediates needs them recomputed.
export function runBackward(rules: GradRules, loss: Tensor, seed?: Tensor): void {
  if (!loss.requiresGrad) {
    throw new Error('backward: the loss does not depend on any tensor that requires gradients (computed under noGrad, or from inputs without requiresGrad)');
  }
  if (!seed && loss.size !== 1) throw new Error(`backward: loss has shape ${formatShape(loss.shape)}; pass a seed gradient or reduce it to one value`);
  if (seed && !sameShape(seed.shape, loss.shape)) throw new Error(`backward: seed ${formatShape(seed.shape)} does not match loss ${formatShape(loss.shape)}`);
  const start = seed ?? new Tensor(loss.shape, Float32Array.of(1));
  if (!loss.node) {
    addToLeaf(loss, start);
    return;
  }
  const pending = new Map<Tensor, Pending>([[loss, { grad: start, owned: false }]]);
  for (const node of reachableNodes(loss)) {
    const entry = pending.get(node.output);
    pending.delete(node.output);
    node.output.node = null;
    node.output.requiresGrad = false;
    if (!entry) continue;
    const needsGrad = node.inputs.map((t) => t.requiresGrad);
    const grads = applyRule(rules, node, entry.grad, needsGrad);
    node.inputs.forEach((input, i) => {
      const grad = grads[i];
      if (!needsGrad[i] || !grad) return;
      const reduced = grad instanceof Tensor ? reduceToShape(grad, input.shape) : grad;
      if (input.node) accumulate(pending, input, reduced);
      else addToLeaf(input, reduced);
    });
  }
}
