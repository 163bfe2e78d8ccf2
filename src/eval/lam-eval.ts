// The latent action model on the test clips: how well its decoder predicts x_{t+1}, how evenly it uses
// its |A| codes, and how its codes relate to the TRUE actions it never saw in training.
//
// Pairing: the LAM's latent action for transition t -> t+1 (inferred from frames up to t+1) is paired
// with actions[t] of actions.jsonl, the action taken after seeing frame t that produced frame t+1.
import { assertVideoShape, frameSize, sliceFrames, videoBatch, type EvalWorld, type VideoBatch } from './eval-world.ts';
import { analyseLatentActions, codebookUsage, type CodebookUsage, type LabelledClip, type LatentActionAnalysis } from './metrics/index.ts';
import { appendScores, scoreVideos, summarise, type ScoreSummary, type VideoScores } from './scores.ts';
import type { EvalSplit } from './split.ts';
import { batchesOf, loadWindows, transitionWindows, trueActionsOf } from './windows.ts';

export interface LatentActionResult {
  transitions: number;
  windowFrames: number;
  reconstruction: ScoreSummary; // the LAM decoder's x_{t+1} against the true x_{t+1}
  copyLastFrame: ScoreSummary; // x_t as the guess for x_{t+1}: what a decoder that ignores its action scores
  codebook: CodebookUsage & { codes: number };
  analysis: LatentActionAnalysis; // co-occurrence (latent x true), NMI, split-half many-to-one mapping
  pairing: string;
}

export const LATENT_ACTION_PAIRING =
  'latent action of transition t -> t+1 (LAM encoder sees frames up to t+1) paired with actions[t] ' +
  '(the action taken after frame t, which produced frame t+1)';

// Per clip, the latent action of every transition in order (clip.frameCount - 1 of them).
export function inferClipActions(world: EvalWorld, split: EvalSplit, batchSize: number, onBatch?: (scores: { truth: VideoScores; copy: VideoScores }) => void): number[][] {
  const latent = split.clips.map((clip) => new Array<number>(clip.frameCount - 1).fill(-1));
  for (const batch of batchesOf(transitionWindows(split, world.contextFrames), batchSize)) {
    const video = loadWindows(split, batch);
    const transitions = video.frames - 1;
    const inferred = world.inferActions(video);
    const actions = checkedActions(world, inferred.actions, video.batch, transitions);
    assertVideoShape(inferred.predicted, video.batch, transitions, video, 'world.inferActions (predicted frames)');
    batch.forEach((w, b) => {
      for (let t = 0; t < transitions; t++) latent[w.clip][w.start + t] = actions[b * transitions + t];
    });
    if (onBatch) {
      const next = sliceFrames(video, 1, video.frames);
      const previous = sliceFrames(video, 0, video.frames - 1);
      onBatch({ truth: scoreVideos(next, inferred.predicted, 'LAM reconstruction'), copy: scoreVideos(next, previous, 'copy last frame') });
    }
  }
  return latent;
}

// The latent actions (B, L-1) of every transition of a batch of L-frame clips: the LAM runs on windows of at
// most its context length, overlapping by one frame, so each transition is inferred exactly once.
export function inferActionsInWindows(world: EvalWorld, video: VideoBatch): Int32Array {
  const transitions = video.frames - 1;
  const out = new Int32Array(video.batch * transitions);
  for (let start = 0; start < transitions; start += world.contextFrames - 1) {
    const end = Math.min(video.frames, start + world.contextFrames);
    const n = end - start - 1;
    const actions = checkedActions(world, world.latentActions(sliceFrames(video, start, end)), video.batch, n);
    for (let b = 0; b < video.batch; b++) out.set(actions.subarray(b * n, (b + 1) * n), b * transitions + start);
  }
  return out;
}

