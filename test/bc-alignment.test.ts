// The pairing of latent and real actions, end to end through runBcExperiment: a stand-in LAM that reads
// each transition's real action off a lookup of the expert's own frames (permuted, as latent codes have
// no names) must come out perfectly aligned with the real labels: co-occurrence a permutation (NMI ~1) and
// the majority-vote mapping right on ~every transition. The same LAM shifted by one transition, the
// classic off-by-one, must score visibly worse, so the check can fail.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runBcExperiment, type BcSettings } from '../src/bc/index.ts';
import { recordExpert } from '../src/bc/demonstrations.ts';
import { frameSize, videoBatch, type EvalWorld, type VideoBatch } from '../src/eval/index.ts';
import { fakeWorld } from '../src/eval/testing.ts';

const SIZE = 32;
const EXPERT = { first: 200_000, count: 3 };
const SETTINGS: BcSettings = {
  seed: 0,
  ns: [300],
  expertLevels: EXPERT,
  evalLevels: { first: 300_000, count: 2 },
  heldOutFraction: 0,
  maxSteps: 10,
  act: 'sample',
  net: { historyFrames: 1, convs: [{ kernel: 8, channels: 4 }], hidden: 8 },
  training: { steps: 2, batchSize: 4, lr: 1e-3, weightDecay: 0 },
};

// A "LAM" that knows the expert's transitions: (frame t, frame t+1) -> code (actions[t + shift] + 2) mod 6.
function clairvoyantWorld(shift: 0 | 1): EvalWorld {
  const codeOf = new Map<string, number>();
  const key = (a: ArrayLike<number>, b: ArrayLike<number>) => `${Buffer.from(Uint8Array.from(a)).toString('base64')}|${Buffer.from(Uint8Array.from(b)).toString('base64')}`;
  for (const demo of recordExpert(Array.from({ length: EXPERT.count }, (_, i) => EXPERT.first + i), SIZE).demonstrations) {
    for (let t = 0; t + 1 < demo.frames.length; t++) codeOf.set(key(demo.frames[t], demo.frames[t + 1]), (demo.actions[Math.min(t + shift, demo.actions.length - 1)] + 2) % 6);
  }
  const base = fakeWorld({ size: SIZE, numActions: 6, dynamics: 'ignore' });
  return {
    ...base,
    inferActions(video: VideoBatch) {
      const n = frameSize(video);
      const transitions = video.frames - 1;
      const pixels = (f: number) => Array.from(video.data.subarray(f * n, (f + 1) * n), (v) => Math.round(v * 255));
      const actions = Int32Array.from({ length: video.batch * transitions }, (_, i) => {
        const frame = Math.floor(i / transitions) * video.frames + (i % transitions);
        return codeOf.get(key(pixels(frame), pixels(frame + 1))) ?? 0;
      });
      return { actions, predicted: videoBatch(new Float32Array(video.batch * transitions * n), video.batch, transitions, SIZE, SIZE, 3) };
    },
  };
}

test('latent[t] pairs with actions[t]: a LAM that knows the actions gives a permutation; an off-by-one one does not', () => {
  const aligned = runBcExperiment(clairvoyantWorld(0), SETTINGS);
  assert.ok(aligned.data.nmi > 0.97, `aligned NMI ${aligned.data.nmi}`);
  const [{ latent }] = aligned.byN;
  assert.ok(latent.mappingAccuracy > 0.99, `aligned mapping accuracy ${latent.mappingAccuracy}`);
  for (const [code, real] of latent.mapping.entries()) if (!latent.unseenCodes.includes(code)) assert.equal(real, (code + 4) % 6);

  const shifted = runBcExperiment(clairvoyantWorld(1), SETTINGS);
  assert.ok(shifted.data.nmi < aligned.data.nmi - 0.2, `shifted NMI ${shifted.data.nmi} vs aligned ${aligned.data.nmi}`);
  assert.ok(shifted.byN[0].latent.mappingAccuracy < 0.97, `shifted mapping accuracy ${shifted.byN[0].latent.mappingAccuracy}`);
});
