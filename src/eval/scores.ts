// Frame-by-frame PSNR and SSIM between two batches of videos in [0, 1], and their summaries.
import { imageFrame, type VideoBatch } from './eval-world.ts';
import { meanPsnr, meanPsnrPerStep, psnr, ssim } from './metrics/index.ts';

export interface VideoScores {
  psnr: number[][]; // [clip][frame], uncapped (identical frames are +Infinity)
  ssim: number[][];
}

export function scoreVideos(truth: VideoBatch, generated: VideoBatch, what: string): VideoScores {
  if (truth.batch !== generated.batch || truth.frames !== generated.frames) {
    throw new Error(`${what}: ${truth.batch}x${truth.frames} true frames but ${generated.batch}x${generated.frames} generated frames`);
  }
  const scores: VideoScores = { psnr: [], ssim: [] };
  for (let b = 0; b < truth.batch; b++) {
    const pairs = Array.from({ length: truth.frames }, (_, t) => [imageFrame(truth, b, t), imageFrame(generated, b, t)] as const);
    scores.psnr.push(pairs.map(([x, y]) => psnr(x, y, 1)));
    scores.ssim.push(pairs.map(([x, y]) => ssim(x, y, 1)));
  }
  return scores;
}

export function appendScores(into: VideoScores, more: VideoScores): void {
  into.psnr.push(...more.psnr);
  into.ssim.push(...more.ssim);
}

export interface ScoreSummary {
  psnr: number; // mean over every frame, each capped at PSNR_CAP_DB
  ssim: number;
  frames: number;
}

export function summarise(scores: VideoScores): ScoreSummary {
  const psnrs = scores.psnr.flat();
  return { psnr: meanPsnr(psnrs), ssim: mean(scores.ssim.flat()), frames: psnrs.length };
}

export interface StepCurves extends ScoreSummary {
  psnrPerStep: number[]; // index t-1 = generated frame t
  ssimPerStep: number[];
}

// Per-step means over clips (every clip must have the same number of steps) and the overall means.
export function stepCurves(scores: VideoScores): StepCurves {
  const steps = scores.ssim[0]?.length ?? 0;
  return {
    ...summarise(scores),
    psnrPerStep: meanPsnrPerStep(scores.psnr),
    ssimPerStep: Array.from({ length: steps }, (_, t) => mean(scores.ssim.map((clip) => clip[t]))),
  };
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new Error('mean: no values');
  return values.reduce((s, v) => s + v, 0) / values.length;
}
