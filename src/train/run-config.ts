// A run's config: the model (src/models' schema, which fixes the architecture) and how to train it. The
// resolved config is written to runs/NAME/config.json and into every checkpoint's metadata, so a
// checkpoint alone rebuilds its model and tells how it was trained.
//
// `--config NAME|FILE`: a preset name gives that model preset with the training preset of the same name
// (models without one train with the cpu settings). A JSON file is either a model config (what
// `genie model info` reads, "extends": NAME allowed) or a run config { "extends"?: NAME, "model"?: {...},
// "train"?: {...} } whose fields override the preset's; runs/NAME/config.json is such a file.
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { modelConfigSchema, presets } from '../models/index.ts';
import { applyOverride, mergeConfig, parseOverride, validateConfig } from './overrides.ts';

const count = z.number().int().positive();
const fraction = z.number().min(0).max(1);

// One phase's optimisation: AdamW with warmup + cosine decay, global-norm clipping.
const phaseFields = {
  steps: count,
  batchSize: count,
  frames: count, // window length; the tokenizer learns from short windows, the dynamics from the context length
  lr: z.number().positive(),
  warmupSteps: z.number().int().min(0),
  finalLrFraction: fraction, // lr at the last step as a fraction of the peak
  beta1: fraction,
  beta2: fraction,
  weightDecay: z.number().min(0),
  gradClip: z.number().positive(),
  validateEvery: count, // steps between validations (and one at the end)
  validationClips: count, // held-out clips each validation scores
};

export const trainingSchema = z.strictObject({
  seed: z.number().int().min(0),
  // Fraction of the videos (by content hash, never by frame) held out for validation.
  validationFraction: z.number().min(0).max(0.5),
  tokenizer: z.strictObject(phaseFields),
  dynamics: z.strictObject({
    ...phaseFields,
    rolloutFrames: count, // frames generated from one prompt frame for the validation rollout PSNR
  }),
  checkpoint: z.strictObject({
    everyMinutes: z.number().positive(),
    everySteps: z.number().int().min(0), // 0: by time only (tests set a step count to be deterministic)
    keepLast: count,
  }),
});

export const runConfigSchema = z
  .strictObject({ model: modelConfigSchema, train: trainingSchema })
  .superRefine((config, ctx) => {
    for (const phase of ['tokenizer', 'dynamics'] as const) {
      const frames = config.train[phase].frames;
      if (frames > config.model.video.frames || frames < 2) {
        ctx.addIssue({ code: 'custom', path: ['train', phase, 'frames'], message: `must be in [2, model.video.frames = ${config.model.video.frames}], got ${frames}` });
      }
      const { warmupSteps, steps } = config.train[phase];
      if (phase === 'dynamics' && config.train.dynamics.rolloutFrames >= frames) {
        ctx.addIssue({ code: 'custom', path: ['train', 'dynamics', 'rolloutFrames'], message: `must be < train.dynamics.frames (${frames}): the rollout starts from the clip's first frame` });
      }
      if (warmupSteps > steps) ctx.addIssue({ code: 'custom', path: ['train', phase, 'warmupSteps'], message: `must be <= steps (${steps}), got ${warmupSteps}` });
    }
  });

export type TrainingConfig = z.infer<typeof trainingSchema>;
export type PhaseTrainingConfig = TrainingConfig['tokenizer'];
export type RunConfig = z.infer<typeof runConfigSchema>;
export type PhaseName = 'tokenizer' | 'dynamics';

const common = { beta1: 0.9, beta2: 0.95, weightDecay: 0.01, gradClip: 1, finalLrFraction: 0.1 };

// Tests: a handful of steps, batch 2, validating and checkpointing often.
const tiny: TrainingConfig = {
  seed: 0,
  validationFraction: 0.25,
  tokenizer: { ...common, steps: 8, batchSize: 2, frames: 4, lr: 1e-3, warmupSteps: 2, validateEvery: 4, validationClips: 2 },
  dynamics: { ...common, steps: 8, batchSize: 2, frames: 4, lr: 1e-3, warmupSteps: 2, validateEvery: 4, validationClips: 2, rolloutFrames: 3 },
  checkpoint: { everyMinutes: 10, everySteps: 0, keepLast: 2 },
};

