import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Rng, mul, noGrad, reshape, slice, tensor } from '../engine/index.ts';
import { FrameGenerator } from '../models/sample.ts';
import { buildWorldModels } from '../world/world-folder.ts';
import { freshWorldWeights } from '../world/testing.ts';
import { sliceFrames, videoBatch, type VideoBatch } from './eval-world.ts';
import { modelWorld } from './model-world.ts';

const weights = freshWorldWeights('tiny', 3);
// An untrained dynamics model barely reacts to its inputs: its action embeddings, what its temporal
// attention brings from earlier frames and its logits are too small to change a sample. Scaled up, a wrong
// action or another context (teacher forcing) shows.
for (const name of Object.keys(weights.tensors)) {
  if (/^model\.dynamics\.(action_embed|transformer\.blocks\.\d+\.temporal_attn\.proj)\./.test(name)) weights.tensors[name] = mul(weights.tensors[name], 50);
  if (name.startsWith('model.dynamics.head_norm.')) weights.tensors[name] = mul(weights.tensors[name], 500);
}
const models = buildWorldModels(weights.config, weights.tensors, 'tiny');
const world = modelWorld(models, weights.config, { name: 'tiny', checkpoints: [] });

// Two clips of 9 smooth 16x16 frames.
function clips(): VideoBatch {
  const size = 16 * 16 * 3;
  const data = Float32Array.from({ length: 2 * 9 * size }, (_, i) => 0.5 + 0.4 * Math.sin(i * 0.013 + Math.floor(i / size) * 0.7));
  return videoBatch(data, 2, 9, 16, 16, 3);
}

describe('modelWorld (tiny preset)', () => {
  it('reconstructs and embeds videos longer than the tokenizer window, chunk by chunk', () => {
    const video = clips();
    assert.equal(world.tokenizerFrames, 4);
    const reconstruction = world.reconstruct(video);
    assert.deepEqual([reconstruction.batch, reconstruction.frames], [2, 9]);
    // Causal within a chunk, independent across chunks: frames 4..7 alone give the same pixels.
    const alone = world.reconstruct(sliceFrames(video, 4, 8));
    assert.deepEqual(alone.data, sliceFrames(reconstruction, 4, 8).data);
    assert.equal(world.encoderEmbeddings(video).length, 2 * 9 * 16 * world.embeddingDim); // 16 tokens per frame at patch 4
  });

  it('infers one latent action per transition and predicts the next frames', () => {
    const { actions, predicted } = world.inferActions(sliceFrames(clips(), 0, 4));
    assert.equal(actions.length, 2 * 3);
    assert.ok(actions.every((a) => a >= 0 && a < world.numActions));
    assert.deepEqual([predicted.batch, predicted.frames], [2, 3]);
    assert.deepEqual(world.latentActions(sliceFrames(clips(), 0, 4)), actions, 'the encoder alone gives the same actions');
  });

  it('generates reproducibly from the seed; teacher forcing changes the context, not the first frame', () => {
    const video = clips();
    const prompt = sliceFrames(video, 0, 1);
    const actions = Int32Array.from([0, 1, 2, 3, 0, 1, 3, 2, 1, 0, 2, 3, 1, 1, 0, 2]); // (2, 8): past the context window of 4
    const request = { prompt, actions, maskgitSteps: 3, temperature: 1, seed: 9 };
    const free = world.generate(request);
    assert.deepEqual([free.batch, free.frames], [2, 8]);
    assert.deepEqual(world.generate(request).data, free.data);
    assert.notDeepEqual(world.generate({ ...request, seed: 10 }).data, free.data);
    const forced = world.generate({ ...request, teacherFrames: sliceFrames(video, 1, 9) });
    assert.deepEqual(sliceFrames(forced, 0, 1).data, sliceFrames(free, 0, 1).data);
    assert.notDeepEqual(forced.data, free.data);
  });

  it("generates what the models give when driven directly with the LAM's own action latents", () => {
    // The training validation's way: tokens of the true clip, the LAM's straight-through latents, the
    // generator stepped by hand, the frames decoded as one tokenizer window.
    const truth = sliceFrames(clips(), 0, 4);
    const x = tensor(truth.data, [2, 4, 16, 16, 3]);
    const tokens = 16;
    const inferred = noGrad(() => models.lam.encodeActions(x));
    const ids = noGrad(() => models.tokenizer.tokenize(x)); // (2, 4, N)
    const generator = new FrameGenerator(models.dynamics, 2);
    generator.begin(Int32Array.from({ length: 2 * tokens }, (_, i) => ids[Math.floor(i / tokens) * 4 * tokens + (i % tokens)]), 1);
    for (let t = 0; t < 3; t++) generator.step(reshape(slice(inferred.output, 1, t, t + 1), [2, -1]), { steps: 3, temperature: 0, rng: new Rng(0) });
    const all = new Int32Array(2 * 4 * tokens);
    for (let t = 0; t < 4; t++) for (let b = 0; b < 2; b++) all.set(generator.frame(t).subarray(b * tokens, (b + 1) * tokens), (b * 4 + t) * tokens);
    const expected = sliceFrames(videoBatch(noGrad(() => models.tokenizer.decode(all, [2, 4, tokens])).data, 2, 4, 16, 16, 3), 1, 4);
    const generated = world.generate({ prompt: sliceFrames(truth, 0, 1), actions: inferred.indices, maskgitSteps: 3, temperature: 0, seed: 0 });
    assert.deepEqual(generated.data, expected.data);
  });
});
