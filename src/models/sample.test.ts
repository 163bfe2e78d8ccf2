import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng, concat, noGrad, reshape, slice, tensor } from '../engine/index.ts';
import type { Tensor } from '../engine/index.ts';
import { DynamicsModel } from './dynamics.ts';
import { FrameGenerator, maskedAfterStep } from './sample.ts';
import { fit, maxDifferencePerSlice, shiftWorld, tiny } from './testing.ts';

const [N, Dz, K] = [16, 8, 64]; // tiny: 16 tokens per frame, actions of width 8, 64 codes; 4-frame window

test('cosine schedule: fewer masked tokens at every step, none after the last', () => {
  const counts = Array.from({ length: 25 }, (_, s) => maskedAfterStep(256, s, 25));
  assert.ok(counts[0] < 256 && counts[0] > 250);
  assert.ok(counts.every((c, s) => s === 0 || c <= counts[s - 1]));
  assert.equal(counts[24], 0);
});

function randomAction(batch: number, seed: number): Tensor {
  return tensor(new Rng(seed).fillNormal(new Float32Array(batch * Dz)), [batch, Dz]);
}

test('the window slides by windowSlide frames (default half the window) once full', () => {
  const starts = (windowSlide?: number) => {
    const generator = new FrameGenerator(new DynamicsModel({ ...tiny, dynamics: { ...tiny.dynamics, windowSlide } }, new Rng(0)), 1);
    return [...Array(11).keys()].map((index) => generator.windowFor(index));
  };
  assert.deepEqual(starts(), [0, 0, 0, 0, 2, 2, 4, 4, 6, 6, 8]); // tiny: 4-frame window
  assert.deepEqual(starts(1), [0, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7]);
  assert.deepEqual(starts(3), [0, 0, 0, 0, 3, 3, 3, 6, 6, 6, 9]);
});

for (const [windowSlide, fillAhead] of [[1, true], [2, true], [2, false]] as const) test(`KV-cached next-frame logits equal the full forward pass over the window, also after it slides (windowSlide ${windowSlide}, fillAhead ${fillAhead})`, () => {
  const model = new DynamicsModel({ ...tiny, dynamics: { ...tiny.dynamics, windowSlide } }, new Rng(0));
  const B = 2;
  const rng = new Rng(1);
  const prompt = Int32Array.from({ length: B * 2 * N }, () => rng.int(K));
  const promptActions = reshape(randomAction(B, 2), [B, 1, Dz]);
  const generator = new FrameGenerator(model, B, fillAhead);
  generator.begin(prompt, 2, promptActions);
  const actions: Tensor[] = [randomAction(B, 2)]; // per frame: the action that made it (frame 0: unused)
  actions.push(randomAction(B, 2));
  for (let frame = 2; frame < 9; frame++) {
    const action = randomAction(B, 10 + frame);
    const partial = Int32Array.from({ length: B * N }, (_, i) => (i % 3 === 0 ? model.maskToken : rng.int(K)));
    const cached = generator.nextFrameLogits(partial, action);
    // A MaskGIT step asks for its masked tokens' logits only: the same rows.
    const masked = Int32Array.from(partial.keys()).filter((i) => partial[i] === model.maskToken);
    const maskedLogits = generator.nextFrameLogits(partial, action, masked);
    assert.deepEqual(maskedLogits.shape, [masked.length, K]);
    masked.forEach((row, i) => {
      const gap = maxDifferencePerSlice(maskedLogits.data.subarray(i * K, (i + 1) * K), cached.data.subarray(row * K, (row + 1) * K), K)[0];
      assert.ok(gap < 1e-5, `frame ${frame}, token ${row}: masked-only logits differ by ${gap}`);
    });
    // The uncached reference: the frames of this frame's window plus this one, from position 0.
    const first = generator.windowFor(frame);
    assert.ok(frame - first < generator.contextFrames && (frame < generator.contextFrames || frame - first >= generator.contextFrames - windowSlide));
    const held = [...Array(frame - first).keys()].map((i) => generator.frame(first + i));
    const clip = new Int32Array(B * (held.length + 1) * N);
    [...held, partial].forEach((tokens, t) => {
      for (let b = 0; b < B; b++) clip.set(tokens.subarray(b * N, (b + 1) * N), (b * (held.length + 1) + t) * N);
    });
    const windowActions = concat([...actions.slice(first + 1, frame), action].map((a) => reshape(a, [B, 1, Dz])), 1);
    const full = noGrad(() => model.logits(model.embed(clip, [B, held.length + 1, N], windowActions)));
    const last = noGrad(() => slice(full, 1, held.length, held.length + 1));
    const worst = Math.max(...maxDifferencePerSlice(cached.data, last.data, cached.size));
    assert.ok(worst < 1e-4, `frame ${frame}: cached vs full differ by ${worst}`);
    generator.step(action, { steps: 3, temperature: 1, rng });
    actions.push(action);
  }
  assert.equal(generator.length, 9);
});

