// The strided copy behind permute, slice, concat, expand and slice gradients.
import { backend } from './backend.ts';
import { collapseAxes, formatShape } from './shape.ts';

// Strided copy over `shape`, with neighbouring axes merged first so the kernel's rank limit rarely bites.
export function stridedCopy(
  op: string,
  src: Float32Array, srcOffset: number, srcStrides: number[],
  dst: Float32Array, dstOffset: number, dstStrides: number[],
  shape: readonly number[], accumulate = false,
): void {
  const collapsed = collapseAxes(shape, [srcStrides, dstStrides]);
  if (collapsed.shape.length > 6) throw new Error(`${op}: a copy over shape ${formatShape(shape)} needs more than 6 axes after merging`);
  backend().copy(src, srcOffset, collapsed.strides[0], dst, dstOffset, collapsed.strides[1], collapsed.shape, accumulate);
}
