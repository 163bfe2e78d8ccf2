// Fused scaled-dot-product attention on (B, T, N, D) tensors, spatial or temporal, without transposes:
// the axis to attend over is chosen by strides (see AttentionParams in kernels.ts). Only the row
// log-sum-exp is saved; backward recomputes the probabilities one (group, head) at a time.
import { type GradRules, record } from './autodiff.ts';
import { backend } from './backend.ts';
import type { AttentionParams } from './kernels.ts';
import { BF16_MIN_QUERIES, bf16Backend } from './precision.ts';
import { formatShape, sameShape } from './shape.ts';
import { Tensor, uninitialized } from './tensor.ts';

export interface AttentionOptions {
  heads: number;
  // 2: spatial, the N tokens of a frame attend to each other (T must match between q and k);
  // 1: temporal, each token position attends over frames (N must match; with causal, the Tq queries are
  //    the last Tq of the Tk key frames, which is how a KV cache of past frames is used).
  seqAxis: 1 | 2;
  causal: boolean;
  // Defaults to 1 / sqrt(head dim).
  scale?: number;
  // Temporal only: attend over the first `keyFrames` frames of k and v (default all of them), as when k and
  // v are a KV cache allocated for more frames than it holds yet.
  keyFrames?: number;
}

function attentionParams(q: readonly number[], k: readonly number[], options: AttentionOptions): AttentionParams {
  const [batch, tq, nq, width] = q;
  const [, tk, nk] = k;
  const { heads, seqAxis, causal } = options;
  const fail = (problem: string) => new Error(`attention: ${problem}: q ${formatShape(q)} vs k ${formatShape(k)}`);
  if (q.length !== 4 || k.length !== 4) throw fail('q, k and v must be (B, T, N, D)');
  if (k[0] !== batch || k[3] !== width) throw fail('batch or width differ');
  if (!Number.isInteger(heads) || heads < 1 || width % heads !== 0) throw fail(`width ${width} is not divisible into ${heads} heads`);
  const headDim = width / heads;
  const scale = options.scale ?? 1 / Math.sqrt(headDim);
  if (seqAxis === 2) {
    if (options.keyFrames !== undefined) throw fail('keyFrames is for temporal attention (seqAxis 1)');
    if (tk !== tq) throw fail('spatial attention needs the same frames in q and k');
    if (causal && nk < nq) throw fail('causal attention needs at least as many keys as queries');
    const rows = (n: number) => ({ g1: n * width, g2: 0, row: width });
    return { g1: batch * tq, g2: 1, lq: nq, lk: nk, heads, headDim, causal, scale, q: rows(nq), k: rows(nk), v: rows(nk), o: rows(nq) };
  }
  if (nk !== nq) throw fail('temporal attention needs the same tokens per frame in q and k');
  const used = options.keyFrames ?? tk;
  if (!Number.isInteger(used) || used < 1 || used > tk) throw fail(`keyFrames ${used} is not within 1..${tk}`);
  if (causal && used < tq) throw fail('causal attention needs at least as many key frames as query frames');
  const frames = (t: number) => ({ g1: t * nq * width, g2: width, row: nq * width });
  return { g1: batch, g2: nq, lq: tq, lk: used, heads, headDim, causal, scale, q: frames(tq), k: frames(tk), v: frames(tk), o: frames(tq) };
}

// q (B, Tq, N, D), k and v (B, Tk, N, D) -> (B, Tq, N, D).
export function attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions): Tensor {
  if (!sameShape(k.shape, v.shape)) throw new Error(`attention: k ${formatShape(k.shape)} and v ${formatShape(v.shape)} differ`);
  const params = attentionParams(q.shape, k.shape, options);
  const out = new Tensor(q.shape, uninitialized(q.size));
  const bf16 = params.lq >= BF16_MIN_QUERIES ? bf16Backend() : null;
  if (bf16) {
    bf16.attentionBf16(params, q.data, k.data, v.data, out.data);
    return out; // not recording (bf16Backend): no node to attach
  }
  const lse = uninitialized(params.g1 * params.g2 * params.heads * params.lq);
  backend().attention(params, q.data, k.data, v.data, out.data, lse);
  return record('attention', [q, k, v], out, params, { lse });
}

export const attentionRules: Pick<GradRules, 'attention'> = {
  attention(grad, { inputs: [q, k, v], output, params, saved }) {
    // dK and dV stay zero beyond keyFrames, which the kernel does not visit.
    const dq = new Tensor(q.shape, uninitialized(q.size));
    const [dk, dv] = [k, v].map((t) => new Tensor(t.shape, new Float32Array(t.size)));
    backend().attentionBackward(params, q.data, k.data, v.data, output.data, saved.lse, grad.data, dq.data, dk.data, dv.data);
    return [dq, dk, dv];
  },
};
