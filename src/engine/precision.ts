// bfloat16 inference, as PyTorch's CPU autocast: inside withPrecision('bf16', fn), linear layers and
// attention over at least one tile of queries (32) multiply in bf16 (inputs rounded to an 8-bit mantissa,
// sums in fp32) when the backend has bf16 kernels (AMX tiles or AVX512-BF16) and no graph is being
// recorded. Every other op, and everything outside the scope, stays fp32. Training never enters it:
// gradients need fp32. withPrecision('int8') is bf16 with the fused ST block's linear layers (ops-fused.ts)
// multiplied in int8 where the backend has int8 kernels (AVX512-VNNI): twice the multiply rate of bf16 dot
// products, at a coarser rounding (8-bit codes per weight column and per activation row); opt-in only.
import { isRecording, noGrad } from './autodiff.ts';
import { backend } from './backend.ts';
import type { Kernels } from './kernels.ts';
import type { Tensor } from './tensor.ts';

export const PRECISIONS = ['fp32', 'bf16', 'int8'] as const;
export type Precision = (typeof PRECISIONS)[number];

// Queries per (group, head) from which attention pays in bf16: one block of the bf16 kernels (32 rows).
// Temporal attention at play time has one query frame, which fp32 loops serve better.
export const BF16_MIN_QUERIES = 32;

let depth = 0; // nesting of bf16 (or int8) scopes
let int8Depth = 0; // of int8 scopes

export function withPrecision<T>(precision: Precision, fn: () => T): T {
  if (precision === 'fp32') return fn();
  const int8 = precision === 'int8' ? 1 : 0;
  depth++;
  int8Depth += int8;
  try {
    return fn();
  } finally {
    depth--;
    int8Depth -= int8;
  }
}

// Running a model for inference: no graph recorded, products in `precision` (play and eval).
export function inference<T>(precision: Precision, fn: () => T): T {
  return noGrad(() => withPrecision(precision, fn));
}

// Whether a backend has bf16 (int8) kernels, asked once per backend (ops ask it on every linear and attention).
const bf16Availability = new WeakMap<Kernels, boolean>();
const int8Availability = new WeakMap<Kernels, boolean>();
function has(availability: WeakMap<Kernels, boolean>, kernels: Kernels, ask: () => boolean): boolean {
  let available = availability.get(kernels);
  if (available === undefined) availability.set(kernels, (available = ask()));
  return available;
}
const hasBf16 = (kernels: Kernels) => has(bf16Availability, kernels, () => kernels.bf16Available?.() ?? false);
const hasInt8 = (kernels: Kernels) => has(int8Availability, kernels, () => kernels.int8Available?.() ?? false);

// Whether this machine can compute in bf16 (the native backend on a CPU with AMX tiles or AVX512-BF16).
export function bf16Supported(): boolean {
  return hasBf16(backend());
}

// Whether this machine can run the fused block's products in int8 (the native backend on a CPU with
// AVX512-VNNI and AVX512-BF16).
export function int8Supported(): boolean {
  return hasInt8(backend());
}

// Which bf16 kernels this machine runs: 'amx' (tiles), 'avx512-bf16' (dot products), or null (none).
export function bf16Products(): 'amx' | 'avx512-bf16' | null {
  return backend().bf16Products?.() ?? null;
}

// A command's --precision: 'auto' is bf16 where supported (never int8: its rounding is coarser); asking for
// bf16 or int8 where it is not supported is an error.
export function choosePrecision(requested: Precision | 'auto'): Precision {
  if (requested === 'auto') return bf16Supported() ? 'bf16' : 'fp32';
  if (requested === 'bf16' && !bf16Supported()) {
    throw new Error('--precision bf16: this CPU has no bf16 products (AMX tiles or AVX512-BF16), or the native addon was built without them; use fp32 or auto');
  }
  if (requested === 'int8' && !int8Supported()) {
    throw new Error('--precision int8: this CPU has no int8 products (AVX512-VNNI with AVX512-BF16), or the native addon was built without them; use bf16, fp32 or auto');
  }
  return requested;
}

// The backend, when the op being run should use its bf16 kernels.
export function bf16Backend(): Required<Kernels> | null {
  if (depth === 0 || isRecording()) return null;
  const kernels = backend();
  return hasBf16(kernels) ? (kernels as Required<Kernels>) : null;
}

// The backend, when the fused block should multiply in int8 (inside withPrecision('int8')).
export function int8Backend(): Required<Kernels> | null {
  if (int8Depth === 0 || isRecording()) return null;
  const kernels = backend();
  return hasInt8(kernels) ? (kernels as Required<Kernels>) : null;
}

// A weight's packed copy, made on first use and remade after the weight changes (Tensor.version).
function packedOnce<T>(cache: WeakMap<Tensor, { version: number; packed: T }>, weight: Tensor, pack: (rows: number, cols: number) => T): T {
  const held = cache.get(weight);
  if (held && held.version === weight.version) return held.packed;
  const [rows, cols] = weight.shape;
  const packed = pack(rows, cols);
  cache.set(weight, { version: weight.version, packed });
  return packed;
}

const bf16Weights = new WeakMap<Tensor, { version: number; packed: Uint16Array }>();
const int8Weights = new WeakMap<Tensor, { version: number; packed: Uint8Array }>();

export function packedWeight(kernels: Required<Kernels>, weight: Tensor): Uint16Array {
  return packedOnce(bf16Weights, weight, (rows, cols) => {
    const packed = new Uint16Array(kernels.bf16PackedLength(rows, cols));
    kernels.bf16Pack(weight.data, rows, cols, packed);
    return packed;
  });
}

export function packedInt8Weight(kernels: Required<Kernels>, weight: Tensor): Uint8Array {
  return packedOnce(int8Weights, weight, (rows, cols) => {
    const packed = new Uint8Array(kernels.int8PackedLength(rows, cols));
    kernels.int8Pack(weight.data, rows, cols, packed);
    return packed;
  });
}
