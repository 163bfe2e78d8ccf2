// Shape arithmetic shared by the ops: sizes, row-major strides, numpy broadcasting and axis handling.

export function sizeOf(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) size *= d;
  return size;
}

export function formatShape(shape: readonly number[]): string {
  return `(${shape.join(', ')})`;
}

export function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    strides[axis] = step;
    step *= shape[axis];
  }
  return strides;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

export function checkShape(op: string, shape: readonly number[]): void {
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`${op}: invalid shape ${formatShape(shape)}`);
}

// numpy broadcasting: shapes align on the right, and a 1 stretches to match.
export function broadcastShapes(op: string, a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new Error(`${op}: shapes do not broadcast: a ${formatShape(a)} vs b ${formatShape(b)}`);
    out[i] = da === 1 ? db : da;
  }
  return out;
}

// Strides that read a contiguous tensor of `shape` as if it had the (broadcast) shape `target`.
export function broadcastStrides(shape: readonly number[], target: readonly number[]): number[] {
  const own = contiguousStrides(shape);
  const offset = target.length - shape.length;
  return target.map((d, i) => (i < offset || shape[i - offset] === 1 ? 0 : own[i - offset]));
}

export function normalizeAxis(op: string, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(a) || a < 0 || a >= rank) throw new Error(`${op}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

// Merges neighbouring axes that every stride set walks contiguously, so kernels see the lowest rank
// possible (a same-shape element-wise op becomes one flat loop; rank stays within the kernels' limit of 6).
export function collapseAxes(shape: readonly number[], strideSets: readonly number[][]): { shape: number[]; strides: number[][] } {
  const outShape: number[] = [];
  const outStrides: number[][] = strideSets.map(() => []);
  for (let axis = 0; axis < shape.length; axis++) {
    if (shape[axis] === 1) continue;
    const last = outShape.length - 1;
    const mergeable = last >= 0 && strideSets.every((s, t) => outStrides[t][last] === s[axis] * shape[axis]);
    if (mergeable) {
      outShape[last] *= shape[axis];
      strideSets.forEach((s, t) => (outStrides[t][last] = s[axis]));
    } else {
      outShape.push(shape[axis]);
      strideSets.forEach((s, t) => outStrides[t].push(s[axis]));
    }
  }
  if (outShape.length === 0) return { shape: [1], strides: strideSets.map(() => [0]) };
  return { shape: outShape, strides: outStrides };
}