// The shipped CoinRun world (worlds/coinrun/README.md), sized to the issue's budget of 2.5 hours on 2 cores
// by the throughput measured while training it with the session-4 engine: the tokenizer phase ran at 30-38
// frames/s (3,200 steps of 8 x 4 frames: 50 min), the LAM + dynamics phase at 16.5-19 frames/s (~3.5 s a
// step of 4 x 16 frames: 1,400 steps in 87 min, validations included; 2 h 17 min in all). Tokenizer
// settings are the prototype's (cpu-feasibility.md: T=4, batch 8, lr 1e-3, beta2 0.95, 200 warmup steps,
// cosine to 0.1x); 3,200 steps reached 27.6 dB validation PSNR where 2,400 reached 27.5 (and 28.21 vs 27.99
// dB on coinrun-sticky/test, the floor being 28). Phase 2 takes 4 clips a step rather than the first run's
// 6, for more optimizer steps in the budget (not measured apart from the change of output layer that came
// with it, presets.ts).
const cpu: TrainingConfig = {
  seed: 0,
  validationFraction: 0.05,
  tokenizer: { ...common, steps: 3200, batchSize: 8, frames: 4, lr: 1e-3, warmupSteps: 200, validateEvery: 250, validationClips: 16 },
  dynamics: { ...common, steps: 1400, batchSize: 4, frames: 16, lr: 1e-3, warmupSteps: 100, validateEvery: 700, validationClips: 8, rolloutFrames: 10 },
  checkpoint: { everyMinutes: 5, everySteps: 0, keepLast: 3 },
};

export const trainingPresets: Readonly<Record<string, TrainingConfig>> = { tiny, cpu };

function presetRunConfig(name: string): RunConfig | null {
  const model = presets[name];
  if (!model) return null;
  return structuredClone({ model, train: trainingPresets[name] ?? cpu });
}

function readJson(path: string): Record<string, unknown> {
  try {
    const json: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (json && typeof json === 'object' && !Array.isArray(json)) return json as Record<string, unknown>;
    throw new Error('expected a JSON object');
  } catch (err) {
    throw new Error(`${path}: not a valid config file (${err instanceof Error ? err.message : String(err)})`);
  }
}

// The config named by --config, with --set overrides applied, validated.
export function resolveRunConfig(nameOrPath: string, sets: readonly string[] = []): RunConfig {
  let config: unknown = presetRunConfig(nameOrPath);
  let source = `--config ${nameOrPath}`;
  if (!config) {
    if (!existsSync(nameOrPath)) {
      throw new Error(`--config ${nameOrPath}: neither a preset (${Object.keys(presets).join(', ')}) nor a file`);
    }
    source = nameOrPath;
    const { extends: base, ...fields } = readJson(nameOrPath);
    const start = presetRunConfig(base === undefined ? 'cpu' : String(base));
    if (!start) throw new Error(`${nameOrPath}: "extends": "${String(base)}" is not a preset (${Object.keys(presets).join(', ')})`);
    const isRunConfig = 'model' in fields || 'train' in fields;
    if (base !== undefined) config = mergeConfig(start, isRunConfig ? fields : { model: fields }, nameOrPath, runConfigSchema);
    else if (isRunConfig) config = fields; // a complete run config, e.g. a run's config.json
    else config = { model: fields, train: start.train }; // a complete model config, trained with the cpu settings
  }
  return withOverrides(config, sets, source);
}

// `config` (a preset, a file's content or a checkpoint's saved config) with --set overrides, validated.
export function withOverrides(config: unknown, sets: readonly string[], source: string): RunConfig {
  for (const text of sets) config = applyOverride(config, parseOverride(text), runConfigSchema);
  return validateConfig(runConfigSchema, config, sets.length ? `${source} with --set ${sets.join(' ')}` : source);
}
