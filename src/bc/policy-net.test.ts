import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../engine/index.ts';
import { historyAt, historyBatch } from './history.ts';
import { DEFAULT_POLICY_NET, PolicyNet } from './policy-net.ts';
import { policyAccuracy, trainPolicy, type FrameSequence, type LabelledStep } from './train-policy.ts';

const SIZE = 16;
const FRAME = { height: SIZE, width: SIZE, channels: 3 };
const SMALL_NET = { historyFrames: 2, convs: [{ kernel: 4, channels: 8 }, { kernel: 2, channels: 16 }], hidden: 32 };

// A 4x4 white square on black at column x.
function squareAt(x: number): Uint8Array {
  const frame = new Uint8Array(SIZE * SIZE * 3);
  for (let y = 6; y < 10; y++) for (let c = x; c < x + 4; c++) frame.fill(255, (y * SIZE + c) * 3, (y * SIZE + c) * 3 + 3);
  return frame;
}

test('history: the first frame stands in for frames before the episode began; inputs are in [0, 1]', () => {
  const frames = [squareAt(0), squareAt(1), squareAt(2)];
  assert.deepEqual(historyAt(frames, 0, 3), [frames[0], frames[0], frames[0]]);
  assert.deepEqual(historyAt(frames, 2, 2), [frames[1], frames[2]]);
  assert.throws(() => historyAt(frames, 3, 2), /step 3 is outside the episode's 3 frames/);
  const batch = historyBatch([historyAt(frames, 1, 2)], FRAME);
  assert.deepEqual(batch.shape, [1, 2, SIZE, SIZE, 3]);
  assert.equal(Math.max(...batch.data), 1);
  assert.throws(() => historyBatch([[new Uint8Array(5)]], FRAME), /frame 0 of history 0 has 5 values, expected 16x16x3/);
});

test('policy net: logits per class; the default net on 64x64 frames is small; kernels must tile the frame', () => {
  const net = new PolicyNet(SMALL_NET, FRAME, 5, new Rng(0));
  assert.deepEqual(net.forward(historyBatch([historyAt([squareAt(3)], 0, 2)], FRAME)).shape, [1, 5]);
  const full = new PolicyNet(DEFAULT_POLICY_NET, { height: 64, width: 64, channels: 3 }, 8, new Rng(0));
  const parameters = full.parameters().reduce((n, p) => n + p.size, 0);
  assert.ok(parameters > 250_000 && parameters < 350_000, `default policy net: ${parameters} parameters`);
  assert.throws(() => new PolicyNet({ ...SMALL_NET, convs: [{ kernel: 3, channels: 8 }] }, FRAME, 5, new Rng(0)), /conv 0 \(kernel 3\) does not tile its 16x16 input map/);
  assert.throws(() => net.forward(historyBatch([historyAt([squareAt(3)], 0, 3)], FRAME)), /must be \(B, 2, 16, 16, 3\)/);
});

test('behaviour cloning learns a label that only the frame history shows (the direction of motion)', () => {
  // Episodes of a square moving one pixel per step, left or right; the label at step t is the direction
  // between frames t-1 and t, so a policy that saw only the last frame could not beat chance.
  const episodes: FrameSequence[] = [];
  const examples: LabelledStep[] = [];
  const rng = new Rng(1);
  for (let e = 0; e < 12; e++) {
    let x = 6;
    const frames = [squareAt(x)];
    for (let t = 1; t < 10; t++) {
      const direction = rng.int(2);
      x = Math.min(12, Math.max(0, x + (direction ? 1 : -1)));
      frames.push(squareAt(x));
      if (x !== 0 && x !== 12) examples.push({ episode: e, t, label: direction });
    }
    episodes.push({ frames });
  }
  const net = new PolicyNet(SMALL_NET, FRAME, 2, new Rng(2));
  const before = policyAccuracy(net, episodes, examples);
  const trained = trainPolicy(net, episodes, examples, { steps: 300, batchSize: 32, lr: 3e-3, weightDecay: 0, seed: 3 });
  const after = policyAccuracy(net, episodes, examples);
  assert.ok(after > 0.95, `accuracy ${before.toFixed(2)} -> ${after.toFixed(2)}, final loss ${trained.finalLoss}`);
  assert.ok(trained.finalLoss < trained.losses[0].loss / 4, `loss ${trained.losses[0].loss} -> ${trained.finalLoss}`);
  assert.throws(() => trainPolicy(net, episodes, [{ episode: 0, t: 1, label: 2 }], { steps: 1, batchSize: 1, lr: 1e-3, weightDecay: 0, seed: 0 }), /label 2 at episode 0 step 1 is outside 0..1/);
});
