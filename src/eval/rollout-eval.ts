// Dynamics rollouts from one prompt frame, as in the GenieRedux CoinRun tables, and Genie's
// controllability metric, on windows of the test clips.
//
// For each window x_0..x_{L-1} (L = the Fréchet clip length, 16):
// - the LAM infers a_0..a_{L-2} from the true window (a_t: transition t -> t+1);
// - "LAM actions": x̂_1..x̂_{L-1} generated from x_0 with a_0..a_{L-2} (steps 1..S are scored, all L
//   frames feed the Fréchet distance);
// - "random actions": x̂'_1..x̂'_S from x_0 with latent actions drawn uniformly from 0..|A|-1;
// - "teacher-forced": frame t generated from the TRUE x_0..x_{t-1} and a_{t-1} (the upper bound);
// - "copy prompt": x_0 itself as the guess for every x_t (the baseline a world must beat).
// The three generated rollouts of a batch share one sampling seed (common random numbers), so they differ
// only through their actions and context: a world that ignores actions gets Delta_t PSNR exactly 0.
import { Rng } from '../engine/index.ts';
import { assertVideoShape, frameOf, imageFrames, joinFrames, selectClips, sliceFrames, type EvalWorld, type GenerateRequest, type VideoBatch } from './eval-world.ts';
import { deltaPsnrPerStep, meanDeltaPsnrPerStep, type ControllabilityRollout } from './metrics/index.ts';
import { appendScores, mean, scoreVideos, stepCurves, type StepCurves, type VideoScores } from './scores.ts';
import { inferActionsInWindows } from './lam-eval.ts';
import type { EvalSplit } from './split.ts';
import { batchesOf, loadWindows, windowsAt, type ClipWindow } from './windows.ts';

export interface RolloutSettings {
  starts: readonly number[]; // prompt frame of each window, within every clip
  rolloutSteps: number; // S: generated frames scored (10)
  clipFrames: number; // L: frames per clip for the Fréchet distance (16)
  deltaT: number; // the headline t of Delta_t PSNR (4)
  maskgitSteps: number;
  temperature: number;
  seed: number;
  batchSize: number;
}

export interface RolloutResult {
  windows: number;
  lamActions: StepCurves;
  teacherForced: StepCurves;
  randomActions: StepCurves;
  copyPrompt: StepCurves;
  controllability: {
    deltaPsnrPerStep: number[]; // t = 1..S
    t: number;
    deltaPsnr: number; // at t
    standardError: number | null; // of the per-window Delta_t PSNR at t, over windows (null for one window)
  };
  generation: { frames: number; seconds: number; framesPerSecond: number };
}

export interface RolloutExamples {
  truth: VideoBatch; // (k, S+1): prompt and true frames
  lamActions: VideoBatch; // (k, S)
  randomActions: VideoBatch;
  teacherForced: VideoBatch;
}

export interface RolloutOutput {
  result: RolloutResult;
  realClips: VideoBatch[]; // true L-frame windows, batch by batch
  generatedClips: VideoBatch[]; // prompt + L-1 frames generated with LAM actions, same order
  examples: RolloutExamples;
}

// Sampling seed of batch i: distinct per batch, fixed by the eval seed.
export function batchSeed(seed: number, batch: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) + Math.imul(batch + 1, 0x85ebca6b)) >>> 0;
}