// The latent actions (B, L-1) of every transition of a batch of L-frame clips, each read with the most history
// the LAM's context of T frames allows: transition t is the last one of the window ending at frame t+1 (the
// first T-1 transitions come from the first window). A LAM's code for a transition depends on its place in
// the window: with no earlier frames it has to describe the motion itself, with them only what the history
// does not predict. Read at one place, the labels of a policy's training data mean one thing: on platformer
// expert play (src/bc/README.md) NMI with the true keys was 0.032 this way, 0.016 with inferActionsInWindows.
// Costs one window per transition (the LAM encoder only), `windowsPerCall` windows to a call.
export function inferActionsWithHistory(world: EvalWorld, video: VideoBatch, windowsPerCall = 32): Int32Array {
  const frames = Math.min(world.contextFrames, video.frames);
  const perWindow = frames - 1;
  const transitions = video.frames - 1;
  const out = new Int32Array(video.batch * transitions);
  const first = checkedActions(world, world.latentActions(sliceFrames(video, 0, frames)), video.batch, perWindow);
  for (let b = 0; b < video.batch; b++) out.set(first.subarray(b * perWindow, (b + 1) * perWindow), b * transitions);
  const size = frameSize(video);
  const ends = Array.from({ length: video.frames - frames }, (_, i) => frames + 1 + i); // windows [end - T, end)
  const endsPerCall = Math.max(1, Math.floor(windowsPerCall / video.batch));
  for (let i = 0; i < ends.length; i += endsPerCall) {
    const chunk = ends.slice(i, i + endsPerCall);
    const windows = chunk.length * video.batch;
    const data = new Float32Array(windows * frames * size);
    chunk.forEach((end, c) => {
      for (let b = 0; b < video.batch; b++) {
        const from = (b * video.frames + end - frames) * size;
        data.set(video.data.subarray(from, from + frames * size), (c * video.batch + b) * frames * size);
      }
    });
    const batch = videoBatch(data, windows, frames, video.height, video.width, video.channels);
    const actions = checkedActions(world, world.latentActions(batch), windows, perWindow);
    chunk.forEach((end, c) => {
      for (let b = 0; b < video.batch; b++) out[b * transitions + end - 2] = actions[(c * video.batch + b) * perWindow + perWindow - 1];
    });
  }
  return out;
}

function checkedActions(world: EvalWorld, actions: Int32Array, batch: number, transitions: number): Int32Array {
  if (actions.length !== batch * transitions) {
    throw new Error(`the world's LAM returned ${actions.length} actions for ${batch} clips of ${transitions + 1} frames (expected ${batch * transitions})`);
  }
  const bad = actions.findIndex((a) => a < 0 || a >= world.numActions);
  if (bad >= 0) throw new Error(`the world's LAM returned latent action ${actions[bad]}, outside 0..${world.numActions - 1}`);
  return actions;
}

export function evaluateLatentActions(world: EvalWorld, split: EvalSplit, batchSize: number): { result: LatentActionResult; latent: number[][] } {
  const reconstruction: VideoScores = { psnr: [], ssim: [] };
  const copy: VideoScores = { psnr: [], ssim: [] };
  const latent = inferClipActions(world, split, batchSize, (scores) => {
    appendScores(reconstruction, scores.truth);
    appendScores(copy, scores.copy);
  });
  const labelled: LabelledClip[] = split.clips.map((clip, i) => ({
    latent: latent[i],
    trueActions: trueActionsOf(clip, { clip: i, start: 0, length: clip.frameCount }),
  }));
  const all = latent.flat();
  return {
    result: {
      transitions: all.length,
      windowFrames: world.contextFrames,
      reconstruction: summarise(reconstruction),
      copyLastFrame: summarise(copy),
      codebook: { ...codebookUsage(all, world.numActions), codes: world.numActions },
      analysis: analyseLatentActions(labelled, world.numActions, split.actionNames.length),
      pairing: LATENT_ACTION_PAIRING,
    },
    latent,
  };
}

