import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng, concat, noGrad, slice, tensor, zeros } from '../engine/index.ts';
import type { Tensor } from '../engine/index.ts';
import { DynamicsModel } from './dynamics.ts';
import { fit, maxDifferencePerSlice, shiftWorld, tiny } from './testing.ts';

const [N, Dz] = [16, 8]; // tiny: 16 tokens per frame, latent actions of width 8

function randomActions(batch: number, transitions: number, seed: number): Tensor {
  return tensor(new Rng(seed).fillNormal(new Float32Array(batch * transitions * Dz)), [batch, transitions, Dz]);
}

test('causal: changing the tokens of frame k, or the action that made frame k, changes no logit before frame k', () => {
  const model = new DynamicsModel(tiny, new Rng(0));
  const [B, T, k] = [2, 4, 2];
  const rng = new Rng(1);
  const tokens = Int32Array.from({ length: B * T * N }, () => rng.int(64));
  const actions = randomActions(B, T - 1, 2);
  const mask = model.drawMask([B, T, N], rng);
  const logitsOf = (ids: Int32Array, a: Tensor) => noGrad(() => model.forward(ids, [B, T, N], a, { mask })).logits.data;
  const base = logitsOf(tokens, actions);
  const perFrame = (other: Float32Array) => maxDifferencePerSlice(base, other, N * 64); // (B * T)

  const otherTokens = tokens.slice();
  for (let n = 0; n < N; n++) otherTokens[(0 * T + k) * N + n] = (otherTokens[(0 * T + k) * N + n] + 1) % 64;
  const byTokens = perFrame(logitsOf(otherTokens, actions));
  assert.deepEqual(byTokens.slice(0, k), [0, 0]);
  assert.ok(byTokens[k] > 0 || mask.subarray(k * N, (k + 1) * N).every((m) => m === 1), 'frame k sees its visible tokens');
  assert.ok(byTokens[k + 1] > 0);
  assert.deepEqual(byTokens.slice(T), [0, 0, 0, 0], 'the other clip');

  // actions[:, k-1] is the transition k-1 -> k: it conditions frame k and later, never earlier.
  const otherActions = actions.data.slice();
  for (let d = 0; d < Dz; d++) otherActions[(0 * (T - 1) + k - 1) * Dz + d] += 1;
  const byAction = perFrame(logitsOf(tokens, tensor(otherActions, actions.shape)));
  assert.deepEqual(byAction.slice(0, k), [0, 0]);
  assert.ok(byAction[k] > 0 && byAction[k + 1] > 0);
});

test('action alignment: the toy is learnt with the actions wired to the frames they made, not one step late', () => {
  const [V, B, T] = [8, 16, 3];
  const config = { ...tiny, tokenizer: { ...tiny.tokenizer, quantizer: { ...tiny.tokenizer.quantizer, codes: V } } };
  const codeRng = new Rng(99);
  const codes = Array.from({ length: 4 }, () => codeRng.fillNormal(new Float32Array(Dz)));
  // late: frame p gets the action of p-2 -> p-1 (and frame 1 none), as a wiring one step off would do.
  const late = (a: Tensor) => concat([zeros([a.shape[0], 1, Dz]), slice(a, 1, 0, T - 2)], 1);
  const trainAndScore = (wire: (a: Tensor) => Tensor) => {
    const model = new DynamicsModel(config, new Rng(0));
    const rng = new Rng(1);
    fit(model, () => {
      const { tokens, actions } = shiftWorld(rng, B, T, N, V, codes);
      return model.forward(tokens, [B, T, N], wire(actions), { rng }).loss;
    }, 150, 5e-3);
    const evalRng = new Rng(123);
    const { tokens, actions } = shiftWorld(evalRng, 4 * B, T, N, V, codes);
    return noGrad(() => model.forward(tokens, [4 * B, T, N], wire(actions), { rng: evalRng })).loss.item();
  };
  const right = trainAndScore((a) => a);
  const wrong = trainAndScore(late);
  assert.ok(right < 0.35, `aligned wiring: loss ${right}`);
  assert.ok(wrong > 1, `one step late: loss ${wrong} (log 4 = 1.39 when the action is unknown)`);
});

test('overfits a fixed batch: masked-token loss near zero', () => {
  const [B, T] = [2, 4];
  const model = new DynamicsModel(tiny, new Rng(0));
  const rng = new Rng(5);
  const tokens = Int32Array.from({ length: B * T * N }, () => rng.int(64));
  const actions = randomActions(B, T - 1, 6);
  fit(model, () => model.forward(tokens, [B, T, N], actions, { rng }).loss, 150, 5e-3);
  const out = noGrad(() => model.forward(tokens, [B, T, N], actions, { rng: new Rng(77) }));
  assert.ok(out.loss.item() < 0.01, `loss ${out.loss.item()}`);
  assert.equal(out.accuracy, 1);
});

test('training masks: none in frame 1, rates within [maskRateMin, maskRateMax] elsewhere', () => {
  const model = new DynamicsModel(tiny, new Rng(0));
  const [B, T, tokens] = [64, 3, 256];
  const mask = model.drawMask([B, T, tokens], new Rng(3));
  const rates = Array.from({ length: B * T }, (_, f) => mask.subarray(f * tokens, (f + 1) * tokens).reduce((a, m) => a + m, 0) / tokens);
  assert.ok(rates.filter((_, f) => f % T === 0).every((r) => r === 0));
  const later = rates.filter((_, f) => f % T !== 0);
  assert.ok(Math.min(...later) > 0.4 && Math.max(...later) <= 1, `${Math.min(...later)}..${Math.max(...later)}`);
  assert.ok(Math.abs(later.reduce((a, r) => a + r, 0) / later.length - 0.75) < 0.05);
});
