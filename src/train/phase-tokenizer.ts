// Phase 1: the video tokenizer (ST-ViViT VQ-VAE) learns to reconstruct frames through its codebook.
// Loss: pixel MSE + codebook + commitment terms; dead codes are reset every `resetEvery` steps.
// Validation: reconstruction PSNR/SSIM and codebook usage on held-out clips, and a grid of originals
// above their reconstructions.
import { join } from 'node:path';
import { Rng, noGrad } from '../engine/index.ts';
import type { ClipBatch } from '../data/index.ts';
import { codebookUsage, meanPsnr, psnrPerStep, ssimPerStep } from '../eval/metrics/index.ts';
import { writeImageGrid } from '../eval/figures/index.ts';
import { tokensPerFrame } from '../models/index.ts';
import { VideoTokenizer } from '../models/tokenizer.ts';
import { clipTensor, framesOf, stepLabel } from './clip-frames.ts';
import type { Phase, StepLoss, Validation } from './phase.ts';
import type { RunConfig } from './run-config.ts';

const SAMPLE_CLIPS = 4;

export function tokenizerPhase(config: RunConfig): Phase & { tokenizer: VideoTokenizer } {
  const seed = config.train.seed;
  const tokenizer = new VideoTokenizer(config.model, new Rng(seed));
  const resets = new Rng(seed + 1); // which encoder outputs dead codes move to
  const tokens = tokensPerFrame(config.model.video, config.model.tokenizer.patch);

  return {
    name: 'tokenizer',
    tokenizer,
    trained: { tokenizer },
    frozen: {},
    rngs: { resets },
    bestMetric: { name: 'psnr', higherIsBetter: true },

    loss(batch: ClipBatch): StepLoss {
      const out = tokenizer.forward(clipTensor(batch));
      const [b, t] = batch.shape;
      return {
        loss: out.loss,
        terms: { reconstruction: out.reconstructionLoss, vq: out.quantizer.loss }, // vq: codebook + beta x commitment
        stats: { codesUsed: out.quantizer.codesUsed, codebookPerplexity: out.quantizer.perplexity },
        frames: b * t,
        tokens: b * t * tokens,
      };
    },

    afterStep(step: number): void {
      if (step % config.model.tokenizer.quantizer.resetEvery === 0) tokenizer.quantizer.resetDeadCodes(resets);
    },

    async validate(clips: ClipBatch, step: number, samplesDir: string): Promise<Validation> {
      const frames = clipTensor(clips);
      const out = noGrad(() => tokenizer.forward(frames));
      const [batch] = clips.shape;
      const psnrs: number[] = [];
      const ssims: number[] = [];
      for (let b = 0; b < batch; b++) {
        psnrs.push(...psnrPerStep(framesOf(frames, b), framesOf(out.reconstruction, b), 1));
        ssims.push(...ssimPerStep(framesOf(frames, b), framesOf(out.reconstruction, b), 1));
      }
      const usage = codebookUsage(out.tokens, config.model.tokenizer.quantizer.codes);
      const shown = Math.min(SAMPLE_CLIPS, batch);
      const rows = Array.from({ length: shown }, (_, b) => [framesOf(frames, b), framesOf(out.reconstruction, b)]).flat();
      const sample = join(samplesDir, `tokenizer-${stepLabel(step)}.png`);
      await writeImageGrid(sample, {
        rows,
        dataRange: 1,
        rowLabels: rows.map((_, i) => (i % 2 === 0 ? `clip ${i / 2}` : 'reconstructed')),
        title: `tokenizer reconstructions, step ${step}`,
      });
      return {
        metrics: {
          psnr: meanPsnr(psnrs),
          ssim: ssims.reduce((a, v) => a + v, 0) / ssims.length,
          reconstructionLoss: out.reconstructionLoss.item(),
          codesUsed: usage.used,
          codebookPerplexity: usage.perplexity,
        },
        warnings: usage.used <= 1 ? [`tokenizer codebook collapsed: every validation token uses one code of ${usage.counts.length}`] : [],
        samples: [sample],
      };
    },
  };
}
