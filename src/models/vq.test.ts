import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng, backward, noGrad, sum, tensor, type Tensor } from '../engine/index.ts';
import { VectorQuantizer, batchEntropyTerm, cosineQuantize, l2Normalize } from './vq.ts';
import { presets } from './presets.ts';
import { fit } from './testing.ts';

function randomTensor(shape: number[], seed: number) {
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  new Rng(seed).fillNormal(data);
  return tensor(data, shape);
}

test('cosine VQ: nearest unit code, straight-through gradient, codebook and commitment losses', () => {
  const z = randomTensor([12, 4], 1);
  z.requiresGrad = true;
  const codebook = randomTensor([5, 4], 2);
  codebook.requiresGrad = true;
  const out = cosineQuantize(z, codebook, 0.25);
  const zn = noGrad(() => l2Normalize(z)).data;
  const cn = noGrad(() => l2Normalize(codebook)).data;
  for (let r = 0; r < 12; r++) {
    const distance = (k: number) => [0, 1, 2, 3].reduce((s, d) => s + (zn[r * 4 + d] - cn[k * 4 + d]) ** 2, 0);
    const best = [0, 1, 2, 3, 4].reduce((a, k) => (distance(k) < distance(a) ? k : a), 0);
    assert.equal(out.indices[r], best);
    for (let d = 0; d < 4; d++) assert.ok(Math.abs(out.output.data[r * 4 + d] - cn[best * 4 + d]) < 1e-6);
  }
  const meanSquared = out.indices.reduce((s, k, r) => s + [0, 1, 2, 3].reduce((t, d) => t + (zn[r * 4 + d] - cn[k * 4 + d]) ** 2, 0), 0) / 48;
  assert.ok(Math.abs(out.codebookLoss.item() - meanSquared) < 1e-6);
  assert.ok(Math.abs(out.loss.item() - 1.25 * meanSquared) < 1e-6);
  // Straight-through: d sum(output) / d zn is 1 everywhere, so z gets a gradient; the codebook gets one
  // only from the codebook loss.
  backward(sum(out.output));
  assert.ok(z.grad && z.grad.data.some((g) => g !== 0));
  const gradientOf = (t: Tensor) => t.grad; // read twice: TypeScript would keep the first answer
  assert.equal(gradientOf(codebook), null);
  backward(out.codebookLoss);
  assert.ok(gradientOf(codebook)?.data.some((g) => g !== 0));
});

test('usage is counted in training only; unused codes move onto recent encoder outputs', () => {
  const config = { ...presets.tiny.tokenizer.quantizer, codes: 6, latentDim: 3, deadBelow: 0.5 };
  const vq = new VectorQuantizer(config, new Rng(0));
  // All inputs near one direction: one or two codes win, the rest are dead.
  const z = tensor(Float32Array.from({ length: 30 }, (_, i) => (i % 3 === 0 ? 1 : 0.01 * Math.sin(i))), [10, 3]);
  vq.eval();
  noGrad(() => vq.forward(z));
  assert.ok(vq.usage.data.every((n) => n === 0));
  vq.train();
  const before = noGrad(() => vq.forward(z));
  assert.equal(vq.usage.data.reduce((a, b) => a + b, 0), 10);
  assert.ok(before.codesUsed <= 2);
  assert.ok('usage' in vq.stateDict(), 'usage is checkpointed');
  const moved = vq.resetDeadCodes(new Rng(1));
  assert.ok(moved >= 4, `moved ${moved}`);
  assert.ok(vq.usage.data.every((n) => n === 0), 'counts restart');
  const codes = noGrad(() => vq.normalizedCodes()).data;
  let onInputs = 0;
  for (let k = 0; k < 6; k++) if (codes[k * 3] > 0.99) onInputs++;
  assert.ok(onInputs >= moved, 'moved codes sit on encoder outputs');
});

test('the batch-entropy term spreads a collapsed batch over more codes', () => {
  const codes = 4;
  const config = { ...presets.tiny.lam.quantizer, codes, latentDim: 4, entropyWeight: 1, entropyTemperature: 0.1 };
  const vq = new VectorQuantizer(config, new Rng(3));
  const z = randomTensor([32, 4], 4);
  // Start collapsed: every input close to code 0.
  const c0 = noGrad(() => vq.normalizedCodes()).data.slice(0, 4);
  for (let r = 0; r < 32; r++) for (let d = 0; d < 4; d++) z.data[r * 4 + d] = c0[d] + 0.05 * z.data[r * 4 + d];
  const uniform = tensor(Float32Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? 1 : 0)), [4, 4]);
  const spread = noGrad(() => batchEntropyTerm(l2Normalize(uniform), vq.normalizedCodes(), 0.1)).item();
  const collapsed = noGrad(() => batchEntropyTerm(l2Normalize(z), vq.normalizedCodes(), 0.1)).item();
  assert.ok(collapsed > spread, `collapsed ${collapsed} vs spread ${spread}`);
  const start = noGrad(() => vq.forward(z)).codesUsed;
  fit(vq, () => vq.forward(z).entropyLoss!, 60, 0.05); // moves the codes only: z is fixed
  const end = noGrad(() => vq.forward(z)).codesUsed;
  assert.equal(start, 1);
  assert.ok(end >= 3, `codes used after the entropy term: ${end}`);
});
