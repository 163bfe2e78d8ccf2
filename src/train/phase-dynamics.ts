// Phase 2: the latent action model and the dynamics model, trained jointly on the frozen tokenizer's tokens
// (Genie Sec. 2.2). The LAM learns from pixels (its reconstruction and codebook terms); the dynamics model
// learns MaskGIT cross-entropy on the tokens with the LAM's actions as additive embeddings, behind a
// stop-gradient (dynamics.ts), so each model's loss trains only that model.
// Validation: LAM codebook usage (codes used of |A|, perplexity; a loud warning when it collapses to one
// code), the LAM decoder's PSNR with its inferred actions beside random ones (a loud warning when the
// actions gain it almost nothing: all codes can be in use and still carry no information, as happened on
// the platformer with the VQ term at ~1e-6), dynamics masked-token accuracy on a fixed mask, and a short
// rollout from one prompt frame with the actions the LAM infers from the real clip, scored by PSNR beside
// the copy-the-prompt baseline, written as a PNG grid and a GIF.
import { join } from 'node:path';
import { Rng, add, mse, noGrad, reshape, slice, sub, type Tensor } from '../engine/index.ts';
import { writeGif, type ClipBatch } from '../data/index.ts';
import { capPsnr, codebookUsage, meanPsnr, psnrFromMse, psnrPerStep } from '../eval/metrics/index.ts';
import { writeImageGrid } from '../eval/figures/index.ts';
import { tokensPerFrame } from '../models/index.ts';
import { DynamicsModel } from '../models/dynamics.ts';
import { LatentActionModel } from '../models/lam.ts';
import { FrameGenerator } from '../models/sample.ts';
import type { VideoTokenizer } from '../models/tokenizer.ts';
import { clipTensor, frameOf, framesOf, mosaic, stepLabel } from './clip-frames.ts';
import type { Phase, StepLoss, Validation } from './phase.ts';
import type { RunConfig } from './run-config.ts';

const SAMPLE_CLIPS = 4;
// Below this gain (dB) of inferred over random latent actions, or over another clip's, the LAM decoder is
// treated as ignoring them.
const MIN_ACTION_GAIN_DB = 0.05;

// Codes (B, T-1) with each clip given the next clip's codes (the last the first's): the same codes at the
// same places in the window, but of another clip. Uniform random codes alone overstate what the codes say
// about a clip: they include codes the decoder seldom saw at that place (a LAM of the platformer, scratch
// probe, src/bc/README.md: 3.2 dB over random codes, 0.9 dB over another clip's).
export function otherClipsCodes(codes: Int32Array, batch: number): Int32Array {
  const perClip = codes.length / batch;
  return Int32Array.from(codes, (_, i) => codes[(i + perClip) % codes.length]);
}

