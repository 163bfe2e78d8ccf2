// Vector quantiser shared by the video tokenizer (1024 codes) and the latent action model (|A| codes):
// VQ-VAE (van den Oord et al. 2017) with l2-normalised ("cosine") inputs and codes as in test/fixtures/st_block.py (the PyTorch reference),
// straight-through gradients, codebook + commitment losses, dead-code reset from recent encoder outputs,
// usage statistics, and an optional batch-entropy term against collapse to a few codes.
//
// Dimension keys: R rows (vectors to quantise), K codes, Dz code width.
import {
  Module, add, buffer, embedding, exp, log, logSoftmax, matmul, mean, mul, nearestCode, normal, parameter, reshape,
  rsqrt, square, stopGradient, straightThrough, sub, sum, zeros,
} from '../engine/index.ts';
import type { Rng, Tensor } from '../engine/index.ts';
import type { QuantizerConfig } from './config.ts';

export function l2Normalize(x: Tensor): Tensor {
  return mul(x, rsqrt(add(sum(square(x), [-1], true), 1e-8)));
}

export interface Quantized {
  indices: Int32Array; // (R)
  output: Tensor; // (R, Dz) the chosen unit codes, with the gradient of the normalised input
  codebookLoss: Tensor; // moves codes toward the inputs that chose them
  commitmentLoss: Tensor; // keeps inputs near their codes
  loss: Tensor; // codebookLoss + commitment x commitmentLoss
}

// z (R, Dz), codebook (K, Dz): the reference cosine VQ, checked against PyTorch by the fixture test.
export function cosineQuantize(z: Tensor, codebook: Tensor, commitment = 0.25): Quantized {
  const zn = l2Normalize(z); // (R, Dz)
  const cn = l2Normalize(codebook); // (K, Dz)
  const indices = nearestCode(zn, cn);
  const q = embedding(cn, indices, [indices.length]); // (R, Dz), gradient flows to the codebook
  const codebookLoss = mean(square(sub(stopGradient(zn), q)));
  const commitmentLoss = mean(square(sub(zn, stopGradient(q))));
  return { indices, output: straightThrough(zn, q), codebookLoss, commitmentLoss, loss: add(codebookLoss, mul(commitmentLoss, commitment)) };
}

// 0.5 H(per-row code distribution) - H(batch-mean distribution), distributions softmax(cos / temperature):
// minimising it makes each row pick one code confidently while the batch as a whole spreads over all codes.
export function batchEntropyTerm(zn: Tensor, cn: Tensor, temperature: number): Tensor {
  const logP = logSoftmax(mul(matmul(zn, cn, { transB: true }), 1 / temperature)); // (R, K)
  const p = exp(logP);
  const perRow = mean(mul(sum(mul(p, logP), [-1]), -1));
  const average = mean(p, [0]); // (K)
  const ofBatch = mul(sum(mul(average, log(add(average, 1e-10)))), -1);
  return sub(mul(perRow, 0.5), ofBatch);
}

export interface QuantizerOutput extends Quantized {
  output: Tensor; // (..., Dz) shaped like the input
  entropyLoss: Tensor | null; // weighted batch-entropy term, already in `loss`; null when its weight is 0
  perplexity: number; // exp(entropy of this call's code histogram): the number of codes effectively used
  codesUsed: number;
}

export class VectorQuantizer extends Module {
  codebook: Tensor; // (K, Dz), normalised when used
  usage: Tensor; // (K) how often each code was chosen in training since the last reset (a checkpointed buffer)
  // Normalised encoder outputs of the last training call: where dead codes are moved to.
  private recent: Float32Array | null = null;

  constructor(readonly config: QuantizerConfig, rng: Rng) {
    super();
    this.codebook = parameter(normal(rng, [config.codes, config.latentDim], 1));
    this.usage = buffer(zeros([config.codes]));
  }

  // z (..., Dz) -> codes of every vector.
  forward(z: Tensor): QuantizerOutput {
    const { latentDim, commitment, entropyWeight, entropyTemperature, codes } = this.config;
    const rows = reshape(z, [-1, latentDim]); // (R, Dz)
    const quantized = cosineQuantize(rows, this.codebook, commitment);
    let loss = quantized.loss;
    let entropyLoss: Tensor | null = null;
    if (entropyWeight > 0) {
      const term = batchEntropyTerm(l2Normalize(rows), l2Normalize(this.codebook), entropyTemperature);
      entropyLoss = mul(term, entropyWeight);
      loss = add(loss, entropyLoss);
    }
    const histogram = new Float64Array(codes);
    for (const index of quantized.indices) histogram[index]++;
    if (this.training) {
      histogram.forEach((n, k) => (this.usage.data[k] += n));
      this.recent = l2Normalize(stopGradient(rows)).data.slice();
    }
    return {
      ...quantized,
      output: reshape(quantized.output, z.shape), // (..., Dz)
      loss,
      entropyLoss,
      perplexity: perplexity(histogram),
      codesUsed: histogram.filter((n) => n > 0).length,
    };
  }

  // Unit-length codes (K, Dz), the vectors the decoders see.
  normalizedCodes(): Tensor {
    return l2Normalize(this.codebook);
  }

  // ids (any shape) -> (...idsShape, Dz) unit codes.
  lookup(ids: Int32Array, idsShape: readonly number[]): Tensor {
    return embedding(this.normalizedCodes(), ids, idsShape);
  }

  // Moves every code used less than deadBelow x the mean usage since the last reset onto a random recent
  // encoder output, then restarts the count. The trainer calls it every `resetEvery` steps. Returns how
  // many codes moved.
  resetDeadCodes(rng: Rng): number {
    const recent = this.recent;
    if (!recent) return 0;
    const { codes, latentDim, deadBelow } = this.config;
    const usage = this.usage.data;
    const threshold = (deadBelow * usage.reduce((a, b) => a + b, 0)) / codes;
    const available = recent.length / latentDim;
    let moved = 0;
    for (let k = 0; k < codes; k++) {
      if (usage[k] >= threshold && usage[k] > 0) continue;
      const row = rng.int(available);
      this.codebook.data.set(recent.subarray(row * latentDim, (row + 1) * latentDim), k * latentDim);
      moved++;
    }
    if (moved) this.codebook.markModified();
    usage.fill(0);
    return moved;
  }
}

function perplexity(histogram: Float64Array): number {
  const total = histogram.reduce((a, b) => a + b, 0);
  let entropy = 0;
  for (const n of histogram) if (n > 0) entropy -= (n / total) * Math.log(n / total);
  return Math.exp(entropy);
}
