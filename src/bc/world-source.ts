// A world for the behaviour-cloning experiment trained on random-policy videos of the platformer with the
// normal pipeline (genie env record -> genie data prepare -> genie train all), so no action label reaches
// it. Existing worlds (world folders, run folders, phase-2 checkpoints) are opened by eval's loadEvalWorld.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { prepareDataset } from '../data/index.ts';
import { recordSplit, type PolicyName } from '../envs/record.ts';
import { readCheckpoint, trainAll, resolveRunConfig, type ProgressReporter, type StopSignal } from '../train/index.ts';

export interface WorldTraining {
  out: string; // OUT/world-data (videos, prepared cache) and OUT/world (the training run) go here
  config: string; // preset or file, as `genie train --config`
  set: string[];
  episodes: number; // random-policy episodes to record (level seeds 0..episodes-1)
  policy: Extract<PolicyName, 'random' | 'sticky'>;
  framesPerClip: number;
  progress: ProgressReporter;
  stop: StopSignal;
}

// Records, prepares and trains as needed, reusing whatever a previous call left in `out` (a finished
// run is reused as is, an unfinished one resumed); returns the run folder.
export async function trainWorld(options: WorldTraining): Promise<string> {
  const config = resolveRunConfig(options.config, options.set);
  const { height, width, fps, frames } = config.model.video;
  if (height !== width) throw new Error(`bc: --config ${options.config} plays ${width}x${height} frames; the platformer renders square frames`);
  const dataDir = join(options.out, 'world-data');
  const videos = join(dataDir, 'train');
  if (existsSync(videos)) options.progress.note(`world data: reusing the videos in ${videos}`);
  else {
    options.progress.note(`world data: recording ${options.episodes} ${options.policy}-policy episodes at ${width}x${height} into ${videos}`);
    await recordSplit({ out: dataDir, split: 'train', episodes: options.episodes, policy: options.policy, firstSeed: 0, framesPerClip: options.framesPerClip, clips: 'all', size: width, fps });
  }
  const prepared = join(dataDir, 'prepared');
  await prepareDataset([videos], { out: prepared, width, height, fps, minFrames: frames });

  const run = resolve(options.out, 'world');
  const latest = join(run, 'dynamics.safetensors');
  if (existsSync(latest)) {
    const checkpoint = readCheckpoint(latest);
    if (checkpoint.step >= checkpoint.config.train.dynamics.steps) {
      options.progress.note(`world: reusing the trained world ${latest} (step ${checkpoint.step})`);
      return run;
    }
  }
  const resume = existsSync(join(run, 'tokenizer.safetensors'));
  const outcome = await trainAll({ data: prepared, out: run, config: resume ? undefined : options.config, set: options.set, resume, progress: options.progress, stop: options.stop });
  if (outcome.status !== 'completed') throw new Error(`bc: training the world stopped (${outcome.status}): ${outcome.message}`);
  return run;
}
