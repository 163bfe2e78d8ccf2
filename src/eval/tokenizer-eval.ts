// Tokenizer reconstruction quality on every frame of the test clips.
import { assertVideoShape, selectClips, sliceFrames, type EvalWorld, type VideoBatch } from './eval-world.ts';
import { appendScores, scoreVideos, summarise, type ScoreSummary, type VideoScores } from './scores.ts';
import type { EvalSplit } from './split.ts';
import { batchesOf, coveringWindows, loadWindows } from './windows.ts';

export interface TokenizerResult extends ScoreSummary {
  windowFrames: number; // clips are encoded in consecutive windows of this many frames
}

export interface TokenizerExamples {
  truth: VideoBatch; // (1, up to 8): the first frames of the first clip
  reconstruction: VideoBatch;
}

export function evaluateTokenizer(world: EvalWorld, split: EvalSplit, batchSize: number): { result: TokenizerResult; examples: TokenizerExamples } {
  const windowFrames = world.tokenizerFrames;
  const scores: VideoScores = { psnr: [], ssim: [] };
  let examples: TokenizerExamples | null = null;
  for (const batch of batchesOf(coveringWindows(split, windowFrames), batchSize)) {
    const truth = loadWindows(split, batch);
    const reconstruction = world.reconstruct(truth);
    assertVideoShape(reconstruction, truth.batch, truth.frames, truth, 'world.reconstruct');
    appendScores(scores, scoreVideos(truth, reconstruction, 'tokenizer reconstruction'));
    if (!examples && batch[0].clip === 0 && batch[0].start === 0) {
      const shown = Math.min(8, truth.frames);
      examples = { truth: selectClips(sliceFrames(truth, 0, shown), 0, 1), reconstruction: selectClips(sliceFrames(reconstruction, 0, shown), 0, 1) };
    }
  }
  return { result: { ...summarise(scores), windowFrames }, examples: examples! };
}

