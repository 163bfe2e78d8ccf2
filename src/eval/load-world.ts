// The one place `genie eval` turns a path into an EvalWorld. It reads
// - a world folder (world.json beside world.safetensors: what `genie play` loads, src/world/world-folder.ts),
// - a training run folder holding dynamics.safetensors (after `genie train dynamics`), or
// - a phase-2 (dynamics) checkpoint file itself, which carries all three models and their run config.
import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Precision } from '../engine/index.ts';
import { readCheckpoint } from '../train/index.ts';
import { WORLD_MANIFEST, buildWorldModels, loadWorld } from '../world/world-folder.ts';
import type { EvalWorld } from './eval-world.ts';
import { modelWorld } from './model-world.ts';
import { sha256File } from './split.ts';

export const RUN_CHECKPOINT = 'dynamics.safetensors';

export async function loadEvalWorld(path: string, precision: Precision = 'fp32'): Promise<EvalWorld> {
  if (!existsSync(path)) throw new Error(`--world ${path}: no such file or folder`);
  const isFolder = statSync(path).isDirectory();
  if (isFolder && existsSync(join(path, WORLD_MANIFEST))) {
    const world = await loadWorld(path);
    const { path: file, sha256, bytes, step } = world.checkpoint;
    return modelWorld(world.models, world.config, {
      name: `${world.manifest.name} (step ${step})`,
      checkpoints: [{ component: 'world: tokenizer+lam+dynamics', path: file, sha256, bytes }],
    }, precision);
  }
  const file = isFolder ? join(path, RUN_CHECKPOINT) : path;
  if (!existsSync(file)) {
    throw new Error(`--world ${path}: the folder has neither ${WORLD_MANIFEST} (a world folder) nor ${RUN_CHECKPOINT} (a run folder after 'genie train dynamics')`);
  }
  const checkpoint = readCheckpoint(file);
  if (checkpoint.phase !== 'dynamics') {
    throw new Error(`${file} is a ${checkpoint.phase} checkpoint; eval needs a phase-2 (dynamics) checkpoint, which carries all three models`);
  }
  const models = buildWorldModels(checkpoint.config, checkpoint.tensors, file);
  return modelWorld(models, checkpoint.config, {
    name: `${checkpoint.config.model.name} step ${checkpoint.step} (${basename(resolve(path))})`,
    checkpoints: [{ component: 'run checkpoint: tokenizer+lam+dynamics', path: resolve(file), sha256: await sha256File(file), bytes: statSync(file).size }],
  }, precision);
}