export function evaluateRollouts(world: EvalWorld, split: EvalSplit, settings: RolloutSettings, exampleCount = 3): RolloutOutput {
  const { rolloutSteps: S, clipFrames: L } = settings;
  if (S < 1 || L < S + 1) throw new Error(`rollouts: the Fréchet clip length (${L}) must be at least the rollout steps + 1 (${S + 1})`);
  if (settings.deltaT < 1 || settings.deltaT > S) throw new Error(`rollouts: Delta_t PSNR at t=${settings.deltaT} needs 1 <= t <= ${S}`);
  const scores = { lam: empty(), teacher: empty(), random: empty(), copy: empty() };
  const rollouts: ControllabilityRollout[] = [];
  const realClips: VideoBatch[] = [];
  const generatedClips: VideoBatch[] = [];
  const generation = { frames: 0, seconds: 0 };
  let examples: RolloutExamples | null = null;

  const generate = (request: GenerateRequest, what: string): VideoBatch => {
    const started = performance.now();
    const video = world.generate(request);
    generation.seconds += (performance.now() - started) / 1000;
    const steps = request.actions.length / request.prompt.batch;
    assertVideoShape(video, request.prompt.batch, steps, request.prompt, `world.generate (${what})`);
    generation.frames += video.batch * video.frames;
    return video;
  };

  batchesOf(windowsAt(split, settings.starts, L), settings.batchSize).forEach((batch: ClipWindow[], index) => {
    const truth = loadWindows(split, batch); // (B, L)
    const B = truth.batch;
    const inferred = inferActionsInWindows(world, truth); // (B, L-1)
    const prompt = sliceFrames(truth, 0, 1);
    const target = sliceFrames(truth, 1, S + 1); // (B, S)
    const common = { prompt, maskgitSteps: settings.maskgitSteps, temperature: settings.temperature, seed: batchSeed(settings.seed, index) };
    const firstActions = (actions: Int32Array, width: number) => Int32Array.from({ length: B * S }, (_, i) => actions[Math.floor(i / S) * width + (i % S)]);

    const lamClip = generate({ ...common, actions: inferred }, 'LAM actions'); // (B, L-1)
    const lam = sliceFrames(lamClip, 0, S);
    const random = generate({ ...common, actions: randomActions(world.numActions, B * S, common.seed) }, 'random actions');
    const teacher = generate({ ...common, actions: firstActions(inferred, L - 1), teacherFrames: target }, 'teacher-forced');
    const copy = repeatFrame(prompt, S);

    appendScores(scores.lam, scoreVideos(target, lam, 'LAM-action rollout'));
    appendScores(scores.random, scoreVideos(target, random, 'random-action rollout'));
    appendScores(scores.teacher, scoreVideos(target, teacher, 'teacher-forced rollout'));
    appendScores(scores.copy, scoreVideos(target, copy, 'copy-prompt baseline'));
    for (let b = 0; b < B; b++) rollouts.push({ truth: imageFrames(target, b), withInferredActions: imageFrames(lam, b), withRandomActions: imageFrames(random, b) });
    realClips.push(truth);
    generatedClips.push(joinFrames([prompt, lamClip]));
    if (!examples) {
      const k = Math.min(exampleCount, B);
      examples = {
        truth: selectClips(sliceFrames(truth, 0, S + 1), 0, k),
        lamActions: selectClips(lam, 0, k),
        randomActions: selectClips(random, 0, k),
        teacherForced: selectClips(teacher, 0, k),
      };
    }
  });

  const deltaCurve = meanDeltaPsnrPerStep(rollouts, 1);
  const perWindow = rollouts.map((r) => deltaPsnrPerStep(r, 1)[settings.deltaT - 1]);
  return {
    result: {
      windows: rollouts.length,
      lamActions: stepCurves(scores.lam),
      teacherForced: stepCurves(scores.teacher),
      randomActions: stepCurves(scores.random),
      copyPrompt: stepCurves(scores.copy),
      controllability: { deltaPsnrPerStep: deltaCurve, t: settings.deltaT, deltaPsnr: deltaCurve[settings.deltaT - 1], standardError: standardError(perWindow) },
      generation: { ...generation, framesPerSecond: generation.frames / Math.max(generation.seconds, 1e-9) },
    },
    realClips,
    generatedClips,
    examples: examples!,
  };
}

// The same prompt under each latent action held for `steps` frames: (|A|, steps) per prompt.
export function generateActionGrid(world: EvalWorld, prompt: VideoBatch, steps: number, settings: Pick<RolloutSettings, 'maskgitSteps' | 'temperature' | 'seed'>): VideoBatch {
  const A = world.numActions;
  const prompts = repeatClips(selectClips(prompt, 0, 1), A);
  const actions = Int32Array.from({ length: A * steps }, (_, i) => Math.floor(i / steps));
  const video = world.generate({ prompt: prompts, actions, maskgitSteps: settings.maskgitSteps, temperature: settings.temperature, seed: settings.seed });
  assertVideoShape(video, A, steps, prompt, 'world.generate (action grid)');
  return video;
}

function randomActions(numActions: number, count: number, seed: number): Int32Array {
  const rng = new Rng(seed ^ 0x2545f491);
  return Int32Array.from({ length: count }, () => rng.int(numActions));
}

function empty(): VideoScores {
  return { psnr: [], ssim: [] };
}

// (B, 1) -> (B, n): the one frame of each clip repeated.
function repeatFrame(video: VideoBatch, n: number): VideoBatch {
  const out = new Float32Array(video.batch * n * video.height * video.width * video.channels);
  for (let b = 0; b < video.batch; b++) for (let t = 0; t < n; t++) out.set(frameOf(video, b, 0), (b * n + t) * frameOf(video, 0, 0).length);
  return { ...video, data: out, frames: n };
}

// (1, T) -> (n, T).
function repeatClips(video: VideoBatch, n: number): VideoBatch {
  const out = new Float32Array(n * video.data.length);
  for (let b = 0; b < n; b++) out.set(video.data, b * video.data.length);
  return { ...video, data: out, batch: n };
}

function standardError(values: readonly number[]): number | null {
  if (values.length < 2) return null;
  const m = mean(values);
  const variance = values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1);
  return Math.sqrt(variance / values.length);
}
