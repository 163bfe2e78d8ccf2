// The closed set of primitive kernels a backend must implement (tinygrad's "ops your accelerator
// must implement"). Everything the engine offers is built from these. Two backends exist:
//   native.ts    - the C++ N-API addon (OpenBLAS sgemm + threaded C++ loops): the default;
//   reference.ts - plain TypeScript loops, simple and slow: the oracle the native kernels are tested against.
//
// Conventions shared by every kernel:
// - All float buffers are Float32Array, row-major; sizes and strides count elements, not bytes.
// - A kernel never allocates its outputs: the caller passes them, sized exactly.
// - "Overwrite" is the default; kernels that accumulate say so.
// - Bad indices (ids out of range) throw a RangeError naming the bad value before any memory is touched.

export type UnaryOp =
  | 'neg' | 'exp' | 'log' | 'sqrt' | 'rsqrt' | 'abs' | 'square'
  | 'relu' | 'gelu' | 'silu' | 'sigmoid' | 'tanh'
  | 'powScalar' // x ** s
  | 'mulScalar' // x * s
  | 'addScalar'; // x + s

export type BinaryOp = 'add' | 'sub' | 'mul' | 'div' | 'max' | 'min';

// C[i] = alpha * op(A[i]) @ op(B[i]) + beta * C[i] for i in [0, batch), where op transposes when asked.
// op(A) is (m, k), op(B) is (k, n), C is (m, n). ld* are row strides of the stored (untransposed) matrices,
// stride* the distance between consecutive batch items, offset* the first element. Strides let a kernel
// read per-head or per-frame slices of a larger buffer without copying.
export interface GemmParams {
  batch: number;
  m: number;
  n: number;
  k: number;
  transA: boolean;
  transB: boolean;
  alpha: number;
  beta: number;
  lda: number;
  ldb: number;
  ldc: number;
  strideA: number;
  strideB: number;
  strideC: number;
  offsetA: number;
  offsetB: number;
  offsetC: number;
}

// Scaled-dot-product attention over views of (G1, G2, L, H, Dh) tensors given by strides: for every group
// (g1, g2) and head h, the Lq query rows attend over the Lk key rows. Head dim Dh is contiguous; a head
// starts at h * Dh from its row. Spatial attention on x (B, T, N, D): G1 = B*T, G2 = 1, L = N, row stride D.
// Temporal attention on the same buffer: G1 = B, G2 = N, L = T, row stride N*D: no transpose copies.
// causal: query i sees key j only when j <= i + (Lk - Lq), so a query block appended after cached keys
// (the KV cache at generation) sees all the cache plus its own past.
export interface AttentionParams {
  g1: number;
  g2: number;
  lq: number;
  lk: number;
  heads: number;
  headDim: number;
  causal: boolean;
  scale: number;
  q: AttentionStrides;
  k: AttentionStrides;
  v: AttentionStrides;
  o: AttentionStrides; // output and its gradient share this layout
}
export interface AttentionStrides {
  g1: number;
  g2: number;
  row: number;
}

export interface Kernels {
  readonly name: string;

  gemm(p: GemmParams, a: Float32Array, b: Float32Array, c: Float32Array): void;

  // y = f(x) element-wise; s is the scalar of the *Scalar ops (ignored otherwise).
  unary(op: UnaryOp, x: Float32Array, y: Float32Array, s: number): void;
  // dx = dy * f'(x); y = f(x) is passed too because some derivatives are cheaper from it.
  unaryBackward(op: UnaryOp, x: Float32Array, y: Float32Array, dy: Float32Array, dx: Float32Array, s: number): void;

  // out[i] = a[ia] op b[ib] over the output shape (rank <= 6); broadcasting is a 0 stride.
  binary(op: BinaryOp, a: Float32Array, aStrides: number[], b: Float32Array, bStrides: number[], out: Float32Array, shape: number[]): void;

  // dst[dstOffset + sum(i*dstStrides)] = (or += when accumulate) src[srcOffset + sum(i*srcStrides)] over shape
  // (rank <= 6). The one primitive behind permute, slice, concat, split and broadcast-expand.
  copy(src: Float32Array, srcOffset: number, srcStrides: number[], dst: Float32Array, dstOffset: number, dstStrides: number[], shape: number[], accumulate: boolean): void;

  // Reductions over the middle axis of a (outer, n, inner) view; out is (outer, inner).
  sum(x: Float32Array, out: Float32Array, outer: number, n: number, inner: number): void;
  max(x: Float32Array, out: Float32Array, argmax: Int32Array, outer: number, n: number, inner: number): void;
  // dx (zeroed by the kernel) gets dOut at each argmax position.
  maxBackward(dOut: Float32Array, argmax: Int32Array, dx: Float32Array, outer: number, n: number, inner: number): void;

