// End-to-end learning checks: small models built from the engine's modules must overfit a fixed batch.
// They run on the native backend where it is built (the reference otherwise, just slower).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { noGrad } from './autodiff.ts';
import { testBackends, withBackend } from './gradcheck.ts';
import { Embedding, LayerNorm, Linear, Module } from './nn.ts';
import { add, attention, backward, crossEntropy, gelu, reshape, split, tanh } from './ops.ts';
import { AdamW, clipGradNorm } from './optim.ts';
import { Rng } from './random.ts';
import { type Tensor, parameter, zeros } from './tensor.ts';

const kernels = testBackends[testBackends.length - 1];

function train(model: Module, steps: number, lr: number, loss: () => Tensor): number[] {
  const opt = new AdamW(model.namedParameters(), { lr, weightDecay: 0 });
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    opt.zeroGrad();
    const value = loss();
    losses.push(value.item());
    backward(value);
    clipGradNorm(model.parameters(), 1);
    opt.step();
  }
  return losses;
}

class Mlp extends Module {
  hidden: Linear;
  out: Linear;
  constructor(rng: Rng) {
    super();
    this.hidden = new Linear(8, 32, rng);
    this.out = new Linear(32, 4, rng);
  }
  forward(x: Tensor): Tensor {
    return this.out.forward(tanh(this.hidden.forward(x)));
  }
}

test(`${kernels.name}: a 2-layer MLP overfits 16 random examples (cross-entropy < 0.05 in 300 steps)`, () => {
  withBackend(kernels, () => {
    const rng = new Rng(1);
    const x = zeros([16, 8]);
    rng.fillNormal(x.data);
    const labels = Int32Array.from({ length: 16 }, () => rng.int(4));
    const model = new Mlp(rng);
    const losses = train(model, 300, 0.01, () => crossEntropy(model.forward(x), labels));
    assert.ok(losses[0] > 1, `starts near log 4: ${losses[0]}`);
    assert.ok(losses[losses.length - 1] < 0.05, `final loss ${losses[losses.length - 1]}`);
  });
});

// Dimension keys: B batch, T frames, N tokens per frame, D width, V vocabulary.
class TinySTTransformer extends Module {
  embed: Embedding;
  position: Tensor;
  spatialNorm = new LayerNorm(16);
  spatialQkv: Linear;
  temporalNorm = new LayerNorm(16);
  temporalQkv: Linear;
  mlpNorm = new LayerNorm(16);
  mlpIn: Linear;
  mlpOut: Linear;
  head: Linear;

  constructor(rng: Rng, readonly frames: number, readonly tokens: number) {
    super();
    this.embed = new Embedding(5, 16, rng, 0.5);
    this.position = parameter(zeros([frames, tokens, 16]));
    this.spatialQkv = new Linear(16, 48, rng);
    this.temporalQkv = new Linear(16, 48, rng);
    this.mlpIn = new Linear(16, 32, rng);
    this.mlpOut = new Linear(32, 16, rng);
    this.head = new Linear(16, 5, rng);
  }

  private attend(x: Tensor, norm: LayerNorm, qkv: Linear, seqAxis: 1 | 2, causal: boolean): Tensor {
    const [q, k, v] = split(qkv.forward(norm.forward(x)), -1, [16, 16, 16]);
    return add(x, attention(q, k, v, { heads: 2, seqAxis, causal }));
  }

  forward(ids: Int32Array, batch: number): Tensor {
    let x = add(this.embed.forward(ids, [batch, this.frames, this.tokens]), this.position); // (B, T, N, D)
    x = this.attend(x, this.spatialNorm, this.spatialQkv, 2, false);
    x = this.attend(x, this.temporalNorm, this.temporalQkv, 1, true);
    x = add(x, this.mlpOut.forward(gelu(this.mlpIn.forward(this.mlpNorm.forward(x)))));
    return this.head.forward(x); // (B, T, N, V)
  }
}

test(`${kernels.name}: a tiny spatial-temporal transformer overfits a running-sum task (cross-entropy < 0.1 in 300 steps)`, () => {
  withBackend(kernels, () => {
    const rng = new Rng(2);
    const [batch, frames, tokens, vocab] = [4, 6, 2, 5];
    const ids = Int32Array.from({ length: batch * frames * tokens }, () => rng.int(vocab));
    // Target of token (b, t, n): the sum of every token of frames 0..t, mod V: it needs both attentions,
    // and causal temporal attention suffices because nothing from later frames is needed.
    const targets = new Int32Array(ids.length);
    for (let b = 0; b < batch; b++) {
      let running = 0;
      for (let t = 0; t < frames; t++) {
        for (let n = 0; n < tokens; n++) running += ids[(b * frames + t) * tokens + n];
        for (let n = 0; n < tokens; n++) targets[(b * frames + t) * tokens + n] = running % vocab;
      }
    }
    const model = new TinySTTransformer(rng, frames, tokens);
    const losses = train(model, 300, 0.01, () => crossEntropy(model.forward(ids, batch), targets));
    assert.ok(losses[losses.length - 1] < 0.1, `final loss ${losses[losses.length - 1]} (start ${losses[0]})`);
    const logits = noGrad(() => model.forward(ids, batch));
    assert.deepEqual(reshape(logits, [-1, vocab]).shape, [batch * frames * tokens, vocab]);
  });
});
