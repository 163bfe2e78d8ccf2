// Tensor: a float32 buffer, contiguous and row-major, with a shape. Tensors are never modified in place by
// ops (reshape shares the buffer because of that); only the optimiser, loading a state dict and codebook
// resets write into parameters, and they call markModified().
import { backend } from './backend.ts';
import type { TapeNode } from './autodiff.ts';
import { checkShape, formatShape, sizeOf } from './shape.ts';

export class Tensor {
  readonly shape: number[];
  readonly data: Float32Array;
  // Filled by backward() on tensors with requiresGrad that have no node (leaves: parameters and inputs).
  grad: Tensor | null = null;
  requiresGrad: boolean;
  // The op that produced this tensor, while it is part of a recorded graph; null for leaves.
  node: TapeNode | null = null;
  // Counts in-place writes, so data derived from the values (packed bf16 weights) knows when it is stale.
  version = 0;

  constructor(shape: readonly number[], data: Float32Array, requiresGrad = false) {
    checkShape('tensor', shape);
    if (data.length !== sizeOf(shape)) {
      throw new Error(`tensor: ${data.length} values do not fill shape ${formatShape(shape)} (${sizeOf(shape)} needed)`);
    }
    this.shape = [...shape];
    this.data = data;
    this.requiresGrad = requiresGrad;
  }

  get size(): number {
    return this.data.length;
  }

  markModified(): void {
    this.version++;
  }

  item(): number {
    if (this.data.length !== 1) throw new Error(`item: tensor of shape ${formatShape(this.shape)} has ${this.data.length} values, not 1`);
    return this.data[0];
  }
}

export function tensor(data: Float32Array | readonly number[], shape: readonly number[]): Tensor {
  return new Tensor(shape, data instanceof Float32Array ? data : Float32Array.from(data));
}

// Memory for an op's output that its kernel overwrites in full. Unlike `new Float32Array` it is not zeroed
// first, which costs as much as a small product: a 16384 x 128 x 384 gemm ran in 9.2 ms into a fresh zeroed
// buffer and 7.2 ms into an unzeroed one. Never for buffers a kernel accumulates into.
export function uninitialized(size: number): Float32Array {
  const fromScratch = scratchDepth > 0 ? scratch.take(size) : null;
  if (fromScratch) return fromScratch;
  const bytes = Buffer.allocUnsafeSlow(size * 4);
  return new Float32Array(bytes.buffer, bytes.byteOffset, size);
}

// Scratch memory for inference (withScratchMemory in autodiff.ts): inside it, op outputs are cut from one
// reused slab, stack-like, and the scope's allocations are released when it returns. Allocating a fresh
// ArrayBuffer per op output made V8 collect garbage constantly: a play frame of the shipped world spent
// ~17% of its CPU time in GC marking and sweeping, and took 385-395 ms against 256-258 ms with scratch.
class ScratchArena {
  // Largest slab (floats); a request beyond it is an ordinary allocation (eval's 16-clip batches need
  // ~0.5 GB per MaskGIT step, more than is worth keeping allocated).
  static readonly MAX_FLOATS = 64 << 20;
  private slab = new Float32Array(1 << 20);
  used = 0;

  take(size: number): Float32Array | null {
    const start = Math.ceil(this.used / 16) * 16; // 64-byte aligned, as the native kernels like
    if (start + size <= this.slab.length) {
      this.used = start + size;
      return this.slab.subarray(start, this.used);
    }
    const grown = 2 * Math.max(this.slab.length, size);
    if (grown > ScratchArena.MAX_FLOATS) return null;
    // Views into the old slab stay valid (they keep it alive); new views start at 0 of the new one, where
    // nothing lives: everything before `used` is in the old slab.
    this.slab = new Float32Array(grown);
    this.used = size;
    return this.slab.subarray(0, size);
  }

  owns(data: Float32Array): boolean {
    return data.buffer === this.slab.buffer;
  }
}

const scratch = new ScratchArena();
let scratchDepth = 0;

// Runs fn with op outputs in scratch memory; everything allocated there is reused after fn returns.
export function withScratchArena<T>(fn: () => T): T {
  const mark = scratch.used;
  scratchDepth++;
  try {
    return fn();
  } finally {
    scratchDepth--;
    scratch.used = mark;
  }
}

export function inScratchArena(t: Tensor): boolean {
  return scratch.owns(t.data);
}

export function zeros(shape: readonly number[]): Tensor {
  checkShape('zeros', shape);
  return new Tensor(shape, new Float32Array(sizeOf(shape)));
}

export function full(shape: readonly number[], value: number): Tensor {
  const t = zeros(shape);
  if (value !== 0) backend().fill(t.data, value);
  return t;
}

export function ones(shape: readonly number[]): Tensor {
  return full(shape, 1);
}

// Marks a tensor as trainable: backward() leaves its gradient in .grad.
export function parameter(t: Tensor): Tensor {
  t.requiresGrad = true;
  return t;
}

// Throws when a tensor holds NaN or +-Inf: call it on losses and gradients to fail at the step that broke.
export function assertFinite(t: Tensor, what: string): void {
  const bad = backend().countNonFinite(t.data);
  if (bad > 0) throw new Error(`${what}: ${bad} of ${t.size} values are NaN or infinite (shape ${formatShape(t.shape)})`);
}
