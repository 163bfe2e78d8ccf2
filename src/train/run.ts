// What `genie train tokenizer|dynamics|all` does, as library functions the CLI calls and tests can call:
// resolve the config (preset/file + --set, or the checkpoint's own on --resume), build the phase, refuse
// to overwrite a run by accident, write config.json, and run the shared loop.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Rng } from '../engine/index.ts';
import { writeFileAtomic } from '../util/atomic-file.ts';
import { PreparedDataset } from '../data/index.ts';
import { VideoTokenizer } from '../models/tokenizer.ts';
import { readCheckpoint, tensorsUnder, type Checkpoint } from './checkpoint.ts';
import { trainPhase, type PhaseOutcome } from './loop.ts';
import { dynamicsPhase } from './phase-dynamics.ts';
import type { Phase } from './phase.ts';
import { tokenizerPhase } from './phase-tokenizer.ts';
import type { ProgressReporter } from './progress.ts';
import { resolveRunConfig, withOverrides, type PhaseName, type RunConfig } from './run-config.ts';
import type { StopSignal } from './stop-signal.ts';

export interface TrainRunOptions {
  data: string; // a prepared dataset (genie data prepare)
  out: string; // the run directory
  config?: string; // preset or file; default cpu, or for dynamics the tokenizer checkpoint's config
  set: string[];
  resume: boolean;
  tokenizer?: string; // dynamics: the tokenizer checkpoint to train on
  progress: ProgressReporter;
  stop: StopSignal;
}

export async function trainTokenizer(options: TrainRunOptions): Promise<PhaseOutcome> {
  const resume = resumePoint(options, 'tokenizer');
  const config = resume ? withOverrides(resume.config, options.set, `${join(options.out, 'tokenizer.safetensors')} (saved config)`) : resolveRunConfig(options.config ?? 'cpu', options.set);
  return run(options, config, tokenizerPhase(config), resume);
}

export async function trainDynamics(options: TrainRunOptions): Promise<PhaseOutcome> {
  const resume = resumePoint(options, 'dynamics');
  if (resume) {
    const config = withOverrides(resume.config, options.set, `${join(options.out, 'dynamics.safetensors')} (saved config)`);
    // The frozen tokenizer's weights come back with the rest of the checkpoint.
    return run(options, config, dynamicsPhase(config, new VideoTokenizer(config.model, new Rng(0))), resume);
  }
  if (!options.tokenizer) throw new Error('train dynamics needs --tokenizer PATH (a tokenizer checkpoint, e.g. runs/NAME/tokenizer.safetensors)');
  const source = readCheckpoint(options.tokenizer);
  const config = options.config ? resolveRunConfig(options.config, options.set) : withOverrides(source.config, options.set, `${options.tokenizer} (saved config)`);
  checkSameTokenizer(config, source.config, options.tokenizer);
  // How the tokenizer was trained (its window length decides how phase 2 tokenizes) is the checkpoint's fact.
  config.train.tokenizer = source.config.train.tokenizer;
  const tokenizer = new VideoTokenizer(config.model, new Rng(0));
  tokenizer.loadStateDict(tensorsUnder(source.tensors, 'model.tokenizer'));
  return run(options, config, dynamicsPhase(config, tokenizer), null);
}

// Both phases in order. With --resume, a finished tokenizer is kept and each phase continues from its
// latest checkpoint, or starts when it has none.
export async function trainAll(options: TrainRunOptions): Promise<PhaseOutcome> {
  const tokenizerFile = join(options.out, 'tokenizer.safetensors');
  const dynamicsFile = join(options.out, 'dynamics.safetensors');
  const tokenizerDone = options.resume && existsSync(tokenizerFile) && isFinished(readCheckpoint(tokenizerFile));
  if (tokenizerDone) options.progress.note(`tokenizer: already trained (${tokenizerFile}); continuing with dynamics`);
  else {
    const outcome = await trainTokenizer({ ...options, resume: options.resume && existsSync(tokenizerFile) });
    if (outcome.status !== 'completed') return outcome;
    console.log(outcome.message);
  }
  return trainDynamics({
    ...options,
    config: undefined, // the tokenizer checkpoint holds the resolved config (re-applying --set changes nothing)
    tokenizer: tokenizerFile,
    resume: options.resume && existsSync(dynamicsFile),
  });
}

function isFinished(checkpoint: Checkpoint): boolean {
  return checkpoint.step >= checkpoint.config.train[checkpoint.phase].steps;
}

// The checkpoint to continue from, or null for a fresh start; refuses to start over an existing run.
function resumePoint(options: TrainRunOptions, phase: PhaseName): Checkpoint | null {
  const latest = join(options.out, `${phase}.safetensors`);
  if (options.resume) {
    if (!existsSync(latest)) throw new Error(`--resume: ${latest} does not exist; nothing to continue (drop --resume to start the ${phase} phase)`);
    if (options.config) throw new Error(`--resume continues with the config saved in ${latest}; drop --config (--set still applies)`);
    const checkpoint = readCheckpoint(latest);
    if (checkpoint.phase !== phase) throw new Error(`${latest} is a ${checkpoint.phase} checkpoint, not ${phase}`);
    return checkpoint;
  }
  if (existsSync(latest)) {
    throw new Error(`${latest} already exists (step ${readCheckpoint(latest).step}); pass --resume to continue it, or choose another --out`);
  }
  return null;
}

function checkSameTokenizer(config: RunConfig, trained: RunConfig, path: string): void {
  for (const field of ['video', 'tokenizer'] as const) {
    const want = JSON.stringify(trained.model[field]);
    if (JSON.stringify(config.model[field]) !== want) {
      throw new Error(`model.${field} of the config differs from the one ${path} was trained with (${want}); drop --config to use the checkpoint's`);
    }
  }
}

// Before anything is written: the data must be a prepared dataset at the model's resolution.
async function checkDataset(dir: string, config: RunConfig): Promise<void> {
  const dataset = await PreparedDataset.open(dir);
  const { width, height } = dataset.index;
  dataset.close();
  const { video } = config.model;
  if (width !== video.width || height !== video.height) {
    throw new Error(
      `${dir} holds ${width}x${height} frames but model ${config.model.name} expects ${video.width}x${video.height}; ` +
        `prepare the videos again with --size ${video.width}x${video.height}`,
    );
  }
}

async function run(options: TrainRunOptions, config: RunConfig, phase: Phase, resume: Checkpoint | null): Promise<PhaseOutcome> {
  await checkDataset(options.data, config);
  mkdirSync(options.out, { recursive: true });
  await writeFileAtomic(join(options.out, 'config.json'), JSON.stringify(config, null, 2) + '\n');
  const settings = config.train[phase.name];
  const parameters = Object.values(phase.trained).reduce((n, m) => n + m.parameters().reduce((k, p) => k + p.size, 0), 0);
  options.progress.note(
    `${phase.name}: model ${config.model.name}, ${(parameters / 1e6).toFixed(2)}M trained parameters; ${settings.steps} steps of ` +
      `${settings.batchSize} x ${settings.frames} frames; data ${options.data}; run ${options.out}`,
  );
  return trainPhase({ runDir: options.out, dataDir: options.data, config, phase, resume, progress: options.progress, stop: options.stop });
}