  // Row-wise over (rows, cols). causal: row r is query i = r % causalRows and masks columns j > i + (cols - causalRows).
  softmax(x: Float32Array, y: Float32Array, rows: number, cols: number, causalRows: number): void;
  softmaxBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, rows: number, cols: number): void;
  logSoftmax(x: Float32Array, y: Float32Array, rows: number, cols: number): void;
  logSoftmaxBackward(y: Float32Array, dy: Float32Array, dx: Float32Array, rows: number, cols: number): void;
  // For each row index in `rows`, the index Rng.categorical draws from softmax(logits[row] / temperature)
  // (softmax and mulScalar as their kernels compute them) with uniforms[i] in place of its uniform(), and that
  // index's probability. Temperature 0: the argmax (lowest index on ties) and no uniforms.
  sampleRows(logits: Float32Array, cols: number, rows: Int32Array, temperature: number, uniforms: Float64Array, ids: Int32Array, probabilities: Float32Array): void;

  // Normalise each row of (rows, cols); mean and rstd (1/sqrt(var+eps)) are saved for backward.
  // w and b may be null (no affine). Backward overwrites dx, dw and db.
  layerNorm(x: Float32Array, w: Float32Array | null, b: Float32Array | null, y: Float32Array, mean: Float32Array, rstd: Float32Array, rows: number, cols: number, eps: number): void;
  layerNormBackward(x: Float32Array, w: Float32Array | null, mean: Float32Array, rstd: Float32Array, dy: Float32Array, dx: Float32Array, dw: Float32Array | null, db: Float32Array | null, rows: number, cols: number): void;
  rmsNorm(x: Float32Array, w: Float32Array | null, y: Float32Array, rstd: Float32Array, rows: number, cols: number, eps: number): void;
  rmsNormBackward(x: Float32Array, w: Float32Array | null, rstd: Float32Array, dy: Float32Array, dx: Float32Array, dw: Float32Array | null, rows: number, cols: number): void;

  // out[i, :] = table[ids[i], :] for a (vocab, dim) table.
  gather(table: Float32Array, ids: Int32Array, out: Float32Array, vocab: number, dim: number): void;
  // dTable[ids[i], :] += dOut[i, :] (accumulates).
  scatterAdd(dOut: Float32Array, ids: Int32Array, dTable: Float32Array, vocab: number, dim: number): void;
  // out[r] = x[r, ids[r]] for (rows, cols); ids[r] < 0 means "ignored" and gives 0.
  pick(x: Float32Array, ids: Int32Array, out: Float32Array, rows: number, cols: number): void;
  // dx (zeroed by the kernel) gets dOut[r] at (r, ids[r]); ignored rows stay 0.
  pickBackward(dOut: Float32Array, ids: Int32Array, dx: Float32Array, rows: number, cols: number): void;

  // For each row of x (n, dim), the index of the nearest row of codebook (k, dim) in squared L2 distance
  // (ties go to the lower index).
  nearestCode(x: Float32Array, codebook: Float32Array, out: Int32Array, n: number, k: number, dim: number): void;

  // Fused attention; lse (g1*g2*heads*lq) saves the row log-sum-exp so backward recomputes the
  // probabilities one (group, head) at a time instead of storing them. dq, dk, dv are overwritten.
  attention(p: AttentionParams, q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, lse: Float32Array): void;
  attentionBackward(p: AttentionParams, q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array, lse: Float32Array, dOut: Float32Array, dq: Float32Array, dk: Float32Array, dv: Float32Array): void;

  // bfloat16 products for inference on CPUs with AMX tiles or AVX512-BF16 (native backend only, and only
  // where bf16Available() says so; bf16Products() names which): inputs are rounded to bf16, sums stay fp32. precision.ts decides when ops use
  // them. Packed weights are opaque: made by bf16Pack of this backend, read by its bf16Linear.
  bf16Available?(): boolean;
  bf16Products?(): 'amx' | 'avx512-bf16' | null;
  // Length of the packed form of a linear layer's (rows = out, cols = in) weight.
  bf16PackedLength?(rows: number, cols: number): number;
  bf16Pack?(w: Float32Array, rows: number, cols: number, packed: Uint16Array): void;
  // c (m, n) = a (m, k) @ W^T + bias for the packed weight W (n, k); bias (n) may be null.
  bf16Linear?(m: number, n: number, k: number, a: Float32Array, packed: Uint16Array, bias: Float32Array | null, c: Float32Array): void;
  // int8 products (AVX512-VNNI, on a backend with bf16 kernels; where int8Available() says so) for the fused
  // block's linear layers under --precision int8: weights per output column and activations per row
  // quantized symmetrically to 8 bits, sums exact in int32. The packed weight (opaque bytes, with its column
  // scales) is made by int8Pack; int8Linear multiplies as the fused block does.
  int8Available?(): boolean;
  int8PackedLength?(rows: number, cols: number): number;
  int8Pack?(w: Float32Array, rows: number, cols: number, packed: Uint8Array): void;
  int8Linear?(m: number, n: number, k: number, a: Float32Array, packed: Uint8Array, bias: Float32Array | null, c: Float32Array): void;
  // attention's forward without lse (nothing runs backward).
  attentionBf16?(p: AttentionParams, q: Float32Array, k: Float32Array, v: Float32Array, out: Float32Array): void;

  // One spatiotemporal transformer block over one new frame per clip, for inference (ops-fused.ts; native
  // backend only): x (B, N, D) is updated in place; the frame's keys and values go into the cache
  // (B, capacity, N, I) after the `held` frames. In fp32 the linear layers give `weight`, in bf16 (p.bf16,
  // where bf16Available()) `packed`, with p.int8 too (where int8Available()) `int8` from int8Pack. `rows`
  // (ascending rows of x seen as (B*N, D)), where not null, limits the outputs computed and the keys and
  // values cached to those rows; the other rows of x are left as they were. In bf16, `packed` (for caches
  // of at most 16 frames) is the cache's bf16 copy that temporal attention reads, for heads of 16, 32, 48 or
  // 64 floats (others read the fp32 cache); the kernel converts its frames up to `held`.
  stBlock?(p: STBlockParams, x: Float32Array, keys: Float32Array, values: Float32Array, w: STBlockWeights, rows: Int32Array | null, packed: PackedKeyValues | null): void;

  // One fused AdamW step with decoupled weight decay, in place on param, m, v:
  // m = b1 m + (1-b1) g; v = b2 v + (1-b2) g^2; p -= lr * (wd * p + (m / (1-b1^step)) / (sqrt(v / (1-b2^step)) + eps)).
  adamw(param: Float32Array, grad: Float32Array, m: Float32Array, v: Float32Array, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number): void;

  // y = alpha * x + beta * y (gradient accumulation, scaling, clipping).
  axpby(alpha: number, x: Float32Array, beta: number, y: Float32Array): void;
  sumSquares(x: Float32Array): number;
  // Count of non-finite values (NaN or +-Inf).
  countNonFinite(x: Float32Array): number;
  fill(x: Float32Array, value: number): void;
}

