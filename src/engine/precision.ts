// bfloat16 inference, as PyTorch's CPU autocast: inside withPrecision('bf16', fn), linear layers and
// attention over at least one tile of queries (32) multiply in bf16 (inputs rounded to an 8-bit mantissa,
// sums in fp32) when the backend has bf16 kernels (AMX tiles or AVX512-BF16) and no graph is being
// recorded. Every other op, and everything outside the scope, stays fp32. Training never enters it:
// gradients need fp32.
import { isRecording, noGrad } from './autodiff.ts';
import { backend } from './backend.ts';
import type { Kernels } from './kernels.ts';
import type { Tensor } from './tensor.ts';

export type Precision = 'fp32' | 'bf16';

// Queries per (group, head) from which attention pays in bf16: one block of the bf16 kernels (32 rows).
// Temporal attention at play time has one query frame, which fp32 loops serve better.
export const BF16_MIN_QUERIES = 32;

let depth = 0; // nesting of bf16 scopes

export function withPrecision<T>(precision: Precision, fn: () => T): T {
  if (precision === 'fp32') return fn();
  depth++;
  try {
    return fn();
  } finally {
    depth--;
  }
}

// Running a model for inference: no graph recorded, products in `precision` (play and eval).
export function inference<T>(precision: Precision, fn: () => T): T {
  return noGrad(() => withPrecision(precision, fn));
}

// Whether a backend has bf16 kernels, asked once per backend (ops ask it on every linear and attention).
const availability = new WeakMap<Kernels, boolean>();
function hasBf16(kernels: Kernels): boolean {
  let available = availability.get(kernels);
  if (available === undefined) availability.set(kernels, (available = kernels.bf16Available?.() ?? false));
  return available;
}

// Whether this machine can compute in bf16 (the native backend on a CPU with AMX tiles or AVX512-BF16).
export function bf16Supported(): boolean {
  return hasBf16(backend());
}

// Which bf16 kernels this machine runs: 'amx' (tiles), 'avx512-bf16' (dot products), or null (none).
export function bf16Products(): 'amx' | 'avx512-bf16' | null {
  return backend().bf16Products?.() ?? null;
}

// A command's --precision: 'auto' is bf16 where supported; asking for bf16 where it is not is an error.
export function choosePrecision(requested: Precision | 'auto'): Precision {
  if (requested === 'auto') return bf16Supported() ? 'bf16' : 'fp32';
  if (requested === 'bf16' && !bf16Supported()) {
    throw new Error('--precision bf16: this CPU has no bf16 products (AMX tiles or AVX512-BF16), or the native addon was built without them; use fp32 or auto');
  }
  return requested;
}

// The backend, when the op being run should use its bf16 kernels.
export function bf16Backend(): Required<Kernels> | null {
  if (depth === 0 || isRecording()) return null;
  const kernels = backend();
  return hasBf16(kernels) ? (kernels as Required<Kernels>) : null;
}

// A weight's packed bf16 copy, made on first use and remade after the weight changes (Tensor.version).
const packedWeights = new WeakMap<Tensor, { version: number; packed: Uint16Array }>();

export function packedWeight(kernels: Required<Kernels>, weight: Tensor): Uint16Array {
  const held = packedWeights.get(weight);
  if (held && held.version === weight.version) return held.packed;
  const [rows, cols] = weight.shape;
  const packed = new Uint16Array(kernels.bf16PackedLength(rows, cols));
  kernels.bf16Pack(weight.data, rows, cols, packed);
  packedWeights.set(weight, { version: weight.version, packed });
  return packed;
}
