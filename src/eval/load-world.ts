// The one place `genie eval` turns a path into an EvalWorld. Today it reads a phase-2 (dynamics)
// checkpoint, which carries the tokenizer, the LAM and the dynamics model with the resolved run config in
// its metadata: either the file itself or a run folder holding dynamics.safetensors.
// When the world folder that `genie play` loads (src/play/load-world.ts) lands, this function reads it too.
import { existsSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { Rng } from '../engine/index.ts';
import { DynamicsModel } from '../models/dynamics.ts';
import { LatentActionModel } from '../models/lam.ts';
import { VideoTokenizer } from '../models/tokenizer.ts';
import { readCheckpoint, tensorsUnder } from '../train/index.ts';
import type { EvalWorld } from './eval-world.ts';
import { modelWorld } from './model-world.ts';
import { sha256File } from './split.ts';

export const WORLD_CHECKPOINT = 'dynamics.safetensors';

export async function loadEvalWorld(path: string): Promise<EvalWorld> {
  const file = checkpointPath(path);
  const checkpoint = readCheckpoint(file);
  if (checkpoint.phase !== 'dynamics') {
    throw new Error(`${file} is a ${checkpoint.phase} checkpoint; eval needs a phase-2 (dynamics) checkpoint, which carries all three models`);
  }
  const { model } = checkpoint.config;
  // The weights replace every initial value; the seed only makes construction deterministic.
  const rng = new Rng(0);
  const models = { tokenizer: new VideoTokenizer(model, rng), lam: new LatentActionModel(model, rng), dynamics: new DynamicsModel(model, rng) };
  for (const [component, module] of Object.entries(models)) {
    const state = tensorsUnder(checkpoint.tensors, `model.${component}`);
    if (Object.keys(state).length === 0) throw new Error(`${file} holds no model.${component}.* tensors`);
    module.loadStateDict(state);
  }
  const checkpoints = [{ component: 'tokenizer+lam+dynamics', path: resolve(file), sha256: await sha256File(file), bytes: statSync(file).size }];
  const name = `${model.name} step ${checkpoint.step} (${basename(resolve(path))})`;
  return modelWorld(models, checkpoint.config, { name, checkpoints });
}

function checkpointPath(path: string): string {
  if (!existsSync(path)) throw new Error(`--world ${path}: no such file or folder`);
  if (!statSync(path).isDirectory()) return path;
  const file = join(path, WORLD_CHECKPOINT);
  if (!existsSync(file)) throw new Error(`--world ${path}: the folder has no ${WORLD_CHECKPOINT} (give a run folder after 'genie train dynamics', or the checkpoint file)`);
  return file;
}