test('generation is reproducible from a seed, and truncating replays the same frame', () => {
  const model = new DynamicsModel(tiny, new Rng(0));
  const prompt = Int32Array.from({ length: N }, (_, i) => i);
  const action = randomAction(1, 3);
  const run = (seed: number, temperature: number) => {
    const generator = new FrameGenerator(model, 1);
    generator.begin(prompt, 1);
    return generator.step(action, { steps: 4, temperature, rng: new Rng(seed) });
  };
  assert.deepEqual(run(7, 1), run(7, 1));
  assert.notDeepEqual(run(7, 1), run(8, 1));
  assert.deepEqual(run(7, 0), run(8, 0), 'temperature 0 takes the most likely code, whatever the seed');
  // Past the window (4 frames, sliding by 2): undoing to any length and stepping again with the same seeds
  // makes the same frames, bit for bit, whatever the window did in between (live, the next window filled
  // ahead; after an undo, both windows computed afresh).
  const generator = new FrameGenerator(model, 1, true);
  generator.begin(prompt, 1);
  const play = (from: number, to: number) => [...Array(to - from).keys()].map((i) => generator.step(randomAction(1, from + i), { steps: 4, temperature: 1, rng: new Rng(from + i) }));
  const live = play(1, 10); // frames 1..9
  for (const length of [1, 4, 5, 7]) {
    generator.truncate(length);
    assert.deepEqual(play(length, 10), live.slice(length - 1), `after truncating to ${length} frames`);
  }
});

test('at the default slide (half the window) no frame pays for sliding: the next window fills as frames arrive', () => {
  for (const windowSlide of [1, 2, 3]) {
    const model = new DynamicsModel({ ...tiny, dynamics: { ...tiny.dynamics, windowSlide } }, new Rng(0));
    let passes = 0;
    const forward = model.transformer.forward.bind(model.transformer);
    model.transformer.forward = (...args) => {
      passes++;
      return forward(...args);
    };
    const generator = new FrameGenerator(model, 1, true);
    generator.begin(Int32Array.from({ length: N }, (_, i) => i), 1);
    const perStep: number[] = [];
    for (let frame = 1; frame < 14; frame++) {
      passes = 0;
      generator.step(randomAction(1, frame), { steps: 3, temperature: 1, rng: new Rng(frame) });
      perStep.push(passes);
    }
    // 3 MaskGIT steps, then the frame joins its window and, when it will be in the next one, that one too.
    // A slide opens the window after the next, which already shares 4 - 2 x slide frames (none from half
    // the window on); before, a slide recomputed 4 - slide frames at once.
    const most = 3 + 2 + Math.max(0, 4 - 2 * windowSlide);
    assert.ok(perStep.every((p) => p >= 4 && p <= most), `windowSlide ${windowSlide}: passes per frame ${perStep.join(', ')}`);
    assert.ok(perStep.some((p) => p === 5), 'frames also went into the next window');
  }
});

test('MaskGIT decoding of a trained toy world produces the frame the action implies', () => {
  const V = 8;
  const config = { ...tiny, tokenizer: { ...tiny.tokenizer, quantizer: { ...tiny.tokenizer.quantizer, codes: V } } };
  const codeRng = new Rng(99);
  const codes = Array.from({ length: 4 }, () => codeRng.fillNormal(new Float32Array(Dz)));
  const model = new DynamicsModel(config, new Rng(0));
  const rng = new Rng(1);
  fit(model, () => {
    const { tokens, actions } = shiftWorld(rng, 16, 2, N, V, codes);
    return model.forward(tokens, [16, 2, N], actions, { rng }).loss;
  }, 150, 5e-3);
  const B = 8;
  const prompt = Int32Array.from({ length: B * N }, () => rng.int(V));
  const generator = new FrameGenerator(model, B);
  generator.begin(prompt, 1);
  const chosen = Array.from({ length: B }, (_, b) => b % 4);
  const action = tensor(Float32Array.from(chosen.flatMap((a) => Array.from(codes[a]))), [B, Dz]);
  const frame = generator.step(action, { steps: 4, temperature: 0, rng });
  let right = 0;
  frame.forEach((id, i) => (right += id === (prompt[i] + chosen[Math.floor(i / N)] + 1) % V ? 1 : 0));
  assert.ok(right / frame.length > 0.9, `${right} of ${frame.length} tokens as the action implies`);
});