// Sizes of stBlock: I = heads x headDim, hidden = the feed-forward layer's width; bf16: the arithmetic, and
// int8 (with bf16 only): the linear layers' products in int8.
export interface STBlockParams {
  batch: number;
  tokens: number;
  width: number;
  heads: number;
  headDim: number;
  hidden: number;
  capacity: number;
  held: number;
  bf16: boolean;
  int8: boolean;
}

// A KV cache's keys and values in bf16 for the fused bf16 block's temporal attention, per clip, token and
// head: the keys transposed, (headDim, 16), a lane per frame, and the values, (16, headDim); B * N * 16 * I
// values each. The first `frames` frames are converted.
export interface PackedKeyValues {
  keys: Uint16Array;
  values: Uint16Array;
  frames: number;
}

export interface NormWeights {
  weight: Float32Array | null;
  bias: Float32Array | null;
  eps: number;
}

// A linear layer's weight, (out, in) as it is (fp32), packed by bf16Pack (bf16) or by int8Pack (int8), and
// its bias.
export type LinearWeights =
  | { weight: Float32Array; bias: Float32Array | null }
  | { packed: Uint16Array; bias: Float32Array | null }
  | { int8: Uint8Array; bias: Float32Array | null };

// The layers of an ST block (src/models/st-transformer.ts), each attention as [norm, qkv, QK-norms, proj].
export interface STBlockWeights {
  spatialNorm: NormWeights;
  spatialQkv: LinearWeights;
  spatialQNorm: NormWeights;
  spatialKNorm: NormWeights;
  spatialProj: LinearWeights;
  temporalNorm: NormWeights;
  temporalQkv: LinearWeights;
  temporalQNorm: NormWeights;
  temporalKNorm: NormWeights;
  temporalProj: LinearWeights;
  ffnNorm: NormWeights;
  fc1: LinearWeights;
  fc2: LinearWeights;
}