export function dynamicsPhase(config: RunConfig, tokenizer: VideoTokenizer): Phase & { lam: LatentActionModel; dynamics: DynamicsModel } {
  const seed = config.train.seed;
  const init = new Rng(seed + 10);
  const lam = new LatentActionModel(config.model, init);
  const dynamics = new DynamicsModel(config.model, init);
  const masks = new Rng(seed + 11); // MaskGIT mask rates and masked positions
  const resets = new Rng(seed + 12); // where dead action codes move to
  const tokens = tokensPerFrame(config.model.video, config.model.tokenizer.patch);
  const chunk = config.train.tokenizer.frames;
  tokenizer.eval(); // frozen: no usage counting, no dead-code bookkeeping

  return {
    name: 'dynamics',
    lam,
    dynamics,
    trained: { lam, dynamics },
    frozen: { tokenizer },
    rngs: { masks, resets },
    bestMetric: { name: 'rolloutPsnr', higherIsBetter: true },

    loss(batch: ClipBatch): StepLoss {
      const frames = clipTensor(batch);
      const [b, t] = batch.shape;
      const ids = tokenizer.tokenizeInWindows(frames, chunk);
      const actions = lam.forward(frames);
      const predicted = dynamics.forward(ids, [b, t, tokens], actions.latents, { rng: masks });
      const terms: Record<string, Tensor> = {
        dynamics: predicted.loss,
        lamReconstruction: actions.reconstructionLoss,
      };
      // The quantiser's loss split into its VQ part (codebook + beta x commitment) and the batch-entropy term.
      const entropy = actions.quantizer.entropyLoss;
      terms.lamVq = entropy ? sub(actions.quantizer.loss, entropy) : actions.quantizer.loss;
      if (entropy) terms.lamEntropy = entropy;
      return {
        loss: add(predicted.loss, actions.loss),
        terms,
        stats: { maskedAccuracy: predicted.accuracy, actionsUsed: actions.quantizer.codesUsed, actionPerplexity: actions.quantizer.perplexity },
        frames: b * t,
        tokens: b * t * tokens,
      };
    },

    afterStep(step: number): void {
      if (step % config.model.lam.quantizer.resetEvery === 0) lam.quantizer.resetDeadCodes(resets);
    },

    async validate(clips: ClipBatch, step: number, samplesDir: string): Promise<Validation> {
      const frames = clipTensor(clips);
      const [batch, time] = clips.shape;
      const ids = tokenizer.tokenizeInWindows(frames, chunk);
      const actions = noGrad(() => lam.encodeActions(frames)); // (B, T-1) codes, latents (B, T-1, Dz)
      const codes = config.model.lam.quantizer.codes;
      const usage = codebookUsage(actions.indices, codes);
      // The same random codes every validation, so the gains of different steps compare.
      const codeRng = new Rng(seed + 15);
      const randomCodes = Int32Array.from(actions.indices, () => codeRng.int(codes));
      const next = slice(frames, 1, 1, time); // x_2..x_T, what the LAM decoder predicts
      const decoderPsnr = (latents: Tensor) => noGrad(() => capPsnr(psnrFromMse(mse(lam.predict(frames, latents), next).item(), 1)));
      const lamPsnr = decoderPsnr(actions.output);
      const lamRandomActionPsnr = decoderPsnr(lam.quantizer.lookup(randomCodes, [batch, time - 1]));
      const lamOtherClipActionPsnr = decoderPsnr(lam.quantizer.lookup(otherClipsCodes(actions.indices, batch), [batch, time - 1]));
      // The same mask every validation, so accuracies of different steps compare.
      const masked = noGrad(() => dynamics.forward(ids, [batch, time, tokens], actions.output, { rng: new Rng(seed + 13) }));

      const rolloutFrames = Math.min(config.train.dynamics.rolloutFrames, time - 1);
      const generated = rollout(dynamics, tokenizer, ids, actions.output, batch, time, rolloutFrames, chunk, new Rng(seed + 14));
      const truth = (b: number) => framesOf(frames, b, 1, rolloutFrames + 1);
      const rolloutPsnrs: number[] = [];
      const copyPsnrs: number[] = [];
      for (let b = 0; b < batch; b++) {
        rolloutPsnrs.push(...psnrPerStep(truth(b), framesOf(generated, b, 1, rolloutFrames + 1), 1));
        copyPsnrs.push(...psnrPerStep(truth(b), truth(b).map(() => frameOf(frames, b, 0)), 1));
      }

      const shown = Math.min(SAMPLE_CLIPS, batch);
      // The GIF plays real clips (top) above their rollouts (bottom), frame by frame.
      const gifFrames = Array.from({ length: rolloutFrames + 1 }, (_, t) =>
        mosaic([Array.from({ length: shown }, (_, b) => frameOf(frames, b, t)), Array.from({ length: shown }, (_, b) => frameOf(generated, b, t))]),
      );
      const gif = join(samplesDir, `dynamics-${stepLabel(step)}.gif`);
      const { width, height } = gifFrames[0];
      await writeGif(gifFrames.map((f) => f.rgb), { width, height, fps: config.model.video.fps, scale: 4 }, gif);
      const rows = Array.from({ length: shown }, (_, b) => [framesOf(frames, b, 0, rolloutFrames + 1), framesOf(generated, b)]).flat();
      const sample = join(samplesDir, `dynamics-${stepLabel(step)}.png`);
      await writeImageGrid(sample, {
        rows,
        dataRange: 1,
        rowLabels: rows.map((_, i) => (i % 2 === 0 ? `clip ${i / 2}` : 'rollout')),
        title: `rollouts from frame 0 with the LAM's actions, step ${step}`,
      });

      const warnings: string[] = [];
      if (usage.used <= 1) {
        const code = usage.counts.findIndex((n) => n > 0);
        warnings.push(`LATENT ACTION COLLAPSE: all ${actions.indices.length} validation transitions use action ${code} of ${usage.counts.length}; the dynamics model cannot learn control`);
      }
      // With one clip the other clip is itself: only the random control counts.
      const control = batch > 1 ? Math.max(lamRandomActionPsnr, lamOtherClipActionPsnr) : lamRandomActionPsnr;
      if (lamPsnr - control < MIN_ACTION_GAIN_DB) {
        warnings.push(
          `LATENT ACTIONS CARRY LITTLE: the LAM decoder scores ${lamPsnr.toFixed(2)} dB with its inferred actions, ${lamRandomActionPsnr.toFixed(2)} dB with random ones ` +
            `and ${lamOtherClipActionPsnr.toFixed(2)} dB with another clip's; ` +
            'its codes barely describe the transitions, so the world will respond little to actions (motion features, model.lam.motion, a larger LAM, a smaller LAM patch or more steps may help; src/bc/README.md)',
        );
      }
      return {
        metrics: {
          actionsUsed: usage.used,
          actionPerplexity: usage.perplexity,
          lamPsnr,
          lamRandomActionPsnr,
          lamOtherClipActionPsnr,
          maskedAccuracy: masked.accuracy,
          dynamicsLoss: masked.loss.item(),
          rolloutPsnr: meanPsnr(rolloutPsnrs),
          copyPsnr: meanPsnr(copyPsnrs),
        },
        warnings,
        samples: [sample, gif],
      };
    },
  };
}

// Frames 0..k (B, k+1, H, W, C): the prompt frame 0 decoded from its tokens, then k frames generated by
// MaskGIT under the given actions (transition t -> t+1 uses actions[:, t]).
function rollout(
  dynamics: DynamicsModel, tokenizer: VideoTokenizer, ids: Int32Array, actions: Tensor, batch: number, time: number, k: number, chunk: number, rng: Rng,
): Tensor {
  const n = ids.length / (batch * time);
  const prompt = new Int32Array(batch * n);
  for (let b = 0; b < batch; b++) prompt.set(ids.subarray(b * time * n, b * time * n + n), b * n);
  const generator = new FrameGenerator(dynamics, batch);
  generator.begin(prompt, 1);
  const { maskgitSteps, temperature } = dynamics.config.dynamics;
  for (let t = 0; t < k; t++) {
    const action = reshape(slice(actions, 1, t, t + 1), [batch, -1]); // (B, Dz)
    generator.step(action, { steps: maskgitSteps, temperature, rng });
  }
  const all = new Int32Array(batch * (k + 1) * n); // (B, k+1, N)
  for (let t = 0; t <= k; t++) {
    const frame = generator.frame(t);
    for (let b = 0; b < batch; b++) all.set(frame.subarray(b * n, (b + 1) * n), (b * (k + 1) + t) * n);
  }
  return tokenizer.decodeInWindows(all, [batch, k + 1, n], chunk);
}
